"""A tool's description is what a client shows a model to choose the tool by: one line of
text per paragraph, as a model reads it. The SDK gave each tool's docstring as written, its
source line breaks and eight-space indents inside the text ("PRM-IT/IT-CMF/\\n        TRIM
code"): tokens spent on layout, and a line break read as a break in meaning."""

from __future__ import annotations

from typing import Any

import anyio
from mcp import Client

from pcfgraph.mcp.server import build_server


def test_every_tool_description_is_its_docstring_unfolded() -> None:
    async def main() -> None:
        server = build_server(lambda: None)  # listing the tools reads no state
        async with Client(server) as client:
            tools = (await client.list_tools()).tools
        assert len(tools) == 8
        for tool in tools:
            text = tool.description or ""
            assert len(text) > 80, tool.name
            assert "\n" not in text and "  " not in text, (tool.name, text)
            assert text == text.strip(), tool.name
        (search,) = [t for t in tools if t.name == "search"]
        assert "PRM-IT/IT-CMF/TRIM code (A25)" in (search.description or "")

    anyio.run(main)


def test_unfolded_keeps_paragraphs() -> None:
    from pcfgraph.mcp.arguments import unfolded

    doc = """First line
        goes on.

        Second   paragraph
        here.
    """
    assert unfolded(doc) == "First line goes on.\n\nSecond paragraph here."


def test_search_says_its_facets_count_matches_before_the_filters(shipped_release: Any) -> None:
    """A filtered search's facets count every match (``SLA`` in apqc-pcf: total 13, facets
    13 APQC and 2 PRM-IT): the description said nothing of it, and a model read the facets
    as the filtered hits."""
    from mcp_support import call, session_without_pool

    async def body(client: Client) -> None:
        (search,) = [t for t in (await client.list_tools()).tools if t.name == "search"]
        assert "facets count every match before the framework and kind filters" in (
            search.description or ""
        )
        found = await call(client, "search", text="SLA", framework="apqc-pcf")
        assert sum(found["facets"]["family"].values()) > found["total"] > 0
        assert found["facets"]["family"]["apqc-pcf"] == found["total"]

    session_without_pool(shipped_release, body)


def test_every_tool_has_a_title() -> None:
    """A client lists the tools to its user by ``title`` (MCP 2025-06-18), else by the name:
    the tools had none, so a user read "get_mappings", "find_gaps" and "run_named_query"."""

    async def main() -> None:
        async with Client(build_server(lambda: None)) as client:
            tools = (await client.list_tools()).tools
        titles = {t.name: t.title for t in tools}
        assert all(titles.values()), titles
        assert len(set(titles.values())) == len(titles)  # told apart by it
        assert all(title != name for name, title in titles.items())

    anyio.run(main)
