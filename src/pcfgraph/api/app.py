"""The application factory. Settings and the release are passed in; nothing is global."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI

from pcfgraph import __version__
from pcfgraph.api import ops
from pcfgraph.api.errors import install_error_handlers
from pcfgraph.api.state import AppState
from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.serving import load_verified_release


def create_app(settings: Settings | None = None, release: Release | None = None) -> FastAPI:
    """Build the app around one verified release (assembled from data/ when not given)."""
    settings = settings or Settings()
    # Not given: load (or build) and verify it, checksum and SHACL (pcfgraph.serving).
    release = release if release is not None else load_verified_release(settings)
    app = FastAPI(
        title="pcfgraph",
        version=__version__,
        description=(
            "Knowledge graph and semantic API over IT process frameworks (APQC PCF, IBM PRM-IT, "
            "IT-CMF, TRIM) with curated cross-framework mappings."
        ),
        **_telemetry_options(settings),
    )
    app.state.pcf = AppState(settings=settings, release=release, catalog=QueryCatalog())
    install_error_handlers(app)
    from pcfgraph.api import sparql

    # Innermost of our middlewares: GET/POST /sparql without FastAPI routing (same endpoints).
    app.add_middleware(sparql.SparqlFastPath)
    ops.install(app)  # request id + metrics (one pure-ASGI layer), reloads, /metrics

    _include_routers(app)
    from pcfgraph.api import http_guard

    http_guard.install(app, settings)  # outermost: head limits (414/431), security headers
    return app


def _telemetry_options(settings: Settings) -> dict[str, Any]:
    """FastAPI 0.16x instruments every request for OpenTelemetry unless told not to (and
    checks the global providers on each request even when none is configured)."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    on = settings.opentelemetry
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

    sparql.install(app)  # /sparql, /queries, the sandbox pool (lifespan) and CORS
    app.include_router(deref.router)
    from pcfgraph.api import mapping_exports

    app.include_router(mapping_exports.router)  # /mappings/{set}.sssom.tsv|.json|.ttl
    from pcfgraph.api import mcp

    mcp.install(app)  # /mcp: the MCP server over Streamable HTTP (same state and pool)
    from pcfgraph.api import graphql

    graphql.install(app)  # /graphql (+ GraphiQL and its assets at /graphql/assets)
    from pcfgraph.web import views

    views.include(app)  # web workbench; keep last (element pages use /id/ when it exists)
