"""APQC workbooks as users really have them, not as APQC ships them: saved macro-enabled,
re-saved by other spreadsheet programs (IDs as numbers), with notes under the table. Each test
builds its own small workbook."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import import_workbook
from pcfgraph.importers.apqc.statement import parse_file_name

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
ROWS: list[list[Any]] = [
    [20607, "8.0", "Manage Information Technology (IT)", "Managing IT."],
    [20608, "8.1", "Develop and manage IT customer relationships", "Creating relationships."],
    [20611, "8.1.1", "Develop IT services and solutions strategy", None],
]


def save(path: Path, rows: list[list[Any]], header: list[Any] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def elements(imp: Any) -> set[tuple[int, str, str, str | None]]:
    return set(imp.element_rows)


EXPECTED = {(r[0], r[1], r[2], r[3]) for r in ROWS}


def macro_enabled(path: Path) -> Path:
    """Rewrite the workbook part's content type as Excel writes it for an .xlsm."""
    data = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data[name] = zf.read(name)
    data["[Content_Types].xml"] = data["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in data.items():
            zf.writestr(name, body)
    return path


@pytest.mark.parametrize(
    "name", ["apqc-pcf-cross-industry-7.4.xlsm", "k06638-airline-v722-vs-airline-v721-2025.XLSM"]
)
def test_a_macro_enabled_download_name_states_edition_and_version(
    tmp_path: Path, name: str
) -> None:
    """The name's suffix was stripped only when it was .xlsx: an .xlsm under APQC's download
    name was 'could not determine the edition and version'."""
    path = macro_enabled(save(tmp_path / name, ROWS))
    imp = import_workbook(path, progress=False)
    expected = ("Cross-Industry", "7.4", None) if "cross" in name else ("Airline", "7.2.2", "7.2.1")
    assert (imp.edition, imp.version, imp.compared_to) == expected
    assert elements(imp) == EXPECTED


@pytest.mark.parametrize("number", [8, 8.0])
def test_a_category_stored_as_a_number_is_read_with_a_warning_naming_the_cell(
    tmp_path: Path, number: float
) -> None:
    """A spreadsheet program turns "8.0" typed into a cell into the number 8: a whole number
    can only be a category, so it is read as '8.0' and the cell is named (it was an error)."""
    rows = [[20607, number, *ROWS[0][2:]], *ROWS[1:]]
    path = save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows)
    wb = load_workbook(path)
    metrics = wb.create_sheet("Metrics")  # its Hierarchy ID column re-saved alike
    metrics.append(["Process Element ID", "Hierarchy ID", "Metric ID", "Metric name"])
    metrics.append([20607, number, 101337, "IT cost per employee"])
    wb.save(path)
    imp = import_workbook(path, progress=False)
    assert elements(imp) == EXPECTED
    assert imp.metrics == 1
    assert imp.counts["category"] == 1 and imp.counts["processGroup"] == 1
    assert len(imp.warnings) == 1
    assert "sheet 'Combined', row 2, column 'Hierarchy ID'" in imp.warnings[0]
    assert "'8.0'" in imp.warnings[0]


@pytest.mark.parametrize("number", [8.1, 8.1000000001, 0])
def test_any_other_number_as_a_hierarchy_id_is_an_error_naming_the_cell(
    tmp_path: Path, number: float
) -> None:
    """8.1 may have been 8.10: a number that is not a whole category cannot be read back."""
    rows = [ROWS[0], [20608, number, *ROWS[1][2:]], *ROWS[2:]]
    path = save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows)
    with pytest.raises(WorkbookError) as exc:
        import_workbook(path, progress=False)
    assert (exc.value.sheet, exc.value.row, exc.value.column) == ("Combined", 3, "Hierarchy ID")


def test_characters_excel_escapes_in_cells_are_decoded(tmp_path: Path) -> None:
    """Excel saves a carriage return in a cell (text pasted from Windows) as ``_x000D_`` and a
    literal ``_x`` as ``_x005F_x``; openpyxl does not decode them, so names and definitions
    came out as 'Develop and manage IT_x000D_ customer relationships'."""
    rows = [
        [20607, "8.0", "Manage IT_x000D_\n(Information_x0020_Technology)", "Managing IT."],
        [
            20608,
            "8.1",
            "Develop and manage IT_x000D_\ncustomer relationships",
            "Keep _x005F_x0041_",
        ],
        [20611, "8.1.1", "Develop IT services and solutions strategy", "bell _x0007_ kept"],
    ]
    header = ["PCF ID", "Hierarchy_x0020_ID", "Name", "Element Description"]
    imp = import_workbook(
        save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", rows, header), progress=False
    )
    assert elements(imp) == {
        (20607, "8.0", "Manage IT (Information Technology)", "Managing IT."),
        (20608, "8.1", "Develop and manage IT customer relationships", "Keep _x0041_"),
        (20611, "8.1.1", "Develop IT services and solutions strategy", "bell _x0007_ kept"),
    }
    assert imp.warnings == []


def categories_only() -> Workbook:
    """A workbook holding APQC's 'Categories' sheet alone (level 1 only: no element sheet)."""
    wb = Workbook()
    cats = wb.active
    assert cats is not None
    cats.title = "Categories"
    cats.append(HEADER[:3])
    cats.append(ROWS[0][:3])
    return wb


def test_elements_in_a_sheet_of_the_users_naming_are_read_by_its_header(tmp_path: Path) -> None:
    """The Combined table copied into a sheet named otherwise ('PCF 7.4', 'Sheet1', '8.0 Manage
    IT') was 'not an APQC PCF layout'. With neither 'Combined' nor '1.0', '2.0' ... sheets, the
    sheets whose header names the element columns are read, each named in a warning; APQC's
    'Categories' sheet (level 1 only) and a sheet of metrics are not taken for elements."""
    wb = categories_only()
    ours = wb.create_sheet("PCF 7.4 (ours)")
    ours.append(["Our copy of the PCF"])
    ours.append(HEADER)
    for row in ROWS:
        ours.append(row)
    measures = wb.create_sheet("Our measures")
    measures.append(["Process Element ID", "Hierarchy ID", "Process element", "Metric ID"])
    measures.append([20608, "8.1", "Develop and manage IT customer relationships", 101337])
    path = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    wb.save(path)
    imp = import_workbook(path, progress=False)
    assert elements(imp) == EXPECTED
    assert len(imp.warnings) == 1 and imp.warnings[0].startswith("sheet 'PCF 7.4 (ours)': ")


def test_without_any_sheet_of_elements_the_error_lists_the_sheets(tmp_path: Path) -> None:
    wb = categories_only()
    wb.create_sheet("Notes").append(["Name", "Remarks"])
    path = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    wb.save(path)
    with pytest.raises(
        WorkbookError, match="sheets are 'Categories', 'Notes' \\(unknown layout\\)"
    ):
        import_workbook(path, progress=False)


def test_notes_under_the_table_are_skipped_with_a_warning_naming_the_cell(tmp_path: Path) -> None:
    """'Source: APQC' typed under the table refused the workbook ('missing value' for its
    hierarchy ID): a row with neither a hierarchy ID nor a numeric PCF ID is not an element."""
    notes: list[list[Any]] = [[], ["Source: APQC, 2024"], [None, None, "Reviewed by\u00a0EA team"]]
    path = save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", [*ROWS, *notes])
    imp = import_workbook(path, progress=False)
    assert elements(imp) == EXPECTED
    assert imp.warnings == [
        "sheet 'Combined', row 6, column 'PCF ID': 'Source: APQC, 2024': not an element "
        "(no PCF ID and no hierarchy ID); skipped",
        "sheet 'Combined', row 7, column 'Name': 'Reviewed by EA team': not an element "
        "(no PCF ID and no hierarchy ID); skipped",
    ]


@pytest.mark.parametrize(
    ("row", "column"),
    [([20612, None, "No hierarchy ID"], "Hierarchy ID"), ([None, "8.1.2", "No ID"], "PCF ID")],
)
def test_a_row_with_one_id_missing_is_still_an_error(
    tmp_path: Path, row: list[Any], column: str
) -> None:
    path = save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", [*ROWS, row])
    with pytest.raises(WorkbookError, match="missing value") as exc:
        import_workbook(path, progress=False)
    assert (exc.value.sheet, exc.value.row, exc.value.column) == ("Combined", 5, column)


@pytest.mark.parametrize(
    ("name", "edition", "version"),
    [
        (
            "K014749_APQC Process Classification Framework (PCF) - Cross Industry - Excel "
            "Version 7.4_January 2025.xlsx",
            "Cross-Industry",
            "7.4",
        ),
        ("Cross Industry PCF Excel Version 7.2.1.xlsx", "Cross-Industry", "7.2.1"),
        ("Copy of k06638-airline-v722-vs-airline-v721-2025.xlsx", "Airline", "7.2.2"),
        ("Copy of apqc-pcf-utilities-7.2.1.xlsx", "Utilities", "7.2.1"),
    ],
)
def test_apqc_long_download_names_and_copies_name_the_edition(
    tmp_path: Path, name: str, edition: str, version: str
) -> None:
    """APQC's long download name gave the edition 'Process Classification Framework Pcf Cross
    Industry Excel Version', and a 'Copy of ...' the edition 'Copy of K06638 Airline': where the
    Introduction states the edition, the two contradicted and the workbook was refused."""
    wb = Workbook()
    intro = wb.active
    assert intro is not None
    intro.title = "Introduction"
    intro.append([f"{edition.upper()} PROCESS CLASSIFICATION FRAMEWORK"])
    combined = wb.create_sheet("Combined")
    combined.append(HEADER)
    for row in ROWS:
        combined.append(row)
    wb.save(tmp_path / name)
    imp = import_workbook(tmp_path / name, progress=False)
    assert (imp.edition, imp.version) == (edition, version)
    assert imp.version_from == f"the file name {name!r}"
    assert elements(imp) == EXPECTED


@pytest.mark.parametrize(
    "name", ["Process Classification Framework 7.4.xlsx", "Copy of v7.4.xlsx", "copy of.xlsx"]
)
def test_names_of_filler_words_only_state_no_edition(name: str) -> None:
    assert parse_file_name(name) is None


@pytest.mark.parametrize(
    ("title", "edition", "version"),
    [
        (
            "APQC Process Classification Framework (PCF) \u2013 Cross Industry \u2013 Excel "
            "Version 7.4",
            "Cross-Industry",
            "7.4",
        ),
        (
            "APQC Process Classification Framework (PCF) - Property and Casualty Insurance - "
            "Version 7.2.1 (April 2023)",
            "Property and Casualty Insurance",
            "7.2.1",
        ),
    ],
)
def test_apqc_dashed_title_row_states_edition_and_version(
    tmp_path: Path, title: str, edition: str, version: str
) -> None:
    """A title row in APQC's own style (edition between dashes, as its download names and PDF
    titles read) stated nothing: a renamed workbook was 'could not determine the edition'."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append([title])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    wb.save(tmp_path / "our-pcf.xlsx")
    imp = import_workbook(tmp_path / "our-pcf.xlsx", progress=False)
    assert (imp.edition, imp.version) == (edition, version)
    assert imp.edition_from == f"the workbook (the title rows: {title!r})"
    assert elements(imp) == EXPECTED


def test_header_names_with_underscores_are_the_columns_they_name(tmp_path: Path) -> None:
    """A workbook exported by a script or database ('PCF_ID', 'Hierarchy_ID') was 'not an
    APQC PCF layout'."""
    header = ["PCF_ID", "Hierarchy_ID", "NAME", "Element_Description"]
    imp = import_workbook(
        save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", ROWS, header), progress=False
    )
    assert elements(imp) == EXPECTED


def test_element_sheets_without_elements_are_named_in_the_error(tmp_path: Path) -> None:
    """A Combined sheet emptied to its header (or holding only notes) was refused without
    naming the sheet that was read."""
    path = save(tmp_path / "apqc-pcf-cross-industry-7.4.xlsx", [["Source: APQC"]])
    with pytest.raises(
        WorkbookError, match=r"no rows with a PCF ID and a hierarchy ID \(read 'Combined'\)"
    ) as exc:
        import_workbook(path, progress=False)
    assert exc.value.sheet == "Combined"
