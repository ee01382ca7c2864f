"""A workbook cell's value as the RDF terms its column means, by the column's kind (text,
number, date, maturity level, drop-down choice, framework code, a row's key): a bad value is a
finding naming the cell and gives no term."""

from __future__ import annotations

import re
from typing import Any, Final

import pyoxigraph as ox

from pcfgraph.audit.inputs.framework_codes import code_iri
from pcfgraph.audit.inputs.sheets import ORGM, Column
from pcfgraph.audit.inputs.workbook_layout import cell_text as _text
from pcfgraph.audit.inputs.workbook_reader import ABSOLUTE, Reader
from pcfgraph.audit.inputs.workbook_values import (
    XSD_INTEGER,
    date_form_hint,
    date_serial_hint,
    level_hint,
    made_a_date,
    number_hint,
    read_date,
    read_number,
)
from pcfgraph.errors import quoted

#: Text columns holding a review period (YYYY-Qn...), which a spreadsheet makes a date of
#: (as it does of a hierarchy number in a code column, and of a decimal in a number column).
_PERIOD: Final = ORGM + "period"
_REWRITTEN: Final = ("period", "code", "codes")
_SPLIT = re.compile(r"[;,\n\r]+")


def cell_terms(
    reader: Reader,
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
        if text.strip().startswith(ABSOLUTE):
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
