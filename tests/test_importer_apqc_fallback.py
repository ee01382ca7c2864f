"""An APQC workbook whose ``Combined`` sheet was emptied (to its header, or blank) beside full
per-category sheets: the category sheets stand in for it when they hold every category, with
a warning naming the empty sheet; otherwise the error names it and what is missing. Each test
builds its own small workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import import_workbook

NAME = "apqc-pcf-cross-industry-7.4.xlsx"
HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
CATEGORY_ROWS: dict[int, list[list[Any]]] = {
    1: [
        [10002, "1.0", "Develop Vision and Strategy", "Establishing a direction."],
        [10014, "1.1", "Define the business concept and long-term vision", None],
    ],
    2: [
        [10003, "2.0", "Develop and Manage Products and Services", "Products."],
        [10061, "2.1", "Govern and manage product/service development program", "Govern."],
        [10064, "2.1.1", "Establish the product/service development program", None],
    ],
    3: [[10004, "3.0", "Market and Sell Products and Services", "Marketing."]],
}

#: Category sheets named as APQC titles them (a sheet name holds at most 31 characters).
TITLED = {n: f"{n}.0 {rows[0][2]}"[:31] for n, rows in CATEGORY_ROWS.items()}


def build(
    path: Path,
    combined: list[list[Any]] | None,
    categories: dict[int, list[list[Any]]],
    listed: list[int] | None = None,
    *,
    titled: bool = False,
    with_combined: bool = True,
) -> Path:
    """Optional 'Categories' sheet listing ``listed``, then ``Combined`` holding ``combined``
    (None: a blank sheet; none at all without ``with_combined``), then one sheet per category
    (named '1.0', or with ``titled`` as APQC's title: '1.0 Develop Vision and Strategy')."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "Introduction"
    first.append(["CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK"])
    if listed is not None:
        cats = wb.create_sheet("Categories")
        cats.append(HEADER[:3])
        for n in listed:
            cats.append(CATEGORY_ROWS[n][0][:3])
    if with_combined:
        ws = wb.create_sheet("Combined")
        for row in combined or []:
            ws.append(row)
    for n, rows in categories.items():
        sheet = wb.create_sheet(TITLED[n] if titled else f"{n}.0")
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    return path


EVERY = {tuple(r) for rows in CATEGORY_ROWS.values() for r in rows}


@pytest.mark.parametrize("combined", [[HEADER], None, [HEADER, [], ["Source: APQC"]]])
@pytest.mark.parametrize("listed", [[1, 2, 3], None])
def test_an_empty_combined_sheet_gives_way_to_complete_category_sheets(
    tmp_path: Path, combined: list[list[Any]] | None, listed: list[int] | None
) -> None:
    """An emptied 'Combined' beside full '1.0', '2.0', '3.0' sheets was an error naming
    'Combined', with no fall-back: the category sheets are read, with a warning naming it."""
    imp = import_workbook(build(tmp_path / NAME, combined, CATEGORY_ROWS, listed), progress=False)
    assert set(imp.element_rows) == EVERY
    assert imp.counts["category"] == 3 and imp.counts["process"] == 1
    assert (
        "sheet 'Combined': holds no elements; they are read from the 3 per-category sheets "
        "'1.0' to '3.0', one for every category"
    ) in imp.warnings


@pytest.mark.parametrize(
    ("categories", "listed", "problem"),
    [
        (
            {1: CATEGORY_ROWS[1], 2: CATEGORY_ROWS[2]},
            [1, 2, 3],
            "no sheet for category 3.0 (the 'Categories' sheet lists 1.0 to 3.0)",
        ),
        (
            {1: CATEGORY_ROWS[1], 3: CATEGORY_ROWS[3]},
            None,
            "no sheet for category 2.0 (the category sheets run over 1.0 to 3.0)",
        ),
        (
            {1: CATEGORY_ROWS[1], 2: CATEGORY_ROWS[2][1:], 3: CATEGORY_ROWS[3]},
            None,
            "sheet '2.0' does not hold the row of category 2.0",
        ),
    ],
)
def test_incomplete_category_sheets_do_not_stand_in_for_an_empty_combined_sheet(
    tmp_path: Path, categories: dict[int, list[list[Any]]], listed: list[int] | None, problem: str
) -> None:
    path = build(tmp_path / NAME, [HEADER], categories, listed)
    with pytest.raises(WorkbookError) as info:
        import_workbook(path, progress=False)
    assert (info.value.sheet, info.value.row) == ("Combined", None)
    assert info.value.problem == (
        "no element rows in this sheet, and the per-category sheets cannot stand in for it: "
        + problem
    )


def test_a_combined_sheet_with_elements_is_read_alone(tmp_path: Path) -> None:
    """The fall-back is only for an empty Combined: one with rows is the elements, whatever
    the category sheets hold (what they hold beyond it is named in a warning per sheet)."""
    path = build(tmp_path / NAME, [HEADER, CATEGORY_ROWS[1][0]], CATEGORY_ROWS, [1, 2, 3])
    imp = import_workbook(path, progress=False)
    assert set(imp.element_rows) == {tuple(CATEGORY_ROWS[1][0])}
    assert imp.warnings == [
        "sheet '1.0': 1 element(s) not in sheet 'Combined', not imported (the elements are "
        "read from 'Combined'): PCF ID 10014 (row 3)",
        "sheet '2.0': 3 element(s) not in sheet 'Combined', not imported (the elements are "
        "read from 'Combined'): PCF ID 10003 (row 2), PCF ID 10061 (row 3), PCF ID 10064 "
        "(row 4)",
        "sheet '3.0': 1 element(s) not in sheet 'Combined', not imported (the elements are "
        "read from 'Combined'): PCF ID 10004 (row 2)",
    ]


def test_category_sheets_titled_after_their_number_stand_in_for_an_empty_combined(
    tmp_path: Path,
) -> None:
    """'1.0 Develop Vision and Strategy' was not a category sheet (only '1.0' was): an emptied
    Combined beside such sheets was refused as holding no elements."""
    path = build(tmp_path / NAME, [HEADER], CATEGORY_ROWS, [1, 2, 3], titled=True)
    imp = import_workbook(path, progress=False)
    assert set(imp.element_rows) == EVERY
    assert imp.warnings == [
        "sheet 'Combined': holds no elements; they are read from the 3 per-category sheets "
        "'1.0 Develop Vision and Strategy' to '3.0 Market and Sell Products an', one for every "
        "category"
    ]


def test_titled_category_sheets_are_the_elements_without_combined(tmp_path: Path) -> None:
    """Without a Combined sheet, titled category sheets are read in category order as APQC's
    own, with no warning (they were read as sheets of the user's naming, each warned about)."""
    categories = {n: CATEGORY_ROWS[n] for n in (3, 1, 2)}
    path = build(tmp_path / NAME, None, categories, titled=True, with_combined=False)
    imp = import_workbook(path, progress=False)
    assert imp.warnings == []
    assert [r[0] for r in imp.element_rows] == [10002, 10014, 10003, 10061, 10064, 10004]
    assert {sheet for sheet, _ in imp.origins.values()} == set(TITLED.values())


#: A Combined sheet cut to its title row (APQC's title, as a copy may keep it).
TITLE = ["APQC Process Classification Framework (PCF) - Cross-Industry - Version 7.4"]
NO_HEADER = (
    "not an APQC PCF layout: no header row with 'PCF ID', 'Hierarchy ID', 'Name' in its 1 row "
    "(unknown layout): the importer looks for a row whose cells name those columns, as APQC's "
    "row 1 does above the rows they head; "
)
ONLY_A_TITLE = (
    NO_HEADER + f"the sheet holds only row 1, A {TITLE[0]!r}, a title: no header row and no "
    "rows under it"
)


@pytest.mark.parametrize("listed", [[1, 2, 3], None])
def test_a_combined_sheet_holding_only_a_title_gives_way_to_complete_category_sheets(
    tmp_path: Path, listed: list[int] | None
) -> None:
    """A Combined sheet cut to its title row was refused for having no header row beside
    category sheets holding every category, which stand in for a blank or emptied one."""
    path = build(tmp_path / NAME, [TITLE], CATEGORY_ROWS, listed)
    imp = import_workbook(path, progress=False)
    assert set(imp.element_rows) == EVERY
    assert imp.warnings == [
        "sheet 'Combined': holds no elements; they are read from the 3 per-category sheets "
        "'1.0' to '3.0', one for every category"
    ]


def test_the_title_of_a_title_only_combined_sheet_states_the_version(tmp_path: Path) -> None:
    """The title is read as title rows above a header are: a copy whose name states nothing
    gets its version from it (the edition from the Introduction)."""
    imp = import_workbook(build(tmp_path / "copy.xlsx", [TITLE], CATEGORY_ROWS), progress=False)
    assert (imp.edition, imp.version) == ("Cross-Industry", "7.4")
    assert TITLE[0] in imp.version_from


@pytest.mark.parametrize(
    ("categories", "listed", "problem"),
    [
        (
            {1: CATEGORY_ROWS[1], 2: CATEGORY_ROWS[2]},
            [1, 2, 3],
            "no sheet for category 3.0 (the 'Categories' sheet lists 1.0 to 3.0)",
        ),
        (
            {1: CATEGORY_ROWS[1], 2: CATEGORY_ROWS[2][1:], 3: CATEGORY_ROWS[3]},
            None,
            "sheet '2.0' does not hold the row of category 2.0",
        ),
    ],
)
def test_incomplete_category_sheets_leave_a_title_only_combined_refused_saying_so(
    tmp_path: Path, categories: dict[int, list[list[Any]]], listed: list[int] | None, problem: str
) -> None:
    """Without every category in its sheet the error still says that the sheet holds only a
    title, and then why the category sheets cannot stand in for it."""
    path = build(tmp_path / NAME, [TITLE], categories, listed)
    with pytest.raises(WorkbookError) as info:
        import_workbook(path, progress=False)
    assert (info.value.sheet, info.value.row) == ("Combined", None)
    assert info.value.problem == (
        ONLY_A_TITLE + "; the per-category sheets cannot stand in for it: " + problem
    )


def test_a_combined_sheet_holding_more_than_a_title_is_refused_as_before(tmp_path: Path) -> None:
    """Only a title gives way: a sheet holding other rows and no header may be the elements
    under a header the importer does not know, and is refused naming what it holds."""
    path = build(tmp_path / NAME, [TITLE, ["Cut here"]], CATEGORY_ROWS, [1, 2, 3])
    with pytest.raises(WorkbookError) as info:
        import_workbook(path, progress=False)
    assert (info.value.sheet, info.value.row) == ("Combined", None)
    assert "the 2 rows with a value name none of them" in info.value.problem


@pytest.mark.parametrize(("combined", "held"), [([TITLE], ONLY_A_TITLE), (None, None)])
def test_a_combined_sheet_without_a_table_and_no_category_sheets_says_what_it_holds(
    tmp_path: Path, combined: list[list[Any]] | None, held: str | None
) -> None:
    """With no category sheets to stand in, a blank Combined sheet was "the element sheets
    have a header but no rows": it has no header. It is refused as what it is, as a title-only
    one is."""
    path = build(tmp_path / NAME, combined, {})
    with pytest.raises(WorkbookError) as info:
        import_workbook(path, progress=False)
    assert (info.value.sheet, info.value.row) == ("Combined", None)
    if held is not None:
        assert info.value.problem == held
    else:
        assert info.value.problem.startswith("not an APQC PCF layout: no header row with ")
        assert info.value.problem.endswith("; the sheet is empty")
