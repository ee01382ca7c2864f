"""The ``/sparql`` endpoint's description of itself: its URL (the base IRI of queries sent to
it) and the SPARQL 1.1 Service Description ``GET /sparql`` answers without a query."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import Request, Response

from pcfgraph import iris
from pcfgraph.config import Settings
from pcfgraph.conneg import content_type, negotiate
from pcfgraph.http.conditional import download, not_modified
from pcfgraph.http.public_url import public_url, route_path
from pcfgraph.runtime import AppState
from pcfgraph.sparql_results import GRAPH_TYPES, serialize_triples


def service_iri(request: Request, settings: Settings) -> str:
    """The endpoint's URL (:mod:`pcfgraph.http.public_url`: under ``public_url`` when it is
    set, else the URL the request was sent to), without a query string."""
    scope = request.scope
    return public_url(scope, settings, route_path(scope))


def service_description(request: Request, state: AppState, graphs: frozenset[str]) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint (Turtle unless asked otherwise),
    naming ``graphs`` (the served release's named graphs). The same bytes for as long as a
    release is served: a strong ETag, and 304 for a client's copy (SPARQL clients fetch it
    before their first query)."""
    media = negotiate(request.headers.get("accept"), GRAPH_TYPES, what="the service description")
    url = service_iri(request, state.settings)
    key = ("service-description", url, media)
    if (unchanged := not_modified(request, state, key, vary="Accept")) is not None:
        return unchanged
    sd = iris.SD
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    void_triples = ox.NamedNode(str(iris.VOID["triples"]))
    endpoint = ox.NamedNode(url)
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")

    def n(term: Any) -> ox.NamedNode:
        return ox.NamedNode(str(term))

    triples = [
        ox.Triple(service, rdf_type, n(sd.Service)),
        ox.Triple(service, n(sd.endpoint), endpoint),
        ox.Triple(service, n(sd.supportedLanguage), n(sd.SPARQL11Query)),
        ox.Triple(service, n(sd.feature), n(sd.UnionDefaultGraph)),
        ox.Triple(service, n(sd.defaultDataset), dataset),
        ox.Triple(dataset, rdf_type, n(sd.Dataset)),
        ox.Triple(dataset, n(sd.defaultGraph), default_graph),
        ox.Triple(default_graph, rdf_type, n(sd.Graph)),
        ox.Triple(
            default_graph,
            n(iris.DCTERMS.description),
            ox.Literal("the union of all named graphs"),
        ),
    ]
    for fmt in (
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/JSON-LD",
        "http://www.w3.org/ns/formats/RDF_XML",
    ):
        triples.append(ox.Triple(service, n(sd.resultFormat), ox.NamedNode(fmt)))
    counts = state.release.manifest.get("graphs", {}) if state.release.manifest else {}
    for i, name in enumerate(sorted(graphs)):
        node, graph = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, n(sd.namedGraph), node),
            ox.Triple(node, rdf_type, n(sd.NamedGraph)),
            ox.Triple(node, n(sd.name), ox.NamedNode(name)),
            ox.Triple(node, n(sd.graph), graph),
            ox.Triple(graph, rdf_type, n(sd.Graph)),
        ]
        if name in counts:
            triples.append(
                ox.Triple(
                    graph,
                    void_triples,
                    ox.Literal(
                        str(counts[name]),
                        datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
                    ),
                )
            )
    body = serialize_triples(triples, media)
    return download(
        request, state, key, body, content_type(media), {}, vary="Accept", licensed=False
    )
