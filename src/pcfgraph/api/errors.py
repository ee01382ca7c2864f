"""One place mapping domain errors to ``application/problem+json`` responses.

Every error body has a stable ``code``, a human ``detail``, the HTTP ``status`` and the
request id (also in the ``X-Request-ID`` header and the logs). No stack trace ever reaches
a client; unexpected exceptions become a generic 500 whose details go to the log only.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from pcfgraph.conneg import best_offer
from pcfgraph.errors import (
    MethodNotAllowed,
    NotAcceptable,
    NotFoundError,
    OtherCaseError,
    Overloaded,
    ParseError,
    PcfgraphError,
)
from pcfgraph.http.methods import allow_header, path_methods
from pcfgraph.http.public_url import route_path
from pcfgraph.terminal_text import printable

log = logging.getLogger("pcfgraph.api")

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    499: "Client Closed Request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


#: The OpenAPI schema of every error body of the HTTP API (:func:`problem`).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "stable problem code, e.g. not-found"},
        "detail": {"type": "string", "description": "what is wrong, in words"},
        "request_id": {"type": "string"},
    },
}


def openapi_content(*media_types: str) -> dict[str, dict[str, Any]]:
    """An OpenAPI ``content`` map of these media types (bodies not described further)."""
    return {media: {} for media in media_types}


def query_parameter(
    name: str,
    description: str = "",
    *,
    many: bool = False,
    enum: tuple[str, ...] = (),
    min_length: int = 0,
) -> dict[str, Any]:
    """An optional query parameter of an operation, for its OpenAPI ``parameters``: a string
    (one of ``enum`` when given; at least ``min_length`` characters when given at all, where
    the route refuses less), or a list of them when it may be given ``many`` times."""
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    if min_length:
        schema["minLength"] = min_length
    out: dict[str, Any] = {"name": name, "in": "query", "required": False}
    if description:
        out["description"] = description
    out["schema"] = {"type": "array", "items": schema} if many else schema
    return out


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for errors an operation answers with problem+json."""
    return {
        status: {
            "description": _TITLES.get(status, "Error") + " (application/problem+json)",
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def header(description: str) -> dict[str, Any]:
    """An OpenAPI response header entry (a string)."""
    return {"description": description, "schema": {"type": "string"}}


#: The validators a conditional answer carries, on its 200 and its 304 (RFC 9110 15.4.5).
VALIDATORS: dict[str, Any] = {
    "ETag": header("The answer's entity tag (weak when gzipped): If-None-Match sends it back"),
    "Cache-Control": header("How long a cache may keep it without asking"),
}
#: The validators of an answer made from the served release (:mod:`pcfgraph.http.conditional`).
RELEASE_VALIDATORS: dict[str, Any] = {
    **VALIDATORS,
    "Last-Modified": header("The served release's build time: If-Modified-Since sends it back"),
}
#: The OpenAPI entry of a 304 (:mod:`pcfgraph.http.conditional`): no body, the validators
#: (the 200 of an operation listing it gets them too: api_docs.describe_errors).
NOT_MODIFIED: dict[str, Any] = {
    "description": "The client's copy (If-None-Match with its ETag, or If-Modified-Since with "
    "the release's date when no If-None-Match is sent) is the answer: no body",
    "headers": RELEASE_VALIDATORS,
}


def page_or_problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for errors an operation answers with problem+json, or with the
    workbench's HTML error page for a browser (:func:`error_page`)."""
    out = problem_responses(*statuses)
    for status in statuses:
        out[status]["description"] += "; an HTML page for a browser"
        out[status]["content"]["text/html"] = {}
    return out


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if not rid:
        rid = uuid.uuid4().hex[:16]
        request.state.request_id = rid
    return str(rid)


def problem(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """The problem+json answer; ``detail`` with what would show raw made visible
    (:func:`pcfgraph.terminal_text.printable`): it quotes the request (a path, a parameter, a
    model's name), and a right-to-left override in an ``/id`` path turned the rest of the
    message around in the reader's browser or terminal."""
    rid = request_id(request)
    request.state.problem_code = code  # counted by the metrics middleware (api/ops.py)
    body: dict[str, Any] = {
        "type": f"https://w3id.org/pcfgraph/problems/{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": printable(detail),
        "request_id": rid,
    }
    if extra:
        body.update(extra)
    hdrs = {"X-Request-ID": rid, **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=hdrs)


def domain_problem(request: Request, exc: PcfgraphError) -> JSONResponse:
    """The problem+json answer to a domain error (``Retry-After`` when it is an overload,
    ``Vary: Accept`` for a 406: caches must not give it to a client asking otherwise)."""
    headers: dict[str, str] = {}
    if isinstance(exc, Overloaded):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, NotAcceptable):  # the answer was chosen by Accept (RFC 9110 12.5.5)
        headers["Vary"] = "Accept"
    extra: dict[str, Any] = {}
    if isinstance(exc, ParseError):
        extra = {"line": exc.line, "column": exc.column}
    if isinstance(exc, OtherCaseError):  # the identifier as the data writes it
        extra = {"canonical": exc.canonical}
    return problem(request, exc.http_status, exc.code, str(exc), headers=headers, extra=extra)


#: ``scope["state"]`` key of an endpoint whose clients read errors in another body than
#: problem+json (``/mcp``: JSON-RPC): a ``(request, error) -> Response`` making that body.
#: The layers around the endpoint answer its requests' refusals (:func:`refusal`: a
#: request the server's stop cut short) in it.
REFUSAL_FORM = "refusal_form"

RefusalForm = Callable[[Request, PcfgraphError], Response]


def refusal(request: Request, exc: PcfgraphError) -> Response:
    """The answer to ``exc`` given by a layer around the request's endpoint: in the body
    form the endpoint chose (:data:`REFUSAL_FORM`), else problem+json."""
    form: RefusalForm = request.scope.get("state", {}).get(REFUSAL_FORM, domain_problem)
    return form(request, exc)


def _prefers_html(request: Request) -> bool:
    """A browser's ``GET``/``HEAD``: an Accept header preferring ``text/html`` to
    problem+json (``*/*`` and no Accept header mean problem+json, as for every API)."""
    if request.method not in ("GET", "HEAD"):
        return False
    return best_offer(request.headers.get("accept"), (PROBLEM_JSON, "text/html")) == "text/html"


def error_page(request: Request, exc: PcfgraphError) -> Response | None:
    """The workbench's HTML error page for ``exc`` (a request error, 4xx) when a browser asks
    (:func:`_prefers_html`: a link to an ``/id`` IRI or a download with a wrong ``?format=``
    typed into the address bar), with the error's status and ``Vary: Accept``; None for API
    clients, server errors or an app without pages (they get problem+json)."""
    if not 400 <= exc.http_status < 500 or not _prefers_html(request):
        return None
    live = getattr(request.scope["app"].state, "pcf", None)
    render = live.pages.error if live is not None else None
    if render is None:
        return None
    request.state.problem_code = exc.code  # counted like the problem+json answer
    headers = {"Vary": "Accept", "X-Request-ID": request_id(request)}
    return HTMLResponse(render(exc.http_status, str(exc)), exc.http_status, headers=headers)


def pages_for_browsers(
    endpoint: Callable[..., Awaitable[Response]],
) -> Callable[..., Awaitable[Response]]:
    """An API route a browser opens too (a download the workbench links): its request errors
    as the workbench's error page for a browser (:func:`error_page`), problem+json else."""

    @functools.wraps(endpoint)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await endpoint(*args, **kwargs)
        except PcfgraphError as exc:
            request = kwargs.get("request")
            if not isinstance(request, Request) or exc.http_status >= 500:
                raise
            return page_or_problem(request, exc)

    return wrapper


def page_or_problem(request: Request, exc: PcfgraphError) -> Response:
    """A request error's answer where a browser gets the error page (:func:`error_page`): that
    page or problem+json, either with ``Vary: Accept`` (a 404 may be cached)."""
    answer = error_page(request, exc) or domain_problem(request, exc)
    answer.headers["Vary"] = "Accept"
    return answer


def _unknown_path_page(request: Request) -> Response | None:
    """The workbench's HTML 404 page for a path no route has, when a browser asks (an Accept
    header preferring ``text/html`` to problem+json: a mistyped or stale address in the
    address bar); None for API clients (``*/*``, no Accept header) or an app without pages."""
    if not _prefers_html(request):
        return None
    live = getattr(request.scope["app"].state, "pcf", None)
    render = live.pages.not_found if live is not None else None
    if render is None:
        return None
    request.state.problem_code = "not-found"  # counted like the problem+json 404
    detail = prefix_kept(request.scope) or f"no page at {request.url.path}"
    return HTMLResponse(render(detail), status_code=404, headers={"Vary": "Accept"})


def prefix_kept(scope: Scope) -> str | None:
    """What to say of a path no route has that starts with the root path, as a proxy that
    keeps its prefix passes requests on (uvicorn then puts the root path in front once more);
    None for any other."""
    root: str = scope.get("root_path", "")
    path = route_path(scope)
    if not root or not (path == root or path.startswith(root + "/")):
        return None
    return (
        f"no page at {path}: the proxy in front passed the path on with its prefix {root}, "
        f"which pcfgraph (root_path {root}) needs stripped before a request is passed on "
        "(nginx: proxy_pass with a slash after the port, as in http://127.0.0.1:8000/)"
    )


def _slash_redirect(request: Request) -> Response | None:
    """Starlette's trailing-slash redirect (``/search/`` -> ``/search``), made here with a
    relative ``Location``: Starlette's router wrote the request's ``Host`` header into it
    (``Host: evil.example`` -> ``location: http://evil.example/search``), which a cache in
    front keyed without Host would hand to everyone. Its router's ``redirect_slashes`` is
    off (:func:`pcfgraph.api.app.create_app`); the same rule: the path with its trailing
    slash dropped, or one added, when a route answers that."""
    scope = request.scope
    path: str = scope["path"]
    routed = route_path(scope)  # the bare root path ("/pcf") is "": it gets its slash
    if routed == "/":
        return None
    twin = dict(scope)
    twin["path"] = path.rstrip("/") if routed.endswith("/") else path + "/"
    if not any(route.matches(twin)[0] is not Match.NONE for route in request.app.router.routes):
        return None
    sent = scope.get("raw_path") or quote(path).encode()  # as the client wrote it
    prefix = scope.get("root_path", "").encode("latin-1")
    if routed != path and sent.startswith(prefix):  # root-relative: http.root_path puts it back
        sent = sent[len(prefix) :]
    moved = sent.rstrip(b"/") if routed.endswith("/") else sent + b"/"
    query = scope.get("query_string", b"")
    location = (moved + (b"?" + query if query else b"")).decode("latin-1")
    return RedirectResponse(location, status_code=307)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PcfgraphError)
    async def _domain(request: Request, exc: PcfgraphError) -> JSONResponse:
        if exc.http_status >= 500:
            rid = request_id(request)
            log.warning("request %s failed: %s: %s", rid, exc.code, exc, extra={"request_id": rid})
        return domain_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and exc.detail == "Not Found":  # no route has the path
            moved = _slash_redirect(request)
            if moved is not None:
                return moved
            page = _unknown_path_page(request)
            if page is not None:
                return page
        code = {404: NotFoundError.code, 405: MethodNotAllowed.code}.get(
            exc.status_code, "http-error"
        )
        headers = dict(exc.headers or {})
        detail = str(exc.detail)
        if exc.status_code == 404 and exc.detail == "Not Found":
            detail = prefix_kept(request.scope) or detail
        if exc.status_code == 405:  # the path's methods, not only the first route's
            methods = path_methods(request.app.router.routes, request.scope)
            if methods:
                allow = headers["Allow"] = allow_header(methods)
                detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allow}"
        return problem(request, exc.status_code, code, detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(
            request, 400, "bad-request", f"{where}: {first.get('msg', 'invalid request')}"
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid = request_id(request)
        log.exception("request %s: unexpected error", rid, extra={"request_id": rid})
        return problem(request, 500, "internal-error", "internal error; see the server log")
