"""uvicorn's httptools protocol with the request-head limits applied while parsing.

Without it, an oversized URL (over httptools' 64 KiB) is answered by uvicorn itself with a
plain-text 400, and header blocks are buffered without any bound. This subclass counts the
request target and the header fields as they arrive, stops keeping them past the limits of
:mod:`pcfgraph.api.http_guard` (``max_url_bytes``, ``max_header_bytes``,
``max_header_count``) and answers 414/431, and any other malformed request 400, as
``application/problem+json``. The limits are the served app's :class:`Settings`.

Used by ``pcfgraph serve`` (``uvicorn.run(http=...)``) and by
``uvicorn --http pcfgraph.api.http_protocol:GuardedHttpToolsProtocol``.

Each response also leaves in one write where it can (:class:`OneWriteTransport`): uvicorn
writes the status line and headers, then the body, as two ``send`` calls on the socket; the
client wakes up for the head and again for the body (two context switches, about 0.1 ms per
request on this loopback, for every small answer).
"""

from __future__ import annotations

import asyncio
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
        cycle = getattr(self, "cycle", None)
        if cycle is not None and cycle.transport is self.transport:
            cycle.transport = OneWriteTransport(self.transport, self.loop)

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


class OneWriteTransport:
    """The transport one request's response is written to, holding the response head until
    the body's first bytes so that both leave in one ``write`` (one segment, one wake-up of
    the client). The head is never held past the current turn of the event loop: a response
    whose body comes later (a stream, a slow one) gets its head sent on the next turn, as
    before. Everything else is the underlying transport's."""

    __slots__ = ("_held", "_loop", "_started", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._started = False

    def write(self, data: bytes) -> None:
        if not self._started:  # the first write of the response: its head
            self._started = True
            self._held = data
            self._loop.call_soon(self.flush)
            return
        held, self._held = self._held, None
        self._transport.write(held + data if held is not None else data)

    def flush(self) -> None:
        """Send a head still held (its body did not come in the same turn)."""
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
