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

A ``GET`` or ``POST /sparql`` the app answers without waiting is answered here, when its
request is complete, without an ASGI request cycle (:mod:`pcfgraph.api.fast_path`; ``http_fast_path``):
its response written as uvicorn would write it (:func:`response_bytes`), then uvicorn's own
bookkeeping of a finished response (``on_response_complete``: the request count that
``limit_max_requests`` reads, the keep-alive timer, the next pipelined request). Only on a
connection with nothing else in flight (no cycle running, none queued, writing not paused),
kept alive, HTTP/1.1, without ``Expect``, and with uvicorn's access log off; anything else
starts uvicorn's cycle as before. Such a request gets no cycle (nor its ``asyncio.Event``)
while it comes: its scope is completed as uvicorn completes it, its body kept here, and the
cycle uvicorn would have made is made only if it is handed on (a graceful shutdown meanwhile
hands it on with ``Connection: close``, as uvicorn finishes a request in flight).

A read that is, byte for byte, a request the fast path answered as the whole of an earlier
read on the connection, while the parser is between requests, is answered again without
being parsed (:meth:`GuardedHttpToolsProtocol.data_received`): the same bytes from the same
parser state are the same request. Only a request whose answer's making the fast path kept
is answered so (``FastPath.respond``'s ``unparsed``); any other read is parsed. Parsing a
cheap lookup's request (httptools' callbacks into Python, the checks above) was about a
tenth of its time on the server, more when its caches are cold.

uvicorn cancels its keep-alive timer on every read and arms a new one after every response;
here each connection has one, armed after a response when none is, which when due closes
the connection if it has been idle for ``timeout_keep_alive`` since its last response, and
otherwise arms itself for the rest (the same closing times, no timer made per request).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HttpToolsProtocol,
    RequestResponseCycle,
)

from pcfgraph.api.http_guard import check_request, problem_response
from pcfgraph.api.http_head import Head, head_bytes
from pcfgraph.config import Settings

if TYPE_CHECKING:
    from pcfgraph.api.fast_path import FastPath, Kept

log = logging.getLogger("pcfgraph.http")

#: The bytes ``httptools.parse_url`` takes as they are in a query: visible ASCII but ``#``
#: (which begins a fragment).
_QUERY_BYTES = bytes(b for b in range(0x21, 0x7F) if b != ord("#"))


def sparql_query(url: bytes) -> bytes | None:
    """The query string of a request target whose path is ``/sparql`` (``b""``: none), as
    ``httptools.parse_url`` gives it (uvicorn's ``scope["query_string"]``); None: another
    path. A ``/sparql?`` target of only :data:`_QUERY_BYTES` (what clients send) is split
    without ``parse_url``, whose URL object cost ~1% of a cheap query's instructions; any
    other (the absolute form, a fragment, bytes it may refuse) is parsed by it as before."""
    if url.startswith(b"/sparql?") and not url.translate(None, _QUERY_BYTES):
        return url[8:]
    if url == b"/sparql":
        return b""
    parsed = httptools.parse_url(url)
    if parsed.path != b"/sparql":
        return None
    return parsed.query or b""


_STATUS_LINES = {
    400: b"HTTP/1.1 400 Bad Request\r\n",
    414: b"HTTP/1.1 414 URI Too Long\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
}


#: Reads answered again without parsing (:meth:`GuardedHttpToolsProtocol.data_received`)
#: kept per connection, oldest out first, and the longest kept (in bytes: as long as the
#: fast path keeps a request's making, :data:`~pcfgraph.api.fast_path.KEPT_REQUEST_BYTES`).
REPLAYS_KEPT = 16
REPLAY_BYTES = 8192


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
        #: The app's fast path (:meth:`_fast_path`), once known.
        self._fast: FastPath | None = None
        self._fast_known = not self._limits.http_fast_path
        #: A request the fast path may answer once complete (no cycle made for it yet), its
        #: body so far, and whether the connection is still to be kept after it.
        self._pending = False
        self._pending_body = b""
        self._pending_keep_alive = True
        #: Whether the fast path's answer in progress was written (:meth:`_deliver`).
        self._written = False
        #: Since when the connection is idle (None: a request in progress): the keep-alive
        #: timer checks it when due (:meth:`on_response_complete`).
        self._idle_since: float | None = None
        #: Reads that were one whole request the fast path answered and kept, by their
        #: bytes: its scope, body and what the fast path kept of it (:meth:`_replayed`), at
        #: most :data:`REPLAYS_KEPT`.
        self._replays: dict[bytes, tuple[Any, bytes, Kept]] = {}
        #: Whether the parser is between requests (none begun and not complete), the count
        #: of requests begun in the current read, and the one it answered on the fast path
        #: (its scope and body).
        self._between = True
        self._begun = 0
        self._answered: tuple[Any, bytes] | None = None

    def data_received(self, data: bytes) -> None:
        """uvicorn's, but a read whose bytes are those of a request the fast path answered
        as the whole of an earlier read on this connection is answered again without being
        parsed (:meth:`_replayed`): the same bytes from the same parser state (between
        requests) are the same request, and so the same answer's making."""
        replay = self._replays.get(data) if self._between else None
        if replay is not None:
            if self._replayed(replay):
                return
            del self._replays[data]
        self._begun = 0
        self._answered = None
        between = self._between
        super().data_received(data)
        answered, self._answered = self._answered, None
        fast = self._fast
        if (
            answered is None
            or fast is None
            or not between
            or self._begun != 1
            or not self._between
            or len(data) > REPLAY_BYTES
        ):
            return
        scope, body = answered
        kept = fast.kept_for(scope, body)
        if kept is not None:
            if len(self._replays) >= REPLAYS_KEPT:
                del self._replays[next(iter(self._replays))]
            self._replays[data] = (scope, body, kept)

    def _replayed(self, replay: tuple[Any, bytes, Kept]) -> bool:
        """Answer a read of a request answered before on the fast path (``replay``: its scope,
        body and what the fast path kept of it, :meth:`FastPath.respond`'s ``unparsed``) as
        :meth:`_may_answer_when_complete` and :meth:`_answer_now` would; False: nothing was
        done, the read is parsed as any other."""
        if self._busy():
            return False
        self._idle_since = None  # as every read (_unset_keepalive_if_required)
        scope, body, kept = replay
        return self._answer_now(scope, body, kept)

    def on_message_begin(self) -> None:
        self._between = False
        self._begun += 1
        super().on_message_begin()
        self._refused = None
        self._header_bytes = 0
        self._idle_since = None  # a request in progress (one read may hold several)

    def on_url(self, url: bytes) -> None:
        if self._refused is not None:
            return
        target = len(self.url) + len(url)
        if target > self._limits.max_url_bytes:
            self._refused = check_request(target, 0, 0, self._limits)
            return
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        """uvicorn's ``on_header`` with the limits counted on the way (one call per header:
        the checks run only when a limit is reached)."""
        if self._refused is not None:
            return
        header_bytes = self._header_bytes = self._header_bytes + len(name) + len(value) + 4
        limits = self._limits
        count = len(self.headers)
        if (
            header_bytes > limits.max_header_bytes
            or count >= limits.max_header_count
            or len(self.url) > limits.max_url_bytes
        ):
            refused = check_request(len(self.url), header_bytes, count, limits)
            if refused is None and count >= limits.max_header_count:
                refused = check_request(len(self.url), header_bytes, count + 1, limits)
            if refused is not None:
                self._refused = refused
                return
        name = name.lower()
        # as uvicorn: llhttp keeps trailing whitespace, which RFC 9110 5.5 excludes
        value = value.rstrip(b" \t")
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._refused is not None:
            raise _Refused  # httptools turns it into a parser error: send_400_response below
        if (not self._fast_known or self._fast is not None) and self._may_answer_when_complete():
            return
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.transport is self.transport:
            cycle.transport = cast(Any, OneWriteTransport(self.transport, self.loop))

    def on_body(self, body: bytes) -> None:
        if self._pending:
            self._pending_body += body  # at most FAST_BODY_BYTES (its Content-Length)
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._between = True
        if not self._pending:
            super().on_message_complete()
            return
        self._pending = False
        body, self._pending_body = self._pending_body, b""
        if not self._pending_keep_alive or not self._answer_now(self.scope, body):
            self._hand_on(body)
        else:
            self._answered = (self.scope, body)

    # --- the fast path (pcfgraph.api.fast_path) ----------------------------------------------

    def _fast_path(self) -> FastPath | None:
        if not self._fast_known:
            from pcfgraph.api.fast_path import FastPath

            self._fast = FastPath.of(self.app)
            # the app builds its layers on its first request: until then, not known yet
            self._fast_known = self._fast is not None or _layers_built(self.app)
        return self._fast

    def _may_answer_when_complete(self) -> bool:
        """Whether the request whose head just ended may be answered on the fast path once
        complete: then its scope is completed as uvicorn completes it and no cycle is made
        for it (:meth:`_hand_on` makes one if it is not answered). Any other request goes
        uvicorn's way at once: another path, method or HTTP version, not kept alive,
        ``Expect``, an upgrade, uvicorn's concurrency limit reached, another request in
        flight or queued, writing paused, uvicorn's access log on, an unsized or large body."""
        parser = self.parser
        if (
            self.expect_100_continue
            or self._busy()
            or self.flow.write_paused
            or self.access_log
            or self.root_path
        ):
            return False
        method = parser.get_method()
        if method == b"GET":
            method_name = "GET"
        elif method == b"POST":
            method_name = "POST"
        else:
            return False
        if (
            parser.get_http_version() != "1.1"
            or not parser.should_keep_alive()
            or parser.should_upgrade()
            or not _sized(method_name, self.headers)
        ):
            return False
        query = sparql_query(self.url)
        if query is None or self._fast_path() is None:
            return False
        scope = self.scope
        scope["method"] = method_name
        scope["path"] = "/sparql"
        scope["raw_path"] = b"/sparql"
        scope["query_string"] = query
        self._pending = True
        self._pending_keep_alive = True
        return True

    def _busy(self) -> bool:
        """Whether a fast answer must wait its turn: a request in flight or queued on this
        connection, or uvicorn's concurrency limit reached."""
        cycle = self.cycle
        limit = self.limit_concurrency
        return bool(
            self.pipeline
            or (cycle is not None and not cycle.response_complete)
            or (limit is not None and max(len(self.connections), len(self.tasks)) >= limit)
        )

    def _hand_on(self, body: bytes) -> None:
        """Start uvicorn's cycle for the complete pending request, as uvicorn would have
        made it at the end of its head (its body whole, ``more_body`` false)."""
        cycle = RequestResponseCycle(
            scope=self.scope,
            transport=cast(Any, OneWriteTransport(self.transport, self.loop)),
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=self._pending_keep_alive,
            on_response=self.on_response_complete,
        )
        cycle.body = bytearray(body)
        cycle.more_body = False
        cycle.message_event.set()
        self.cycle = cycle
        self._start_asgi_task(cycle, self.app)

    def _answer_now(self, scope: Any, body: bytes, unparsed: Kept | None = None) -> bool:
        """Answer the complete request of ``scope`` on the fast path; False: not done, its
        cycle starts instead (``unparsed``: :meth:`_replayed`'s, the read is parsed)."""
        fast = self._fast
        if fast is None or self.flow.write_paused or self.transport.is_closing():
            return False
        self._written = False
        try:
            answered = fast.respond(scope, body, self._deliver, self._others, self, unparsed)
        except Exception:
            if not self._written:
                log.exception("the fast path failed before answering; the app answers")
                return False
            log.exception("the fast path failed after answering")
            answered = True
        if not answered:
            return False
        self.on_response_complete()
        return True

    def _others(self) -> bool:
        """Whether another connection of this process has a request cycle whose response
        is not complete (the fast path's idle mark: :meth:`LocalEvaluator.idle`)."""
        for other in self.connections:
            cycle = getattr(other, "cycle", None)  # a WebSocket has none
            if other is not self and cycle is not None and not cycle.response_complete:
                return True
        return False

    def _deliver(self, status: int, head: Head, body: bytes) -> bool:
        """The fast path's :data:`~pcfgraph.api.fast_path.Deliver` (one bound method per
        connection, not a closure made per request): the response written, or False."""
        data = head_bytes(status, self.server_state.default_headers, head, body)
        if data is None:
            return False
        self.transport.write(data)
        self._written = True
        return True

    # --- the keep-alive timer: one per connection, checked when due -------------------------

    def _unset_keepalive_if_required(self) -> None:
        """uvicorn cancels its keep-alive timer on every read and arms a new one after every
        response (a timer made and dropped per request); here the connection is only marked
        busy, and the timer, when due, finds it so (:meth:`_keep_alive_due`)."""
        self._idle_since = None

    def on_response_complete(self) -> None:
        """uvicorn's, but for its timer: the connection idle from now, the one timer armed
        unless it already is (it is then due earlier, and arms itself again for the rest)."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._idle_since = None
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self._idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self._keep_alive_due
            )

    def _keep_alive_due(self) -> None:
        """Close the connection if it has been idle for ``timeout_keep_alive`` seconds since
        its last response; idle for less: due again then; busy: the next response arms it."""
        self.timeout_keep_alive_task = None
        since = self._idle_since
        if since is None:
            return
        left = since + self.timeout_keep_alive - self.loop.time()
        if left > 0:
            self.timeout_keep_alive_task = self.loop.call_later(left, self._keep_alive_due)
        else:
            self.timeout_keep_alive_handler()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._pending = False
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown; a pending request is finished first (handed on with
        ``Connection: close``), as uvicorn finishes a request in flight."""
        if self._pending:
            self._pending_keep_alive = False
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        """Every answer uvicorn gives before the app runs, as problem+json."""
        if self._refused is not None:
            status, code, detail = self._refused
        else:
            status, code, detail = 400, "malformed-request", "the HTTP request is malformed"
        headers, body = problem_response(status, code, detail)
        from pcfgraph.api.ops import log_refused  # its access line (a refusal only)

        method = "-"  # a malformed request's is no method (httptools names it DELETE)
        if self._refused is not None:
            with contextlib.suppress(Exception):
                method = self.parser.get_method().decode("latin-1")
        url = getattr(self, "url", b"")  # what was read of it (none of a URL too long)
        target = bytes(url[:400]).decode("latin-1") if isinstance(url, bytes) and url else "-"
        rid = dict(headers)[b"x-request-id"].decode()
        log_refused(self.client, method, target, status, code, rid)
        head = [_STATUS_LINES[status]]
        for name, value in [*self.server_state.default_headers, *headers]:
            head.extend([name, b": ", value, b"\r\n"])
        head.append(b"connection: close\r\n\r\n")
        self.transport.write(b"".join(head) + body)
        self.transport.close()


#: Largest body of a ``POST`` the fast path waits for (under uvicorn's ``HIGH_WATER_LIMIT``,
#: past which it pauses reading until the app reads: the request would never end).
FAST_BODY_BYTES = 16 * 1024


def _sized(method: str, headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether the fast path may wait for the end of this request: a ``GET`` without a body,
    a ``POST`` whose ``Content-Length`` is at most :data:`FAST_BODY_BYTES`. Any other starts
    its cycle at once, as before (its body may be large, streamed, or never end)."""
    length = None
    for name, value in headers:
        if name == b"transfer-encoding":
            return False
        if name == b"content-length":
            length = value
    if method == "GET":
        return length is None
    return (
        method == "POST"
        and length is not None
        and length.isdigit()
        and int(length) <= FAST_BODY_BYTES
    )


def _layers_built(app: Any) -> bool:
    """Whether the Starlette app inside uvicorn's wrappers has built its middleware stack."""
    for _ in range(16):
        if hasattr(app, "middleware_stack"):
            return app.middleware_stack is not None
        app = getattr(app, "app", None)
        if app is None:
            break
    return True


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
