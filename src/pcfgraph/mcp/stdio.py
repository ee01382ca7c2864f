"""``pcfgraph mcp``: the MCP server over stdio, with its own sandbox pool (so ad-hoc SPARQL
and audits run under the same deadlines and caps as on the HTTP server)."""

from __future__ import annotations

import anyio

from pcfgraph.config import Settings
from pcfgraph.mcp.server import build_server
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.release import Release


async def serve_stdio(settings: Settings, release: Release) -> None:
    from pcfgraph.sandbox import WorkerPool

    state = StandaloneState(settings=settings, release=release)
    pool = WorkerPool(
        release,
        workers=max(1, min(2, settings.query_workers)),
        memory_mb=settings.worker_memory_mb,
        max_pending=settings.max_concurrent_expensive,
        max_tasks=settings.worker_max_tasks,
    )
    await pool.start()
    state.services.pool = pool
    try:
        server = build_server(lambda: state, base_url=f"http://{settings.host}:{settings.port}")
        await server.run_stdio_async()
    finally:
        await pool.stop()


def run(settings: Settings, release: Release) -> None:
    anyio.run(serve_stdio, settings, release)
