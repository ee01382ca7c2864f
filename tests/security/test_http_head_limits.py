"""Request-head limits (414/431 problem+json) and security headers on every response.

Raw sockets where the client library would refuse to send the attack (a 100 KB URL).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Any

import httpx
import pytest
from ops_support import LiveServer

from pcfgraph.api.http_guard import CONTENT_SECURITY_POLICY

from .conftest import Canary

SECURITY = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def raw_request(
    server: LiveServer, head: bytes, timeout: float = 10.0
) -> tuple[int, dict[str, str], bytes]:
    """Send a request head, read the whole answer (the server closes): status, headers, body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        # Refused before we finished sending: read what it answered.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(head)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head_end = data.index(b"\r\n\r\n")
                lines = data[:head_end].decode("latin-1").split("\r\n")
                headers = {
                    k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])
                }
                if len(data) - head_end - 4 >= int(headers.get("content-length", "0")):
                    break
    head_end = data.index(b"\r\n\r\n")
    lines = data[:head_end].decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return int(lines[0].split()[1]), headers, data[head_end + 4 :]


def assert_head_problem(answer: tuple[int, dict[str, str], bytes], status: int, limit: str) -> None:
    code, headers, body = answer
    assert code == status, body[:300]
    assert headers["content-type"].startswith("application/problem+json")
    doc = json.loads(body)
    assert doc["status"] == status and limit in doc["detail"]
    for name, value in SECURITY.items():
        assert headers[name] == value


def access_record(server: LiveServer, answer: tuple[int, dict[str, str], bytes]) -> Any:
    """The access record (this suite's servers log JSON lines) of the request ``answer``
    answers, by the id it names; once written (lines leave in batches), or None."""
    rid = answer[1]["x-request-id"]
    deadline = time.monotonic() + 30
    while True:
        for line in server.log().splitlines():
            if line.startswith("{") and f'"request_id": "{rid}"' in line:
                record = json.loads(line)
                if record["logger"] == "pcfgraph.access":
                    return record
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def assert_logged(server: LiveServer, answer: tuple[int, dict[str, str], bytes]) -> None:
    """A request refused before the app saw it has its access line, under the id its answer
    names (a client quoting that id found nothing in the log), with its client."""
    record = access_record(server, answer)
    assert record is not None, server.log()[-2000:]
    assert record["status"] == answer[0] and record["code"] == json.loads(answer[2])["code"]
    assert record["client"] == "127.0.0.1"


def test_a_100_kb_url_is_414_problem_json(server: LiveServer, canary: Canary) -> None:
    head = b"GET /sparql?query=" + b"A" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw_request(server, head)
    assert_head_problem(answer, 414, "max_url_bytes")
    assert canary.settled_hits() == 0
    assert_logged(server, answer)


def test_a_url_over_the_limit_but_parseable_is_414(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * {}" + " " * 9000})
    assert r.status_code == 414 and "max_url_bytes" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("headers", "limit"),
    [
        (b"X-Big: " + b"v" * 100_000 + b"\r\n", "max_header_bytes"),
        (b"".join(b"X-%d: v\r\n" % i for i in range(5000)), "max_header_count"),
    ],
)
def test_oversized_header_blocks_are_431(server: LiveServer, headers: bytes, limit: str) -> None:
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
    answer = raw_request(server, head)
    assert_head_problem(answer, 431, limit)
    assert_logged(server, answer)
    assert access_record(server, answer)["path"] == "/health"


def test_a_malformed_request_is_400_problem_json(server: LiveServer) -> None:
    answer = raw_request(server, b"GET / HTTP/1.1\r\nHost x\r\n\r\n")
    assert_head_problem(answer, 400, "malformed")
    assert_logged(server, answer)


def test_the_server_keeps_answering_after_head_attacks(client: httpx.Client) -> None:
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/health", "/", "/graphql", "/sparql?query=ASK%7B%7D", "/no-such-page", "/metrics"],
)
def test_every_response_carries_the_security_headers(client: httpx.Client, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    for name, value in SECURITY.items():
        assert r.headers.get(name) == value, (path, r.status_code, name)


def test_the_policy_forbids_inline_script_and_framing() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_the_middleware_alone_applies_the_limits() -> None:
    """Under any ASGI server (here the in-process test client), not only uvicorn."""
    from fastapi.testclient import TestClient
    from test_web_pages import web_app

    with TestClient(web_app()) as c:
        r = c.get("/health", headers={f"x-{i}": "v" for i in range(150)})
        assert r.status_code == 431 and "max_header_count" in r.json()["detail"]
        r = c.get("/health?" + "a" * 9000)
        assert r.status_code == 414
        assert r.headers["x-frame-options"] == "DENY"
