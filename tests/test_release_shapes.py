"""The framework shapes split by graph (:mod:`pcfgraph.release_shapes`): each imported
workbook validated alone in its worker, the rest once, give exactly the findings of pySHACL
over the union; where they would not (another graph says more about a workbook's nodes) the
split refuses and the union is validated. A workbook whose graph breaks a shape names its
file, sheet and row."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from identity_support import workbook

from pcfgraph import iris
from pcfgraph.importers.apqc import ApqcImport, import_workbook
from pcfgraph.release_shapes import Split, ontology_triples, validate_framework_triples
from pcfgraph.sources import shape_error
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import Finding, validate_store

SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def imports(tmp_path_factory: pytest.TempPathFactory) -> list[ApqcImport]:
    d = tmp_path_factory.mktemp("wb")
    rows = [
        [10002, "1.0", "Vision", "Def"],
        [17040, "1.1", "Concept", "D"],
        [17041, "1.1.1", "Idea", "D"],
    ]
    return [
        import_workbook(workbook(d / "k01234-banking-v731.xlsx", rows)),
        import_workbook(workbook(d / "k01235-retail-v731.xlsx", rows[:2])),
    ]


def element(imp: ApqcImport, pcf_id: int) -> ox.NamedNode:
    return ox.NamedNode(str(iris.apqc_element(imp.edition, imp.version, pcf_id)))


def without(triples: list[ox.Triple], subject: ox.NamedNode, predicate: str) -> list[ox.Triple]:
    return [t for t in triples if not (t.subject == subject and t.predicate.value == predicate)]


def store_of(parts: dict[str, list[ox.Triple]]) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
        for g, triples in parts.items()
        for t in triples
    )
    return store


def key(f: Finding) -> tuple[Any, ...]:
    return (f.focus, f.rule, f.severity, f.path, f.value, f.message)


def union_findings(store: ox.Store) -> set[tuple[Any, ...]]:
    return {key(f) for f in validate_store(EmbeddedStore(store), checks=[]).findings}


def split_findings(
    store: ox.Store, workbooks: dict[str, list[ox.Triple]]
) -> set[tuple[Any, ...]] | None:
    split = Split(store, workbooks)
    if not split.local():
        return None
    found = {key(f) for f in split.validate_rest()}
    for triples in workbooks.values():
        found |= {key(f) for f in validate_framework_triples(triples)}
    return found


def parts(
    imports: list[ApqcImport], banking: list[ox.Triple], extra: list[ox.Triple]
) -> tuple[dict[str, list[ox.Triple]], dict[str, list[ox.Triple]]]:
    workbooks = {str(iris.framework_graph(imports[0].framework_id)): banking}
    workbooks[str(iris.framework_graph(imports[1].framework_id))] = imports[1].triples
    others = {str(iris.ontology_graph()): list(ontology_triples()), "urn:test:mappings": extra}
    return workbooks, {**workbooks, **others}


def record(source: ox.NamedNode, target: ox.NamedNode) -> list[ox.Triple]:
    rec = ox.NamedNode("urn:test:record")
    return [
        ox.Triple(rec, RDF_TYPE, ox.NamedNode(str(iris.PCFG.MappingRecord))),
        ox.Triple(rec, ox.NamedNode(OWL + "annotatedSource"), source),
        ox.Triple(rec, ox.NamedNode(OWL + "annotatedTarget"), target),
        ox.Triple(rec, ox.NamedNode(OWL + "annotatedProperty"), ox.NamedNode(SKOS + "exactMatch")),
    ]


def test_split_gives_the_union_findings_on_a_clean_graph(imports: list[ApqcImport]) -> None:
    a, b = imports
    workbooks, everything = parts(imports, a.triples, record(element(a, 17040), element(b, 17040)))
    store = store_of(everything)
    found = split_findings(store, workbooks)
    assert found is not None and found == union_findings(store)
    # the record lacks its justification: a finding of the rest, not of a workbook
    assert any(f[0] == "urn:test:record" for f in found)


def test_split_gives_the_union_findings_with_violations_on_both_sides(
    imports: list[ApqcImport],
) -> None:
    a, _b = imports
    broken = without(a.triples, element(a, 17041), SKOS + "notation")  # ElementNotationShape
    missing = ox.NamedNode(str(iris.apqc_element(a.edition, a.version, 99999)))  # no element
    workbooks, everything = parts(imports, broken, record(element(a, 17041), missing))
    store = store_of(everything)
    found = split_findings(store, workbooks)
    union = union_findings(store)
    assert found is not None and found == union
    focuses = {f[0] for f in union if f[2] == "Violation"}
    assert {element(a, 17041).value, "urn:test:record"} <= focuses


def test_split_refuses_when_another_graph_says_more_about_a_workbook_node(
    imports: list[ApqcImport],
) -> None:
    a, _b = imports
    second = ox.Triple(element(a, 17040), ox.NamedNode(SKOS + "notation"), ox.Literal("9.9"))
    workbooks, everything = parts(imports, a.triples, [second])
    store = store_of(everything)
    assert split_findings(store, workbooks) is None  # maxCount 1 only shows in the union
    assert any(f[0] == element(a, 17040).value for f in union_findings(store))
    # the same statement inside the workbook graph itself is local again
    workbooks, everything = parts(imports, [*a.triples, second], [])
    assert split_findings(store_of(everything), workbooks) is not None


def test_split_refuses_when_one_workbook_graph_says_more_about_anothers_node(
    imports: list[ApqcImport],
) -> None:
    a, b = imports
    # the retail graph gives a banking element a second notation: neither worker sees both
    second = ox.Triple(element(a, 17040), ox.NamedNode(SKOS + "notation"), ox.Literal("9.9"))
    workbooks = {
        str(iris.framework_graph(a.framework_id)): a.triples,
        str(iris.framework_graph(b.framework_id)): [*b.triples, second],
    }
    store = store_of({**workbooks, str(iris.ontology_graph()): list(ontology_triples())})
    assert split_findings(store, workbooks) is None
    assert any(f[0] == element(a, 17040).value for f in union_findings(store))


def test_a_workbook_breaking_a_shape_names_file_sheet_and_row(
    imports: list[ApqcImport], tmp_path: Path
) -> None:
    a = imports[0]
    assert shape_error(a, tmp_path / "k01234-banking-v731.xlsx") is None
    broken = dataclasses.replace(
        a, triples=without(a.triples, element(a, 17041), SKOS + "prefLabel")
    )
    error = shape_error(broken, tmp_path / "k01234-banking-v731.xlsx")
    assert error is not None
    assert (error.file, error.sheet, error.row) == ("k01234-banking-v731.xlsx", "Combined", 4)
    assert str(element(a, 17041).value) in str(error)
