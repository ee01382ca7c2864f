"""``/graphql``: strawberry's FastAPI router with pcfgraph's context, limits, errors and a
self-hosted GraphiQL.

* POST ``application/json`` (one operation; a JSON array is a batch, refused with 400 unless
  ``graphql_allow_batching``), GET with ``?query=`` for queries (a mutation sent by GET is
  405 with ``Allow: POST``, as GraphQL over HTTP says).
* ``Accept: application/graphql-response+json`` gets that media type and, as the GraphQL over
  HTTP spec asks, status 400 when the request failed before execution (parse or validation
  error, limits included). ``application/json`` clients get 200 with ``errors``.
* Transport errors are ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}`` with
  their 4xx status (in the media type the client prefers, as every answer), each with the
  code of :mod:`pcfgraph.errors` the HTTP API gives that refusal (:mod:`.transport`)
  and naming the problem: JSON that does not parse (the body, or which query parameter, with
  line and column), a body that is no operation, batching refused, a POST that is not
  ``application/json`` or is compressed (``Content-Encoding``: 415), a body over
  ``max_body_bytes`` (413, before it is all read).
* A browser (``Accept: text/html``) GET gets GraphiQL, whose scripts and styles are served
  from ``/graphql/assets/`` (vendored in ``api/static/graphiql``; no CDN).
* Every answer says ``Vary: Accept`` (the media type, the status and GraphiQL depend on it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from cross_web import HTTPException
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Message, Receive
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from pcfgraph.api.errors import query_parameter, request_id
from pcfgraph.api.graphql.context import GraphQLContext
from pcfgraph.api.graphql.errors import request_error
from pcfgraph.api.graphql.schema import build_schema
from pcfgraph.api.graphql.transport import (
    GRAPHQL_RESPONSE,
    Refused,
    transport_code,
    transport_error,
    wants_graphql_response,
)
from pcfgraph.api.graphql.variables import check_request_body, decode_request_json
from pcfgraph.conneg import base_media_type, by_name
from pcfgraph.errors import (
    MethodNotAllowed,
    ParseError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from pcfgraph.http.bodies import content_coding, read_body
from pcfgraph.http.licence import LINK
from pcfgraph.runtime import app_state

PATH = "/graphql"
ASSETS = "/graphql/assets"


def static_dir() -> Path:
    """GraphiQL's vendored assets and page template (package data, also in the wheel)."""
    return Path(__file__).resolve().parent.parent / "static" / "graphiql"


class PcfgraphGraphQLRouter(GraphQLRouter):
    #: Limits on request JSON and bodies (set by :func:`install` from the settings).
    max_variables_depth = 16
    max_variables_bytes = 65536
    max_body_bytes = 4 * 1024 * 1024

    def parse_json(self, data: str | bytes) -> Any:
        """strawberry's, with what and where: "Unable to parse request body as JSON" was all."""
        return self._parse_json(data, "the request body")

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        """strawberry's, naming the parameter that is not JSON (it said "request body")."""
        parsed = dict(params)
        for name in ("variables", "extensions"):
            if parsed.get(name):
                parsed[name] = self._parse_json(parsed[name], f"the {name} query parameter")
        return parsed

    async def parse_http_body(self, request: Any) -> Any:
        """A POST that is not JSON is a 415 saying what to send ("Unsupported content type",
        400, said neither); a media type is read regardless of case (``Application/JSON``
        was refused)."""
        if request.method == "GET":
            return await super().parse_http_body(request)
        given = _media_type(request)
        if given != "application/json" and not (
            self.multipart_uploads_enabled and given == "multipart/form-data"
        ):
            sent = f"not {given}" if given else "and this one has none"
            raise Refused(
                415,
                f'a GraphQL POST is sent with Content-Type application/json ({{"query": ...}}), '
                f"{sent}; or GET {PATH}?query=",
                UnsupportedMediaType.code,
            )
        return await super().parse_http_body(cast(Any, _LowerCaseContentType(request)))

    def _parse_json(self, data: str | bytes, what: str) -> Any:
        try:
            return self.decode_json(data)
        except json.JSONDecodeError as exc:
            raise Refused(
                400,
                f"{what} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                ParseError.code,
            ) from None
        except UnicodeDecodeError as exc:  # json.loads of bytes decodes them first
            bad = exc.object[exc.start : exc.start + 1].hex()
            raise Refused(
                400,
                f"{what} is not {exc.encoding.upper()}: byte 0x{bad} at offset {exc.start}",
                ParseError.code,
            ) from None

    def decode_json(self, data: str | bytes) -> object:
        """Request JSON with bounded variables (:mod:`.variables`), never a 500."""
        doc = decode_request_json(
            data, max_depth=self.max_variables_depth, max_bytes=self.max_variables_bytes
        )
        if isinstance(data, bytes):  # a POST body (GET ?variables= and ?extensions= are text)
            batching = self.schema.config.batching_config
            check_request_body(
                doc,
                batching=batching is not None,
                max_operations=batching["max_operations"] if batching is not None else None,
            )
        return doc

    async def process_result(self, request: Any, result: Any) -> Any:
        """strawberry's, without ``data`` for a request error (:func:`.errors.request_error`:
        nothing was executed). The GraphQL spec leaves it out then, and GraphQL over HTTP
        reads a ``data`` entry, null too, as an executed (partial) answer, which is 2xx:
        strawberry's ``"data": null`` beside a graphql-response+json 400 said both."""
        response = await super().process_result(request, result)
        if isinstance(response, dict) and request_error(result.data, result.errors):
            response.pop("data", None)
        return response

    async def execute_single(  # type: ignore[override]
        self, request: Any, request_adapter: Any, **kwargs: Any
    ) -> Any:
        """strawberry's, with a mutation sent by GET refused as GraphQL over HTTP says: "GET
        requests MUST NOT be used for executing mutation operations. If the values of {query}
        and {operationName} indicate that a mutation operation is to be executed, the server
        MUST respond with error status code 405 (Method Not Allowed)" (strawberry said 400);
        :meth:`run` adds ``Allow: POST``."""
        try:
            return await super().execute_single(request, request_adapter, **kwargs)
        except HTTPException as exc:
            cause = exc.__cause__
            if (
                isinstance(cause, InvalidOperationTypeError)
                and cause.operation_type is OperationType.MUTATION
                and request_adapter.method == "GET"
            ):
                raise Refused(
                    405,
                    f"a mutation is sent by POST, not GET ({exc.reason})",
                    MethodNotAllowed.code,
                ) from cause
            raise

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        html = (static_dir() / "graphiql.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("{{ASSETS}}", ASSETS).replace("{{ENDPOINT}}", PATH))

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context=context, root_value=root_value)
        body: bytes | None = None
        try:
            if request.method == "POST" and _media_type(request) == "application/json":
                coding = content_coding(request)
                if coding is not None:  # its bytes are not the JSON
                    return transport_error(
                        request,
                        f"a GraphQL POST takes an uncompressed body, not Content-Encoding: "
                        f"{coding}",
                        415,
                        UnsupportedMediaType.code,
                    )
                # read under max_body_bytes (413 before and while reading), not whole
                body = await read_body(request, self.max_body_bytes)
                request = Request(request.scope, _replaying(body, request.receive))
        except PayloadTooLarge as exc:
            return transport_error(request, str(exc), exc.http_status, exc.code)
        try:
            response = await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            reason = exc.reason
            if reason.startswith("Unknown operation named"):
                reason = _naming_operations(reason, request, body)
            refused = transport_error(request, reason, exc.status_code, transport_code(exc))
            if exc.status_code == 405:  # RFC 9110 15.5.6: the methods that would do
                refused.headers["Allow"] = "POST"
            return refused
        if isinstance(response, Response):
            # GraphiQL or JSON, application/json or graphql-response+json (and its 400):
            # chosen by the Accept header, so caches must key on it
            response.headers.add_vary_header("Accept")
            if response.media_type == "application/json" and response.status_code == 200:
                response.headers["Link"] = LINK  # an answer from the graph: its licences
        if (
            isinstance(response, Response)
            and response.media_type == "application/json"
            and wants_graphql_response(request)
        ):
            response.headers["content-type"] = by_name("graphql-response").content_type
            if isinstance(context, GraphQLContext) and not context.executed:
                response.status_code = 400
        return response


def _naming_operations(reason: str, request: Request, body: bytes | None) -> str:
    """Strawberry's 'Unknown operation named "C".' with the operations the document has, as
    the error of a missing operationName names them (the request's query parsed again: only
    on this error path)."""
    try:
        doc = json.loads(body) if body is not None else dict(request.query_params)
        names = [
            d.name.value if d.name else "(anonymous)"
            for d in parse(doc["query"]).definitions
            if isinstance(d, OperationDefinitionNode)
        ]
    except (ValueError, KeyError, TypeError, GraphQLError):
        return reason
    return f"{reason.removesuffix('.')}; the document's operations: {', '.join(names)}."


def _media_type(request: Any) -> str:
    """The request's media type, in lower case and without parameters ("" when none); the
    request is Starlette's or strawberry's adapter of it."""
    return base_media_type(str(request.headers.get("content-type") or ""))


def _replaying(body: bytes, receive: Receive) -> Receive:
    """An ASGI ``receive`` that gives ``body`` (already read) first, then ``receive``'s
    messages (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class _LowerCaseContentType:
    """A request adapter whose ``content_type`` is in lower case (strawberry compares it as
    written); everything else is the adapter's."""

    def __init__(self, request: Any) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    @property
    def content_type(self) -> str:
        return str(self._request.content_type or "").lower()


async def get_context(connection: HTTPConnection) -> GraphQLContext:
    state = app_state(connection)  # type: ignore[arg-type]
    settings = state.settings
    return GraphQLContext(
        state,
        request_id(connection),  # type: ignore[arg-type]
        max_nodes=settings.graphql_max_nodes,
    )


def install(app: FastAPI) -> None:
    """Mount ``/graphql`` (and GraphiQL's assets) on the app, with the app's settings."""
    settings = app.state.pcf.settings
    router = PcfgraphGraphQLRouter(
        build_schema(settings),
        path=PATH,
        context_getter=get_context,
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        subscription_protocols=(),
    )
    router.max_variables_depth = settings.graphql_max_variables_depth
    router.max_variables_bytes = settings.graphql_max_variables_bytes
    router.max_body_bytes = settings.max_body_bytes
    describe(router)
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=str(static_dir())), name="graphiql-assets")


_GRAPHQL_ERRORS = {"schema": {"type": "object", "required": ["errors"]}}


def describe(router: GraphQLRouter) -> None:
    """What ``/graphql`` really answers, for the app's OpenAPI description (strawberry's
    routes said 200 ``application/json`` only, and a 404 this app never answers)."""
    answers: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "The GraphQL response (data and/or errors)",
            "content": {"application/json": {}, GRAPHQL_RESPONSE: {}},
        },
        400: {
            "description": "A request that is no GraphQL operation (JSON that does not parse, "
            "a refused batch ...), or, for application/graphql-response+json, one that fails "
            'before execution: {"errors": [...]}',
            "content": {"application/json": _GRAPHQL_ERRORS, GRAPHQL_RESPONSE: _GRAPHQL_ERRORS},
        },
    }
    operation = {
        "type": "object",
        "required": ["query"],  # none, null or "" is 400 "No GraphQL query found"
        "properties": {
            "query": {"type": "string", "minLength": 1},
            "variables": {"type": ["object", "null"]},
            "operationName": {"type": ["string", "null"]},
            "extensions": {"type": ["object", "null"]},
        },
    }
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        route.responses = dict(answers)
        if "POST" in (route.methods or ()):
            route.responses[413] = {
                "description": "A body over max_body_bytes",
                "content": {"application/json": _GRAPHQL_ERRORS, GRAPHQL_RESPONSE: _GRAPHQL_ERRORS},
            }
            route.responses[415] = {
                "description": "A POST whose Content-Type is not application/json",
                "content": {"application/json": _GRAPHQL_ERRORS, GRAPHQL_RESPONSE: _GRAPHQL_ERRORS},
            }
            route.openapi_extra = {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": operation}},
                }
            }
        else:
            route.responses[405] = {
                "description": "A mutation sent by GET (GraphQL over HTTP): send it by POST",
                "headers": {"Allow": {"schema": {"type": "string", "enum": ["POST"]}}},
                "content": {"application/json": _GRAPHQL_ERRORS, GRAPHQL_RESPONSE: _GRAPHQL_ERRORS},
            }
            if router.graphql_ide:
                route.responses[200] = {
                    "description": "The GraphQL response; GraphiQL for a browser's Accept",
                    "content": {**answers[200]["content"], "text/html": {}},
                }
            route.openapi_extra = {
                "parameters": [
                    query_parameter("query", min_length=1),
                    *(
                        query_parameter(name)
                        for name in ("variables", "operationName", "extensions")
                    ),
                ]
            }
