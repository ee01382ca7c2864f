"""The state of reading one workbook (:mod:`~pcfgraph.audit.inputs.workbook`): the triples
and findings gathered, where each statement came from, the row keys seen and how a key or a
typed IRI becomes a node; and the two cell look-ups every sheet's reading shares."""

from __future__ import annotations

from typing import Any, Final

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.inputs.model import SourceMap, finding
from pcfgraph.audit.inputs.sheets import Column, column_letter
from pcfgraph.audit.inputs.workbook_values import EXCEL_EPOCH

#: How a cell holding an IRI (not a row's key) begins.
ABSOLUTE: Final = ("http://", "https://", "urn:")


class Reader:
    """What reading one workbook has gathered: its triples, findings and cell locations, the
    row keys seen, and how a key or a typed IRI becomes a node."""

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
        if text.startswith(ABSOLUTE):
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
        if text.startswith(("_:", *ABSOLUTE)):
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


def cell_at(cells: tuple[Any, ...], index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def cell_problem(cell: Any) -> str | None:
    """Why a cell holding something reads as empty (:attr:`~pcfgraph.audit.inputs.xlsx.Cell.
    problem`), or None."""
    return getattr(cell, "problem", None)
