"""Reloading releases: the one verified release a server answers from, and switching it.

A server answers from exactly one immutable :class:`~pcfgraph.release.Release` at a time,
held in ``AppState.release``. A release is *verified* before it is ever served: manifest,
sha256 and counts (:func:`pcfgraph.release.load_release`) and the framework SHACL shapes and
integrity checks (:func:`pcfgraph.validation.validate_store`, Violations fail).

Reloads (``SIGHUP`` or ``POST /admin/reload``) go through :class:`ReleaseManager`:

1. the candidate is built (the shipped data, or the release directory re-read from disk) and
   verified in a thread, while the current release keeps serving; one served from its on-disk
   store gets its in-memory copy then (:mod:`pcfgraph.release_memory`), before it serves (the
   current release answers from its own on-disk store meanwhile: one copy at a time in
   memory; it gets its copy back if the reload fails);
2. every subscriber (the sandbox worker pool, anything with ``reload(release)``) is moved to
   the candidate; if one fails, those already moved are moved back and the candidate is dropped;
3. ``AppState.release`` is replaced by one reference assignment. A request pins the release it
   started with (:func:`pcfgraph.runtime.app_state`), so requests in flight finish on the old
   one, which is freed when the last of them ends (its in-memory copy, if any, as soon as
   they do: the old release answers from its on-disk store after the switch).

A failed candidate changes nothing: the old release keeps serving and the failure is returned
(the admin response), logged, and counted (``pcfgraph_reloads_total{outcome="failure"}``).
A reload only ever *reads* release directories, so killing the server at any point of a reload
leaves the disk as it was; ``pcfgraph build`` publishes atomically and only releases that pass
the same verification, so a restart serves the last good release.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pcfgraph import heap
from pcfgraph.config import Settings
from pcfgraph.errors import Overloaded, PcfgraphError
from pcfgraph.release import Release
from pcfgraph.release_memory import copy_source, hold_in_memory, let_go
from pcfgraph.release_verify import verify_release
from pcfgraph.server_processes import PASS_ON_SIGNAL, PASSED_ON
from pcfgraph.sources import ExtraSources

if TYPE_CHECKING:
    from fastapi import FastAPI

    from pcfgraph.runtime import AppState

#: The logger keeps its name from when this lived in ``pcfgraph.serving`` (operators filter on it).
log = logging.getLogger("pcfgraph.serving")


@runtime_checkable
class ReleaseSubscriber(Protocol):
    """Something that holds its own copy of the release and must follow reloads.

    ``reload`` may be a plain or an ``async`` method. It raises to refuse the candidate (the
    reload is then rolled back); when it returns, new work must run on ``release``. The
    sandbox worker pool (``AppState.pool``) is the main subscriber.
    """

    def reload(self, release: Release) -> Any: ...


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload attempt did; the body of ``POST /admin/reload``."""

    ok: bool
    #: The release serving after the attempt (the old one when the candidate failed).
    release_id: str
    previous_release_id: str
    candidate_release_id: str | None
    seconds: float
    trigger: str
    code: str | None = None
    detail: str | None = None
    #: With several server processes: how many serve each release once the reload is over
    #: (:mod:`pcfgraph.server_reload`); None (and left out of the body) with one process.
    processes: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        if self.processes is None:
            del body["processes"]
        return body


def load_verified_release(settings: Settings) -> Release:
    """The release a server may serve: built or loaded, checksum-verified and SHACL-valid;
    with a remote store (``store_url``), the store itself and the manifest pushed into it
    (verified by ``pcfgraph push`` before it was sent). A release of at most
    ``worker_memory_store_quads`` quads is served from one in-memory store (page reads, named
    queries, GraphQL and in-process SPARQL all use it); a larger one from its on-disk store."""
    if settings.store_url:
        from pcfgraph.remote_store import remote_release

        return remote_release(settings.store_url, timeout=settings.query_timeout)
    from pcfgraph.release_cache import default_cache_dir, open_release

    cache = default_cache_dir(settings.cache_dir)
    return verify_release(
        open_release(
            settings.release,
            cache_dir=cache,
            extra=extra_sources(settings),
            memory_quads=settings.worker_memory_store_quads,
        )
    )


def extra_sources(settings: Settings) -> ExtraSources:
    """The workbooks and sources file a server adds to the shipped data (rebuilt on reload)."""
    return ExtraSources(
        workbooks=tuple(Path(p) for p in settings.add_workbooks),
        sources_file=settings.sources_file,
        workbooks_given_as=settings.given_as("add_workbooks", "--add"),
        sources_file_given_as=settings.given_as("sources_file", "--sources"),
    )


class ReleaseManager:
    """Holds the reload procedure for one app; at most one reload runs at a time."""

    def __init__(
        self,
        state: AppState,
        *,
        loader: Callable[[], Release] | None = None,
        on_outcome: Callable[[ReloadOutcome], None] | None = None,
    ) -> None:
        self.state = state
        self._loader = loader or (lambda: load_verified_release(state.settings))
        self._lock = asyncio.Lock()
        self._on_outcome = on_outcome
        self.subscribers: list[ReleaseSubscriber] = []
        #: The last outcomes, newest last (shown by ``GET /admin/reload``).
        self.history: deque[ReloadOutcome] = deque(maxlen=20)
        #: Called with every outcome after it is recorded (e.g. several server processes).
        self.listeners: list[Callable[[ReloadOutcome], None]] = []
        #: With several server processes: the reload of the whole server, begun here
        #: (:class:`pcfgraph.server_reload.ServerReload`); None: this process is the server.
        self.server: Callable[[str], Awaitable[ReloadOutcome]] | None = None
        self.loaded_at = time.time()
        #: The server is stopping (``SIGTERM``, ``SIGINT``: :class:`_ReloadSignals`): a reload
        #: of the server waits for the other processes no longer (they stop, not switch).
        self.stopping = False

    @property
    def running(self) -> bool:
        return self._lock.locked()

    def _subscribers(self) -> list[ReleaseSubscriber]:
        subs = list(self.subscribers)
        pool = self.state.pool
        if pool is not None and isinstance(pool, ReleaseSubscriber) and pool not in subs:
            subs.append(pool)
        return subs

    async def reload_server(self, trigger: str) -> ReloadOutcome:
        """A reload of the server (``POST /admin/reload``, ``SIGHUP``): of this process, or
        with several processes of them all (:attr:`server`); its outcome is the one counted
        (``on_outcome``: ``pcfgraph_reloads_total``)."""
        if self.server is None:
            return await self.reload(trigger)
        outcome = await self.server(trigger)
        if self._on_outcome is not None:
            self._on_outcome(outcome)
        return outcome

    async def reload(self, trigger: str = "api") -> ReloadOutcome:
        """Build, verify and switch to a candidate in this process; never raises for a bad
        candidate. Counted as a reload of the server only when this process is the server
        (no :attr:`server`): the attempts of several processes are counted once, as one."""
        if self._lock.locked():
            raise Overloaded("a release reload is already running", retry_after=5)
        async with self._lock:
            return await self._reload(trigger)

    async def _reload(self, trigger: str) -> ReloadOutcome:
        started = time.perf_counter()
        old = self.state.release
        quads = self.state.settings.sparql_inprocess_memory_quads
        candidate: Release | None = None
        moved: list[ReleaseSubscriber] = []
        try:
            candidate = await asyncio.to_thread(self._loader)
            if copy_source(candidate, quads) is not None and old is not candidate:
                # one in-memory copy at a time (the process tree's memory): the old release
                # answers from its on-disk store while the candidate's copy loads
                await asyncio.to_thread(let_go, old)
                await asyncio.to_thread(hold_in_memory, candidate, quads)
            for sub in self._subscribers():
                await _call(sub.reload, candidate)
                moved.append(sub)
        except Exception as exc:
            for sub in reversed(moved):
                try:
                    await _call(sub.reload, old)
                except Exception:
                    log.exception("rolling %r back to release %s failed", sub, old.release_id)
            await asyncio.to_thread(hold_in_memory, old, quads)  # if it let its copy go
            code = exc.code if isinstance(exc, PcfgraphError) else "internal-error"
            detail = str(exc) if isinstance(exc, PcfgraphError) else f"{type(exc).__name__}"
            if not isinstance(exc, PcfgraphError):
                log.exception("reload (%s): unexpected error", trigger)
            outcome = ReloadOutcome(
                ok=False,
                release_id=old.release_id,
                previous_release_id=old.release_id,
                candidate_release_id=candidate.release_id if candidate else None,
                seconds=round(time.perf_counter() - started, 3),
                trigger=trigger,
                code=code,
                detail=detail,
            )
            log.error(
                "reload (%s) failed, still serving release %s: %s: %s",
                trigger,
                old.release_id,
                code,
                detail,
            )
            return self._record(outcome)
        self.state.release = candidate  # the switch: one reference assignment
        if old is not candidate:
            await asyncio.to_thread(let_go, old)
        heap.thaw()  # the old release may have been frozen at startup: let it be collected
        self.loaded_at = time.time()
        outcome = ReloadOutcome(
            ok=True,
            release_id=candidate.release_id,
            previous_release_id=old.release_id,
            candidate_release_id=candidate.release_id,
            seconds=round(time.perf_counter() - started, 3),
            trigger=trigger,
        )
        log.info(
            "reload (%s): now serving release %s (was %s) after %.2f s",
            trigger,
            candidate.release_id,
            old.release_id,
            outcome.seconds,
        )
        return self._record(outcome)

    def _record(self, outcome: ReloadOutcome) -> ReloadOutcome:
        self.history.append(outcome)
        if self._on_outcome is not None and self.server is None:
            self._on_outcome(outcome)
        for listener in self.listeners:
            listener(outcome)
        return outcome


async def _call(fn: Callable[[Release], Any], release: Release) -> None:
    result = fn(release)
    if inspect.isawaitable(result):
        await result


#: While another reload holds the lock, how often a reload asked for by signal looks again.
ASKED_POLL_SECONDS = 0.05


class _Asked:
    """Reloads asked for by one signal: never lost, never piled up. One asked for while the
    last is still running (or while another reload holds the lock: ``POST /admin/reload``, a
    retry) is made once more after it, however many were asked meanwhile: that one reads the
    disk after the last ask, so it serves what was published before it (a passed-on reload
    ignored while this process reloaded left it on another release than the others, and the
    process answering for the server waited out its bound, then answered 503)."""

    def __init__(
        self,
        work: Callable[[], Awaitable[ReloadOutcome]],
        loop: asyncio.AbstractEventLoop,
        tasks: set[asyncio.Task[Any]],
    ) -> None:
        self.work = work
        self.loop = loop
        self.tasks = tasks
        self.again = False
        #: The server is stopping: no reload after the one running (if any).
        self.halted = False
        self.task: asyncio.Task[None] | None = None

    def ask(self) -> None:
        self.again = True
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run())
            self.tasks.add(self.task)
            self.task.add_done_callback(self.tasks.discard)

    async def _run(self) -> None:
        while self.again and not self.halted:
            self.again = False
            try:
                await self.work()
            except Overloaded:  # another reload runs: this one after it
                self.again = True
                await asyncio.sleep(ASKED_POLL_SECONDS)


#: The signals that stop a server (uvicorn's): once one came, reload signals are ignored.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _ReloadSignals:
    """The reload signals of one app: acted on while it serves, ignored (and logged) once the
    server is stopping.

    The handlers are Python-level (``signal.signal``), each deferring to the event loop, not
    the loop's own (``loop.add_signal_handler``): removing one of those sets the signal's
    default action back, and ``SIGHUP``'s ends the process. A ``SIGHUP`` reaching a server
    that drains its requests after ``SIGTERM`` (a terminal closed, an operator's reload
    racing a deploy's stop) then killed it once its lifespan had ended, and one reaching it
    while it drained began a reload of a server about to stop (which, in one of several
    server processes, was passed on to the others). Now: the server's stop signals are
    watched from the app's start (chained before the handler the server installed, uvicorn's),
    and from the first of them, and after the app's lifespan until the process exits, a
    reload signal is only logged."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        asks: dict[int, _Asked],
        manager: ReleaseManager | None = None,
    ) -> None:
        self.loop = loop
        self.asks = asks
        self.manager = manager
        self.stopping = False
        self._watched: dict[int, Any] = {}  # stop signal -> the handler our watch wraps

    def install(self) -> list[int]:
        """Install the handlers (in the main thread only); the signals installed."""
        installed: list[int] = []
        for signum in self.asks:
            try:
                signal.signal(signum, self._received)
            except ValueError:  # not the main thread (an app driven by a test client)
                log.debug("signal %d reloads unavailable (not the main thread)", signum)
                continue
            installed.append(signum)
        if installed:
            for signum in STOP_SIGNALS:
                previous = signal.getsignal(signum)
                if callable(previous):  # the server's own handler: told after us
                    self._watched[signum] = previous
                    signal.signal(signum, self._stop_received)
        return installed

    def _received(self, signum: int, _frame: object) -> None:
        # In the main thread between two bytecodes: only hand the signal to the loop.
        with suppress(RuntimeError):  # the loop is closed: the process is ending
            self.loop.call_soon_threadsafe(self._act, signum)

    def _stop_received(self, signum: int, frame: Any) -> None:
        self._halt()
        self._watched[signum](signum, frame)

    def _halt(self) -> None:
        """From now on: reload signals only logged, no reload after the one running."""
        self.stopping = True
        if self.manager is not None:
            self.manager.stopping = True
        for asked in self.asks.values():
            asked.halted = True

    def _act(self, signum: int) -> None:
        if not self.stopping:
            self.asks[signum].ask()
            return
        what = "a reload passed on" if signum == PASS_ON_SIGNAL else "a reload"
        log.warning(
            "%s (%s) ignored: the server is stopping",
            signal.Signals(signum).name,
            what,
        )

    def stop(self) -> None:
        """The app stopped: reload signals are ignored (logged while the loop runs) until the
        process exits; the server's stop handlers are its own again."""
        self._halt()
        for signum, previous in self._watched.items():
            if signal.getsignal(signum) == self._stop_received:
                signal.signal(signum, previous)
        self._watched.clear()


@asynccontextmanager
async def sighup_reloads(app: FastAPI) -> AsyncIterator[None]:
    """Reload on SIGHUP while the app runs (only where the process's signals can be handled,
    the main thread): a reload of the server (:meth:`ReleaseManager.reload_server`). In one
    of several server processes, also on :data:`~pcfgraph.server_processes.PASS_ON_SIGNAL`:
    a reload another process began and passed on, of this process alone (trigger ``passed
    on``). A signal arriving while its last reload runs asks for one more after it
    (:class:`_Asked`). The signals held while the server started
    (:func:`~pcfgraph.server_processes.hold_reload_signals`) are let through once the handlers
    are in: a reload asked for during the start is made now. Once the server is stopping
    (``SIGTERM``, ``SIGINT``: while it drains its requests, and after the app's lifespan) they
    are ignored and logged (:class:`_ReloadSignals`)."""
    manager: ReleaseManager | None = app.state.pcf.services.releases
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[Any]] = set()
    asks: dict[int, _Asked] = {}
    if manager is not None and hasattr(signal, "SIGHUP"):
        asks[signal.SIGHUP] = _Asked(lambda: manager.reload_server("SIGHUP"), loop, tasks)
        if manager.server is not None:
            asks[PASS_ON_SIGNAL] = _Asked(lambda: manager.reload(PASSED_ON), loop, tasks)
    signals = _ReloadSignals(loop, asks, manager)
    installed = signals.install()
    if installed:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, installed)  # those held during the start
    try:
        yield
    finally:
        signals.stop()
        for task in tasks:
            task.cancel()
