"""The server's log lines (``pcfgraph.*``): text or JSON lines on stderr
(``Settings.log_format``), every record made while a request runs carrying its
``request_id``; the records held before it was configured replayed first
(:mod:`pcfgraph.startup_log`).

Here, not in :mod:`pcfgraph.api.ops` (which re-exports them), so that ``pcfgraph mcp``
configures its log as ``pcfgraph serve`` does without importing the web framework (0.48 s).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

from pcfgraph import startup_log
from pcfgraph.config import Settings

#: The request id of the request being handled (for log records made anywhere below it).
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pcfgraph_request_id", default=None
)

_RECORD_FIELDS = ("method", "path", "route", "status", "ms", "code")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, request fields."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key in _RECORD_FIELDS:
            if hasattr(record, key):
                doc[key] = getattr(record, key)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class TextFormatter(logging.Formatter):
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

    def format(self, record: logging.LogRecord) -> str:
        """``logging.Formatter.format`` written out for a record without exception or stack
        (every access line): the same fields set, the same text, without the generic
        ``%``-style mapping of the whole record."""
        if record.exc_info or record.exc_text or record.stack_info or self._fmt != TEXT_FORMAT:
            return super().format(record)
        record.message = message = record.getMessage()
        record.asctime = asctime = self.formatTime(record, self.datefmt)
        fields = record.__dict__
        return f"{asctime} {fields['levelname']!s} {fields['name']!s} [{fields['request_id']!s}] {message}"


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """``logging.StreamHandler`` whose ``emit`` writes and flushes the line under the lock
    ``Handler.handle`` already holds (``StreamHandler.flush`` takes it a second time)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            stream = self.stream
            stream.write(msg + self.terminator)
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Route ``pcfgraph.*`` logs to stderr as text or JSON lines (``Settings.log_format``),
    starting with the records held before (:func:`pcfgraph.startup_log.hold`)."""
    handler = LineHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    fmt = getattr(settings, "log_format", "text")
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("pcfgraph")
    handler._pcfgraph = True  # type: ignore[attr-defined]
    logger.setLevel(settings.log_level.upper())
    logger.propagate = False
    # in place of the previous one, after the records held until now (pcfgraph.startup_log)
    startup_log.install(logger, handler)
    return handler
