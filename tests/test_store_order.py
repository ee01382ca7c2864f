"""The same request on the same release gives the same answer in the same order, whatever order
the store returns rows in: the web graph (with a few properties stated twice) served from
pyoxigraph's in-memory store and from its on-disk store (RocksDB), which return the rows of an
unordered query in different orders, gives byte-identical pages, RDF descriptions, exports,
search results, named-query answers and GraphQL answers, and the same folded reads."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from _webgraph import APQC_ID, element_iri, web_release
from fastapi.testclient import TestClient

from pcfgraph import iris, services
from pcfgraph.cli.history import _sorted_changes
from pcfgraph.config import Settings
from pcfgraph.mappings.export import document
from pcfgraph.mappings.suggest import items
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.services.measures import framework_measures
from pcfgraph.serving import create_app
from pcfgraph.store import EmbeddedStore

#: Properties stated twice (or in two languages): a fold that kept the first row would show
#: whichever value the answering store returned first.
TWICE = """
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix prmit: <prm-it/> .
<graph/framework/prm-it> {
  <framework/prm-it> dcterms:title "PRM-IT, second title"@en , "Zweiter Titel"@de ;
      dcterms:publisher "IBM Corp." .
  prmit:A24 skos:definition "Agree service levels."@en , "Zz another definition"@en ;
      skos:prefLabel "Service Levels"@en .
  prmit:A23 skos:definition "Aa first definition"@en .
  prmit:A25 dcterms:description "Second description"@en , "First description"@en .
}
<graph/framework/it-cmf> {
  <it-cmf/RM/practice/3.2> pcfg:hasOutcome <it-cmf/RM/outcome/b> , <it-cmf/RM/outcome/a> .
  <it-cmf/RM/outcome/a> skos:prefLabel "Outcome"@en ; skos:notation "O1" .
  <it-cmf/RM/outcome/b> skos:prefLabel "Outcome"@en ; skos:notation "O1" .
}
<graph/framework/apqc-pcf-cross-industry-7.4> {
  <apqc-pcf/cross-industry/7.4/measure/100830> dcterms:description "Zz second"@en ,
      "Aa first"@en , "B third"@en ;
      pcfg:measureCategory <apqc-pcf/measure-category/cost-effectiveness> .
  <apqc-pcf/cross-industry/7.4/20638> skos:changeNote "renamed" , "moved" , "redefined" ,
      "new measures" , "a note" .
}
<graph/mappings/apqc-pcf-to-prm-it> {
  <mapping/apqc-pcf-to-prm-it/20638-A24> rdfs:comment "A second comment."@en , "Zed comment"@en ;
      sssom:confidence 0.5 .
  <mapping-set/apqc-pcf-to-prm-it> dcterms:title "Set title one"@en , "Set title two"@en .
  <mapping/apqc-pcf-to-prm-it/not-20632-A27> a pcfg:NegativeMapping ;
      sssom:subject_id <apqc-pcf/cross-industry/7.4/20632> ; sssom:predicate_id skos:exactMatch ;
      sssom:object_id prmit:A27 ; pcfg:sourceFramework <framework/apqc-pcf-cross-industry-7.4> ;
      pcfg:targetFramework <framework/prm-it> ; pcfg:inMappingSet <mapping-set/apqc-pcf-to-prm-it> ;
      rdfs:comment "Zz comment"@en , "Aa comment"@en , "Mm comment"@en ;
      sssom:reviewer_label "R2" , "R1" .
}
"""


def _quads() -> tuple[Release, list[ox.Quad]]:
    release = web_release()
    quads = list(release.store.store)
    quads += ox.parse(TWICE.encode(), format=ox.RdfFormat.TRIG, base_iri=iris.ID_BASE)
    return release, quads


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddedStore, EmbeddedStore]:
    """The same quads in an in-memory store and in an on-disk store."""
    _, quads = _quads()
    memory = EmbeddedStore()
    memory.add_quads(quads)
    disk = ox.Store(str(tmp_path_factory.mktemp("on-disk") / "store"))
    disk.extend(quads)
    disk.flush()
    return memory, EmbeddedStore(disk, on_disk=True)


def test_the_two_stores_return_rows_in_different_orders(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    """What makes the comparisons below worth running: same rows, another order."""
    memory, disk = stores
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    a = [tuple(s) for s in memory.store.query(text, use_default_graph_as_union=True)]
    b = [tuple(s) for s in disk.store.query(text, use_default_graph_as_union=True)]
    assert Counter(a) == Counter(b)
    assert a != b


def urls() -> list[str]:
    out = [
        "/",
        "/matrix",
        "/search?q=service",
        "/search?q=customer+relationship",
        "/mappings/apqc-pcf-to-prm-it.sssom.tsv",
        "/mappings/apqc-pcf-to-prm-it.sssom.json",
        "/mappings/apqc-pcf-to-prm-it.sssom.tsv?derived=true",
    ]
    for fid in (APQC_ID, "prm-it", "it-cmf", "trim"):
        out += [f"/frameworks/{fid}", f"/frameworks/{fid}/export?format=csv"]
    resources = [
        iris.id_path(element_iri(pcf_id)) or ""
        for pcf_id in (20608, 20632, 20634, 20635, 20638, 20642)
    ]
    resources += [
        f"/id/{path}"
        for path in (
            "apqc-pcf/cross-industry/7.4/measure/100830",
            "prm-it/A2",
            "prm-it/A23",
            "prm-it/A24",
            "prm-it/A25",
            "framework/prm-it",
            "it-cmf/RM/practice/3.2",
            "mapping/apqc-pcf-to-prm-it/20638-A24",
            "mapping-set/apqc-pcf-to-prm-it",
            "graph/framework/prm-it",
            "graph/mappings/apqc-pcf-to-prm-it",
        )
    ]
    for path in resources:
        out += [path, f"{path}?format=ttl", f"{path}?format=jsonld"]
    return out + named_queries()


def named_queries() -> list[str]:
    """``GET /queries/{name}`` of every named query that says its order (``ORDER BY``)."""
    a2, a24 = (quote(iris.ID_BASE + f"prm-it/{code}") for code in ("A2", "A24"))
    apqc = quote(element_iri(20632))
    graph = quote(iris.ID_BASE + "graph/framework/prm-it")
    asked = [
        "element-by-code?framework=prm-it&code=A24",
        f"element-by-iri?element={a24}",
        "element-by-notation?framework=prm-it&code=A24",
        "element-versions-of?pcfId=20638",
        "framework-element-counts",
        "frameworks",
        "negative-mappings",
        "framework-info",
        f"graph-summary?graph={graph}",
        "itcmf-structure?framework=it-cmf",
        "mapping-chain-links",
        "mapping-records?includeDerived=true",
        "mapping-sets",
        "pcf-id-statements",
        f"subtree-elements?root={a2}&framework=prm-it",
        f"subtree-mapping-records?root={a2}&framework=prm-it&side=object",
        f"subtree-measures?root={apqc}&framework={APQC_ID}",
        "suggest-items?framework=prm-it",
        f"describe-resource?resource={a24}",
    ]
    return [f"/queries/api/{q}" for q in asked]


#: A GraphQL read touching every folded read: frameworks, a tree with definitions, measures,
#: mappings (with their comments) and the maturity structure.
GRAPHQL = """
query {
  frameworks { id title publisher }
  negativeMappings { id comment reviewers }
  a24: element(id: "prm-it/A24") {
    name definition
    mappings(direction: EITHER, includeDerived: true) { id comment confidence }
  }
  practice: element(id: "it-cmf/RM/practice/3.2") { name outcomes { id code name } }
}
"""


@pytest.fixture(scope="module")
def clients(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> Iterator[tuple[TestClient, TestClient]]:
    release, _ = _quads()
    memory, disk = (
        create_app(Settings(), Release(store=s, manifest=release.manifest, path=None))
        for s in stores
    )
    with TestClient(memory) as a, TestClient(disk) as b:
        yield a, b


@pytest.mark.parametrize("url", urls())
def test_pages_descriptions_and_exports_are_byte_identical(
    clients: tuple[TestClient, TestClient], url: str
) -> None:
    a, b = (c.get(url) for c in clients)
    assert a.status_code == 200, a.text
    assert a.content == b.content


def _sheets(body: bytes) -> dict[str, bytes]:
    """An XLSX file's parts but its properties (the time it was written)."""
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


@pytest.mark.parametrize("framework", [APQC_ID, "prm-it", "it-cmf", "trim"])
def test_workbook_exports_hold_the_same_sheets(
    clients: tuple[TestClient, TestClient], framework: str
) -> None:
    a, b = (c.get(f"/frameworks/{framework}/export?format=xlsx") for c in clients)
    assert a.status_code == 200, a.text
    assert _sheets(a.content) == _sheets(b.content)


def test_graphql_answers_are_identical(clients: tuple[TestClient, TestClient]) -> None:
    a, b = (c.post("/graphql", json={"query": GRAPHQL}).json() for c in clients)
    assert "errors" not in a, a
    assert a == b


def _reader(store: EmbeddedStore) -> services.Reader:
    return services.Reader(store, QueryCatalog())


def test_a_property_stated_twice_gives_one_value_by_rule(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    """The folds keep English or plain text first, then the smallest value."""
    for store in stores:
        reader = _reader(store)
        a24 = services.framework_index(reader, "prm-it").elements[iris.ID_BASE + "prm-it/A24"]
        assert a24.definition == min("Agree service levels.", "Zz another definition")
        prm = services.framework(reader, "prm-it", required=True)
        assert prm is not None
        assert prm.title is not None and prm.title.startswith("IBM Process Reference Model")
        assert prm.publisher == "IBM"
        sets = services.mapping_sets(reader)
        assert sets[iris.ID_BASE + "mapping-set/apqc-pcf-to-prm-it"].title == "Set title one"
        measure = iris.ID_BASE + "apqc-pcf/cross-industry/7.4/measure/100830"
        shown = framework_measures(reader, APQC_ID)[element_iri(20608)]
        assert [m.description for m in shown if m.iri == measure] == ["Aa first"]
        record = iris.ID_BASE + "mapping/apqc-pcf-to-prm-it/20638-A24"
        found = [m for m in services.mappings(reader, source=APQC_ID) if m.iri == record]
        assert [m.comment for m in found] == ["A second comment."]
        negatives = services.negative_mappings(reader, source=APQC_ID)
        assert [(n.comment, n.reviewers) for n in negatives] == [("Aa comment", ("R1", "R2"))]
        assert [m.confidence for m in found] == [0.5]


def test_folded_reads_are_equal_from_both_stores(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    def reads(store: EmbeddedStore) -> dict[str, Any]:
        reader = _reader(store)
        practice = services.framework_index(reader, "it-cmf").elements[
            iris.ID_BASE + "it-cmf/RM/practice/3.2"
        ]
        return {
            "elements": services.list_elements(reader),
            "frameworks": services.frameworks(reader),
            "measures": framework_measures(reader, APQC_ID),
            "mappings": services.mappings(reader, include_derived=True),
            "sets": list(services.mapping_sets(reader).items()),
            "itcmf": services.itcmf_structure_of(reader, [practice]),
            "versions": services.statements_by_pcf_id(reader, APQC_ID),
        }

    memory, disk = (reads(s) for s in stores)
    assert memory == disk
    outcomes = memory["itcmf"][0].outcomes
    assert [o.iri for o in outcomes] == sorted(o.iri for o in outcomes)


def test_suggestion_items_and_sssom_documents_are_equal_from_both_stores(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    catalog = QueryCatalog()
    for framework in ("prm-it", "it-cmf", APQC_ID):
        a, b = (items(s, catalog, framework) for s in stores)
        assert a == b
        for item in a:
            parts = item.context.split(" | ") if item.context else []
            assert parts == sorted(parts)
    a, b = (document(s, catalog, "apqc-pcf-to-prm-it", derived=True) for s in stores)
    assert a == b


def test_search_documents_join_descriptions_in_sorted_order(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    from pcfgraph.services.search.documents import read_documents

    docs = [read_documents(_reader(s)) for s in stores]
    assert docs[0] == docs[1]
    a25 = next(d for d in docs[0] if d.element.iri == iris.ID_BASE + "prm-it/A25")
    assert a25.description == "First description\nSecond description"


def test_history_lists_change_notes_in_sorted_order(
    stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    """``pcfgraph history``: GROUP_CONCAT joins the notes in the store's order."""
    query = QueryCatalog().get("api/element-history")
    shown = [
        [_sorted_changes(row) for row in store.select(query, {"pcfId": 20638}).rows]
        for store in stores
    ]
    assert shown[0] == shown[1]
    notes = str(shown[0][0]["changes"].value).split(" | ")
    assert len(notes) == 5 and notes == sorted(notes)
