"""Uploads are admitted before their bodies are read (``pcfgraph serve``, two processes).

A refused upload (its client already at ``max_concurrent_per_client``: 429; the server at
``max_concurrent_expensive``: 503) is refused without its body being read: the refused requests
here never send their whole body, so an answer at all shows the server did not wait for it. An
admitted upload holds its admission from before its body is read until its audit is done (an
upload whose body is still arriving counts), and the admission is given back afterwards.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from ops_support import ServeProcess, publish

from .test_sparql_attacks import assert_problem

LIMITS = {
    "query_workers": 1,
    "worker_memory_mb": 768,
    "max_concurrent_expensive": 2,
    "max_concurrent_per_client": 1,
    "validate_timeout": 60.0,
    "max_upload_bytes": 256 * 1024,
}
MODEL = (
    b"@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    b"<https://example.org/it> a orgm:Organisation .\n"
)
#: What a refused upload declares and never sends in full.
DECLARED = 200 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    root = tmp_path_factory.mktemp("upload-admission")
    publish(root / "rel")
    srv = ServeProcess(root / "rel", root / "server.log", **LIMITS).start()
    yield srv
    srv.stop()


def open_upload(
    server: ServeProcess,
    address: str,
    first: bytes,
    length: int,
    *,
    path: str = "/validate",
    content_type: str = "text/turtle",
) -> socket.socket:
    """A request from ``address`` declaring a body of ``length`` bytes, of which only
    ``first`` is sent (the rest when the caller sends it, or never)."""
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=120, source_address=(address, 0)
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(head.encode("latin-1") + first)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of the answer on ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "-1"))
    while length < 0 or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    sock.close()
    return status, headers, body


def validate_from(server: ServeProcess, address: str, body: bytes) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=server.url, timeout=120, trust_env=False, transport=transport) as c:
        return c.post("/validate", content=body, headers={"Content-Type": "text/turtle"})


def wait_until_held(server: ServeProcess, address: str) -> None:
    """Until a whole small upload from ``address`` gets 429: the held upload's admission is
    taken (while its body has not all arrived). Without admission before the body, every
    probe is audited (200) and this gives up."""
    for _ in range(200):
        r = validate_from(server, address, MODEL)
        if r.status_code == 429:
            return
        assert r.status_code == 200, r.text[:500]
        time.sleep(0.1)
    pytest.fail(f"an upload from {address} whose body is still arriving holds no admission")


def test_refused_uploads_are_refused_before_their_bodies_are_read(server: ServeProcess) -> None:
    held = open_upload(server, "127.0.0.21", MODEL[:10], len(MODEL))
    wait_until_held(server, "127.0.0.21")

    # The same client, past max_concurrent_per_client: 429, with 1 KiB of 200 KiB sent.
    refused = open_upload(server, "127.0.0.21", b"@prefix " * 128, DECLARED)
    status, headers, body = read_response(refused)
    assert status == 429, body[:500]
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["code"] == "too-many-requests"
    assert "max_concurrent_per_client" in json.loads(body)["detail"]
    assert int(headers["retry-after"]) >= 1

    # The workbench's workbook diff and audit forms, same client: the same refusal, in the page.
    for path in ("/diff", "/audit"):
        form = open_upload(
            server,
            "127.0.0.21",
            b"--b\r\n" + b"x" * 1024,
            DECLARED,
            path=path,
            content_type="multipart/form-data; boundary=b",
        )
        status, _, body = read_response(form)
        assert status == 429, (path, body[:500])
        assert b"max_concurrent_per_client" in body, path

    # A second client takes the last slot: the server is full for a third (503).
    second = open_upload(server, "127.0.0.22", MODEL[:10], len(MODEL))
    wait_until_held(server, "127.0.0.22")
    third = open_upload(server, "127.0.0.23", b"@prefix " * 128, DECLARED)
    status, headers, body = read_response(third)
    assert status == 503, body[:500]
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["code"] == "overloaded"
    assert int(headers["retry-after"]) >= 1

    # The held uploads finish and are audited; their admissions are given back.
    for sock in (held, second):
        sock.sendall(MODEL[10:])
        status, headers, body = read_response(sock)
        assert status == 200, body[:500]
        assert headers["x-audit-conforms"] in {"true", "false"}
    for address in ("127.0.0.21", "127.0.0.22", "127.0.0.23"):
        r = validate_from(server, address, MODEL)
        assert r.status_code == 200, r.text[:500]
    transport = httpx.HTTPTransport(local_address="127.0.0.21")
    with httpx.Client(base_url=server.url, timeout=120, trust_env=False, transport=transport) as c:
        page = c.post("/audit", files={"model": ("m.ttl", MODEL)}, data={"asOf": "2026-01-01"})
    assert page.status_code == 200, page.text[:500]
    assert "m.ttl" in page.text


def test_an_oversized_upload_is_still_413(server: ServeProcess) -> None:
    r = validate_from(server, "127.0.0.24", b"#" * (LIMITS["max_upload_bytes"] + 1))  # type: ignore[operator]
    assert_problem(r, 413, "payload-too-large")
