"""Which rows the mapping matrix shows.

The whole PCF has some 1,700 processes and activities, and most have no mapping to a given
column framework: all of them at once is a page of megabytes that nobody reads. By default the
matrix shows the categories (top-level elements) holding at least one mapped row; the person
can pick one category, or every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pcfgraph.services.page_model import ElementRef, Matrix, TreeNode

#: The ``category`` value that shows every row.
ALL = "all"


@dataclass(frozen=True)
class CategoryChoice:
    """A top-level element of the row framework, with how many of its rows are mapped."""

    code: str
    name: str
    rows: int
    mapped_rows: int


@dataclass(frozen=True)
class RowScope:
    """The rows to show, the categories offered, and what was chosen ("" is the default)."""

    rows: list[ElementRef]
    choices: list[CategoryChoice]
    chosen: str
    shown: list[CategoryChoice]
    #: Mapped (row, column) pairs among the shown rows.
    pairs: int


def _category(iri: str, nodes: Mapping[str, TreeNode]) -> TreeNode | None:
    """The top-level ancestor of ``iri`` (itself when it has no parent in the framework)."""
    node, seen = nodes.get(iri), set()
    while node is not None and node.parent in nodes and node.element.iri not in seen:
        seen.add(node.element.iri)
        node = nodes[node.parent]
    return node


def scope_rows(matrix: Matrix, nodes: Mapping[str, TreeNode], chosen: str) -> RowScope:
    """Rows of the categories ``chosen`` names: a category code, :data:`ALL`, or "" for the
    categories with a mapped row (the first category when nothing is mapped).

    Raises ``KeyError`` for a code that is not a category holding matrix rows."""
    mapped = {row for row, _col in matrix.cells}
    by_category: dict[str, list[ElementRef]] = {}
    categories: dict[str, TreeNode] = {}
    for row in matrix.rows:
        top = _category(row.iri, nodes)
        key = top.element.code if top is not None else ""
        if top is not None:
            categories[key] = top
        by_category.setdefault(key, []).append(row)
    choices = [
        CategoryChoice(
            code,
            categories[code].element.name if code in categories else "",
            len(rows),
            sum(r.iri in mapped for r in rows),
        )
        for code, rows in by_category.items()
    ]
    if chosen == ALL:
        shown = choices
    elif chosen:
        shown = [c for c in choices if c.code == chosen]
        if not shown:
            raise KeyError(chosen)
    else:
        shown = [c for c in choices if c.mapped_rows] or choices[:1]
    codes = {c.code for c in shown}
    rows = [r for code, rs in by_category.items() if code in codes for r in rs]
    shown_iris = {r.iri for r in rows}
    pairs = sum(row in shown_iris for row, _col in matrix.cells)
    return RowScope(rows, choices, chosen, shown, pairs)
