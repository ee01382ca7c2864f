"""Edition and version of an APQC workbook: read from the workbook's own statement (cells or
text box), from APQC's download names and from flags, cross-checked; archive and sheet caps.
Every workbook here is built in tmp_path."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.archive_guard import ArchiveLimits
from pcfgraph.cli.importer import import_
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import edition_version_from_name, import_workbook
from pcfgraph.importers.apqc.statement import parse_file_name
from pcfgraph.iris import PCFG

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Difference Index", "Change Details"]
ROWS: list[list[Any]] = [
    HEADER,
    [20607, "8.0", "Manage IT", 1, "c20608"],
    [20608, "8.1", "Develop and manage IT customer relationships", 1, "RENAME, WAS:Old, name"],
]


def build(path: Path, intro: list[str] | None = None, rows: list[list[Any]] = ROWS) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Introduction"
    for text in intro or []:
        ws.append([None, text])
    combined = wb.create_sheet("Combined")
    for row in rows:
        combined.append(row)
    wb.save(path)
    return path


def with_text_box(path: Path, paragraphs: list[str]) -> Path:
    """Add a drawing with text-box paragraphs to the first sheet, as APQC's 7.4 workbook has."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    body = "".join(
        f"<xdr:sp><xdr:txBody><a:p><a:r><a:t>{p[:3]}</a:t></a:r><a:r><a:t>{p[3:]}</a:t></a:r>"
        "</a:p></xdr:txBody></xdr:sp>"
        for p in paragraphs
    )
    drawing = (
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
        f' xmlns:a="{a}">{body}</xdr:wsDr>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/drawing" Target="../drawings/drawing1.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/drawings/drawing1.xml", drawing)
        zf.writestr("xl/worksheets/_rels/sheet1.xml.rels", rels)
    return path


# --- download names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "edition", "version", "compared"),
    [
        ("k06638-airline-v722-vs-airline-v721-2025.xlsx", "Airline", "7.2.2", "7.2.1"),
        (
            "k07129-property-and-casualty-insurance-v721-vs-property-and-casualty-insurance-"
            "v610-0-2025.xlsx",
            "Property and Casualty Insurance",
            "7.2.1",
            "6.1.0",
        ),
        (
            "k07130-health-insurance-payor-721-vs-health-insurance-payor-611-april-2023.xlsx",
            "Health Insurance Payor",
            "7.2.1",
            "6.1.1",
        ),
        (
            "k09277-consumer-products-v722-vs-consumer-products-721.xlsx",
            "Consumer Products",
            "7.2.2",
            "7.2.1",
        ),
        ("apqc-pcf-cross-industry-7.4.xlsx", "Cross-Industry", "7.4", None),
        ("pcf-cross-industry-7.4-group-8.1.xlsx", "Cross-Industry", "7.4", None),
        ("K01234-Banking-V7.3.1.XLSX", "Banking", "7.3.1", None),
    ],
)
def test_download_names(name: str, edition: str, version: str, compared: str | None) -> None:
    parsed = parse_file_name(name)
    assert parsed is not None
    claim, comparison = parsed
    assert (claim.edition, claim.version) == (edition, version)
    assert (comparison.version if comparison else None) == compared
    assert edition_version_from_name(name) == (edition, version)


@pytest.mark.parametrize("name", ["workbook.xlsx", "retail-2025.xlsx", "v722.xlsx", "k0123.xlsx"])
def test_names_that_tell_nothing(name: str) -> None:
    assert parse_file_name(name) is None


# --- the workbook's own statement ---------------------------------------------------------------

INTRO_722 = [
    "AIRLINE PROCESS CLASSIFICATION FRAMEWORK",
    "VERSION NUMBER 7.2.2",
    "GENERATED ON 5/5/2025",
    "COMPARED TO AIRLINE PROCESS CLASSIFICATION FRAMEWORK VERSION 7.2.1",
]


def test_statement_in_cells_decides_without_name_or_flags(tmp_path: Path) -> None:
    r = import_workbook(build(tmp_path / "workbook.xlsx", INTRO_722), progress=False)
    assert (r.edition, r.version, r.compared_to) == ("Airline", "7.2.2", "7.2.1")
    assert r.framework_id == "apqc-pcf-airline-7.2.2"
    assert "VERSION NUMBER 7.2.2" in r.version_from and "Introduction" in r.version_from
    # the comparison is kept on the scheme, and APQC's change details on the elements
    assert (r.scheme, PCFG.comparedToVersion, None) in r.graph
    assert str(r.graph.value(r.scheme, PCFG.comparedToVersion)) == "7.2.1"
    e = iris.apqc_element("Airline", "7.2.2", 20608)
    assert str(r.graph.value(e, PCFG.changeDetails)) == "RENAME, WAS:Old, name"
    assert {str(o) for o in r.graph.objects(None, PCFG.previousName)} == {"Old, name"}


def test_statement_in_a_text_box(tmp_path: Path) -> None:
    p = with_text_box(
        build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"),
        [
            "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK",
            "For more information about the PCF, visit www.apqc.org/pcf",
            "COMPARED TO CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK VERSION 7.3.1",
        ],
    )
    r = import_workbook(p, progress=False)
    assert (r.edition, r.version, r.compared_to) == ("Cross-Industry", "7.4", "7.3.1")
    assert "text box" in r.edition_from and "file name" in r.version_from
    renamed = p.rename(tmp_path / "workbook.xlsx")
    with pytest.raises(WorkbookError) as info:
        import_workbook(renamed, progress=False)
    message = str(info.value)
    assert "could not determine the version of 'workbook.xlsx'" in message
    assert "edition and version" not in message and "'Cross-Industry'" in message
    assert "--version" in message and "--edition" not in message.split("; pass")[1]
    assert info.value.file == "workbook.xlsx"


def test_statement_in_title_rows(tmp_path: Path) -> None:
    rows = [["Banking PCF Version 7.3.1"], [], *ROWS]
    r = import_workbook(build(tmp_path / "workbook.xlsx", rows=rows), progress=False)
    assert (r.edition, r.version) == ("Banking", "7.3.1")
    assert "title rows" in r.version_from


def test_an_edition_without_latin_letters_is_refused_saying_why(tmp_path: Path) -> None:
    """'--edition 日本' was refused as "must contain letters or digits": it does; its IRI is
    made of Latin letters and digits (accents dropped: "Café" is "cafe"), which it has none of."""
    p = build(tmp_path / "workbook.xlsx")
    with pytest.raises(WorkbookError, match=r"Latin letters or digits .*'日本'"):
        import_workbook(p, edition="日本", version="1.0", progress=False)
    assert import_workbook(p, edition="Café", version="1.0", progress=False).framework_id == (
        "apqc-pcf-cafe-1.0"
    )


def test_neither_edition_nor_version(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match=r"could not determine the edition and version"):
        import_workbook(build(tmp_path / "workbook.xlsx"), progress=False)
    r = import_workbook(
        build(tmp_path / "workbook.xlsx"), edition="Banking", version="7.3.1", progress=False
    )
    assert r.framework_id == "apqc-pcf-banking-7.3.1" and r.edition_from == "--edition"


# --- contradictions are errors naming both sides -------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"version": "7.4"}, ("'7.2.2'", "--version says '7.4'")),
        ({"edition": "Cross-Industry"}, ("'Airline'", "--edition says 'Cross-Industry'")),
    ],
)
def test_flag_contradicting_the_workbook(
    tmp_path: Path, kw: dict[str, str], says: tuple[str, str]
) -> None:
    p = build(tmp_path / "workbook.xlsx", INTRO_722)
    with pytest.raises(WorkbookError) as info:
        import_workbook(p, progress=False, **kw)
    message = str(info.value)
    assert all(s in message for s in says) and "the workbook (sheet 'Introduction'" in message
    assert message.startswith("workbook.xlsx: ")


def test_name_contradicting_the_workbook(tmp_path: Path) -> None:
    p = build(tmp_path / "k01234-banking-v722-vs-banking-v721-2025.xlsx", INTRO_722)
    with pytest.raises(WorkbookError, match=r"'Airline'.*the file name .*says 'Banking'"):
        import_workbook(p, progress=False)
    p = build(tmp_path / "k01234-airline-v731-vs-airline-v722.xlsx", INTRO_722)
    with pytest.raises(WorkbookError, match=r"'7.2.2'.*the file name .*says '7.3.1'"):
        import_workbook(p, progress=False)


def test_flag_contradicting_the_name(tmp_path: Path) -> None:
    p = build(tmp_path / "apqc-pcf-utilities-7.2.1.xlsx")
    with pytest.raises(WorkbookError, match=r"--version says version '7.4'.*says '7.2.1'"):
        import_workbook(p, version="7.4", progress=False)
    # agreeing flags are fine, spelled any way the slug agrees with
    r = import_workbook(p, edition="utilities", version="7.2.1", progress=False)
    assert r.framework_id == "apqc-pcf-utilities-7.2.1"


def test_version_not_newer_than_the_comparison(tmp_path: Path) -> None:
    p = with_text_box(
        build(tmp_path / "workbook.xlsx"),
        ["COMPARED TO RETAIL PROCESS CLASSIFICATION FRAMEWORK VERSION 7.2.1"],
    )
    with pytest.raises(WorkbookError, match=r"compares the workbook with version 7.2.1"):
        import_workbook(p, edition="Retail", version="6.1.1", progress=False)
    assert import_workbook(p, edition="Retail", version="7.2.2", progress=False).compared_to == (
        "7.2.1"
    )


def test_cli_names_both_and_exits_2(tmp_path: Path) -> None:
    p = build(tmp_path / "workbook.xlsx", INTRO_722)
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(import_, ["apqc", str(p), "--version", "7.4", "-o", str(out)])
    assert result.exit_code == 2
    assert "workbook.xlsx: " in result.stderr and "'7.2.2'" in result.stderr
    assert "Traceback" not in result.output and not out.exists()
    result = CliRunner().invoke(import_, ["apqc", str(p), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "version 7.2.2 from the workbook" in result.stderr


# --- bad input: not a PCF -------------------------------------------------------------------------


def test_headers_without_hierarchy_ids(tmp_path: Path) -> None:
    rows = [HEADER, [1, None, "A", 0, None], [2, None, "B", 0, None]]
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows=rows)
    with pytest.raises(WorkbookError) as info:
        import_workbook(p, progress=False)
    assert (info.value.file, info.value.sheet, info.value.row, info.value.column) == (
        "apqc-pcf-cross-industry-7.4.xlsx",
        "Combined",
        2,
        "Hierarchy ID",
    )
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows=[HEADER])
    with pytest.raises(WorkbookError, match="not an APQC PCF"):
        import_workbook(p, progress=False)


def test_wrong_headers(tmp_path: Path) -> None:
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows=[["Code", "Title"], ["1", "A"]])
    with pytest.raises(WorkbookError) as info:
        import_workbook(p, progress=False)
    assert "not an APQC PCF" in str(info.value) and info.value.sheet == "Combined"
    # the sheet and the rows searched: no row or column, none of them was the problem
    assert str(info.value).startswith(
        "apqc-pcf-cross-industry-7.4.xlsx, sheet 'Combined': not an APQC PCF layout: no header "
        "row with 'PCF ID', 'Hierarchy ID', 'Name' in its 2 rows"
    )


# --- archive and sheet caps ----------------------------------------------------------------------


def test_zip_bomb_refused_before_inflating(tmp_path: Path) -> None:
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx")
    with (
        zipfile.ZipFile(p, "a", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/media/pad.bin", "w") as fh,
    ):
        for _ in range(8):
            fh.write(bytes(1 << 20))
    with pytest.raises(
        WorkbookError,
        match=r"member xl/media/pad.bin has a compression ratio of .* \(max_archive_ratio 200\)",
    ):
        import_workbook(p, progress=False)
    result = CliRunner().invoke(import_, ["apqc", str(p)])
    assert result.exit_code == 2 and "max_archive_ratio" in result.stderr


def test_archive_size_and_member_caps(tmp_path: Path) -> None:
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx")
    with pytest.raises(WorkbookError, match=r"\(max_archive_bytes 1000\)"):
        import_workbook(p, progress=False, limits=ArchiveLimits(total_bytes=1000))
    with pytest.raises(WorkbookError, match=r"members \(max_archive_members 3\)"):
        import_workbook(p, progress=False, limits=ArchiveLimits(members=3))


def test_row_and_column_caps(tmp_path: Path) -> None:
    rows = [HEADER, [1, "1.0", "A", 0, None]] + [
        [100 + i, f"1.{i}", f"E{i}", 0, None] for i in range(1, 40)
    ]
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows=rows)
    with pytest.raises(WorkbookError) as info:
        import_workbook(p, progress=False, limits=ArchiveLimits(rows=30))
    assert (info.value.sheet, info.value.row) == ("Combined", 31)
    assert "max_sheet_rows" in str(info.value)
    wide = [[*HEADER, None, "x"], [1, "1.0", "A", 0, None, None, "far"]]
    p = build(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows=wide)
    with pytest.raises(WorkbookError, match=r"more than 6 cells in a row \(max_sheet_columns\)"):
        import_workbook(p, progress=False, limits=ArchiveLimits(columns=6))
    assert import_workbook(p, progress=False, limits=ArchiveLimits(columns=7)).elements == 1
