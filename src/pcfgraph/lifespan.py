"""What a server runs while it serves: the sandbox worker pool and, with ``--store``, the
remote store client, started into :class:`pcfgraph.runtime.Services` by the app's lifespan
(wired by the composition root, :mod:`pcfgraph.serving`) and stopped after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pcfgraph.release import Release
from pcfgraph.runtime import AppState


@asynccontextmanager
async def run_services(state: AppState) -> AsyncIterator[None]:
    """Start the sandbox pool (and the remote store client) into ``state.services``; stop
    them after."""
    from pcfgraph.sandbox import WorkerPool

    settings = state.settings
    processes = state.services.processes  # pcfgraph serve --http-workers N: shared parts
    pool = WorkerPool(
        await asyncio.to_thread(worker_release, state),
        workers=sandbox_workers(state),
        memory_mb=settings.worker_memory_mb,
        max_pending=settings.max_concurrent_expensive,
        max_client_pending=settings.max_concurrent_per_client,
        max_tasks=settings.worker_max_tasks,
        limits={"recycle_mb": settings.worker_recycle_mb},
        memory_store_quads=settings.worker_memory_store_quads,
        shared_admission=processes.admission if processes is not None else None,
    )
    from pcfgraph.remote_store import RemoteStore

    remote = None
    if settings.store_url:
        if isinstance(state.store, RemoteStore):
            state.services.remote_store = state.store  # the served release is the remote store
        else:
            remote = RemoteStore(settings.store_url, timeout=settings.query_timeout)
            state.services.remote_store = remote
    await pool.start()
    state.services.pool = pool
    try:
        yield
    finally:
        state.services.pool = None
        await pool.stop()
        if remote is not None:
            state.services.remote_store = None
            remote.close()
        served = state.store
        if isinstance(served, RemoteStore):
            served.close()


def sandbox_workers(state: AppState) -> int:
    """The sandbox workers this process runs: ``query_workers`` (at least 2) alone, or its
    share of them when it is one of several server processes (at least 1 each)."""
    total = max(2, state.settings.query_workers)
    processes = state.services.processes
    return total if processes is None else processes.sandbox_workers(total)


def worker_release(state: AppState) -> Release:
    """What the sandbox workers load: the served release, or with a remote store (whose
    release lives on the server) the local one that audit uploads are checked against,
    opened read-only from its on-disk store (its memory is shared, not per worker)."""
    from pcfgraph.remote_store import RemoteStore

    if not isinstance(state.store, RemoteStore):
        return state.release
    from pcfgraph.release_cache import default_cache_dir, open_release

    settings = state.settings
    return open_release(settings.release, cache_dir=default_cache_dir(settings.cache_dir))
