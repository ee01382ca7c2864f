"""The bytes of request bodies one server process holds at once are bounded
(``max_body_memory_bytes``, :mod:`pcfgraph.http.body_memory`), against a live server.

Each body had its own limit but nothing bounded them together: at the defaults an ``/mcp``
message may be 192 MiB, and any number of them were held at once. Here one upload's body is
half sent and held by the server; another client's body that would take the total past the
budget is refused 503 ``body-memory-full`` naming the setting, with ``Retry-After``; once the
first is answered its bytes are given back and the same request is audited. A body over the
budget but within its own limit is audited when it is alone. At ``/mcp`` the refusal is a
JSON-RPC error, as the endpoint's other refusals.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from ops_support import LiveServer

from .conftest import GIVE_UP, own_server
from .test_upload_admission import open_upload, read_response, validate_from

BUDGET = 200_000
SETTINGS: dict[str, object] = {
    "query_workers": 1,
    "max_upload_bytes": 256 * 1024,
    "max_body_memory_bytes": BUDGET,
    "max_concurrent_per_client": 16,
    "validate_timeout": 60.0,
}
MODEL = (
    b"@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    b"<https://example.org/it> a orgm:Organisation .\n"
)


def model_of(size: int) -> bytes:
    """A valid model of ``size`` bytes: a Turtle comment, then the model."""
    return b"# " + b"x" * (size - len(MODEL) - 3) + b"\n" + MODEL


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with own_server(tmp_path_factory.mktemp("body-memory"), SETTINGS) as srv:
        yield srv


def test_bodies_held_together_are_bounded(server: LiveServer) -> None:
    held_body = model_of(180_000)
    held = open_upload(server, "127.0.0.41", held_body[:150_000], len(held_body))
    probe = model_of(100_000)
    deadline = time.monotonic() + GIVE_UP
    while True:  # until the server has read the held body's first 150 kB
        r = validate_from(server, "127.0.0.42", probe)
        if r.status_code == 503:
            break
        assert r.status_code == 200, r.text[:500]
        assert time.monotonic() < deadline, "a half-sent body never counted against the budget"
        time.sleep(0.1)
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "body-memory-full", problem
    assert "max_body_memory_bytes" in problem["detail"] and str(BUDGET) in problem["detail"]
    assert int(r.headers["retry-after"]) >= 1

    held.sendall(held_body[150_000:])
    status, _, body = read_response(held)
    assert status == 200, body[:500]
    assert json.loads(body)["conforms"] in (True, False)

    # its bytes given back: the same request is audited now
    again = validate_from(server, "127.0.0.42", probe)
    assert again.status_code == 200, again.text[:500]


def test_a_body_over_the_budget_alone_is_audited(server: LiveServer) -> None:
    alone = model_of(250_000)  # over the 200 kB budget, within max_upload_bytes
    r = validate_from(server, "127.0.0.43", alone)
    assert r.status_code == 200, r.text[:500]


def test_an_mcp_message_past_the_budget_is_refused_in_json_rpc(server: LiveServer) -> None:
    held_body = model_of(180_000)
    held = open_upload(server, "127.0.0.44", held_body[:150_000], len(held_body))
    message = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "tools/call",
            "params": {"name": "audit_model", "arguments": {"model": model_of(100_000).decode()}},
        }
    ).encode()
    deadline = time.monotonic() + GIVE_UP
    while True:
        sock = open_upload(
            server,
            "127.0.0.45",
            message,
            len(message),
            path="/mcp",
            content_type="application/json",
        )
        status, headers, body = read_response(sock)
        if status == 503:
            break
        assert time.monotonic() < deadline, "a half-sent body never counted against the budget"
        time.sleep(0.1)
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert error["data"]["code"] == "body-memory-full", error
    assert "max_body_memory_bytes" in error["message"]
    assert int(headers["retry-after"]) >= 1
    held.sendall(held_body[150_000:])
    assert read_response(held)[0] == 200
