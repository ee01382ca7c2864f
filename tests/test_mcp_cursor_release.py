"""A tool's cursor belongs to the release it was given out on. It carried none: a cursor
given out before the server reloaded its data, pointing inside the new list, went on
without a word, and the caller read pages of two releases as one list (only one pointing
past the end was refused). It is a tool error naming ``cursor`` that says the release
changed, in every paged tool. And a cursor given with other arguments than its list's is
refused naming the first argument that differs (``text``, ``framework`` ...), as
``audit_model`` names its own, not ``cursor``: that argument is what to correct."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client
from mcp_support import MCP_ACCEPT, call, refused, refused_reply, tool_call
from ops_support import publish

from pcfgraph.config import Settings
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

APQC = "apqc-pcf-cross-industry-7.4"
TOKEN = "s3cret-token"
CHANGED = "argument 'cursor': the cursor was given out on release "
CONCEPTS = "SELECT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#Concept> } ORDER BY ?s"


def _changed(refusal: str, old: str, new: str) -> None:
    assert refusal.startswith(CHANGED), refusal
    assert f"was given out on release {old} of the data" in refusal, refusal
    assert f"the server now serves release {new}" in refusal, refusal
    assert "the release changed" in refusal and "start the list again" in refusal, refusal


@pytest.mark.timeout(180)
def test_a_cursor_of_the_release_before_a_reload_is_refused(tmp_path: Path) -> None:
    """``POST /admin/reload`` switches ``/mcp`` to a release with one element more: each
    first page's cursor (item 2 of 9) still falls inside its new list (of 10)."""
    from pcfgraph.serving import create_app

    rel = tmp_path / "rel"
    old = publish(rel, extra=5)
    headers = {"Accept": MCP_ACCEPT, "Content-Type": "application/json"}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search", {"text": "variant element"}),
        ("run_named_query", {"name": "api/scheme-elements", "params": {"framework": "mini"}}),
        ("sparql", {"query": CONCEPTS}),
    ]
    app = create_app(Settings(release=rel, admin_token=TOKEN, query_workers=1))
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:

        def tool(name: str, args: dict[str, Any]) -> dict[str, Any]:
            reply = http.post("/mcp", json=tool_call(name, args), headers=headers)
            assert reply.status_code == 200, reply.text
            return dict(reply.json())

        firsts = []
        for name, args in calls:
            first = tool(name, {**args, "limit": 1})["result"]["structuredContent"]
            assert first["truncated"] and first["total"] >= 4, (name, first)
            again = tool(name, {**args, "limit": 1, "cursor": first["nextCursor"]})
            assert not again["result"].get("isError"), again  # the same release: it goes on
            firsts.append(first)
        new = publish(rel, extra=6)
        assert new != old
        r = http.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.json()["release_id"] == new, r.text
        for (name, args), first in zip(calls, firsts, strict=True):
            assert tool(name, {**args, "limit": 1})["result"]["structuredContent"]["total"] == (
                first["total"] + 1
            ), name  # the new list: the old cursor's offset is inside it
            reply = tool(name, {**args, "limit": 1, "cursor": first["nextCursor"]})
            _changed(refused_reply(reply), old, new)


def _session(release: Release, body: Callable[[Client, Any], Awaitable[None]]) -> None:
    """``body(client, state)`` with an MCP client of a server of ``release`` (with a pool);
    a test reloads by switching ``state.release``, as the server's reload does."""
    from pcfgraph.mcp.server import build_server
    from pcfgraph.mcp.state import StandaloneState
    from pcfgraph.sandbox import WorkerPool

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        pool = WorkerPool(release, workers=1)
        await pool.start()
        state.services.pool = pool
        try:
            async with Client(build_server(lambda: state, base_url="http://h")) as client:
                await body(client, state)
        finally:
            await pool.stop()

    anyio.run(main)


@pytest.mark.timeout(300)
def test_every_paged_tool_refuses_a_cursor_of_another_release(shipped_release: Release) -> None:
    model = (resource_dir("data") / "examples" / "organisation-with-findings.ttl").read_text()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search", {"text": "SLA"}),
        ("find_gaps", {"framework": "prm-it"}),
        ("get_mappings", {"source": APQC, "target": "prm-it"}),
        ("get_mappings", {"element": "A24", "source": "prm-it"}),
        ("run_named_query", {"name": "api/frameworks"}),
        ("sparql", {"query": CONCEPTS + " LIMIT 5"}),
        ("audit_model", {"model": model, "as_of": "2025-07-15"}),
    ]

    async def body(client: Client, state: Any) -> None:
        firsts = [await call(client, name, **args, limit=1) for name, args in calls]
        assert all("nextCursor" in f for f in firsts), firsts
        old = state.release.release_id
        state.release = Release(
            store=state.release.store,
            manifest={**state.release.manifest, "release_id": "reloaded"},
            path=None,
        )
        for (name, args), first in zip(calls, firsts, strict=True):
            refusal = await refused(
                client, name, {**args, "limit": 1, "cursor": first["nextCursor"]}
            )
            _changed(refusal, old, "reloaded")
            # a cursor of the new release goes on
            fresh = await call(client, name, **args, limit=1)
            rest = await call(client, name, **args, limit=1, cursor=fresh["nextCursor"])
            assert rest["returned"] == 1, name

    _session(shipped_release, body)


def test_a_cursor_with_other_arguments_is_refused_naming_the_argument(
    shipped_release: Release,
) -> None:
    from mcp_support import session_without_pool

    async def body(client: Client) -> None:
        sla = await call(client, "search", text="SLA", framework="apqc-pcf", limit=2)
        gaps = await call(client, "find_gaps", framework=APQC, target="prm-it", limit=2)
        pair = await call(client, "get_mappings", source=APQC, target="prm-it", limit=2)
        rows = await call(
            client,
            "run_named_query",
            name="api/scheme-elements",
            params={"framework": "prm-it"},
            limit=1,
        )
        for tool, args, cursor, argument in (
            ("search", {"text": "service", "framework": "apqc-pcf"}, sla, "text"),
            ("search", {"text": "SLA"}, sla, "framework"),
            ("search", {"text": "SLA", "framework": "apqc-pcf", "kind": "activity"}, sla, "kind"),
            ("find_gaps", {"framework": "trim", "target": "prm-it"}, gaps, "framework"),
            ("find_gaps", {"framework": APQC, "target": "it-cmf"}, gaps, "target"),
            ("find_gaps", {"framework": APQC, "target": "prm-it", "under": "8.1"}, gaps, "under"),
            ("get_mappings", {"source": APQC, "target": "trim"}, pair, "target"),
            (
                "get_mappings",
                {"source": APQC, "target": "prm-it", "include_derived": True},
                pair,
                "include_derived",
            ),
            (
                "run_named_query",
                {"name": "api/scheme-elements", "params": {"framework": "trim"}},
                rows,
                "params",
            ),
        ):
            refusal = await refused(client, tool, {**args, "cursor": cursor["nextCursor"]})
            assert refusal.startswith(f"argument '{argument}': is not the {argument} of the "), (
                refusal
            )
            assert "the cursor belongs to another list" in refusal, refusal
            assert "leave cursor out" in refusal, refusal
        # the same element, or root, written another way is the same list
        a24 = await call(client, "get_mappings", element="A24", source="prm-it", limit=1)
        more = await call(
            client,
            "get_mappings",
            element="prm-it/a24",
            source="PRM-IT",
            limit=1,
            cursor=a24["nextCursor"],
        )
        assert more["returned"] == 1
        root = (await call(client, "get_element", element="8.1", framework=APQC))["iri"]
        first = await call(
            client, "find_gaps", framework=APQC, target="prm-it", under="8.1", limit=1
        )
        args = {"framework": APQC, "target": "prm-it", "under": root.upper(), "limit": 1}
        more = await call(client, "find_gaps", **args, cursor=first["nextCursor"])
        assert more["returned"] == 1 and more["items"] != first["items"]
        # a cursor of another tool is the cursor's problem
        refusal = await refused(
            client, "find_gaps", {"framework": APQC, "cursor": sla["nextCursor"]}
        )
        assert refusal.startswith("argument 'cursor': "), refusal

    session_without_pool(shipped_release, body)
