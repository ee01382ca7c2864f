"""Inside a worker process: load the release read-only, then run tasks one at a time.

A worker is a fresh interpreter (``python -m pcfgraph.sandbox``) with its own copy of the
release, an address-space limit (``RLIMIT_AS``) and, where the kernel allows unprivileged
namespaces, no network at all (``CLONE_NEWNET``). It only runs tasks of
:mod:`pcfgraph.sandbox.tasks` and answers in :mod:`pcfgraph.sandbox.protocol` messages.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pcfgraph.sandbox import protocol
from pcfgraph.sandbox.process import IGNORED_SIGNALS
from pcfgraph.sandbox.tasks import lookup

if TYPE_CHECKING:
    from rdflib import Graph

    from pcfgraph.store import EmbeddedStore


@dataclass
class WorkerContext:
    """What a task function gets: the worker's store and, lazily, an rdflib union graph."""

    store: EmbeddedStore
    limits: dict[str, Any] = field(default_factory=dict)
    _graph: Graph | None = None
    #: Per-worker cache for task modules (e.g. parsed shapes), keyed by the task's choice.
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def graph(self) -> Graph:
        """The union of every graph of the release as an rdflib Graph (built on first use)."""
        if self._graph is None:
            import pyoxigraph as ox
            from rdflib import Graph

            from pcfgraph.export import union_triples

            data = ox.serialize(union_triples(self.store), format=ox.RdfFormat.N_TRIPLES)
            g = Graph()
            g.parse(data=data if isinstance(data, bytes) else b"", format="nt")
            self._graph = g
        return self._graph


def isolate_network() -> bool:
    """Best effort: move this process into an empty network namespace (no interfaces up)."""
    unshare = getattr(os, "unshare", None)
    flags = getattr(os, "CLONE_NEWUSER", 0x10000000) | getattr(os, "CLONE_NEWNET", 0x40000000)
    try:
        if unshare is not None:
            unshare(flags)
            return True
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(flags) == 0)
    except (OSError, AttributeError):
        return False


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(min(n - len(chunks), 1 << 20))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _recv_message(sock: socket.socket) -> Any:
    header = _recv_exact(sock, protocol.HEADER.size)
    if header is None:
        raise EOFError
    body = _recv_exact(sock, protocol.HEADER.unpack(header)[0])
    if body is None:
        raise EOFError
    return protocol.decode(body)


def send_parts(sock: socket.socket, parts: list[bytes]) -> None:
    """Send the pieces of one message in order without joining them (``sendmsg`` gathers
    them; a partial send continues where it stopped)."""
    views = [memoryview(p) for p in parts if p]
    while views:
        sent = sock.sendmsg(views[:_IOV_MAX])
        while views and sent >= len(views[0]):
            sent -= len(views[0])
            views.pop(0)
        if sent:
            views[0] = views[0][sent:]


#: At most this many buffers per ``sendmsg`` (POSIX guarantees 16; Linux takes 1024).
_IOV_MAX = 16


def load_store(nquads: str) -> EmbeddedStore:
    """The release, read-only: the release's on-disk store when ``nquads`` is its directory
    (shared by every worker, so memory does not grow per worker), else an in-memory copy."""
    import pyoxigraph as ox

    from pcfgraph.store import EmbeddedStore

    if os.path.isdir(nquads):
        return EmbeddedStore(ox.Store.read_only(nquads))
    store = ox.Store()
    # not bulk_load: in memory its store answers scans slower (EmbeddedStore.from_nquads).
    # Lenient (no IRI or language tag validation: 0.16 against 0.26 s for the default
    # graph, a third of a worker's start, which /ready waits for): the file is the served
    # release's graph (ReleaseData links it), which the server parsed strictly and checked
    # (sha256, counts, shapes) or the build did; a well-formed file gives the same quads
    # either way, as the in-memory copy of pcfgraph.release_memory reasons too.
    store.load(path=nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
    return EmbeddedStore(store)


def address_space() -> int:
    """This process's virtual memory size in bytes (what ``RLIMIT_AS`` limits)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class TaskMemory:
    """The same memory budget for every task, whatever ran before it.

    After the release is loaded the worker's size is its baseline; each task may then grow
    the process by ``memory_mb`` minus that baseline, measured from where the task starts
    (the soft ``RLIMIT_AS`` is moved before each task). A task that leaves the process more
    than ``recycle_mb`` above the baseline, or that ran out of memory, asks to be replaced:
    the next task runs in a fresh worker, so no outcome depends on earlier tasks.
    """

    def __init__(self, memory_mb: int, recycle_mb: int) -> None:
        self.enabled = memory_mb > 0 and address_space() > 0
        self.recycle = recycle_mb * 1024 * 1024
        self.hard = (memory_mb + max(recycle_mb, 0)) * 1024 * 1024
        self.budget = memory_mb * 1024 * 1024
        self.baseline = 0
        if self.enabled:
            self._set(self.hard)

    def _set(self, soft: int) -> None:
        import resource

        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (min(soft, self.hard), self.hard))

    def loaded(self) -> None:
        """Record the baseline (after the release is loaded)."""
        if self.enabled:
            self.baseline = address_space()
            self.budget = max(self.budget - self.baseline, 64 * 1024 * 1024)

    def before_task(self) -> None:
        if self.enabled:
            self._set(address_space() + self.budget)

    def after_task(self, reply: dict[str, Any]) -> dict[str, Any]:
        """``reply`` with ``recycle`` set when this worker should not run another task."""
        if not self.enabled:
            return reply
        self._set(self.hard)
        grown = address_space() - self.baseline
        error = reply.get("error")
        out_of_memory = isinstance(error, dict) and error.get("attrs", {}).get("code") == (
            "memory-limit"
        )
        if out_of_memory or (self.recycle > 0 and grown > self.recycle):
            reply["recycle"] = True
        return reply


def run_task(ctx: WorkerContext, message: Any) -> dict[str, Any]:
    """One request ``{"id", "task", "payload"}`` to its reply ``{"id", "ok"|"error"}``."""
    task_id = message.get("id") if isinstance(message, dict) else None
    try:
        if not isinstance(message, dict) or not isinstance(message.get("payload"), dict):
            raise protocol.ProtocolError("a task message needs a task name and a payload")
        task = lookup(str(message.get("task")))
        return {"id": task_id, "ok": task.function(ctx, message["payload"])}
    except BaseException as exc:
        return {"id": task_id, "error": protocol.error_message(exc)}


def ignore_group_signals() -> None:
    """Ignore the signals a worker never acts on (:data:`~pcfgraph.sandbox.process.IGNORED_SIGNALS`),
    then let them through: one held since the start is dropped."""
    for signum in IGNORED_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, IGNORED_SIGNALS)


def worker_main(sock: socket.socket, nquads: str, memory_mb: int, limits: dict[str, Any]) -> None:
    """Entry point of a worker process: load the data, then serve tasks until EOF."""
    ignore_group_signals()
    import faulthandler

    faulthandler.enable()  # a crash in the engine leaves a trace in the server's log
    isolated = isolate_network()
    memory = TaskMemory(memory_mb, int(limits.get("recycle_mb", 0)))
    ctx = WorkerContext(store=load_store(nquads), limits=limits)
    memory.loaded()
    sock.setblocking(True)
    try:
        sock.sendall(protocol.encode({"ready": os.getpid(), "isolated": isolated}))
    except OSError:
        return  # the server stopped while this worker loaded: nobody to serve, no traceback
    while True:
        try:
            message = _recv_message(sock)
        except (EOFError, OSError, protocol.ProtocolError):
            return
        memory.before_task()
        reply = memory.after_task(run_task(ctx, message))
        try:
            parts = protocol.encode_parts(reply)
        except MemoryError:
            parts = protocol.encode_parts(
                {"id": reply["id"], "error": protocol.error_message(MemoryError())}
            )
        except (TypeError, ValueError) as exc:
            error = protocol.error_message(exc)
            parts = protocol.encode_parts({"id": reply["id"], "error": error})
        try:
            send_parts(sock, parts)
        except OSError:
            return


def main(argv: list[str]) -> None:
    """``python -m pcfgraph.sandbox FD NQUADS MEMORY_MB LIMITS_JSON``."""
    import json

    fd, nquads, memory_mb, limits = argv
    sock = socket.socket(fileno=int(fd))
    worker_main(sock, nquads, int(memory_mb), json.loads(limits))
