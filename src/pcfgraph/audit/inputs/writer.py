"""RDF -> workbook, and the empty template (``pcfgraph template orgmodel``, ``pcfgraph convert``).

Walks :data:`~pcfgraph.audit.inputs.sheets.SHEETS`: each node whose one ``rdf:type`` is a
sheet's class becomes a row of that sheet, each statement a column has becomes a cell, and
every statement no column can hold exactly (a second name, a language tag, a datatype the
column does not use) goes to "Other statements", so converting back gives the same graph.
Every text cell is written as a string, never a formula (:func:`pcfgraph.cells.safe_xlsx_cell`).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.inputs.framework_codes import code_iri, code_text
from pcfgraph.audit.inputs.sheets import (
    DEFAULT_NAMESPACE,
    NAMESPACE_LABEL,
    OTHER_HEADERS,
    OTHER_SHEET,
    PREFIXES,
    RDF_TYPE,
    README_SHEET,
    SHEETS,
    XSD,
    Column,
    Sheet,
    column_letter,
)
from pcfgraph.dates import calendar_date
from pcfgraph.importers.apqc.emit import APQC_NOTICE

_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"
_XSD_DECIMAL = XSD + "decimal"
_XSD_DATE = XSD + "date"
_SEPARATORS = re.compile(r"[;,\n\r]")
_DECIMAL = re.compile(r"-?[0-9]+\.([0-9]+)")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_ABSOLUTE = ("http://", "https://", "urn:")
#: Columns formatted as text, so that what is typed in them is kept: a spreadsheet makes a
#: date of 2025-01 (a period) and of 8.1.1 where dates have dots, and 7 of a key typed 007.
_AS_TYPED = frozenset(("key", "ref", "refs", "code", "codes"))
_PERIOD = str(iris.ORGM.period)

Node = ox.NamedNode | ox.BlankNode
Cell = tuple[Any, str | None]  # (value, number format)


def model_namespace(triples: Sequence[ox.Triple]) -> str:
    """The namespace most of the model's own nodes share (keys are written relative to it)."""
    counts: Counter[str] = Counter()
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            v = t.subject.value
            cut = max(v.rfind("/"), v.rfind("#"), v.rfind(":"))
            if cut > 0 and not v.startswith(iris.BASE):
                counts[v[: cut + 1]] += 1
    return counts.most_common(1)[0][0] if counts else DEFAULT_NAMESPACE


class _Keys:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def text(self, node: object) -> str | None:
        """How a row key or reference names ``node``; None when no cell can (separators)."""
        if isinstance(node, ox.BlankNode):
            return "_:" + node.value
        if not isinstance(node, ox.NamedNode):
            return None
        v = node.value
        if _SEPARATORS.search(v):
            return None
        rest = v[len(self.namespace) :] if v.startswith(self.namespace) else ""
        for key in (unquote(rest), rest):  # the key that was encoded, else the IRI's own text
            if (
                key
                and not key.startswith(("_:", *_ABSOLUTE))
                and key.strip() == key
                and not _SEPARATORS.search(key)
                and str(iris.model_node(self.namespace, key)) == v
            ):
                return key
        return v


def _literal_cell(column: Column, term: object) -> Cell | None:
    """The cell holding ``term`` in ``column``; None when the column cannot hold it exactly."""
    kind = column.kind
    if kind in ("ref", "refs", "choice", "code", "codes"):
        return None  # nodes are handled by _node_cell
    if not isinstance(term, ox.Literal) or term.language:
        return None
    value, datatype = term.value, term.datatype.value
    if kind in ("text", "texts", "open"):
        if datatype != _XSD_STRING or value == "" or (kind == "texts" and "\n" in value):
            return None
        return value, None
    if kind in ("number", "amount", "level"):
        if kind == "amount" and datatype == _XSD_STRING and value != "":
            return value, None
        if datatype == _XSD_INTEGER and _INTEGER.fullmatch(value):
            number = int(value)
            if kind == "level" and not 1 <= number <= 5:
                return None
            return number, "0"
        m = _DECIMAL.fullmatch(value)
        if kind != "level" and datatype == _XSD_DECIMAL and m:
            places = len(m.group(1))
            number_f = float(value)
            if f"{number_f:.{places}f}" != value:
                return None
            return number_f, "0." + "0" * places
        return None
    if kind == "date":
        if datatype != _XSD_DATE:
            return None
        try:
            return calendar_date(value), "yyyy-mm-dd"
        except ValueError:
            return None
    return None


def _node_cell(column: Column, term: object, keys: _Keys) -> str | None:
    kind = column.kind
    if kind in ("ref", "refs"):
        return keys.text(term)
    if not isinstance(term, ox.NamedNode) or _SEPARATORS.search(term.value):
        return None
    if kind == "choice" and column.choice is not None:
        return column.choice.label_of(term.value) or term.value
    if kind in ("code", "codes"):
        text = code_text(term.value, column.scheme)
        return text if code_iri(text, column.scheme) == term.value else term.value
    return None


class _Rows:
    """Which sheet row each node becomes, and which statements the rows hold."""

    def __init__(self, triples: Sequence[ox.Triple], keys: _Keys) -> None:
        self.keys = keys
        self.by_subject: dict[Node, list[int]] = {}
        self.by_object: dict[object, list[int]] = {}
        self.triples = triples
        for i, t in enumerate(triples):
            self.by_subject.setdefault(t.subject, []).append(i)  # type: ignore[arg-type]
            self.by_object.setdefault(t.object, []).append(i)
        self.used: set[int] = set()

    def types(self, node: Node) -> list[int]:
        return [
            i for i in self.by_subject.get(node, []) if self.triples[i].predicate.value == RDF_TYPE
        ]

    def sheet_of(self, node: Node, class_sheets: dict[str, Sheet]) -> Sheet | None:
        typed = self.types(node)
        if len(typed) != 1:
            return None
        cls = self.triples[typed[0]].object
        sheet = class_sheets.get(cls.value) if isinstance(cls, ox.NamedNode) else None
        if sheet is None:
            return None
        if sheet.blank:
            inverse = next(c for c in sheet.columns if c.inverse)
            incoming = self.by_object.get(node, [])
            if not isinstance(node, ox.BlankNode) or len(incoming) != 1:
                return None
            link = self.triples[incoming[0]]
            if link.predicate.value != inverse.predicate or self.keys.text(link.subject) is None:
                return None
        elif self.keys.text(node) is None:
            return None
        return sheet

    def row(self, sheet: Sheet, node: Node) -> list[Cell | None]:
        """The cells of the row for ``node`` (marking the statements they hold as used)."""
        cells: list[Cell | None] = []
        own = self.by_subject.get(node, [])
        for column in sheet.columns:
            if column.kind == "key":
                cells.append((self.keys.text(node), None))
                continue
            if column.kind == "class":
                typed = self.types(node)[0]
                self.used.add(typed)
                label = sheet.kind_choice.label_of(self.triples[typed].object.value)  # type: ignore[union-attr]
                cells.append((label, None))
                continue
            if column.inverse:
                i = self.by_object[node][0]
                self.used.add(i)
                cells.append((self.keys.text(self.triples[i].subject), None))
                continue
            texts: list[Any] = []
            number_format = None
            for i in own:
                triple = self.triples[i]
                if triple.predicate.value != column.predicate or i in self.used:
                    continue
                if texts and not column.multi:
                    break
                node_text = _node_cell(column, triple.object, self.keys)
                cell = (
                    (node_text, None)
                    if node_text is not None
                    else _literal_cell(column, triple.object)
                )
                if cell is None:
                    continue
                texts.append(cell[0])
                number_format = cell[1]
                self.used.add(i)
            if not texts:
                cells.append(None)
            elif column.multi:
                sep = "\n" if column.kind == "texts" else "; "
                cells.append((sep.join(sorted(str(x) for x in texts)), None))
            else:
                cells.append((texts[0], number_format))
        # the type statement of a single-class sheet is implied by the sheet
        for t in self.types(node):
            self.used.add(t)
        return cells


def _curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _other_row(t: ox.Triple, keys: _Keys) -> list[Any]:
    subject = keys.text(t.subject) or (
        t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
    )
    obj = t.object
    if isinstance(obj, ox.Literal):
        if obj.language:
            kind = "@" + obj.language
        elif obj.datatype.value == _XSD_STRING:
            kind = "text"
        else:
            kind = _curie(obj.datatype.value)
        value: str = obj.value
    else:
        kind = "node"
        value = ("_:" + obj.value) if isinstance(obj, ox.BlankNode) else obj.value  # type: ignore[union-attr]
    return [subject, _curie(t.predicate.value), value, kind]


def sheet_rows(
    triples: Sequence[ox.Triple], namespace: str | None = None
) -> tuple[str, dict[str, list[list[Cell | None]]], list[list[Any]]]:
    """(namespace, rows per sheet, "Other statements" rows) for a model's triples."""
    namespace = namespace or model_namespace(triples)
    keys = _Keys(namespace)
    rows = _Rows(triples, keys)
    class_sheets = {c: s for s in SHEETS for c in s.class_iris}
    out: dict[str, list[tuple[str, list[Cell | None]]]] = {s.name: [] for s in SHEETS}
    nodes = sorted(rows.by_subject, key=lambda n: (isinstance(n, ox.BlankNode), str(n)))
    for node in nodes:
        sheet = rows.sheet_of(node, class_sheets)
        if sheet is None:
            continue
        cells = rows.row(sheet, node)
        first = cells[0]
        out[sheet.name].append((str(first[0]) if first else "", cells))
    other = [_other_row(t, keys) for i, t in enumerate(triples) if i not in rows.used]
    other.sort(key=lambda r: (r[0], r[1], r[2]))
    sorted_rows = {name: [c for _, c in sorted(v, key=lambda x: x[0])] for name, v in out.items()}
    return namespace, sorted_rows, other


# --- the workbook --------------------------------------------------------------------------------

_README = [
    "Organisational model for pcfgraph audits",
    "",
    "Fill in one sheet per kind of thing; row 1 holds the headers (hover for a note), data "
    "starts on row 2.",
    "Column A of a sheet is the row's key: a short name you choose (e.g. finance, sla-hr). "
    "Other sheets refer to rows by key; several keys are separated by ';'.",
    "Drop-down columns accept only their list. Dates are YYYY-MM-DD. Numbers are numbers.",
    "APQC processes are named by PCF ID (e.g. 20635, not the hierarchy number 8.1.5.3); "
    "PRM-IT processes by code (e.g. A24).",
    "'Other statements' holds anything no column has (subject, property, value, value type: "
    "node, text, @language or a datatype such as xsd:decimal).",
    "Audit it with: pcfgraph audit model.xlsx   (or upload it on the audit page)",
    "",
]
_APQC_NOTICE = "APQC PCF IDs: " + APQC_NOTICE


def _style_header(ws: Any, sheet_columns: Sequence[tuple[str, str]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, (header, note) in enumerate(sheet_columns):
        cell = ws.cell(row=1, column=i + 1, value=header)
        cell.font = bold
        cell.fill = fill
        if note:
            cell.comment = Comment(note, "pcfgraph", width=320, height=110)
        ws.column_dimensions[column_letter(i)].width = max(14, min(48, len(header) + 6))
    ws.freeze_panes = "A2"


def _validation(ws: Any, column_index: int, labels: Iterable[str], *, closed: bool) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    formula = '"' + ",".join(labels) + '"'
    if len(formula) > 255:  # Excel's limit for an inline list
        raise ValueError(f"drop-down list too long for {ws.title}")
    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=closed,
        errorStyle="stop" if closed else "information",
        error="Pick a value from the list." if closed else None,
    )
    letter = column_letter(column_index)
    dv.add(f"{letter}2:{letter}1048576")
    ws.add_data_validation(dv)


#: Characters XML 1.0, and so a worksheet, cannot hold (openpyxl refuses them with an error).
_NOT_IN_A_WORKSHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _write_cell(ws: Any, row: int, col: int, cell: Cell | None) -> None:
    from pcfgraph.cells import safe_xlsx_cell

    if cell is None or cell[0] is None or cell[0] == "":
        return
    value, number_format = cell
    if isinstance(value, str) and (bad := _NOT_IN_A_WORKSHEET.search(value)):
        from pcfgraph.errors import ModelError

        sheet = ws.title if ws.title.isalnum() else f"'{ws.title}'"
        raise ModelError(  # repr: the value's control characters as escapes
            f"cannot write the model as a workbook: {value[:80]!r} (for "
            f"{sheet}!{column_letter(col - 1)}{row}) has the control character "
            f"U+{ord(bad.group()):04X}, which no worksheet can hold; remove it from the model, "
            "or convert to Turtle, JSON-LD, RDF/XML or N-Triples"
        )
    c = ws.cell(row=row, column=col, value=value)
    if number_format:
        c.number_format = number_format
    if isinstance(value, str):
        safe_xlsx_cell(c)
        if "\n" in value:
            from openpyxl.styles import Alignment

            c.alignment = Alignment(wrap_text=True, vertical="top")


def build_workbook(triples: Sequence[ox.Triple] = (), *, namespace: str | None = None) -> Any:
    """An openpyxl workbook of the template holding the model (empty: the blank template)."""
    from openpyxl import Workbook

    ns, rows, other = sheet_rows(triples, namespace)
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    for i, line in enumerate(_README, start=1):
        readme.cell(row=i, column=1, value=line)
    base = len(_README) + 1
    readme.cell(row=base, column=1, value=NAMESPACE_LABEL)
    _write_cell(readme, base, 2, (ns, None))
    readme.cell(row=base + 1, column=1, value=_APQC_NOTICE)
    readme.cell(row=base + 3, column=1, value="Sheet")
    readme.cell(row=base + 3, column=2, value="What goes in it")
    for i, sheet in enumerate(SHEETS, start=base + 4):
        readme.cell(row=i, column=1, value=sheet.name)
        readme.cell(row=i, column=2, value=sheet.note)
    readme.column_dimensions["A"].width = 28
    readme.column_dimensions["B"].width = 100
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        _style_header(ws, [(c.header, c.note) for c in sheet.columns])
        for j, column in enumerate(sheet.columns):
            if column.kind == "class" and len(sheet.classes) > 1:
                _validation(ws, j, sheet.kind_choice.labels(), closed=True)
            elif column.choice is not None:
                _validation(ws, j, column.choice.labels(), closed=column.kind != "open")
            if column.kind in _AS_TYPED or column.predicate == _PERIOD:
                ws.column_dimensions[column_letter(j)].number_format = "@"
        for r, cells in enumerate(rows[sheet.name], start=2):
            for j, cell in enumerate(cells):
                _write_cell(ws, r, j + 1, cell)
    ws = wb.create_sheet(OTHER_SHEET)
    _style_header(
        ws,
        [
            (OTHER_HEADERS[0], "A key, or an IRI."),
            (OTHER_HEADERS[1], "A property: orgm:..., org:..., rdfs:label ..., or an IRI."),
            (OTHER_HEADERS[2], "The value."),
            (
                OTHER_HEADERS[3],
                "node (a key or IRI), text, @en (text in a language), or a datatype (xsd:decimal).",
            ),
        ],
    )
    for r, values in enumerate(other, start=2):
        for j, value in enumerate(values):
            _write_cell(ws, r, j + 1, (value, None))
    return wb


def workbook_bytes(triples: Sequence[ox.Triple] = (), *, namespace: str | None = None) -> bytes:
    buf = io.BytesIO()
    build_workbook(triples, namespace=namespace).save(buf)
    return buf.getvalue()


def template_bytes(*, example: bool = False) -> bytes:
    """The blank template, or (``example``) the conforming example organisation in it."""
    if not example:
        return workbook_bytes((), namespace=DEFAULT_NAMESPACE)
    from pcfgraph.resources import resource_dir

    path = resource_dir("data") / "examples" / "conforming-organisation.ttl"
    triples = [
        q.triple if isinstance(q, ox.Quad) else q
        for q in ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)
    ]
    return workbook_bytes(triples)
