"""The template's sheet of other statements (:data:`~pcfgraph.audit.inputs.sheets.OTHER_SHEET`):
one statement a row, subject, property (a prefixed name or an IRI), value and value type, for
what no other sheet has a column for."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from pcfgraph.audit.inputs.sheets import OTHER_SHEET, PREFIXES
from pcfgraph.audit.inputs.workbook_layout import cell_text as _text
from pcfgraph.audit.inputs.workbook_reader import ABSOLUTE, Reader, cell_at, cell_problem
from pcfgraph.audit.report import node_text
from pcfgraph.errors import quoted


def read_other_row(reader: Reader, layout: dict[str, int], r: int, cells: tuple[Any, ...]) -> None:
    """Row ``r``'s statement, or one finding naming the cell that keeps it from being one."""

    def text(header: str) -> str:
        return _text(getattr(cell_at(cells, layout[header]), "value", None)).strip()

    subject_text, prop, kind = text("Subject"), text("Property"), text("Value type") or "text"
    for header, j in layout.items():
        if problem := cell_problem(cell_at(cells, j)):
            focus = reader.ref(subject_text) or ox.BlankNode()
            where = reader.where(OTHER_SHEET, r, j)
            reader.bad("bad-value", focus, subject_text, f"{header} {problem}.", where)
            return
    raw = _text(getattr(cell_at(cells, layout["Value"]), "value", None))
    where = reader.where(OTHER_SHEET, r, layout["Subject"])
    subject = reader.ref(subject_text) if subject_text else None
    if subject is None:
        subject = reader.node(subject_text) if subject_text else ox.BlankNode()
        if not subject_text or not subject_text.startswith(("_:", *ABSOLUTE)):
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
    if name.startswith(ABSOLUTE):
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
