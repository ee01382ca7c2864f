"""The template's layout found in a workbook: its sheets (matched as headers are, case and
surrounding spaces aside) and the column of each header in row 1. A workbook that is not the
template is refused naming what is missing and what it has instead; so is one with a template
header twice in row 1 (which column holds the data would be a guess)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pcfgraph.audit.inputs.sheets import (
    OTHER_HEADERS,
    OTHER_SHEET,
    README_SHEET,
    SHEETS,
    column_letter,
)
from pcfgraph.errors import ModelError


def cell_text(value: Any) -> str:
    """A cell's value as text (numbers without a spurious '.0', dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class TemplateSheets:
    """The workbook's sheets under their template names, matched as headers are: case and
    surrounding spaces ignored (a sheet renamed "customers " is still the Customers sheet; an
    exact name wins). ``others``: the sheets that are no template sheet."""

    def __init__(self, wb: Any) -> None:
        self._wb = wb
        names = [s.name for s in SHEETS] + [README_SHEET, OTHER_SHEET]
        loose = {n.strip().casefold(): n for n in reversed(wb.sheetnames)}
        self._actual = {
            n: n if n in wb.sheetnames else loose[n.casefold()]
            for n in names
            if n in wb.sheetnames or n.casefold() in loose
        }
        self.sheetnames = list(self._actual)
        taken = set(self._actual.values())
        self.others = [n for n in wb.sheetnames if n not in taken]
        #: sheet -> column index -> header of row 1 that is no template header
        self.extra_headers: dict[str, dict[int, str]] = {}

    def rows(self, sheet: str, **kwargs: Any) -> Any:
        return self._wb.rows(self._actual[sheet], **kwargs)

    def hidden(self, sheet: str) -> tuple[bool, set[int]]:
        """Whether Excel hides the sheet, and which of the rows read from it it hides."""
        actual = self._actual[sheet]
        return (
            actual in getattr(self._wb, "hidden_sheets", ()),
            getattr(self._wb, "hidden_rows", {}).get(actual, set()),
        )

    def merged_copies(self, sheet: str) -> list[Any]:
        """The merged ranges whose top-left value rows below them read (:class:`~pcfgraph.
        audit.inputs.xlsx.MergedCopy`), as last read."""
        return list(getattr(self._wb, "merged_copies", {}).get(self._actual[sheet], []))


def headers(
    wb: Any, sheet: str, expected: Sequence[str]
) -> tuple[dict[str, int], list[str], dict[int, str]]:
    """Header text -> column index, the expected headers that are missing, and row 1's other
    headers by column index (a column the user added, or what a renamed header is now called).
    An expected header in two columns is refused (:class:`ModelError` naming both)."""
    first: list[Any] = next((cells for r, cells in wb.rows(sheet, max_row=1) if r == 1), [])
    columns: dict[str, list[int]] = {}
    for i, c in enumerate(first):
        if c is not None and c.value is not None:
            columns.setdefault(cell_text(c.value).strip().casefold(), []).append(i)
    twice = [
        f"{h!r} in columns {' and '.join(column_letter(i) for i in columns[h.casefold()])}"
        for h in expected
        if len(columns.get(h.casefold(), ())) > 1
    ]
    if twice:
        raise ModelError(
            f"sheet {sheet!r} has the header {'; '.join(twice)} of row 1: keep one column per "
            "header (rename or delete the other; a column of your own needs a header of its own)"
        )
    found = {
        cell_text(c.value).strip().casefold(): i
        for i, c in enumerate(first)
        if c is not None and c.value is not None and cell_text(c.value).strip()
    }
    wanted = {h.casefold() for h in expected}
    index = {h: found[h.casefold()] for h in expected if h.casefold() in found}
    others = {
        i: cell_text(c.value).strip()
        for i, c in enumerate(first)
        if c is not None
        and cell_text(c.value).strip()
        and cell_text(c.value).strip().casefold() not in wanted
    }
    return index, [h for h in expected if h.casefold() not in found], others


def template_layout(
    workbook: Any, name: str
) -> tuple[TemplateSheets, dict[str, dict[str, int]], dict[str, int]]:
    """The workbook's template sheets, each template sheet's header -> column index, and the
    "Other statements" sheet's (empty when it has none)."""
    wb = TemplateSheets(workbook)
    missing_sheets = [s.name for s in SHEETS if s.name not in wb.sheetnames]
    if missing_sheets:
        others = f"; its other sheets: {', '.join(map(repr, wb.others))}" if wb.others else ""
        raise ModelError(
            f"{name} is not the organisational-model template: missing sheet"
            f"{'s' if len(missing_sheets) > 1 else ''} {', '.join(repr(s) for s in missing_sheets)}"
            f"{others} (get the template with `pcfgraph template orgmodel`)"
        )
    layouts: dict[str, dict[str, int]] = {}
    missing: list[str] = []
    instead: list[str] = []
    headed = [(s.name, [c.header for c in s.columns]) for s in SHEETS]
    optional = {(s.name, c.header) for s in SHEETS for c in s.columns if c.optional}
    if OTHER_SHEET in wb.sheetnames:
        headed.append((OTHER_SHEET, list(OTHER_HEADERS)))
    for sheet_name, expected in headed:
        try:
            index, absent, unknown = headers(wb, sheet_name, expected)
        except ModelError as exc:
            raise ModelError(f"{name}: {exc}") from None
        layouts[sheet_name] = index
        wb.extra_headers[sheet_name] = unknown
        absent = [h for h in absent if (sheet_name, h) not in optional]  # an older workbook
        missing.extend(f"{sheet_name}!{h}" for h in absent)
        if absent and unknown:
            instead.append(f"{sheet_name} row 1 has {', '.join(map(repr, unknown.values()))}")
        elif absent and not index:
            instead.append(f"{sheet_name} row 1 has no template header")
    other_layout = layouts.pop(OTHER_SHEET, {})
    if missing:
        raise ModelError(
            f"{name} is not the organisational-model template: missing column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            + (f" ({'; '.join(instead)}; the template's headers are on row 1)" if instead else "")
        )
    return wb, layouts, other_layout


def unread_sheets(wb: TemplateSheets) -> list[dict[str, Any]]:
    """The columns holding values of the sheets that are no template sheet (a "Customers (2)"
    a colleague kept apart, a "Notes" sheet), in the workbook's order: not used by the audit,
    listed as a column added to a template sheet is (they were dropped unsaid, and a model
    whose second sheet of customers no rule had seen was said to conform)."""
    out: list[dict[str, Any]] = []
    for sheet in wb.others:
        header: dict[int, str] = {}
        filled: set[int] = set()
        for r, cells in wb._wb.rows(sheet):
            for i, c in enumerate(cells):
                if c is not None and (cell_text(c.value).strip() or c.problem):
                    filled.add(i)
                    if r == 1:
                        header[i] = cell_text(c.value).strip()
        out.extend(
            {
                "kind": "column",
                "identifier": f"{sheet}!{column_letter(i)}",
                "name": header.get(i) or "(no header)",
                "type": "column",
            }
            for i in sorted(filled)
        )
    return out
