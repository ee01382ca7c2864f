"""A tool's cursor stands for its list as it was given out. One past the end of the list (made
by hand, or given out before a reload shortened it) was answered with an empty page, read as
"nothing more"; it is a tool error naming ``cursor``. And an audit's pages depend on the day
it is judged on: its cursor carried ``as_of`` only when given, so a caller that left it out
paged an audit of today, and a page asked for after midnight came from the next day's
audit; one that gave ``as_of`` on the first call only was refused. The cursor carries the
day; an argument that contradicts its cursor is refused naming that argument."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
from mcp import Client
from mcp_support import call, refused, session_with_pool, session_without_pool

from pcfgraph import cursors
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

APQC = "apqc-pcf-cross-industry-7.4"
AS_OF = "2025-07-15"
PAST_END = "argument 'cursor': points past the end of its list: to item "


def moved(cursor: str, offset: int) -> str:
    """``cursor`` (one a tool gave out) moved to ``offset``, as a caller could make it."""
    kind, _, scope, *release = json.loads(base64.urlsafe_b64decode(cursor))
    return base64.urlsafe_b64encode(json.dumps([kind, offset, scope, *release]).encode()).decode()


async def _past_the_end(client: Client, tool: str, args: dict[str, Any], key: str) -> None:
    first = await call(client, tool, **args, limit=1)
    assert "nextCursor" in first, (tool, first)
    total = first["total"]
    last = await call(client, tool, **args, limit=1, cursor=moved(first["nextCursor"], total - 1))
    assert len(last[key]) == 1 and "nextCursor" not in last, tool  # the last item is no error
    for offset in (total, total + 5, 10**9):
        refusal = await refused(
            client, tool, {**args, "limit": 1, "cursor": moved(first["nextCursor"], offset)}
        )
        assert refusal.startswith(f"{PAST_END}{offset + 1}, and the list has {total}"), refusal


def test_a_cursor_past_the_end_of_a_list_is_a_tool_error(shipped_release: Release) -> None:
    async def body(client: Client) -> None:
        for tool, args, key in (
            ("search", {"text": "SLA"}, "hits"),
            ("find_gaps", {"framework": "prm-it"}, "items"),
            ("get_mappings", {"source": APQC, "target": "prm-it"}, "items"),
            ("run_named_query", {"name": "api/frameworks"}, "items"),
        ):
            await _past_the_end(client, tool, args, key)

    session_without_pool(shipped_release, body)


def test_a_cursor_past_the_end_of_rows_or_findings_is_a_tool_error(
    shipped_release: Release,
) -> None:
    model = (resource_dir("data") / "examples" / "organisation-with-findings.ttl").read_text()

    async def body(client: Client) -> None:
        query = "SELECT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#Concept> } LIMIT 5"
        await _past_the_end(client, "sparql", {"query": query}, "items")
        await _past_the_end(client, "audit_model", {"model": model, "as_of": AS_OF}, "items")

    session_with_pool(shipped_release, body)


def test_an_audits_cursor_carries_its_day(
    shipped_release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paged across midnight (the day given by nobody), the pages are of one audit: the
    cursor's day; an ``as_of`` or ``model`` other than the cursor's is refused naming it."""
    from pcfgraph.mcp import sandboxed

    model = (resource_dir("data") / "examples" / "organisation-with-findings.ttl").read_text()
    other = (resource_dir("data") / "examples" / "conforming-organisation.ttl").read_text()
    today = ["2025-07-15"]

    class Clock(date):
        @classmethod
        def today(cls) -> Clock:
            return cls.fromisoformat(today[0])

    monkeypatch.setattr(sandboxed, "date", Clock, raising=False)

    async def body(client: Client) -> None:
        first = await call(client, "audit_model", model=model, limit=1)
        assert first["report"]["asOf"] == "2025-07-15" and first["truncated"]
        assert cursors.scope_of("audit_model", first["nextCursor"])["asOf"] == "2025-07-15"
        today[0] = "2025-07-16"  # midnight
        second = await call(client, "audit_model", model=model, cursor=first["nextCursor"])
        assert second["report"]["asOf"] == "2025-07-15"
        assert second["total"] == first["total"]
        # as_of given on the first call only: the cursor goes on with it
        given = await call(client, "audit_model", model=model, as_of="2026-06-30", limit=1)
        rest = await call(client, "audit_model", model=model, cursor=given["nextCursor"])
        assert rest["report"]["asOf"] == "2026-06-30"
        same = await call(
            client, "audit_model", model=model, as_of="2026-06-30", cursor=given["nextCursor"]
        )
        assert same["items"] == rest["items"]
        for args, argument in (
            ({"model": model, "as_of": "2025-07-16"}, "as_of"),
            ({"model": other}, "model"),
            ({"model": model, "format": "trig"}, "format"),
        ):
            refusal = await refused(client, "audit_model", {**args, "cursor": given["nextCursor"]})
            assert refusal.startswith(f"argument '{argument}': "), refusal
            assert "the cursor" in refusal and "leave cursor out" in refusal, refusal
        refusal = await refused(
            client, "audit_model", {"model": model, "as_of": "2025-07-16", "cursor": "x"}
        )
        assert refusal.startswith("argument 'cursor': invalid cursor"), refusal

    session_with_pool(shipped_release, body)
