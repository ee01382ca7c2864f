"""APQC PCF workbook importer and ``pcfgraph import apqc``: small workbooks built in tmp_path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pytest
from apqc_support import EXTRACT_81, about, shipped_74, subtree
from click.testing import CliRunner
from openpyxl import Workbook
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from pcfgraph import iris
from pcfgraph.cli.importer import import_
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import (
    edition_version_from_name,
    import_workbook,
    parse_changes,
    parse_hierarchy_id,
)
from pcfgraph.iris import DCTERMS, PCFG, PROV, SKOS
from pcfgraph.resources import resource_dir

H74 = [
    "PCF ID",
    "Hierarchy ID",
    "Name",
    "Difference Index",
    "Change details",
    "Metrics available?",
    "Element Description",
]
H72 = H74[:6]
HMETRICS = [
    "Process Element ID",
    "Hierarchy ID",
    "Process element",
    "Metric Category",
    "Metric ID",
    "Metric name",
    "Formula",
    "Units",
]
HGLOSSARY = ["Process Element ID", "Hierarchy ID", "Process element", "Definition"]

Rows = Sequence[Sequence[Any]]


def workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    wb = Workbook()
    first = True
    for name, rows in sheets.items():
        if first:
            ws = wb.active
            assert ws is not None
            ws.title = name
            first = False
        else:
            ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def el(edition: str, version: str, pcf_id: int) -> URIRef:
    return iris.apqc_element(edition, version, pcf_id)


def E(pcf_id: int) -> URIRef:
    return el("Cross-Industry", "7.4", pcf_id)


BASIC_74: list[list[Any]] = [
    H74,
    [20607, "8.0", "Manage  IT ", 11, None, "Y", "Managing IT."],
    [
        20608,
        "8.1",
        "Develop and manage IT customer relationships",
        1,
        "+20609, NEW",
        "Y",
        "Def 8.1",
    ],
    [20609, "8.1.1", "Understand IT customer needs", 0, None, "N", " Assess\n needs. "],
    [20610, "8.1.1.1", "Understand IT customer communities", 0, None, "N", None],
]
METRICS_74: list[list[Any]] = [
    HMETRICS,
    [20608, "8.1", "x", "Supplemental Information", 106448, "Pct of IT cost", "a / b", " Percent "],
    [20608, "8.1", "x", "Cost Effectiveness", 101483, "Other cost", "c", "Dollars"],
]


def test_7_4_layout(tmp_path: Path) -> None:
    p = workbook(
        tmp_path / "apqc-pcf-cross-industry-7.4.xlsx",
        {"Intro": [["hello"]], "Combined": BASIC_74, "Metrics": METRICS_74},
    )
    r = import_workbook(p, progress=False)
    assert (r.framework_id, r.edition, r.version) == (
        "apqc-pcf-cross-industry-7.4",
        "Cross-Industry",
        "7.4",
    )
    assert r.elements == 4 and r.metrics == 2
    assert r.counts == {
        "category": 1,
        "processGroup": 1,
        "process": 1,
        "activity": 1,
        "task": 0,
        "step": 0,
    }
    g = r.graph
    assert g.value(E(20607), SKOS.prefLabel) == Literal("Manage IT", lang="en")
    assert g.value(E(20609), SKOS.definition) == Literal("Assess needs.", lang="en")
    assert g.value(E(20610), SKOS.definition) is None
    assert set(g.objects(E(20609), SKOS.broader)) == {E(20608)}
    assert set(g.objects(E(20608), SKOS.broader)) == {E(20607)}
    assert set(g.objects(E(20608), SKOS.narrower)) == {E(20609)}
    assert (E(20607), SKOS.topConceptOf, r.scheme) in g
    assert set(g.objects(r.scheme, SKOS.hasTopConcept)) == {E(20607)}
    assert set(g.objects(E(20610), RDF.type)) == {PCFG.PCFActivity, SKOS.Concept, PCFG.PCFElement}
    m = iris.apqc_measure("Cross-Industry", "7.4", 106448)
    assert g.value(m, PCFG.units) == Literal("percent")
    assert g.value(iris.apqc_measure("Cross-Industry", "7.4", 101483), PCFG.units) == Literal(
        "dollars"
    )
    assert g.value(m, PCFG.measureOf) == E(20608)
    cat = iris.apqc_measure_category("Supplemental Information")
    assert g.value(m, PCFG.measureCategory) == cat
    assert {PCFG.MeasureCategory, SKOS.Concept} <= set(g.objects(cat, RDF.type))
    # APQC's notice on the scheme and everything derived from the PCF
    notice = iris.apqc_notice()
    derived = [r.scheme, m, cat] + [E(i) for i in (20607, 20608, 20609, 20610)]
    assert all((s, DCTERMS.rights, notice) in g for s in derived)
    assert "APQC" in str(g.value(notice, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))


def test_7_2_layout_with_glossary(tmp_path: Path) -> None:
    combined = [r[:6] for r in BASIC_74]
    combined[0] = H72
    glossary = [
        HGLOSSARY,
        [10001, None, "Root", "This is the root of the PCF hierarchy"],
        [20607, "8.0", "Manage IT", "Managing IT."],
        [20609, "8.1.1", "Understand IT customer needs", "Assess  needs."],
    ]
    p = workbook(
        tmp_path / "apqc-pcf-utilities-7.2.1.xlsx",
        {"Combined": combined, "Glossary terms": glossary},
    )
    r = import_workbook(p, progress=False)
    assert (r.edition, r.version, r.framework_id) == (
        "Utilities",
        "7.2.1",
        "apqc-pcf-utilities-7.2.1",
    )
    g = r.graph
    u = lambda i: el("Utilities", "7.2.1", i)  # noqa: E731
    assert g.value(u(20609), SKOS.definition) == Literal("Assess needs.", lang="en")
    assert g.value(u(20608), SKOS.definition) is None  # a row without a definition
    assert not list(g.subjects(PCFG.pcfId, Literal(10001)))  # Root skipped
    assert r.metrics == 0


def test_four_columns_sixth_level_fourteenth_category(tmp_path: Path) -> None:
    rows = [
        ["pcf id", "HIERARCHY  ID", " Name ", "Metrics Available?"],
        [19264, "14.0", "Operate Utility Assets", "N"],
        [11264, "14.1", "Operate networks", "Y"],
        [11265, "14.1.1", "Develop operations strategy", "N"],
        [19265, "14.1.1.1", "Determine goals", "N"],
        [19266, "14.1.1.1.1", "Task", "N"],
        [19267, "14.1.1.1.1.1", "Step", "N"],
        [19268, "14.10", "Tenth group", "N"],
    ]
    p = workbook(tmp_path / "x.xlsx", {"Combined": rows})
    r = import_workbook(p, edition="Utilities", version="7.2.1", progress=False)
    assert r.counts["category"] == 1 and r.counts["step"] == 1 and r.elements == 7
    u = lambda i: el("Utilities", "7.2.1", i)  # noqa: E731
    g = r.graph
    assert PCFG.PCFStep in set(g.objects(u(19267), RDF.type))
    assert g.value(u(19267), PCFG.level) == Literal(6)
    assert g.value(u(19267), SKOS.broader) == u(19266)
    assert g.value(u(19268), SKOS.broader) == u(19264)  # "14.10" is not "14.1"
    assert g.value(u(11264), PCFG.metricsAvailable) == Literal(True)
    assert g.value(u(11264), PCFG.differenceIndex) is None


def test_per_category_sheets_without_combined(tmp_path: Path) -> None:
    p = workbook(
        tmp_path / "x.xlsx",
        {
            "10.0": [H72[:3], [19207, "10.0", "Assets"], [10937, "10.1", "Plan assets"]],
            "1.0": [H72[:3], [10002, "1.0", "Vision"], [17040, "1.1", "Concept"]],
            "Categories": [["nothing"]],
        },
    )
    r = import_workbook(p, edition="Cross-Industry", version="7.4", progress=False)
    assert r.counts["category"] == 2 and r.elements == 4
    assert r.graph.value(E(10937), SKOS.broader) == E(19207)
    assert r.graph.value(E(17040), SKOS.broader) == E(10002)


def test_header_row_not_first_and_case_variations(tmp_path: Path) -> None:
    rows = [
        ["APQC Process Classification Framework"],
        [],
        [
            "PCF id",
            "hierarchy id",
            "NAME",
            "difference index",
            "Change Details",
            "METRICS AVAILABLE?",
        ],
        [20607, "8.0", "Manage IT", 3, "c20608", "y"],
        [20608, "8.1", "Relationships", 0, None, "N"],
    ]
    p = workbook(tmp_path / "x.xlsx", {"COMBINED": rows})
    r = import_workbook(p, edition="Cross-Industry", version="7.4", progress=False)
    assert r.elements == 2
    assert r.graph.value(E(20607), PCFG.changeDetails) == Literal("c20608")
    assert r.graph.value(E(20607), PCFG.metricsAvailable) == Literal(True)


def test_change_tokens() -> None:
    text = "+20609, -16791, c10024, NEW, RENAME, WAS:Develop care, support, and service"
    changes, unreadable = parse_changes(text)
    assert unreadable == []
    assert [(c.cls, c.changed_pcf_id, c.previous_name) for c in changes] == [
        (PCFG.ChildAdded, 20609, None),
        (PCFG.ChildRemoved, 16791, None),
        (PCFG.ChildChanged, 10024, None),
        (PCFG.ElementNew, None, None),
        (PCFG.ElementRenamed, None, "Develop care, support, and service"),
    ]
    changes, unreadable = parse_changes("+1, .16801, -2")
    assert unreadable == [".16801"] and len(changes) == 2


def test_change_resources_in_graph(tmp_path: Path) -> None:
    rows = [
        H72,
        [1, "1.0", "A", 1, "c2, RENAME, WAS:Develop care, support, and service", "N"],
        [2, "1.1", "B", 1, "NEW", "N"],
    ]
    p = workbook(tmp_path / "pcf-cross-industry-7.4-group-1.xlsx", {"Combined": rows})
    r = import_workbook(p, progress=False)
    g = r.graph
    c1 = iris.apqc_change("Cross-Industry", "7.4", 1, 1)
    c2 = iris.apqc_change("Cross-Industry", "7.4", 1, 2)
    assert set(g.objects(E(1), PCFG.change)) == {c1, c2}
    assert g.value(c1, RDF.type) == PCFG.ChildChanged and g.value(c1, PCFG.changedPcfId) == Literal(
        2
    )
    assert g.value(c2, RDF.type) == PCFG.ElementRenamed
    assert g.value(c2, PCFG.previousName) == Literal("Develop care, support, and service")
    assert g.value(E(1), PCFG.changeDetails) == Literal(
        "c2, RENAME, WAS:Develop care, support, and service"
    )


@pytest.mark.parametrize(
    ("text", "level", "parent"),
    [
        ("8.0", 1, None),
        ("10.0", 1, None),
        ("8.1", 2, "8.0"),
        ("10.1", 2, "10.0"),
        ("8.10", 2, "8.0"),
        ("8.1.5.3", 4, "8.1.5"),
        ("8.1.10", 3, "8.1"),
    ],
)
def test_parse_hierarchy_id(text: str, level: int, parent: str | None) -> None:
    assert parse_hierarchy_id(text) == (level, parent)


@pytest.mark.parametrize("text", ["8", "8.", "8.0.1", "0.1", "8.01", "a.1", "1.1.1.1.1.1.1", ""])
def test_parse_hierarchy_id_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hierarchy_id(text)


def test_edition_version_from_file_name() -> None:
    assert edition_version_from_name("apqc-pcf-cross-industry-7.4.xlsx") == (
        "Cross-Industry",
        "7.4",
    )
    assert edition_version_from_name("apqc-pcf-utilities-7.2.1.xlsx") == ("Utilities", "7.2.1")
    assert edition_version_from_name("pcf-cross-industry-7.4-group-8.1.xlsx") == (
        "Cross-Industry",
        "7.4",
    )
    assert edition_version_from_name("workbook.xlsx") is None


# --- errors name sheet, row and column ----------------------------------------------------------


def _error(tmp_path: Path, sheets: dict[str, Rows], **kw: Any) -> WorkbookError:
    p = workbook(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", sheets)
    with pytest.raises(WorkbookError) as info:
        import_workbook(p, progress=False, **kw)
    return info.value


def test_error_missing_required_column(tmp_path: Path) -> None:
    err = _error(tmp_path, {"Combined": [["PCF ID", "Name"], [1, "A"]]})
    assert (err.sheet, err.row, err.column) == ("Combined", 1, "Hierarchy ID")
    assert "sheet 'Combined', row 1, column 'Hierarchy ID'" in str(err)


def test_error_duplicate_pcf_id_names_both_rows(tmp_path: Path) -> None:
    rows = [H72[:3], [1, "1.0", "A"], [2, "1.1", "B"], [2, "1.2", "C"]]
    err = _error(tmp_path, {"Combined": rows})
    assert (err.sheet, err.row, err.column) == ("Combined", 4, "PCF ID")
    assert "row 3" in str(err) and "row 4" in str(err)


def test_error_duplicate_hierarchy_id(tmp_path: Path) -> None:
    rows = [H72[:3], [1, "1.0", "A"], [2, "1.1", "B"], [3, "1.1", "C"]]
    err = _error(tmp_path, {"Combined": rows})
    assert (err.sheet, err.row, err.column) == ("Combined", 4, "Hierarchy ID")


def test_error_parent_absent(tmp_path: Path) -> None:
    rows = [H72[:3], [20608, "8.1", "Group"], [20609, "8.1.1", "Process"]]
    err = _error(tmp_path, {"Combined": rows})
    assert (err.sheet, err.row, err.column) == ("Combined", 2, "Hierarchy ID")
    assert "'8.0'" in str(err)


def test_error_non_integer_pcf_id_and_bad_hierarchy_id(tmp_path: Path) -> None:
    err = _error(tmp_path, {"Combined": [H72[:3], ["x1", "1.0", "A"]]})
    assert (err.sheet, err.row, err.column) == ("Combined", 2, "PCF ID")
    err = _error(tmp_path, {"Combined": [H72[:3], [1, "1.0", "A"], [2, "1..2", "B"]]})
    assert (err.sheet, err.row, err.column) == ("Combined", 3, "Hierarchy ID")
    # a number that is not a whole category (8.1 may have been 8.10); 1.0 is read as '1.0'
    # with a warning (test_importer_apqc_layouts.py)
    err = _error(tmp_path, {"Combined": [H72[:3], [1, "1.0", "A"], [2, 1.1, "B"]]})
    assert (err.row, err.column) == (3, "Hierarchy ID")


def test_error_unknown_layout(tmp_path: Path) -> None:
    err = _error(tmp_path, {"Combined": [["Code", "Title"], ["1.0", "A"]]})
    # the sheet and the rows searched, not a cell (row 1 was never the problem)
    assert (err.sheet, err.row, err.column) == ("Combined", None, None)
    assert "unknown layout" in str(err)
    err = _error(tmp_path, {"Sheet": [["PCF ID"]]})
    assert err.sheet == "Sheet" and "unknown layout" in str(err)


def test_error_metric_for_absent_element(tmp_path: Path) -> None:
    metrics = [HMETRICS, [99999, "9.9", "x", "Cycle Time", 1, "m", "f", "days"]]
    err = _error(tmp_path, {"Combined": BASIC_74, "Metrics": metrics})
    assert (err.sheet, err.row, err.column) == ("Metrics", 2, "Process Element ID")


def test_a_metric_or_glossary_row_whose_hierarchy_id_disagrees_is_warned(tmp_path: Path) -> None:
    """A Metrics or glossary row for PCF ID 20608 saying hierarchy ID '9.9' (the element is
    '8.1': a mis-edited workbook) was taken silently. It is still attached by PCF ID (the
    identity), with a warning naming sheet, row and both hierarchy IDs."""
    metrics = [HMETRICS, [20608, "9.9", "x", "Cycle Time", 1, "m", "f", "days"]]
    glossary = [HGLOSSARY, [20609, "8.1.2", "x", "Understanding."]]
    rows = [row[:6] for row in BASIC_74]
    p = workbook(
        tmp_path / "apqc-pcf-cross-industry-7.4.xlsx",
        {"Combined": rows, "Metrics": metrics, "Glossary terms": glossary},
    )
    result = import_workbook(p, progress=False)
    assert result.metrics == 1 and result.graph.value(E(20609), SKOS.definition) is not None
    assert {w for w in result.warnings if "attached by PCF ID" in w} == {
        "sheet 'Metrics', row 2, column 'Hierarchy ID': '9.9', but PCF ID 20608 is '8.1' "
        "in the element sheets; attached by PCF ID",
        "sheet 'Glossary terms', row 2, column 'Hierarchy ID': '8.1.2', but PCF ID 20609 is "
        "'8.1.1' in the element sheets; attached by PCF ID",
    }
    agreeing = [HMETRICS, [20608, "8.1", "x", "Cycle Time", 1, "m", "f", "days"]]
    p = workbook(
        tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", {"Combined": rows, "Metrics": agreeing}
    )
    assert not [w for w in import_workbook(p, progress=False).warnings if "by PCF ID" in w]


def test_error_no_edition_version(tmp_path: Path) -> None:
    p = workbook(tmp_path / "workbook.xlsx", {"Combined": BASIC_74})
    with pytest.raises(WorkbookError, match="--edition"):
        import_workbook(p, progress=False)
    assert import_workbook(p, edition="Cross-Industry", version="7.4", progress=False).elements == 4


# --- expected graph by isomorphism --------------------------------------------------------------

EXPECTED_TTL = """
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@base <https://w3id.org/pcfgraph/id/> .

<framework/apqc-pcf-tiny-1.0> a skos:ConceptScheme , pcfg:Framework ;
    pcfg:frameworkId "apqc-pcf-tiny-1.0" ;
    dcterms:title "APQC Process Classification Framework (PCF) – Tiny 1.0"@en ;
    skos:prefLabel "APQC Process Classification Framework (PCF) – Tiny 1.0"@en ;
    owl:versionInfo "1.0" ;
    pcfg:edition "Tiny" ;
    dcterms:publisher "APQC" ;
    dcterms:source "pcf-tiny-1.0.xlsx" ;
    dcterms:license <https://www.apqc.org/pcf> ;
    dcterms:rights <apqc-pcf/notice> ;
    prov:wasDerivedFrom <framework/apqc-pcf-tiny-1.0/source/pcf-tiny-1.0.xlsx> ;
    dcterms:isVersionOf <framework/apqc-pcf> ;
    skos:hasTopConcept <apqc-pcf/tiny/1.0/1> .

<framework/apqc-pcf-tiny-1.0/source/pcf-tiny-1.0.xlsx> a prov:Entity ;
    dcterms:title "pcf-tiny-1.0.xlsx" ;
    dcterms:publisher "APQC" .

<framework/apqc-pcf> a pcfg:FrameworkFamily ;
    skos:prefLabel "APQC Process Classification Framework (PCF)"@en ;
    dcterms:rights <apqc-pcf/notice> .

<apqc-pcf/notice> a dcterms:RightsStatement ;
    rdfs:label "©2024 APQC. ALL RIGHTS RESERVED. The APQC Process Classification Framework® (PCF) is used with permission of APQC. APQC encourages the wide distribution, discussion, and use of the PCF for classifying and defining processes and grants permission to use the PCF for both internal and external purposes."@en ;
    dcterms:source <https://www.apqc.org/pcf> .

<apqc-pcf/tiny/1.0/1> a pcfg:PCFCategory , skos:Concept , pcfg:PCFElement ;
    skos:notation "1.0" ; pcfg:hierarchyId "1.0" ; pcfg:pcfId 1 ; pcfg:level 1 ;
    skos:prefLabel "Vision"@en ;
    skos:definition "Set the vision."@en ;
    pcfg:metricsAvailable true ;
    pcfg:differenceIndex 2 ;
    pcfg:changeDetails "+2, RENAME, WAS:Old, name" ;
    pcfg:change <apqc-pcf/tiny/1.0/1/change/1> , <apqc-pcf/tiny/1.0/1/change/2> ;
    skos:inScheme <framework/apqc-pcf-tiny-1.0> ;
    skos:topConceptOf <framework/apqc-pcf-tiny-1.0> ;
    skos:narrower <apqc-pcf/tiny/1.0/2> ;
    dcterms:rights <apqc-pcf/notice> ;
    dcterms:isVersionOf <apqc-pcf/element/1> .

<apqc-pcf/tiny/1.0/1/change/1> a pcfg:ChildAdded ; pcfg:changedPcfId 2 ;
    dcterms:rights <apqc-pcf/notice> .
<apqc-pcf/tiny/1.0/1/change/2> a pcfg:ElementRenamed ; pcfg:previousName "Old, name" ;
    dcterms:rights <apqc-pcf/notice> .

<apqc-pcf/tiny/1.0/2> a pcfg:PCFProcessGroup , skos:Concept , pcfg:PCFElement ;
    skos:notation "1.1" ; pcfg:hierarchyId "1.1" ; pcfg:pcfId 2 ; pcfg:level 2 ;
    skos:prefLabel "Concept"@en ;
    pcfg:metricsAvailable false ;
    pcfg:differenceIndex 0 ;
    skos:inScheme <framework/apqc-pcf-tiny-1.0> ;
    skos:broader <apqc-pcf/tiny/1.0/1> ;
    dcterms:rights <apqc-pcf/notice> ;
    dcterms:isVersionOf <apqc-pcf/element/2> .

<apqc-pcf/element/1> a pcfg:PCFStableElement ; pcfg:pcfId 1 ;
    dcterms:hasVersion <apqc-pcf/tiny/1.0/1> ;
    dcterms:rights <apqc-pcf/notice> .
<apqc-pcf/element/2> a pcfg:PCFStableElement ; pcfg:pcfId 2 ;
    dcterms:hasVersion <apqc-pcf/tiny/1.0/2> ;
    dcterms:rights <apqc-pcf/notice> .

<apqc-pcf/tiny/1.0/measure/7> a pcfg:Measure ;
    pcfg:metricId 7 ;
    skos:prefLabel "Cost per vision"@en ;
    pcfg:formula "cost / visions" ;
    pcfg:units "dollars" ;
    pcfg:unitsAsStated "Dollars" ;
    pcfg:measureCategory <apqc-pcf/measure-category/cost-effectiveness> ;
    pcfg:measureOf <apqc-pcf/tiny/1.0/1> ;
    dcterms:rights <apqc-pcf/notice> .

<apqc-pcf/measure-category/cost-effectiveness> a pcfg:MeasureCategory , skos:Concept ;
    skos:prefLabel "Cost Effectiveness"@en ;
    dcterms:rights <apqc-pcf/notice> .
"""


def test_tiny_workbook_is_isomorphic_to_expected(tmp_path: Path) -> None:
    rows = [
        H74,
        [1, "1.0", "Vision", 2, "+2, RENAME, WAS:Old, name", "Y", "Set the  vision."],
        [2, "1.1", "Concept", 0, None, "N", None],
    ]
    metrics = [
        HMETRICS,
        [
            1,
            "1.0",
            "Vision",
            "Cost Effectiveness",
            7,
            "Cost per vision",
            "cost /  visions",
            "Dollars",
        ],
    ]
    p = workbook(tmp_path / "pcf-tiny-1.0.xlsx", {"Combined": rows, "Metrics": metrics})
    got = import_workbook(p, progress=False).graph
    expected = Graph().parse(data=EXPECTED_TTL, format="turtle")
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(
            "graphs differ\nonly in import:\n"
            + only_got.serialize(format="nt")
            + "\nonly in expected:\n"
            + only_expected.serialize(format="nt")
        )


# --- the shipped extract -------------------------------------------------------------------------


def test_shipped_workbook_is_the_whole_cross_industry_pcf() -> None:
    r = shipped_74()
    assert r.framework_id == "apqc-pcf-cross-industry-7.4" and r.compared_to == "7.3.1"
    assert r.elements == 1921 and r.metrics == 3910
    assert r.counts["category"] == 13 and r.counts["task"] == 189
    g = r.graph
    group = E(20608)
    assert len(subtree(g, group)) == 44  # 8.1 itself and its 43 descendants
    assert g.value(group, SKOS.broader) == E(20607)
    measured = {g.value(m, PCFG.measureOf) for m in g.subjects(RDF.type, PCFG.Measure)}
    assert len(measured & subtree(g, group)) == 1  # 8.1's 15 measures all sit on 20608
    assert len(list(g.subjects(PCFG.measureOf, group))) == 15
    supplement = Graph().parse(
        resource_dir("data") / "apqc" / "measures-supplement.ttl", publicID=iris.ID_BASE
    )
    # the supplement only describes resources the import mints
    assert set(supplement.subjects()) <= set(g.subjects())


def test_small_fixture_is_the_shipped_8_1_subtree() -> None:
    """Tests use the 45-row extract as a small real workbook: it says what the shipped one says."""
    full = shipped_74().graph
    small = import_workbook(EXTRACT_81, progress=False).graph
    elements = subtree(full, E(20608))
    assert subtree(small, E(20608)) == elements
    assert about(small, elements) == about(full, elements)


def test_units_keep_apqc_spelling_beside_the_lower_case() -> None:
    """pcfg:units is lower case (what the unit checks compare); where that changed APQC's text
    ("FTEs" became "ftes", "NPS" "nps") the spelling APQC states is kept as pcfg:unitsAsStated."""
    g = import_workbook(EXTRACT_81, progress=False).graph
    fte = iris.apqc_measure("Cross-Industry", "7.4", 101310)
    assert (g.value(fte, PCFG.units), g.value(fte, PCFG.unitsAsStated)) == (
        Literal("ftes"),
        Literal("FTEs"),
    )
    pct = iris.apqc_measure("Cross-Industry", "7.4", 106448)  # APQC wrote "percent"
    assert (g.value(pct, PCFG.units), g.value(pct, PCFG.unitsAsStated)) == (
        Literal("percent"),
        None,
    )


def test_everything_derived_from_the_pcf_carries_apqc_notice() -> None:
    """The brief: APQC's notice on everything derived from the PCF. Elements, measures and
    categories had it; the change records (a rename keeps APQC's former name) and the
    stable-element nodes (APQC's PCF IDs) did not. Only the notice itself and the source file
    entity (which points to the workbook's own notice) are exempt."""
    g = import_workbook(EXTRACT_81, progress=False).graph
    notice = iris.apqc_notice()
    exempt = set(g.subjects(RDF.type, DCTERMS.RightsStatement)) | set(
        g.subjects(RDF.type, PROV.Entity)
    )
    changes = set(g.objects(None, PCFG.change))
    stable = set(g.subjects(RDF.type, PCFG.PCFStableElement))
    assert changes and len(stable) == 45  # 8.0 and the 44 elements of 8.1
    without = {
        s
        for s in set(g.subjects())
        if isinstance(s, URIRef) and s not in exempt and (s, DCTERMS.rights, notice) not in g
    }
    assert without == set()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "an empty file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "(.xls) or password-protected"),
        (b"PCF ID,Hierarchy ID,Name\r\n10002,1.0,Develop Vision\r\n", "CSV text"),
        (b"Caf\xe9;Name\r\n", "CSV text"),  # Excel's "CSV (Comma delimited)": Windows-1252
        # binary data whose first line has a comma is not CSV text (random bytes mostly do)
        (b"\x8a\x00\x13,\x9c\x04\n" + bytes(range(256)), "not a zip archive"),
        (b"%PDF-1.7\n", "a PDF document"),
    ],
)
def test_error_says_what_a_file_that_is_not_a_workbook_is(
    tmp_path: Path, content: bytes, says: str
) -> None:
    """An APQC PCF saved as .xls, a password-protected copy, an empty download or a CSV
    export were each "not a readable .xlsx workbook (File is not a zip file)": nothing said
    what the file was or how to get an importable one."""
    p = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    p.write_bytes(content)
    with pytest.raises(WorkbookError) as info:
        import_workbook(p, progress=False)
    message = str(info.value)
    assert message.startswith(p.name + ": not a readable .xlsx workbook") and says in message
    assert "File is not a zip file" not in message


def test_error_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    p = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(WorkbookError, match=r"OpenDocument spreadsheet \(\.ods\)"):
        import_workbook(p, progress=False)
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookError, match="a ZIP archive that is not an Excel workbook"):
        import_workbook(p, progress=False)


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_writes_turtle_and_summary(tmp_path: Path) -> None:
    p = workbook(
        tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", {"Combined": BASIC_74, "Metrics": METRICS_74}
    )
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(import_, ["apqc", str(p), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "4 elements" in result.stderr and "2 metrics" in result.stderr
    g = Graph().parse(out, format="turtle")
    assert isomorphic(g, import_workbook(p, progress=False).graph)
    expected = import_workbook(p, progress=False)
    result = CliRunner().invoke(import_, ["apqc", str(p), "--format", "nt", "--no-progress"])
    assert result.exit_code == 0
    assert isomorphic(Graph().parse(data=result.stdout, format="nt"), expected.graph)
    result = CliRunner().invoke(import_, ["apqc", str(p), "--format", "trig", "--no-progress"])
    assert result.exit_code == 0
    ds = Dataset().parse(data=result.stdout, format="trig")
    assert isomorphic(ds.graph(iris.framework_graph(expected.framework_id)), expected.graph)


def test_cli_bad_input_exit_2_and_no_file(tmp_path: Path) -> None:
    bad = workbook(
        tmp_path / "apqc-pcf-cross-industry-7.4.xlsx",
        {"Combined": [H72[:3], [20608, "8.1", "Group"]]},
    )
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(import_, ["apqc", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "sheet 'Combined', row 2, column 'Hierarchy ID'" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [bad]  # no output, no temp file left behind
    result = CliRunner().invoke(import_, ["apqc", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 2
    notxlsx = tmp_path / "apqc-pcf-utilities-7.2.1.xlsx"
    notxlsx.write_text("not a workbook")
    result = CliRunner().invoke(import_, ["apqc", str(notxlsx), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "not a readable .xlsx" in result.stderr


def test_cli_registered_on_main() -> None:
    from pcfgraph.cli import main

    group = main.commands["import"]
    assert isinstance(group, click.Group) and "apqc" in group.commands
