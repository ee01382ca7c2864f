"""How many expensive requests are admitted, in all and per client: one budget per server.

The sandbox pool admits at most ``max_pending`` tasks at once (more: 503 ``overloaded``), at
most ``max_client_pending`` per client (more: 429 ``too-many-requests``), and keeps the last
slot for a client with nothing admitted. In one process the counts are plain integers
(:class:`Admission` alone). ``pcfgraph serve --http-workers N`` runs N processes, and a
client's connections land on any of them: the counts then live in :class:`SharedCounts`,
memory the supervisor maps before it forks and every process updates under one lock, so the
limits hold for the server as a whole (not N times over). The lock is held for a few
microseconds (a scan of at most ``slots`` entries); a process that dies stops the whole
server (:mod:`pcfgraph.http.prefork`), so counts never outlive the tasks they count.

The same memory counts the queries waiting for an in-process SPARQL thread
(:mod:`pcfgraph.query_slots`), whose cap (``max_concurrent_expensive``) is the server's too,
and the server's idle sandbox workers, whose last one is kept for light clients
(:mod:`pcfgraph.sandbox.fairness`).

Clients are kept by a 64-bit hash of their key (the client address) in a table of ``slots``
entries: the clients with something admitted are at most ``max_pending``, so a table that
size never fills.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing
from collections.abc import Iterator
from typing import Any

from pcfgraph.errors import Overloaded, TooManyRequests

#: Longest wait for the shared lock (held for microseconds; longer means its holder died).
LOCK_SECONDS = 2.0


def _client_hash(client: str | None) -> int:
    """A non-zero 64-bit key for ``client`` (0 marks a free slot)."""
    text = "\0none" if client is None else client
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return value or 1


class SharedCounts:
    """Admission counts in shared memory, inherited by processes forked after it is made."""

    def __init__(self, slots: int) -> None:
        context = multiprocessing.get_context("fork")
        self.slots = max(1, slots)
        self._lock: Any = context.Lock()
        self._total: Any = context.RawValue(ctypes.c_long, 0)
        self._keys: Any = context.RawArray(ctypes.c_uint64, self.slots)
        self._counts: Any = context.RawArray(ctypes.c_long, self.slots)
        self._waiting: Any = context.RawValue(ctypes.c_long, 0)
        self._idle: Any = context.RawValue(ctypes.c_long, 0)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The lock, or :class:`Overloaded` after ``LOCK_SECONDS`` (a process killed inside
        the few microseconds it holds it: the supervisor is stopping the server then, and this
        process must not hang on it but answer and stop)."""
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            raise Overloaded("the server is stopping (its admission counts are unavailable)")
        try:
            yield
        finally:
            self._lock.release()

    @property
    def total(self) -> int:
        """Tasks admitted now, by every process."""
        return int(self._total.value)

    @property
    def waiting(self) -> int:
        """Queries waiting for an in-process thread now, in every process
        (:mod:`pcfgraph.query_slots`)."""
        return int(self._waiting.value)

    def start_waiting(self, limit: int) -> bool:
        """One more query waits for a thread, if fewer than ``limit`` already do."""
        with self._locked():
            if self._waiting.value >= limit:
                return False
            self._waiting.value += 1
            return True

    def stop_waiting(self) -> None:
        """A query stopped waiting for a thread (it got one, or gave up)."""
        with self._locked():
            self._waiting.value -= 1

    @property
    def idle(self) -> int:
        """Idle sandbox workers now, in every process (:mod:`pcfgraph.sandbox.fairness`)."""
        return int(self._idle.value)

    def add_idle(self, delta: int) -> None:
        """A process has ``delta`` more idle sandbox workers (fewer when negative)."""
        with self._locked():
            self._idle.value += delta

    def count(self, client: str | None) -> int:
        """Tasks ``client`` has admitted now, in every process."""
        key = _client_hash(client)
        with self._locked():
            slot = self._find(key)
            return int(self._counts[slot]) if slot >= 0 else 0

    def enter(self, client: str | None, max_pending: int, max_client: int) -> tuple[str, int]:
        """Admit one task of ``client`` if the limits allow: ``("", mine)`` when admitted,
        else ``("client", mine)`` or ``("full", mine)`` (``mine``: the client's admitted
        tasks before this one)."""
        key = _client_hash(client)
        with self._locked():
            slot = self._find(key)
            mine = int(self._counts[slot]) if slot >= 0 else 0
            verdict = _verdict(mine, int(self._total.value), max_pending, max_client)
            if verdict:
                return verdict, mine
            if slot < 0:
                slot = self._free()
                if slot < 0:
                    return "full", mine
                self._keys[slot] = key
            self._counts[slot] += 1
            self._total.value += 1
            return "", mine

    def leave(self, client: str | None) -> None:
        """One admitted task of ``client`` is over."""
        key = _client_hash(client)
        with self._locked():
            slot = self._find(key)
            if slot < 0:
                return
            self._counts[slot] -= 1
            if self._counts[slot] <= 0:
                self._counts[slot] = 0
                self._keys[slot] = 0
            self._total.value -= 1

    def _find(self, key: int) -> int:
        keys = self._keys
        for slot in range(self.slots):
            if keys[slot] == key:
                return slot
        return -1

    def _free(self) -> int:
        keys = self._keys
        for slot in range(self.slots):
            if keys[slot] == 0:
                return slot
        return -1


def _verdict(mine: int, total: int, max_pending: int, max_client: int) -> str:
    """Why a task of a client with ``mine`` admitted cannot be admitted now ("" if it can)."""
    if max_client and mine >= max_client:
        return "client"
    # The last slot is kept for a client with nothing admitted (a newcomer is not shut out
    # by others' floods).
    full = max_pending - (1 if mine and max_pending > 1 else 0)
    return "full" if total >= full else ""


class Admission:
    """The pool's admission rules over this process's counts, or the server's
    (``shared``, one :class:`SharedCounts` for every process of ``pcfgraph serve``)."""

    def __init__(
        self, max_pending: int, max_client_pending: int, shared: SharedCounts | None = None
    ) -> None:
        self.max_pending = max_pending
        #: Tasks one client may have admitted at once (0: no per-client limit).
        self.max_client_pending = max(0, max_client_pending)
        self.shared = shared
        #: Tasks admitted by this process (in all; per client when not shared).
        self.pending = 0
        self._client_pending: dict[str | None, int] = {}

    def enter(self, client: str | None) -> None:
        """Admit one task of ``client``, or raise :class:`TooManyRequests` (its own limit)
        or :class:`Overloaded` (the server's)."""
        if self.shared is not None:
            verdict, mine = self.shared.enter(client, self.max_pending, self.max_client_pending)
        else:
            mine = self._client_pending.get(client, 0)
            verdict = _verdict(mine, self.pending, self.max_pending, self.max_client_pending)
        if verdict == "client":
            raise TooManyRequests(
                f"this client already has {mine} expensive requests in progress (the limit is "
                f"the max_concurrent_per_client setting); wait for them to finish",
                retry_after=1,
            )
        if verdict:
            raise Overloaded(
                f"too many expensive requests in progress ({self.max_pending}); try again",
                retry_after=1,
            )
        self.pending += 1
        if self.shared is None:
            self._client_pending[client] = mine + 1

    def leave(self, client: str | None) -> None:
        """One task admitted by :meth:`enter` is over."""
        self.pending -= 1
        if self.shared is not None:
            self.shared.leave(client)
            return
        left = self._client_pending.get(client, 1) - 1
        if left > 0:
            self._client_pending[client] = left
        else:
            self._client_pending.pop(client, None)
