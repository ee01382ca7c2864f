"""A small, valid framework graph and edits of it, for the shape and check tests.

Two frameworks (an APQC-like edition with hierarchy IDs, a PRM-IT-like one without), one
curated mapping record and its plain SKOS triple, one no-counterpart record, their mapping set. Each test case removes and/or adds a few
triples (Turtle bodies; the prefixes below are prepended) and names the finding it expects:
the rule (``shapes/<Shape>`` or ``checks/<file stem>``) and the focus node.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph

from pcfgraph import iris
from pcfgraph.assemble import load_turtle, rdflib_to_quads
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import Finding, ValidationReport, validate_store

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "pcfgraph.ttl"

PREFIXES = """\
@base <https://w3id.org/pcfgraph/id/> .
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
"""

BASE_TTL = """
<framework/t-apqc> a skos:ConceptScheme, pcfg:Framework ;
    dcterms:title "Test PCF 7.4"@en ;
    owl:versionInfo "7.4" ;
    dcterms:publisher "APQC" ;
    dcterms:source "test.xlsx" ;
    dcterms:license <https://www.apqc.org/pcf> ;
    pcfg:frameworkId "t-apqc" ;
    skos:hasTopConcept <t/80> .

<framework/t-prm> a skos:ConceptScheme, pcfg:Framework ;
    dcterms:title "Test PRM-IT"@en ;
    owl:versionInfo "3" ;
    dcterms:publisher "IBM" ;
    dcterms:source "prm-it.pdf" ;
    dcterms:rights "Copyright IBM" ;
    pcfg:frameworkId "t-prm" .

<t/80> a skos:Concept, pcfg:PCFCategory ;
    skos:inScheme <framework/t-apqc> ; skos:topConceptOf <framework/t-apqc> ;
    skos:prefLabel "Manage Information Technology (IT)"@en ;
    skos:notation "8.0" ; pcfg:hierarchyId "8.0" ; pcfg:level 1 ; pcfg:pcfId 20607 ;
    skos:narrower <t/81> .

<t/81> a skos:Concept, pcfg:PCFProcessGroup ;
    skos:inScheme <framework/t-apqc> ; skos:broader <t/80> ;
    skos:prefLabel "Develop and manage IT customer relationships"@en ;
    skos:notation "8.1" ; pcfg:hierarchyId "8.1" ; pcfg:level 2 ; pcfg:pcfId 20608 ;
    skos:narrower <t/811> .

<t/811> a skos:Concept, pcfg:PCFProcess ;
    skos:inScheme <framework/t-apqc> ; skos:broader <t/81> ;
    skos:prefLabel "Understand IT customer needs"@en ;
    skos:notation "8.1.1" ; pcfg:hierarchyId "8.1.1" ; pcfg:level 3 ; pcfg:pcfId 20609 .

<t/8111> a skos:Concept, pcfg:PCFActivity ;
    skos:inScheme <framework/t-apqc> ; skos:broader <t/811> ;
    skos:prefLabel "Assess customer needs"@en ;
    skos:notation "8.1.1.1" ; pcfg:hierarchyId "8.1.1.1" ; pcfg:level 4 ; pcfg:pcfId 20610 .

<p/A0> a skos:Concept, pcfg:PRMITRoot ;
    skos:inScheme <framework/t-prm> ; skos:topConceptOf <framework/t-prm> ;
    skos:prefLabel "Manage IT"@en ; skos:notation "A0" ; pcfg:level 1 .

<p/A1> a skos:Concept, pcfg:PRMITProcess ;
    skos:inScheme <framework/t-prm> ; skos:broader <p/A0> ;
    skos:prefLabel "Customer Satisfaction Management"@en, "Gestion de la satisfaction client"@fr ;
    skos:notation "A1" ; pcfg:level 2 .

<t/811> skos:closeMatch <p/A1> .

<mapping/t/1> a pcfg:MappingRecord ;
    owl:annotatedSource <t/811> ;
    owl:annotatedProperty skos:closeMatch ;
    owl:annotatedTarget <p/A1> ;
    sssom:mapping_justification semapv:ManualMappingCuration ;
    sssom:confidence "0.8"^^xsd:double ;
    pcfg:inMappingSet <mapping-set/t> .

<mapping/t/2> a pcfg:NoCounterpart ;
    pcfg:element <t/8111> ;
    pcfg:noCounterpartIn <framework/t-prm> ;
    rdfs:comment "No PRM-IT process assesses customer needs."@en ;
    pcfg:inMappingSet <mapping-set/t> .

<mapping-set/t> a pcfg:MappingSet ;
    dcterms:title "Test mappings"@en ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
"""


def iri(rel: str) -> str:
    """A relative IRI of the test graph, absolute."""
    return iris.ID_BASE + rel


@dataclass(frozen=True)
class Case:
    """An edit of the base graph and the finding (rule at focus) it must (not) produce."""

    id: str
    rule: str
    focus: str
    remove: str = ""
    add: str = ""

    @property
    def focus_iri(self) -> str:
        return iri(self.focus)


def parse(body: str) -> Graph:
    return Graph().parse(data=PREFIXES + body, format="turtle")


@cache
def _ontology_quads() -> tuple[object, ...]:
    return tuple(load_turtle(ONTOLOGY, str(iris.ontology_graph())))


def graph_for(remove: str = "", add: str = "") -> Graph:
    graph = parse(BASE_TTL)
    removed = parse(remove) if remove else Graph()
    for triple in removed:
        assert triple in graph, f"test edit removes a triple the base graph lacks: {triple}"
        graph.remove(triple)
    if add:
        graph += parse(add)
    return graph


def store_for(graph: Graph) -> EmbeddedStore:
    store = EmbeddedStore()
    store.add_quads(_ontology_quads())  # type: ignore[arg-type]
    store.add_quads(rdflib_to_quads(graph, str(iris.framework_graph("test"))))
    return store


def validate_case(case: Case, *, shacl: bool = True, checks: bool = True) -> ValidationReport:
    store = store_for(graph_for(case.remove, case.add))
    return validate_store(store, shapes=None if shacl else [], checks=None if checks else [])


def matching(report: ValidationReport, case: Case) -> list[Finding]:
    return [f for f in report.findings if f.rule == case.rule and f.focus == case.focus_iri]


def describe(report: ValidationReport) -> str:
    return "\n".join(f"{f.rule} {f.focus} {f.path} {f.value!r}" for f in report.findings)
