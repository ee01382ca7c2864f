"""Ad-hoc queries with a proven small work bound, evaluated in the serving process (issue 20).

The sandbox worker round trip (~0.2 ms) is most of a cheap lookup's time. A query whose work
on the served release :mod:`pcfgraph.sparql_bound` proves at most ``sparql_inprocess_work``
steps is evaluated here instead, with the worker's own result code (row cap, serialisers);
every other query, and any that fails here for a reason other than its answer (a syntax
error, an engine error), goes to the worker as before, so clients see the same answers and
the same errors. The safety argument is in ``docs/security.md`` ("In-process evaluation").

- Bounds need the release's statistics: read from the release when it carries them
  (:mod:`pcfgraph.release_stats`, written when it is built), else computed in the background
  on the first ad-hoc query of a release (four aggregate queries, about a second per 100k
  quads, outside the GIL); until then every query goes to the worker. Queries run on the served release's
  store, in memory: a release of at most ``worker_memory_store_quads`` quads is served from
  memory (:func:`pcfgraph.release.served_in_memory`), and a larger one served from its on-disk
  store answers from the in-memory copy the server loads when it starts (within
  ``sparql_inprocess_memory_quads``, :mod:`pcfgraph.release_memory`): scans and joins run 2-6x
  faster in memory (the release with every shared workbook, 611k quads: counts per level 72
  ms against 420 ms, descendants 0.5 ms against 2.4 ms). Closures of ``p+``/``p*``
  predicates are computed the same way the first time a query walks them.
- A bound of at most ``INLINE_WORK`` steps (microseconds to a few milliseconds) runs on the
  event loop; larger ones in a thread of this module's own pool (the engine releases the
  GIL), at most ``query_workers`` at once: when all are busy a query on a store in this
  process's memory (a release served from memory, or the in-memory copy of one the workers
  read from disk) waits for a thread, smallest bound first (:mod:`pcfgraph.query_slots`):
  a worker would read the disk 3-6x slower, or pay a pickled round trip and serialise the
  answer again (construct-subtree under 8 connections: 2.5 -> 2.1 ms of server CPU per
  request). On an on-disk store without a copy it goes to the worker pool, with its
  admission and fairness rules. The deadline errors as in the worker (the
  thread then finishes its bounded work and frees its slot). CONSTRUCT and DESCRIBE answers
  are written by one thread at a time (their triples go through Python with the GIL held;
  two threads at once contend for it, :func:`_timed`).
- The bound of a query text is kept (least recently used out) per release: reading and
  bounding a query costs 0.1-1 ms, a plan cache like any engine's; answers are not kept here.
  So is its last run time: a text that ran in under a mark (:func:`_inline_mark`: 2 ms on a
  store in memory, 5 ms for a CONSTRUCT or DESCRIBE, 0.5 ms on disk) runs on the event loop
  next time (the same text on the same data is the same work), saving the thread hand-off.
  The time is the CPU time of the thread that ran it, or a tenth of its wall time if more
  (reading an on-disk store waits without CPU): on a loaded machine a 0.2 ms query waited
  for a core, measured over the mark by wall time alone and stayed in a thread (its latency
  then swung 2-8x between runs of the benchmark). A run on the event loop is timed by the
  wall clock alone (the CPU clock is a system call): under the mark it stays there (its CPU
  time is less); over it the next run reads the CPU clock as well, and that decides.
- The idle mark: while this server process has nothing else in flight, a text whose last run
  on a store in memory took under ``INLINE_IDLE_SECONDS`` (12 ms) runs on the event loop too,
  answered on the protocol's fast path (:mod:`pcfgraph.api.fast_path`) instead of paying a
  thread's two cross-thread wake-ups (slow on a VM, whose idle vCPU must be woken) and the
  whole ASGI request cycle: 0.3-0.5 ms of the bench's 2-9 ms queries (element-by-code,
  counts-per-level, search: then as fast as the bare pyoxigraph app, which runs everything
  on its loop). "Nothing else in flight" (:meth:`LocalEvaluator.idle`, read only for such a
  text): on the fast path; no other connection of this process has a request whose response
  is not complete; no query thread runs or is waited for; no request on another connection
  was read in the turn of the loop that ended such a run, or the next (it came while the run
  held the loop); and none of these seen for ``IDLE_HOLD`` (10 s). Otherwise the ordinary
  marks apply: with several clients the heavier queries run in threads as before, and cheap
  requests are not queued behind them. What it costs: a request that arrives during such a
  run waits for it (its CPU time at most the mark; longer in wall time on a machine short
  of cores), and then the process keeps the ordinary marks for ``IDLE_HOLD``: with one
  client looping counts-per-level, a lookup asked every 1.2 s by another waited behind a run
  each time with a 1 s hold (median 46 ms at load 17, 8 processes per core), so the hold is
  long enough that such waits are rare, and short enough to come back between a burst of
  clients and the next quiet spell. 12 ms covers the bench's search (8.4 ms of CPU) with room for a loaded
  machine; triples-per-graph (17 ms) stays in a thread, where the hand-off is 2 % of its
  time. A text never measured (its first run) keeps the ordinary rule. The bound, deadline
  and row cap of every run are unchanged (``docs/security.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from pcfgraph.errors import NotAcceptable, QueryTimeout, ResultTooLarge
from pcfgraph.query_slots import QuerySlots, WaitingCount
from pcfgraph.release_stats import Shipped, shipped_stats
from pcfgraph.sparql_bound import (
    StoreStats,
    closure_walks,
    load_stats,
    path_predicates,
    shape_bound,
)
from pcfgraph.sparql_results import GRAPH_TYPES, query_kwargs, serialize_answer
from pcfgraph.sparql_shape import read_query
from pcfgraph.store import EmbeddedStore

if TYPE_CHECKING:
    from pcfgraph.release import Release

log = logging.getLogger("pcfgraph.sparql")

#: Work bounds up to this run on the event loop (a few milliseconds at most).
INLINE_WORK = 20_000
#: A query text that took less time than this on the release runs on the event loop next
#: time (an on-disk store: reading it waits without CPU, :func:`_cost`).
INLINE_SECONDS = 0.0005
#: The same on a store in this process's memory (its time is CPU): a SELECT or ASK, and a
#: CONSTRUCT or DESCRIBE, whose thread holds the GIL for most of its run anyway (:func:`_timed`).
INLINE_MEMORY_SECONDS = 0.002
INLINE_MEMORY_GRAPH_SECONDS = 0.005
#: The same, for any query on a store in memory, when this server process has nothing else in
#: flight (:meth:`LocalEvaluator.idle`; the module doc says why 12 ms).
INLINE_IDLE_SECONDS = 0.012
#: How long after a sign of other requests in flight the idle mark stays off (seconds): with a
#: client looping a few-ms query on the loop, another client's request waits for one of its
#: runs at most once in this time (see the module doc).
IDLE_HOLD = 10.0
#: Queries that may wait for a thread (when the workers would read the on-disk store), by
#: default (the app passes ``max_concurrent_expensive``).
WAITING = 8
#: The last time of a text that ran on the event loop over its mark (:func:`_inline_mark`)
#: of wall time: still cheap, its next run reads the CPU clock too.
RECHECK = -1.0
#: Query texts whose bound (and last time) is kept.
BOUNDS_KEPT = 1024


class Fallback(Exception):
    """Not answered in-process (a syntax or engine error): the worker runs it."""


class LocalEvaluator:
    """In-process evaluation of proven-bounded queries for one app (see the module doc)."""

    def __init__(self, max_work: int, threads: int, waiting: int = WAITING) -> None:
        self.max_work = max(0, max_work)
        self.threads = max(1, threads)
        #: Bounds up to this run on the event loop, larger ones in a thread.
        self.inline_work = INLINE_WORK
        self._executor: ThreadPoolExecutor | None = None
        self._release_id: str | None = None
        self._store: EmbeddedStore | None = None
        self._stats: StoreStats | None = None
        self._loading: set[str] = set()
        self._bounds: OrderedDict[str, int | None] = OrderedDict()
        self._seconds: OrderedDict[str, float] = OrderedDict()
        #: Queries that may wait for a thread (``max_concurrent_expensive``, as the pool's).
        self._slots = QuerySlots(self.threads, waiting)
        #: Held by a thread while it evaluates and writes a CONSTRUCT or DESCRIBE answer
        #: (:func:`_timed`).
        self._graph_writer = threading.Lock()
        #: Counters for tests and metrics: ``in_process`` queries answered here (an answer or
        #: its error), ``fallbacks`` sent on to a worker after trying.
        self.counters = {"in_process": 0, "fallbacks": 0}
        #: While the protocol's fast path answers a request (:meth:`fast_request`): whether
        #: any other request is in flight in this process, asked only when it matters; None
        #: on the ASGI way.
        self.fast_others: Callable[[], bool] | None = None
        #: Until when the idle mark stays off (:meth:`idle`), on the monotonic clock.
        self._busy_until = 0.0
        #: Runs on the fast path over the ordinary mark that ended in this turn of the loop or
        #: the one before (:meth:`_held_loop`), and the connection of the last one: a request
        #: read then on another connection came while it ran.
        self._held = 0
        self._held_by: object = None
        #: The connection the fast path answers now (:meth:`fast_request`).
        self._connection: object = None

    @property
    def stats(self) -> StoreStats | None:
        """The statistics bounds are proven with (None: not ready yet)."""
        return self._stats

    def share_waiting(self, count: WaitingCount) -> None:
        """Count waiting queries in ``count``, the server's (``--http-workers``)."""
        self._slots.shared = count

    # --- bounds --------------------------------------------------------------------------

    def bound(
        self, release_id: str, store: EmbeddedStore, query: str, release: Release | None = None
    ) -> int | None:
        """The proven work bound of ``query`` on this release if it may run here, else None
        (not provable, over the limit, statistics not ready yet, or disabled). ``release``:
        the served release, whose statistics are read when it carries them
        (:mod:`pcfgraph.release_stats`)."""
        if not self.max_work:
            return None
        if release_id != self._release_id or store is not self._store:
            self._switch(release_id, store, release)
            return None
        stats = self._stats
        if stats is None:
            return None
        if query in self._bounds:
            self._bounds.move_to_end(query)
            work = self._bounds[query]
        else:
            shape = read_query(query)
            missing = (
                path_predicates(shape) - set(stats.walks) - stats.unbounded
                if shape is not None
                else set()
            )
            if missing:
                self._load_walks(missing)
                return None  # not kept: bounded once the closures are known
            work = shape_bound(shape, stats, self.max_work) if shape is not None else None
            self._bounds[query] = work
            if len(self._bounds) > BOUNDS_KEPT:
                self._bounds.popitem(last=False)
        return work if work is not None and work <= self.max_work else None

    def prepare_now(
        self, release_id: str, store: EmbeddedStore, release: Release | None = None
    ) -> None:
        """What the first ad-hoc query of this release starts in the background (the
        statistics), done now in this thread: ``pcfgraph serve --http-workers N`` calls it
        before forking, so the workers share them instead of each computing its own after its
        first query. No thread is started (none would survive the fork)."""
        if not self.max_work:
            return
        self._release_id, self._store, self._stats = release_id, store, None
        self._bounds.clear()
        self._seconds.clear()
        self._prepare(release_id, store, release)

    def _switch(self, release_id: str, store: EmbeddedStore, release: Release | None) -> None:
        self._release_id, self._store, self._stats = release_id, store, None
        self._bounds.clear()
        self._seconds.clear()
        shipped = self._shipped(release_id, release)
        if shipped is not None:  # read now: a file of the release, no query to run
            self._stats = shipped.stats
            return
        self._background(("stats", release_id), lambda: self._prepare(release_id, store))

    def _prepare(
        self, release_id: str, store: EmbeddedStore, release: Release | None = None
    ) -> None:
        """This release's statistics: until they are set every query goes to a worker. Those
        the release carries when it does, else computed (about a second per 100k quads)."""
        shipped = self._shipped(release_id, release)
        stats = shipped.stats if shipped is not None else load_stats(store)
        if stats is not None and release_id == self._release_id and store is self._store:
            self._stats = stats

    @staticmethod
    def _shipped(release_id: str, release: Release | None) -> Shipped | None:
        if release is None or release.release_id != release_id:
            return None
        return shipped_stats(release)

    def _load_walks(self, predicates: set[str]) -> None:
        release_id, store = self._release_id, self._store
        assert release_id is not None and store is not None
        for iri in predicates:

            def load(iri: str = iri) -> None:
                walks = closure_walks(store, iri)
                stats = self._stats
                if stats is None or release_id != self._release_id:
                    return
                if walks is None:
                    log.info("closure of %s too large: its paths stay with the worker", iri)
                    stats.unbounded.add(iri)
                else:
                    stats.walks[iri] = walks
                self._bounds.clear()  # bounds computed without it are None; recompute

            self._background(("walk", release_id, iri), load)

    def _background(self, key: tuple[str, ...], job: Any) -> None:
        name = "/".join(key)
        if name in self._loading:
            return
        self._loading.add(name)

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("in-process query statistics failed (%s)", name)
            finally:
                self._loading.discard(name)

        self._pool().submit(run)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.threads + 1, thread_name_prefix="pcfgraph-sparql"
            )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # --- running -------------------------------------------------------------------------

    async def run(
        self, store: EmbeddedStore, payload: dict[str, Any], work: int, timeout: float
    ) -> dict[str, Any] | None:
        """The answer (as the worker's task gives it), or None: the worker should run it
        (all threads busy, or not answerable here). ``store`` is the served release's store."""
        if self.runs_inline(store, payload, work):
            return self.run_inline(store, payload, work, timeout)
        started = time.monotonic()
        # a store in this process's memory (a release served from memory, or the in-memory
        # copy of one the workers read from disk): waiting for a thread here beats a worker
        # (see pcfgraph.query_slots); an on-disk store without a copy: the worker
        in_memory = not store.on_disk
        query: str = payload["query"]
        try:
            if not self._slots.try_take():
                if not in_memory:
                    return None
                try:
                    if not await self._slots.take(work, timeout):
                        return None
                except TimeoutError:
                    raise _deadline(timeout) from None
            future: Future[tuple[dict[str, Any], float]] = self._pool().submit(
                _timed, store.store, payload, self._graph_writer
            )
            left = timeout - (time.monotonic() - started)
            try:
                async with asyncio.timeout(left):
                    result, seconds = await asyncio.wrap_future(future)
            except TimeoutError:
                raise _deadline(timeout) from None
            finally:
                self._release_after(future)
            self._measured(query, seconds)
            if time.monotonic() - started > timeout:
                raise _deadline(timeout)
        except Fallback:
            self._fell_back(query)
            return None
        except BaseException:
            self.counters["in_process"] += 1  # an outcome from here: the row cap, the deadline
            raise
        self.counters["in_process"] += 1
        return result

    def runs_inline(self, store: EmbeddedStore, payload: dict[str, Any], work: int) -> bool:
        """Whether a query of bound ``work`` runs on the event loop (:meth:`run_inline`):
        its bound is small, or this text last ran in under its mark (:func:`_inline_mark`)."""
        if work <= self.inline_work:
            return True
        return self._measured_cheap(payload["query"], self._mark(store, payload))

    def _mark(self, store: EmbeddedStore, payload: dict[str, Any]) -> float:
        """The mark of a query's last run under which it runs on the event loop now: the
        larger idle mark on a store in memory while this process has nothing else in flight
        (:meth:`idle`, asked only of a text whose last run is between the two), else the
        ordinary one (:func:`_inline_mark`)."""
        in_memory = not store.on_disk
        mark = _inline_mark(in_memory, payload["media_type"])
        if in_memory and self.fast_others is not None:
            last = self._seconds.get(payload["query"])
            if last is not None and mark <= last < INLINE_IDLE_SECONDS and self.idle():
                return INLINE_IDLE_SECONDS
        return mark

    def fast_request(self, others: Callable[[], bool] | None, connection: object = None) -> None:
        """The protocol's fast path answers a request on ``connection`` now (``others()``:
        whether any other request is in flight in this process; None: it is done). A request
        on another connection read while a run on the event loop over the ordinary mark held
        it (:meth:`_held_loop`) came while that one ran: the idle mark stays off for
        :data:`IDLE_HOLD`. (The same connection's next request can come that soon too, its
        answer written before the run's bookkeeping ends, but never came during the run.)"""
        self.fast_others = others
        self._connection = connection
        if others is not None and self._held and connection is not self._held_by:
            self._busy_until = time.monotonic() + IDLE_HOLD

    def idle(self) -> bool:
        """Whether this process has nothing else in flight (so a query over the ordinary mark
        may run on the event loop, see the module doc): on the fast path (:meth:`fast_request`),
        no other request in flight on any connection and no query thread busy or waited for
        now, and none of those nor a request that came during such a run
        (:meth:`fast_request`) seen for :data:`IDLE_HOLD` seconds."""
        others = self.fast_others
        if others is None:
            return False
        now = time.monotonic()
        slots = self._slots
        if slots.running or slots.waiting or others():
            self._busy_until = now + IDLE_HOLD
            return False
        return now >= self._busy_until

    def _held_loop(self) -> None:
        """A run on the event loop took over the ordinary mark: requests read in this turn of
        the loop and the next (whatever came while it ran) are a sign of others in flight
        (:meth:`fast_request`). Two hops of ``call_soon``: the first runs at the start of
        the next turn, before its reads; the second at the start of the one after."""
        if self.fast_others is None:
            return  # the ASGI way: its connection is not known (never over the ordinary mark
            # but by a wait for a core)
        self._held += 1
        self._held_by = self._connection
        with contextlib.suppress(RuntimeError):  # no loop running (a direct call): no turns
            loop = asyncio.get_running_loop()
            loop.call_soon(loop.call_soon, self._unhold)
            return
        self._held -= 1

    def _unhold(self) -> None:
        self._held -= 1

    def run_inline(
        self,
        store: EmbeddedStore,
        payload: dict[str, Any],
        work: int,
        timeout: float,
        kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """The answer of a query that :meth:`runs_inline`, evaluated now on the calling
        thread (the event loop), or None: the worker should run it (:class:`Fallback`).
        ``kwargs``: :func:`query_kwargs` of ``payload``, if the caller kept them."""
        started = time.monotonic()
        query: str = payload["query"]
        try:
            if work <= self.inline_work:
                # always inline by its bound: its time is never consulted, so not measured
                # (the CPU clock is a system call, a few us of a cheap lookup)
                result = evaluate(store.store, payload, kwargs)
            else:
                # timed by the wall clock (the thread's CPU clock is a system call, two a run,
                # a few us of a cheap lookup): under the mark of wall time its CPU time is
                # less too; over it (real work, or a wait for a core on a loaded machine) the
                # next run reads the CPU clock as well, and that decides
                mark = self._mark(store, payload)
                precise = self._seconds.get(query, 0.0) == RECHECK
                cpu, wall = time.thread_time() if precise else 0.0, time.monotonic()
                result = evaluate(store.store, payload, kwargs)
                elapsed = time.monotonic() - wall
                if precise:
                    self._measured(query, _cost(cpu, wall))
                else:
                    self._measured(query, elapsed if elapsed < mark else RECHECK)
                if elapsed >= _inline_mark(not store.on_disk, payload["media_type"]):
                    self._held_loop()
            if time.monotonic() - started > timeout:
                raise _deadline(timeout)
        except Fallback:
            self._fell_back(query)
            return None
        except BaseException:
            self.counters["in_process"] += 1  # an outcome from here: the row cap, the deadline
            raise
        self.counters["in_process"] += 1
        return result

    def _fell_back(self, query: str) -> None:
        """``query`` failed here for a reason other than its answer (:class:`Fallback`): it
        goes to the worker, and from now on (on this release) straight there, without
        another try here (a request the protocol's fast path tried goes on through the app,
        which would otherwise evaluate it here a second time)."""
        self.counters["fallbacks"] += 1
        if query in self._bounds:
            self._bounds[query] = None

    def _release_after(self, future: Future[Any]) -> None:
        """The thread's slot back once ``future``'s thread is done: now when it is (its answer
        or error came back), else when it finishes (the deadline passed or the request was
        cancelled while it ran: its bounded work goes on). One wake-up of the event loop per
        query (the answer's), not a second one for the slot."""
        if future.done():
            self._slots.release()
        else:
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda _: _call_soon(loop, self._slots.release))

    def _measured_cheap(self, query: str, mark: float = INLINE_SECONDS) -> bool:
        """Whether this query text last ran in under ``mark`` seconds on this release
        (:func:`_inline_mark`): the same text on the same immutable data is the same work, so
        it runs on the event loop (still within its proven bound) instead of paying the thread
        hand-off again."""
        return self._seconds.get(query, mark) < mark

    def _measured(self, query: str, seconds: float) -> None:
        self._seconds[query] = seconds
        self._seconds.move_to_end(query)
        if len(self._seconds) > BOUNDS_KEPT:
            self._seconds.popitem(last=False)


def _inline_mark(in_memory: bool, media_type: str) -> float:
    """Below how many seconds of its last run a query text runs on the event loop.

    The thread hand-off costs about 0.2 ms of server CPU (two wake-ups across threads and the
    kernel's context switches; ~0.07 ms of it in Python) and as much latency: a quarter of a
    1 ms query. On a store in memory a query's time is its CPU, so one measured under 2 ms (a
    CONSTRUCT or DESCRIBE: 5 ms, written through Python with the GIL held in a thread too)
    runs on the loop, as a bare pyoxigraph endpoint runs every query (under load 3-7,
    element-by-code: 2.11 -> 1.72 ms median, 1280 -> 1117 us of server CPU under wrk;
    construct-subtree 2.40 -> 2.12 ms, 1817 -> 1658 us). On an on-disk store without a copy a
    run waits for reads without CPU: 0.5 ms as before.
    """
    if not in_memory:
        return INLINE_SECONDS
    return INLINE_MEMORY_GRAPH_SECONDS if media_type in GRAPH_TYPES else INLINE_MEMORY_SECONDS


def _timed(
    store: ox.Store, payload: dict[str, Any], graph_writer: threading.Lock
) -> tuple[dict[str, Any], float]:
    """The answer and its measured time (:func:`_cost`), in a thread of the pool.

    A CONSTRUCT or DESCRIBE answer is evaluated lazily while ``ox.serialize`` pulls its
    triples through Python, the GIL held: two threads doing that at once contend for the GIL
    and both slow down (construct-subtree, 1,044 triples, in two threads: 1.9 ms a query and
    2.5 ms of CPU, against 1.4 / 1.4 ms one at a time). So one thread at a time does it
    (``graph_writer``); SELECT and ASK answers are written by the engine and run side by side.
    """
    if payload["media_type"] not in GRAPH_TYPES:
        cpu, wall = time.thread_time(), time.monotonic()
        return evaluate(store, payload), _cost(cpu, wall)
    with graph_writer:
        cpu, wall = time.thread_time(), time.monotonic()
        return evaluate(store, payload), _cost(cpu, wall)


def _cost(cpu: float, wall: float) -> float:
    """The time of a run started at ``thread_time() == cpu`` and ``monotonic() == wall``
    (on the same thread): its CPU time, or a tenth of its wall time if more."""
    return max(time.thread_time() - cpu, (time.monotonic() - wall) / 10)


def _deadline(timeout: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query did not finish within the {timeout:g} s deadline",
        retry_after=max(1, int(timeout // 2)),
    )


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Any) -> None:
    """``callback`` on ``loop`` from another thread (nothing when the loop has closed)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback)


def evaluate(
    store: ox.Store, payload: dict[str, Any], kwargs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The worker task's evaluation (:func:`pcfgraph.sparql_results.execute`) on the serving
    process's store; errors other than the answer's own (row cap, media type) raise
    :class:`Fallback`, so the worker reports them exactly as before.

    pyoxigraph's result iterators must be dropped by the thread that made them: an error
    leaves here without the tracebacks (and their frames' iterators) it was raised with.
    """
    try:
        return _evaluate(store, payload, kwargs)
    except (ResultTooLarge, NotAcceptable) as exc:
        error: BaseException = exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # engine errors; engine panics are BaseExceptions
        error = Fallback()
    _forget_frames(error)
    raise error


def _forget_frames(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        seen.__traceback__ = None
        seen.__cause__ = None
        following, seen.__context__ = seen.__context__, None
        seen = following


def _evaluate(
    store: ox.Store, payload: dict[str, Any], kwargs: dict[str, Any] | None
) -> dict[str, Any]:
    if kwargs is None:
        kwargs = query_kwargs(payload)
    return serialize_answer(store, payload, kwargs, store.query(payload["query"], **kwargs))
