"""The ``cursor`` of MCP's paginated list methods (``tools/list``, ``resources/list``,
``resources/templates/list``, ``prompts/list``), held to the rule of the tools' own cursors:
none, or an empty one, is the first page; any other text must be a cursor the server gave
out for that list, else the request is *invalid params* (-32602, as the MCP spec's
pagination says) naming it. Each of these lists is one page here (no ``nextCursor`` is
ever given out), so every non-empty cursor is refused: the SDK answered the whole list to
any text (a tool's ``nextCursor`` passed to ``tools/list`` by mistake read as if it paged),
and a cursor that is no string was "Invalid request parameters" naming nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_support import MCP_ACCEPT, call, refused, session_without_pool, tool_call

from pcfgraph.config import Settings
from pcfgraph.release import Release

PARAMS = -32602
#: base64 of JSON arrays nested 100,000 deep: decoding it raised RecursionError, the tool's
#: answer "Error executing tool search" (a traceback in the server's log).
DEEP_CURSOR = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode("ascii")
LISTS = ["tools/list", "resources/list", "resources/templates/list", "prompts/list"]


async def _listed(client: Client, method: str, cursor: str | None) -> list[str]:
    """The names of the items of one list method (asserted one page)."""
    if method == "tools/list":
        tools = await client.list_tools(cursor=cursor)
        assert tools.next_cursor is None
        return [t.name for t in tools.tools]
    if method == "resources/list":
        resources = await client.list_resources(cursor=cursor)
        assert resources.next_cursor is None
        return [str(r.uri) for r in resources.resources]
    if method == "resources/templates/list":
        templates = await client.list_resource_templates(cursor=cursor)
        assert templates.next_cursor is None
        return [t.uri_template for t in templates.resource_templates]
    prompts = await client.list_prompts(cursor=cursor)
    assert prompts.next_cursor is None
    return [p.name for p in prompts.prompts]


def test_an_empty_cursor_is_the_first_page_and_any_other_is_invalid_params(
    shipped_release: Release,
) -> None:
    async def body(client: Client) -> None:
        found = await call(client, "search", text="SLA", limit=1)
        assert found["truncated"] and found["nextCursor"]
        for method in LISTS:
            whole = await _listed(client, method, None)
            assert whole, method
            assert await _listed(client, method, "") == whole, method
            for cursor in ("abc", " ", found["nextCursor"]):
                with pytest.raises(MCPError) as caught:
                    await _listed(client, method, cursor)
                assert caught.value.code == PARAMS, (method, cursor)
                message = caught.value.message
                # (a long one is cut in the message)
                assert message.startswith(f"'params.cursor': invalid cursor {cursor[:40]!r}"[:-1])
                assert method in message and "leave cursor out" in message, message

    session_without_pool(shipped_release, body)


def test_an_empty_cursor_starts_every_paged_tool_at_its_first_page(
    shipped_release: Release,
) -> None:
    """The same rule in the tools' own ``cursor`` argument (an assistant fills an optional
    string argument with "" as often as it leaves it out)."""
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search", {"text": "SLA", "limit": 1}),
        ("find_gaps", {"framework": "prm-it", "limit": 1}),
        ("get_mappings", {"element": "A24", "source": "prm-it", "limit": 1}),
        ("get_mappings", {"source": "apqc-pcf-cross-industry-7.4", "target": "prm-it", "limit": 1}),
        ("run_named_query", {"name": "api/frameworks", "limit": 1}),
    ]

    async def body(client: Client) -> None:
        for tool, args in calls:
            first = await call(client, tool, **args)
            assert first["truncated"], tool  # there is a next page to start before
            assert await call(client, tool, **args, cursor="") == first, tool
            for cursor in ("abc", DEEP_CURSOR):
                refusal = await refused(client, tool, {**args, "cursor": cursor})
                message = refusal
                assert message.startswith(f"argument 'cursor': invalid cursor {cursor[:20]!r}"[:-1])

    session_without_pool(shipped_release, body)


@pytest.mark.timeout(180)
def test_a_list_cursor_that_is_no_string_is_invalid_params_naming_it(
    shipped_release: Release,
) -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    app = create_app(Settings(), shipped_release)
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        for at, method in enumerate(LISTS, start=1):
            for cursor, shown in ((5, "an integer"), ({"a": 1}, "an object")):
                sent = {"jsonrpc": "2.0", "id": at, "method": method, "params": {"cursor": cursor}}
                reply = http.post("/mcp", json=sent, headers=headers).json()
                assert reply["id"] == at, reply
                assert reply["error"]["code"] == PARAMS, reply
                assert reply["error"]["message"] == (
                    f"'params.cursor' must be a string (or null), not {shown}"
                ), reply
            sent = {"jsonrpc": "2.0", "id": 9, "method": method, "params": {"cursor": None}}
            assert "result" in http.post("/mcp", json=sent, headers=headers).json(), method
        # and a tool's cursor the list methods refused is still the tool's to take
        found = http.post(
            "/mcp", json=tool_call("search", {"text": "SLA", "limit": 1}), headers=headers
        ).json()["result"]["structuredContent"]
        more = tool_call("search", {"text": "SLA", "limit": 1, "cursor": found["nextCursor"]})
        page = http.post("/mcp", json=more, headers=headers).json()["result"]["structuredContent"]
        assert page["hits"] and page["hits"] != found["hits"]
