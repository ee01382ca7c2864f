"""Rows of an APQC workbook to plain records: elements (with their tree checked), glossary
definitions and metrics (those two read by :mod:`.measures`). No RDF here; every problem
names sheet, row and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pcfgraph.archive_guard import ArchiveLimits
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc.agreement import compare_category_sheets
from pcfgraph.importers.apqc.cells import (
    blank,
    bool_cell,
    int_cell,
    normalise_space,
    numeric_category,
    parse_hierarchy_id,
)
from pcfgraph.importers.apqc.layout import (
    ELEMENT_COLUMNS,
    ELEMENT_REQUIRED,
    Table,
    category_sheets,
    element_sheets,
    find_sheet,
    header_sheets,
    incomplete_categories,
    table_less,
)
from pcfgraph.importers.apqc.measures import Metric, Tick, read_glossary, read_metrics


@dataclass
class Element:
    sheet: str
    row: int
    pcf_id: int
    hierarchy_id: str
    parent_id: str | None
    level: int
    name: str
    definition: str | None = None
    difference_index: int | None = None
    change_details: str | None = None
    metrics_available: bool | None = None


@dataclass
class WorkbookRows:
    """Everything read from one workbook, before any RDF is made."""

    elements: list[Element]
    metrics: list[Metric]
    #: Text above the header rows of the element sheets (the workbook's own titles).
    title_texts: list[str]
    warnings: list[str]


def read_workbook(wb: Any, limits: ArchiveLimits, tick: Tick) -> WorkbookRows:
    """Read elements, glossary definitions and metrics from an open (read-only) workbook."""
    titles: list[str] = []
    warnings: list[str] = []
    elements = _read_elements(wb, limits, tick, titles, warnings)
    _check_tree(elements)
    read_glossary(wb, limits, tick, elements, warnings)
    hids = {e.pcf_id: e.hierarchy_id for e in elements}
    metrics = read_metrics(wb, limits, tick, hids, warnings)
    return WorkbookRows(elements, metrics, titles, warnings)


def _read_elements(
    wb: Any, limits: ArchiveLimits, tick: Tick, titles: list[str], warnings: list[str]
) -> list[Element]:
    sheets = _element_sheets(wb, limits, warnings)
    headers: dict[str, dict[str, int]] = {}
    combined = find_sheet(sheets, "combined")
    try:
        elements = _read_sheets(wb, sheets, limits, tick, titles, warnings, headers)
    except _TableLess as none:  # a blank Combined sheet, or one holding only a title
        assert combined is not None
        titles.extend(none.held)  # a title states edition and version as title rows do
        elements = _instead_of_empty_combined(wb, combined, limits, tick, titles, warnings, none)
    else:
        if elements and combined is not None:
            warnings.extend(
                compare_category_sheets(wb, combined, headers[combined], elements, limits, tick)
            )
        elif combined is not None:
            elements = _instead_of_empty_combined(wb, combined, limits, tick, titles, warnings)
    if not elements:
        raise WorkbookError(
            "not an APQC PCF: the element sheets have a header but no rows with a PCF ID and "
            f"a hierarchy ID (read {', '.join(repr(s) for s in sheets)})",
            sheet=sheets[0],
        )
    return elements


def _read_sheets(
    wb: Any,
    sheets: list[str],
    limits: ArchiveLimits,
    tick: Tick,
    titles: list[str],
    warnings: list[str],
    headers: dict[str, dict[str, int]] | None = None,
) -> list[Element]:
    """The elements of ``sheets``; ``headers`` receives each sheet's column index."""
    elements: list[Element] = []
    seen_ids: dict[int, tuple[str, int]] = {}
    seen_hids: dict[str, tuple[str, int]] = {}
    for sheet in sheets:
        try:
            table = Table(wb[sheet], sheet, ELEMENT_COLUMNS, ELEMENT_REQUIRED, limits)
        except WorkbookError as refused:
            held = table_less(wb[sheet], limits) if find_sheet([sheet], "combined") else None
            if held is not None:  # a Combined sheet holding no table: the caller decides
                raise _TableLess(refused, held) from None
            raise
        titles.extend(table.title_texts)
        if headers is not None:
            headers[sheet] = table.index
        for row_no, cells in table.rows():
            tick()
            if _note(table, row_no, cells, warnings):
                continue
            e = _element(table, row_no, cells, warnings)
            _unique(seen_ids, e.pcf_id, "PCF ID", table, row_no, "pcf_id")
            _unique(seen_hids, e.hierarchy_id, "hierarchy ID", table, row_no, "hierarchy_id")
            elements.append(e)
    return elements


class _TableLess(Exception):
    """The ``Combined`` sheet has no table: it is blank or holds only a title (``held``);
    ``refused`` says so, as the sheet's header error."""

    def __init__(self, refused: WorkbookError, held: tuple[str, ...]) -> None:
        super().__init__(refused.problem)
        self.refused = refused
        self.held = held


def _instead_of_empty_combined(
    wb: Any,
    combined: str,
    limits: ArchiveLimits,
    tick: Tick,
    titles: list[str],
    warnings: list[str],
    none: _TableLess | None = None,
) -> list[Element]:
    """The elements of the per-category sheets when the ``Combined`` sheet holds none (emptied
    to its header; or, ``none`` saying so, blank or cut to its title row) and they are
    complete: every category (those the ``Categories`` sheet lists, else 1.0 to the last) has
    its sheet, holding its category row. Incomplete, the error names the empty sheet, what is
    missing and, for a title, that the sheet holds only that; without category sheets, a
    sheet without a table is refused as such (the others are refused by the caller)."""
    numbered = category_sheets(wb.sheetnames)
    if not numbered:
        if none is not None:
            raise none.refused
        return []
    elements = _read_sheets(wb, [name for _, name in numbered], limits, tick, titles, warnings)
    held = {(e.sheet, e.hierarchy_id) for e in elements}
    problem = incomplete_categories(wb, numbered, held, limits)
    if problem is not None:
        what = "no element rows in this sheet, and"
        if none is not None and none.held:  # a title: the clear "holds only ... a title" kept
            what = none.refused.problem + ";"
        raise WorkbookError(
            f"{what} the per-category sheets cannot stand in for it: {problem}", sheet=combined
        )
    names = [name for _, name in numbered]
    warnings.append(
        f"sheet {combined!r}: holds no elements; they are read from the {len(names)} "
        f"per-category sheets {names[0]!r} to {names[-1]!r}, one for every category"
    )
    return elements


def _element_sheets(wb: Any, limits: ArchiveLimits, warnings: list[str]) -> list[str]:
    """APQC's element sheets; failing those, the sheets whose header names the element columns
    (each named in a warning: the workbook was reorganised, the user should know what was read)."""
    try:
        return element_sheets(wb.sheetnames)
    except WorkbookError:
        found = header_sheets(wb, limits)
        if not found:
            raise
    warnings.extend(
        f"sheet {sheet!r}: no 'Combined' sheet and no per-category sheets ('1.0', '2.0', ...); "
        "the elements are read from this sheet, whose header row names their columns"
        for sheet in found
    )
    return found


def _note(table: Table, row_no: int, cells: dict[str, Any], warnings: list[str]) -> bool:
    """Whether a row is a note, not an element (a source line or remark typed under the table):
    it has no hierarchy ID and no numeric PCF ID. Skipped with a warning naming its cell; a row
    with either ID goes on to be checked as an element (a missing other value is an error)."""
    pcf_id = cells.get("pcf_id")
    if not blank(cells.get("hierarchy_id")) or (
        not blank(pcf_id) and (isinstance(pcf_id, (int, float)) or str(pcf_id).strip().isdigit())
    ):
        return False
    filled = [(col, value) for col, value in cells.items() if not blank(value)]
    where = f"sheet {table.sheet!r}, row {row_no}"
    if filled:
        col, value = min(filled, key=lambda item: table.index[item[0]])
        where += f", column {table.name(col)!r}: {normalise_space(value)!r}"
    else:
        where += ": text outside the table's columns"
    warnings.append(f"{where}: not an element (no PCF ID and no hierarchy ID); skipped")
    return True


def _unique(
    seen: dict[Any, tuple[str, int]], key: Any, what: str, table: Table, row_no: int, col: str
) -> None:
    if key in seen:
        other_sheet, other_row = seen[key]
        other = (
            f"row {other_row}"
            if other_sheet == table.sheet
            else f"sheet {other_sheet!r} row {other_row}"
        )
        raise WorkbookError(
            f"duplicate {what} {key!r} in one edition (also in {other})",
            sheet=table.sheet,
            row=row_no,
            column=table.name(col),
        )
    seen[key] = (table.sheet, row_no)


def _element(table: Table, row_no: int, cells: dict[str, Any], warnings: list[str]) -> Element:
    sheet = table.sheet
    for col in ELEMENT_REQUIRED:
        if blank(cells.get(col)):
            raise WorkbookError("missing value", sheet=sheet, row=row_no, column=table.name(col))
    pcf_id = int_cell(cells["pcf_id"], "PCF ID", sheet, row_no, table.name("pcf_id"))
    raw_hid = cells["hierarchy_id"]
    hid = normalise_space(raw_hid)
    category = numeric_category(raw_hid)
    if category is not None:
        warnings.append(
            f"sheet {sheet!r}, row {row_no}, column {table.name('hierarchy_id')!r}: the number "
            f"{raw_hid!r} read as the category {category!r} (the cell holds a number, not "
            "text: store hierarchy IDs as text, or 8.10 reads 8.1)"
        )
        raw_hid = hid = category
    try:
        if not isinstance(raw_hid, str):
            raise ValueError("a hierarchy ID must be text, not a number (8.10 would read 8.1)")
        level, parent = parse_hierarchy_id(hid)
    except ValueError as exc:
        raise WorkbookError(
            f"bad hierarchy ID {raw_hid!r}: {exc}",
            sheet=sheet,
            row=row_no,
            column=table.name("hierarchy_id"),
        ) from None
    e = Element(
        sheet=sheet,
        row=row_no,
        pcf_id=pcf_id,
        hierarchy_id=hid,
        parent_id=parent,
        level=level,
        name=normalise_space(cells["name"]),
    )
    if not blank(cells.get("description")):
        e.definition = normalise_space(cells["description"])
    if not blank(cells.get("difference_index")):
        e.difference_index = int_cell(
            cells["difference_index"],
            "Difference Index",
            sheet,
            row_no,
            table.name("difference_index"),
        )
    if not blank(cells.get("change_details")):
        e.change_details = str(cells["change_details"]).strip()
    if not blank(cells.get("metrics_available")):
        e.metrics_available = bool_cell(
            cells["metrics_available"], sheet, row_no, table.name("metrics_available")
        )
    return e


def _check_tree(elements: list[Element]) -> None:
    hids = {e.hierarchy_id for e in elements}
    for e in elements:
        if e.parent_id is not None and e.parent_id not in hids:
            raise WorkbookError(
                f"the parent {e.parent_id!r} of hierarchy ID {e.hierarchy_id!r} "
                "is not in the workbook",
                sheet=e.sheet,
                row=e.row,
                column=ELEMENT_COLUMNS["hierarchy_id"][0],
            )
