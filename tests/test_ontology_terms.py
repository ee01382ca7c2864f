"""The vocabularies as an ontologist reads them in an ontology editor: every class and
property pcfgraph defines says what it is (a label and a definition), each vocabulary states
its version and licence, and every own term the shipped data uses is declared."""

from __future__ import annotations

import re
from typing import Any

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from pcfgraph import iris
from pcfgraph.resources import resource_dir

TERM_KINDS = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)
OWN = (str(iris.PCFG), str(iris.ORGM))


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in ("pcfgraph.ttl", "orgmodel.ttl"):
        graph.parse(resource_dir("ontology") / name, format="turtle")
    return graph


def _english(graph: rdflib.Graph, term: rdflib.URIRef, *predicates: rdflib.URIRef) -> list[str]:
    return [
        str(o)
        for p in predicates
        for o in graph.objects(term, p)
        if isinstance(o, rdflib.Literal) and o.language == "en" and str(o).strip()
    ]


def test_every_class_and_property_has_a_label_and_a_definition(ontology: rdflib.Graph) -> None:
    terms = {
        t
        for kind in TERM_KINDS
        for t in ontology.subjects(RDF.type, kind)
        if isinstance(t, rdflib.URIRef) and str(t).startswith(OWN)
    }
    assert len(terms) > 150
    unlabelled = sorted(str(t) for t in terms if len(_english(ontology, t, RDFS.label)) != 1)
    undefined = sorted(
        str(t) for t in terms if not _english(ontology, t, SKOS.definition, RDFS.comment)
    )
    assert unlabelled == [] and undefined == []
    # and says which vocabulary defines it (what LOV, Widoco and ontology editors group by)
    elsewhere = sorted(
        str(t)
        for t in terms
        if set(ontology.objects(t, RDFS.isDefinedBy)) != {rdflib.URIRef(str(t).partition("#")[0])}
    )
    assert elsewhere == []


def test_each_vocabulary_states_its_version_and_licence(ontology: rdflib.Graph) -> None:
    for vocabulary in (iris.ONTOLOGY_IRI, iris.ORG_ONTOLOGY_IRI):
        node = rdflib.URIRef(vocabulary)
        assert (node, RDF.type, OWL.Ontology) in ontology
        assert ontology.value(node, OWL.versionIRI) == rdflib.URIRef(
            f"{vocabulary}/{ontology.value(node, OWL.versionInfo)}"
        )
        assert ontology.value(node, DCTERMS.license) is not None
        assert _english(ontology, node, DCTERMS.title)


def test_every_own_term_the_shipped_data_uses_is_declared(
    ontology: rdflib.Graph, shipped_release: Any
) -> None:
    rows = shipped_release.store.store.query(
        "SELECT DISTINCT ?t WHERE { GRAPH ?g { { ?s ?t ?o } UNION { ?s a ?t } } }"
    )
    used = {r["t"].value for r in rows}
    own = {t for t in used if t.startswith(OWN)}
    declared = {str(s) for s in ontology.subjects(RDF.type, None)}
    assert len(own) > 50
    assert sorted(own - declared) == []


def test_a_terms_iri_followed_in_a_browser_shows_the_term(
    ontology: rdflib.Graph, shipped_release: Any
) -> None:
    # pcfg:Element is https://w3id.org/pcfgraph/ontology#Element: a browser asks for
    # /ontology, is sent (303) to the ontology graph's page and looks for #Element there.
    # The page only counted the graph's classes: no term had a row, no fragment a target.
    from html import unescape

    from fastapi.testclient import TestClient

    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    client = TestClient(create_app(Settings(), shipped_release))
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = client.get("/ontology", headers=browser)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    rows = dict(re.findall(r'<tr id="([^"]+)">(.*?)</tr>', r.text, re.S))
    terms = {
        t
        for kind in TERM_KINDS[:4]
        for t in ontology.subjects(RDF.type, kind)
        if isinstance(t, rdflib.URIRef) and str(t).startswith(OWN)
    }
    assert len(terms) > 150
    for term in terms:
        row = unescape(rows.get(str(term).partition("#")[2], ""))
        assert str(term) in row, term
        assert _english(ontology, term, RDFS.label)[0] in row, term
        assert _english(ontology, term, SKOS.definition, RDFS.comment)[0] in row, term
