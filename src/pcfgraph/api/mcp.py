"""``/mcp``: the MCP server (:mod:`pcfgraph.mcp`) over Streamable HTTP, on the app's live
state (reloads show) and its sandbox pool (started by the app's lifespan, :mod:`pcfgraph.lifespan`).

The MCP SDK (its pydantic models) took more than half of building the app, so a server start
does not import it: the first request to ``/mcp`` does (in a thread, the event loop keeps
answering), builds the server and starts its session manager, which then runs until the app's
lifespan ends. Later requests go straight to it.

A call the server's stop cuts short (uvicorn cancels the requests still running when its
graceful stop's bound passes; the session manager stops with the lifespan after that) is
answered 503 with ``Retry-After`` by :mod:`pcfgraph.api.ops`, as every request is; this
endpoint only chooses the body form (:data:`pcfgraph.api.errors.REFUSAL_FORM`): as the MCP SDK answers its own refusals on this
transport (its 503 for too many sessions), a JSON-RPC error body: ``id`` null (the request
was not answered from its body), ``error.code`` -32603, ``error.message`` saying what to do,
and ``error.data`` the project's error keys (``code`` ``server-stopping``, ``detail``,
``request_id``). An MCP client reads a JSON-RPC error in a non-2xx body as the call's error
(the SDK's client does); a problem+json body it could not. It was uvicorn's plain-text 500,
and a stack trace in the log.

A client that closes its connection before its answer (an assistant that gave up on a tool
call: over stateless HTTP, ``notifications/cancelled`` comes on another request and cannot
reach this one) stops its call (:func:`pcfgraph.http.client_gone.while_connected`): the
SDK's transport is terminated, which cancels the tool, and a sandbox worker it held is
replaced rather than kept busy to the deadline. It is counted as 499.

A request body is bounded by the rule ``pcfgraph mcp`` bounds a message line by
(:func:`pcfgraph.mcp.limits.message_limit`, six times ``max_upload_bytes`` and 64 KiB: an
``audit_model`` call of any model at the limit fits, however its JSON escapes it). It was ``max_body_bytes`` (4 MiB), so
an assistant could not audit over HTTP a 6 MB model ``POST /validate`` took, and the SDK
refused it as plain text naming no setting. A longer body (declared, or counted as it
streams) is answered 413 as a JSON-RPC error naming the setting (``error.code`` -32600, as
stdio answers its long line), and read no further. The endpoint reads the body once, whole,
and hands it to the SDK's handler behind the SDK's own body limit, whose layer held a
bytearray of the body and a bytes copy of it for the whole request (a 64 MB body at the
limit: the server's peak RSS grew by 193 MB with that layer, 129 MB without).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

import anyio
from fastapi import APIRouter, FastAPI
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pcfgraph.api.errors import REFUSAL_FORM, request_id
from pcfgraph.config import Settings
from pcfgraph.errors import (
    InputError,
    Overloaded,
    PayloadTooLarge,
    PcfgraphError,
    ServerStopping,
    quoted,
)
from pcfgraph.http.client_gone import while_connected
from pcfgraph.http.public_url import public_base
from pcfgraph.mcp import envelope
from pcfgraph.mcp.limits import message_limit, too_large
from pcfgraph.runtime import AppState

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

PATH = "/mcp"
#: The header a client names its MCP protocol version in, on every request after initialize.
VERSION_HEADER = "MCP-Protocol-Version"
#: JSON-RPC 2.0's "Internal error", the code of the MCP SDK's own 503 on this transport
#: (named here: the SDK is not imported before the first ``/mcp`` request).
JSONRPC_INTERNAL_ERROR = -32603
#: JSON-RPC 2.0's "Invalid Request", the code of a refusal of the request itself (too large),
#: as ``pcfgraph mcp`` answers a message line over the same limit.
JSONRPC_INVALID_REQUEST = -32600
#: ``POST /mcp`` in the OpenAPI description (the route is the MCP SDK's transport, not a
#: FastAPI operation, so FastAPI does not describe it): JSON-RPC in, JSON-RPC out, errors too.
OPENAPI_OPERATION: dict[str, object] = {
    "tags": ["mcp"],
    "summary": "The MCP server over Streamable HTTP (stateless, JSON responses)",
    "description": "One JSON-RPC 2.0 message per request (initialize, tools/list, "
    "tools/call, resources/read ...); the tools are those of 'pcfgraph mcp'. Send "
    "'Accept: application/json, text/event-stream'. Errors are JSON-RPC error objects, "
    "also with a non-2xx status (413 body too large, 415 not JSON, 503 stopping).",
    "requestBody": {"required": True, "content": {"application/json": {}}},
    "responses": {
        "200": {"description": "The JSON-RPC reply", "content": {"application/json": {}}},
        "202": {"description": "A notification or reply accepted (no body)"},
        **{
            status: {"description": words, "content": {"application/json": {}}}
            for status, words in (
                ("400", "A JSON-RPC error: the message is no JSON-RPC request"),
                ("406", "A JSON-RPC error: the Accept header takes no JSON"),
                ("413", "A JSON-RPC error naming the body limit's setting"),
                ("415", "A JSON-RPC error: the body is not application/json"),
                ("503", "A JSON-RPC error: the server is stopping (Retry-After)"),
            )
        },
    },
}


#: The Host and Origin headers a server bound to this machine answers at ``/mcp`` (the MCP
#: SDK's patterns: ``:*`` is any port). Browsers on other sites must not reach such a server
#: (DNS rebinding); a server bound to a public address is reached by its public name.
ALLOWED_HOSTS: tuple[str, ...] = ("127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost")
ALLOWED_ORIGINS: tuple[str, ...] = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")


def install(app: FastAPI) -> None:
    """Route ``/mcp`` to the MCP session manager (built on first use), stopped with the app's
    lifespan."""
    endpoint = LazyMcpEndpoint(app)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await endpoint.stop()

    app.include_router(APIRouter(lifespan=lifespan))
    # POST only: a stateless server (JSON responses) has no stream of its own to offer at GET,
    # which held an idle SSE response open until the client left, and no session to end at
    # DELETE; the transport lets a server answer both 405 (its clients then go on without)
    app.router.routes.append(Route(PATH, endpoint=endpoint, methods=["POST"]))


def build_manager(app: FastAPI) -> StreamableHTTPSessionManager:
    """The MCP server on ``app``'s live state, as a stateless JSON session manager (imports
    the MCP SDK)."""
    from mcp.server.transport_security import TransportSecuritySettings

    from pcfgraph.mcp.server import build_server

    settings = app.state.pcf.settings

    def state() -> AppState:
        live: AppState = app.state.pcf
        return live

    def request_base(scope: Scope) -> str:
        return public_base(scope, settings)  # public_url, else the request's own address

    server = build_server(state, base_url=settings.page_base_url(), request_base=request_base)
    security = TransportSecuritySettings(
        # The endpoint refuses first (refuse_host_or_origin, a JSON-RPC error); the SDK's
        # own check (plain text) is kept behind it with the same lists.
        enable_dns_rebinding_protection=local_bound(settings),
        allowed_hosts=list(allowed_hosts(settings)),
        allowed_origins=list(allowed_origins(settings)),
    )
    server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        transport_security=security,
        # The same bound as the endpoint's own (which comes first, naming the setting).
        max_request_body_size=message_limit(settings),
        host=settings.host,
    )
    return server.session_manager


class LazyMcpEndpoint:
    """The ASGI endpoint of ``/mcp``: builds the MCP server on its first request and runs its
    session manager (a task group) in a task of its own until :meth:`stop`."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._handle: ASGIApp | None = None
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._stopped = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A refusal a layer around this endpoint gives (a call the server's stop cuts short,
        # pcfgraph.api.ops) is in the JSON-RPC form an MCP client reads.
        scope.setdefault("state", {})[REFUSAL_FORM] = jsonrpc_refusal
        if self._stopped:
            await jsonrpc_refusal(Request(scope), ServerStopping())(scope, receive, send)
            return
        settings = self._app.state.pcf.settings
        if local_bound(settings):
            refused = refuse_host_or_origin(Request(scope), settings)
            if refused is not None:
                await refused(scope, receive, send)
                return
        limit = message_limit(settings)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await refuse_too_large(scope, receive, send, settings)
            return
        if scope["method"] == "POST" and not json_body(scope):
            await refuse_media_type(Request(scope))(scope, receive, send)
            return
        handle = self._handle or await self._start()
        try:
            body = await read_bounded(receive, limit)
        except ClientDisconnect:
            return  # nobody to answer
        except Overloaded as busy:  # the bodies held together (pcfgraph.http.body_memory)
            await jsonrpc_refusal(Request(scope), busy)(scope, receive, send)
            return
        if body is None:
            await refuse_too_large(scope, receive, send, settings)
            return
        refusal, message = None, None
        if scope["method"] == "POST":
            if len(body) > envelope.CHECKED:  # a long call: decoded off the event loop
                refusal, message = await anyio.to_thread.run_sync(read_message, body)
            else:
                refusal, message = read_message(body)
        if refusal is not None:  # no JSON-RPC message the SDK would read (pcfgraph.mcp.envelope)
            await refuse_message(Request(scope), refusal)(scope, receive, send)
            return
        version = Request(scope).headers.get(VERSION_HEADER)
        if version is not None and version not in spoken_versions():
            rid = envelope.usable_id(message) if isinstance(message, dict) else None
            await refuse_version(Request(scope), rid, version)(scope, receive, send)
            return
        del message
        replayed = replay(body, receive)
        del body  # held by the SDK as long as it needs it, no longer (64 MB less at the limit)
        # A tool call may hold a sandbox worker to its deadline: stopped if the client leaves.
        await while_connected(Request(scope, receive), handle(scope, replayed, send))

    async def _start(self) -> ASGIApp:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._handle is not None:
                return self._handle
            manager = await asyncio.to_thread(build_manager, self._app)
            running, self._stopping = asyncio.Event(), asyncio.Event()
            stopping = self._stopping

            async def run() -> None:
                async with manager.run():
                    running.set()
                    await stopping.wait()

            self._task = asyncio.create_task(run(), name="mcp-session-manager")
            started = asyncio.create_task(running.wait())
            await asyncio.wait({self._task, started}, return_when=asyncio.FIRST_COMPLETED)
            if not running.is_set():
                started.cancel()
                task, self._task = self._task, None
                await task  # raises what stopped the manager from starting
                raise RuntimeError("the MCP session manager stopped before it started")
            # The manager's handler behind its own body limit (``manager.handle_request``):
            # that layer holds a bytearray of the body and a bytes copy of it for the whole
            # request; this endpoint has read the body under the same limit already.
            self._handle = manager._handle_request
            return self._handle

    async def stop(self) -> None:
        """Stop the session manager (if the first request started it); a request after
        this is answered as one the stop cut short."""
        self._stopped = True
        if self._task is None or self._stopping is None:
            return
        self._stopping.set()
        await self._task
        self._task = None


def local_bound(settings: Settings) -> bool:
    """Whether the server is bound to this machine (then Host and Origin are checked)."""
    return settings.host in ("127.0.0.1", "localhost", "::1")


def allowed(value: str, patterns: tuple[str, ...]) -> bool:
    """``value`` is one of ``patterns`` (``x:*``: ``x`` with any port), as the SDK matches."""
    return value in patterns or any(p.endswith(":*") and value.startswith(p[:-1]) for p in patterns)


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """:data:`ALLOWED_HOSTS`, and with ``public_url`` its host: a reverse proxy in front of a
    server bound to this machine passes the public name on (nginx's ``proxy_set_header Host
    $host``)."""
    public = _public(settings)
    return ALLOWED_HOSTS if public is None else (*ALLOWED_HOSTS, public.netloc)


def allowed_origins(settings: Settings) -> tuple[str, ...]:
    """:data:`ALLOWED_ORIGINS`, and with ``public_url`` its origin (a browser's client on the
    public site)."""
    public = _public(settings)
    origin = None if public is None else f"{public.scheme}://{public.netloc}"
    return ALLOWED_ORIGINS if origin is None else (*ALLOWED_ORIGINS, origin)


def _public(settings: Settings) -> SplitResult | None:
    return None if settings.public_url is None else urlsplit(settings.public_url.lower())


def refuse_host_or_origin(request: Request, settings: Settings) -> JSONResponse | None:
    """421 (Host) or 403 (Origin) as a JSON-RPC error naming the header and what is allowed,
    or None to go on: the SDK answered plain text, "Invalid Host header" and "Invalid Origin
    header", where every other refusal at ``/mcp`` is a JSON-RPC error."""
    host = request.headers.get("host")
    origin = request.headers.get("origin")
    hosts, origins = allowed_hosts(settings), allowed_origins(settings)
    if not host or not allowed(host, hosts):
        status, header, given, patterns = 421, "Host", host, hosts
        request.state.problem_code = "misdirected-request"
    elif origin and not allowed(origin, origins):
        status, header, given, patterns = 403, "Origin", origin, origins
        request.state.problem_code = "forbidden"
    else:
        return None
    refusal = envelope.Refusal(
        None,
        envelope.INVALID_REQUEST,
        f"{header} header {quoted(given) if given else 'missing'} is not allowed: a server "
        f"bound to this machine answers {PATH} only for {header} {', '.join(patterns)} "
        "(':*': any port)",
    )
    rid = request_id(request)
    return JSONResponse(refusal.reply(), status_code=status, headers={"X-Request-ID": rid})


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length``, when it declares one."""
    for key, value in scope["headers"]:
        if key == b"content-length":
            text = value.decode("latin-1")
            return int(text) if text.isdigit() else None
    return None


async def read_bounded(receive: Receive, limit: int) -> bytes | None:
    """The whole body, one bytes object (the MCP SDK parses it as it is), or None as soon as
    more than ``limit`` bytes came (nothing more is read); :class:`ClientDisconnect` when
    the client went away."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)  # one chunk: that chunk itself


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` giving ``body`` whole, then what ``receive`` gives (a disconnect)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_replayed() -> Message:
        return pending.pop() if pending else await receive()

    return receive_replayed


async def refuse_too_large(scope: Scope, receive: Receive, send: Send, settings: Settings) -> None:
    """413 naming the limit and its setting, as a JSON-RPC error (the body is not read on)."""
    refusal = PayloadTooLarge(too_large("request body", settings))
    await jsonrpc_refusal(Request(scope), refusal)(scope, receive, send)


def json_body(scope: Scope) -> bool:
    """Whether the request says its body is JSON (``application/json``, any parameters)."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            text: str = value.decode("latin-1")
            return text.strip().lower().startswith("application/json")
    return False


def refuse_media_type(request: Request) -> JSONResponse:
    """415 as a JSON-RPC error naming the media type a message is sent as: the SDK's
    transport answered another type with a plain-text 400, "Invalid Content-Type header"."""
    given = request.headers.get("content-type")
    refusal = envelope.Refusal(
        None,
        envelope.INVALID_REQUEST,
        "a JSON-RPC message is sent as Content-Type application/json, "
        + (f"not {quoted(given)}" if given else "and this request gives none"),
    )
    request.state.problem_code = "unsupported-media-type"  # counted by the metrics middleware
    rid = request_id(request)
    return JSONResponse(refusal.reply(), status_code=415, headers={"X-Request-ID": rid})


def read_message(body: bytes) -> tuple[envelope.Refusal | None, object]:
    """:func:`pcfgraph.mcp.envelope.read` of a request body (the session is stateless)."""
    return envelope.read(body, initialized=True)


def spoken_versions() -> tuple[str, ...]:
    """The MCP protocol versions the SDK's transport speaks (those of the ``initialize``
    handshake, then those of the per-request envelope); read once the SDK is imported."""
    # the lists the SDK's transport routes a request by (from its own mcp_types package,
    # which pcfgraph does not depend on directly): not re-exported by name
    from mcp.server.streamable_http_manager import (  # type: ignore[attr-defined]
        HANDSHAKE_PROTOCOL_VERSIONS,
    )
    from mcp.shared.inbound import MODERN_PROTOCOL_VERSIONS  # type: ignore[attr-defined]

    return (*HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS)


def refuse_version(request: Request, rid: int | str | None, version: str) -> JSONResponse:
    """400 (as the MCP spec asks of an unsupported ``MCP-Protocol-Version``) with a JSON-RPC
    error naming the header, the version it gave and those the server speaks. The SDK took any
    version of no handshake for one of the per-request envelope, and told a client that had
    sent ``initialize``'s version back wrong (or an old one) that its ``params._meta`` lacked
    the envelope's keys, naming neither the header nor a version."""
    from mcp.types import UNSUPPORTED_PROTOCOL_VERSION

    spoken = list(spoken_versions())
    error = {
        "code": UNSUPPORTED_PROTOCOL_VERSION,
        "message": f"Unsupported protocol version: the {VERSION_HEADER} header gives "
        f"{quoted(version)}, and this server speaks {', '.join(spoken)} (send the version "
        "initialize answered, or leave the header out before it)",
        "data": {"supported": spoken, "requested": version},
    }
    request.state.problem_code = "bad-input"  # counted by the metrics middleware
    return JSONResponse(
        {"jsonrpc": "2.0", "id": rid, "error": error},
        status_code=400,
        headers={"X-Request-ID": request_id(request)},
    )


def refuse_message(request: Request, refusal: envelope.Refusal) -> JSONResponse:
    """The JSON-RPC error of a message that is not one the server reads: 400, as the SDK
    answers a message it cannot parse; a ``tools/call`` of a request with an ``id`` whose
    name or arguments are of the wrong kind 200, as its other invalid params (an unknown
    tool) and its tool execution errors (a bad argument's value)."""
    rid = request_id(request)
    request.state.problem_code = "bad-input"  # counted by the metrics middleware
    called = refusal.id is not None and refusal.code == envelope.INVALID_PARAMS
    return JSONResponse(
        refusal.reply(), status_code=200 if called else 400, headers={"X-Request-ID": rid}
    )


def jsonrpc_refusal(request: Request, refusal: PcfgraphError) -> JSONResponse:
    """An ``/mcp`` request's refusal (the server stopping, a body too large) as a JSON-RPC
    error whose ``data`` holds the project's error keys."""
    rid = request_id(request)
    request.state.problem_code = refusal.code  # counted by the metrics middleware
    bad_request = isinstance(refusal, InputError)
    error = {
        "code": JSONRPC_INVALID_REQUEST if bad_request else JSONRPC_INTERNAL_ERROR,
        "message": str(refusal),
        "data": {"code": refusal.code, "detail": str(refusal), "request_id": rid},
    }
    headers = {"X-Request-ID": rid}
    if isinstance(refusal, Overloaded):
        headers["Retry-After"] = str(refusal.retry_after)
    return JSONResponse(
        {"jsonrpc": "2.0", "id": None, "error": error},
        status_code=refusal.http_status,
        headers=headers,
    )
