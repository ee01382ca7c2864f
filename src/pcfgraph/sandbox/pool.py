"""The worker pool in the serving process: admission of tasks and their dispatch to workers.

- a task is ``await pool.run(tasks.SPARQL_QUERY, payload, timeout=...)``; it runs in a worker
  (:mod:`pcfgraph.sandbox.worker`) and its reply comes back as plain data
  (:mod:`pcfgraph.sandbox.protocol`, read by :mod:`pcfgraph.sandbox.replies`), never unpickled;
- the deadline covers waiting for a worker and running: past it the worker is killed with
  ``SIGKILL`` at once, a replacement starts in the background and the caller gets
  :class:`~pcfgraph.errors.QueryTimeout`; a worker that dies mid-task gives
  :class:`~pcfgraph.errors.WorkerCrashed`; the server process is never affected;
- admission control: at most ``max_pending`` tasks are admitted (running or waiting); more get
  :class:`~pcfgraph.errors.Overloaded` at once, so nothing queues without bound (counted for
  the whole server when its processes share the counts: :mod:`pcfgraph.sandbox.admission`);
  an upload takes its admission before its body is read (:meth:`WorkerPool.reserved`), so a
  refused one is never read into memory;
- fairness between clients (``client`` keys, the HTTP client address): at most
  ``max_client_pending`` tasks admitted per client (:class:`~pcfgraph.errors.TooManyRequests`
  past it), the last admission slot kept for a client with nothing admitted, and idle workers
  handed out by :class:`~pcfgraph.sandbox.fairness.FairDispatcher` (one kept for clients with
  no slow task running or recently run; waiters served by need, not arrival).

The workers' lives (start, crash, replacement, recycling, release reloads, stop) are
:mod:`pcfgraph.sandbox.fleet`'s job. The pool follows release reloads (``reload(release)``, see
:mod:`pcfgraph.release_reload`): new workers load the candidate before any old one retires; old
workers finish their task first.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcfgraph.errors import Overloaded, QueryTimeout, TooManyRequests
from pcfgraph.sandbox import protocol
from pcfgraph.sandbox.admission import Admission, SharedCounts
from pcfgraph.sandbox.fleet import WorkerFleet
from pcfgraph.sandbox.process import WorkerProcess
from pcfgraph.sandbox.release_data import ReleaseData
from pcfgraph.sandbox.tasks import Task

if TYPE_CHECKING:
    from pcfgraph.release import Release

log = logging.getLogger("pcfgraph.sandbox")

#: An admission taken by :meth:`WorkerPool.reserved` and not yet used by a task: (pool,
#: client), for the first :meth:`WorkerPool.run` of that client in this context.
_RESERVED: contextvars.ContextVar[tuple[WorkerPool, str | None] | None] = contextvars.ContextVar(
    "pcfgraph_reserved_admission", default=None
)


class WorkerPool:
    """Worker processes with per-task deadlines, crash isolation and admission control."""

    def __init__(
        self,
        release: Release,
        *,
        workers: int = 2,
        memory_mb: int = 1024,
        max_pending: int = 8,
        limits: dict[str, Any] | None = None,
        max_tasks: int = 0,
        memory_store_quads: int = 0,
        max_client_pending: int = 0,
        shared_admission: SharedCounts | None = None,
    ) -> None:
        self.size = max(1, workers)
        self.memory_mb = memory_mb
        self.max_pending = max(max_pending, self.size)
        #: The admission counts: this process's, or with ``shared_admission`` the server's
        #: (``pcfgraph serve --http-workers N``: :mod:`pcfgraph.sandbox.admission`).
        self.admission = Admission(self.max_pending, max_client_pending, shared_admission)
        self.limits = dict(limits or {})
        self._release = release
        #: (release, its id): :attr:`release_id` of the release it was read from
        self._release_id_of: tuple[object, str | None] = (object(), None)
        self._next_task = 0
        #: Counters for metrics and tests (see :meth:`stats`).
        self.counters = {
            "tasks": 0,
            "timeouts": 0,
            "crashes": 0,
            "rejected": 0,
            "restarts": 0,
            "recycled": 0,
        }
        self._data = ReleaseData(memory_store_quads)
        self._fleet = WorkerFleet(
            self.size,
            memory_mb=memory_mb,
            limits=self.limits,
            max_tasks=max(0, max_tasks),
            data=self._data,
            counters=self.counters,
            shared=shared_admission,
        )

    # --- lifecycle (the fleet's job) ----------------------------------------------------

    async def start(self) -> None:
        #: The event loop the pool runs on (tasks must be awaited there).
        self.loop = asyncio.get_running_loop()
        await self._fleet.start(self._release)

    async def stop(self) -> None:
        """Stop every worker and remove the pool's data copy. Safe to call twice."""
        await self._fleet.stop()

    async def reload(self, release: Release) -> None:
        """Move to a new release: new workers load it first; old ones retire when idle."""
        await self._fleet.reload(release)
        self._release = release

    # --- status ------------------------------------------------------------------------

    @property
    def memory_store_quads(self) -> int:
        """Releases up to this many quads load into each worker's memory (0: always share)."""
        return self._data.memory_store_quads

    @property
    def max_tasks(self) -> int:
        """Tasks a worker runs before a fresh one replaces it (0: never)."""
        return self._fleet.max_tasks

    @property
    def data_file(self) -> Path:
        """What the workers of the release in service load (an on-disk store or N-Quads)."""
        return self._data.files[self._fleet.generation]

    def pids(self) -> list[int]:
        return [w.pid for w in self._fleet.workers if w.pid is not None and not w.dead]

    def busy_pids(self) -> list[int]:
        return [w.pid for w in self._fleet.workers if w.task is not None and w.pid is not None]

    @property
    def network_isolated(self) -> bool:
        live = [w for w in self._fleet.workers if w.ready.done() and not w.dead]
        return bool(live) and all(w.isolated for w in live)

    @property
    def max_client_pending(self) -> int:
        """Tasks one client may have admitted at once (0: no per-client limit)."""
        return self.admission.max_client_pending

    @property
    def pending(self) -> int:
        """Tasks this process has admitted (running or waiting for a worker)."""
        return self.admission.pending

    @property
    def release_id(self) -> str | None:
        """The id of the release new tasks run on (None without one): response caches key
        answers by it, so an answer is never kept under another release than its data's."""
        release = self._release
        kept = self._release_id_of
        if kept[0] is release:  # read on every /sparql request, twice: once per release
            return kept[1]
        manifest = getattr(release, "manifest", None)
        value = manifest.get("release_id") if isinstance(manifest, dict) else None
        found = str(value) if value else None
        self._release_id_of = (release, found)
        return found

    def stats(self) -> dict[str, int]:
        """Gauges and counters for ``/metrics`` (``restarts`` is a counter of replacements)."""
        idle = self._fleet.idle
        return {
            "workers": len(self.pids()),
            "busy": len(self.busy_pids()),
            "pending": self.admission.pending,
            "waiting": idle.waiting if idle is not None else 0,
            **self.counters,
        }

    # --- running tasks -----------------------------------------------------------------

    def _admit(self, client: str | None) -> None:
        if self._fleet.closed or self._fleet.idle is None:
            raise Overloaded("the worker pool is not running", retry_after=5)
        try:
            self.admission.enter(client)
        except (TooManyRequests, Overloaded):
            self.counters["rejected"] += 1
            raise

    @contextlib.contextmanager
    def reserved(self, client: str | None) -> Iterator[None]:
        """Admit one task of ``client`` now, before its input is read (an upload), and hold
        the admission until the block ends: a refused upload is refused before its body is
        read, and the admitted ones bound the bodies held in memory. The first :meth:`run` of
        ``client`` inside the block uses this admission instead of taking another."""
        self._admit(client)
        token = _RESERVED.set((self, client))
        try:
            yield
        finally:
            _RESERVED.reset(token)
            self.admission.leave(client)

    async def run(
        self, task: Task, payload: dict[str, Any], *, timeout: float, client: str | None = None
    ) -> Any:
        """Run ``task`` on ``payload`` in a worker within ``timeout`` seconds (wait included).

        ``client`` identifies who asks (the HTTP client address) for the fairness rules.
        """
        reservation = _RESERVED.get()
        if reservation is not None and reservation[0] is self and reservation[1] == client:
            _RESERVED.set(None)  # used: the block's exit gives it back
            if self._fleet.closed or self._fleet.idle is None:
                raise Overloaded("the worker pool is not running", retry_after=5)
            return await self._run_admitted(task, payload, timeout, client)
        self._admit(client)
        try:
            return await self._run_admitted(task, payload, timeout, client)
        finally:
            self.admission.leave(client)

    async def _run_admitted(
        self, task: Task, payload: dict[str, Any], timeout: float, client: str | None
    ) -> Any:
        deadline = time.monotonic() + timeout
        worker = await self._acquire(task, client, deadline, timeout)
        return await self._execute(worker, task, payload, deadline, timeout)

    async def _acquire(
        self, task: Task, client: str | None, deadline: float, timeout: float
    ) -> WorkerProcess:
        idle = self._fleet.idle
        assert idle is not None
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            # A task running past half its deadline marks its client slow (see fairness).
            return await idle.get(client, remaining, slow_after=timeout / 2)
        except TimeoutError:
            raise QueryTimeout(
                f"{task.past_deadline(timeout)}: no worker became free before it", retry_after=2
            ) from None

    async def _execute(
        self,
        w: WorkerProcess,
        task: Task,
        payload: dict[str, Any],
        deadline: float,
        timeout: float,
    ) -> Any:
        """Send one task and wait for its reply, with one timer for the deadline.

        The hot path has no extra tasks or futures (no ``wait_for``/``shield``): the reply
        resolves ``fut`` from :func:`pcfgraph.sandbox.replies.on_readable`, the deadline timer
        resolves it with :class:`QueryTimeout` and kills the worker, a crash resolves it with
        :class:`WorkerCrashed`.
        """
        fleet = self._fleet
        loop = asyncio.get_running_loop()
        self._next_task += 1
        task_id = self._next_task
        fut: asyncio.Future[Any] = loop.create_future()
        w.task, w.task_id = fut, task_id
        self.counters["tasks"] += 1
        timer = loop.call_later(
            max(0.0, deadline - time.monotonic()), self._on_deadline, w, fut, task, timeout
        )
        try:
            data = protocol.encode({"id": task_id, "task": task.name, "payload": payload})
            try:
                try:
                    sent = w.sock.send(data)  # a small task fits the socket buffer at once
                except (BlockingIOError, InterruptedError):
                    sent = 0
                if sent < len(data):
                    await loop.sock_sendall(w.sock, memoryview(data)[sent:])
            except OSError:
                fleet.on_dead(w)  # resolves fut with WorkerCrashed
            except asyncio.CancelledError:
                fleet.kill(w, replace=True)  # a half-sent task: this worker cannot be reused
                raise
            try:
                return await fut
            except asyncio.CancelledError:
                # The client went away before the reply: the task cannot be interrupted, so
                # the worker goes.
                if fut.cancelled():
                    fleet.kill(w, replace=True)
                raise
        finally:
            timer.cancel()
            assert fleet.idle is not None
            fleet.idle.done(w)
            fleet.task_done(w, fut)

    def _on_deadline(
        self, w: WorkerProcess, fut: asyncio.Future[Any], task: Task, timeout: float
    ) -> None:
        if fut.done():
            return
        self.counters["timeouts"] += 1
        log.warning("task %s exceeded %.1f s: killing worker %s", task.name, timeout, w.pid)
        fut.set_exception(
            QueryTimeout(
                f"{task.past_deadline(timeout)} and was stopped",
                retry_after=max(1, int(timeout // 2)),
            )
        )
        self._fleet.kill(w, replace=True)


def upload_admission(pool: WorkerPool | None, client: str | None) -> AbstractContextManager[None]:
    """What an upload's handler holds while it reads the body and runs its task:
    :meth:`WorkerPool.reserved` (refused before the body is read), or nothing without a pool
    (embedded use: no admission)."""
    return pool.reserved(client) if pool is not None else contextlib.nullcontext()
