"""Slots for queries run in the serving process's threads, shortest proven work first.

In-process SPARQL (issue 20) runs bounded queries in a few threads. When they are all busy, a
query on an in-memory copy of a large release used to go to a sandbox worker, which reads the
on-disk store 3-6x slower: with 8 clients asking the same 60-160 ms query, six of them queued
behind two workers at 0.4-1 s each and hit the clients' 2 s timeouts. Waiting here for a
thread is faster; on a release served from memory too (no pickled round trip, no second
serialisation: construct-subtree under 8 connections 2.5 -> 2.1 ms of server CPU). Waiters are served by the smallest work bound first (the oldest among
equals), so a cheap query never waits behind a queue of heavy ones, only behind the ones
running; the wait counts against the query's deadline (past it: the same 503), and at most
``waiting`` queries wait (beyond that the caller sends the query to the worker pool, whose
admission control answers 503 ``overloaded``). With several server processes
(``--http-workers``) the waiting count is the server's (``shared``,
:class:`pcfgraph.sandbox.admission.SharedCounts`), so at most ``waiting`` wait in all.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Protocol


class WaitingCount(Protocol):
    """Queries waiting in every process of the server."""

    def start_waiting(self, limit: int) -> bool: ...

    def stop_waiting(self) -> None: ...


class QuerySlots:
    """At most ``size`` holders at once; waiters by (work, arrival). One event loop only."""

    def __init__(self, size: int, waiting: int) -> None:
        self.size = max(1, size)
        self.max_waiting = max(0, waiting)
        self.running = 0
        self.waiting = 0
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()
        #: The server's count of waiting queries (None: this process's alone).
        self.shared: WaitingCount | None = None

    def try_take(self) -> bool:
        """A slot now, if one is free and nobody waits for it."""
        if self.running < self.size and not self.waiting:
            self.running += 1
            return True
        return False

    async def take(self, work: int, timeout: float) -> bool:
        """Wait for a slot (True), or False at once when ``max_waiting`` already wait.
        Raises :class:`TimeoutError` after ``timeout`` seconds without one."""
        if self.try_take():
            return True
        if self.waiting >= self.max_waiting:
            return False
        shared = self.shared
        if shared is not None and not shared.start_waiting(self.max_waiting):
            return False
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (work, next(self._arrivals), granted))
        self.waiting += 1
        try:
            await asyncio.wait_for(asyncio.shield(granted), max(0.0, timeout))
        except BaseException:
            if granted.done() and not granted.cancelled():
                self.release()  # granted as the wait ended: hand it on
            else:
                granted.cancel()
                self._stop_waiting()
            raise
        return True

    def release(self) -> None:
        """Give a slot back: to the waiter with the smallest work, else free."""
        self.running -= 1
        while self._queue:
            _, _, granted = heapq.heappop(self._queue)
            if granted.cancelled():
                continue
            self._stop_waiting()
            self.running += 1
            granted.set_result(None)
            return

    def _stop_waiting(self) -> None:
        self.waiting -= 1
        if self.shared is not None:
            self.shared.stop_waiting()
