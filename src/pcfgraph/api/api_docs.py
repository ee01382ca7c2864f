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

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

PATH = "/docs"
ASSETS = "/docs/assets"


def static_dir() -> Path:
    """Swagger UI's vendored assets and the page template (package data, also in the wheel)."""
    return Path(__file__).resolve().parent / "static" / "swagger-ui"


def install(app: FastAPI) -> None:
    """Serve ``/docs`` (and its assets) for the app's OpenAPI description; ``/redoc`` to it."""
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
