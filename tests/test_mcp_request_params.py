"""The params of MCP's own methods that the SDK checks against the spec's models (an
``initialize`` without ``clientInfo``, a ``protocolVersion`` that is no string, a ``_meta``
that is no object) are *invalid params* (-32602) naming the field and what it must be, on
both transports: they were "Invalid request parameters" with empty ``data``, naming nothing,
so a client could not tell which of its fields was wrong (the first message a client sends
is ``initialize``)."""

from __future__ import annotations

import json
from typing import IO, Any

import pytest
from mcp_support import INITIALIZE, MCP_ACCEPT, serve_stdio_on_pipes
from ops_support import ops_release

from pcfgraph.config import Settings

PARAMS = -32602
GOOD = INITIALIZE["params"]

#: (method, params, the error's message)
REFUSED: list[tuple[str, Any, str]] = [
    ("initialize", None, "'params': is required"),
    ("initialize", {}, "'params.capabilities': is required"),
    (
        "initialize",
        {k: v for k, v in GOOD.items() if k != "clientInfo"},
        "'params.clientInfo': is required",
    ),
    (
        "initialize",
        {**GOOD, "clientInfo": {"version": "1"}},
        "'params.clientInfo.name': is required",
    ),
    (
        "initialize",
        {**GOOD, "protocolVersion": 20250618},
        "'params.protocolVersion': must be a string, not 20250618",
    ),
    (
        "initialize",
        {**GOOD, "clientInfo": "x"},
        "'params.clientInfo': must be an object, not the string 'x'",
    ),
    (
        "initialize",
        {**GOOD, "capabilities": {"sampling": []}},
        "'params.capabilities.sampling': must be an object, not an array",
    ),
    ("ping", {"_meta": 5}, "'params._meta': must be an object, not 5"),
    ("tools/list", {"_meta": [1]}, "'params._meta': must be an object, not an array"),
    (
        "tools/call",
        {"name": "search", "arguments": {"text": "SLA"}, "_meta": {"progressToken": 1.5}},
        "'params._meta.progressToken': must be a string or an integer, not 1.5",
    ),
]


def _request(rid: int, method: str, params: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        message["params"] = params
    return message


def test_stdio_names_the_field_of_a_request_the_spec_refuses() -> None:
    # the bad initializes first (each is refused, so the session is not yet open), then a
    # good one, then the other methods
    first = [(i, m, p, w) for i, (m, p, w) in enumerate(REFUSED, 10) if m == "initialize"]
    later = [(i, m, p, w) for i, (m, p, w) in enumerate(REFUSED, 10) if m != "initialize"]
    lines = [_request(i, m, p) for i, m, p, _ in first] + [INITIALIZE]
    lines += [_request(i, m, p) for i, m, p, _ in later] + [_request(99, "ping", None)]
    replies: dict[Any, dict[str, Any]] = {}

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        for message in lines:
            send.write(json.dumps(message).encode() + b"\n")
            send.flush()
        while 99 not in replies or len(replies) < len(lines):
            reply: dict[str, Any] = json.loads(receive.readline())
            replies[reply["id"]] = reply

    serve_stdio_on_pipes(Settings(), client)
    assert replies[1]["result"]["serverInfo"]["name"] == "pcfgraph"
    assert replies[99]["result"] == {}
    for rid, method, _, message in first + later:
        assert replies[rid]["error"] == {"code": PARAMS, "message": message}, method


@pytest.mark.timeout(180)
def test_mcp_over_http_names_the_field_too() -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    app = create_app(Settings(), ops_release())
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        for rid, (method, params, message) in enumerate(REFUSED, 10):
            r = http.post("/mcp", json=_request(rid, method, params), headers=headers)
            assert r.status_code == 200, (method, r.text)
            reply = r.json()
            assert (reply["id"], reply["error"]["code"]) == (rid, PARAMS), reply
            assert reply["error"]["message"] == message, reply
        r = http.post("/mcp", json=INITIALIZE, headers=headers)
        assert r.json()["result"]["serverInfo"]["name"] == "pcfgraph"


@pytest.mark.timeout(180)
def test_an_unsupported_protocol_version_header_is_named_with_those_spoken() -> None:
    """The MCP spec asks 400 for an unsupported ``MCP-Protocol-Version``. The SDK took any
    version of no handshake for one of the per-request envelope, and told a client that
    sent an old or mistyped version that its ``params._meta`` lacked the envelope's keys,
    naming neither the header nor a version."""
    from fastapi.testclient import TestClient
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

    from pcfgraph.serving import create_app

    spoken = [*HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS]
    app = create_app(Settings(), ops_release())
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000"}
    listing = {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        for version in ("1999-01-01", "2025-06-31", ""):
            for message, rid in ((listing, 5), ({"jsonrpc": "2.0", "method": "x/y"}, None)):
                r = http.post(
                    "/mcp", json=message, headers={**headers, "MCP-Protocol-Version": version}
                )
                assert r.status_code == 400, r.text
                reply = r.json()
                assert reply["id"] == rid
                error = reply["error"]
                assert error["data"] == {"supported": spoken, "requested": version}
                assert error["message"].startswith(
                    f"Unsupported protocol version: the MCP-Protocol-Version header gives "
                    f"'{version}', and this server speaks {', '.join(spoken)}"
                ), error
        # every version spoken is still answered (a handshake's with the handshake's body)
        for version in HANDSHAKE_PROTOCOL_VERSIONS:
            r = http.post(
                "/mcp", json=listing, headers={**headers, "MCP-Protocol-Version": version}
            )
            assert r.status_code == 200 and len(r.json()["result"]["tools"]) == 8, version
