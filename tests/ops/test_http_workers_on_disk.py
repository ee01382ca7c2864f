"""``pcfgraph serve --http-workers 2`` on a release served from its on-disk store: the server
processes fork once its in-memory copy is in and share it, the on-disk store closed before
the fork (no store handle crosses it), each process's sandbox workers open the store
themselves, and only the process that made the store's snapshot removes it
(pcfgraph.serving.http_workers, pcfgraph.release.remove_snapshot)."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import httpx
from ops_support import ServeProcess, children_of, publish

from .test_http_workers import TOKEN, sparql


def snapshots_of(pid: int) -> list[Path]:
    """The store snapshots process ``pid`` made (``.pcfgraph-store-PID-*`` in the temp dir)."""
    return sorted(Path(tempfile.gettempdir()).glob(f".pcfgraph-store-{pid}-*"))


def open_store_files(pid: int) -> list[str]:
    """The files of any store snapshot process ``pid`` holds open."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if ".pcfgraph-store-" in target:
            found.append(target)
    return found


def test_a_release_on_disk_is_served_by_every_process_from_its_shared_copy(
    tmp_path: Path,
) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    server = ServeProcess(
        rel,
        tmp_path / "server.log",
        admin_token=TOKEN,
        max_result_rows=3,
        query_timeout=2,
        worker_memory_store_quads=1,  # served from its on-disk store, with an in-memory copy
    ).start()
    try:
        log = server.log()
        assert "serving from 2 worker processes" in log, log[-3000:]
        assert "ignored" not in log, log[-3000:]
        workers = children_of(server.pid)
        assert len(workers) == 2
        (snapshot,) = snapshots_of(server.pid)  # served from its on-disk store
        # the on-disk store was closed before the fork: no server process holds it open (the
        # sandbox workers, their children, open it themselves)
        for pid in (server.pid, *workers):
            assert open_store_files(pid) == [], pid
        for _ in range(6):  # fresh connections, accepted by either process
            r = sparql(server, "ASK { ?s ?p ?o }")
            assert r.status_code == 200 and r.json()["boolean"] is True, r.text
            capped = sparql(server, "SELECT * WHERE { ?s ?p ?o }")
            assert capped.status_code == 422 and capped.json()["code"] == "result-too-large"
        # a query no bound is proven for goes to a sandbox worker, which reads the store
        slow = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert slow.status_code == 503 and slow.json()["code"] == "query-timeout", slow.text

        second = publish(rel, variant=2)
        r = httpx.post(
            server.url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
        )
        assert r.status_code == 200 and r.json()["processes"] == {second: 2}, r.text
        assert r.json()["release_id"] != first
        for _ in range(4):
            r = sparql(server, "ASK { ?s ?p ?o }")
            assert r.status_code == 200 and r.json()["boolean"] is True, r.text
        assert snapshot.is_dir()  # the processes that let the first release go kept it

        server.signal(signal.SIGTERM)
        assert server.proc is not None
        assert server.proc.wait(timeout=60) == 0
        assert not snapshot.exists()  # its maker removed it once it stopped
    finally:
        server.stop()
