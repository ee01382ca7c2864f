"""Several server processes forked from one loaded app: one port, one memory.

One Python process answers requests on one core (the interpreter lock); ``pcfgraph serve
--http-workers N`` runs N. The supervisor (the process the user started) binds the sockets and
builds everything a request reads (``prepare``: the release, page data, search index, the
in-process SPARQL statistics) once,
then forks the workers: each inherits that memory copy-on-write (the in-memory store, the page
data) instead of loading its own, and accepts on its own socket bound to the same port
(``SO_REUSEPORT``: the kernel spreads connections by a hash; :mod:`pcfgraph.http.balance`
evens out what a hash leaves uneven) under uvicorn with the same options as a single process. Each worker runs the app's lifespan itself (its own share of the sandbox
workers); what they must agree on (admission counts, metrics) is made by ``prepare`` before
the fork (:mod:`pcfgraph.server_processes`).

Signals, to the supervisor: ``SIGTERM``/``SIGINT`` stop every worker gracefully, then the
supervisor (a ``SIGHUP`` from then on is ignored and logged, here and in the workers:
:mod:`pcfgraph.release_reload`); ``SIGHUP`` goes to one worker (the lowest numbered), which
begins a reload of the server, as ``POST /admin/reload`` to any worker does (:mod:`pcfgraph.server_reload`): it
verifies and switches to the candidate, then sends ``SIGHUP`` to the supervisor, which passes
it on as :data:`~pcfgraph.server_processes.PASS_ON_SIGNAL` to the *other* workers, so all serve
the same release (a candidate the first refuses goes to nobody). A worker keeps both signals
blocked until its app's handlers are in: one that comes while it starts waits, and the
reload is made once it is ready. Each worker loads the
candidate itself, so a reload can fail in some only (memory, I/O, files changed between two
loads): each writes the release it serves into a table shared before the fork
(:mod:`pcfgraph.served_releases`), the worker that began the reload waits for the others there
and answers for the server, ``/ready`` answers 503 ``release-mismatch`` while they differ, and
a worker whose passed-on reload failed while another serves another release tries once more,
then logs an error naming both (:func:`pcfgraph.serving.pass_reloads_on`). A worker that
exits while the server is not stopping stops the whole server (with its exit code): a supervisor restarting it would
fork the release it started with, not the one serving now. Workers still running
``STOP_MARGIN_SECONDS`` past their graceful bound (``options["timeout_graceful_shutdown"]``,
``Settings.graceful_stop_seconds``) are killed.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pcfgraph import heap
from pcfgraph.http.startup_failure import startup_status
from pcfgraph.http.stop_signals import end_cleanly_on_stop_signals
from pcfgraph.log_lines import flush_lines
from pcfgraph.server_processes import PASS_ON_SIGNAL, RELOAD_SIGNALS

if TYPE_CHECKING:
    from pcfgraph.http.balance import ConnectionBalance

log = logging.getLogger("pcfgraph.serving")

_HANDLED = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD}
#: Once stopping, workers still running this long after their graceful bound are killed (one
#: that hangs must not keep the server from stopping).
STOP_MARGIN_SECONDS = 10.0


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """One socket per worker, all bound to ``host:port`` with ``SO_REUSEPORT`` before any fork:
    the kernel spreads new connections over those listening. One shared socket let whichever
    worker woke first accept most connections (7 of 8 keep-alive connections on one worker,
    measured). A worker's socket starts listening only once its app has started (uvicorn
    listens after the lifespan's startup), so no connection waits for a worker still
    starting while another one already answers ``/ready``."""
    from pcfgraph.http.port_check import cannot_listen, refuse_taken_port

    refuse_taken_port(host, port)  # SO_REUSEPORT would join another server listening there
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the others take the one the first got
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise cannot_listen(host, port, exc) from None
    return sockets


def serve_forked(
    app: Any,
    options: dict[str, Any],
    workers: int,
    *,
    prepare: Callable[[], object] | None = None,
    worker_started: Callable[[int, Callable[[], None]], None] | None = None,
    listening: Callable[[], None] | None = None,
) -> int:
    """Serve ``app`` with uvicorn (``options`` as for ``uvicorn.run``) from ``workers`` forked
    processes; returns the exit status once they have all stopped.

    ``prepare`` runs in the supervisor before the fork (what every worker should share);
    ``worker_started(number, reload_others)`` runs in each worker before it serves, with its
    number (1..``workers``) and the function that asks the supervisor to pass a reload on to
    the other workers. ``listening`` runs in worker 1 once it listens."""
    from pcfgraph.http.balance import ConnectionBalance

    sockets = listening_sockets(options["host"], int(options["port"]), workers)
    balance = ConnectionBalance(workers)
    if prepare is not None:
        prepare()
    gc.collect()
    gc.freeze()  # the shared heap stays out of the collector's walks (no copy-on-write)
    # Before forking: none is lost; the workers inherit the reload signals blocked.
    signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED | RELOAD_SIGNALS)
    supervisor = os.getpid()
    children: dict[int, int] = {}  # pid -> worker number
    for number, sock in enumerate(sockets, start=1):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the worker's life ends in os._exit
            for other in sockets:
                if other is not sock:
                    other.close()
            said = listening if number == 1 else None
            os._exit(
                _run_worker(app, options, sock, number, supervisor, worker_started, balance, said)
            )
        children[pid] = number
    for sock in sockets:
        sock.close()  # the supervisor never accepts
    balance.close()
    heap.resume()  # after heap.pause (each worker's lifespan resumes its own: heap.freeze)
    log.info("serving from %d worker processes: %s", workers, sorted(children))
    return _supervise(children, float(options["timeout_graceful_shutdown"]) + STOP_MARGIN_SECONDS)


def _run_worker(
    app: Any,
    options: dict[str, Any],
    sock: socket.socket,
    number: int,
    supervisor: int,
    worker_started: Callable[[int, Callable[[], None]], None] | None,
    balance: ConnectionBalance,
    listening: Callable[[], None] | None = None,
) -> int:
    """One worker: its signal dispositions (a stop ends it with 0, as one server process
    does: :mod:`pcfgraph.http.stop_signals`), then uvicorn on the shared socket.

    The reload signals stay blocked until the app's lifespan has its handlers in
    (:func:`pcfgraph.release_reload.sighup_reloads` unblocks them): a reload the supervisor
    forwards or passes on while this worker still starts waits, pending, and is made once it
    can be (it was ignored, so a ``SIGHUP`` right after a start kept the old release)."""
    status = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # A stop ends the worker with 0 (it was -15: uvicorn re-raises the signal it handled);
        # never restored, the worker ends in os._exit.
        end_cleanly_on_stop_signals()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED - RELOAD_SIGNALS)

        def reload_others() -> None:
            if os.getppid() == supervisor:
                os.kill(supervisor, signal.SIGHUP)

        if worker_started is not None:
            worker_started(number, reload_others)
        import uvicorn

        from pcfgraph.http.balance import BalancedServer

        balance.join(number)
        server = BalancedServer(uvicorn.Config(app, **options), balance, listening)
        server.run(sockets=[sock])
        status = 0 if server.started else startup_status(app, 3)
    except SystemExit as exc:  # a stop signal's is 0; a failed start-up's, reported
        status = startup_status(app, exc.code if isinstance(exc.code, int) else 1)
    except BaseException:
        log.exception("worker %d failed", number)
        status = 3
    finally:
        flush_lines()  # the access lines waiting: os._exit runs no logging.shutdown
        sys.stdout.flush()
        sys.stderr.flush()
    return status


def _supervise(children: dict[int, int], stop_seconds: float) -> int:
    """Wait for signals and children; pass signals on; return the exit status. Workers still
    running ``stop_seconds`` after the stop began are killed."""
    stopping: float | None = None  # since when (monotonic), once stopping
    status = 0
    while children:
        if stopping is None:
            info: Any = signal.sigwaitinfo(_HANDLED)
        else:
            info = signal.sigtimedwait(_HANDLED, 1.0)
            if time.monotonic() - stopping > stop_seconds:
                log.error("workers %s did not stop in %g s: killed", sorted(children), stop_seconds)
                _send(children, signal.SIGKILL)
                stopping = float("inf")  # killed once; only reaping is left
        if info is None:
            pass  # the wait timed out: reap below
        elif info.si_signo in (signal.SIGTERM, signal.SIGINT):
            if stopping is None:
                log.info("stopping %d worker processes", len(children))
                stopping = time.monotonic()
            _send(children, signal.SIGTERM)
        elif info.si_signo == signal.SIGHUP and stopping is not None:
            # The workers drain their requests: a reload would load a release none will
            # serve (a worker ignores one reaching it directly too).
            log.warning(
                "SIGHUP (%s) ignored: the server is stopping",
                "a reload passed on by a worker"
                if info.si_pid in children
                else "a reload of the server",
            )
        elif info.si_signo == signal.SIGHUP and info.si_pid in children:
            # From a worker that reloaded itself: passed on to the others.
            _send(children, PASS_ON_SIGNAL, skip=info.si_pid)
        elif info.si_signo == signal.SIGHUP:
            # From anyone else: one worker begins the reload of the server.
            _send({min(children, key=children.__getitem__): 0}, signal.SIGHUP)
        for pid, code in _reap(children):
            number = children.pop(pid)
            if stopping is None:
                log.error("worker %d (pid %d) exited with %d: stopping", number, pid, code)
                stopping = time.monotonic()
                status = code if code > 0 else 3
                _send(children, signal.SIGTERM)
            elif code == 0:
                log.info("worker %d (pid %d) stopped", number, pid)
            else:  # killed (here, past the bound, or by anyone) or crashed while stopping
                log.error("worker %d (pid %d) exited with %d while stopping", number, pid, code)
    return status


def _send(children: dict[int, int], sig: int, skip: int | None = None) -> None:
    for pid in list(children):
        if pid != skip:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)


def _reap(children: dict[int, int]) -> list[tuple[int, int]]:
    """The children that have exited (pid, exit status), without waiting."""
    done = []
    for pid in list(children):
        try:
            waited, raw = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done.append((pid, 3))
            continue
        if waited:
            done.append((pid, os.waitstatus_to_exitcode(raw)))
    return done
