"""Any request the server's graceful stop cuts short (uvicorn cancels the requests still
running when its bound passes) is answered 503 ``server-stopping`` with ``Retry-After`` in
the project's problem+json body, and logged in one warning line without a trace, not
uvicorn's plain-text 500 and its CancelledError trace (pcfgraph.api.ops.OpsMiddleware).
``/mcp`` gives the same refusal in its JSON-RPC form: tests/test_mcp_shutdown.py."""

from __future__ import annotations

from pathlib import Path

import httpx
from ops_support import SLOW_QUERY, cut_short_by_stop, publish


def test_a_sparql_query_cut_short_by_the_servers_stop_gets_a_503_problem(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)

    def query(url: str) -> httpx.Response:
        return httpx.post(
            url + "/sparql",
            content=SLOW_QUERY,
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
                "X-Request-ID": "cutshort1",
            },
            timeout=300,
        )

    answer, log = cut_short_by_stop(rel, tmp_path / "server.log", query)
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-request-id"] == "cutshort1"
    assert answer.headers["x-content-type-options"] == "nosniff"  # through the guard layer
    body = answer.json()
    assert body["status"] == 503
    assert body["code"] == "server-stopping"
    assert body["request_id"] == "cutshort1"
    assert body["detail"].startswith("the server is stopping")
    assert "Retry-After" in body["detail"]
    assert "Traceback" not in answer.text
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log
    assert "CancelledError" not in log
    warnings = [line for line in log.splitlines() if "cut short by the server's stop" in line]
    assert warnings == [
        next(line for line in warnings if "WARNING" in line and "[cutshort1]" in line)
    ], log
    assert "request cutshort1: POST /sparql was cut short by the server's stop: 503" in log
