"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests ``sparql/sparql11/protocol/manifest.ttl``).

Each case below is one ``mf:ProtocolTest`` of the manifest, named as there, with its HTTP
exchange transcribed (path, method, headers, body) and its expected response
(``mf:expectedStatus``, ``mf:expectedFormat``, ``mf:expectedBoolean``).

The dataset tests name graphs ``http://kasei.us/2009/09/sparql/data/dataN.rdf``: the test store
holds graphs of those names (with the ``<dataN.rdf> a foaf:Document`` statements the manifest's
``ut:graphData`` files give them); they are names in the store, never fetched.

Documented deviation: this endpoint is read-only, so every *update* test (``update_*``, whose
manifest expects 2xx) gets **403** ``update-forbidden``; the ``bad_update_*`` tests expect a 4xx
and get 403 or 400/415 as their request is refused before anything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox
import pytest
from sparql_support import endpoint_settings, fixture_release, live_server

from pcfgraph.release import Release

KASEI = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
D = [f"{KASEI}data{i}.rdf" for i in range(4)]

ASK_TWO_DEFAULT = f"ASK {{ <{D[1]}> a ?type . <{D[2]}> a ?type . }}"
ASK_TWO_NAMED = f"ASK {{ GRAPH ?g1 {{ <{D[1]}> a ?type }} GRAPH ?g2 {{ <{D[2]}> a ?type }} }}"
ASK_FULL = (
    f"ASK {{\n  <{D[3]}> a ?type\n  GRAPH ?g1 {{ <{D[1]}> a ?type }}\n"
    f"  GRAPH ?g2 {{ <{D[2]}> a ?type }}\n}}"
)
ASK_FROM = (
    f"ASK FROM <{D[3]}> {{ GRAPH ?g1 {{ <{D[1]}> a ?type }} GRAPH ?g2 {{ <{D[2]}> a ?type }} }}"
)
UPDATE_TEXT = (
    "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
    f"CLEAR ALL ;\nINSERT DATA {{ GRAPH <{D[1]}> {{ <{D[1]}> a foaf:Document }} }} ;\n"
    "INSERT { GRAPH <http://example.org/protocol-update-dataset-test/> "
    "{ ?s a dc:BibliographicResource } } WHERE { ?s a foaf:Document }"
)
TABULAR = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
BOOLEAN = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = None
    body: bytes | None = None
    #: "true"/"false" (boolean result), "tabular", "boolean", "rdf", "4xx", or a status code.
    expect: str | int = "true"


def form(*pairs: tuple[str, str]) -> bytes:
    return httpx.QueryParams(list(pairs)).__str__().encode()


CASES = [
    Case("query_post_form", "POST", [("default-graph-uri", D[0])], FORM, form(("query", "ASK {}"))),
    Case(
        "query_dataset_default_graphs_get",
        "GET",
        [("query", ASK_TWO_DEFAULT), ("default-graph-uri", D[1]), ("default-graph-uri", D[2])],
    ),
    Case(
        "query_dataset_default_graphs_post",
        "POST",
        [("default-graph-uri", D[1]), ("default-graph-uri", D[2])],
        QUERY,
        ASK_TWO_DEFAULT.encode(),
    ),
    Case(
        "query_dataset_named_graphs_post",
        "POST",
        [("named-graph-uri", D[1]), ("named-graph-uri", D[2])],
        QUERY,
        ASK_TWO_NAMED.encode(),
    ),
    Case(
        "query_dataset_named_graphs_get",
        "GET",
        [("query", ASK_TWO_NAMED), ("named-graph-uri", D[1]), ("named-graph-uri", D[2])],
    ),
    Case(
        "query_dataset_full",
        "POST",
        [("default-graph-uri", D[3]), ("named-graph-uri", D[1]), ("named-graph-uri", D[2])],
        QUERY,
        ASK_FULL.encode(),
    ),
    Case(
        "query_multiple_dataset",
        "POST",
        [("named-graph-uri", D[1]), ("named-graph-uri", D[2])],
        QUERY,
        ASK_FROM.encode(),
    ),
    Case("query_get", "GET", [("query", "ASK {}"), ("default-graph-uri", D[0])]),
    Case(
        "query_content_type_select",
        "POST",
        [("default-graph-uri", D[0])],
        QUERY,
        b"SELECT (1 AS ?value) {}",
        "tabular",
    ),
    Case(
        "query_content_type_ask", "POST", [("default-graph-uri", D[0])], QUERY, b"ASK {}", "boolean"
    ),
    Case(
        "query_content_type_describe",
        "POST",
        [("default-graph-uri", D[0])],
        QUERY,
        b"DESCRIBE <http://example.org/>",
        "rdf",
    ),
    Case(
        "query_content_type_construct",
        "POST",
        [("default-graph-uri", D[0])],
        QUERY,
        b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        "rdf",
    ),
    Case("query_post_direct", "POST", [("default-graph-uri", D[0])], QUERY, b"ASK {}"),
    # Update tests: the manifest expects 2xx; a read-only endpoint answers 403 (documented).
    Case(
        "update_dataset_default_graph",
        "POST",
        [("using-graph-uri", D[1])],
        UPDATE,
        UPDATE_TEXT.encode(),
        403,
    ),
    Case(
        "update_dataset_default_graphs",
        "POST",
        [("using-graph-uri", D[1]), ("using-graph-uri", D[2])],
        UPDATE,
        UPDATE_TEXT.replace("CLEAR ALL", "DROP ALL").encode(),
        403,
    ),
    Case(
        "update_dataset_named_graphs",
        "POST",
        [("using-named-graph-uri", D[1])],
        UPDATE,
        UPDATE_TEXT.encode(),
        403,
    ),
    Case(
        "update_dataset_full",
        "POST",
        [("using-graph-uri", D[3]), ("using-named-graph-uri", D[1])],
        UPDATE,
        UPDATE_TEXT.encode(),
        403,
    ),
    Case("update_post_form", "POST", [], FORM, form(("update", UPDATE_TEXT)), 403),
    Case("update_post_direct", "POST", [], UPDATE, UPDATE_TEXT.encode(), 403),
    Case(
        "update_base_uri",
        "POST",
        [],
        UPDATE,
        b"BASE <http://example.org/base/> CLEAR ALL ; INSERT DATA { GRAPH <x> { <s> <p> <o> } }",
        403,
    ),
    # Malformed requests: any 4xx.
    Case("bad_query_method", "PUT", [("query", "ASK {}")], expect="4xx"),
    Case(
        "bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], expect="4xx"
    ),
    Case("bad_query_wrong_media_type", "POST", [], "text/plain", b"ASK {}", "4xx"),
    Case("bad_query_missing_form_type", "POST", [], None, b"query=ASK%20%7B%7D", "4xx"),
    Case("bad_query_missing_direct_type", "POST", [], None, b"ASK {}", "4xx"),
    Case(
        "bad_query_non_utf8",
        "POST",
        [],
        "application/sparql-query; charset=ISO-8859-1",
        "ASK { <http://example/SÆNCHEZ> ?p ?o }".encode("latin-1"),
        "4xx",
    ),
    Case("bad_query_syntax", "GET", [("query", "ASK {")], expect="4xx"),
    Case("bad_update_get", "GET", [("update", "CLEAR ALL")], expect="4xx"),
    Case(
        "bad_multiple_updates",
        "POST",
        [],
        FORM,
        form(("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")),
        "4xx",
    ),
    Case("bad_update_wrong_media_type", "POST", [], "text/plain", b"CLEAR NAMED", "4xx"),
    Case("bad_update_missing_form_type", "POST", [], None, b"update=CLEAR%20NAMED", "4xx"),
    Case(
        "bad_update_non_utf8",
        "POST",
        [],
        "application/sparql-update; charset=ISO-8859-1",
        "CLEAR GRAPH <http://example/SÆNCHEZ>".encode("latin-1"),
        "4xx",
    ),
    Case("bad_update_syntax", "POST", [], UPDATE, b"CLEAR XYZ", "4xx"),
    Case(
        "bad_update_dataset_conflict",
        "POST",
        [("using-graph-uri", D[1])],
        UPDATE,
        f"PREFIX foaf: <http://xmlns.com/foaf/0.1/> CLEAR ALL ; INSERT {{ GRAPH <urn:x> {{ ?s a "
        f"foaf:Agent }} }} USING <{D[2]}> WHERE {{ ?s a foaf:Document }}".encode(),
        "4xx",
    ),
]


def w3c_release() -> Release:
    """The endpoint fixture plus the manifest's data0-data3 graphs (names only, never fetched)."""
    release = fixture_release()
    release.store.add_quads(
        [
            ox.Quad(ox.NamedNode(g), RDF_TYPE, ox.NamedNode(FOAF_DOCUMENT), ox.NamedNode(g))
            for g in D
        ]
    )
    return release


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        live_server(endpoint_settings(), w3c_release()) as (url, _app),
        httpx.Client(base_url=url, timeout=30) as c,
    ):
        yield c


def test_the_table_covers_the_manifest() -> None:
    assert len(CASES) == 34 == len({c.name for c in CASES})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_w3c_protocol(client: httpx.Client, case: Case) -> None:
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    r = client.request(
        case.method, "/sparql", params=case.params, content=case.body, headers=headers
    )
    media = r.headers.get("content-type", "").split(";")[0]
    if case.expect == "4xx":
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
        assert media == "application/problem+json"
        return
    if isinstance(case.expect, int):
        assert r.status_code == case.expect, r.text
        assert r.json()["code"] == "update-forbidden"
        return
    assert 200 <= r.status_code < 400, r.text
    if case.expect in ("true", "false"):
        assert media in BOOLEAN
        assert r.json()["boolean"] is (case.expect == "true")
    elif case.expect == "boolean":
        assert media in BOOLEAN
    elif case.expect == "tabular":
        assert media in TABULAR
    else:
        assert media in RDF
        list(ox.parse(r.content, format=ox.RdfFormat.from_media_type(media)))  # type: ignore[arg-type]
