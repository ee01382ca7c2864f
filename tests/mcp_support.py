"""The JSON-RPC messages a test client posts to ``/mcp`` (streamable HTTP): the
``initialize`` that opens a session and a ``tools/call``; and ``pcfgraph mcp``'s line server
run on pipes for a client thread."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import IO, Any

from pcfgraph.config import Settings

#: What a client must accept from ``/mcp`` (JSON or an event stream).
MCP_ACCEPT = "application/json, text/event-stream"

INITIALIZE: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


def tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The ``tools/call`` request of the tool ``name`` with ``arguments``."""
    return {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def serve_stdio_on_pipes(
    settings: Settings, client: Callable[[IO[bytes], IO[bytes]], None]
) -> None:
    """``pcfgraph mcp``'s line server (the real server over the SDK's stdio transport, on an
    ops release) on two pipes, until ``client(send, receive)``, run in a thread with the
    server's stdin to write and its stdout to read, returns (its end of stdin closed: EOF)."""
    import anyio
    from ops_support import ops_release

    from pcfgraph.mcp.server import build_server
    from pcfgraph.mcp.state import StandaloneState
    from pcfgraph.mcp.stdio import BoundedLines, line_limit, serve_lines

    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()

    def talk() -> None:
        with os.fdopen(stdin_w, "wb") as send, os.fdopen(stdout_r, "rb") as receive:
            client(send, receive)

    async def main() -> None:
        state = StandaloneState(settings=settings, release=ops_release())
        server = build_server(lambda: state, base_url="http://h")
        out = anyio.wrap_file(io.TextIOWrapper(os.fdopen(stdout_w, "wb"), encoding="utf-8"))
        try:
            await serve_lines(server, BoundedLines(stdin_r, line_limit(settings)), settings, out)
        finally:
            with suppress(BrokenPipeError):  # a client that left: closing flushes into nothing
                await out.aclose()

    talker = threading.Thread(target=talk)
    talker.start()
    try:
        anyio.run(main)  # ends at the client's EOF
    finally:
        talker.join(timeout=120)
        os.close(stdin_r)


def session_without_pool(release: Any, body: Callable[[Any], Awaitable[None]]) -> None:
    """Run ``body`` with an MCP client connected in memory to a server of ``release`` with no
    sandbox pool (the tools that read the release; ``sparql`` and ``audit_model`` need one)."""
    import anyio
    from mcp import Client

    from pcfgraph.mcp.server import build_server
    from pcfgraph.mcp.state import StandaloneState

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        async with Client(build_server(lambda: state, base_url="http://h")) as client:
            await body(client)

    anyio.run(main)


def session_with_pool(
    release: Any, body: Callable[[Any], Awaitable[None]], settings: Settings | None = None
) -> None:
    """Run ``body`` with an MCP client connected in memory to a server of ``release`` with a
    sandbox pool of one worker (what ``sparql`` and ``audit_model`` need)."""
    import anyio
    from mcp import Client

    from pcfgraph.mcp.server import build_server
    from pcfgraph.mcp.state import StandaloneState
    from pcfgraph.sandbox import WorkerPool

    async def main() -> None:
        state = StandaloneState(settings=settings or Settings(), release=release)
        pool = WorkerPool(release, workers=1)
        await pool.start()
        state.services.pool = pool
        try:
            async with Client(build_server(lambda: state, base_url="http://h")) as client:
                await body(client)
        finally:
            await pool.stop()

    anyio.run(main)


async def call(client: Any, tool: str, **args: Any) -> dict[str, Any]:
    """A tool's structured answer through an MCP ``Client`` (asserted not an error)."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def refused(client: Any, tool: str, arguments: dict[str, Any]) -> str:
    """The text of the tool execution error a ``tools/call`` with a bad argument is answered
    with through an MCP ``Client``: a result flagged ``isError`` (MCP 2025-11-25, SEP-1303),
    its one text the message naming the argument, no structured answer."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result
    assert result.structured_content is None, result
    assert len(result.content) == 1 and result.content[0].type == "text", result.content
    text: str = result.content[0].text
    return text


def refused_reply(reply: dict[str, Any]) -> str:
    """The text of the tool execution error of a raw JSON-RPC reply to a ``tools/call`` (stdio
    line, ``/mcp`` body): a ``result`` flagged ``isError``, not a JSON-RPC ``error``."""
    assert "error" not in reply, reply
    result = reply["result"]
    assert result["isError"] is True, reply
    assert "structuredContent" not in result, reply
    [content] = result["content"]
    assert content["type"] == "text", reply
    text: str = content["text"]
    return text
