"""The server's log lines (``pcfgraph.*``): text or JSON lines on stderr
(``Settings.log_format``), every record made while a request runs carrying its
``request_id``; the records held before it was configured replayed first
(:mod:`pcfgraph.startup_log`); access-log lines in batches (:class:`LineHandler`).

Here, not in :mod:`pcfgraph.api.ops` (which re-exports them), so that ``pcfgraph mcp``
configures its log as ``pcfgraph serve`` does without importing the web framework (0.48 s).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import functools
import json
import logging
import os
import sys
import threading
import time
import weakref
from typing import Any

from pcfgraph import startup_log
from pcfgraph.config import Settings
from pcfgraph.terminal_text import one_line, printable

#: The request id of the request being handled (for log records made anywhere below it).
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pcfgraph_request_id", default=None
)

_RECORD_FIELDS = ("method", "path", "route", "status", "ms", "code", "client")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, pid, request fields.
    The message as :class:`TextFormatter` shows it (what it quotes made visible), its line
    breaks kept: JSON writes them as ``\n``. ``pid``: the process that wrote it, which of a
    server's processes (``http_workers``, one per CPU by default) answered a request or
    failed a reload (their lines are interleaved in one log)."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": printable(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for key in _RECORD_FIELDS:
            if hasattr(record, key):
                doc[key] = getattr(record, key)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT`` lines, one a record: the message with what it quotes (a request's
    path, a model's name, a library's words about either) made visible and on its line
    (:func:`pcfgraph.terminal_text.one_line`): a path with ``%0a`` in it wrote a line of its
    own that read as the server's, one with ``%1b`` an escape sequence the operator's
    terminal ran, one with U+202E a line shown in another order. A traceback stays lines."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        #: (second, its date-time text), replaced as one tuple: threads format records too
        self._second: tuple[int, str] = (-1, "")
        #: (millisecond, its ``asctime``) of the last :meth:`line`: the lines of a busy
        #: server's millisecond share it (replaced as one tuple, as ``_second``)
        self._milli: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """As ``logging.Formatter.formatTime``, with the date and time part kept for the
        second it names (every access line formatted it again)."""
        if datefmt:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        kept, text = self._second
        if second != kept:
            text = time.strftime(self.default_time_format, self.converter(second))
            self._second = (second, text)
        if not self.default_msec_format:
            return text
        return self.default_msec_format % (text, record.msecs)

    def line(self, created: float, level: str, name: str, request_id: object, message: str) -> str:
        """The text :meth:`format` gives a record of these fields, made at ``created``
        (``time.time()``), without the record."""
        second = int(created)
        msecs = int((created - second) * 1000)  # as LogRecord.__init__ (Python 3.11)
        milli = second * 1000 + msecs
        kept_milli, asctime = self._milli
        if milli != kept_milli:
            kept, text = self._second
            if second != kept:
                text = time.strftime(self.default_time_format, self.converter(second))
                self._second = (second, text)
            msec_format = self.default_msec_format
            asctime = msec_format % (text, msecs + 0.0) if msec_format else text
            self._milli = (milli, asctime)
        return f"{asctime} {level} {name} [{request_id!s}] {message}"

    def formatMessage(self, record: logging.LogRecord) -> str:
        """A record with an exception (``logging.Formatter.format``): its message on its
        line as :meth:`format` writes every other's."""
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        """``logging.Formatter.format`` written out for a record without exception or stack
        (every access line): the same fields set, the same text, without the generic
        ``%``-style mapping of the whole record."""
        if record.exc_info or record.exc_text or record.stack_info or self._fmt != TEXT_FORMAT:
            return super().format(record)
        record.message = message = one_line(record.getMessage())
        record.asctime = asctime = self.formatTime(record, self.datefmt)
        fields = record.__dict__
        return f"{asctime} {fields['levelname']!s} {fields['name']!s} [{fields['request_id']!s}] {message}"


#: The logger of the access log's lines (:class:`pcfgraph.api.ops.AccessLog`).
ACCESS_LOGGER = "pcfgraph.access"

#: A batch of access lines is written once it holds this many characters, before its bound.
BATCH_CHARS = 16384


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """``logging.StreamHandler`` whose ``emit`` writes and flushes the line under the lock
    ``Handler.handle`` already holds (``StreamHandler.flush`` takes it a second time).

    With ``batch_seconds`` (``Settings.access_log_flush_ms``), access-log lines made on an
    event loop leave in batches (nginx's ``access_log ... buffer= flush=``): each waits at
    most ``batch_seconds`` (a timer on that loop) or until ``BATCH_CHARS`` wait, and is then
    written with the others in one write: a busy server made a write (a system call, and a
    wake-up of whatever reads its stderr) per request. Every other record is written at once,
    after the lines waiting (one stream: the order lines were made in is the order written);
    :meth:`flush` writes what waits (a stop: the lifespan's end, a worker's exit, the
    interpreter's, a fork)."""

    def __init__(self, stream: Any = None, batch_seconds: float = 0.0) -> None:
        super().__init__(stream)
        self.batch_seconds = batch_seconds
        self._waiting: list[str] = []
        self._waiting_chars = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._timer_thread = 0
        _batching.add(self)
        _flush_at_exit_and_fork()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record) + self.terminator
            if self.batch_seconds and record.name == ACCESS_LOGGER:
                self._batch(text)
            else:
                self._write(text)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def write_access_line(self, text: str) -> None:
        """An access-log line (its terminator included) made without a record: batched as
        :meth:`emit` batches the record's. Raises what writing raises."""
        with self.lock or contextlib.nullcontext():
            if self.batch_seconds:
                self._batch(text)
            else:
                self._write(text)

    def _batch(self, text: str) -> None:
        """Under the lock: ``text`` waits with the others (a timer on the running loop
        bounds its wait), or is written at once with them: no loop runs in this thread
        (nothing would end the wait), or the lines waiting wait for a timer of another
        thread's loop or of a loop that no longer runs (tests' clients run one per request).

        The running loop is looked up for a batch's first line only: Python before 3.12
        makes a ``getpid`` system call in each look-up. A loop running in the thread of the
        timer's is the loop running in this thread."""
        timer_loop = self._timer_loop
        if timer_loop is not None:
            if self._timer_thread != threading.get_ident() or not timer_loop.is_running():
                self._write(text)
                return
        else:
            loop = asyncio._get_running_loop()
            if loop is None:
                self._write(text)
                return
            self._timer = loop.call_later(self.batch_seconds, self._bound_reached)
            self._timer_loop = loop
            self._timer_thread = threading.get_ident()
        self._waiting.append(text)
        self._waiting_chars += len(text)
        if self._waiting_chars >= BATCH_CHARS:
            self._write("")

    def _bound_reached(self) -> None:
        with self.lock or contextlib.nullcontext():
            self._timer = self._timer_loop = None
            try:
                self._write("")
            except Exception:
                self.handleError(logging.makeLogRecord({"msg": "access-log lines"}))

    def _write(self, text: str) -> None:
        """Under the lock: the lines waiting, then ``text``, in one write, flushed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._timer_loop = None
        if self._waiting:
            text = "".join(self._waiting) + text
            self._waiting = []
            self._waiting_chars = 0
        stream = self.stream
        if text:
            stream.write(text)
        stream.flush()

    def flush(self) -> None:
        """Writes the access lines waiting, then flushes the stream."""
        with self.lock or contextlib.nullcontext():
            if self.stream is not None and hasattr(self.stream, "flush"):
                self._write("")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.flush()
        super().close()


#: Every line handler, for :func:`flush_lines` (a fork copies no line waiting).
_batching: weakref.WeakSet[LineHandler] = weakref.WeakSet()


def flush_lines() -> None:
    """Write every access-log line waiting (before a process ends without the interpreter's
    own exit, ``os._exit``, or forks)."""
    for handler in list(_batching):
        with contextlib.suppress(Exception):
            handler.flush()


@functools.cache
def _flush_at_exit_and_fork() -> None:
    """Once per process, when the first line handler is made (not when this module is
    imported): its lines are written before a fork and at the interpreter's exit, which does
    not go through ``logging.shutdown`` for it once uvicorn has configured its own loggers
    (``logging.config.dictConfig`` forgets every handler)."""
    os.register_at_fork(before=flush_lines)
    atexit.register(flush_lines)


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Route ``pcfgraph.*`` logs to stderr as text or JSON lines (``Settings.log_format``),
    starting with the records held before (:func:`pcfgraph.startup_log.hold`)."""
    handler = LineHandler(stream or sys.stderr, getattr(settings, "access_log_flush_ms", 0) / 1000)
    handler.addFilter(RequestIdFilter())
    fmt = getattr(settings, "log_format", "text")
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("pcfgraph")
    handler._pcfgraph = True  # type: ignore[attr-defined]
    logger.setLevel(settings.log_level.upper())
    logger.propagate = False
    for old in logger.handlers:
        if getattr(old, "_pcfgraph", False):
            old.flush()  # its lines waiting come before the new handler's
    # in place of the previous one, after the records held until now (pcfgraph.startup_log)
    startup_log.install(logger, handler)
    own_the_root_logger(handler)
    return handler


#: uvicorn's loggers whose records ``pcfgraph serve`` writes as its own (its access log is off).
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")


def own_uvicorn_loggers() -> None:
    """uvicorn's records (its start and stop lines, a request's unhandled error) go out as
    the server's others do, through the root logger's handler (:func:`own_the_root_logger`):
    uvicorn's own configuration wrote them in its own plain text (``INFO:     Started server
    process``, no time), a line a log pipeline parsing ``log_format=json`` could not read.
    For ``pcfgraph serve``, which hands uvicorn no logging configuration of its own
    (``log_config=None``); ``uvicorn --factory`` keeps uvicorn's (its ``--log-config``)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True


#: Libraries whose records below WARNING are their own chatter, not the server's news (the
#: MCP SDK: an INFO line for each session started and ended).
QUIET_LIBRARIES = ("mcp",)


def own_the_root_logger(handler: logging.Handler) -> None:
    """Other libraries' records (WARNING and up, the root logger's level) go out through
    ``handler`` too, one record a line in the server's format. Without a handler on the root
    logger, the MCP SDK's server (built with the app) ran ``logging.basicConfig`` with rich's
    handler there: its records came out as column-wrapped text over several lines, in the
    middle of the JSON lines of ``log_format=json``."""
    root = logging.getLogger()
    root.handlers = [
        *(h for h in root.handlers if not getattr(h, "_pcfgraph", False)),
        handler,
    ]
    for name in QUIET_LIBRARIES:
        library = logging.getLogger(name)
        if library.level == logging.NOTSET or library.level < logging.WARNING:
            library.setLevel(logging.WARNING)
