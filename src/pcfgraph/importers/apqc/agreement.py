"""Whether the per-category sheets (``1.0``, ``2.0``, ...) say what the ``Combined`` sheet says.

APQC ships both; the importer reads ``Combined``. They are meant to be copies, but a hand edit
can reach one only (Cross-Industry 7.4: PCF 20079's description reads "Insuring all payments"
in ``Combined`` and "Ensuring all payments" in ``5.0``). Each disagreement on an element's
hierarchy ID, name or description, and the elements a category sheet holds that ``Combined``
lacks (one warning per sheet), are warnings naming the element, both sheets and cells and both texts; what
``Combined`` says is still what is imported. A category sheet that does not read (no header,
no such columns) is not compared: it is not what is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from openpyxl.utils import get_column_letter

from pcfgraph.archive_guard import ArchiveLimits
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc.cells import blank, normalise_space, numeric_category
from pcfgraph.importers.apqc.layout import (
    ELEMENT_COLUMNS,
    ELEMENT_REQUIRED,
    Table,
    category_sheets,
)

#: The columns compared, as :class:`~.layout.Table` keys.
COMPARED: Final = ("hierarchy_id", "name", "description")
#: How many elements missing from ``Combined`` a warning lists (one warning per sheet).
_LISTED: Final = 10


def _pcf_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _text(col: str, value: Any) -> str | None:
    if blank(value):
        return None
    if col == "hierarchy_id":
        return numeric_category(value) or normalise_space(value)
    return normalise_space(value)


def _cell(index: dict[str, int], col: str, row: int) -> str:
    return f"{get_column_letter(index[col] + 1)}{row}"


def compare_category_sheets(
    wb: Any,
    combined: str,
    index: dict[str, int],
    elements: Sequence[Any],
    limits: ArchiveLimits,
    tick: Callable[[], None],
) -> list[str]:
    """Warnings for what the category sheets of ``wb`` say otherwise than ``combined``, whose
    header is ``index`` and whose elements (:class:`~.rows.Element`) are ``elements``."""
    rows = {
        e.pcf_id: (
            e.row,
            {"hierarchy_id": e.hierarchy_id, "name": e.name, "description": e.definition},
        )
        for e in elements
    }
    warnings: list[str] = []
    for _, sheet in category_sheets(wb.sheetnames):
        try:
            table = Table(wb[sheet], sheet, ELEMENT_COLUMNS, ELEMENT_REQUIRED, limits)
            sheet_rows = list(table.rows())
        except WorkbookError:
            continue
        missing: list[str] = []
        for row_no, cells in sheet_rows:
            tick()
            pcf_id = _pcf_id(cells.get("pcf_id"))
            if pcf_id is None:
                continue
            if pcf_id not in rows:
                missing.append(f"PCF ID {pcf_id} (row {row_no})")
                continue
            warnings.extend(
                _differences(combined, index, rows[pcf_id], table, row_no, cells, pcf_id)
            )
        if missing:
            listed = ", ".join(missing[:_LISTED])
            more = f" and {len(missing) - _LISTED} more" if len(missing) > _LISTED else ""
            warnings.append(
                f"sheet {sheet!r}: {len(missing)} element(s) not in sheet {combined!r}, not "
                f"imported (the elements are read from {combined!r}): {listed}{more}"
            )
    return warnings


def _differences(
    combined: str,
    index: dict[str, int],
    theirs: tuple[int, dict[str, Any]],
    table: Table,
    row_no: int,
    cells: dict[str, Any],
    pcf_id: int,
) -> Sequence[str]:
    c_row, c_cells = theirs
    hid = _text("hierarchy_id", c_cells.get("hierarchy_id"))
    found = []
    for col in COMPARED:
        if col not in index or col not in table.index:
            continue
        ours, other = _text(col, c_cells.get(col)), _text(col, cells.get(col))
        if ours is None or other is None or ours == other:
            continue
        found.append(
            f"sheet {combined!r}, row {c_row}, column {table.name(col)!r}: PCF ID {pcf_id} "
            f"({hid}) reads {ours!r} in cell {_cell(index, col, c_row)} of {combined!r} but "
            f"{other!r} in cell {_cell(table.index, col, row_no)} of sheet {table.sheet!r}; "
            f"the {combined!r} text is imported"
        )
    return found
