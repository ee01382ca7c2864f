"""An APQC workbook's per-category sheets ('1.0', '2.0', ...) beside its 'Combined' sheet: the
elements are read from 'Combined', and whatever a category sheet says otherwise is a warning
naming the element, both sheets and cells and both texts. Each test builds a small workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pcfgraph.importers.apqc import import_workbook

NAME = "apqc-pcf-cross-industry-7.4.xlsx"
HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
ROWS: dict[int, list[list[Any]]] = {
    1: [
        [10002, "1.0", "Develop Vision and Strategy", "Establishing a direction."],
        [10014, "1.1", "Define the business concept and long-term vision", None],
    ],
    5: [
        [10007, "5.0", "Deliver Services", "Delivering."],
        [20079, "5.1", "Manage payments", "Insuring all payments are received."],
    ],
}


def build(path: Path, combined: list[list[Any]], categories: dict[str, list[list[Any]]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(HEADER)
    for row in combined:
        ws.append(row)
    for name, rows in categories.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    return path


COMBINED = [r for rows in ROWS.values() for r in rows]


def test_a_text_the_category_sheet_states_otherwise_is_a_warning_naming_both(
    tmp_path: Path,
) -> None:
    """Cross-Industry 7.4's PCF 20079 reads 'Insuring' in 'Combined' and 'Ensuring' in '5.0':
    that was imported without a word; now a warning names the element, both cells and both
    texts, and the 'Combined' text is still the one imported."""
    five = [
        HEADER,
        ROWS[5][0],
        [20079, "5.1", "Manage payments", "Ensuring all payments are received."],
    ]
    path = build(tmp_path / NAME, COMBINED, {"1.0": [HEADER, *ROWS[1]], "5.0": five})
    imp = import_workbook(path, progress=False)
    assert imp.warnings == [
        "sheet 'Combined', row 5, column 'Element Description': PCF ID 20079 (5.1) reads "
        "'Insuring all payments are received.' in cell D5 of 'Combined' but 'Ensuring all "
        "payments are received.' in cell D3 of sheet '5.0'; the 'Combined' text is imported"
    ]
    assert (20079, "5.1", "Manage payments", "Insuring all payments are received.") in set(
        imp.element_rows
    )


def test_names_hierarchy_ids_and_missing_elements_are_compared_too(tmp_path: Path) -> None:
    """Columns in another order, a renamed element, a moved one and one 'Combined' lacks."""
    one = [
        ["Name", "PCF ID", "Hierarchy ID"],
        ["Develop  Vision and Strategy", 10002, "1.0"],  # spacing only: the same text
        ["Define the business concept", 10014, "1.2"],
        ["Forgotten process", 10099, "1.3"],
    ]
    path = build(tmp_path / NAME, COMBINED, {"1.0": one, "5.0": [HEADER, *ROWS[5]]})
    imp = import_workbook(path, progress=False)
    assert imp.warnings == [
        "sheet 'Combined', row 3, column 'Hierarchy ID': PCF ID 10014 (1.1) reads '1.1' in "
        "cell B3 of 'Combined' but '1.2' in cell C3 of sheet '1.0'; the 'Combined' text is "
        "imported",
        "sheet 'Combined', row 3, column 'Name': PCF ID 10014 (1.1) reads 'Define the business "
        "concept and long-term vision' in cell C3 of 'Combined' but 'Define the business "
        "concept' in cell A3 of sheet '1.0'; the 'Combined' text is imported",
        "sheet '1.0': 1 element(s) not in sheet 'Combined', not imported (the elements are "
        "read from 'Combined'): PCF ID 10099 (row 4)",
    ]
    assert {r[0] for r in imp.element_rows} == {10002, 10014, 10007, 20079}


def test_agreeing_or_unreadable_category_sheets_say_nothing(tmp_path: Path) -> None:
    """Identical sheets, a sheet without the description column and one that is no table at
    all (it is not what is imported) give no warning and no error."""
    path = build(
        tmp_path / NAME,
        COMBINED,
        {"1.0": [r[:3] for r in [HEADER, *ROWS[1]]], "5.0": [["Notes only"], ["nothing here"]]},
    )
    imp = import_workbook(path, progress=False)
    assert imp.warnings == []
    assert len(imp.element_rows) == 4


def test_a_note_beyond_the_tables_columns_is_still_seen(tmp_path: Path) -> None:
    """A row holding text only to the right of the table is not dropped as blank (rows are cut
    to the table's columns only when nothing lies beyond them)."""
    path = build(tmp_path / NAME, [*COMBINED, [None, None, None, None, None, "Source: APQC"]], {})
    imp = import_workbook(path, progress=False)
    assert imp.warnings == [
        "sheet 'Combined', row 6: text outside the table's columns: not an element (no PCF ID "
        "and no hierarchy ID); skipped"
    ]
