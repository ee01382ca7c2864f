"""uvicorn's httptools protocol with the request-head limits applied while parsing.

Without it, an oversized URL (over httptools' 64 KiB) is answered by uvicorn itself with a
plain-text 400, and header blocks are buffered without any bound. This subclass counts the
request target and the header fields as they arrive, stops keeping them past the limits of
:mod:`pcfgraph.api.http_guard` (``max_url_bytes``, ``max_header_bytes``,
``max_header_count``) and answers 414/431, and any other malformed request 400, as
``application/problem+json``. The limits are the served app's :class:`Settings`.

Used by ``pcfgraph serve`` (``uvicorn.run(http=...)``) and by
``uvicorn --http pcfgraph.api.http_protocol:GuardedHttpToolsProtocol``.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from pcfgraph.api.http_guard import check_request, problem_response
from pcfgraph.config import Settings

_STATUS_LINES = {
    400: b"HTTP/1.1 400 Bad Request\r\n",
    414: b"HTTP/1.1 414 URI Too Long\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
}


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request over a limit."""


def settings_of(app: Any) -> Settings:
    """The :class:`Settings` of the pcfgraph app inside uvicorn's middleware wrappers."""
    for _ in range(16):
        state = getattr(getattr(app, "state", None), "pcf", None)
        if state is not None:
            settings: Settings = state.settings
            return settings
        app = getattr(app, "app", None)
        if app is None:
            break
    return Settings()


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses oversized request heads with problem+json."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = settings_of(self.app)
        self._refused: tuple[int, str, str] | None = None
        self._header_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refused = None
        self._header_bytes = 0

    def _check(self, target: int) -> None:
        if self._refused is None:
            self._refused = check_request(
                target, self._header_bytes, len(self.headers), self._limits
            )

    def on_url(self, url: bytes) -> None:
        if self._refused is not None:
            return
        self._check(len(self.url) + len(url))
        if self._refused is None:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused is not None:
            return
        self._header_bytes += len(name) + len(value) + 4
        self._check(len(self.url))
        if self._refused is None and len(self.headers) >= self._limits.max_header_count:
            self._refused = check_request(
                len(self.url), self._header_bytes, len(self.headers) + 1, self._limits
            )
        if self._refused is None:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused is not None:
            raise _Refused  # httptools turns it into a parser error: send_400_response below
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """Every answer uvicorn gives before the app runs, as problem+json."""
        if self._refused is not None:
            status, code, detail = self._refused
        else:
            status, code, detail = 400, "malformed-request", "the HTTP request is malformed"
        headers, body = problem_response(status, code, detail)
        head = [_STATUS_LINES[status]]
        for name, value in [*self.server_state.default_headers, *headers]:
            head.extend([name, b": ", value, b"\r\n"])
        head.append(b"connection: close\r\n\r\n")
        self.transport.write(b"".join(head) + body)
        self.transport.close()
