"""What a sandbox worker's start costs: the server's ``/ready`` waits for its workers, so the
worker process imports only what it runs (not the pool, the fleet or asyncio) and loads the
release's graph file to the same quads as the server's strict parse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

import pcfgraph
import pcfgraph.sandbox
from pcfgraph.sandbox.worker import load_store

SERVER_SIDE = ("asyncio", "pcfgraph.sandbox.pool", "pcfgraph.sandbox.fleet")


def test_a_worker_process_imports_neither_the_pool_nor_asyncio() -> None:
    code = (
        "import sys, pcfgraph.sandbox.worker; "
        f"print(','.join(m for m in {SERVER_SIDE!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_the_package_still_names_the_pool_and_the_tasks() -> None:
    from pcfgraph.sandbox import SPARQL_QUERY, WorkerPool
    from pcfgraph.sandbox.pool import WorkerPool as Pool

    assert WorkerPool is Pool
    assert SPARQL_QUERY.name == "sparql-query"
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        pcfgraph.sandbox.Nothing  # noqa: B018


def test_a_worker_loads_the_quads_a_strict_parse_gives(tmp_path: Path) -> None:
    source = tmp_path / "graph.nq"
    source.write_text(
        '<https://e.org/a> <https://e.org/p> "x"@en-GB <https://e.org/g1> .\n'
        '<https://e.org/a> <https://e.org/q> "1"^^<http://www.w3.org/2001/XMLSchema#int> .\n'
        "<https://e.org/b> <https://e.org/p> <https://e.org/a%20b> <https://e.org/g2> .\n",
        encoding="utf-8",
    )
    strict = ox.Store()
    strict.load(path=str(source), format=ox.RdfFormat.N_QUADS)
    loaded = load_store(str(source))
    assert set(loaded.store) == set(strict)
    assert len(loaded) == 3


def test_a_worker_whose_server_stopped_while_it_loaded_exits_quietly(tmp_path: Path) -> None:
    # `pcfgraph serve` stopped while its workers still loaded: each printed a BrokenPipeError
    # traceback into the server's log when it went to say it was ready
    import json
    import os
    import socket

    source = tmp_path / "graph.nq"
    source.write_text('<https://e.org/a> <https://e.org/p> "x" .\n', encoding="utf-8")
    server_end, worker_end = socket.socketpair()
    server_end.close()  # the server is gone before the worker reports
    env = dict(os.environ, PYTHONPATH=str(Path(pcfgraph.__file__).resolve().parent.parent))
    fd = str(worker_end.fileno())
    done = subprocess.run(
        [sys.executable, "-m", "pcfgraph.sandbox", fd, str(source), "256", json.dumps({})],
        pass_fds=(worker_end.fileno(),),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    worker_end.close()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
