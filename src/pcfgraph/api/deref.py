"""Dereferenceable IRIs: every IRI under ``iris.ID_BASE`` is served at ``/id/...``.

Content negotiation: HTML (browsers, and the default), Turtle, JSON-LD, N-Triples, RDF/XML;
``?format=ttl|jsonld|nt|rdfxml|html`` overrides the Accept header (for links and curl). The
description is the ``api/describe-resource`` named query (trusted, in-process), so the data
and the page show the same statements. An IRI with no statements of its own is 404.
"""

from __future__ import annotations

import asyncio

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from pcfgraph import iris
from pcfgraph.api.element_html import render_resource_html
from pcfgraph.api.sparql import query_store
from pcfgraph.api.state import app_state
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.sparql_results import GRAPH_TYPES, content_type, negotiate, serialize_triples

router = APIRouter(tags=["resources"])

DESCRIBE_QUERY = "api/describe-resource"
OFFERS = ("text/html", *GRAPH_TYPES)
FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}


@router.get("/id/{path:path}", summary="A minted IRI: HTML page or RDF description")
async def dereference(path: str, request: Request) -> Response:
    state = app_state(request)
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        media = FORMATS[fmt]
    else:
        media = negotiate(request.headers.get("accept"), OFFERS, what="this resource")
    iri = str(iris.iri_from_path(path))
    query = state.catalog.get(DESCRIBE_QUERY)
    try:
        resource = ox.NamedNode(iri)
    except ValueError:
        raise NotFoundError(f"{iri} is not a valid IRI") from None
    triples = await asyncio.to_thread(query_store(state).construct, query, {"resource": resource})
    if not any(t.subject == resource for t in triples):
        raise NotFoundError(f"nothing is known about <{iri}>")
    if media == "text/html":
        body = render_resource_html(state, iri, triples).encode("utf-8")
    else:
        body = serialize_triples(triples, media)
    return Response(
        content=body,
        headers={
            "Content-Type": content_type(media),
            "Vary": "Accept",
            "Link": f'<{iri}>; rel="canonical"',
        },
    )
