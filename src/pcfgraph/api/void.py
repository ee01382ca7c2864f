"""``GET /.well-known/void``: the VoID description of the served dataset (RFC 8615's
well-known URI registered by the VoID recommendation, section 7.2), for linked-data tools
that discover a dataset from its host: what it holds and where to get it.

The dataset (``<.../.well-known/void#dataset>``): its SPARQL endpoint, the URI space of its
resources (``https://w3id.org/pcfgraph/id/``, each dereferenceable at ``/id/...``; not a
``void:uriLookupEndpoint``, which takes the whole URI appended to it), the formats
they are served in, the vocabularies it uses, the framework editions (``void:rootResource``)
and where its licences are listed. Each named graph is a ``void:subset`` named by the graph's
own IRI, with its triple count, its vocabularies, a dump (its ``/id/graph/...`` download as
N-Triples) and, for a framework edition or mapping set, its ``dcterms:license`` and
``dcterms:rights`` notice (with its text): what a user must keep with a copy, for an APQC
edition the notice its workbook states (``/licences``' ``noticePage``). Turtle unless asked otherwise
(any RDF format of :data:`pcfgraph.sparql_results.GRAPH_TYPES`); the URLs are under
``public_url``, else the request's address (:mod:`pcfgraph.http.public_url`), as the SPARQL
service description's endpoint is.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from pcfgraph import iris, services
from pcfgraph.api.errors import NOT_MODIFIED, openapi_content, problem_responses
from pcfgraph.api.sparql_plan import known_graphs, query_store
from pcfgraph.conneg import content_type, negotiate
from pcfgraph.http.conditional import download, not_modified
from pcfgraph.http.licence import LICENCES_PATH
from pcfgraph.http.public_url import public_base
from pcfgraph.runtime import AppState, app_state
from pcfgraph.services.base import text
from pcfgraph.sparql_results import GRAPH_TYPES, serialize_triples

router = APIRouter(tags=["frameworks"])

VOID_PATH = "/.well-known/void"
VOCABULARIES_QUERY = "api/void-vocabularies"
#: The formats every resource and graph is served in (``/id/...`` content negotiation).
_FORMATS = (
    "http://www.w3.org/ns/formats/Turtle",
    "http://www.w3.org/ns/formats/N-Triples",
    "http://www.w3.org/ns/formats/JSON-LD",
    "http://www.w3.org/ns/formats/RDF_XML",
)


def _n(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


_TYPE = ox.NamedNode(iris.PREFIXES["rdf"] + "type")
_SEE_ALSO = ox.NamedNode(iris.PREFIXES["rdfs"] + "seeAlso")
_LABEL = ox.NamedNode(iris.PREFIXES["rdfs"] + "label")
_VOID = iris.VOID
_DCT = iris.DCTERMS


@router.get(
    VOID_PATH,
    summary="The VoID description of the dataset: graphs, counts, dumps, licences",
    response_class=Response,
    responses={
        200: {"description": "The VoID description", "content": openapi_content(*GRAPH_TYPES)},
        304: NOT_MODIFIED,
        **problem_responses(406),
    },
)
async def void_description(request: Request) -> Response:
    media = negotiate(request.headers.get("accept"), GRAPH_TYPES, what="the VoID description")
    state = app_state(request)
    base = public_base(request.scope, state.settings) + "/"
    key = ("void", base, media)
    # a release never changes while served: the client's copy is 304 without a scan
    if (unchanged := not_modified(request, state, key, vary="Accept")) is not None:
        return unchanged
    triples = await asyncio.to_thread(_described, state, base, base + VOID_PATH.lstrip("/"))
    body = serialize_triples(triples, media)
    return download(request, state, key, body, content_type(media), {}, vary="Accept")


def _namespace(term: str) -> str:
    """The vocabulary of a predicate or class: its IRI up to the last ``#`` or ``/``."""
    return term[: max(term.rfind("#"), term.rfind("/")) + 1]


def _vocabularies(state: AppState) -> dict[str, frozenset[str]]:
    """The vocabularies each named graph uses: a scan of every statement (about 0.2 s at the
    default graph), made once per served release (on a remote store, whose data may change
    under one release, every time)."""

    def scan() -> dict[str, frozenset[str]]:
        used: dict[str, set[str]] = defaultdict(set)
        for row in query_store(state).select(state.catalog.get(VOCABULARIES_QUERY)):
            graph, term = text(row, "graph"), text(row, "term")
            if graph is not None and term is not None:
                used[graph].add(_namespace(term))
        return {graph: frozenset(terms) for graph, terms in used.items()}

    if state.services.remote_store is not None:
        return scan()
    return state.caches.void_vocabularies.get(state.release, scan)


def _described(state: AppState, base: str, document: str) -> list[ox.Triple]:
    from pcfgraph.services.page_reads import reads_for

    reader = reads_for(state).reader
    dataset = ox.NamedNode(document + "#dataset")
    graphs = sorted(known_graphs(state))
    used = _vocabularies(state)
    counts = state.release.manifest.get("graphs", {}) if state.release.manifest else {}
    out = [
        ox.Triple(dataset, _TYPE, _n(_VOID.Dataset)),
        ox.Triple(dataset, _n(_DCT.title), ox.Literal("pcfgraph", language="en")),
        ox.Triple(
            dataset,
            _n(_DCT.description),
            ox.Literal(
                "IT process frameworks (APQC PCF, IBM PRM-IT, IT-CMF, TRIM) as SKOS concept "
                "schemes, with curated and derived cross-framework mappings; one named graph "
                "per framework edition and mapping set.",
                language="en",
            ),
        ),
        ox.Triple(dataset, _n(_VOID.sparqlEndpoint), ox.NamedNode(base + "sparql")),
        ox.Triple(dataset, _n(_VOID.uriSpace), ox.Literal(iris.ID_BASE)),
        ox.Triple(dataset, _SEE_ALSO, ox.NamedNode(base + LICENCES_PATH.lstrip("/"))),
    ]
    out += [ox.Triple(dataset, _n(_VOID.feature), ox.NamedNode(f)) for f in _FORMATS]
    for vocabulary in sorted(set().union(*used.values()) if used else ()):
        out.append(ox.Triple(dataset, _n(_VOID.vocabulary), ox.NamedNode(vocabulary)))
    # what each graph's copy must keep: its licence and notice (the one its source file
    # states itself when it does, as /licences cites: an IBM edition's "©2025 APQC and IBM
    # ...", not the Cross-Industry line), its text beside it
    terms: dict[str, tuple[str | None, ox.NamedNode | ox.Literal | None]] = {}
    labels: dict[ox.NamedNode, str] = {}
    for f in services.frameworks(reader):
        out.append(ox.Triple(dataset, _n(_VOID.rootResource), ox.NamedNode(f.iri)))
        rights: ox.NamedNode | ox.Literal | None = None
        if f.source_rights:
            rights = ox.NamedNode(iris.framework_source_notice_text(f.id))
            labels[rights] = f.source_rights
        elif f.rights_statement:
            rights = ox.NamedNode(f.rights_statement)
            if f.rights:
                labels[rights] = f.rights
        elif f.rights:
            rights = ox.Literal(f.rights, language="en")
        terms[str(iris.framework_graph(f.id))] = (f.license, rights)
    for m in services.mapping_sets(reader).values():
        # its licence covers the curation; its rights, the framework texts its rows quote
        stated: ox.NamedNode | ox.Literal | None = None
        if m.rights and "://" in m.rights:
            stated = ox.NamedNode(m.rights)
            if m.rights_label:
                labels[stated] = m.rights_label
        elif m.rights:
            stated = ox.Literal(m.rights, language="en")
        terms[str(iris.mapping_set_graph(m.id))] = (m.license, stated)
    out += [ox.Triple(n, _LABEL, ox.Literal(t, language="en")) for n, t in labels.items()]
    for name in graphs:
        subset = ox.NamedNode(name)
        out += [
            ox.Triple(dataset, _n(_VOID.subset), subset),
            ox.Triple(subset, _TYPE, _n(_VOID.Dataset)),
            ox.Triple(subset, _n(_VOID.dataDump), ox.NamedNode(_dump(base, name))),
        ]
        if name in counts:
            count = ox.Literal(str(counts[name]), datatype=_INTEGER)
            out.append(ox.Triple(subset, _n(_VOID.triples), count))
        out += [
            ox.Triple(subset, _n(_VOID.vocabulary), ox.NamedNode(v))
            for v in sorted(used.get(name, ()))
        ]
        licence, notice = terms.get(name, (None, None))
        if licence:
            out.append(ox.Triple(subset, _n(_DCT.license), ox.NamedNode(licence)))
        if notice is not None:
            out.append(ox.Triple(subset, _n(_DCT.rights), notice))
    return out


_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _dump(base: str, graph: str) -> str:
    """The graph's download as N-Triples (its ``/id/graph/...`` IRI with ``?format=nt``)."""
    return base + (iris.id_path(graph) or "").lstrip("/") + "?format=nt"
