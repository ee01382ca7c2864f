"""``/sparql`` (SPARQL 1.1 Protocol, read-only); ``/queries`` is :mod:`pcfgraph.api.named_queries`.

Ad-hoc client queries are untrusted: :mod:`pcfgraph.sparql_guard` refuses what must never
reach the engine (updates 403; ``SERVICE``, unknown graphs, deep nesting 400), then the query
runs to completion, and is serialised, in a sandbox worker (:mod:`pcfgraph.sandbox`), or in
this process when its work on the release is proven small (:mod:`pcfgraph.api.sparql_local`),
so a response is only started once the whole result exists (or an error replaces it).

Protocol details: ``GET ?query=``, ``POST application/x-www-form-urlencoded`` and
``POST application/sparql-query`` (a body with a ``Content-Encoding`` other than ``identity``
is 415); ``default-graph-uri``/``named-graph-uri`` name graphs of the
store (never fetched). Without them the default graph is the union of all graphs (unless the
query has ``FROM``); named graphs are available to ``GRAPH``. Updates (``update=``,
``application/sparql-update``, ``INSERT``/``LOAD``/...) get 403 ``update-forbidden``.
``GET /sparql`` without a query returns the SPARQL Service Description.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from pcfgraph.api.errors import (
    RELEASE_VALIDATORS,
    openapi_content,
    problem_responses,
    query_parameter,
)
from pcfgraph.api.sparql_local import LocalEvaluator
from pcfgraph.api.sparql_plan import (
    QueryPlan,
    answer_response,
    get_plan,
    known_graphs,
    plan_query,
)
from pcfgraph.api.sparql_request import (
    FORM_TYPE,
    QUERY_TYPE,
    UPDATE_TYPE,
    content_media_type,
    decode_utf8,
    form_params,
    one_param,
)
from pcfgraph.api.sparql_service import service_description
from pcfgraph.conneg import best_offer
from pcfgraph.errors import (
    Forbidden,
    InputError,
    UnsupportedMediaType,
)
from pcfgraph.http.bodies import content_coding, read_body
from pcfgraph.http.client_gone import run_for_client
from pcfgraph.http.public_url import route_path
from pcfgraph.http.root_path import RootPath
from pcfgraph.http.routes import walk_routes
from pcfgraph.runtime import AppState, app_state
from pcfgraph.sandbox.tasks import SPARQL_QUERY
from pcfgraph.sparql_results import (
    GRAPH_TYPES,
    RESULT_TYPES,
)
from pcfgraph.store import EmbeddedStore

if TYPE_CHECKING:
    from pcfgraph.sandbox.pool import WorkerPool


router = APIRouter(tags=["sparql"])

#: What a SPARQL answer may be (SELECT/ASK results, CONSTRUCT/DESCRIBE graphs), for OpenAPI.
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The query's answer in the negotiated format (GET without a query: "
        "the service description, or the query page for a browser)",
        "content": openapi_content(*RESULT_TYPES, *GRAPH_TYPES, "text/html"),
    },
    304: {
        "description": "The client's copy (If-None-Match) is the current answer",
        # the service description (GET without a query) also says the release's date
        "headers": RELEASE_VALIDATORS,
    },
    **problem_responses(400, 403, 406, 413, 415, 422, 429, 503),
}


_DATASET = [
    query_parameter("default-graph-uri", "A graph of the store for the default graph", many=True),
    query_parameter("named-graph-uri", "A graph of the store available to GRAPH", many=True),
]


# --- /sparql ----------------------------------------------------------------------------------


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET) or the service description",
    response_class=Response,
    responses=_ANSWERS,
    openapi_extra={
        "parameters": [
            query_parameter("query", "The SPARQL query (none: the description)", min_length=1),
            *_DATASET,
        ]
    },
)
async def sparql_get(request: Request) -> Response:
    state = app_state(request)
    plan = get_plan(request, state)
    if plan is None:
        page = state.pages.sparql
        if page is not None and html_preferred(request.headers.get("accept")):
            response = page(request)  # a person's browser: the query page (pcfgraph.web)
            response.headers["Vary"] = "Accept"  # chosen by Accept, as the description is
            return response
        return service_description(request, state, known_graphs(state))
    return await run_plan(request, state, plan)


def sparql_get_now(request: Request) -> tuple[Response | None, QueryPlan | None]:
    """:func:`sparql_get`'s response when it is made without waiting, else None (with nothing
    done that the request, answered through the ASGI app instead, would see: see
    :mod:`pcfgraph.api.fast_path`): a cache hit, a 304, an answer evaluated in this process
    on the event loop, or the same errors as :func:`sparql_get` raises; and its plan."""
    state = app_state(request)
    plan = get_plan(request, state)
    return (None if plan is None else answer_now(state, plan)), plan


def answer_now(state: AppState, plan: QueryPlan) -> Response | None:
    """:func:`run_plan`'s response when it is made without waiting, else None."""
    if plan.response is not None:
        plan.counted()
        return plan.response
    if plan.pool is None:
        return None
    result = evaluate_now(state, plan.pool, plan.payload)
    if result is None:
        return None
    plan.counted()
    return plan.answered(result)


def html_preferred(accept: str | None) -> bool:
    """Whether an Accept header asks for HTML before any service-description type: browsers
    (``text/html`` listed, ``*/*`` ranked lower). ``*/*``, no header and RDF clients keep
    getting the service description exactly as before."""
    if not accept or "text/html" not in accept:
        return False
    return best_offer(accept, (*GRAPH_TYPES, "text/html")) == "text/html"


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST form or POST direct)",
    response_class=Response,
    responses=_ANSWERS,
    openapi_extra={
        "parameters": _DATASET,
        "requestBody": {
            "required": True,
            "content": {
                FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {"query": {"type": "string", "minLength": 1}},
                    }
                },
                QUERY_TYPE: {"schema": {"type": "string", "minLength": 1}},  # "": 400
            },
        },
    },
)
async def sparql_post(request: Request) -> Response:
    state = app_state(request)
    media, url_params = post_media(request)
    body = await read_body(request, state.settings.max_body_bytes)
    plan = plan_query(request, state, *post_query(media, url_params, body))
    return await run_plan(request, state, plan)


def post_media(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The media type and the query-string parameters of a ``POST /sparql``, checked before
    its body is read (updates 403, other media types and charsets 415)."""
    media, ctparams = content_media_type(request)
    coding = content_coding(request)
    if coding is not None:
        raise UnsupportedMediaType(
            f"POST /sparql takes an uncompressed body, not Content-Encoding: {coding}"
        )
    url_params = form_params(request.scope.get("query_string", b""), "the query string")
    if media == UPDATE_TYPE:
        raise Forbidden(
            "this endpoint is read-only: SPARQL updates are refused", code="update-forbidden"
        )
    if media not in (FORM_TYPE, QUERY_TYPE):
        raise UnsupportedMediaType(
            f"POST /sparql takes {FORM_TYPE} or {QUERY_TYPE}, not {media or 'no Content-Type'}"
        )
    charset = ctparams.get("charset", "utf-8")
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"request bodies must be UTF-8, not charset={charset}")
    return media, url_params


def post_query(
    media: str, url_params: list[tuple[str, str]], body: bytes
) -> tuple[str, list[tuple[str, str]]]:
    """The query text and the parameters of a ``POST /sparql`` of ``media`` (its body read)."""
    if media == QUERY_TYPE:
        if one_param(url_params, "query") is not None:
            raise InputError("a POST of application/sparql-query must not also have ?query=")
        return decode_utf8(body, "the request body"), url_params
    form = form_params(body, "the request body")
    if one_param(form, "update") is not None:
        raise Forbidden(
            "this endpoint is read-only: SPARQL updates are refused", code="update-forbidden"
        )
    query = one_param(form, "query")
    if query is None:
        raise InputError("the form has no 'query' parameter", code="missing-query")
    return query, form + url_params


def sparql_post_now(request: Request, body: bytes) -> tuple[Response | None, QueryPlan | None]:
    """:func:`sparql_post`'s response to a request whose whole ``body`` has arrived, when it
    is made without waiting, else None, and its plan (as :func:`sparql_get_now`)."""
    state = app_state(request)
    media, url_params = post_media(request)
    if len(body) > state.settings.max_body_bytes:
        return None, None  # read_body's 413
    plan = plan_query(request, state, *post_query(media, url_params, body))
    return answer_now(state, plan), plan


async def run_plan(request: Request, state: AppState, plan: QueryPlan) -> Response:
    """The response of a planned query (:func:`plan_query`), waiting for its evaluation."""
    plan.counted()
    if plan.response is not None:
        return plan.response
    if plan.pool is None:  # a remote store (plan_query: no pool without one)
        remote = state.services.remote_store
        assert remote is not None
        result = await asyncio.to_thread(remote.run_protocol_query, plan.payload)
        return answer_response(result["body"], result["content_type"])
    return plan.answered(await evaluate(request, state, plan.pool, plan.payload))


async def evaluate(
    request: Request, state: AppState, pool: WorkerPool, payload: dict[str, Any]
) -> dict[str, Any]:
    """The answer to one checked query: in this process when its work on the served release
    is proven small (:mod:`pcfgraph.api.sparql_local`), else in a sandbox worker."""
    settings = state.settings
    found = local_work(state, pool, payload)
    if found is not None:
        local, store, work = found
        answer = await local.run(store, payload, work, settings.query_timeout)
        if answer is not None:
            return answer
    # A worker's task may run to the deadline: stopped if the client leaves first.
    result: dict[str, Any] = await run_for_client(
        request, pool, SPARQL_QUERY, payload, settings.query_timeout
    )
    return result


def evaluate_now(
    state: AppState, pool: WorkerPool, payload: dict[str, Any]
) -> dict[str, Any] | None:
    """The answer to one checked query when :func:`evaluate` would make it without waiting
    (in this process, on the event loop: ``LocalEvaluator.runs_inline``), else None. A
    query that falls back to the worker from there (an engine error) returns None too and
    goes on to the worker without another try here (``LocalEvaluator.bound`` is None for
    its text from then on)."""
    found = local_work(state, pool, payload)
    if found is None:
        return None
    local, store, work = found
    if not local.runs_inline(store, payload, work):
        return None
    return local.run_inline(store, payload, work, state.settings.query_timeout)


def local_work(
    state: AppState, pool: WorkerPool, payload: dict[str, Any]
) -> tuple[LocalEvaluator, EmbeddedStore, int] | None:
    """The in-process evaluator, the store and the proven work bound of a query it may
    evaluate (the served release is the pool's), else None."""
    local = local_evaluator(state)
    if local is None:
        return None
    release = state.release
    manifest = release.manifest
    release_id = manifest.get("release_id") if isinstance(manifest, dict) else None
    if not release_id or release_id != pool.release_id:
        return None
    store = release.store
    work = local.bound(str(release_id), store, payload["query"], release)
    return None if work is None else (local, store, work)


def local_evaluator(state: AppState) -> LocalEvaluator | None:
    """The app's in-process evaluator (None when ``sparql_inprocess_work`` is 0)."""
    runtime = state.runtime
    settings = runtime.settings
    if settings.sparql_inprocess_work <= 0:
        return None
    local = runtime.caches.sparql_local.get(
        lambda: LocalEvaluator(
            settings.sparql_inprocess_work,
            settings.query_workers,
            waiting=settings.max_concurrent_expensive,
        )
    )
    assert isinstance(local, LocalEvaluator)
    return local


def prepare_local(state: AppState) -> None:
    """The in-process evaluator's statistics of the served release, computed now (before
    ``--http-workers`` forks: :func:`pcfgraph.serving.prepare_shared`)."""
    local = local_evaluator(state)
    manifest = state.release.manifest
    release_id = manifest.get("release_id") if isinstance(manifest, dict) else None
    if local is None or not release_id or state.services.remote_store is not None:
        return
    local.prepare_now(str(release_id), state.store, state.release)


class SparqlFastPath:
    """``GET``/``POST /sparql`` served without FastAPI's routing and exception layers.

    Innermost of our middlewares (inside request id, metrics and CORS, which still see every
    request). For ``/sparql`` it calls the *same* endpoint functions the FastAPI routes use
    (:func:`sparql_get`, :func:`sparql_post`), sets ``scope["route"]`` to their route (metrics
    count the route template) and turns exceptions into responses with the app's own
    exception handlers, as Starlette's ``ExceptionMiddleware`` would (unhandled ones propagate
    to the server-error handler, as before). Other methods and paths go on to FastAPI, and the
    routes stay registered there for OpenAPI. Saves the router scan, dependency resolution and
    two middleware layers per query (about 0.1 ms). Under a proxy's prefix (``root_path``)
    too, its answer passed through :class:`~pcfgraph.http.root_path.RootPath` as the routes'
    answers are (behind nginx a cheap query took ~0.3 ms more server CPU through the routes).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._endpoints: dict[str, tuple[APIRoute, Any]] | None = None

    def _find(self, app: FastAPI) -> dict[str, tuple[APIRoute, Any]]:
        found: dict[str, tuple[APIRoute, Any]] = {}
        for path, route in walk_routes(app.router.routes):
            if path == "/sparql" and isinstance(route, APIRoute):
                methods = route.methods or set()
                if route.endpoint is sparql_get and "GET" in methods:
                    found["GET"] = (route, sparql_get)
                elif route.endpoint is sparql_post and "POST" in methods:
                    found["POST"] = (route, sparql_post)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # under a proxy's prefix (root_path) the path is /pcf/sparql: the route's is /sparql
        if scope["type"] != "http" or route_path(scope) != "/sparql":
            await self.app(scope, receive, send)
            return
        app: FastAPI = scope["app"]
        target = self.target(scope)
        if target is None:
            await self.app(scope, receive, send)
            return
        endpoint = target[1]
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = _exception_handler(app, exc)
            if handler is None:
                raise
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
        if scope.get("root_path"):
            # its answer passes the layer the routes' answers pass (Link, Location and HTML
            # under the prefix, http.root_path); the others inside this one leave /sparql
            # alone (Compression) or take only HEAD (HeadAsGet)
            await RootPath(response)(scope, receive, send)
            return
        await response(scope, receive, send)

    def target(self, scope: Scope) -> tuple[APIRoute, Any] | None:
        """The route and endpoint of a ``/sparql`` request's method (None: FastAPI's), set in
        its scope as FastAPI's routing sets them (metrics count the route's template)."""
        if self._endpoints is None:
            self._endpoints = self._find(scope["app"])
        target = self._endpoints.get(scope["method"])
        if target is not None:
            scope["route"], scope["endpoint"] = target
            scope["path_params"] = {}
        return target

    @staticmethod
    def handled_now(request: Request, exc: Exception) -> Response | None:
        """The response the app's handler of ``exc`` makes, made now (the handlers of the
        errors ``/sparql`` raises are coroutines that never wait); None when there is no
        handler (the server-error layer answers) or it would wait."""
        handler = _exception_handler(request.scope["app"], exc)
        if handler is None or not inspect.iscoroutinefunction(handler):
            return None
        made = handler(request, exc)
        try:
            made.send(None)
        except StopIteration as done:
            response: Response = done.value
            return response
        made.close()
        return None


def _exception_handler(app: FastAPI, exc: Exception) -> Any:
    """The handler Starlette's ``ExceptionMiddleware`` would pick (``Exception`` excluded)."""
    handlers = app.exception_handlers
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None


def install(app: FastAPI) -> None:
    """Add the router (its lifespan runs the sandbox pool) and CORS from the settings."""
    state: AppState = app.state.pcf
    app.include_router(router)
    origins = list(state.settings.cors_origins)
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Accept", "Content-Type", "X-Request-ID", "If-None-Match"],
            # what a page must read: the request id, a refusal's wait, an audit's verdict,
            # a download's file name, a /sparql answer's ETag, an /id resource's canonical IRI
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "X-Audit-Conforms",
                "X-Audit-Fails",
                "Content-Disposition",
                "ETag",
                "Link",
            ],
            max_age=600,
        )
