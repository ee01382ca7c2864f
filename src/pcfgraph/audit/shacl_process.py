"""pySHACL's part of an audit in a forked child process, beside the parent's SPARQL checks.

pySHACL is the longest phase of an audit (rdflib data graph plus validation, about 1 s at
100k statements) and the SPARQL checks, coverage and labels on pyoxigraph take most of the
rest. A thread does not overlap them (pyoxigraph keeps the GIL while it evaluates), so the
SHACL side runs in a child process forked right after the upload is parsed: it starts in a few
milliseconds (no interpreter, no imports, no copy of the model or the context to send: they are
shared copy-on-write), builds pySHACL's data graph itself and sends back only its findings, as
JSON over a pipe (plain data, never unpickled). The parent never builds the rdflib copy of the
model, so neither process holds the model twice.

A child is forked only where that is safe (:func:`can_fork`): on Linux, with no Python thread
but the main one (forking beside another Python thread can leave the child waiting forever on a
lock that thread held: a server auditing in a thread keeps pySHACL in-process) and unless the
``audit_fork`` setting (``PCFGRAPH_AUDIT_FORK``) is off, which the caller passes as
:attr:`~pcfgraph.audit.engine.AuditOptions.fork_shacl`. Native threads of libraries are allowed (RocksDB's background
threads when the release is on disk): the child calls none of their code; it reads Python
objects and pyoxigraph terms and allocates through glibc's malloc, which is fork-safe. Otherwise the same work runs in
the process at once, before the parent fills its store (as before: the two copies of the model
are never held together), with the same result. The child dies with its
parent (``PR_SET_PDEATHSIG``), so a sandbox worker killed at its deadline takes it along; it
inherits the worker's address-space limit and reports running out of memory as the parent
would (:class:`MemoryError`).

What the child reads of the parent's objects it writes (reference counts), and a written page
is copied: the parsed statements (about 24 MB of quad objects at 100k statements) would be held
twice, once by each process, for as long as the child runs. Once pySHACL's data graph is built
the child drops its copy of them (:func:`drop_in_child`) and gives the freed pages back.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict

from pcfgraph.audit.report import AuditResult
from pcfgraph.heap import give_back_free_memory

#: The work itself: () -> (findings, {phase: seconds}).
ShaclWork = Callable[[], tuple[list[AuditResult], dict[str, float]]]


#: True in a child forked by :class:`ShaclRun` (set there right after the fork, never reset:
#: the child leaves with ``os._exit`` once its work is done).
_in_child = False


def drop_in_child(statements: object) -> None:
    """In a child forked by :class:`ShaclRun`: empty ``statements`` (a list) and give the
    freed memory back; anywhere else: nothing.

    The list and its items are the child's own copies since the fork (the parent's are not
    touched), and their pages were copied when the child read them, so dropping them once the
    child no longer needs them takes them off the child's memory."""
    if not _in_child or not isinstance(statements, list):
        return
    statements.clear()
    give_back_free_memory()


def can_fork() -> bool:
    """Whether a child may be forked here (see the module docstring)."""
    if not hasattr(os, "fork"):
        return False
    return sys.platform == "linux" and threading.active_count() == 1


class ShaclRun:
    """The SHACL findings of one audit, computed in a child process started here or, where
    forking is not safe, in this process right away."""

    def __init__(self, work: ShaclWork, *, fork: bool | None = None) -> None:
        self._work = work
        self._pid = 0
        self._read = -1
        self._done: tuple[list[AuditResult], dict[str, float]] | None = None
        self.forked = can_fork() if fork is None else fork
        if self.forked:
            self._start()
        else:
            self._done = work()

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _child(self._work, write)
        os.close(write)
        self._pid, self._read = pid, read

    def results(self) -> tuple[list[AuditResult], dict[str, float]]:
        """The findings and the child's phase times (``shacl``: data graph and pySHACL);
        waits for the child."""
        if self._done is not None:
            return self._done
        with os.fdopen(self._read, "rb") as pipe:
            body = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        return _decode(body, status)

    def cancel(self) -> None:
        """Stop a child whose findings are no longer wanted (the audit failed)."""
        if self._pid:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            with contextlib.suppress(OSError):
                os.close(self._read)
            self._pid = 0


def _child(work: ShaclWork, write: int) -> None:
    """Run ``work``, write its findings (or the error) to ``write`` and leave at once (no
    atexit handlers, no flushing of the parent's buffers, no cleanup of shared objects)."""
    global _in_child
    _in_child = True
    code = 0
    try:
        _die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        results, seconds = work()
        body = {"results": [asdict(r) for r in results], "seconds": seconds}
    except BaseException as exc:  # reported to the parent, which raises it there
        body = {"error": type(exc).__name__, "message": str(exc)}
        code = 1
    try:
        data = json.dumps(body).encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(write, view) :]
    finally:
        os._exit(code)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def _decode(body: bytes, status: int) -> tuple[list[AuditResult], dict[str, float]]:
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.WEXITSTATUS(status)}"
        )
        raise RuntimeError(f"the SHACL validation process ended without an answer ({how})")
    if "error" in doc:
        if doc["error"] == "MemoryError":
            raise MemoryError(doc.get("message") or "the SHACL validation ran out of memory")
        raise RuntimeError(f"SHACL validation failed: {doc['error']}: {doc.get('message')}")
    return [AuditResult(**r) for r in doc["results"]], dict(doc["seconds"])
