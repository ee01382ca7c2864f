"""Which release each process of one server serves: so the server can tell they disagree.

``pcfgraph serve --http-workers N`` runs N processes, and each reloads the release itself
(:mod:`pcfgraph.release_reload`; :mod:`pcfgraph.serving` passes a reload on to the others). A
reload can fail in one process only (memory, I/O, files changed between two processes' loads):
the processes then serve different releases, and each one's ``/ready`` and ``/metrics`` would
speak for itself alone. So every process writes the id of the release it serves into one
table in shared memory, mapped by the supervisor before it forks
(:mod:`pcfgraph.server_processes`): at start and after every successful switch. ``/ready``
answers 503 ``release-mismatch`` while the table holds more than one id, and ``/metrics``
shows how many processes serve each release. A process whose passed-on reload failed for good
(its retry too) also writes why (:meth:`ServedReleases.failed`), so the process answering
``POST /admin/reload`` for the server (:mod:`pcfgraph.server_reload`) can say so at once
instead of waiting out its bound.
"""

from __future__ import annotations

import ctypes
import multiprocessing
from collections import Counter
from typing import Any

#: Bytes kept of a release id (ids are 16 hex digits; a longer one is cut, never split).
ID_BYTES = 64
#: Bytes kept of a failure's reason (the problem code and detail a failed reload logged).
NOTE_BYTES = 480
#: Longest wait for the table's lock (held for a copy of a few bytes; longer: its holder died).
LOCK_SECONDS = 2.0


class ServedReleases:
    """One release id per server process (numbers 1..``count``), in shared memory inherited
    by processes forked after it is made; an empty entry: a process that has not said yet."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self.count = max(1, count)
        self._lock: Any = context.Lock()
        self._ids: Any = context.RawArray(ctypes.c_char, self.count * ID_BYTES)
        self._failures: Any = context.RawArray(ctypes.c_long, self.count)
        self._attempts: Any = context.RawArray(ctypes.c_long, self.count)
        self._notes: Any = context.RawArray(ctypes.c_char, self.count * NOTE_BYTES)

    def publish(self, number: int, release_id: str) -> None:
        """Process ``number`` serves ``release_id`` from now on."""
        if not 1 <= number <= self.count:
            raise ValueError(f"no process {number} in a server of {self.count}")
        data = release_id.encode("utf-8")[:ID_BYTES].ljust(ID_BYTES, b"\0")
        start = (number - 1) * ID_BYTES
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            self._ids[start : start + ID_BYTES] = data
        finally:
            if locked:
                self._lock.release()

    def served(self) -> dict[int, str]:
        """The release id each process that has said one serves, by process number."""
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            raw = bytes(self._ids[: self.count * ID_BYTES])
        finally:
            if locked:
                self._lock.release()
        found = {}
        for index in range(self.count):
            text = raw[index * ID_BYTES : (index + 1) * ID_BYTES].rstrip(b"\0")
            if text:
                found[index + 1] = text.decode("utf-8", errors="replace")
        return found

    def attempted(self, number: int) -> None:
        """Process ``number`` finished a reload attempt (switched or not)."""
        if not 1 <= number <= self.count:
            raise ValueError(f"no process {number} in a server of {self.count}")
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            self._attempts[number - 1] += 1
        finally:
            if locked:
                self._lock.release()

    def attempts(self) -> dict[int, int]:
        """Per process number: how many reload attempts it finished."""
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            counts = list(self._attempts[: self.count])
        finally:
            if locked:
                self._lock.release()
        return {index + 1: int(count) for index, count in enumerate(counts)}

    def failed(self, number: int, reason: str) -> None:
        """Process ``number`` gave up a reload the others made (``reason``: why)."""
        if not 1 <= number <= self.count:
            raise ValueError(f"no process {number} in a server of {self.count}")
        data = reason.encode("utf-8")[: NOTE_BYTES - 1].ljust(NOTE_BYTES, b"\0")
        start = (number - 1) * NOTE_BYTES
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            self._notes[start : start + NOTE_BYTES] = data
            self._failures[number - 1] += 1
        finally:
            if locked:
                self._lock.release()

    def failures(self) -> dict[int, tuple[int, str]]:
        """Per process number: how many reloads it gave up, and the reason of the last."""
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            counts = list(self._failures[: self.count])
            raw = bytes(self._notes[: self.count * NOTE_BYTES])
        finally:
            if locked:
                self._lock.release()
        return {
            index + 1: (
                int(counts[index]),
                raw[index * NOTE_BYTES : (index + 1) * NOTE_BYTES]
                .rstrip(b"\0")
                .decode("utf-8", errors="replace"),
            )
            for index in range(self.count)
        }

    def processes_per_release(self) -> dict[str, int]:
        """How many processes serve each release (ids in order of first process number)."""
        return dict(Counter(self.served().values()))

    def others_serve(self, number: int) -> set[str]:
        """The releases the processes other than ``number`` serve."""
        return {rid for n, rid in self.served().items() if n != number}


def mismatch_message(counts: dict[str, int]) -> str:
    """What ``/ready`` says while the processes disagree (``counts``: processes per release)."""
    listed = ", ".join(
        f"{rid} ({n} process{'es' if n != 1 else ''})" for rid, n in sorted(counts.items())
    )
    return (
        f"the server's processes serve {len(counts)} different releases: {listed}; a reload "
        "failed in some of them (see their log); reload again (SIGHUP or POST /admin/reload) "
        "or restart the server"
    )
