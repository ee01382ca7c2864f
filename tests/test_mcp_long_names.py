"""A name the server does not know is named in its refusal, shortened: a tool, argument,
prompt, prompt argument or resource URI of 100,000 characters was echoed whole in the
invalid-params message (100 KB back for a typo's worth of meaning), where every argument
value was already shown cut ("... (100000 characters)")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_support import refused
from mcp_support import session_without_pool as session

from pcfgraph.release import Release

LONG = "z" * 100_000


def test_an_unknown_name_of_any_length_is_named_shortened(shipped_release: Release) -> None:
    refusals: dict[str, MCPError] = {}
    argument: list[str] = []  # a tool's argument: a tool execution error

    async def body(client: Client) -> None:
        asks: dict[str, Callable[[], Awaitable[Any]]] = {
            "tool": lambda: client.call_tool(LONG, {}),
            "prompt": lambda: client.get_prompt(LONG, {}),
            "prompt argument": lambda: client.get_prompt(
                "map-my-process", {"process": "x", LONG: "y"}
            ),
            "resource": lambda: client.read_resource("pcfgraph://" + LONG),
        }
        for what, ask in asks.items():
            with pytest.raises(MCPError) as err:
                await ask()
            refusals[what] = err.value
        argument.append(await refused(client, "search", {"text": "x", LONG: 1}))

    session(shipped_release, body)
    for what, error in refusals.items():
        assert error.code == -32602, what
        assert len(error.message) < 1000, (what, len(error.message))
        size = 100_000 + len("pcfgraph://") * (what == "resource")
        assert f"... ({size} characters)" in error.message, (what, error.message[:200])
    assert refusals["tool"].message.startswith("unknown tool 'zzz")
    assert "; the tools: " in refusals["tool"].message
    assert len(argument[0]) < 1000 and "... (100000 characters)" in argument[0], argument
    assert argument[0].endswith(
        ": not an argument of search, which takes text, framework, kind, limit, cursor"
    )
    assert refusals["resource"].message.startswith("Unknown resource: ")
    assert "the resources: pcfgraph://frameworks" in refusals["resource"].message
