"""Every curated mapping row names its two elements by the names the frameworks give them.

A row's ``subject_label`` and ``object_label`` are what SSSOM consumers (and the CSV, JSON and
Turtle exports) show for the pair, so each must be the element's ``skos:prefLabel`` exactly
(whitespace normalised): a label that differs from the framework's own name misquotes the
source (the TRIM set once called ``trim:team/customer-team`` "Customer Team", which the TRIM
page and the graph call "Customer team")."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from apqc_support import EXTRACT_81
from rdflib import Graph, URIRef

from pcfgraph import iris
from pcfgraph.iris import SKOS
from pcfgraph.mappings import read_mapping_set
from pcfgraph.resources import resource_dir

DATA = resource_dir("data")
SETS = sorted((DATA / "mappings").glob("*.sssom.tsv"))
TURTLE = (
    "prm-it/prm-it.ttl",
    "it-cmf/it-cmf-relationship-management.ttl",
    "trim/trim-customer-management.ttl",
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def _names() -> dict[URIRef, frozenset[str]]:
    """prefLabels of the shipped PRM-IT, IT-CMF and TRIM elements and of PCF 8.1 (the 8.1
    extract of the shipped workbook, which tests/test_importer_apqc.py checks against it)."""
    from pcfgraph.importers.apqc import import_workbook

    g = Graph()
    for rel in TURTLE:
        g.parse(DATA / rel, format="turtle", publicID=iris.ID_BASE)
    apqc = import_workbook(EXTRACT_81, edition="Cross-Industry", version="7.4", progress=False)
    g += apqc.graph
    out: dict[URIRef, set[str]] = {}
    for s, o in g.subject_objects(SKOS.prefLabel):
        if isinstance(s, URIRef):
            out.setdefault(s, set()).add(_norm(str(o)))
    return {k: frozenset(v) for k, v in out.items()}


def test_the_names_cover_every_framework() -> None:
    names = _names()
    assert names[URIRef(iris.apqc_element("Cross-Industry", "7.4", 20620))] == {
        "Determine IT performance indicators"
    }
    assert names[URIRef(iris.prm_it("A24"))] == {"Service Level Management"}
    assert names[URIRef(iris.trim("team", "Customer team"))] == {"Customer team"}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_row_labels_are_the_elements_own_names(path: Path) -> None:
    names = _names()
    wrong = []
    for r in read_mapping_set(path).rows:
        for side, iri, label in (
            ("subject", r.subject, r.subject_label),
            ("object", r.object, r.object_label),
        ):
            if side == "object" and r.no_term_found:
                continue
            assert iri in names, f"line {r.line}: {side} {iri} is no shipped element"
            if label is None or _norm(label) not in names[iri]:
                wrong.append((r.line, side, label, sorted(names[iri])))
    assert not wrong, wrong
