"""The JSON-RPC messages a test client posts to ``/mcp`` (streamable HTTP): the
``initialize`` that opens a session and a ``tools/call``."""

from __future__ import annotations

from typing import Any

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
