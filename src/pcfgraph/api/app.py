"""The HTTP API's part of the app: middlewares, error handlers and its routers.

The app itself is built by the composition root (:func:`pcfgraph.serving.create_app`), which
adds the web workbench between :func:`create_api` and :func:`guard`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI

from pcfgraph import __version__
from pcfgraph.api import ops
from pcfgraph.api.errors import install_error_handlers
from pcfgraph.http.compression import Compression
from pcfgraph.http.methods import HeadAsGet
from pcfgraph.http.root_path import RootPath
from pcfgraph.runtime import AppState

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_api(state: AppState, lifespan: Lifespan | None = None) -> FastAPI:
    """A FastAPI app answering the API's routes from ``state`` (settings and release in it)."""
    app = FastAPI(
        title="pcfgraph",
        version=__version__,
        description=(
            "Knowledge graph and semantic API over IT process frameworks (APQC PCF, IBM PRM-IT, "
            "IT-CMF, TRIM) with curated cross-framework mappings."
        ),
        lifespan=lifespan,
        # FastAPI's pages load Swagger UI and ReDoc from a CDN: ours are local (api_docs)
        docs_url=None,
        redoc_url=None,
        **_servers(state),
        **_telemetry_options(state),
    )
    app.state.pcf = state
    # its redirect wrote the Host header into Location: api/errors.py redirects, relative
    app.router.redirect_slashes = False
    install_error_handlers(app)
    from pcfgraph.api import sparql

    # Innermost: the answers' paths under the request's root path (a proxy's prefix), then gzip for the routes' large answers (pcfgraph.http.compression), then HEAD
    # answered as GET where no route takes HEAD itself (FastAPI's GET routes).
    app.add_middleware(RootPath)
    if state.settings.compress_min_bytes:
        app.add_middleware(Compression, minimum_size=state.settings.compress_min_bytes)
    app.add_middleware(HeadAsGet)
    # Then GET/POST /sparql without FastAPI routing (same endpoints).
    app.add_middleware(sparql.SparqlFastPath)
    ops.install(app)  # request id + metrics (one pure-ASGI layer), reloads, /metrics

    _include_routers(app)
    return app


def guard(app: FastAPI) -> None:
    """The outermost layer: head limits (414/431), security headers. Call last."""
    from pcfgraph.api import http_guard

    http_guard.install(app, app.state.pcf.settings)


def _servers(state: AppState) -> dict[str, Any]:
    """The OpenAPI ``servers``: the public URL when ``public_url`` is set
    (pcfgraph.http.public_url), else FastAPI's: the request's root path."""
    public = state.settings.public_base_url()
    return {} if public is None else {"servers": [{"url": public}], "root_path_in_servers": False}


def _telemetry_options(state: AppState) -> dict[str, Any]:
    """FastAPI 0.16x instruments every request for OpenTelemetry unless told not to (and
    checks the global providers on each request even when none is configured)."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    on = state.settings.opentelemetry
    return {"telemetry": {"tracing": on, "metrics": on, "logs": on}}


def _include_routers(app: FastAPI) -> None:
    """Each edge module contributes one router (one line per module)."""
    from pcfgraph.api import health

    app.include_router(health.router)
    from pcfgraph.api import validate

    app.include_router(validate.router)  # POST /validate (audit uploads, sandbox pool)
    from pcfgraph.api import model_inputs

    app.include_router(model_inputs.router)  # JSON-LD context and spreadsheet template
    from pcfgraph.api import deref, sparql

    sparql.install(app)  # /sparql, the sandbox pool (lifespan) and CORS
    from pcfgraph.api import named_queries

    app.include_router(named_queries.router)  # /queries
    app.include_router(deref.router)
    from pcfgraph.api import rule_pages

    app.include_router(rule_pages.router)  # /shapes: the rules at their IRIs
    from pcfgraph.api import mapping_exports

    app.include_router(mapping_exports.router)  # /mappings/{set}.sssom.tsv|.json|.ttl
    from pcfgraph.api import framework_exports

    app.include_router(framework_exports.router)  # /frameworks/{id}/export (CSV, XLSX)
    from pcfgraph.api import licences

    app.include_router(licences.router)  # /licences: what every answer's Link points at
    from pcfgraph.api import void

    app.include_router(void.router)  # /.well-known/void: the dataset's VoID description
    from pcfgraph.api import mcp

    mcp.install(app)  # /mcp: the MCP server over Streamable HTTP (same state and pool)
    from pcfgraph.api import graphql

    graphql.install(app)  # /graphql (+ GraphiQL and its assets at /graphql/assets)
    from pcfgraph.api import api_docs

    api_docs.install(app)  # /docs: Swagger UI on /openapi.json (assets at /docs/assets)
