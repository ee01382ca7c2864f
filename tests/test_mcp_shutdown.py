"""``/mcp`` while the server stops: a call the graceful stop cuts short (uvicorn cancels the
requests still running when its bound passes) is answered 503 with ``Retry-After`` and a
JSON-RPC error an MCP client acts on, not uvicorn's plain-text 500 (pcfgraph.api.mcp)."""

from __future__ import annotations

from pathlib import Path

import httpx
from mcp_support import MCP_ACCEPT, tool_call
from ops_support import SLOW_QUERY, cut_short_by_stop, publish


def test_an_mcp_call_cut_short_by_the_servers_stop_gets_a_503_to_retry(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)

    def call(url: str) -> httpx.Response:
        return httpx.post(
            url + "/mcp",
            json=tool_call("sparql", {"query": SLOW_QUERY}),
            headers={"Accept": MCP_ACCEPT},
            timeout=300,
        )

    answer, log = cut_short_by_stop(rel, tmp_path / "server.log", call)
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    rid = answer.headers["x-request-id"]
    # JSON-RPC, as the MCP SDK's own 503 on this transport: its client reads the error
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    assert body["error"]["code"] == -32603
    assert body["error"]["message"].startswith("the server is stopping")
    assert "Retry-After" in body["error"]["message"]
    assert body["error"]["data"] == {
        "code": "server-stopping",
        "detail": body["error"]["message"],
        "request_id": rid,
    }
    assert "Traceback" not in answer.text
    assert "Exception in ASGI application" not in log
    assert f"request {rid}: POST /mcp was cut short by the server's stop: 503" in log
