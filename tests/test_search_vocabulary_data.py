"""The search vocabulary is data, the SKOS way: its abbreviations and synonyms are in the
shipped graph, so each term has a page under /id/ and is in every export (issue 16)."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi.testclient import TestClient

from pcfgraph import iris
from pcfgraph.config import Settings
from pcfgraph.export import export_bytes
from pcfgraph.release import Release
from pcfgraph.serving import create_app

SKOS = "http://www.w3.org/2004/02/skos/core#"


def test_terms_have_pages_and_are_exported(shipped_release: Release) -> None:
    release = shipped_release
    term = str(iris.vocabulary_term("search-terms", "operational-level-agreement"))
    ola = ox.Triple(
        ox.NamedNode(term), ox.NamedNode(SKOS + "altLabel"), ox.Literal("OLA", language="en")
    )
    exported = set(
        ox.parse(export_bytes(release.store, ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
    )
    assert ola in {q.triple for q in exported}
    graph = ox.NamedNode(str(iris.vocabulary_graph("search-terms")))
    assert ox.Quad(ola.subject, ola.predicate, ola.object, graph) in exported

    with TestClient(create_app(Settings(), release)) as client:
        path = iris.id_path(term)
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, page.text
        assert "OLA" in page.text and "operational level agreement" in page.text
        turtle = client.get(path, headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200
        triples = {q.triple for q in ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)}
        assert ola in triples
