"""MCP callers are clients of their own for the sandbox pool's fairness rules, against a live
server: on ``/mcp`` an ad-hoc query is keyed by the address of the HTTP request behind it, as
``/sparql`` keys its clients. Before, every MCP call ran as one client (no key): one MCP
user's heavy query made every other MCP user's query refused as if it were theirs.

As in :mod:`.test_client_fairness`, nothing here depends on when a query ends: the heavy
query's deadline is beyond the test (stopping the server ends it) and the pool's own gauges
and counters in ``/metrics`` say what holds a worker.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp_support import INITIALIZE, MCP_ACCEPT, tool_call
from ops_support import LiveServer

from .conftest import client_from, own_server, pool_numbers, until
from .test_client_fairness import CHEAP, HEAVY

MCP_LIMITS = {
    "query_timeout": 600.0,  # the heavy query holds its worker until the server stops
    "query_workers": 2,
    "worker_memory_mb": 768,
    "max_concurrent_expensive": 8,
    "max_concurrent_per_client": 1,
}
#: A small organisational model to audit.
MODEL = (
    "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    "<https://example.org/it> a orgm:Organisation .\n"
)
HEADERS = {"Accept": MCP_ACCEPT}


@pytest.fixture()
def mcp_server(tmp_path: Path) -> Iterator[LiveServer]:
    with own_server(tmp_path, MCP_LIMITS) as srv:
        yield srv


def call_tool(client: httpx.Client, name: str, arguments: dict[str, Any]) -> httpx.Response:
    """The tool ``name`` called over ``/mcp`` (after an ``initialize``)."""
    r = client.post("/mcp", json=INITIALIZE, headers=HEADERS)
    assert r.status_code == 200, r.text
    return client.post("/mcp", json=tool_call(name, arguments), headers=HEADERS)


def mcp_tool(client: httpx.Client, name: str, **arguments: Any) -> dict[str, Any]:
    """The JSON-RPC result of the tool ``name`` called over ``/mcp``."""
    r = call_tool(client, name, arguments)
    assert r.status_code == 200, r.text
    assert "result" in r.json(), r.text
    result: dict[str, Any] = r.json()["result"]
    return result


@pytest.mark.timeout(600)
def test_mcp_callers_from_two_addresses_are_two_clients(mcp_server: LiveServer) -> None:
    #: Statuses of the heavy query's answer (none while it runs).
    heavy_answers: list[int] = []

    def heavy() -> None:
        with (
            client_from(mcp_server, "127.0.0.41", timeout=None) as a,  # type: ignore[arg-type]
            contextlib.suppress(httpx.HTTPError),  # until the server stops
        ):
            heavy_answers.append(call_tool(a, "sparql", {"query": HEAVY}).status_code)

    thread = threading.Thread(target=heavy, daemon=True)
    thread.start()
    try:
        with client_from(mcp_server, "127.0.0.43") as observer:
            held = until(observer, lambda n: n["pending"] == 1 and n["busy"] == 1)
            # A has its one query in progress: its next query or audit is refused (the
            # per-client limit) ...
            with client_from(mcp_server, "127.0.0.41") as a:
                refused = [
                    mcp_tool(a, "sparql", query=CHEAP),
                    mcp_tool(a, "audit_model", model=MODEL),
                ]
            for answer in refused:
                assert answer.get("isError") is True, answer
                assert "max_concurrent_per_client" in answer["content"][0]["text"], answer
            # ... while B, another address, is served in the other worker.
            with client_from(mcp_server, "127.0.0.42") as b:
                served = mcp_tool(b, "sparql", query=CHEAP)
                audited = mcp_tool(b, "audit_model", model=MODEL)
            assert not served.get("isError"), served
            content = served["structuredContent"]
            assert content["form"] == "SELECT" and len(content["items"]) == 3, content
            assert not audited.get("isError"), audited
            assert audited["structuredContent"]["verdict"] in ("conforms", "findings"), audited
            after = pool_numbers(observer)
        during = list(heavy_answers)
        log = mcp_server.log()
    finally:
        mcp_server.stop()  # ends the heavy query
        thread.join(timeout=60)
    assert not during, during  # the heavy query was running all along
    # exactly B's query and audit ran beside it; A's never reached a worker
    assert after["tasks_total"] - held["tasks_total"] == 2, (held, after)
    assert (after["pending"], after["busy"]) == (1, 1), after
    assert after["timeouts_total"] == 0 and after["crashes_total"] == 0, after
    assert "Traceback" not in log
