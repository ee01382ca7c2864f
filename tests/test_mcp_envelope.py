"""A message that is no JSON-RPC 2.0 message the MCP SDK reads (pcfgraph.mcp.envelope) is
answered with a JSON-RPC error naming the problem, on both transports: over stdio the SDK
dropped it without a word, at ``/mcp`` it answered pydantic's dump (or 202 and nothing for
a request whose ``id`` is null). The real server: the SDK's stdio transport on pipes, the
app at ``/mcp``."""

from __future__ import annotations

import json
from typing import IO, Any

import pytest
from mcp_support import INITIALIZE, MCP_ACCEPT, refused_reply, serve_stdio_on_pipes, tool_call
from ops_support import ops_release

from pcfgraph.config import Settings

PARSE, REQUEST, PARAMS = -32700, -32600, -32602

#: (message as sent, the id, code and message of its error).
REFUSED: list[tuple[str, Any, int, str]] = [
    ("not json", None, PARSE, "Parse error: the message is not JSON (Expecting value"),
    (
        '[{"jsonrpc": "2.0", "id": 7, "method": "ping"}]',
        None,
        REQUEST,
        "a batch (JSON array) is not accepted: send each JSON-RPC message on its own",
    ),
    ("5", None, REQUEST, "a JSON-RPC message is a JSON object, not an integer"),
    (
        '{"jsonrpc": "1.0", "id": 8, "method": "ping"}',
        8,
        REQUEST,
        "'jsonrpc' must be the string '2.0': not the string '1.0'",
    ),
    (
        '{"id": 9, "method": "ping"}',
        9,
        REQUEST,
        "'jsonrpc' must be the string '2.0': it is missing",
    ),
    (
        '{"jsonrpc": "2.0", "id": null, "method": "ping"}',
        None,
        REQUEST,
        "'id' must be a string or an integer, not null",
    ),
    (
        '{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}',
        None,
        REQUEST,
        "'id' must be a string or an integer, not a number",
    ),
    (
        '{"jsonrpc": "2.0", "id": 10, "method": 5}',
        10,
        REQUEST,
        "'method' must be a string, not an integer",
    ),
    (
        '{"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": [1]}',
        11,
        PARAMS,
        "'params' must be an object, not an array",
    ),
    (
        '{"jsonrpc": "2.0", "id": 12, "method": "tools/call", '
        '"params": {"name": "search", "arguments": "SLA"}}',
        12,
        PARAMS,
        "'params.arguments' must be an object of search's arguments, not the string 'SLA'",
    ),
    (
        '{"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {"name": 5}}',
        13,
        PARAMS,
        "'params.name' must be the tool's name, a string: not an integer",
    ),
    (
        '{"jsonrpc": "2.0", "id": 14, "method": "prompts/get", '
        '"params": {"name": "map-my-process", "arguments": {"process": 5}}}',
        14,
        PARAMS,
        "argument 'process': must be a string, not an integer",
    ),
    (
        '{"jsonrpc": "2.0", "id": 15, "method": "resources/read", "params": {}}',
        15,
        PARAMS,
        "'params.uri' must be a string: it is missing",
    ),
    (  # Python's json reads NaN and Infinity, which are no JSON
        '{"jsonrpc": "2.0", "id": 17, "method": "tools/call", '
        '"params": {"name": "search", "arguments": {"text": "SLA", "limit": NaN}}}',
        None,
        PARSE,
        "Parse error: the message is not JSON (NaN is no JSON value",
    ),
    (
        '{"jsonrpc": "2.0", "id": 18, "method": "ping", "params": {"x": -Infinity}}',
        None,
        PARSE,
        "Parse error: the message is not JSON (-Infinity is no JSON value",
    ),
    (  # JSON's grammar allows a lone surrogate escape, which decodes to no character: the
        # SDK's parser refuses it, and over stdio dropped the line (the caller waited)
        '{"jsonrpc": "2.0", "id": 16, "method": "tools/call", '
        '"params": {"name": "search", "arguments": {"text": "\\ud800 SLA"}}}',
        16,
        PARSE,
        "Parse error: 'params.arguments.text' holds a lone surrogate (an escape "
        "\\ud800-\\udfff that no other completes), which is no Unicode character",
    ),
    (  # deeper than Python's json reads: a 500 "internal error" at /mcp
        '{"jsonrpc": "2.0", "id": 19, "method": "ping", "params": {"x": '
        + "[" * 100_000
        + "]" * 100_000
        + "}}",
        None,
        PARSE,
        "Parse error: the message nests arrays and objects too deep to read",
    ),
]

#: Each of them again, past the 64 KiB the checks stopped at (the SDK read a longer message
#: unchecked: a null id was 202 and nothing at /mcp, a line of no JSON dropped over stdio):
#: whitespace after the message, as JSON allows, stands for a long model or query text.
PADDED = [(sent + " " * (65 * 1024), rid, code, message) for sent, rid, code, message in REFUSED]
REFUSED += PADDED


def _error(reply: dict[str, Any]) -> tuple[Any, int, str]:
    return reply["id"], reply["error"]["code"], reply["error"]["message"]


def test_stdio_answers_every_message_it_will_not_read_and_goes_on() -> None:
    settings = Settings()
    before = '{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'
    lines = [before, "", json.dumps(INITIALIZE)]  # a blank line is skipped
    lines += [sent for sent, *_ in REFUSED] + ['{"jsonrpc": "2.0", "id": 99, "method": "ping"}']
    replies: list[dict[str, Any]] = []

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        for line in lines:
            send.write(line.encode() + b"\n")
            send.flush()
        while len(replies) < 1 + len(REFUSED) + 2:  # the last is the pong
            reply: dict[str, Any] = json.loads(receive.readline())
            replies.append(reply)
            if reply["id"] == 99:
                break

    serve_stdio_on_pipes(settings, client)
    # the reader answers its refusals in order; the SDK's replies come when they are ready
    (initialized,) = [r for r in replies if "result" in r and r["id"] == 1]
    (pong,) = [r for r in replies if r["id"] == 99]
    first, *refused = [r for r in replies if "error" in r]
    assert _error(first) == (
        1,
        REQUEST,
        "tools/list before initialize: the session starts with an 'initialize' request "
        "(then the 'notifications/initialized' notification)",
    )
    assert len(refused) == len(REFUSED)
    for reply, (sent, rid, code, message) in zip(refused, REFUSED, strict=True):
        got_id, got_code, got_message = _error(reply)
        assert (got_id, got_code) == (rid, code), sent[:100]
        assert got_message.startswith(message), sent[:100]
    assert initialized["result"]["serverInfo"]["name"] == "pcfgraph"
    assert pong == {"jsonrpc": "2.0", "id": 99, "result": {}}


@pytest.mark.timeout(180)
def test_mcp_over_http_answers_them_as_jsonrpc_errors() -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    app = create_app(Settings(), ops_release())
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000", "Content-Type": "application/json"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        for sent, rid, code, message in REFUSED:
            r = http.post("/mcp", content=sent, headers=headers)
            # invalid params of a call are answered as the tools' own are; the rest is 400
            assert r.status_code == (200 if code == PARAMS else 400), sent[:100]
            reply = r.json()
            assert reply["jsonrpc"] == "2.0" and r.headers["x-request-id"]
            got_id, got_code, got_message = _error(reply)
            assert (got_id, got_code) == (rid, code), sent[:100]
            assert got_message.startswith(message), sent[:100]
        # what the SDK reads is its own to answer: a bad argument's value is the tool's
        # execution error (MCP 2025-11-25), 200
        r = http.post(
            "/mcp", json=tool_call("search", {"text": "x", "limit": 1000}), headers=headers
        )
        assert r.status_code == 200 and r.json()["id"] == 2, r.text
        assert refused_reply(r.json()) == "argument 'limit': must be between 1 and 100, not 1000"
        r = http.post("/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "ping"}, headers=headers)
        assert r.json() == {"jsonrpc": "2.0", "id": 3, "result": {}}
        # a message sent as another media type (the SDK: plain text "Invalid Content-Type
        # header", 400), or as none
        for given, problem in (
            ("text/plain", "not 'text/plain'"),
            (None, "and this request gives none"),
        ):
            sent = (
                {**headers, "Content-Type": given}
                if given
                else {k: v for k, v in headers.items() if k != "Content-Type"}
            )
            r = http.post(
                "/mcp", content=b'{"jsonrpc": "2.0", "id": 4, "method": "ping"}', headers=sent
            )
            assert r.status_code == 415
            assert r.json() == {
                "jsonrpc": "2.0",
                "id": None,
                "error": {
                    "code": REQUEST,
                    "message": f"a JSON-RPC message is sent as Content-Type application/json, {problem}",
                },
            }


@pytest.mark.timeout(180)
def test_mcp_over_http_refuses_a_foreign_host_or_origin_as_jsonrpc_errors() -> None:
    """A wrong Host (421) or Origin (403) at /mcp of a server bound to this machine was the
    SDK's plain text ("Invalid Host header", "Invalid Origin header"); it is a JSON-RPC error
    naming the header, the value and what is allowed, with the same statuses."""
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    app = create_app(Settings(), ops_release())
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    allowed = "127.0.0.1:*, localhost:*, [::1]:*, 127.0.0.1, localhost"
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        for extra, status, message in (
            ({"Host": "evil.example"}, 421, f"Host header 'evil.example' is not allowed: a "
             f"server bound to this machine answers /mcp only for Host {allowed}"),
            ({"Origin": "http://evil.example"}, 403, "Origin header 'http://evil.example' is "
             "not allowed: a server bound to this machine answers /mcp only for Origin "
             "http://127.0.0.1:*, http://localhost:*, http://[::1]:*"),
        ):  # fmt: skip
            r = http.post("/mcp", json=ping, headers={**headers, **extra})
            assert r.status_code == status, r.text
            assert r.headers["content-type"].startswith("application/json")
            reply = r.json()
            assert r.headers["x-request-id"]
            assert (reply["jsonrpc"], reply["id"], reply["error"]["code"]) == ("2.0", None, REQUEST)
            assert reply["error"]["message"].startswith(message), reply
        # the allowed ones still reach the server
        for extra in ({"Host": "localhost:8000"}, {"Origin": "http://localhost:5173"}):
            r = http.post("/mcp", json=ping, headers={**headers, **extra})
            assert r.json() == {"jsonrpc": "2.0", "id": 1, "result": {}}, r.text


#: A call whose text is Latin-1, not UTF-8 (``café``): JSON-RPC text is UTF-8.
NOT_UTF8 = (
    b'{"jsonrpc": "2.0", "id": 21, "method": "tools/call", '
    b'"params": {"name": "search", "arguments": {"text": "caf\xe9"}}}'
)
NOT_UTF8_ERROR = (
    "Parse error: the message is not JSON ('utf-8' codec can't decode byte 0xe9 in "
    f"position {NOT_UTF8.index(0xE9)}: invalid continuation byte)"
)


def test_a_line_that_is_not_utf8_is_a_parse_error_over_stdio_as_at_mcp() -> None:
    """Over stdio such a line was decoded with replacement characters and searched as
    ``caf\\ufffd``: no hit, no word of why, where ``/mcp`` answers a parse error."""
    replies: list[dict[str, Any]] = []

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        for line in (json.dumps(INITIALIZE).encode(), NOT_UTF8, b'{"jsonrpc": "2.0", "id": 99, '
                     b'"method": "ping"}'):  # fmt: skip
            send.write(line + b"\n")
            send.flush()
        while not replies or replies[-1].get("id") != 99:
            replies.append(json.loads(receive.readline()))

    serve_stdio_on_pipes(Settings(), client)
    refused = [r for r in replies if "error" in r]
    assert [_error(r) for r in refused] == [(None, PARSE, NOT_UTF8_ERROR)], replies
    assert not [r for r in replies if r.get("id") == 21], replies  # nothing was searched


@pytest.mark.timeout(180)
def test_mcp_over_http_answers_the_same_parse_error() -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    app = create_app(Settings(), ops_release())
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000", "Content-Type": "application/json"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        r = http.post("/mcp", content=NOT_UTF8, headers=headers)
        assert r.status_code == 400
        assert _error(r.json()) == (None, PARSE, NOT_UTF8_ERROR)
