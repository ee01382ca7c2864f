"""``pcfgraph mcp`` reads stdin in bounded lines (pcfgraph.mcp.stdio): a message line over
the limit is dropped as it arrives, never held whole, and answered with a JSON-RPC Invalid
Request error naming the limit; the session goes on. The real server over the SDK's stdio
transport, on pipes."""

from __future__ import annotations

import json
import tracemalloc
from typing import IO, Any

import pytest
from mcp_support import INITIALIZE, refused_reply, serve_stdio_on_pipes, tool_call

from pcfgraph.config import Settings
from pcfgraph.mcp.stdio import leading_id, line_limit

PING = {"jsonrpc": "2.0", "id": 3, "method": "ping"}


def test_a_line_over_the_limit_is_refused_without_being_held_and_the_session_goes_on() -> None:
    settings = Settings(max_upload_bytes=1000)
    limit = line_limit(settings)
    # a well-formed call (its id first, as the SDK's clients write it), 16 MB long
    huge = tool_call("search", {"text": "x" * (16 * 1024 * 1024)})
    replies: list[dict[str, Any]] = []
    peak: list[int] = []

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        def call(message: bytes) -> dict[str, Any]:
            send.write(message)
            send.write(b"\n")
            send.flush()
            reply: dict[str, Any] = json.loads(receive.readline())
            replies.append(reply)
            return reply

        call(json.dumps(INITIALIZE).encode())
        line = json.dumps(huge).encode()  # made before the count starts
        tracemalloc.start()
        try:
            call(line)
            _, top = tracemalloc.get_traced_memory()
            peak.append(top)
        finally:
            tracemalloc.stop()
        call(json.dumps(PING).encode())  # the session goes on

    serve_stdio_on_pipes(settings, client)
    initialized, refused, pong = replies
    assert initialized["result"]["serverInfo"]["name"] == "pcfgraph"
    assert refused["id"] == 2
    assert refused["error"]["code"] == -32600  # Invalid Request
    message = refused["error"]["message"]
    assert f"message line of more than {limit} bytes discarded" in message
    assert "max_upload_bytes, 1000" in message
    assert pong == {"jsonrpc": "2.0", "id": 3, "result": {}}
    assert peak[0] < 4 * 1024 * 1024  # the 16 MB line was never held


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"x"', 7),
        ('{ "method": "tools/call", "id": "a-1", "params": {', "a-1"),
        ('{"jsonrpc":"2.0","method":"tools/call","params":{"id":5}', None),  # nested: not it
        ('{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"},"id":9}', None),
        ('{"jsonrpc":"2.0","id":true,"method":"m"}', None),
        ('{"jsonrpc":"2.0","id":12', None),  # cut off before its end: maybe 123
        ("not json at all", None),
        ("", None),
    ],
)
def test_the_id_of_a_dropped_line_is_read_from_its_first_members(
    head: str, expected: object
) -> None:
    assert leading_id(head.encode()) == expected


def test_a_model_that_json_escapes_sixfold_is_judged_by_its_own_size() -> None:
    """A line of an ``audit_model`` call whose model is control characters (``\\u0001``: 6
    bytes of JSON for 1 of model) is not refused as a line: the model itself is judged
    against ``max_upload_bytes`` (one byte over it: the model argument's error naming the
    setting). It was a line over twice ``max_upload_bytes`` and 64 KiB, discarded."""
    upload = 32 * 1024  # six times it passes the envelope: the old limit refused the line
    settings = Settings(max_upload_bytes=upload)
    model = "#" + "\x01" * upload + "\n"
    line = json.dumps(tool_call("audit_model", {"model": model})).encode()
    assert 2 * upload + 64 * 1024 < len(line) <= line_limit(settings)
    replies: list[dict[str, Any]] = []

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        for message in (json.dumps(INITIALIZE).encode(), line):
            send.write(message + b"\n")
            send.flush()
            replies.append(json.loads(receive.readline()))

    serve_stdio_on_pipes(settings, client)
    _, judged = replies
    assert judged["id"] == 2, judged  # the model argument's tool execution error
    message = refused_reply(judged)
    assert message == f"argument 'model': is larger than {upload} bytes (max_upload_bytes)"
