"""A read that is, byte for byte, a request the protocol's fast path answered as the whole of
an earlier read on the same connection is answered again without being parsed
(``GuardedHttpToolsProtocol.data_received``), and only then: never bytes that arrive inside
a request, never a read that held two requests or part of one. A real uvicorn server with
pcfgraph's app and protocol on loopback (the response cache off, so that every repeated
lookup is evaluated again, as the headline benchmark runs); the protocol's debug line says
which reads it answered unparsed."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from ops_support import LiveServer, publish
from test_http_fast_path import FAST_LINE, SETTINGS, warm_up
from test_http_protocol_lifecycle import read_response

from pcfgraph.api.fast_path import UNPARSED

TRUE = "ASK {}"
FALSE = "ASK { ?s <urn:pcfgraph:test:none> ?o }"
OK = b"HTTP/1.1 200 OK"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("replay")
    publish(root / "rel")
    live = LiveServer(root / "rel", root / "fast.log", http_fast_path=True, **SETTINGS)
    live.settings["sparql_cache_mb"] = 0
    live.start()
    try:
        warm_up(live)
        yield live
    finally:
        live.stop()


def get(query: str, extra: str = "") -> bytes:
    path = "/sparql?query=" + quote(query)
    return (
        f"GET {path} HTTP/1.1\r\nHost: pcfgraph.test\r\n"
        f"Accept: application/sparql-results+json\r\n{extra}\r\n"
    ).encode()


def connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def ask(sock: socket.socket, request: bytes) -> tuple[bool, str]:
    """Send ``request`` as one read; its answer's boolean and request id."""
    sock.sendall(request)
    return answer(sock)


def answer(sock: socket.socket) -> tuple[bool, str]:
    status, fields, body = read_response(sock)
    assert status == OK, body
    value = json.loads(body)["boolean"]
    assert isinstance(value, bool)
    return value, fields[b"x-request-id"].decode()


def read_by_now(server: LiveServer) -> None:
    """Return once the server has read everything sent to it before: a request its app
    answers, on another connection (a 404: not on the fast path, its task runs after every
    read of the event loop's turn it came in, and of the turns before)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as other:
        other.sendall(b"GET /no-such-path HTTP/1.1\r\nHost: pcfgraph.test\r\n\r\n")
        assert read_response(other)[0] == b"HTTP/1.1 404 Not Found"


def two_answers(sock: socket.socket) -> list[tuple[bool, str]]:
    """The answers to two requests sent together (they may come in one segment)."""
    data = b""
    answers = []
    while len(answers) < 2:
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, data = data.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        fields = dict(line.split(b": ", 1) for line in lines)
        assert status == OK
        length = int(fields[b"content-length"])
        while len(data) < length:
            data += sock.recv(65536)
        body, data = data[:length], data[length:]
        answers.append((json.loads(body)["boolean"], fields[b"x-request-id"].decode()))
    assert data == b""
    return answers


def how_answered(server: LiveServer, rid: str, count: int = 1) -> list[str]:
    """How the server answered the ``count`` requests of ``rid``, in order: ``"unparsed"``
    or ``"parsed"`` (on the fast path), from their debug lines (written just after each
    answer); fewer than ``count`` after a minute: the app answered the rest."""
    deadline = time.monotonic() + 60
    pattern = re.compile(r"pcfgraph\.http \[" + re.escape(rid) + r"\] (.*)$", re.M)
    while True:
        lines = [line for line in pattern.findall(server.log()) if line.startswith(FAST_LINE)]
        if len(lines) >= count or time.monotonic() > deadline:
            return [
                "unparsed" if line.startswith(FAST_LINE + UNPARSED) else "parsed" for line in lines
            ]
        time.sleep(0.05)


def test_a_request_read_again_is_answered_again_with_its_own_request_id(
    server: LiveServer,
) -> None:
    with connect(server) as sock:
        answers = [ask(sock, get(TRUE)) for _ in range(4)]
        assert [value for value, _ in answers] == [True] * 4
        assert len({rid for _, rid in answers}) == 4  # a fresh id each time
        assert [how_answered(server, rid) for _, rid in answers] == [
            ["parsed"],
            ["unparsed"],
            ["unparsed"],
            ["unparsed"],
        ]
        # the client's own request id, as in the parsed answer
        named = get(TRUE, "X-Request-ID: replayed1\r\n")
        assert [ask(sock, named) for _ in range(2)] == [(True, "replayed1")] * 2
        assert how_answered(server, "replayed1", 2) == ["parsed", "unparsed"]
    with connect(server) as sock:  # another connection: its own reads
        value, rid = ask(sock, get(TRUE))
        assert value is True and how_answered(server, rid) == ["parsed"]


def test_the_same_bytes_inside_a_request_are_parsed_as_its_rest(server: LiveServer) -> None:
    with connect(server) as sock:
        assert ask(sock, get(TRUE))[0] is True
        # the head of another request, cut inside a header's value: the known bytes that
        # follow are that value and the rest of that request's head
        sock.sendall(get(FALSE, "X-Note: ").removesuffix(b"\r\n"))
        read_by_now(server)
        value, rid = ask(sock, get(TRUE))
        assert value is False and how_answered(server, rid) == ["parsed"]
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(65536)  # one request, one answer
        sock.settimeout(60)
        value, rid = ask(sock, get(TRUE))  # between requests again
        assert value is True and how_answered(server, rid) == ["unparsed"]


def test_only_a_read_of_one_whole_request_is_answered_again(server: LiveServer) -> None:
    request = get(FALSE)
    with connect(server) as sock:
        sock.sendall(request + request)  # two requests in one read: answered in order
        first, second = two_answers(sock)
        sock.sendall(request + request)  # again: both answered, not one of them
        again = two_answers(sock)
        assert [value for value, _ in again] == [False, False]
        assert [how_answered(server, rid) for _, rid in again] == [["parsed"], ["parsed"]]
        half = len(request) // 2
        sock.sendall(request[:half])  # one request in two reads
        read_by_now(server)
        sock.sendall(request[half:])
        split = answer(sock)
        whole = [ask(sock, request) for _ in range(2)]
        answers = [first, second, split, *whole]
        assert [value for value, _ in answers] == [False] * 5
        how = [how_answered(server, rid) for _, rid in answers]
        assert how[2:] == [["parsed"], ["parsed"], ["unparsed"]]
        assert ["unparsed"] not in how[:2]


def test_a_read_that_ends_one_request_and_holds_another_is_parsed(server: LiveServer) -> None:
    request = get(FALSE)
    half = len(request) // 2
    with connect(server) as sock:
        sock.sendall(request[:half])
        read_by_now(server)
        sock.sendall(request[half:] + request)  # the end of one request, then a whole one
        assert [value for value, _ in two_answers(sock)] == [False, False]
        # the same bytes between requests are the start of a request, malformed
        sock.sendall(request[half:] + request)
        assert read_response(sock)[0] == b"HTTP/1.1 400 Bad Request"
