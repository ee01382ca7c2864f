"""The shipped APQC workbook, imported once per test process (it is 1,921 elements: tests that
only need a small APQC workbook use ``fixtures/pcf-cross-industry-7.4-group-8.1.xlsx``)."""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import Graph, URIRef

from pcfgraph.importers.apqc import ApqcImport, import_workbook
from pcfgraph.iris import PCFG, SKOS
from pcfgraph.resources import resource_dir

SHIPPED_74 = resource_dir("data") / "apqc" / "apqc-pcf-cross-industry-7.4.xlsx"
EXTRACT_81 = Path(__file__).parent / "fixtures" / "pcf-cross-industry-7.4-group-8.1.xlsx"


@functools.cache
def shipped_74() -> ApqcImport:
    return import_workbook(SHIPPED_74, progress=False)


def subtree(g: Graph, root: URIRef) -> set[URIRef]:
    """``root`` and everything below it by ``skos:broader``."""
    return {root} | {s for s in g.transitive_subjects(SKOS.broader, root) if isinstance(s, URIRef)}


def about(g: Graph, elements: set[URIRef]) -> set[tuple[object, object, object]]:
    """Triples whose subject is an element, one of its change records or one of its measures."""
    subjects: set[object] = set(elements)
    for e in elements:
        subjects.update(g.objects(e, PCFG.change))
        subjects.update(g.subjects(PCFG.measureOf, e))
    return {t for s in subjects for t in g.triples((s, None, None))}
