"""Fair hand-out of idle sandbox workers between clients (issue 14 item 7).

Tasks cannot be interrupted, so one client's slow queries hold workers until they finish or
hit their deadline. Two rules keep a worker for everybody else:

- **the last idle worker is reserved**: it goes only to a client with no task running and no
  slow task in the last ``remember_seconds``; a task is slow once it has held its worker for
  ``slow_after`` seconds (given per task: the pool uses half the task's deadline, at least
  ``slow_seconds``, so a cheap query slowed down by a busy machine or a fresh worker does not
  mark its client, while queries running to their deadline do). A client running something,
  or known to send slow queries, waits for a second idle worker; so no client alone holds
  every worker, a flood from any number of known heavy clients shares the other workers, and
  a light client finds a free one (several *new* clients' first slow queries, before anything
  is known about them, can still take one worker each until they end or hit their deadline);
- **waiters are served by need, not arrival**: a freed worker goes to the waiting client with
  the fewest tasks running, then one not marked slow, then the oldest waiter.

With one worker there is nothing to reserve and waiters are served in that same order.
Clients are opaque keys (the HTTP edge, ``/mcp`` included, passes the client address;
``pcfgraph mcp`` over stdio its own key); ``None`` is one client.

Several server processes (``pcfgraph serve --http-workers N``) each hand out their own share
of the sandbox workers; with ``shared`` (the server's count of idle workers,
:class:`pcfgraph.sandbox.admission.SharedCounts`) the reserve is the server's: the last idle
worker *of the server* goes only to a client with nothing running and no slow task here, so
a process with one worker keeps it for light clients while it is the server's last. A waiter
held back by that rule while this process has an idle worker looks again every
``RECHECK_SECONDS`` (a worker freed in another process tells this one nothing).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

W = TypeVar("W")

#: A task holding a worker this long marks its client slow ...
SLOW_SECONDS = 1.0
#: ... for this long.
REMEMBER_SECONDS = 60.0
#: Most clients remembered as slow (a bound on memory; expired marks go first).
MAX_REMEMBERED = 10_000
#: How often a waiter held back by the server's reserve looks at the server's idle count.
RECHECK_SECONDS = 0.05


class IdleCount(Protocol):
    """Idle sandbox workers of every process of the server."""

    @property
    def idle(self) -> int: ...

    def add_idle(self, delta: int) -> None: ...


@dataclass(eq=False)
class _Waiter(Generic[W]):
    client: str | None
    seq: int
    slow_after: float
    fut: asyncio.Future[W] = field(repr=False)


def client_key(address: object) -> str | None:
    """The key of an HTTP client for these rules: its address (``request.client.host``;
    behind a trusted proxy ``forwarded_allow_ips`` makes it the real client)."""
    host = getattr(address, "host", None)
    return host if isinstance(host, str) else None


class FairDispatcher(Generic[W]):
    """Idle workers and the clients waiting for one; see the module docstring."""

    def __init__(
        self,
        size: int,
        *,
        usable: Callable[[W], bool] = lambda w: True,
        slow_seconds: float = SLOW_SECONDS,
        remember_seconds: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        shared: IdleCount | None = None,
    ) -> None:
        #: Idle workers, last in first out (the worker that just ran has warm caches).
        self._idle: list[W] = []
        self._waiters: list[_Waiter[W]] = []
        #: When each client's running tasks become slow (clock time).
        self._running: dict[str | None, list[float]] = {}
        self._held: dict[int, tuple[str | None, float]] = {}
        self._slow_until: dict[str | None, float] = {}
        self._seq = itertools.count()
        #: The server's idle count (several processes), None: this dispatcher's alone.
        self.shared = shared
        #: How many of this dispatcher's idle workers ``shared`` holds.
        self._published = 0
        self._recheck: asyncio.TimerHandle | None = None
        # A server of several processes has two or more workers in all.
        self.reserve = 1 if size >= 2 or shared is not None else 0
        self.usable = usable
        self.slow_seconds = slow_seconds
        self.remember_seconds = remember_seconds
        self.clock = clock

    # --- state -------------------------------------------------------------------------

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def running(self, client: str | None) -> int:
        return len(self._running.get(client, ()))

    def is_slow(self, client: str | None) -> bool:
        until = self._slow_until.get(client)
        if until is None:
            return False
        if until <= self.clock():
            del self._slow_until[client]
            return False
        return True

    # --- workers -----------------------------------------------------------------------

    def put(self, worker: W) -> None:
        """A worker is idle: hand it to the neediest eligible waiter, else keep it."""
        self._idle.append(worker)
        self._dispatch()

    def discard(self, worker: W) -> None:
        """``worker`` left (killed, retired, dead): out of the idle ones if it was there."""
        for index, idle in enumerate(self._idle):
            if idle is worker:
                del self._idle[index]
                self._publish()
                return

    async def get(self, client: str | None, timeout: float, slow_after: float = 0.0) -> W:
        """An idle worker for ``client`` within ``timeout`` seconds (``TimeoutError`` past it);
        the task counts as slow after ``slow_after`` seconds (at least ``slow_seconds``).

        The caller must call :meth:`done` with the worker once its task is over.
        """
        while not self._waiters and self._idle and self._eligible(client):
            worker = self._idle.pop()  # the common case: no queue, no future, no timer
            self._publish()
            if self.usable(worker):
                self._hand_out(worker, client, slow_after)
                return worker
        loop = asyncio.get_running_loop()
        waiter: _Waiter[W] = _Waiter(client, next(self._seq), slow_after, loop.create_future())
        self._waiters.append(waiter)
        self._dispatch()
        if waiter.fut.done():
            return waiter.fut.result()
        timer = loop.call_later(max(0.0, timeout), self._expire, waiter)
        try:
            return await waiter.fut
        except asyncio.CancelledError:
            if waiter.fut.done() and not waiter.fut.cancelled():
                # Handed a worker just as the caller went away: give it back.
                worker = waiter.fut.result()
                self.done(worker)
                self.put(worker)
            raise
        finally:
            timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                self._dispatch()  # a waiter that blocked others may have gone

    def done(self, worker: W) -> None:
        """The task on ``worker`` is over (the worker itself goes back with :meth:`put`)."""
        held = self._held.pop(id(worker), None)
        if held is None:
            return
        client, slow_at = held
        marks = self._running.get(client, [])
        if slow_at in marks:
            marks.remove(slow_at)
        if not marks:
            self._running.pop(client, None)
        if self.clock() >= slow_at:
            self._mark_slow(client)
        self._dispatch()

    def _hand_out(self, worker: W, client: str | None, slow_after: float) -> None:
        slow_at = self.clock() + max(self.slow_seconds, slow_after)
        self._running.setdefault(client, []).append(slow_at)
        self._held[id(worker)] = (client, slow_at)

    # --- internals ---------------------------------------------------------------------

    def _expire(self, waiter: _Waiter[W]) -> None:
        if not waiter.fut.done():
            waiter.fut.set_exception(TimeoutError())

    def _mark_slow(self, client: str | None) -> None:
        now = self.clock()
        if len(self._slow_until) >= MAX_REMEMBERED:
            for key in [k for k, t in self._slow_until.items() if t <= now]:
                del self._slow_until[key]
            while len(self._slow_until) >= MAX_REMEMBERED:
                del self._slow_until[next(iter(self._slow_until))]  # the oldest mark
        self._slow_until.pop(client, None)  # re-insert: dict order is the marking order
        self._slow_until[client] = now + self.remember_seconds

    def _publish(self) -> None:
        """Bring the server's idle count up to date with this dispatcher's."""
        if self.shared is not None and len(self._idle) != self._published:
            self.shared.add_idle(len(self._idle) - self._published)
            self._published = len(self._idle)

    def _eligible(self, client: str | None) -> bool:
        idle = len(self._idle) if self.shared is None else self.shared.idle
        if idle > self.reserve:
            return True
        return self.running(client) == 0 and not self.is_slow(client)

    def _dispatch(self) -> None:
        while True:
            self._publish()  # the server's count includes what changed here so far
            if not self._idle:
                return
            ready = [w for w in self._waiters if not w.fut.done()]
            self._waiters = ready
            candidates = [w for w in ready if self._eligible(w.client)]
            if not candidates:
                if ready and self.shared is not None:
                    self._recheck_later()
                return
            chosen = min(
                candidates, key=lambda w: (self.running(w.client), self.is_slow(w.client), w.seq)
            )
            worker = self._idle.pop()
            if not self.usable(worker):
                continue  # dead or of an old release: dropped, try the next idle one
            self._waiters.remove(chosen)
            self._hand_out(worker, chosen.client, chosen.slow_after)
            chosen.fut.set_result(worker)

    def _recheck_later(self) -> None:
        """Look at the server's idle count again soon (another process may free one)."""
        if self._recheck is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def recheck() -> None:
            self._recheck = None
            self._dispatch()

        self._recheck = loop.call_later(RECHECK_SECONDS, recheck)
