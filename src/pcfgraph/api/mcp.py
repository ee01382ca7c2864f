"""``/mcp``: the MCP server (:mod:`pcfgraph.mcp`) over Streamable HTTP, on the app's live
state (reloads show) and its sandbox pool (started by the app's lifespan, :mod:`pcfgraph.lifespan`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route

from pcfgraph.mcp.server import build_server
from pcfgraph.runtime import AppState

PATH = "/mcp"


def install(app: FastAPI) -> None:
    """Route ``/mcp`` to the MCP session manager, run with the app's lifespan."""
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
    manager = server.session_manager

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with manager.run():
            yield

    app.include_router(APIRouter(lifespan=lifespan))
    app.router.routes.append(
        Route(PATH, endpoint=StreamableHTTPASGIApp(manager), methods=["GET", "POST", "DELETE"])
    )
