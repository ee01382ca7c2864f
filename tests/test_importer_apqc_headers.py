"""Header rows of APQC workbooks as users' copies word and place them: columns are known by
what their wording has in common, a header may sit under a cover block, and a refused header
is named with what it holds. Each test builds its own small workbook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import import_workbook
from pcfgraph.importers.apqc.layout import HEADER_SCAN_ROWS, header_key

NAME = "apqc-pcf-cross-industry-7.4.xlsx"
ROWS: list[list[Any]] = [
    [20607, "8.0", "Manage Information Technology (IT)", "Managing IT."],
    [20608, "8.1", "Develop and manage IT customer relationships", "Creating relationships."],
    [20611, "8.1.1", "Develop IT services and solutions strategy", None],
]
EXPECTED = {(r[0], r[1], r[2], r[3]) for r in ROWS}


def save(path: Path, header: Sequence[Any], above: Sequence[Sequence[Any]] = ()) -> Path:
    """A one-sheet workbook: ``above`` (title rows), the header, then :data:`ROWS`."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for row in [*above, header, *ROWS]:
        ws.append(list(row))
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "header",
    [
        ["Element ID", "Hierarchy Number", "Name", "Element Description"],
        ["PCF\nID", "Hierarchy\nID", "NAME", "element  description"],
        ["pcf-id", "Hierarchy No.", "Element name", "Definition"],
        ["PcfId", "HierarchyId", "ProcessElementName", "ElementDescription"],
        [" PCF # ", "Hierarchy #", "Process Element", "Description:"],
        ["PCF Element ID", "Hierarchy", "Name", "Element Definition"],
    ],
)
def test_headers_are_matched_by_their_normalised_wording(tmp_path: Path, header: list[str]) -> None:
    """'Element ID', 'Hierarchy Number', a line break inside a header cell ('PCF\\nID') and
    the like were refused with "required column not found": they are the columns they name."""
    imp = import_workbook(save(tmp_path / NAME, header), progress=False)
    assert set(imp.element_rows) == EXPECTED
    assert imp.warnings == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hierarchy Number", "hierarchy id"),
        ("hierarchy_no.", "hierarchy id"),
        ("Metrics Available?", "metrics available"),
        ("Change\u00a0Details", "change details"),
        ("ParentHierarchyID", "parent hierarchy id"),
        (None, ""),
    ],
)
def test_header_key_keeps_the_words_and_reads_any_identifier_word_as_id(
    text: str | None, key: str
) -> None:
    assert header_key(text) == key


def test_a_refused_header_names_sheet_row_its_cells_and_the_missing_column(
    tmp_path: Path,
) -> None:
    """The refusal said only which column was missing: it names the header row it looked at,
    every cell of it, what was recognised and what is missing."""
    header = ["PCF ID", "Level code", "Name", "Element Description"]
    with pytest.raises(WorkbookError) as info:
        import_workbook(save(tmp_path / NAME, header, [["Our PCF copy"]]), progress=False)
    err = info.value
    assert (err.sheet, err.row, err.column) == ("Combined", 2, "Hierarchy ID")
    assert err.problem == (
        "required column 'Hierarchy ID' not found in header row 2 (expected 'PCF ID', "
        "'Hierarchy ID', 'Name'; missing 'Hierarchy ID'); the row's cells are A 'PCF ID', "
        "B 'Level code', C 'Name', D 'Element Description', recognised A as 'PCF ID', "
        "C as 'Name', D as 'Element Description'"
    )
    assert str(err).startswith(f"{NAME}, sheet 'Combined', row 2, column 'Hierarchy ID': ")


def test_a_header_under_a_cover_block_of_more_than_20_rows_is_found(tmp_path: Path) -> None:
    """A header at row 31 (a cover block of title, notes and disclaimer above it) was 'no
    header row in the first 20 rows'."""
    cover = [[f"Cover note {i}"] for i in range(30)]
    header = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
    imp = import_workbook(save(tmp_path / NAME, header, cover), progress=False)
    assert set(imp.element_rows) == EXPECTED


def test_a_header_below_the_bound_is_an_error_naming_the_sheet_and_rows_searched(
    tmp_path: Path,
) -> None:
    """The error said 'in the first 20 rows' located at row 1 (column 'PCF ID'), a cell that
    was never the problem: it names the sheet and the rows searched, no row or column."""
    cover = [[f"Cover note {i}"] for i in range(HEADER_SCAN_ROWS)]
    header = ["PCF ID", "Hierarchy ID", "Name"]
    with pytest.raises(WorkbookError) as info:
        import_workbook(save(tmp_path / NAME, header, cover), progress=False)
    err = info.value
    assert (err.sheet, err.row, err.column) == ("Combined", None, None)
    assert err.problem == (
        "not an APQC PCF layout: no header row with 'PCF ID', 'Hierarchy ID', 'Name' in rows "
        f"1 to {HEADER_SCAN_ROWS} (a header further down is not looked for) (unknown layout): "
        "the importer looks for a row whose cells name those columns, as APQC's row 1 does "
        f"above the rows they head; the {HEADER_SCAN_ROWS} rows with a value name none of them "
        "(row 1: A 'Cover note 0'; row 2: A 'Cover note 1'; row 3: A 'Cover note 2'; and "
        f"{HEADER_SCAN_ROWS - 3} more)"
    )


def test_a_short_sheet_without_a_header_names_how_many_rows_were_searched(
    tmp_path: Path,
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for row in (["Code", "Title"], ["1.0", "A"], ["1.1", "B"]):
        ws.append(row)
    wb.save(tmp_path / NAME)
    with pytest.raises(WorkbookError) as info:
        import_workbook(tmp_path / NAME, progress=False)
    assert (info.value.sheet, info.value.row) == ("Combined", None)
    assert "in its 3 rows (unknown layout)" in info.value.problem


def test_a_combined_sheet_holding_only_a_title_says_so_and_what_was_looked_for(
    tmp_path: Path,
) -> None:
    """A Combined sheet cut to its title row was "no header row ... in its 1 rows": not what
    the sheet holds, nor what a header row is to the importer."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(["APQC Process Classification Framework (PCF) - Cross-Industry - Version 7.4"])
    wb.save(tmp_path / NAME)
    with pytest.raises(WorkbookError) as info:
        import_workbook(tmp_path / NAME, progress=False)
    assert (info.value.sheet, info.value.row) == ("Combined", None)
    assert info.value.problem == (
        "not an APQC PCF layout: no header row with 'PCF ID', 'Hierarchy ID', 'Name' in its 1 "
        "row (unknown layout): the importer looks for a row whose cells name those columns, as "
        "APQC's row 1 does above the rows they head; the sheet holds only row 1, A 'APQC "
        "Process Classification Framework (PCF) - Cross-Industry - Version 7.4', a title: no "
        "header row and no rows under it"
    )
