"""``/mcp`` takes ``POST`` only: the server is stateless with JSON responses, so it has no
stream of its own to offer at ``GET`` (which held an idle SSE response open until the client
left: a connection and a task per caller, for nothing) and no session to end at ``DELETE``
(which answered 405 without ``Allow``). The Streamable HTTP transport lets a server answer
both 405; the SDK's clients then go on without them (tests/test_mcp_journey.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sparql_support import endpoint_settings, live_server

ACCEPT = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with live_server(endpoint_settings()) as (url, _):
        yield url


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_only_post_is_taken_and_the_answer_says_so_at_once(base: str, method: str) -> None:
    headers = {**ACCEPT, "Host": "127.0.0.1:8000"}
    r = httpx.request(method, f"{base}/mcp", headers=headers, timeout=10)  # GET held it open
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert r.json()["detail"] == f"{method} is not allowed on /mcp; allowed: POST"


def test_a_post_is_still_answered(base: str) -> None:
    ping = {"jsonrpc": "2.0", "id": 7, "method": "ping"}
    headers = {**ACCEPT, "Host": "127.0.0.1:8000"}
    r = httpx.post(f"{base}/mcp", json=ping, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"jsonrpc": "2.0", "id": 7, "result": {}}
