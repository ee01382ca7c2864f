"""``/queries`` (named queries over HTTP): the catalogue and one query run with its parameters.

Named queries are trusted (shipped in ``queries/``) and run in-process on the app's store
(embedded, or remote with ``--store``), parameters bound as RDF terms.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from pcfgraph import services
from pcfgraph.api.errors import NOT_MODIFIED, openapi_content, problem_responses
from pcfgraph.api.sparql_plan import query_store
from pcfgraph.api.sparql_request import form_params
from pcfgraph.conneg import content_type, negotiate
from pcfgraph.errors import InputError
from pcfgraph.http.conditional import download, not_modified
from pcfgraph.queries import NamedQuery
from pcfgraph.query_params import ELEMENT, ELEMENT_CODE, XSD, Param
from pcfgraph.runtime import app_state
from pcfgraph.sparql_results import (
    GRAPH_TYPES,
    RESULT_TYPES,
    offers_for,
    serialize_boolean,
    serialize_select,
    serialize_triples,
)
from pcfgraph.store import GraphStore

router = APIRouter(tags=["sparql"])


@router.get(
    "/queries",
    summary="The named queries (name, summary, parameters)",
    response_class=Response,
    responses={
        200: {"description": "The named queries", "content": openapi_content("application/json")},
        304: NOT_MODIFIED,
    },
)
def list_queries(request: Request) -> Response:
    """The catalogue: the same on one release (a framework parameter's enum is the release's
    framework ids), so it carries a strong ETag and ``If-None-Match`` gets 304 without it
    being made again, as every download does (:mod:`pcfgraph.http.conditional`)."""
    state = app_state(request)
    key = ("queries",)
    if (unchanged := not_modified(request, state, key)) is not None:
        return unchanged
    # a parameter whose values come from the data (framework ids) lists them as its enum
    values = services.param_values(services.Reader(query_store(state), state.catalog))

    def described(p: Param) -> dict[str, object]:
        out = p.described()
        if p.domain is not None and p.domain not in (ELEMENT_CODE, ELEMENT):  # too many to list
            out["enum"] = values(p.domain)
        return out

    root = request.scope.get("root_path", "")  # a proxy's path prefix (http/root_path.py)
    listed = {
        "queries": [
            {
                "name": q.name,
                "summary": q.summary,
                "form": q.form,
                "href": f"{root}/queries/{q.name}",
                "params": [described(p) for p in q.params],
            }
            for q in state.catalog
        ]
    }
    # as JSONResponse writes it
    body = json.dumps(listed, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return download(
        request, state, key, body.encode("utf-8"), "application/json", {}, licensed=False
    )


@router.get(
    "/queries/{name:path}",
    summary="Run one named query; parameters as ?name=value",
    response_class=Response,
    responses={
        200: {
            "description": "SPARQL results (SELECT, ASK) or RDF (CONSTRUCT), as negotiated",
            "content": openapi_content(*RESULT_TYPES, *GRAPH_TYPES),
        },
        304: NOT_MODIFIED,
        **problem_responses(400, 404, 406),
    },
)
async def run_named(name: str, request: Request) -> Response:
    state = app_state(request)
    nq = state.catalog.get(name)
    values: dict[str, object] = {}
    for key, value in form_params(request.scope.get("query_string", b""), "the query string"):
        if key in values:
            raise InputError(f"parameter {key!r} given more than once")
        values[key] = value
    media = negotiate(request.headers.get("accept"), offers_for(nq.form), what=f"query {nq.name}")
    # validate parameters before doing any work: a framework id the release does not hold
    # is refused naming those it does (it was an empty answer, as if there were none), one
    # in another case is the one it names (PRM-IT is prm-it, the rule of every edge)
    reader = services.Reader(query_store(state), state.catalog)
    bound = await asyncio.to_thread(nq.bind, values, services.param_values(reader))
    values = {v.value: term for v, term in bound.items()}  # run as checked and spelled
    # A release never changes: the answer is kept by the client (a weak tag by release, query,
    # bound values and media type: equivalent rows, not promised the same bytes), and its
    # copy asked about again is 304 without the query running (the values checked first).
    terms = tuple(sorted((v.value, by_value(t)) for v, t in bound.items()))
    kept = ("named-query", nq.name, terms, media)
    if (
        unchanged := not_modified(request, state, kept, same_bytes=False, vary="Accept")
    ) is not None:
        return unchanged
    body = await asyncio.to_thread(run_trusted, query_store(state), nq, values, media)
    return download(
        request, state, kept, body, content_type(media), {}, same_bytes=False, vary="Accept"
    )


def by_value(term: ox.NamedNode | ox.Literal) -> str:
    """A bound value as its answer's ETag names it: a decimal by its value (``0.5``, ``0.50``
    and ``.5`` bind one number, the same rows, and were three tags: a cache miss for each
    spelling), anything else as bound (integers, booleans and framework ids already are)."""
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "decimal":
        number = Decimal(term.value)
        return f"{number.normalize() if number else 0}^^decimal"
    return str(term)


def run_trusted(store: GraphStore, nq: NamedQuery, values: dict[str, object], media: str) -> bytes:
    """Run a trusted named query and serialise it (SELECT, ASK, CONSTRUCT/DESCRIBE)."""
    if nq.form == "SELECT":
        result = store.select(nq, values)
        rows = ([row.get(v) for v in result.variables] for row in result.rows)
        return serialize_select(result.variables, rows, media)
    if nq.form == "ASK":
        return serialize_boolean(store.ask(nq, values), media)
    return serialize_triples(store.construct(nq, values), media)
