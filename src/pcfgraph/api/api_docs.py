"""``/docs``: the OpenAPI description as Swagger UI, served from this package (no CDN).

FastAPI's own ``/docs`` and ``/redoc`` pages load their scripts from a CDN: on a machine
without network they stay blank, and the server's Content-Security-Policy (``script-src
'self'``) refuses those scripts anyway. The app turns them off (:func:`pcfgraph.api.app.create_api`);
this module serves Swagger UI vendored in ``api/static/swagger-ui`` (its README says from
where, at which version and checksum), started by a script file (no inline script, as the
policy requires) with the online validator off. ``/redoc`` redirects here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from pcfgraph.api.errors import header, problem_responses
from pcfgraph.api.mcp import OPENAPI_OPERATION as MCP_OPERATION
from pcfgraph.api.mcp import PATH as MCP_PATH

PATH = "/docs"
ASSETS = "/docs/assets"


def static_dir() -> Path:
    """Swagger UI's vendored assets and the page template (package data, also in the wheel)."""
    return Path(__file__).resolve().parent / "static" / "swagger-ui"


def install(app: FastAPI) -> None:
    """Serve ``/docs`` (and its assets) for the app's OpenAPI description; ``/redoc`` to it."""
    describe_errors(app)
    openapi = app.openapi_url or "/openapi.json"
    page = (
        (static_dir() / "docs.html")
        .read_text(encoding="utf-8")
        .replace("{{ASSETS}}", ASSETS)
        .replace("{{OPENAPI}}", openapi)
    )

    @app.get(PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        return RedirectResponse(PATH, status_code=308)

    app.mount(ASSETS, StaticFiles(directory=str(static_dir())), name="swagger-ui-assets")


#: Paths whose errors are not problem+json (GraphQL answers ``{"errors": [...]}``; its route
#: describes its own responses).
OWN_ERRORS = ("/graphql", "/mcp")


def _describe_headers(responses: dict[str, Any]) -> None:
    """The headers answers carry that clients act on: a 303's ``Location``, and on the 200 of
    an operation that answers 304 the validators its 304 lists (what If-None-Match and
    If-Modified-Since send back)."""
    for status, response in responses.items():
        if status == "303":
            response.setdefault("headers", {})["Location"] = header("Where to look instead")
    validators = responses.get("304", {}).get("headers")
    if validators and "200" in responses:
        responses["200"].setdefault("headers", {}).update(validators)


def describe_errors(app: FastAPI) -> None:
    """Make the app's OpenAPI description say how errors really look.

    FastAPI documents a 422 ``HTTPValidationError`` on every operation with parameters; this
    app answers request validation errors 400 with problem+json (:mod:`pcfgraph.api.errors`),
    as every other error (404, 406, 413, 415, 429, 503 ...). Each operation's 422 of that kind
    goes, a ``default`` response says that any status it does not list is problem+json, and
    an error a route lists with no body (/ready's 503) gets that body."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = make()
        if any(getattr(r, "path", None) == MCP_PATH for r in app.router.routes):
            spec.setdefault("paths", {}).setdefault(MCP_PATH, {"post": MCP_OPERATION})
        default = problem_responses(0)[0]
        default["description"] = "Any other error: application/problem+json"
        for path, ops in spec.get("paths", {}).items():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                fastapis = responses.get("422", {}).get("content", {}).get("application/json")
                if fastapis and "HTTPValidationError" in str(fastapis.get("schema")):
                    del responses["422"]
                _describe_headers(responses)
                if path not in OWN_ERRORS:
                    responses.setdefault("default", default)
                    for status, response in responses.items():  # a bare 503, 403 ...
                        if status != "default" and int(status) >= 400:
                            response.setdefault("content", default["content"])
        schemas = spec.get("components", {}).get("schemas", {})
        if "HTTPValidationError" not in str(spec.get("paths")):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
