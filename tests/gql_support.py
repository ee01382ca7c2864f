"""A synthetic framework graph for the GraphQL tests, in two sizes.

``graphql_store(scale)`` holds the ontology plus, built here so the tests do not depend on the
shipped data:

* ``apqc-pcf-test-7.4``: an APQC-like tree 8.0 > 8.1 > 8.1.k (``4 * scale`` processes) >
  8.1.k.j (3 activities each), two measures per process; process 8.1.1 has an accented name;
* ``apqc-pcf-test-7.3``: a second edition stating PCF IDs 20607 and 20608 again (ambiguity);
* ``prm-test``: A0 > A2 > A21..A24;
* ``itcmf-test``: building block RM, maturity levels 1-5, practices at levels 2 and 3 with
  outcomes and metrics;
* mapping records: every activity 8.1.k.1 closeMatch a PRM process (curated), every process
  relatedMatch an IT-CMF practice (curated), a derived inverse of each curated record (chain of
  one) and a derived PRM -> IT-CMF chain (chain of two) per process.

Doubling ``scale`` doubles the tree, its measures and its mappings, at the same depth.
"""

from __future__ import annotations

import functools
from typing import Any
from unittest import mock

import pyoxigraph as ox
from fastapi.testclient import TestClient

from pcfgraph import iris
from pcfgraph.assemble import load_turtle
from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release, canonical_nquads, make_manifest
from pcfgraph.resources import resource_dir
from pcfgraph.serving import create_app
from pcfgraph.store import EmbeddedStore

APQC = "apqc-pcf-test-7.4"
APQC_OLD = "apqc-pcf-test-7.3"
PRM = "prm-test"
ITCMF = "itcmf-test"

PREFIXES = """
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def processes(scale: int) -> int:
    return 4 * scale


def _apqc(scale: int) -> str:
    out = [PREFIXES]
    fw = f"<framework/{APQC}>"
    out.append(
        f"""{fw} a skos:ConceptScheme, pcfg:Framework ; pcfg:frameworkId "{APQC}" ;
  dcterms:title "APQC PCF Test 7.4"@en ; owl:versionInfo "7.4" ; pcfg:edition "Test" ;
  dcterms:publisher "APQC" ; dcterms:license <https://www.apqc.org/pcf> ;
  dcterms:source "pcf-test.xlsx" .
<apqc-pcf/test/7.4/20607> a skos:Concept, pcfg:PCFCategory ; skos:inScheme {fw} ;
  skos:notation "8.0" ; pcfg:pcfId 20607 ; pcfg:level 1 ;
  skos:prefLabel "Manage Information Technology (IT)"@en .
<apqc-pcf/test/7.4/20608> a skos:Concept, pcfg:PCFProcessGroup ; skos:inScheme {fw} ;
  skos:notation "8.1" ; pcfg:pcfId 20608 ; pcfg:level 2 ; skos:broader <apqc-pcf/test/7.4/20607> ;
  skos:prefLabel "Develop and manage IT customer relationships"@en ;
  skos:definition "Creating and administering relationships with IT customers."@en .
"""
    )
    for k in range(1, processes(scale) + 1):
        pid = 30000 + 10 * k
        name = "Gérer les relations clientèle" if k == 1 else f"Manage customer process {k}"
        definition = (
            "Comprendre les besoins du client & <planifier> les services."
            if k == 1
            else f"Definition of process {k}: plan, deliver and review IT services."
        )
        out.append(
            f"""<apqc-pcf/test/7.4/{pid}> a skos:Concept, pcfg:PCFProcess ; skos:inScheme {fw} ;
  skos:notation "8.1.{k}" ; pcfg:pcfId {pid} ; pcfg:level 3 ; skos:broader <apqc-pcf/test/7.4/20608> ;
  skos:prefLabel {_lit(name)}@en ; skos:definition {_lit(definition)}@en .
"""
        )
        for m in (1, 2):
            mid = 100000 + 10 * k + m
            cat = "cost-effectiveness" if m == 1 else "cycle-time"
            out.append(
                f"""<apqc-pcf/test/7.4/measure/{mid}> a pcfg:Measure ; pcfg:metricId {mid} ;
  pcfg:measureOf <apqc-pcf/test/7.4/{pid}> ; skos:prefLabel "Measure {m} of process {k}"@en ;
  pcfg:measureCategory <apqc-pcf/measure-category/{cat}> ; pcfg:units "percent" ;
  pcfg:formula "(a / b) * 100" ; dcterms:description "How well process {k} does."@en .
"""
            )
        for j in (1, 2, 3):
            aid = pid + j
            out.append(
                f"""<apqc-pcf/test/7.4/{aid}> a skos:Concept, pcfg:PCFActivity ; skos:inScheme {fw} ;
  skos:notation "8.1.{k}.{j}" ; pcfg:pcfId {aid} ; pcfg:level 4 ; skos:broader <apqc-pcf/test/7.4/{pid}> ;
  skos:prefLabel "Activity {j} of process {k}"@en ; skos:definition "Does step {j} for process {k}."@en .
"""
            )
    out.append(
        """<apqc-pcf/measure-category/cost-effectiveness> a skos:Concept, pcfg:MeasureCategory ;
  skos:prefLabel "Cost Effectiveness"@en .
<apqc-pcf/measure-category/cycle-time> a skos:Concept, pcfg:MeasureCategory ;
  skos:prefLabel "Cycle Time"@en .
"""
    )
    return "".join(out)


def _apqc_old() -> str:
    fw = f"<framework/{APQC_OLD}>"
    return (
        PREFIXES
        + f"""{fw} a skos:ConceptScheme, pcfg:Framework ; pcfg:frameworkId "{APQC_OLD}" ;
  dcterms:title "APQC PCF Test 7.3"@en ; owl:versionInfo "7.3" ; pcfg:edition "Test" .
<apqc-pcf/test/7.3/20607> a skos:Concept, pcfg:PCFCategory ; skos:inScheme {fw} ;
  skos:notation "8.0" ; pcfg:pcfId 20607 ; pcfg:level 1 ; skos:prefLabel "Manage IT"@en .
<apqc-pcf/test/7.3/20608> a skos:Concept, pcfg:PCFProcessGroup ; skos:inScheme {fw} ;
  skos:notation "8.1" ; pcfg:pcfId 20608 ; pcfg:level 2 ; skos:broader <apqc-pcf/test/7.3/20607> ;
  skos:prefLabel "Develop and manage IT customer relationships (7.3)"@en .
"""
    )


def _prm() -> str:
    fw = f"<framework/{PRM}>"
    out = [
        PREFIXES,
        f"""{fw} a skos:ConceptScheme, pcfg:Framework ; pcfg:frameworkId "{PRM}" ;
  dcterms:title "PRM-IT Test"@en ; owl:versionInfo "V3" .
<prm-test/A0> a skos:Concept, pcfg:PRMITRoot ; skos:inScheme {fw} ; skos:notation "A0" ;
  skos:prefLabel "Manage IT"@en .
<prm-test/A2> a skos:Concept, pcfg:PRMITCategory ; skos:inScheme {fw} ; skos:notation "A2" ;
  skos:broader <prm-test/A0> ; skos:prefLabel "Customer Relationships"@en .
""",
    ]
    for i in range(1, 5):
        out.append(
            f"""<prm-test/A2{i}> a skos:Concept, pcfg:PRMITProcess ; skos:inScheme {fw} ;
  skos:notation "A2{i}" ; skos:broader <prm-test/A2> ; skos:prefLabel "Customer process A2{i}"@en ;
  skos:definition "PRM process A2{i} handles customer relationship work."@en .
"""
        )
    return "".join(out)


def _itcmf() -> str:
    fw = f"<framework/{ITCMF}>"
    out = [
        PREFIXES,
        f"""{fw} a skos:ConceptScheme, pcfg:Framework ; pcfg:frameworkId "{ITCMF}" ;
  dcterms:title "IT-CMF Test"@en ; skos:hasTopConcept <itcmf-test/RM> .
<itcmf-test/RM> a skos:Concept, pcfg:CapabilityBuildingBlock ; skos:inScheme {fw} ;
  skos:notation "RM" ; skos:prefLabel "Relationship Management"@en .
""",
    ]
    for level in range(1, 6):
        out.append(
            f"""<itcmf-test/maturity-level/{level}> a skos:Concept, pcfg:MaturityLevel ;
  skos:inScheme {fw} ; pcfg:maturityLevelNumber {level} ; skos:prefLabel "Level {level}"@en .
"""
        )
    for level in (2, 3):
        for n in (1, 2):
            p = f"<itcmf-test/RM/practice/{level}.{n}>"
            out.append(
                f"""{p} a skos:Concept, pcfg:Practice ; skos:inScheme {fw} ; skos:broader <itcmf-test/RM> ;
  skos:notation "RM {level}.{n}" ; skos:prefLabel "Practice {level}.{n}"@en ;
  pcfg:atMaturityLevel <itcmf-test/maturity-level/{level}> ; pcfg:forBuildingBlock <itcmf-test/RM> ;
  pcfg:hasOutcome <itcmf-test/RM/outcome/{level}.{n}> ; pcfg:hasMetric <itcmf-test/RM/metric/m{level}{n}> .
<itcmf-test/RM/outcome/{level}.{n}> a skos:Concept, pcfg:Outcome ; skos:inScheme {fw} ;
  skos:prefLabel "Outcome {level}.{n}"@en .
<itcmf-test/RM/metric/m{level}{n}> a skos:Concept, pcfg:Metric ; skos:inScheme {fw} ;
  skos:prefLabel "Metric {level}.{n}"@en .
"""
            )
    return "".join(out)


def _record(
    key: str,
    s: str,
    p: str,
    o: str,
    sf: str,
    of: str,
    conf: float,
    *,
    derived: bool = False,
    chain: list[str] | None = None,
) -> str:
    mset = "mapping-set/derived" if derived else f"mapping-set/{sf}-to-{of}"
    just = "semapv:MappingChaining" if derived else "semapv:ManualMappingCuration"
    extra = ""
    if chain:
        extra = " pcfg:chain ( " + " ".join(f"<{c}>" for c in chain) + " ) ;"
    author = "" if derived else ' sssom:author_label "Test Curator" ;'
    return f"""<{key}> a owl:Axiom, pcfg:MappingRecord ; owl:annotatedSource <{s}> ;
  owl:annotatedProperty skos:{p} ; owl:annotatedTarget <{o}> ; pcfg:derived {str(derived).lower()} ;
  pcfg:inMappingSet <{mset}> ; pcfg:sourceFramework <framework/{sf}> ; pcfg:targetFramework <framework/{of}> ;
  sssom:confidence {conf} ; sssom:mapping_justification {just} ;{author}{extra}
  rdfs:comment "Record {key}."@en .
<{s}> skos:{p} <{o}> .
"""


_INVERSE = {"closeMatch": "closeMatch", "relatedMatch": "relatedMatch"}


def _mappings(scale: int) -> str:
    out = [
        PREFIXES,
        f"""<mapping-set/{APQC}-to-{PRM}> a pcfg:MappingSet ; dcterms:title "Test PCF to PRM"@en ;
  dcterms:license <https://creativecommons.org/licenses/by/4.0/> ; owl:versionInfo "1.0" ;
  pcfg:sourceFramework <framework/{APQC}> ; pcfg:targetFramework <framework/{PRM}> .
<mapping-set/{APQC}-to-{ITCMF}> a pcfg:MappingSet ; dcterms:title "Test PCF to IT-CMF"@en ;
  pcfg:sourceFramework <framework/{APQC}> ; pcfg:targetFramework <framework/{ITCMF}> .
""",
    ]
    for k in range(1, processes(scale) + 1):
        pid = 30000 + 10 * k
        act = f"apqc-pcf/test/7.4/{pid + 1}"
        proc = f"apqc-pcf/test/7.4/{pid}"
        prm = f"prm-test/A2{1 + k % 4}"
        practice = f"itcmf-test/RM/practice/{2 + k % 2}.{1 + (k // 2) % 2}"
        c1 = f"mapping/{APQC}-to-{PRM}/m{k}"
        c2 = f"mapping/{APQC}-to-{ITCMF}/m{k}"
        out.append(_record(c1, act, "closeMatch", prm, APQC, PRM, 0.8))
        out.append(_record(c2, proc, "relatedMatch", practice, APQC, ITCMF, 0.6))
        out.append(
            _record(
                f"mapping/derived/i{k}",
                prm,
                "closeMatch",
                act,
                PRM,
                APQC,
                0.8,
                derived=True,
                chain=[c1],
            )
        )
        out.append(
            _record(
                f"mapping/derived/j{k}",
                practice,
                "relatedMatch",
                proc,
                ITCMF,
                APQC,
                0.6,
                derived=True,
                chain=[c2],
            )
        )
    return "".join(out)


def _parse(text: str, graph: str) -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    return [
        ox.Quad(t.subject, t.predicate, t.object, g)
        for t in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE)
    ]


def graphql_store(scale: int = 1) -> EmbeddedStore:
    store = EmbeddedStore()
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        store.add_quads(load_turtle(path, str(iris.ontology_graph())))
    store.add_quads(_parse(_apqc(scale), str(iris.framework_graph(APQC))))
    store.add_quads(_parse(_apqc_old(), str(iris.framework_graph(APQC_OLD))))
    store.add_quads(_parse(_prm(), str(iris.framework_graph(PRM))))
    store.add_quads(_parse(_itcmf(), str(iris.framework_graph(ITCMF))))
    store.add_quads(_parse(_mappings(scale), str(iris.mapping_set_graph("test"))))
    return store


def graphql_release(scale: int = 1) -> Release:
    store = graphql_store(scale)
    manifest = make_manifest(store, canonical_nquads(store), {})
    return Release(store=store, manifest=manifest, path=None)


@functools.cache
def shared_catalog() -> QueryCatalog:
    """Parsing every named query takes seconds; the catalog is immutable, so tests share one."""
    return QueryCatalog()


class Client:
    """A TestClient plus the release behind it (to count store queries)."""

    def __init__(self, release: Release, settings: Settings | None = None) -> None:
        self.release = release
        with mock.patch("pcfgraph.serving.QueryCatalog", shared_catalog):
            self.http = TestClient(create_app(settings or Settings(), release))

    def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post("/graphql", json=body, **kw)

    def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        r = self.post(query, variables)
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        r = self.post(query, variables)
        body = r.json()
        assert body.get("errors"), body
        return list(body["errors"])

    def count(self, query: str) -> tuple[int, Any]:
        """Store queries one request costs, and its data."""
        store = self.release.store
        before = store.query_count
        data = self.data(query)
        return store.query_count - before, data
