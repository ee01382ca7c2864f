"""``/mcp``: the MCP server (:mod:`pcfgraph.mcp`) over Streamable HTTP, on the app's live
state (reloads show) and its sandbox pool (started by the app's lifespan, :mod:`pcfgraph.lifespan`).

The MCP SDK (its pydantic models) took more than half of building the app, so a server start
does not import it: the first request to ``/mcp`` does (in a thread, the event loop keeps
answering), builds the server and starts its session manager, which then runs until the app's
lifespan ends. Later requests go straight to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from pcfgraph.runtime import AppState

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

PATH = "/mcp"


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
    app.router.routes.append(Route(PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))


def build_manager(app: FastAPI) -> StreamableHTTPSessionManager:
    """The MCP server on ``app``'s live state, as a stateless JSON session manager (imports
    the MCP SDK)."""
    from mcp.server.transport_security import TransportSecuritySettings

    from pcfgraph.mcp.server import build_server

    settings = app.state.pcf.settings

    def state() -> AppState:
        live: AppState = app.state.pcf
        return live

    server = build_server(state, base_url=f"http://{settings.host}:{settings.port}")
    local = settings.host in ("127.0.0.1", "localhost", "::1")
    security = TransportSecuritySettings(
        # Browsers on other sites must not reach a server bound to this machine (DNS
        # rebinding); a server bound to a public address is reached by its public name.
        enable_dns_rebinding_protection=local,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
    server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        transport_security=security,
        max_request_body_size=settings.max_body_bytes,
        host=settings.host,
    )
    return server.session_manager


class LazyMcpEndpoint:
    """The ASGI endpoint of ``/mcp``: builds the MCP server on its first request and runs its
    session manager (a task group) in a task of its own until :meth:`stop`."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._asgi: ASGIApp | None = None
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asgi = self._asgi or await self._start()
        await asgi(scope, receive, send)

    async def _start(self) -> ASGIApp:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._asgi is not None:
                return self._asgi
            manager = await asyncio.to_thread(build_manager, self._app)
            from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

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
            self._asgi = StreamableHTTPASGIApp(manager)
            return self._asgi

    async def stop(self) -> None:
        """Stop the session manager (if the first request started it)."""
        if self._task is None or self._stopping is None:
            return
        self._stopping.set()
        await self._task
        self._task = None
