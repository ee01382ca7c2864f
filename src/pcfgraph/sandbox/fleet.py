"""The pool's worker processes over their life: start, replace, recycle, retire, stop.

Workers belong to a *generation* (one per release the pool has served): a reload starts a
whole new generation before any old worker retires, and old workers finish their task first.
A worker that dies or is killed is replaced in the background; one past its task budget
(``max_tasks``) or its memory mark is recycled, its replacement loading before it retires,
so capacity never drops. Idle workers wait in the pool's
:class:`~pcfgraph.sandbox.fairness.FairDispatcher`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from pcfgraph.errors import WorkerCrashed
from pcfgraph.sandbox import process, replies
from pcfgraph.sandbox.fairness import FairDispatcher, IdleCount
from pcfgraph.sandbox.process import START_TIMEOUT, WorkerProcess, sigkill, wait_quietly
from pcfgraph.sandbox.release_data import ReleaseData

if TYPE_CHECKING:
    from pcfgraph.release import Release

log = logging.getLogger("pcfgraph.sandbox")

#: A replacement worker that failed to start is tried again after this long, then twice as
#: long each time, up to :data:`RETRY_MAX_SECONDS` (a cause that persists is logged, not spun).
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0


#: Seconds a worker whose socket closed is given to exit, for its status to say why it died
#: (its socket closes as the kernel ends it: the status follows within microseconds).
EXIT_STATUS_WAIT = 2.0


async def exit_status(p: subprocess.Popen[bytes], *, within: float) -> int | None:
    """``p``'s exit status once it has exited, waiting up to ``within`` seconds (``None``: it
    has not). Polls: a thread blocked in ``wait`` (the reaper) holds the wait lock, and
    ``poll`` then sees the status that thread records."""
    give_up = time.monotonic() + within
    pause = 0.001
    while (status := p.poll()) is None and time.monotonic() < give_up:
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)
    return status


class WorkerFleet:
    """Every worker process of a pool, its idle ones and the data they load."""

    def __init__(
        self,
        size: int,
        *,
        memory_mb: int,
        limits: dict[str, Any],
        max_tasks: int,
        data: ReleaseData,
        counters: dict[str, int],
        shared: IdleCount | None = None,
    ) -> None:
        self.size = size
        #: The server's idle count when it has several processes (the reserve is the server's).
        self.shared = shared
        self.memory_mb = memory_mb
        self.limits = limits
        #: Tasks a worker runs before a fresh one replaces it (0: never).
        self.max_tasks = max_tasks
        self.data = data
        #: The pool's counters (``crashes``, ``restarts``, ``recycled`` are counted here).
        self.counters = counters
        self.workers: list[WorkerProcess] = []
        self.idle: FairDispatcher[WorkerProcess] | None = None
        #: The generation new tasks run on.
        self.generation = 0
        self.closed = False
        self._background: set[asyncio.Task[Any]] = set()

    # --- start, reload, stop ------------------------------------------------------------

    async def start(self, release: Release) -> None:
        # Last in, first out: sequential requests keep hitting the worker that just ran
        # (warm caches); the others stay idle.
        self.idle = FairDispatcher(self.size, usable=self._usable, shared=self.shared)
        self.data.open()
        await asyncio.to_thread(self.data.write, release, self.generation, self.generation)
        await self._start_generation(self.generation)

    async def reload(self, release: Release) -> None:
        """Move to a new release: new workers load it first; old ones retire when idle."""
        generation = self.generation + 1
        await asyncio.to_thread(self.data.write, release, generation, self.generation)
        try:
            await self._start_generation(generation)
        except BaseException:
            self.data.discard(generation)
            raise
        old_generation, self.generation = self.generation, generation
        for w in list(self.workers):
            if w.generation == old_generation and w.task is None:
                self.retire(w)
        self.data.release(old_generation)

    async def stop(self) -> None:
        """Stop every worker and remove the data copy. Safe to call twice."""
        self.closed = True
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(BaseException):
                await task
        workers, self.workers = list(self.workers), []
        for w in workers:
            self._detach(w)
            with contextlib.suppress(OSError):
                w.sock.shutdown(socket.SHUT_RDWR)  # the worker reads EOF and exits
        deadline = time.monotonic() + 2.0
        for w in workers:
            await asyncio.to_thread(wait_quietly, w.process, max(0.0, deadline - time.monotonic()))
            if w.process.poll() is None:
                sigkill(w)
                await asyncio.to_thread(wait_quietly, w.process, 2.0)
            w.sock.close()
            if w.task is not None and not w.task.done():
                w.task.set_exception(WorkerCrashed("the server is shutting down"))
        self.data.close()

    async def _start_generation(self, generation: int) -> None:
        new = [await self._spawn(generation) for _ in range(self.size)]
        try:
            await asyncio.wait_for(asyncio.gather(*(w.ready for w in new)), timeout=START_TIMEOUT)
        except BaseException:
            for w in new:
                self.kill(w)
            raise
        for w in new:
            self.make_idle(w)

    async def _spawn(self, generation: int) -> WorkerProcess:
        w = process.spawn(self.data.files[generation], self.memory_mb, self.limits, generation)
        self.workers.append(w)
        asyncio.get_running_loop().add_reader(
            w.sock.fileno(), replies.on_readable, w, self.on_dead, self._kill_and_replace
        )
        return w

    # --- idle workers and finished tasks ------------------------------------------------

    def make_idle(self, w: WorkerProcess) -> None:
        assert self.idle is not None
        self.idle.put(w)

    def _usable(self, w: WorkerProcess) -> bool:
        """Whether an idle worker may take a task (a worker of an old release retires)."""
        if w.dead:
            return False
        if w.generation != self.generation:
            self.retire(w)
            return False
        return True

    def task_done(self, w: WorkerProcess, fut: asyncio.Future[Any]) -> None:
        """After the task ``fut`` on ``w``: idle again, recycled, or retired."""
        if w.task is fut:
            w.task = None
            if not w.dead and w.must_recycle:
                self.counters["recycled"] += 1
                self.retire(w)
                if not self.closed and w.generation == self.generation:
                    self._replace()
            elif not w.dead:
                w.tasks_done += 1
                if w.generation == self.generation and not self.closed and not w.superseded:
                    self.make_idle(w)
                    if self.max_tasks and w.tasks_done >= self.max_tasks:
                        self._recycle(w)
                else:
                    self.retire(w)

    # --- deaths, kills and replacements ---------------------------------------------------

    def on_dead(self, w: WorkerProcess) -> None:
        """``w``'s socket closed: fail its task (or its start) and replace it."""
        if w.dead:
            return
        was_ready = w.ready.done()
        self._detach(w)
        if not w.ready.done():
            w.ready.set_exception(WorkerCrashed("a worker failed while loading the release"))
        if w.task is not None and not w.task.done():
            self.counters["crashes"] += 1
            self._spawn_background(self._fail_task(w, w.task))
        self._reap(w)
        if was_ready and not self.closed and w.generation == self.generation:
            self._replace()

    async def _fail_task(self, w: WorkerProcess, task: asyncio.Future[Any]) -> None:
        """Fail the task ``w`` died running, once its exit status says why (an engine that ran
        out of memory, or a crash: :func:`~pcfgraph.sandbox.process.death_error`)."""
        status = None
        try:
            status = await exit_status(w.process, within=EXIT_STATUS_WAIT)
        finally:  # also when a stop cancels the wait: the caller is never left waiting
            log.error("worker %s died while running a task (exit status %s)", w.pid, status)
            if not task.done():  # the deadline may have answered meanwhile
                task.set_exception(process.death_error(status, self.memory_mb))

    def kill(self, w: WorkerProcess, *, replace: bool = False) -> None:
        """``SIGKILL`` ``w`` at once (its task is cancelled); ``replace`` starts another."""
        if w.dead:
            return
        self._detach(w)
        sigkill(w)
        if w.task is not None and not w.task.done():
            w.task.cancel()
        self._reap(w)
        if replace and not self.closed and w.generation == self.generation:
            self._replace()

    def _kill_and_replace(self, w: WorkerProcess) -> None:
        self.kill(w, replace=True)

    def retire(self, w: WorkerProcess) -> None:
        """Let ``w`` exit on its own (it reads end of file); no replacement."""
        if w.dead:
            return
        self._detach(w)
        with contextlib.suppress(OSError):
            w.sock.shutdown(socket.SHUT_RDWR)  # the worker reads EOF and exits
        self._reap(w)

    def _detach(self, w: WorkerProcess) -> None:
        w.dead = True
        if self.idle is not None:
            self.idle.discard(w)  # not counted idle by the server any more
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            asyncio.get_running_loop().remove_reader(w.sock.fileno())

    def _reap(self, w: WorkerProcess) -> None:
        async def reap() -> None:
            await asyncio.to_thread(wait_quietly, w.process, 5.0)
            if w.process.poll() is None:
                sigkill(w)
                await asyncio.to_thread(wait_quietly, w.process, 5.0)
            w.sock.close()
            code = w.process.returncode
            if code not in (0, None):
                log.warning("worker %s exited with status %s", w.pid, code)
            if w in self.workers:
                self.workers.remove(w)

        self._spawn_background(reap())

    def _replace(self) -> None:
        """Start a worker in place of a dead one; one that fails to start is tried again
        (after :data:`RETRY_FIRST_SECONDS`, doubling to :data:`RETRY_MAX_SECONDS`) until one
        starts, the pool stops or reloads: given up after one failure, a pool of one was left
        with no worker, and every query waited out its admission and failed."""
        generation = self.generation
        self.counters["restarts"] += 1

        async def replace() -> None:
            pause = RETRY_FIRST_SECONDS
            while True:
                w = await self._spawn(generation)
                try:
                    await asyncio.wait_for(asyncio.shield(w.ready), START_TIMEOUT)
                    break
                except (WorkerCrashed, TimeoutError):
                    self.kill(w)
                if self.closed or generation != self.generation:
                    return
                log.error("a replacement worker failed to start; another in %.1f s", pause)
                await asyncio.sleep(pause)
                pause = min(2 * pause, RETRY_MAX_SECONDS)
                if self.closed or generation != self.generation:
                    return
            if self.closed or generation != self.generation:
                self.retire(w)
            else:
                self.make_idle(w)

        self._spawn_background(replace())

    def _recycle(self, old: WorkerProcess) -> None:
        """Start a fresh worker; once it is ready it joins and ``old`` retires when free.

        ``old`` keeps serving while the new one loads, so capacity never drops.
        """
        if old.recycling:
            return
        old.recycling = True
        generation = old.generation

        async def recycle() -> None:
            new = await self._spawn(generation)
            try:
                await asyncio.wait_for(asyncio.shield(new.ready), START_TIMEOUT)
            except (WorkerCrashed, TimeoutError):
                log.error("a recycling worker failed to start; %s keeps serving", old.pid)
                self.kill(new)
                old.recycling = False
                return
            if self.closed or generation != self.generation or old.dead:
                self.retire(new)  # shut down, reloaded, or already replaced after a crash
                return
            self.counters["recycled"] += 1
            old.superseded = True
            self.make_idle(new)
            if old.task is None:
                self.retire(old)  # idle: the dispatcher skips it from now on (dead)

        self._spawn_background(recycle())

    def _spawn_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
