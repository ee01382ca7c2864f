"""Spreadsheet export (CSV and XLSX) of a subtree with measures and mappings, and the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from _webgraph import APQC_ID, web_release
from openpyxl import load_workbook

from pcfgraph import iris, services
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release, write_release
from pcfgraph.spreadsheet import export_subtree


@pytest.fixture(scope="module")
def catalog() -> QueryCatalog:
    return QueryCatalog()


@pytest.fixture(scope="module")
def rel() -> Release:
    return web_release()


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory, rel: Release) -> Path:
    release = rel
    out = tmp_path_factory.mktemp("rel") / "release"
    write_release(release.store, out, {})
    return out


def test_csv_has_one_row_per_element_and_mapping_in_hierarchy_order(
    catalog: QueryCatalog, rel: Release
) -> None:
    data = export_subtree(rel.store, catalog, APQC_ID, "8.1.5", "csv", derived=True)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    codes = list(dict.fromkeys(r["code"] for r in rows))
    assert codes == ["8.1.5"] + [f"8.1.5.{i}" for i in range(1, 8)]
    first = rows[0]
    assert (first["pcf_id"], first["level"], first["parent_code"]) == ("20632", "3", "8.1")
    assert first["definition"].startswith("Establishing and maintaining service levels")
    m = [r for r in rows if r["code"] == "8.1.5.6"]
    got = {(r["relation"], r["target_framework"], r["target_code"], r["derived"]) for r in m}
    assert got == {("exactMatch", "prm-it", "A24", "no"), ("closeMatch", "it-cmf", "RM-3.2", "yes")}
    exact = next(r for r in m if r["target_code"] == "A24")
    assert exact["target_name"] == "Service Level Management"
    assert exact["confidence"] == "0.95" and exact["justification"] == "ManualMappingCuration"
    none = next(r for r in rows if r["code"] == "8.1.5.1")
    assert none["relation"] == "" and none["target_code"] == ""


def _mapping_rows(data: bytes) -> set[tuple[str, str, str, str, str]]:
    return {
        (r["code"], r["relation"], r["target_framework"], r["target_code"], r["derived"])
        for r in csv.DictReader(io.StringIO(data.decode("utf-8")))
        if r["target_code"]
    }


def test_derived_mappings_only_when_asked(
    catalog: QueryCatalog, rel: Release, tmp_path: Path
) -> None:
    # they were always written (derived = yes), where `pcfgraph export` says curated only
    # without --derived, as every other export of mappings does
    curated = _mapping_rows(export_subtree(rel.store, catalog, APQC_ID, "8.1", "csv"))
    both = _mapping_rows(export_subtree(rel.store, catalog, APQC_ID, "8.1", "csv", derived=True))
    assert curated and {row[4] for row in curated} == {"no"}
    assert curated == {row for row in both if row[4] == "no"}
    assert ("8.1.5.6", "closeMatch", "it-cmf", "RM-3.2", "yes") in both - curated
    xlsx = tmp_path / "curated.xlsx"
    xlsx.write_bytes(export_subtree(rel.store, catalog, APQC_ID, "8.1", "xlsx"))
    wb = load_workbook(xlsx)
    pairs = [wb[name] for name in wb.sheetnames if " to " in name]
    assert {sheet.title.rsplit(" to ", 1)[1] for sheet in pairs} == {row[2] for row in curated}
    for sheet in pairs:
        header = [c.value for c in sheet[1]]
        column = header.index("derived")
        assert {r[column] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"no"}


def test_a_framework_mapped_from_the_other_side_keeps_its_curated_mappings(
    catalog: QueryCatalog, rel: Release
) -> None:
    """PRM-IT's mappings are curated from the PCF side. Its export listed the derived inverse
    of the curated 8.1.5.3 closeMatch A23 in place of the record (derived = yes), and without
    derived mappings left A23 with none at all."""
    curated = _mapping_rows(export_subtree(rel.store, catalog, "prm-it", "A2", "csv"))
    both = _mapping_rows(export_subtree(rel.store, catalog, "prm-it", "A2", "csv", derived=True))
    assert curated == {
        ("A23", "closeMatch", APQC_ID, "8.1.5.3", "no"),
        ("A24", "exactMatch", APQC_ID, "8.1.5.6", "no"),
        ("A24", "closeMatch", "it-cmf", "RM-3.2", "no"),
        ("A25", "relatedMatch", APQC_ID, "8.1.5.2", "no"),
    }
    assert both == curated  # the only derived record from PRM-IT is the inverse of a curated one


NEGATIVE = """
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sssom: <https://w3id.org/sssom/> .
<mapping/apqc-pcf-to-prm-it/not-20633-A25> a pcfg:NegativeMapping ;
    sssom:subject_id <apqc-pcf/cross-industry/7.4/20633> ; sssom:predicate_id skos:broadMatch ;
    sssom:object_id <prm-it/A25> ; sssom:predicate_modifier "Not" ;
    pcfg:sourceFramework <framework/apqc-pcf-cross-industry-7.4> ;
    pcfg:targetFramework <framework/prm-it> ;
    rdfs:comment "Demand is not what 8.1.5.1 gathers."@en .
"""


def _decisions(data: bytes, tmp_path: Path) -> set[tuple[object, ...]]:
    path = tmp_path / "d.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    header = [c.value for c in wb["Decisions"][1]]
    assert header[:7] == [
        "code", "name", "decision", "framework", "target code", "target name", "reason"
    ]  # fmt: skip
    rows = wb["Decisions"].iter_rows(min_row=2, values_only=True)
    return {tuple(v or "" for v in (r[0], r[2], r[3], r[4], r[6], r[7])) for r in rows}


def test_xlsx_lists_the_curated_decisions_that_are_no_mapping(
    catalog: QueryCatalog, tmp_path: Path
) -> None:
    """A no-counterpart record and a negative mapping are curated decisions: the spreadsheet
    showed such an element with no mapping and no word of why, as if undecided."""
    release = web_release()
    graph = ox.NamedNode(iris.ID_BASE + "graph/mappings/apqc-pcf-to-prm-it")
    release.store.add_quads(
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(NEGATIVE, format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE)
    )
    got = _decisions(export_subtree(release.store, catalog, APQC_ID, "8.1", "xlsx"), tmp_path)
    landscape = (
        "Understanding the IT landscape is IT architecture, not a customer relationship process."
    )
    assert got == {
        ("8.1.2.2", "no counterpart", "prm-it", "", landscape, ""),
        ("8.1.5.1", "not broadMatch", "prm-it", "A25", "Demand is not what 8.1.5.1 gathers.", ""),
    }
    seen_from_prm_it = export_subtree(release.store, catalog, "prm-it", "A2", "xlsx")
    assert _decisions(seen_from_prm_it, tmp_path) == {
        ("A25", "not narrowMatch", APQC_ID, "8.1.5.1", "Demand is not what 8.1.5.1 gathers.", "")
    }


def test_the_decisions_csv_holds_the_decisions_sheet(catalog: QueryCatalog, tmp_path: Path) -> None:
    """A CSV user had no way to the curated decisions that are no mapping (the XLSX's
    ``Decisions`` sheet): ``table="decisions"`` is that sheet as a CSV of its own, row for
    row, with the PCF ID and the edition's notice; the flat CSV is as it was."""
    release = web_release()
    graph = ox.NamedNode(iris.ID_BASE + "graph/mappings/apqc-pcf-to-prm-it")
    release.store.add_quads(
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(NEGATIVE, format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE)
    )
    sheet = _decisions(export_subtree(release.store, catalog, APQC_ID, "8.1", "xlsx"), tmp_path)
    data = export_subtree(release.store, catalog, APQC_ID, "8.1", "csv", table="decisions")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    as_sheet = {
        (r["code"], r["decision"], r["target_framework"], r["target_code"], r["reason"],
         r["inherited_from"])
        for r in rows
    }  # fmt: skip
    assert as_sheet == sheet and len(rows) == len(sheet) == 2
    assert {(r["code"], r["pcf_id"]) for r in rows} == {("8.1.2.2", "20614"), ("8.1.5.1", "20633")}
    assert {r["rights"] for r in rows} == {str(iris.apqc_notice())}
    assert all(r["notice"].startswith("©2024 APQC") for r in rows)
    flat = export_subtree(release.store, catalog, APQC_ID, "8.1", "csv")
    assert flat.split(b"\r\n")[0].decode().split(",") == [
        "code", "pcf_id", "name", "definition", "level", "parent_code", "measures", "relation",
        "target_framework", "target_code", "target_name", "confidence", "justification",
        "derived", "inherited_from", "needs_review", "rights", "notice",
    ]  # fmt: skip
    with pytest.raises(InputError, match="an XLSX holds every table"):
        export_subtree(release.store, catalog, APQC_ID, "8.1", "xlsx", table="decisions")


def test_measures_are_listed_on_their_element(catalog: QueryCatalog, rel: Release) -> None:
    data = export_subtree(rel.store, catalog, APQC_ID, "8.1", "csv")
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert row["code"] == "8.1" and "106448 Percentage of IT operating costs" in row["measures"]
    assert row["measures"].count(";") == 14  # 15 measures


def test_every_csv_row_carries_the_text_of_apqcs_notice(
    catalog: QueryCatalog, rel: Release
) -> None:
    """APQC's licence asks every derivative work to contain a copy of its notice: the text,
    on every row (rows are filtered and sorted apart), beside the notice's IRI."""
    data = export_subtree(rel.store, catalog, APQC_ID, "8.1", "csv", derived=True)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) > 44
    notices = {r["notice"] for r in rows}
    assert len(notices) == 1
    (notice,) = notices
    stated = {f.id: f.attribution for f in services.frameworks(services.Reader(rel.store, catalog))}
    assert notice == stated[APQC_ID] and notice.startswith("©2024 APQC. ALL RIGHTS RESERVED.")
    assert {r["rights"] for r in rows} == {str(iris.apqc_notice())}  # the IRI stays


def test_xlsx_sheets_header_freeze_widths_and_licences(
    catalog: QueryCatalog, rel: Release, tmp_path: Path
) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(export_subtree(rel.store, catalog, APQC_ID, None, "xlsx", derived=True))
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Elements",
        "pcf-7.4 to it-cmf",
        "pcf-7.4 to prm-it",
        "pcf-7.4 to trim",
        "Decisions",  # 8.1.2.2's no-counterpart record
        "Sources",
    ]
    el = wb["Elements"]
    assert [c.value for c in el[1]][:6] == [
        "code",
        "PCF ID",
        "name",
        "definition",
        "level",
        "parent code",
    ]
    assert el.max_row == 1 + 45 and el.freeze_panes == "B2" and el["A1"].font.bold
    assert el.column_dimensions["D"].width >= 40  # definitions get room
    pr = wb["pcf-7.4 to prm-it"]
    rows = {(r[0], r[2], r[3]) for r in pr.iter_rows(min_row=2, values_only=True)}
    assert rows == {
        ("8.1.5.3", "closeMatch", "A23"),
        ("8.1.5.6", "exactMatch", "A24"),
        ("8.1.5.2", "relatedMatch", "A25"),
    }
    sources = {r[0]: r for r in wb["Sources"].iter_rows(min_row=2, values_only=True)}
    assert set(sources) == {APQC_ID, "prm-it", "it-cmf", "trim"}
    assert "©2024 APQC" in sources[APQC_ID][6] and sources[APQC_ID][5] == "https://www.apqc.org/pcf"
    assert "IBM" in sources["prm-it"][6]


def test_unknown_subtree_or_framework_is_not_found(catalog: QueryCatalog, rel: Release) -> None:
    with pytest.raises(NotFoundError, match=r"no element with code '9\.9'"):
        export_subtree(rel.store, catalog, APQC_ID, "9.9", "csv")
    with pytest.raises(NotFoundError, match=f"no framework 'nope'; known frameworks: .*{APQC_ID}"):
        export_subtree(rel.store, catalog, "nope", None, "csv")


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_subtree_is_bad_input_not_an_unknown_code(
    catalog: QueryCatalog, rel: Release, blank: str
) -> None:
    """An empty ``?subtree=`` (a form left blank) was 404 "no element with code ''": no
    element was asked for, so it is the request that is wrong (400, exit 2)."""
    with pytest.raises(InputError, match="subtree is empty") as caught:
        export_subtree(rel.store, catalog, APQC_ID, blank, "csv")
    assert not isinstance(caught.value, NotFoundError)


def test_cli_export_spreadsheet_and_rdf_formats_unchanged(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["export", "--release", str(release_dir)]
    out = tmp_path / "s.xlsx"
    assert (
        run_main(
            main,
            [
                *base,
                "--framework",
                APQC_ID,
                "--subtree",
                "8.1.5",
                "--format",
                "xlsx",
                "-o",
                str(out),
            ],
        )
        == 0
    )
    assert load_workbook(out)["Elements"].max_row == 1 + 8
    assert (
        run_main(main, [*base, "--framework", APQC_ID, "--subtree", "8.1.5", "--format", "csv"])
        == 0
    )
    assert capsys.readouterr().out.startswith("code,pcf_id,name,definition")
    subtree = ["--framework", APQC_ID, "--subtree", "8.1.5", "--format", "csv"]
    assert run_main(main, [*base, *subtree]) == 0
    curated = _mapping_rows(capsys.readouterr().out.encode())
    assert run_main(main, [*base, *subtree, "--derived"]) == 0
    both = _mapping_rows(capsys.readouterr().out.encode())
    assert {row[4] for row in curated} == {"no"} and curated < both
    assert run_main(main, [*base, "--subtree", "8.1.5", "--format", "csv"]) == 2
    assert "needs --framework" in capsys.readouterr().err
    assert run_main(main, [*base, "--framework", APQC_ID, "--format", "turtle"]) == 2
    capsys.readouterr()
    assert run_main(main, [*base, "--framework", "nope", "--format", "csv"]) == 2
    assert "--framework: no framework 'nope'; known frameworks: " in capsys.readouterr().err
    ttl = tmp_path / "g.ttl"
    assert run_main(main, [*base, "--format", "turtle", "-o", str(ttl)]) == 0
    assert "skos:prefLabel" in ttl.read_text()
    decided = ["--framework", APQC_ID, "--subtree", "8.1.2", "--table", "decisions"]
    assert run_main(main, [*base, *decided, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["code"], r["decision"], r["target_framework"]) for r in rows] == [
        ("8.1.2.2", "no counterpart", "prm-it")
    ]
    assert run_main(main, [*base, *decided, "--format", "xlsx", "-o", str(out)]) == 2
    assert "an XLSX holds every table" in capsys.readouterr().err


def test_a_subtree_is_named_as_an_element_is_anywhere(catalog: QueryCatalog, rel: Release) -> None:
    """``--subtree`` and ``?subtree=`` took a code alone: the PCF ID of the edition's own
    element was "no element with code '20632'" (and named other editions' elements), its id
    or IRI, taken by ``gaps --under`` and GraphQL, named none."""
    as_code = export_subtree(rel.store, catalog, APQC_ID, "8.1.5", "csv")
    iri = iris.ID_BASE + "apqc-pcf/cross-industry/7.4/20632"
    for ref in ("20632", iri, iri.upper().replace("HTTPS://W3ID.ORG", "https://w3id.org"),
                iri.removeprefix(iris.ID_BASE)):  # fmt: skip
        assert export_subtree(rel.store, catalog, APQC_ID, ref, "csv") == as_code, ref
    with pytest.raises(NotFoundError, match=r"PCF ID 8; did you mean code '8\.0'"):
        export_subtree(rel.store, catalog, APQC_ID, "8", "csv")
    with pytest.raises(
        NotFoundError, match=r"'prm-it/A24' is not in framework .*: it is in prm-it"
    ):
        export_subtree(rel.store, catalog, APQC_ID, "prm-it/A24", "csv")
    with pytest.raises(NotFoundError, match=r"no PCF ID 99999 in framework"):
        export_subtree(rel.store, catalog, APQC_ID, "99999", "csv")
