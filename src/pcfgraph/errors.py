"""The one error hierarchy. Every edge (CLI, HTTP, GraphQL) maps these to its own surface.

Each error carries a stable machine ``code`` (used in HTTP problem bodies and CLI messages)
and a human message. Edges never show tracebacks to clients.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

#: How many characters of a value a message quotes.
QUOTED_CHARS = 80


def quoted(value: object, limit: int = QUOTED_CHARS) -> str:
    """``repr(value)`` for a message, its first ``limit`` characters when it is longer,
    saying how long it was: a message names what was wrong, it does not echo a megabyte."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str | bytes) else len(text)
    return f"{text[:limit]}... ({size} characters)"


class PcfgraphError(Exception):
    """Base of all expected, user-facing failures."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InputError(PcfgraphError):
    """The caller's input is wrong (bad file, bad parameter, unknown name)."""

    code = "bad-input"
    http_status = 400


class ParseError(InputError):
    """Input could not be parsed; carries the position where parsing failed."""

    code = "parse-error"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
        code: str | None = None,
    ) -> None:
        where = []
        if source:
            where.append(source)
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full, code=code)
        self.line = line
        self.column = column
        self.source = source
        self.detail = message


class WorkbookError(InputError):
    """An APQC workbook is not usable; names file, sheet, row and column where known."""

    code = "bad-workbook"

    def __init__(
        self,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        file: str | None = None,
    ) -> None:
        where = []
        if file is not None:
            where.append(file)
        if sheet is not None:
            where.append(f"sheet {sheet!r}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.file = file
        self.problem = message

    def in_file(self, file: str) -> WorkbookError:
        """The same error naming the workbook file (kept when one is already named)."""
        if self.file is not None:
            return self
        return WorkbookError(
            self.problem, sheet=self.sheet, row=self.row, column=self.column, file=file
        )


class ModelError(InputError):
    """An uploaded model is readable but unusable as a whole (empty, describes no organisation,
    a workbook that is not the template, an ArchiMate file the schema rejects): 422."""

    code = "bad-model"
    http_status = 422


class InvalidModelFile(ParseError):
    """A model file fails its schema (ArchiMate exchange format): 422 with line and column."""

    code = "invalid-model"
    http_status = 422


class NotFoundError(InputError):
    """A named thing (query, framework, element, graph) does not exist."""

    code = "not-found"
    http_status = 404


class OtherCaseError(NotFoundError):
    """An identifier names nothing as written, and one thing when case is ignored. Where
    identifiers are case-sensitive (an IRI, ``/id/prm-it/a24``) the answer is still "not
    found", never the thing under a second identifier, but it names the one meant
    (``canonical``, the identifier as the data writes it): the caller cannot guess the case."""

    def __init__(self, message: str, canonical: str) -> None:
        super().__init__(message)
        self.canonical = canonical


class MethodNotAllowed(InputError):
    """A request method the path does not take (a mutation sent by GET): 405, with ``Allow``."""

    code = "method-not-allowed"
    http_status = 405


class AmbiguousError(InputError):
    """A lookup matched more than one thing."""

    code = "ambiguous"


class QueryRejected(InputError):
    """A query is refused before execution (unsafe, unknown graph, too deep)."""

    code = "query-rejected"


class Forbidden(PcfgraphError):
    code = "forbidden"
    http_status = 403


class PayloadTooLarge(InputError):
    code = "payload-too-large"
    http_status = 413


class UnsupportedMediaType(InputError):
    code = "unsupported-media-type"
    http_status = 415


class NotAcceptable(InputError):
    code = "not-acceptable"
    http_status = 406


class ResultTooLarge(PcfgraphError):
    code = "result-too-large"
    http_status = 422


class OutOfMemory(ResultTooLarge):
    """A task needed more memory than a sandbox worker may use (``worker_memory_mb``): a
    property of the request on this server, so not worth sending again as it is."""

    code = "memory-limit"


class Overloaded(PcfgraphError):
    """Admission control or a deadline: try again later."""

    code = "overloaded"
    http_status = 503

    def __init__(self, message: str, *, retry_after: int = 1, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class QueryTimeout(Overloaded):
    code = "query-timeout"


class ServerStopping(Overloaded):
    """The server stopped before it finished the request (its graceful stop's bound passed):
    send it again once the server is back (``Retry-After``)."""

    code = "server-stopping"

    def __init__(
        self,
        message: str = (
            "the server is stopping: this request was not finished; send it again once the "
            "server is back (Retry-After)"
        ),
        *,
        retry_after: int = 5,
        code: str | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after, code=code)


class WorkerCrashed(Overloaded):
    code = "worker-crashed"


class TooManyRequests(Overloaded):
    """One client has as many expensive requests in progress as it may (fairness)."""

    code = "too-many-requests"
    http_status = 429


class ClientGone(PcfgraphError):
    """The client closed its connection before its answer was ready: the work done for it
    was stopped (a sandbox worker's task: the worker is replaced). Nobody reads the answer;
    the status (nginx's 499, "client closed request") is for the access log and metrics."""

    code = "client-closed-request"
    http_status = 499


class ReleaseError(PcfgraphError):
    """A release failed verification (manifest, checksum, SHACL) and must not be served."""

    code = "bad-release"


class StoreError(PcfgraphError):
    """The store (embedded or remote) failed."""

    code = "store-error"
    http_status = 502


#: How many problems one error names (the rest are counted).
MOST_NAMED = 20


def prefixed(error: PcfgraphError, what: str) -> PcfgraphError:
    """``error`` (its kind, status, code, line and column) with ``what`` before its message:
    which of several inputs it is about (``OLD: a.sssom.tsv, line 12: ...``) when their
    names alone do not say which role each plays."""
    named = copy.copy(error)
    named.message = f"{what}: {error}"
    named.args = (named.message,)
    return named


def refused_together(problems: Sequence[PcfgraphError]) -> PcfgraphError:
    """One error for input refused whole for several problems (a model of several files, two
    of them unreadable), naming each: the first's kind (its status, code, line and column)
    and every message. Naming the first only, the user fixed it and was refused again."""
    if len(problems) == 1:
        return problems[0]
    first = problems[0]
    more = len(problems) - MOST_NAMED  # a message names a few, and counts the rest
    rest = "; ".join(str(p) for p in problems[1:MOST_NAMED])
    rest += (f"; and {more} more" if more > 0 else "") + f" ({len(problems)} problems)"
    combined = copy.copy(first)
    combined.message = f"{first}; {rest}"
    combined.args = (combined.message,)
    if isinstance(combined, ParseError) and isinstance(first, ParseError):
        combined.detail = f"{first.detail}; {rest}"  # the message without the first's place
    return combined
