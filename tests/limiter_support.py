"""The GraphQL alias/depth limiter's work, counted: how many selection sets a document writes,
and a spy on the limiter's measurement of each (tests/gql and tests/security both assert
that the limiter measures each selection set written at most once, never once per use)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import SelectionSetNode, Visitor, parse, visit

from pcfgraph.api.graphql import limits


def selection_sets(document: str) -> int:
    """Selection sets written in ``document`` (the limiter measures each at most once)."""
    found: list[SelectionSetNode] = []

    class Count(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            found.append(node)

    visit(parse(document), Count())
    return len(found)


def measured_selection_sets(monkeypatch: pytest.MonkeyPatch, budget: int) -> list[Any]:
    """The selection sets the limiter measures from now on (appended as it measures them);
    past ten times ``budget`` the spy fails at once, so a limiter that expands fragments at
    every use fails fast instead of hanging."""
    measured: list[Any] = []
    real = limits._Measure.selection_set

    def counted(self: Any, node: SelectionSetNode | None) -> tuple[int, int]:
        if node is not None:
            measured.append(node)
            assert len(measured) <= 10 * budget, "the limiter expands fragments at every use"
        return real(self, node)

    monkeypatch.setattr(limits._Measure, "selection_set", counted)
    return measured
