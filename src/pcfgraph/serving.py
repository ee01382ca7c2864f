"""The composition root: the one place that knows every part and puts a server together.

``create_app`` builds the runtime (settings, the verified release, the query catalog, the
pages the workbench contributes) and the app around it: the HTTP API (:mod:`pcfgraph.api`),
then the web workbench (:mod:`pcfgraph.web`), then the outermost guard. The sandbox worker
pool and the reload signal handler live in the app's lifespan. Nothing but process entries
(``pcfgraph serve``, ``uvicorn --factory pcfgraph.serving:app_from_env``, the CLI's
``export-schema``) imports this module; ``tests/test_architecture.py`` holds that.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from pcfgraph import heap
from pcfgraph.api import app as api_app
from pcfgraph.api.ops import configure_logging
from pcfgraph.config import Settings
from pcfgraph.http.public_url import root_path_mismatch
from pcfgraph.lifespan import run_services
from pcfgraph.log_lines import flush_lines
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.release_memory import MemoryCopy, start_copy
from pcfgraph.release_reload import ReloadOutcome, load_verified_release
from pcfgraph.runtime import AppState, Runtime
from pcfgraph.server_processes import PASSED_ON, ServerProcesses
from pcfgraph.server_reload import ServerReload
from pcfgraph.store import EmbeddedStore
from pcfgraph.web import views, warmup

log = logging.getLogger("pcfgraph.serving")

#: Most server processes ``http_workers = 0`` starts (each holds its own interpreter and the
#: pages it writes to after the fork; past this many the memory grows faster than the gain).
MAX_AUTO_HTTP_WORKERS = 8
#: How long a process whose passed-on reload failed waits before its one retry (seconds).
RELOAD_RETRY_SECONDS = 2.0
#: The trigger of that retry (in its outcome and log line; it is not passed on).
RELOAD_RETRY_TRIGGER = "passed on, retry"

__all__ = [
    "app_from_env",
    "configure_logging",
    "cpus_available",
    "create_app",
    "graphql_sdl",
    "http_workers",
    "pass_reloads_on",
    "prepare_shared",
    "served_app",
    "share_between_processes",
    "uvicorn_options",
    "worker_started",
]


def create_app(
    settings: Settings | None = None,
    release: Release | None = None,
    *,
    warm: bool = False,
    preloaded: MemoryCopy | None = None,
) -> FastAPI:
    """Build the app around one verified release (assembled from data/ when not given).

    ``warm``: its lifespan builds the page data and opens the search index before the app
    starts answering (``pcfgraph serve`` and :func:`app_from_env` do; tests mostly don't).
    ``preloaded``: the release's in-memory copy, already loading (``pcfgraph serve``,
    :func:`pcfgraph.release_memory.preload`); else started here when the release gets one."""
    settings = settings or Settings()
    if (mismatch := root_path_mismatch(settings)) is not None:
        log.warning("%s", mismatch)
    # Not given: load (or build) and verify it, checksum and SHACL (pcfgraph.release_reload).
    release = release if release is not None else load_verified_release(settings)
    runtime = Runtime(settings=settings, catalog=QueryCatalog(), pages=views.pages())
    state = AppState(runtime=runtime, release=release)
    # A release served from disk: its in-memory copy loads beside the rest of the start.
    copying = preloaded if preloaded is not None and preloaded.serve(release) else None
    copying = copying or start_copy(release, settings.sparql_inprocess_memory_quads)
    app = api_app.create_api(state, lifespan=_lifespan(warm=warm, copying=copying))
    app.state.memory_copy = copying  # whether forked processes can share it (http_workers)
    views.include(app)  # the workbench after the API (element pages use /id/ when it exists)
    api_app.guard(app)  # outermost: head limits (414/431), security headers
    return app


def _lifespan(*, warm: bool, copying: MemoryCopy | None = None) -> api_app.Lifespan:
    """The app's lifespan: it owns the services of its runtime (pool, remote store client)
    and, with ``warm``, builds what a first request would (page data, search index:
    :mod:`pcfgraph.web.warmup`) in a thread while the pool starts, and waits for the release's
    in-memory copy (``copying``, :mod:`pcfgraph.release_memory`), so that once ``/ready``
    answers the first request is as fast as the next ones."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state.pcf
        warming = asyncio.create_task(asyncio.to_thread(warmup.warm, state)) if warm else None
        try:
            async with run_services(state):
                if warming is not None:
                    await warming
                if copying is not None:
                    await asyncio.to_thread(copying.wait)
                heap.freeze()  # the startup heap out of the collector's way (pcfgraph.heap)
                yield
        finally:
            flush_lines()  # the access lines waiting (Settings.access_log_flush_ms)
            heap.thaw()
            if warming is not None and not warming.done():
                await asyncio.wait({warming})  # its thread cannot be stopped: let it end

    return lifespan


def app_from_env() -> Any:
    """``uvicorn --factory pcfgraph.serving:app_from_env``: settings from ``PCFGRAPH_*``.

    With ``root_path``, the app behind :class:`~pcfgraph.http.root_path.ServedUnder`:
    uvicorn never reads ``PCFGRAPH_ROOT_PATH`` (``pcfgraph serve`` hands it to uvicorn), and
    without this every link, asset and redirect left the prefix unless uvicorn's
    ``--root-path`` was given as well."""
    settings = Settings.from_env()
    configure_logging(settings)
    for note in settings.notes:  # a setting the others make of no use, as `pcfgraph serve`
        log.warning("%s", note)
    app = create_app(settings, warm=True)
    from pcfgraph.http.startup_failure import StartupReport  # its start-up failing: one line

    if settings.root_path:
        from pcfgraph.http.root_path import ServedUnder

        return StartupReport(ServedUnder(app, settings.root_path))
    return StartupReport(app)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How ``pcfgraph serve`` runs the app under uvicorn."""
    from pcfgraph.api.http_protocol import GuardedHttpToolsProtocol

    return {
        "http": GuardedHttpToolsProtocol,  # request-head limits (414/431) as problem+json
        "host": settings.host,
        "port": settings.port,
        "root_path": settings.root_path,  # behind a proxy serving it under a path prefix
        # X-Forwarded-* are read by the layer served_app puts around the app (X-Forwarded-Host
        # too, which uvicorn's own ignores), with the proxies of forwarded_allow_ips
        "proxy_headers": False,
        "log_level": settings.log_level,
        "access_log": False,  # pcfgraph.access (api/ops.py) logs every request with its id
        # uvicorn's records go out through the server's log, in its format (log_format):
        # no configuration of uvicorn's own (pcfgraph.log_lines.own_uvicorn_loggers)
        "log_config": None,
        "timeout_graceful_shutdown": settings.graceful_stop_seconds,
        # No `server: uvicorn` line: it names the software to every client and is one more
        # header each client parses per response (RFC 9110 makes it optional; Date stays).
        "server_header": False,
    }


def served_app(app: FastAPI, settings: Settings) -> Any:
    """What ``pcfgraph serve`` hands uvicorn: ``app`` behind the proxy-headers layer that
    believes ``X-Forwarded-For``, ``-Proto`` and ``-Host`` from the proxies of
    ``forwarded_allow_ips`` only (:mod:`pcfgraph.http.forwarded`), inside the layer that
    reports a failed start-up (:mod:`pcfgraph.http.startup_failure`)."""
    from pcfgraph.http.forwarded import ForwardedHeaders
    from pcfgraph.http.startup_failure import StartupReport

    # outermost: a start-up that fails is one line and an exit status, not a traceback
    return StartupReport(ForwardedHeaders(app, settings.forwarded_allow_ips))


def http_workers(app: FastAPI, settings: Settings) -> int:
    """How many server processes ``pcfgraph serve`` runs (:mod:`pcfgraph.http.prefork`):
    ``http_workers``, or with 0 (the default) one per CPU available (:func:`cpus_available`).

    Several only when the release's store is in this process's memory, which forked workers
    share: a release served from memory, or one served from its on-disk store whose
    in-memory copy is in (:mod:`pcfgraph.release_memory`, waited for here: no thread may run
    across the fork; :func:`prepare_shared` closes the on-disk store, whose handle must not
    cross it either, and each process's sandbox workers open it themselves). A release on
    disk without a copy (over ``sparql_inprocess_memory_quads``, or one that failed) or a
    remote store keeps one process, so its memory never doubles and no open store crosses a
    fork."""
    wanted = settings.http_workers if settings.http_workers > 0 else cpus_available()
    if wanted <= 1:
        return 1
    state = app.state.pcf
    copying: MemoryCopy | None = getattr(app.state, "memory_copy", None)
    on_disk = state.release.store_path is not None
    if settings.store_url or (on_disk and (copying is None or not copying.ended())):
        if settings.http_workers > 1:  # asked for explicitly: say why it is not done
            log.warning(
                "http_workers=%d ignored: the release is not served from memory (one process)",
                wanted,
            )
        return 1
    return wanted


def cpus_available() -> int:
    """The CPUs this process may run on (``os.sched_getaffinity``: a container's or
    ``taskset``'s limit, not the machine's count), at most :data:`MAX_AUTO_HTTP_WORKERS`;
    1 where processes cannot share a port (no ``SO_REUSEPORT``) or fork."""
    if not hasattr(socket, "SO_REUSEPORT") or not hasattr(os, "fork"):
        return 1
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_AUTO_HTTP_WORKERS))


def prepare_shared(app: FastAPI) -> None:
    """Build, before the workers fork, what each would otherwise build (and hold) itself: the
    page data and search index of the served release (:mod:`pcfgraph.web.warmup`) and the
    statistics in-process SPARQL bounds queries with (:mod:`pcfgraph.api.sparql_local`)."""
    state = app.state.pcf
    from pcfgraph.api import sparql

    store = state.release.store
    if isinstance(store, EmbeddedStore):
        store.close_disk()  # a release on disk answers from its copy (http_workers)
    # The statistics are aggregate queries pyoxigraph runs outside the GIL: beside the page
    # data (Python work), not after it; both are done on return, before the fork (no thread
    # may run across it: the pool's thread is joined when the block ends).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pcfgraph-prepare") as pool:
        statistics = pool.submit(sparql.prepare_local, state)
        warmup.warm(state)
        statistics.result()


def share_between_processes(app: FastAPI, workers: int) -> ServerProcesses:
    """What the ``workers`` server processes of ``pcfgraph serve`` share, made before they
    fork (:mod:`pcfgraph.server_processes`): one admission budget, the split of the sandbox
    workers, the directory of their metrics sockets. The caller closes it once they stopped."""
    state = app.state.pcf
    settings = state.settings
    processes = ServerProcesses.create(
        workers,
        max_pending=settings.max_concurrent_expensive,
        sandbox_workers=max(2, settings.query_workers),
    )
    processes.serving(state.release.release_id)  # every process forks serving this one
    state.services.processes = processes
    return processes


def worker_started(app: FastAPI, number: int, reload_others: Callable[[], None]) -> None:
    """In forked worker ``number``, before it serves: it learns its number (its share of the
    sandbox workers), answers its metrics to the others' scrapes
    (:mod:`pcfgraph.api.metrics_peers`), says which release it serves
    (:mod:`pcfgraph.served_releases`) and passes its own reloads on."""
    processes = app.state.pcf.services.processes
    if processes is not None:
        processes.number = number
        processes.serving(app.state.pcf.release.release_id)
        from pcfgraph.api import metrics_peers, sparql

        local = sparql.local_evaluator(app.state.pcf)
        if local is not None:  # the cap on queries waiting for a thread is the server's
            local.share_waiting(processes.admission)
        metrics_peers.answer(app.state.metrics.registry, processes.metrics_socket(number))
    pass_reloads_on(app, reload_others)


def pass_reloads_on(app: FastAPI, reload_others: Callable[[], None]) -> None:
    """In a forked worker: a reload of the server it begins (``POST /admin/reload``, the
    server's ``SIGHUP``) is passed on to the other workers once it switched here (through the
    supervisor) and answered for the server (:class:`pcfgraph.server_reload.ServerReload`:
    it waits, at most ``reload_wait_seconds``, until every process serves the new release);
    every switch is written to the server's table of served releases
    (:mod:`pcfgraph.served_releases`). A reload passed on that fails here while another
    process already serves another release is tried once more after
    :data:`RELOAD_RETRY_SECONDS` (a transient failure: memory, I/O); if that fails too, an
    error names both releases, the table says this process gave it up (the process waiting
    answers at once), and ``/ready`` answers ``release-mismatch`` until a reload succeeds
    everywhere."""
    state = app.state.pcf
    manager = state.services.releases
    if manager is None:
        return
    processes: ServerProcesses | None = state.services.processes
    if processes is None:
        return
    manager.server = ServerReload(
        manager, processes, reload_others, state.settings.reload_wait_seconds
    )
    retries: set[asyncio.Task[ReloadOutcome]] = set()

    def others_ahead(serving: str) -> set[str]:
        return processes.releases.others_serve(processes.number) - {serving}

    def retry(failed: ReloadOutcome) -> None:
        ahead = others_ahead(state.release.release_id)
        if manager.running or not ahead:
            return  # a newer reload is running, or they agree
        log.warning(
            "reload (%s) failed in process %d (%s: %s) while another process serves "
            "release %s: trying once more (still serving release %s)",
            PASSED_ON,
            processes.number,
            failed.code,
            failed.detail,
            ", ".join(sorted(ahead)),
            state.release.release_id,
        )
        task = asyncio.get_running_loop().create_task(manager.reload(RELOAD_RETRY_TRIGGER))
        retries.add(task)
        task.add_done_callback(retries.discard)

    def on_outcome(outcome: ReloadOutcome) -> None:
        processes.releases.attempted(processes.number)
        if outcome.ok:
            processes.serving(outcome.release_id)
            return
        if outcome.trigger == PASSED_ON:  # the others may still be loading: look later
            asyncio.get_running_loop().call_later(RELOAD_RETRY_SECONDS, retry, outcome)
            return
        ahead = others_ahead(outcome.release_id)
        if outcome.trigger != RELOAD_RETRY_TRIGGER or not ahead:
            return
        processes.releases.failed(processes.number, f"{outcome.code}: {outcome.detail}")
        log.error(
            "release mismatch: process %d still serves release %s while other processes "
            "serve release %s; its reload failed twice (last: %s: %s); /ready answers 503 "
            "release-mismatch until a reload succeeds in every process (SIGHUP to the "
            "server, POST /admin/reload) or the server is restarted",
            processes.number,
            outcome.release_id,
            ", ".join(sorted(ahead)),
            outcome.code,
            outcome.detail,
        )

    manager.listeners.append(on_outcome)


def graphql_sdl() -> str:
    """The GraphQL schema served at ``/graphql``, in SDL (``pcfgraph export-schema``)."""
    from pcfgraph.api.graphql import schema_sdl

    return schema_sdl()
