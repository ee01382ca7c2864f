"""One worker process as the pool sees it: spawning it, the handle's state, killing it.

The worker itself (:mod:`pcfgraph.sandbox.worker`) runs ``python -m pcfgraph.sandbox``; this
module starts it on one end of a socket pair and keeps everything the pool knows about it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcfgraph.errors import OutOfMemory, PcfgraphError, WorkerCrashed

if TYPE_CHECKING:
    import asyncio

#: Seconds a worker may take to start and load its copy of the release.
START_TIMEOUT = 300.0
#: The longest line of a worker's stderr passed on as one record (the rest is cut).
STDERR_LINE_CHARS = 4000

log = logging.getLogger("pcfgraph.sandbox")

#: Signals a worker never acts on (the server's reload signals, ``SIGHUP`` and ``SIGUSR1``, and
#: ``SIGINT``: the pool decides when workers stop) but gets with its process group: a terminal
#: closing sends ``SIGHUP`` to the foreground group, Ctrl-C ``SIGINT``. Ignored from the
#: worker's start: it is started with them blocked (:func:`spawn`) and ignores them before it
#: lets them through (:func:`pcfgraph.sandbox.worker.ignore_group_signals`). Their default
#: action ended a worker started once the server let its reload signals through (a
#: replacement, a recycled worker, a reload's), failing its task.
IGNORED_SIGNALS = frozenset({signal.SIGHUP, signal.SIGUSR1, signal.SIGINT})


def wait_quietly(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait up to ``timeout`` seconds for ``process`` to exit (still running is no error)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)


class WorkerProcess:
    """A worker process, its socket and what the pool tracks about it."""

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
        # asyncio imported here: the worker process imports this module (IGNORED_SIGNALS)
        # and never runs an event loop (0.02 s of its start)
        import asyncio

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


def spawn(
    data_file: Path, memory_mb: int, limits: dict[str, Any], generation: int
) -> WorkerProcess:
    """Start a worker process loading ``data_file`` (it reports ``ready`` once loaded)."""
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
        str(data_file),
        str(memory_mb),
        json.dumps(limits),
    ]
    # Blocked in this thread while the child is made: it starts with them blocked (the mask
    # survives exec), so one sent while its interpreter starts is held, then dropped.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, IGNORED_SIGNALS)
    try:
        process = subprocess.Popen(
            args,
            pass_fds=(child_sock.fileno(),),
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        child_sock.close()
    worker = WorkerProcess(process, parent_sock, generation)
    relay_stderr(process)
    return worker


def relay_stderr(process: subprocess.Popen[bytes]) -> None:
    """What ``process`` writes on its stderr, each line a warning record of the server's log
    (``pcfgraph.sandbox``, naming the worker), read on the running event loop until the
    worker closes it (it exits). A worker's own writes there (the query engine's "memory
    allocation of N bytes failed" as it aborts, the trace ``faulthandler`` writes then)
    went straight to the server's stderr: plain text among the JSON records of
    ``log_format=json``, without a time with ``text``."""
    import asyncio

    stream = process.stderr
    if stream is None:
        return
    loop = asyncio.get_running_loop()
    fd = stream.fileno()
    os.set_blocking(fd, False)
    pending = bytearray()

    def write(line: bytes | bytearray) -> None:
        text = line[:STDERR_LINE_CHARS].decode("utf-8", "replace").rstrip()
        if text:
            log.warning("worker %d wrote: %s", process.pid, text)

    def readable() -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            pending.extend(chunk)
            *lines, rest = pending.split(b"\n")
            pending[:] = rest[: STDERR_LINE_CHARS * 2]
            for line in lines:
                write(line)
            return
        loop.remove_reader(fd)  # the worker exited (or closed its stderr)
        write(bytes(pending))
        stream.close()

    loop.add_reader(fd, readable)


def sigkill(w: WorkerProcess) -> None:
    """``SIGKILL`` the worker at once (gone already is no error)."""
    if w.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(w.pid, signal.SIGKILL)


def death_error(returncode: int | None, memory_mb: int) -> PcfgraphError:
    """What the caller of a task learns when its worker died running it (``returncode`` as
    :attr:`subprocess.Popen.returncode`, ``None``: not known yet).

    Under the worker's ``RLIMIT_AS`` (:class:`pcfgraph.sandbox.worker.TaskMemory`) an
    allocation that fails in Python raises ``MemoryError`` and is answered by the worker, but
    one that fails in the query engine (Rust, pyoxigraph) aborts the process: ``SIGABRT``.
    Nothing else in a worker aborts (the engine's panics reach Python as exceptions), so that
    death is the memory limit, and its caller is told so, not that the server crashed.
    """
    if returncode == -signal.SIGABRT and memory_mb > 0:
        return OutOfMemory(
            "the query engine ran out of memory on this request: a sandbox worker may use "
            f"{memory_mb} MiB (worker_memory_mb); the worker was replaced and the server is "
            "fine. Narrow the request (for SPARQL: bind more variables, add a LIMIT, avoid "
            "unbounded * or + property paths)"
        )
    return WorkerCrashed(
        "the worker running this query crashed (the query was too large or malformed for the "
        "engine); the server is fine, try a simpler query",
        retry_after=1,
    )
