"""Workbook -> triples: the spreadsheet template read back, every statement with its cell.

Walks :data:`~pcfgraph.audit.inputs.sheets.SHEETS` like the writer. A workbook that is not the
template (a sheet or a header missing) is refused as a whole
(:class:`~pcfgraph.errors.ModelError`, 422 / exit 2, naming what is missing). Inside a template,
a bad cell (a date that is not a date, a reference to a key no row has, a value not on its
drop-down list) is a model-validity finding naming the cell, and the rest is read.

Before anything is inflated the archive is checked
(:mod:`~pcfgraph.audit.inputs.workbook_archive`); the sheets are then read by the lean reader
of :mod:`~pcfgraph.audit.inputs.xlsx`.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.inputs.model import ReadResult, SourceMap, finding
from pcfgraph.audit.inputs.sheets import (
    DEFAULT_NAMESPACE,
    NAMESPACE_LABEL,
    ORGM,
    OTHER_SHEET,
    PREFIXES,
    RDF_TYPE,
    README_SHEET,
    SHEETS,
    Column,
    Sheet,
    code_iri,
    column_letter,
)
from pcfgraph.audit.inputs.workbook_archive import check_archive
from pcfgraph.audit.inputs.workbook_hidden import hidden_in_excel, merged_in_excel
from pcfgraph.audit.inputs.workbook_layout import cell_text as _text
from pcfgraph.audit.inputs.workbook_layout import template_layout, unread_sheets
from pcfgraph.audit.inputs.workbook_values import (
    EXCEL_EPOCH,
    XSD_INTEGER,
    date_form_hint,
    date_serial_hint,
    level_hint,
    made_a_date,
    number_hint,
    read_date,
    read_number,
)
from pcfgraph.audit.report import node_text
from pcfgraph.errors import ModelError, ParseError, PayloadTooLarge, quoted

MAX_ROWS: Final = 200_000

_TYPE = ox.NamedNode(RDF_TYPE)
#: Text columns holding a review period (YYYY-Qn...), which a spreadsheet makes a date of
#: (as it does of a hierarchy number in a code column, and of a decimal in a number column).
_PERIOD: Final = ORGM + "period"
_REWRITTEN: Final = ("period", "code", "codes")
_SPLIT = re.compile(r"[;,\n\r]+")
_ABSOLUTE = ("http://", "https://", "urn:")


class _Reader:
    def __init__(self, name: str, namespace: str) -> None:
        self.name = name
        self.namespace = namespace
        self.triples: list[ox.Triple] = []
        self.findings: list[Any] = []
        self.sources = SourceMap()
        self.keys: dict[str, tuple[ox.NamedNode | ox.BlankNode, str, int]] = {}
        self.blanks: dict[str, ox.BlankNode] = {}
        self.epoch = EXCEL_EPOCH  # day 0 of the workbook's date serials

    def where(self, sheet: str, row: int, col: int) -> dict[str, Any]:
        return {"file": self.name, "sheet": sheet, "row": row, "column": column_letter(col)}

    def node(self, text: str) -> ox.NamedNode | ox.BlankNode:
        if text.startswith("_:"):
            return self.blanks.setdefault(text, ox.BlankNode())
        if text.startswith(_ABSOLUTE):
            try:
                return ox.NamedNode(text)
            except ValueError:
                pass
        return ox.NamedNode(str(iris.model_node(self.namespace, text)))

    def bad(
        self,
        rule: str,
        focus: ox.NamedNode | ox.BlankNode,
        label: str,
        detail: str,
        location: dict[str, Any],
        column: Column | None = None,
        value: str | None = None,
    ) -> None:
        self.findings.append(
            finding(
                rule,
                focus,
                detail,
                label=label,
                path=column.predicate if column else None,
                value=value,
                location=location,
            )
        )

    def ref(self, text: str) -> ox.NamedNode | ox.BlankNode | None:
        if text.startswith(("_:", *_ABSOLUTE)):
            return self.node(text)
        known = self.keys.get(text)
        return known[0] if known else None

    def suggest_key(self, text: str) -> str:
        from pcfgraph.audit.inputs.terms import closest

        # a key typed in other capitals (NILS-EK for nils-ek) is past any edit distance
        folded = text.casefold()
        close = sorted(k for k in self.keys if k.casefold() == folded)[:3]
        close = close or closest(text, self.keys, 3)
        # a key holding an invisible character (a zero-width space pasted with it) is shown
        # with it escaped, as the typed value is (repr): it read as the very value typed
        shown = [k if k.isprintable() else repr(k)[1:-1] for k in close]
        hidden = " (an invisible character in the key: retype it)" if shown != close else ""
        return f"; did you mean {' or '.join(shown)}{hidden}?" if close else "."


def _rows(wb: Any, sheet: str, name: str) -> list[tuple[int, tuple[Any, ...]]]:
    out = []
    for r, row in wb.rows(sheet, min_row=2):
        if r > MAX_ROWS + 1:
            raise PayloadTooLarge(f"{name}: sheet {sheet!r} has more than {MAX_ROWS} rows")
        if any(c is not None and (c.value not in (None, "") or c.problem) for c in row):
            out.append((r, tuple(row)))  # a formula with no saved value is not an empty cell
    return out


def _data_rows(
    reader: _Reader, wb: Any, sheet: str, layout: dict[str, int]
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
            if len(cells) > 1 and (problem := _problem(cells[1])):
                raise ModelError(f"{name}: sheet {README_SHEET!r}: the {NAMESPACE_LABEL} {problem}")
            ns = _text(row[1] if len(row) > 1 else "").strip()
            if not ns:
                return DEFAULT_NAMESPACE
            try:
                ox.NamedNode(ns)
            except ValueError:
                ns = ""
            if not ns.startswith(_ABSOLUTE):
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
    reader = _Reader(name, _namespace(wb, name))
    reader.epoch = getattr(workbook, "epoch", EXCEL_EPOCH)
    for sheet in SHEETS:
        for column in sheet.columns:
            if column.predicate and not column.inverse:
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
            _read_other(reader, other_layout, r, cells)
    hidden_in_excel(reader, wb, rows)
    merged_in_excel(reader, wb, rows)
    unused = _unread_columns(wb.extra_headers, {**layouts, OTHER_SHEET: other_layout}, rows)
    unused += unread_sheets(wb)
    return ReadResult(
        triples=reader.triples,
        findings=reader.findings,
        sources=reader.sources,
        unused=unused or None,
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


def _cell(cells: tuple[Any, ...], index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _problem(cell: Any) -> str | None:
    """Why a cell holding something reads as empty (:attr:`~pcfgraph.audit.inputs.xlsx.Cell.
    problem`), or None."""
    return getattr(cell, "problem", None)


def _collect_keys(
    reader: _Reader,
    rows: dict[str, list[tuple[int, tuple[Any, ...]]]],
    layouts: dict[str, dict[str, int]],
) -> None:
    for sheet in SHEETS:
        if sheet.blank:
            continue
        col = layouts[sheet.name]["Key"]
        for r, cells in rows[sheet.name]:
            key = _text(getattr(_cell(cells, col), "value", None)).strip()
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
        name = _text(getattr(_cell(cells, layout["Name"]), "value", None)).strip()
        if name:
            return name
    return key or f"{sheet.name} row"


def _read_row(
    reader: _Reader, sheet: Sheet, layout: dict[str, int], r: int, cells: tuple[Any, ...]
) -> None:
    add = reader.triples.append
    key = ""
    if sheet.blank:
        node: ox.NamedNode | ox.BlankNode = ox.BlankNode()
        first = 0
    else:
        first = layout["Key"]
        key = _text(getattr(_cell(cells, first), "value", None)).strip()
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
            + (f": it {problem}" if (problem := _problem(_cell(cells, first))) else "")
            + ").",
            reader.where(sheet.name, r, first),
        )
    cls = sheet.class_iris[0]
    for column in sheet.columns:
        if column.kind == "key":
            continue
        j = layout[column.header]
        cell = _cell(cells, j)
        value = getattr(cell, "value", None)
        where = reader.where(sheet.name, r, j)
        if problem := _problem(cell):  # a formula error, or one with no saved value: said
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
        for term in _terms(
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


def _terms(
    reader: _Reader,
    column: Column,
    value: Any,
    number_format: str | None,
    node: ox.NamedNode | ox.BlankNode,
    label: str,
    where: dict[str, Any],
) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    """The RDF terms a cell gives; a bad cell is a finding and gives none."""
    kind = column.kind
    text = _text(value)
    what = "period" if column.predicate == _PERIOD else kind  # what a spreadsheet rewrites
    if what in _REWRITTEN and (said := made_a_date(value, column.header, what, column.note)):
        reader.bad("bad-value", node, label, f"{said}.", where, column, text)
        return []
    if kind in ("text", "open"):
        return [ox.Literal(text)]
    if kind == "texts":
        return [ox.Literal(line) for line in text.split("\n") if line.strip()]
    if kind in ("number", "amount"):
        number = read_number(value, number_format)
        if number is not None:
            return [number]
        if kind == "amount":
            return [ox.Literal(text)]
        said = made_a_date(value, column.header)  # a decimal a spreadsheet made a date of
        reader.bad(
            "bad-value",
            node,
            label,
            f"{said or f'{column.header} {quoted(text)} is not a number{number_hint(text)}'}.",
            where,
            column,
            text,
        )
        return []
    if kind == "date":
        date = read_date(value)
        if date is None:
            reader.bad(
                "bad-value",
                node,
                label,
                f"{column.header} {quoted(text)} is not a date (YYYY-MM-DD)"
                f"{date_serial_hint(value, reader.epoch) or date_form_hint(text)}.",
                where,
                column,
                text,
            )
            return []
        return [date]
    if kind == "level":
        number = read_number(value, None)
        if number is None or number.datatype != XSD_INTEGER or not 1 <= int(number.value) <= 5:
            reader.bad(
                "unknown-choice",
                node,
                label,
                f"{column.header} {quoted(text)} is not one of 1, 2, 3, 4, 5{level_hint(text)}",
                where,
                column,
                text,
            )
            return []
        return [number]
    if kind == "choice" and column.choice is not None:
        if text.strip().startswith(_ABSOLUTE):
            return [reader.node(text.strip())]
        chosen = column.choice.value_of(text)
        if chosen is None:
            from pcfgraph.audit.inputs.terms import closest

            shown = {x.casefold(): x for x in column.choice.labels()}
            close = closest(text.strip().casefold(), shown, 1)
            hint = f"; did you mean {shown[close[0]]!r}?" if close else "."
            reader.bad(
                "unknown-choice",
                node,
                label,
                f"{column.header} {quoted(text)} is not on the list ({', '.join(column.choice.labels())}){hint}",
                where,
                column,
                text,
            )
            return []
        return [ox.NamedNode(chosen)]
    tokens = [t.strip() for t in (_SPLIT.split(text) if column.multi else [text]) if t.strip()]
    out: list[ox.NamedNode | ox.BlankNode | ox.Literal] = []
    for token in tokens:
        if kind in ("code", "codes"):
            try:
                out.append(ox.NamedNode(code_iri(token, column.scheme)))
            except ValueError:
                reader.bad(
                    "bad-value",
                    node,
                    label,
                    f"{column.header} {quoted(token)} is not a code.",
                    where,
                    column,
                    token,
                )
            continue
        target = reader.ref(token)
        if target is None:
            reader.bad(
                "unknown-key",
                node,
                label,
                f"{column.header} names the key {quoted(token)}, which no row has"
                + reader.suggest_key(token),
                where,
                column,
                token,
            )
            continue
        out.append(target)
    return out


def _read_other(reader: _Reader, layout: dict[str, int], r: int, cells: tuple[Any, ...]) -> None:
    def text(header: str) -> str:
        return _text(getattr(_cell(cells, layout[header]), "value", None)).strip()

    subject_text, prop, kind = text("Subject"), text("Property"), text("Value type") or "text"
    for header, j in layout.items():
        if problem := _problem(_cell(cells, j)):
            focus = reader.ref(subject_text) or ox.BlankNode()
            where = reader.where(OTHER_SHEET, r, j)
            reader.bad("bad-value", focus, subject_text, f"{header} {problem}.", where)
            return
    raw = _text(getattr(_cell(cells, layout["Value"]), "value", None))
    where = reader.where(OTHER_SHEET, r, layout["Subject"])
    subject = reader.ref(subject_text) if subject_text else None
    if subject is None:
        subject = reader.node(subject_text) if subject_text else ox.BlankNode()
        if not subject_text or not subject_text.startswith(("_:", *_ABSOLUTE)):
            reader.bad(
                "unknown-key",
                subject,
                subject_text,
                f"the subject {quoted(subject_text)} is no row's key"
                + reader.suggest_key(subject_text),
                where,
                value=subject_text,
            )
            return
    predicate = _expand(prop)
    if predicate is None:
        reader.bad(
            "bad-value",
            subject,
            subject_text,
            f"{quoted(prop)} is not a property (a prefixed name such as orgm:contact, or an IRI).",
            reader.where(OTHER_SHEET, r, layout["Property"]),
            value=prop,
        )
        return
    obj: ox.NamedNode | ox.BlankNode | ox.Literal | None
    if kind == "node":
        obj = reader.ref(raw.strip()) or (reader.node(raw.strip()) if raw.strip() else None)
    elif kind == "text":
        obj = ox.Literal(raw)
    elif kind.startswith("@"):
        try:
            obj = ox.Literal(raw, language=kind[1:])
        except ValueError:
            obj = None
    else:
        datatype = _expand(kind)
        obj = ox.Literal(raw, datatype=ox.NamedNode(datatype)) if datatype else None
    if obj is None:
        reader.bad(
            "bad-value",
            subject,
            subject_text,
            f"the value {quoted(raw)} of type {kind!r} cannot be read.",
            reader.where(OTHER_SHEET, r, layout["Value"]),
            value=raw,
        )
        return
    reader.triples.append(ox.Triple(subject, ox.NamedNode(predicate), obj))
    reader.sources.cells.setdefault((node_text(subject) or "", predicate), where)
    reader.sources.nodes.setdefault(node_text(subject) or "", where)


def _expand(name: str) -> str | None:
    if name.startswith(_ABSOLUTE):
        iri = name
    else:
        prefix, _, local = name.partition(":")
        if prefix not in PREFIXES or not local:
            return None
        iri = PREFIXES[prefix] + local
    try:
        ox.NamedNode(iri)
    except ValueError:
        return None
    return iri
