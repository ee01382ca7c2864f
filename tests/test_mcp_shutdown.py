"""``/mcp`` while the server stops: a call the graceful stop cuts short (uvicorn cancels the
requests still running when its bound passes) is answered 503 with ``Retry-After`` and a
JSON-RPC error an MCP client acts on, not uvicorn's plain-text 500 (pcfgraph.api.mcp)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx
from mcp_support import MCP_ACCEPT, tool_call
from ops_support import live_server, publish, wait_until_in_flight

#: Runs far longer than the live server's graceful stop (3 s) on any machine.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_an_mcp_call_cut_short_by_the_servers_stop_gets_a_503_to_retry(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    box: dict[str, httpx.Response] = {}
    with live_server(rel, tmp_path / "server.log", query_timeout=600) as server:

        def call() -> None:
            box["answer"] = httpx.post(
                server.url + "/mcp",
                json=tool_call("sparql", {"query": SLOW}),
                headers={"Accept": MCP_ACCEPT},
                timeout=300,
            )

        caller = threading.Thread(target=call)
        caller.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            wait_until_in_flight(client, 1)
        server.signal(signal.SIGTERM)
        caller.join(timeout=300)
        assert server.proc is not None
        server.proc.wait(timeout=120)
        log = server.log()
    answer = box["answer"]
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
