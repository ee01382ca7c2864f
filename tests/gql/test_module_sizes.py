"""The GraphQL package stays split by domain: no module of it over 400 lines (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pcfgraph.api.graphql as package

LIMIT = 400


def test_every_graphql_module_is_under_the_budget() -> None:
    root = Path(package.__file__).parent
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in root.glob("*.py")}
    assert "schema.py" in sizes and len(sizes) > 5
    assert {name: n for name, n in sizes.items() if n >= LIMIT} == {}
