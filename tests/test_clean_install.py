"""The wheel installed WITHOUT the test extra runs ``pcfgraph push`` and ``serve --store``
against a real Oxigraph server on loopback (issue 12/13: a clean install used to crash on
``import httpx``, a test-only dependency)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_support import MINI, ops_store, publish
from oxigraph_support import free_port, oxigraph_server, wait_http

from pcfgraph import iris

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parent.parent
C2 = MINI + "C2"


def clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PCFGRAPH_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return env


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel and its runtime dependencies installed."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    (wheel,) = (work / "dist").glob("pcfgraph-*.whl")
    venv = work / "venv"
    # No pip (nor the setuptools Python 3.11's ensurepip adds) in it: this run's pip installs
    # into it (--python), without compiling bytecode; 39 -> 17 s here, the same packages.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")),
            *("install", "-q", "--no-compile", "--disable-pip-version-check", str(wheel)),
        ],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pytest"], capture_output=True, cwd=work
    )
    assert probe.returncode != 0, "the clean venv must not have the test extra"
    return venv


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    publish(tmp_path / "rel")  # a small release that passes the framework shapes
    return tmp_path / "rel"


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def count_triples(query_url: str) -> int:
    # Data graphs only: push also writes the release's manifest into its bookkeeping graph.
    q = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?g != <{iris.release_graph()}>) }}"
    )
    req = urllib.request.Request(
        query_url + "?" + urllib.parse.urlencode({"query": q}),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def served(clean_venv: Path, release_dir: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Oxigraph on loopback with the release pushed by the clean install's ``pcfgraph push``."""
    with oxigraph_server(tmp_path / "oxigraph") as base:
        query_url = f"{base}/query"
        done = subprocess.run(
            [
                str(clean_venv / "bin" / "pcfgraph"),
                "push",
                "--store",
                query_url,
                "--release",
                str(release_dir),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=clean_env(),
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "pushed release" in done.stdout
        assert count_triples(query_url) == len(ops_store())
        yield base, query_url


def test_push_and_serve_store_from_a_clean_install(
    clean_venv: Path, release_dir: Path, served: tuple[str, str], tmp_path: Path
) -> None:
    _base, query_url = served
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            str(clean_venv / "bin" / "pcfgraph"),
            "serve",
            "--store",
            query_url,
            "--release",
            str(release_dir),
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=clean_env(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/ready", proc, deadline_s=120)
        answer = get_json(
            f"{url}/queries/api/element-by-code?"
            + urllib.parse.urlencode({"framework": "mini", "code": "C2"})
        )
        assert isinstance(answer, dict)
        assert {b["element"]["value"] for b in answer["results"]["bindings"]} == {C2}
        req = urllib.request.Request(f"{url}/id/mini/C2", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200
            assert b"mini/C2" in r.read()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    assert proc.returncode in (0, -15), (tmp_path / "serve.log").read_text()
