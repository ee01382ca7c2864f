"""The worker pool in the serving process: lifecycle, admission, deadlines, crashes.

- a task is ``await pool.run(tasks.SPARQL_QUERY, payload, timeout=...)``; it runs in a worker
  (:mod:`pcfgraph.sandbox.worker`) and its reply comes back as plain data
  (:mod:`pcfgraph.sandbox.protocol`), never unpickled;
- the deadline covers waiting for a worker and running: past it the worker is killed with
  ``SIGKILL`` at once, a replacement starts in the background and the caller gets
  :class:`~pcfgraph.errors.QueryTimeout`; a worker that dies mid-task gives
  :class:`~pcfgraph.errors.WorkerCrashed`; the server process is never affected;
- admission control: at most ``max_pending`` tasks are admitted (running or waiting); more get
  :class:`~pcfgraph.errors.Overloaded` at once, so nothing queues without bound;
- fairness between clients (``client`` keys, the HTTP client address): at most
  ``max_client_pending`` tasks admitted per client (:class:`~pcfgraph.errors.TooManyRequests`
  past it), the last admission slot kept for a client with nothing admitted, and idle workers
  handed out by :class:`~pcfgraph.sandbox.fairness.FairDispatcher` (one kept for clients with
  no slow task running or recently run; waiters served by need, not arrival).

The pool follows release reloads (``reload(release)``, see :mod:`pcfgraph.release_reload`): new
workers load the candidate before any old one retires; old workers finish their task first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcfgraph.errors import Overloaded, QueryTimeout, TooManyRequests, WorkerCrashed
from pcfgraph.sandbox import protocol
from pcfgraph.sandbox.fairness import FairDispatcher
from pcfgraph.sandbox.tasks import Task

if TYPE_CHECKING:
    from pcfgraph.release import Release

log = logging.getLogger("pcfgraph.sandbox")

#: Seconds a worker may take to start and load its copy of the release.
START_TIMEOUT = 300.0
#: Bytes read per ``recv``; a message larger than this is received into its own buffer.
_CHUNK = 1 << 16


def _wait(process: subprocess.Popen[bytes], timeout: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)


class _Worker:
    def __init__(
        self, process: subprocess.Popen[bytes], sock: socket.socket, generation: int
    ) -> None:
        self.process = process
        #: Non-blocking on the parent side (event loops such as uvloop force it anyway).
        self.sock = sock
        self.buffer = bytearray()
        #: A large message being received in place (``recv_into``), and how much has come.
        self.frame: bytearray | None = None
        self.filled = 0
        self.generation = generation
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.task: asyncio.Future[Any] | None = None
        self.task_id = 0
        self.dead = False
        self.isolated = False
        #: Tasks finished; past the pool's ``max_tasks`` a fresh worker takes over.
        self.tasks_done = 0
        self.recycling = False
        #: A replacement is serving: retire this one as soon as it is free.
        self.superseded = False
        #: The worker asked to be replaced after its task (memory high-water mark).
        self.must_recycle = False

    @property
    def pid(self) -> int | None:
        return self.process.pid


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
    ) -> None:
        self.size = max(1, workers)
        #: Releases of at most this many quads are loaded into each worker's memory even when
        #: an on-disk store could be shared: scans run 2-5x faster in memory (0: always share).
        self.memory_store_quads = max(0, memory_store_quads)
        #: Tasks a worker runs before a fresh one replaces it (0: never). Engines and
        #: allocators hold on to memory over millions of queries; recycling bounds that.
        self.max_tasks = max(0, max_tasks)
        self.memory_mb = memory_mb
        self.max_pending = max(max_pending, self.size)
        #: Tasks one client may have admitted at once (0: no per-client limit).
        self.max_client_pending = max(0, max_client_pending)
        self._client_pending: dict[str | None, int] = {}
        self.limits = dict(limits or {})
        self._release = release
        self._workers: list[_Worker] = []
        self._idle: FairDispatcher[_Worker] | None = None
        self._pending = 0
        self._generation = 0
        self._data_dir: Path | None = None
        self._data_files: dict[int, Path] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._next_task = 0
        self._closed = False
        #: Counters for metrics and tests (see :meth:`stats`).
        self.counters = {
            "tasks": 0,
            "timeouts": 0,
            "crashes": 0,
            "rejected": 0,
            "restarts": 0,
            "recycled": 0,
        }

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        #: The event loop the pool runs on (tasks must be awaited there).
        self.loop = asyncio.get_running_loop()
        # Last in, first out: sequential requests keep hitting the worker that just ran
        # (warm caches); the others stay idle.
        self._idle = FairDispatcher(self.size, usable=self._usable)
        self._data_dir = Path(tempfile.mkdtemp(prefix="pcfgraph-pool-"))
        await asyncio.to_thread(self._write_data, self._release, self._generation)
        await self._start_generation(self._generation)

    def _write_data(self, release: Release, generation: int) -> None:
        from pcfgraph.release import GRAPH_FILE

        assert self._data_dir is not None
        remote = not hasattr(release.store, "dump")
        if remote and release.path is None and self._data_files:
            # A remote store's release lives on the server: the workers keep their local data.
            self._data_files[generation] = self._data_files[self._generation]
            return
        if release.store_path is not None and not self._in_memory(release):
            # Every worker opens the release's on-disk store read-only (one copy for all).
            self._data_files[generation] = release.store_path
            return
        target = self._data_dir / f"graph-{generation}.nq"
        source = release.path / GRAPH_FILE if release.path is not None else None
        if source is not None and source.is_file():
            try:
                os.link(source, target)  # the release file may be replaced later; ours stays
            except OSError:
                shutil.copyfile(source, target)
        else:
            import pyoxigraph as ox

            target.write_bytes(release.store.dump(ox.RdfFormat.N_QUADS))
        self._data_files[generation] = target

    def _in_memory(self, release: Release) -> bool:
        """Whether workers load their own in-memory copy (small releases, see
        ``memory_store_quads``) instead of sharing the on-disk store."""
        if not self.memory_store_quads:
            return False
        quads = release.manifest.get("quads") if isinstance(release.manifest, dict) else None
        return isinstance(quads, int) and 0 < quads <= self.memory_store_quads

    async def _start_generation(self, generation: int) -> None:
        new = [await self._spawn(generation) for _ in range(self.size)]
        try:
            await asyncio.wait_for(asyncio.gather(*(w.ready for w in new)), timeout=START_TIMEOUT)
        except BaseException:
            for w in new:
                self._kill(w)
            raise
        for w in new:
            self._make_idle(w)

    async def _spawn(self, generation: int) -> _Worker:
        parent_sock, child_sock = socket.socketpair()
        # Connection does blocking os.read/os.write on the fds: a process-wide
        # socket.setdefaulttimeout() (some libraries set one) would make them non-blocking.
        child_sock.setblocking(True)
        parent_sock.setblocking(False)
        env = dict(os.environ)
        env["MALLOC_ARENA_MAX"] = "2"  # glibc arenas would eat the RLIMIT_AS budget
        package_root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        args = [
            sys.executable,
            "-m",
            "pcfgraph.sandbox",
            str(child_sock.fileno()),
            str(self._data_files[generation]),
            str(self.memory_mb),
            json.dumps(self.limits),
        ]
        try:
            process = subprocess.Popen(
                args, pass_fds=(child_sock.fileno(),), stdin=subprocess.DEVNULL, env=env
            )
        finally:
            child_sock.close()
        w = _Worker(process, parent_sock, generation)
        self._workers.append(w)
        asyncio.get_running_loop().add_reader(parent_sock.fileno(), self._on_readable, w)
        return w

    async def stop(self) -> None:
        """Stop every worker and remove the pool's data copy. Safe to call twice."""
        self._closed = True
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(BaseException):
                await task
        workers, self._workers = list(self._workers), []
        for w in workers:
            self._detach(w)
            with contextlib.suppress(OSError):
                w.sock.shutdown(socket.SHUT_RDWR)  # the worker reads EOF and exits
        deadline = time.monotonic() + 2.0
        for w in workers:
            await asyncio.to_thread(_wait, w.process, max(0.0, deadline - time.monotonic()))
            if w.process.poll() is None:
                self._signal(w)
                await asyncio.to_thread(_wait, w.process, 2.0)
            w.sock.close()
            if w.task is not None and not w.task.done():
                w.task.set_exception(WorkerCrashed("the server is shutting down"))
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    async def reload(self, release: Release) -> None:
        """Move to a new release: new workers load it first; old ones retire when idle."""
        generation = self._generation + 1
        await asyncio.to_thread(self._write_data, release, generation)
        try:
            await self._start_generation(generation)
        except BaseException:
            failed = self._data_files.pop(generation, None)
            if failed is not None and failed.is_file():
                failed.unlink(missing_ok=True)
            raise
        old_generation, self._generation = self._generation, generation
        self._release = release
        for w in list(self._workers):
            if w.generation == old_generation and w.task is None:
                self._retire(w)
        old = self._data_files.pop(old_generation, None)
        if old is not None and old.is_file() and old not in self._data_files.values():
            old.unlink(missing_ok=True)  # workers already loaded it

    # --- status ------------------------------------------------------------------------

    def pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.pid is not None and not w.dead]

    def busy_pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.task is not None and w.pid is not None]

    @property
    def network_isolated(self) -> bool:
        live = [w for w in self._workers if w.ready.done() and not w.dead]
        return bool(live) and all(w.isolated for w in live)

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def release_id(self) -> str | None:
        """The id of the release new tasks run on (None without one): response caches key
        answers by it, so an answer is never kept under another release than its data's."""
        manifest = getattr(self._release, "manifest", None)
        value = manifest.get("release_id") if isinstance(manifest, dict) else None
        return str(value) if value else None

    def stats(self) -> dict[str, int]:
        """Gauges and counters for ``/metrics`` (``restarts`` is a counter of replacements)."""
        return {
            "workers": len(self.pids()),
            "busy": len(self.busy_pids()),
            "pending": self._pending,
            "waiting": self._idle.waiting if self._idle is not None else 0,
            **self.counters,
        }

    # --- running tasks -----------------------------------------------------------------

    async def run(
        self, task: Task, payload: dict[str, Any], *, timeout: float, client: str | None = None
    ) -> Any:
        """Run ``task`` on ``payload`` in a worker within ``timeout`` seconds (wait included).

        ``client`` identifies who asks (the HTTP client address) for the fairness rules.
        """
        if self._closed or self._idle is None:
            raise Overloaded("the worker pool is not running", retry_after=5)
        mine = self._client_pending.get(client, 0)
        if self.max_client_pending and mine >= self.max_client_pending:
            self.counters["rejected"] += 1
            raise TooManyRequests(
                f"this client already has {mine} expensive requests in progress (the limit is "
                f"the max_concurrent_per_client setting); wait for them to finish",
                retry_after=1,
            )
        # The last slot is kept for a client with nothing admitted (a newcomer is not shut
        # out by others' floods).
        full = self.max_pending - (1 if mine and self.max_pending > 1 else 0)
        if self._pending >= full:
            self.counters["rejected"] += 1
            raise Overloaded(
                f"too many expensive requests in progress ({self.max_pending}); try again",
                retry_after=1,
            )
        self._pending += 1
        self._client_pending[client] = mine + 1
        deadline = time.monotonic() + timeout
        try:
            worker = await self._acquire(client, deadline, timeout)
            return await self._execute(worker, task, payload, deadline, timeout)
        finally:
            self._pending -= 1
            left = self._client_pending.get(client, 1) - 1
            if left > 0:
                self._client_pending[client] = left
            else:
                self._client_pending.pop(client, None)

    def _usable(self, w: _Worker) -> bool:
        """Whether an idle worker may take a task (a worker of an old release retires)."""
        if w.dead:
            return False
        if w.generation != self._generation:
            self._retire(w)
            return False
        return True

    async def _acquire(self, client: str | None, deadline: float, timeout: float) -> _Worker:
        assert self._idle is not None
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            # A task running past half its deadline marks its client slow (see fairness).
            return await self._idle.get(client, remaining, slow_after=timeout / 2)
        except TimeoutError:
            raise QueryTimeout(
                f"no worker became free within the {timeout:g} s deadline", retry_after=2
            ) from None

    async def _execute(
        self,
        w: _Worker,
        task: Task,
        payload: dict[str, Any],
        deadline: float,
        timeout: float,
    ) -> Any:
        """Send one task and wait for its reply, with one timer for the deadline.

        The hot path has no extra tasks or futures (no ``wait_for``/``shield``): the reply
        resolves ``fut`` from :meth:`_on_readable`, the deadline timer resolves it with
        :class:`QueryTimeout` and kills the worker, a crash resolves it with
        :class:`WorkerCrashed`.
        """
        loop = asyncio.get_running_loop()
        self._next_task += 1
        task_id = self._next_task
        fut: asyncio.Future[Any] = loop.create_future()
        w.task, w.task_id = fut, task_id
        self.counters["tasks"] += 1
        timer = loop.call_later(
            max(0.0, deadline - time.monotonic()), self._on_deadline, w, fut, task.name, timeout
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
                self._on_dead(w)  # resolves fut with WorkerCrashed
            except asyncio.CancelledError:
                self._kill(w, replace=True)  # a half-sent task: this worker cannot be reused
                raise
            try:
                return await fut
            except asyncio.CancelledError:
                # The client went away before the reply: the task cannot be interrupted, so
                # the worker goes.
                if fut.cancelled():
                    self._kill(w, replace=True)
                raise
        finally:
            timer.cancel()
            assert self._idle is not None
            self._idle.done(w)
            if w.task is fut:
                w.task = None
                if not w.dead and w.must_recycle:
                    self.counters["recycled"] += 1
                    self._retire(w)
                    if not self._closed and w.generation == self._generation:
                        self._replace()
                elif not w.dead:
                    w.tasks_done += 1
                    if w.generation == self._generation and not self._closed and not w.superseded:
                        self._make_idle(w)
                        if self.max_tasks and w.tasks_done >= self.max_tasks:
                            self._recycle(w)
                    else:
                        self._retire(w)

    def _on_deadline(
        self, w: _Worker, fut: asyncio.Future[Any], task_name: str, timeout: float
    ) -> None:
        if fut.done():
            return
        self.counters["timeouts"] += 1
        log.warning("task %s exceeded %.1f s: killing worker %s", task_name, timeout, w.pid)
        fut.set_exception(
            QueryTimeout(
                f"the query did not finish within the {timeout:g} s deadline and was stopped",
                retry_after=max(1, int(timeout // 2)),
            )
        )
        self._kill(w, replace=True)

    def _make_idle(self, w: _Worker) -> None:
        assert self._idle is not None
        self._idle.put(w)

    # --- worker messages and deaths -----------------------------------------------------

    def _on_readable(self, w: _Worker) -> None:
        if w.frame is not None:
            self._receive_frame(w)
            return
        try:
            chunk = w.sock.recv(_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._on_dead(w)
            return
        w.buffer += chunk
        size = protocol.HEADER.size
        while len(w.buffer) >= size:
            (n,) = protocol.HEADER.unpack_from(w.buffer)
            if len(w.buffer) < size + n:
                if n > _CHUNK:
                    # A large reply: the rest goes straight into a buffer of its size, so
                    # megabytes of result are not appended chunk by chunk, then sliced.
                    w.frame = bytearray(n)
                    have = len(w.buffer) - size
                    w.frame[:have] = memoryview(w.buffer)[size:]
                    w.filled = have
                    w.buffer.clear()
                break
            body = w.buffer[size : size + n]
            del w.buffer[: size + n]
            if not self._deliver(w, body):
                return

    def _receive_frame(self, w: _Worker) -> None:
        assert w.frame is not None
        try:
            got = w.sock.recv_into(memoryview(w.frame)[w.filled :])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            got = 0
        if not got:
            self._on_dead(w)
            return
        w.filled += got
        if w.filled == len(w.frame):
            body, w.frame, w.filled = w.frame, None, 0
            self._deliver(w, body)

    def _deliver(self, w: _Worker, body: bytearray) -> bool:
        """Decode one message body and act on it; False when the worker was killed for it."""
        try:
            msg = protocol.decode(body)
        except protocol.ProtocolError:
            log.error("worker %s sent a malformed message: killing it", w.pid)
            self._kill(w, replace=True)
            return False
        self._on_message(w, msg)
        return True

    def _on_message(self, w: _Worker, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if "ready" in msg:
            w.isolated = bool(msg.get("isolated"))
            if not w.ready.done():
                w.ready.set_result(None)
            return
        fut = w.task
        if fut is None or fut.done() or msg.get("id") != w.task_id:
            return
        if msg.get("recycle"):
            w.must_recycle = True  # its memory grew past the mark: no further task runs there
        if "ok" in msg:
            fut.set_result(msg["ok"])
        else:
            fut.set_exception(protocol.rebuild_error(msg.get("error")))

    def _on_dead(self, w: _Worker) -> None:
        if w.dead:
            return
        was_ready = w.ready.done()
        self._detach(w)
        if not w.ready.done():
            w.ready.set_exception(WorkerCrashed("a worker failed while loading the release"))
        if w.task is not None and not w.task.done():
            self.counters["crashes"] += 1
            log.error("worker %s died while running a task", w.pid)
            w.task.set_exception(
                WorkerCrashed(
                    "the worker running this query crashed (the query was too large or "
                    "malformed for the engine); the server is fine, try a simpler query",
                    retry_after=1,
                )
            )
        self._reap(w)
        if was_ready and not self._closed and w.generation == self._generation:
            self._replace()

    def _detach(self, w: _Worker) -> None:
        w.dead = True
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            asyncio.get_running_loop().remove_reader(w.sock.fileno())

    def _signal(self, w: _Worker) -> None:
        if w.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(w.pid, signal.SIGKILL)

    def _kill(self, w: _Worker, *, replace: bool = False) -> None:
        if w.dead:
            return
        self._detach(w)
        self._signal(w)
        if w.task is not None and not w.task.done():
            w.task.cancel()
        self._reap(w)
        if replace and not self._closed and w.generation == self._generation:
            self._replace()

    def _retire(self, w: _Worker) -> None:
        if w.dead:
            return
        self._detach(w)
        with contextlib.suppress(OSError):
            w.sock.shutdown(socket.SHUT_RDWR)  # the worker reads EOF and exits
        self._reap(w)

    def _reap(self, w: _Worker) -> None:
        async def reap() -> None:
            await asyncio.to_thread(_wait, w.process, 5.0)
            if w.process.poll() is None:
                self._signal(w)
                await asyncio.to_thread(_wait, w.process, 5.0)
            w.sock.close()
            code = w.process.returncode
            if code not in (0, None):
                log.warning("worker %s exited with status %s", w.pid, code)
            if w in self._workers:
                self._workers.remove(w)

        self._spawn_background(reap())

    def _replace(self) -> None:
        generation = self._generation
        self.counters["restarts"] += 1

        async def replace() -> None:
            w = await self._spawn(generation)
            try:
                await asyncio.wait_for(asyncio.shield(w.ready), START_TIMEOUT)
            except (WorkerCrashed, TimeoutError):
                log.error("a replacement worker failed to start")
                self._kill(w)
                return
            if self._closed or generation != self._generation:
                self._retire(w)
            else:
                self._make_idle(w)

        self._spawn_background(replace())

    def _recycle(self, old: _Worker) -> None:
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
                self._kill(new)
                old.recycling = False
                return
            if self._closed or generation != self._generation or old.dead:
                self._retire(new)  # shut down, reloaded, or already replaced after a crash
                return
            self.counters["recycled"] += 1
            old.superseded = True
            self._make_idle(new)
            if old.task is None:
                self._retire(old)  # idle: _acquire skips it from now on (dead)

        self._spawn_background(recycle())

    def _spawn_background(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
