"""A server that cannot start says why in one line, and exits with a documented status.

uvicorn runs the app's lifespan (the sandbox pool and its copy of the release in the
temporary directory, the page data) before it listens. An exception there (no room in
``TMPDIR`` for the pool's copy, a file that cannot be read, the pool's workers not starting)
reached the operator as Starlette's traceback, logged by uvicorn as one ERROR record, and
``pcfgraph serve`` exited 3, the status it gives a bug. :class:`StartupReport`, the outermost
layer of the served app, catches it where the lifespan protocol reports it (Starlette sends
``lifespan.startup.failed`` with the traceback as its message, then raises the exception):
the message uvicorn logs becomes empty, one line of the server's log (``pcfgraph.serving``)
names what failed, where, and what to do, the traceback goes to the debug log only, and
:attr:`StartupReport.status` is the exit status: :data:`EXIT_BAD_INPUT` (2) for the
machine's or its files' state, as every command reports a full disk; :data:`EXIT_INTERNAL`
(3) for anything else, a bug, said as every command says one.
"""

from __future__ import annotations

import errno
import logging
import tempfile
from pathlib import Path
from typing import Any

from pcfgraph.errors import PcfgraphError

log = logging.getLogger("pcfgraph.serving")

#: The exit statuses of :mod:`pcfgraph.cli.common` (not importable here: an edge).
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
#: No room to write: a full disk, a quota, ``ulimit -f``.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_NOT_ALLOWED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


class StartupReport:
    """``app`` whose lifespan's start-up failure is reported in one line (module doc)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        #: The exit status of a start-up that failed (None: it did not, or was interrupted).
        self.status: int | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        held: list[dict[str, Any]] = []

        async def holding(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.failed":
                held.append(message)  # sent once the exception raised next is known
                return
            await send(message)

        try:
            await self.app(scope, receive, holding)
        except BaseException as exc:
            if held:
                if isinstance(exc, Exception):
                    self.status = report(exc)
                await send({"type": "lifespan.startup.failed", "message": ""})
            raise
        if held:  # no exception followed (not Starlette's way): what it said, as it said it
            await send(held[0])


def startup_status(app: Any, default: int) -> int:
    """The exit status of ``app``'s failed start-up when it was reported, else ``default``."""
    status = getattr(app, "status", None) if isinstance(app, StartupReport) else None
    return status if isinstance(status, int) else default


def report(exc: Exception) -> int:
    """Log the one line of a failed start-up (the traceback at debug level); its status."""
    line, status = describe(exc)
    log.error("%s", line)
    log.debug("the server's start-up failed", exc_info=exc)
    return status


def describe(exc: Exception) -> tuple[str, int]:
    """The line naming what made the start-up fail, and the exit status."""
    if isinstance(exc, PcfgraphError):
        return f"cannot start the server: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename2 if exc.filename2 is not None else exc.filename
        place = f" ({where})" if where is not None else ""
        temporary = _temporary(where)
        if exc.errno == errno.EFBIG:  # over the file size limit, not out of space
            todo = "raise the limit on the size of files this user writes (ulimit -f)"
        elif exc.errno in _NO_ROOM:
            todo = "free space there"
            if temporary is not None:
                todo += f", or set TMPDIR to a directory with room (now {temporary})"
        elif exc.errno in _NOT_ALLOWED:
            todo = "let the user running the server read and write it"
            if temporary is not None:
                todo += f", or set TMPDIR to a writable directory (now {temporary})"
        else:
            todo = "check that it is there and can be used"
        return f"cannot start the server: {exc.strerror}{place}; {todo}", EXIT_BAD_INPUT
    return (
        f"cannot start the server: internal error ({type(exc).__name__}: {exc}). This is a "
        "bug; please report it (log_level=debug shows the traceback)",
        EXIT_INTERNAL,
    )


def _temporary(where: object) -> str | None:
    """The temporary directory, when ``where`` is in it (``TMPDIR`` is the remedy)."""
    if where is None:
        return None
    try:
        base = Path(tempfile.gettempdir())
        return str(base) if Path(str(where)).is_relative_to(base) else None
    except (OSError, ValueError):
        return None
