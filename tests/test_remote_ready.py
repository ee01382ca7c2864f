"""``/ready`` of a server on a remote store (``--store``) says whether the store answers: the
served release is the store's, so with the store down every read is a 502 and a load balancer
must take the replica out, then back once the store is up again. A real Oxigraph server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from oxigraph_support import OXIGRAPH, free_port, wait_http
from sparql_support import endpoint_settings, fixture_release, live_server

from pcfgraph.remote_store import gsp_url_for, push_release


def start_oxigraph(location: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(10)


def test_ready_follows_the_remote_store(tmp_path: Path) -> None:
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server binary (PyPI 'oxigraph') is not installed")
    port = free_port()
    store_url = f"http://127.0.0.1:{port}/query"
    proc = start_oxigraph(tmp_path / "oxigraph", port)
    try:
        release = fixture_release()
        push_release(
            release.store, gsp_url_for(store_url), manifest=release.manifest, query_url=store_url
        )
        with (
            live_server(endpoint_settings(store_url=store_url)) as (url, _app),
            httpx.Client(base_url=url, timeout=30) as client,
        ):
            up = client.get("/ready")
            assert up.status_code == 200 and up.json()["status"] == "ready", up.text
            stop(proc)
            assert client.get("/queries/api/frameworks").status_code == 502  # every read
            down = client.get("/ready")
            assert down.status_code == 503
            problem = down.json()
            assert problem["code"] == "not-ready"
            assert store_url in problem["detail"] and "does not answer" in problem["detail"]
            assert down.headers["retry-after"] == "5"
            assert client.get("/health").status_code == 200  # alive: not a restart
            proc = start_oxigraph(tmp_path / "oxigraph", port)  # the same store, back
            assert client.get("/ready").status_code == 200
            assert client.get("/queries/api/frameworks").status_code == 200
    finally:
        if proc.poll() is None:
            stop(proc)
