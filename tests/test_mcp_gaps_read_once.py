"""``find_gaps`` reads a framework's gaps once per served release and filters them: the gaps
query reads every element of the framework against every other framework whatever it is
asked (0.5 s for APQC Cross-Industry 7.4 in memory, 2 s on disk), and it ran again for
every page, so an assistant paging through a framework's gaps paid it per page. The
filtered answers are those of the query bound to the same arguments, in its order."""

from __future__ import annotations

from typing import Any

import pytest

from pcfgraph.config import Settings
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.mcp.tools import Tools
from pcfgraph.release import Release
from pcfgraph.services.base import text

APQC = "apqc-pcf-cross-industry-7.4"
KEYS = ("element", "code", "name", "kind", "lacksCounterpartIn", "decision", "reason")
COLUMNS = ("element", "code", "name", "elementKind", "otherFramework", "decision", "reason")
NULLABLE = ("elementKind", "decision")


def every_item(tools: Tools, **args: Any) -> list[tuple[Any, ...]]:
    """Every item of ``find_gaps(**args)``, page after page (as an assistant reads them)."""
    found: list[tuple[Any, ...]] = []
    cursor = None
    while True:
        answer = tools.find_gaps(**args, limit=100, cursor=cursor)
        found += [tuple(item[k] for k in KEYS) for item in answer["items"]]
        cursor = answer.get("nextCursor")
        if cursor is None:
            assert len(found) == answer["total"]
            return found


def test_find_gaps_reads_a_framework_once_and_answers_as_the_bound_query(
    shipped_release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = StandaloneState(settings=Settings(), release=shipped_release)
    tools = Tools(lambda: state, "http://h")
    reader = tools.reader()
    asked: list[str] = []
    select = shipped_release.store.select

    def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(getattr(query, "name", ""))
        return select(query, *args, **kwargs)

    monkeypatch.setattr(shipped_release.store, "select", counted)
    cases: list[tuple[dict[str, Any], dict[str, object]]] = [
        ({"framework": "prm-it"}, {"framework": "prm-it"}),
        (
            {"framework": "prm-it", "target": "trim"},
            {"framework": "prm-it", "otherFramework": "trim"},
        ),
        ({"framework": "prm-it", "kind": "process"}, {"framework": "prm-it", "kind": "process"}),
        (
            {"framework": "prm-it", "under": "A2"},
            {"framework": "prm-it", "root": "https://w3id.org/pcfgraph/id/prm-it/A2"},
        ),
        (
            {"framework": APQC, "under": "8.1", "kind": "activity"},
            {
                "framework": APQC,
                "root": "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608",
                "kind": "activity",
            },
        ),
    ]
    for args, params in cases:
        got = every_item(tools, **args)
        expected = [
            # none is null (the query's "" for no decision or kind), as GraphQL says it
            tuple(text(row, c) or None if c in NULLABLE else text(row, c) for c in COLUMNS)
            for row in select(reader.catalog.get("api/gaps"), params)
        ]
        assert got == expected and got, args
    # the gaps query ran once per framework, however many pages and filters read it
    assert asked.count("api/gaps") == 2, asked
    asked.clear()
    every_item(tools, framework=APQC)
    every_item(tools, framework=APQC, target="it-cmf")
    assert "api/gaps" not in asked, asked
