"""The transport errors of ``/graphql`` (:mod:`.router`): refusals below the GraphQL layer
(JSON that does not parse, a wrong content type, a missing query, a mutation by GET ...),
answered ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}`` in the media type
the client prefers, with the code of :mod:`pcfgraph.errors` the HTTP API gives the same
refusal. They had no code, where every request and field error has one."""

from __future__ import annotations

from cross_web import HTTPException
from fastapi.responses import JSONResponse
from starlette.requests import Request
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError

from pcfgraph.api.errors import request_id
from pcfgraph.conneg import best_offer, by_name
from pcfgraph.errors import (
    InputError,
    MethodNotAllowed,
    NotFoundError,
    PayloadTooLarge,
    PcfgraphError,
    UnsupportedMediaType,
)
from pcfgraph.terminal_text import printable

GRAPHQL_RESPONSE = by_name("graphql-response").media_type
_OFFERS = (by_name("json").media_type, GRAPHQL_RESPONSE)


def wants_graphql_response(request: Request) -> bool:
    """True when the client prefers application/graphql-response+json over application/json
    (``*/*``, no Accept header and ties get application/json, the server's first offer)."""
    return best_offer(request.headers.get("accept"), _OFFERS) == GRAPHQL_RESPONSE


class Refused(HTTPException):
    """A transport refusal of the router's own, with the code of :mod:`pcfgraph.errors` it
    is (request JSON that does not parse: ``parse-error``)."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


#: The code of a transport refusal by its status: the one the HTTP API's problems give it.
_STATUS_CODES = {
    400: InputError.code,
    404: NotFoundError.code,
    405: MethodNotAllowed.code,
    413: PayloadTooLarge.code,
    415: UnsupportedMediaType.code,
}


def transport_code(exc: HTTPException) -> str:
    """The ``extensions.code`` of a transport error: they had none, where a request error
    has one (:mod:`.errors`), so a client branching on codes met a bare message. A body
    without a query is ``missing-query`` (as ``/sparql`` says it), an operation that cannot
    be chosen ``invalid-query`` (as graphql-core's "Must provide operation name"), the rest
    the code of their status (``bad-input``, ``unsupported-media-type`` ...)."""
    if isinstance(exc, Refused):
        return exc.code
    if isinstance(exc.__cause__, MissingQueryError):
        return "missing-query"
    if isinstance(exc.__cause__, CannotGetOperationTypeError):
        return "invalid-query"
    fallback = InputError.code if exc.status_code < 500 else PcfgraphError.code
    return _STATUS_CODES.get(exc.status_code, fallback)


def transport_error(request: Request, message: str, status: int, code: str) -> JSONResponse:
    """``{"errors": [{"message": ..., "extensions": {"code": ...}}]}`` with ``status``, in the
    media type the client prefers (application/graphql-response+json or application/json)."""
    response = JSONResponse(
        {"errors": [{"message": printable(message), "extensions": {"code": code}}]},
        status_code=status,
        headers={"X-Request-ID": request_id(request)},
    )
    if wants_graphql_response(request):
        response.headers["content-type"] = by_name("graphql-response").content_type
    response.headers.add_vary_header("Accept")
    return response
