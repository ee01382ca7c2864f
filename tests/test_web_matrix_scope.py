"""The mapping matrix shows the categories holding a mapped row unless asked for another
category or every row (the whole PCF is some 1,700 mostly unmapped rows)."""

from __future__ import annotations

import pytest

from pcfgraph.services.page_model import ElementRef, Matrix, MatrixCell, TreeNode
from pcfgraph.web.matrix_scope import ALL, scope_rows


def ref(code: str, kind: str = "process") -> ElementRef:
    return ElementRef(f"urn:{code}", code, f"name {code}", "apqc", kind)


def tree(*codes: str) -> dict[str, TreeNode]:
    """Nodes whose parent is the code without its last part (``8.1.2`` -> ``8.1``; ``8.1``
    -> the category ``8.0``)."""
    nodes: dict[str, TreeNode] = {}
    for code in codes:
        parts = code.split(".")
        if parts[1:] == ["0"]:
            parent = ""
        elif len(parts) == 2:
            parent = f"urn:{parts[0]}.0"
        else:
            parent = "urn:" + ".".join(parts[:-1])
        kind = "category" if parent == "" else "process"
        nodes[f"urn:{code}"] = TreeNode(ref(code, kind), None, "", None, parent)
    return nodes


NODES = tree("1.0", "1.1", "1.1.1", "8.0", "8.1", "8.1.5", "9.0", "9.2", "9.2.1")
ROWS = [n.element for n in NODES.values() if n.element.kind == "process"]
COL = ref("A24")


def matrix(*mapped_rows: str) -> Matrix:
    cells = {
        (f"urn:{r}", COL.iri): MatrixCell(
            "http://www.w3.org/2004/02/skos/core#closeMatch", 0.9, False, 1
        )
        for r in mapped_rows
    }
    return Matrix("apqc", "prm-it", ROWS, [COL], cells, include_derived=False)


def codes(rows: list[ElementRef]) -> list[str]:
    return [r.code for r in rows]


def test_default_is_the_categories_with_a_mapped_row() -> None:
    scope = scope_rows(matrix("8.1.5", "9.2"), NODES, "")
    assert codes(scope.rows) == ["8.1", "8.1.5", "9.2", "9.2.1"]
    assert [(c.code, c.rows, c.mapped_rows) for c in scope.choices] == [
        ("1.0", 2, 0),
        ("8.0", 2, 1),
        ("9.0", 2, 1),
    ]
    assert [c.code for c in scope.shown] == ["8.0", "9.0"]
    assert scope.pairs == 2


def test_one_category_every_category_and_nothing_mapped() -> None:
    m = matrix("8.1.5")
    assert codes(scope_rows(m, NODES, "1.0").rows) == ["1.1", "1.1.1"]
    assert scope_rows(m, NODES, "1.0").pairs == 0
    assert codes(scope_rows(m, NODES, ALL).rows) == codes(ROWS)
    # nothing mapped at all: the first category rather than an empty or enormous table
    assert codes(scope_rows(matrix(), NODES, "").rows) == ["1.1", "1.1.1"]


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(KeyError):
        scope_rows(matrix("8.1.5"), NODES, "42.0")
