"""Workbook -> triples: the spreadsheet template read back, every statement with its cell.

Walks :data:`~pcfgraph.audit.inputs.sheets.SHEETS` like the writer. A workbook that is not the
template (a sheet or a header missing) is refused as a whole
(:class:`~pcfgraph.errors.ModelError`, 422 / exit 2, naming what is missing). Inside a template,
a bad cell (a date that is not a date, a reference to a key no row has, a value not on its
drop-down list) is a model-validity finding naming the cell, and the rest is read.

Before anything is inflated the archive is checked
(:mod:`~pcfgraph.audit.inputs.workbook_archive`); the sheets are then read by the lean reader
of :mod:`~pcfgraph.audit.inputs.xlsx`. What a cell gives is
:mod:`~pcfgraph.audit.inputs.workbook_terms`'s to say, the sheet of other statements
:mod:`~pcfgraph.audit.inputs.workbook_other`'s; what the reading gathers is held by
:class:`~pcfgraph.audit.inputs.workbook_reader.Reader`.
"""

from __future__ import annotations

from typing import Any, Final

import pyoxigraph as ox

from pcfgraph.audit.inputs.model import ReadResult
from pcfgraph.audit.inputs.sheets import (
    DEFAULT_NAMESPACE,
    NAMESPACE_LABEL,
    OTHER_SHEET,
    RDF_TYPE,
    README_SHEET,
    SHEETS,
    Sheet,
    column_letter,
)
from pcfgraph.audit.inputs.workbook_archive import check_archive
from pcfgraph.audit.inputs.workbook_hidden import hidden_in_excel, merged_in_excel
from pcfgraph.audit.inputs.workbook_layout import cell_text as _text
from pcfgraph.audit.inputs.workbook_layout import template_layout, unread_sheets
from pcfgraph.audit.inputs.workbook_other import read_other_row
from pcfgraph.audit.inputs.workbook_reader import ABSOLUTE, Reader, cell_at, cell_problem
from pcfgraph.audit.inputs.workbook_terms import cell_terms
from pcfgraph.audit.inputs.workbook_values import EXCEL_EPOCH
from pcfgraph.audit.report import node_text
from pcfgraph.errors import ModelError, ParseError, PayloadTooLarge, quoted

MAX_ROWS: Final = 200_000

_TYPE = ox.NamedNode(RDF_TYPE)


def _rows(wb: Any, sheet: str, name: str) -> list[tuple[int, tuple[Any, ...]]]:
    out = []
    for r, row in wb.rows(sheet, min_row=2):
        if r > MAX_ROWS + 1:
            raise PayloadTooLarge(f"{name}: sheet {sheet!r} has more than {MAX_ROWS} rows")
        if any(c is not None and (c.value not in (None, "") or c.problem) for c in row):
            out.append((r, tuple(row)))  # a formula with no saved value is not an empty cell
    return out


def _data_rows(
    reader: Reader, wb: Any, sheet: str, layout: dict[str, int]
) -> list[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows but those repeating its header row (a second header row, headers
    pasted again above a block): each such row is one finding naming it, and is not read as
    a row of data (it was: a customer called 'Name' with a dozen findings of its own)."""
    headers = {col: header.casefold() for header, col in layout.items()}
    kept = []
    for r, cells in _rows(wb, sheet, reader.name):
        texts = {i: _text(c.value).strip().casefold() for i, c in enumerate(cells) if c and c.value}
        if len(texts) < 2 or any(headers.get(i) != text for i, text in texts.items()):
            kept.append((r, cells))
            continue
        detail = f"{sheet} row {r} repeats the header row: it is not read as data; delete it."
        reader.bad(
            "bad-value", ox.BlankNode(), f"{sheet} row {r}", detail, reader.where(sheet, r, 0)
        )
    return kept


def _namespace(wb: Any, name: str) -> str:
    if README_SHEET not in wb.sheetnames:
        return DEFAULT_NAMESPACE
    for _r, cells in wb.rows(README_SHEET):
        row = [c.value if c is not None else None for c in cells]
        if row and _text(row[0]).strip() == NAMESPACE_LABEL:
            if len(cells) > 1 and (problem := cell_problem(cells[1])):
                raise ModelError(f"{name}: sheet {README_SHEET!r}: the {NAMESPACE_LABEL} {problem}")
            ns = _text(row[1] if len(row) > 1 else "").strip()
            if not ns:
                return DEFAULT_NAMESPACE
            try:
                ox.NamedNode(ns)
            except ValueError:
                ns = ""
            if not ns.startswith(ABSOLUTE):
                raise ModelError(
                    f"{name}: sheet {README_SHEET!r}: the {NAMESPACE_LABEL} must be an absolute "
                    f"IRI such as {DEFAULT_NAMESPACE}"
                )
            return ns
    return DEFAULT_NAMESPACE


def read_workbook(data: bytes, name: str) -> ReadResult:
    """The model in a workbook made from the template (``pcfgraph template orgmodel``)."""
    check_archive(data, name)
    from pcfgraph.audit.inputs.xlsx import LeanWorkbook, PartError

    try:
        wb = LeanWorkbook(data)
    except ModelError as exc:  # a workbook of a kind not read (Strict Open XML), said
        raise ModelError(f"{name}: {exc}") from None
    except PartError as exc:  # XML that is not well-formed: which part, what, where
        raise ParseError(f"not a readable .xlsx workbook: {exc}", source=name) from None
    except Exception as exc:  # a damaged package: missing parts, bad numbers
        raise ParseError(
            f"not a readable .xlsx workbook: {type(exc).__name__}", source=name
        ) from None
    try:
        return _read(wb, name)
    except PartError as exc:
        raise ParseError(f"not a readable .xlsx workbook: {exc}", source=name) from None
    except (ValueError, KeyError, SyntaxError) as exc:  # lxml's XMLSyntaxError is one
        raise ParseError(
            f"not a readable .xlsx workbook: {type(exc).__name__}", source=name
        ) from None
    finally:
        wb.close()


def _read(workbook: Any, name: str) -> ReadResult:
    wb, layouts, other_layout = template_layout(workbook, name)
    reader = Reader(name, _namespace(wb, name))
    reader.epoch = getattr(workbook, "epoch", EXCEL_EPOCH)
    for sheet in SHEETS:
        for column in sheet.columns:
            if column.predicate and not column.inverse and column.header in layouts[sheet.name]:
                letter = column_letter(layouts[sheet.name][column.header])
                reader.sources.columns[(sheet.name, column.predicate)] = letter
    rows = {s.name: _data_rows(reader, wb, s.name, layouts[s.name]) for s in SHEETS}
    _collect_keys(reader, rows, layouts)
    for sheet in SHEETS:
        for r, cells in rows[sheet.name]:
            _read_row(reader, sheet, layouts[sheet.name], r, cells)
    if OTHER_SHEET in wb.sheetnames:
        rows[OTHER_SHEET] = _data_rows(reader, wb, OTHER_SHEET, other_layout)
        for r, cells in rows[OTHER_SHEET]:
            read_other_row(reader, other_layout, r, cells)
    hidden_in_excel(reader, wb, rows)
    merged_in_excel(reader, wb, rows)
    unused = _unread_columns(wb.extra_headers, {**layouts, OTHER_SHEET: other_layout}, rows)
    unused += unread_sheets(wb)
    return ReadResult(
        triples=reader.triples,
        findings=reader.findings,
        sources=reader.sources,
        unused=unused or None,
        kind="workbook",
    )


def _unread_columns(
    extra_headers: dict[str, dict[int, str]],
    layouts: dict[str, dict[str, int]],
    rows: dict[str, list[tuple[int, tuple[Any, ...]]]],
) -> list[dict[str, Any]]:
    """The columns holding values that no template column reads (a column the user added, a
    value beside the table): listed as not used by the audit, never dropped unsaid."""
    out = []
    for sheet, sheet_rows in rows.items():
        known = set(layouts.get(sheet, {}).values())
        filled = sorted(
            {
                i
                for _r, cells in sheet_rows
                for i, c in enumerate(cells)
                if i not in known and c is not None and c.value not in (None, "")
            }
        )
        for i in filled:
            header = extra_headers.get(sheet, {}).get(i, "")
            out.append(
                {
                    "kind": "column",
                    "identifier": f"{sheet}!{column_letter(i)}",
                    "name": header or "(no header)",
                    "type": "column",
                }
            )
    return out


def _collect_keys(
    reader: Reader,
    rows: dict[str, list[tuple[int, tuple[Any, ...]]]],
    layouts: dict[str, dict[str, int]],
) -> None:
    for sheet in SHEETS:
        if sheet.blank:
            continue
        col = layouts[sheet.name]["Key"]
        for r, cells in rows[sheet.name]:
            key = _text(getattr(cell_at(cells, col), "value", None)).strip()
            if not key:
                continue
            if key in reader.keys:
                node, first_sheet, first_row = reader.keys[key]
                reader.bad(
                    "duplicate-key",
                    node,
                    key,
                    f"the key {quoted(key)} is used again on {sheet.name} row {r} (first on "
                    f"{first_sheet} row {first_row}).",
                    reader.where(sheet.name, r, col),
                    value=key,
                )
                continue
            reader.keys[key] = (reader.node(key), sheet.name, r)


def _row_label(sheet: Sheet, layout: dict[str, int], cells: tuple[Any, ...], key: str) -> str:
    if "Name" in layout:
        name = _text(getattr(cell_at(cells, layout["Name"]), "value", None)).strip()
        if name:
            return name
    return key or f"{sheet.name} row"


def _read_row(
    reader: Reader, sheet: Sheet, layout: dict[str, int], r: int, cells: tuple[Any, ...]
) -> None:
    add = reader.triples.append
    key = ""
    if sheet.blank:
        node: ox.NamedNode | ox.BlankNode = ox.BlankNode()
        first = 0
    else:
        first = layout["Key"]
        key = _text(getattr(cell_at(cells, first), "value", None)).strip()
        if key and reader.keys.get(key, (None, sheet.name, r))[1:] != (sheet.name, r):
            return  # a duplicate key: reported, the first row wins
        node = reader.keys[key][0] if key else ox.BlankNode()
    label = _row_label(sheet, layout, cells, key)
    reader.sources.nodes.setdefault(node_text(node) or "", reader.where(sheet.name, r, first))
    if not sheet.blank and not key:
        reader.bad(
            "bad-value",
            node,
            label,
            f"{sheet.name} row {r} has no key (column A"
            + (f": it {problem}" if (problem := cell_problem(cell_at(cells, first))) else "")
            + ").",
            reader.where(sheet.name, r, first),
        )
    cls = sheet.class_iris[0]
    for column in sheet.columns:
        if column.kind == "key":
            continue
        j = layout.get(column.header)
        if j is None:  # an optional column an older workbook does not have
            continue
        cell = cell_at(cells, j)
        value = getattr(cell, "value", None)
        where = reader.where(sheet.name, r, j)
        if problem := cell_problem(cell):  # a formula error, or one with no saved value: said
            reader.bad("bad-value", node, label, f"{column.header} {problem}.", where, column)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.kind == "class" and len(sheet.classes) > 1:
                reader.bad(
                    "unknown-choice",
                    node,
                    label,
                    f"the Kind is empty; it is read as {sheet.classes[0][0]!r}.",
                    where,
                    None,
                )
            continue
        if column.kind == "class":
            chosen = sheet.kind_choice.value_of(_text(value))
            if chosen is None:
                reader.bad(
                    "unknown-choice",
                    node,
                    label,
                    f"{quoted(_text(value))} is not a kind of {sheet.name}; pick one of "
                    f"{', '.join(sheet.kind_choice.labels())}.",
                    where,
                    None,
                    _text(value),
                )
            else:
                cls = chosen
            continue
        for term in cell_terms(
            reader, column, value, getattr(cell, "number_format", None), node, label, where
        ):
            pred = ox.NamedNode(column.predicate or "")
            if column.inverse:
                if isinstance(term, ox.NamedNode | ox.BlankNode):
                    add(ox.Triple(term, pred, node))
                    reader.sources.cells.setdefault((node_text(term) or "", pred.value), where)
            else:
                add(ox.Triple(node, pred, term))
                reader.sources.cells.setdefault((node_text(node) or "", pred.value), where)
    add(ox.Triple(node, _TYPE, ox.NamedNode(cls)))
