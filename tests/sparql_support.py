"""Helpers for the SPARQL endpoint tests: a fixture release and a live uvicorn on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import uvicorn
from fastapi import FastAPI

from pcfgraph import iris
from pcfgraph.config import Settings
from pcfgraph.release import Release
from pcfgraph.store import EmbeddedStore

FIXTURE = Path(__file__).parent / "fixtures" / "sparql-endpoint.trig"


def fixture_store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.add_quads(
        ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG, base_iri=iris.ID_BASE)  # type: ignore[arg-type]
    )
    return store


def fixture_release() -> Release:
    store = fixture_store()
    manifest = {
        "release_id": "sparql-test",
        "created": "2026-01-02T03:04:05+00:00",
        "graphs": store.counts_per_graph(),
    }
    return Release(store=store, manifest=manifest, path=None)


def endpoint_settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "query_timeout": 2.0,
        "query_workers": 2,
        "max_result_rows": 50,
        "max_query_depth": 16,
        "max_body_bytes": 64 * 1024,
        "cors_origins": ("https://example.org",),
    }
    base.update(overrides)
    return Settings(**base)


@contextmanager
def live_server(
    settings: Settings, release: Release | None = None
) -> Iterator[tuple[str, FastAPI]]:
    """Run create_app(settings, release) under uvicorn on 127.0.0.1:<free port>; yield URL, app."""
    from pcfgraph.serving import create_app

    app = create_app(settings, release or fixture_release())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)

    def run() -> None:
        # The event loop production uses (uvicorn picks uvloop when installed): it makes the
        # pool's sockets non-blocking, which the sandbox must cope with.
        try:
            import uvloop

            factory: Any = uvloop.new_event_loop
        except ImportError:  # pragma: no cover
            factory = None
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
