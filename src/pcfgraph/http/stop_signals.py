"""Exit status 0 after a graceful stop (``SIGTERM``, ``SIGINT``) of a uvicorn server: one
server process (``pcfgraph serve --http-workers 1``) and each worker a multi-process serve
forks (:mod:`pcfgraph.http.prefork`), so an operator's process monitor, or ``systemd``,
which sees the workers too, reads a stop as a stop. A hard kill or a crash keeps its own
status (-9, 3, ...), and the supervisor reports it as such.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


def end_cleanly_on_stop_signals() -> dict[int, Any]:
    """From now on ``SIGTERM`` and ``SIGINT`` raise ``SystemExit(0)``; returns the handlers
    they had.

    Once it has stopped, uvicorn raises the stop signal it handled again, under the handler
    it found at its start: the default action of ``SIGTERM`` then ended the process by the
    signal (exit -15) after a clean stop, ``SIGINT`` with a KeyboardInterrupt trace. That
    handler is now this one (also when the signal comes before uvicorn has its own handlers
    in: the stop asked for then is made at once)."""
    return {sig: signal.signal(sig, _stopped) for sig in STOP_SIGNALS}


@contextmanager
def stop_signals_end_cleanly() -> Iterator[None]:
    """:func:`end_cleanly_on_stop_signals` meanwhile."""
    previous = end_cleanly_on_stop_signals()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
