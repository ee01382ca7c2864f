"""``pcfgraph mcp`` answers every request it read before stdin closed, then ends. A client
that writes its requests and closes its end (``printf ... | pcfgraph mcp``, a script, a
client shutting down as the MCP spec says: close stdin, wait for the server to exit) got
some answers and lost the rest: at EOF the SDK's loop ended, cancelling the calls still
running, some answered ``-32000 Connection closed``, others nothing at all. The real server
over the SDK's stdio transport, on pipes."""

from __future__ import annotations

import json
import logging
from typing import IO, Any

import pytest
from mcp_support import INITIALIZE, refused_reply, serve_stdio_on_pipes, tool_call

from pcfgraph.config import Settings

INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def _requests() -> list[dict[str, Any]]:
    calls = [
        ("search", {"text": "C2"}),
        ("get_element", {"element": "C2"}),
        ("find_gaps", {"framework": "mini"}),
        ("search", {"text": "nothing", "limit": 0}),  # an error is an answer too
        ("sparql", {"query": "ASK {}"}),  # no sandbox here: a tool error
    ]
    out = [{**tool_call(name, args), "id": 10 + at} for at, (name, args) in enumerate(calls)]
    out.append({"jsonrpc": "2.0", "id": "read", "method": "resources/read",
                "params": {"uri": "pcfgraph://frameworks"}})  # fmt: skip
    out.append({"jsonrpc": "2.0", "id": "prompt", "method": "prompts/get",
                "params": {"name": "map-my-process", "arguments": {"process": "x"}}})  # fmt: skip
    out.append({"jsonrpc": "2.0", "id": "ping", "method": "ping"})
    return out


def test_every_request_read_before_eof_is_answered() -> None:
    requests = _requests()
    replies: list[dict[str, Any]] = []

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        for message in [INITIALIZE, INITIALIZED, *requests]:
            send.write(json.dumps(message).encode() + b"\n")
        send.close()  # EOF at once, every request still in flight
        replies.extend(json.loads(line) for line in receive)  # to the server's end

    serve_stdio_on_pipes(Settings(), client)
    by_id = {reply["id"]: reply for reply in replies}
    assert len(by_id) == len(replies)  # one answer each
    assert set(by_id) == {1} | {r["id"] for r in requests}
    assert not [r for r in replies if r.get("error", {}).get("code") == -32000], replies
    assert by_id[10]["result"]["structuredContent"]["total"] > 0
    assert by_id[11]["result"]["structuredContent"]["code"] == "C2"
    assert by_id[12]["result"]["isError"] is False
    assert refused_reply(by_id[13]).startswith("argument 'limit': ")
    assert by_id[14]["result"]["isError"] is True
    assert by_id["ping"]["result"] == {}


def test_a_request_the_client_cancelled_is_not_waited_for() -> None:
    """A cancelled request gets no answer (the MCP spec): EOF after it ends the session."""
    cancel = {"jsonrpc": "2.0", "method": "notifications/cancelled",
              "params": {"requestId": 10, "reason": "the user moved on"}}  # fmt: skip
    replies: list[dict[str, Any]] = []

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        for message in [INITIALIZE, INITIALIZED, tool_call("search", {"text": "x"}) | {"id": 10}]:
            send.write(json.dumps(message).encode() + b"\n")
        send.write(json.dumps(cancel).encode() + b"\n")
        send.close()
        replies.extend(json.loads(line) for line in receive)

    # deadlines of an hour: were the cancelled call waited for, the test's timeout would end it
    settings = Settings(query_timeout=3600, validate_timeout=3600)
    serve_stdio_on_pipes(settings, client)  # returns: the session ended
    assert replies[0]["id"] == 1
    assert all(r["id"] in (1, 10) for r in replies)


def test_a_client_gone_with_answers_due_ends_the_session_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client that closes its end of stdout (it exited, or was killed) with answers due:
    writing them failed with a broken pipe, and ``pcfgraph mcp`` died with "internal error
    ... This is a bug, not your input" and exit status 3. Now the session ends as at EOF, a
    warning on stderr saying what was dropped."""
    requests = _requests()

    def client(send: IO[bytes], receive: IO[bytes]) -> None:
        send.write(json.dumps(INITIALIZE).encode() + b"\n")
        send.flush()
        assert json.loads(receive.readline())["id"] == 1
        receive.close()  # gone: nothing reads the answers any longer
        for message in [INITIALIZED, *requests]:
            send.write(json.dumps(message).encode() + b"\n")
        send.close()

    with caplog.at_level(logging.WARNING, logger="pcfgraph.mcp.stdio"):
        serve_stdio_on_pipes(Settings(), client)
    assert "the client closed the connection" in caplog.text
