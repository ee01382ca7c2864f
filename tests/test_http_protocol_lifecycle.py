"""What uvicorn guarantees of a connection still holds for requests answered on pcfgraph's
protocol fast path (pcfgraph.api.http_protocol): no request cycle is made for them, and the
keep-alive timer is one per connection, checked when due, instead of cancelled and armed
again per request. A real uvicorn server with pcfgraph's app and protocol on loopback, real
sockets; the fast path's own debug line says which requests it answered."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import uvicorn
import uvloop
from sparql_support import endpoint_settings, fixture_release

from pcfgraph.api.http_protocol import GuardedHttpToolsProtocol

FAST_LINE = "answered on the protocol's fast path"
#: Answered on the fast path without evaluating anything (the app's 400 for a syntax error).
BAD = "/sparql?query=" + quote("SELEC ?x WHERE { ?x ?y ?z }")


class Kept(logging.Handler):
    """The fast path's debug lines (logged just after its answer is written: read them
    after :func:`barrier`)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def fast(self) -> int:
        return sum(FAST_LINE in line for line in self.lines)


@contextmanager
def serving(**options: Any) -> Iterator[tuple[int, uvicorn.Server, Kept]]:
    """pcfgraph's app under uvicorn with pcfgraph's protocol, on a thread's uvloop."""
    from pcfgraph.serving import create_app

    app = create_app(endpoint_settings(), fixture_release())
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http=GuardedHttpToolsProtocol,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
        **options,
    )
    server = uvicorn.Server(config)
    kept = Kept()
    logger = logging.getLogger("pcfgraph.http")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(kept)

    def run() -> None:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield port, server, kept
    finally:
        server.should_exit = True
        thread.join(60)
        logger.removeHandler(kept)
        logger.setLevel(level)
        sock.close()


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: pcfgraph.test\r\n\r\n".encode()


def read_response(
    sock: socket.socket, data: bytes = b""
) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """One response (status line, headers, its Content-Length body); the bytes after it must
    be none (one request in flight at a time here)."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed before a response"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    fields = dict(line.lower().split(b": ", 1) for line in lines)
    length = int(fields.get(b"content-length", b"0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    assert len(rest) == length
    return status, fields, rest


def closed_by_server(sock: socket.socket, timeout: float = 60.0) -> bool:
    sock.settimeout(timeout)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


def listener_closed(port: int, timeout: float = 60.0) -> bool:
    """Whether the server stops accepting connections within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def barrier(port: int) -> None:
    """A request the fast path does not answer, on a new connection: once it is answered,
    the server's one thread has finished every request answered before (its log line too)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(get("/no-such-path"))
        assert read_response(sock)[0] == b"HTTP/1.1 404 Not Found"


def first_request(port: int) -> None:
    """A first answer (the app builds its layers on its first call: the fast path is known
    from then on)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(get(BAD))
        assert read_response(sock)[0] == b"HTTP/1.1 400 Bad Request"
    barrier(port)


#: The keep-alive timeout of the timer tests, and the gap between requests on a connection in
#: use: the connection is closed only if it stays idle for the whole timeout, so a test
#: process stalled (on a loaded machine) for less than their difference sees no change.
KEEP_ALIVE = 4.0
GAP = 0.1


def test_keep_alive_timeout_closes_idle_connections_and_keeps_busy_ones() -> None:
    with serving(timeout_keep_alive=KEEP_ALIVE) as (port, _, kept):
        first_request(port)
        before = kept.fast()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            # a request every GAP seconds for longer than the timeout: the timer armed after
            # the first answer is due while the connection is busy or idle for less than the
            # timeout since its last answer, and must not close it
            started = time.monotonic()
            count = 0
            while time.monotonic() - started < KEEP_ALIVE + 0.5:
                sock.sendall(get(BAD))
                status, fields, _ = read_response(sock)
                assert status == b"HTTP/1.1 400 Bad Request" and b"connection" not in fields
                count += 1
                time.sleep(GAP)
            barrier(port)
            assert kept.fast() - before == count
            # then idle: closed by the server (after its timeout; never before an answer)
            assert closed_by_server(sock)


def test_a_connection_idle_after_its_head_is_not_closed_by_an_earlier_timer() -> None:
    """The timer armed after an answer finds the connection busy (a request's head came and
    its body not yet): it is not closed, and the request is answered when its body comes.
    The head comes in the same write as the request answered before it (one read for the
    server), so it is there before the timer is due however late this process runs."""
    body = b"SELEC ?x WHERE { ?x ?y ?z }"
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: pcfgraph.test\r\n"
        f"Content-Type: application/sparql-query\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with serving(timeout_keep_alive=1) as (port, _, kept):
        first_request(port)
        before = kept.fast()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(get(BAD) + head + body[:5])
            assert read_response(sock)[0] == b"HTTP/1.1 400 Bad Request"
            time.sleep(1.5)  # past the timer armed after the answer above
            sock.sendall(body[5:])
            status, fields, _ = read_response(sock)
            assert status == b"HTTP/1.1 400 Bad Request" and b"connection" not in fields
            barrier(port)
            assert kept.fast() - before == 2
            assert closed_by_server(sock)  # idle from now on


def test_limit_max_requests_counts_fast_answers() -> None:
    with serving(limit_max_requests=7) as (port, _, kept):
        first_request(port)  # 1 and 2 (its barrier)
        before = kept.fast()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            for _ in range(5):  # 3..7, each on the fast path
                sock.sendall(get(BAD))
                assert read_response(sock)[0] == b"HTTP/1.1 400 Bad Request"
            # the server stops after its seventh answer: stops listening, closes this idle
            # connection
            assert listener_closed(port)
            assert closed_by_server(sock)
        assert kept.fast() - before == 5


def test_graceful_shutdown_finishes_a_request_whose_body_is_coming() -> None:
    """A ``POST`` waiting for its body (held for the fast path, no cycle yet) when the server
    begins to shut down is answered with ``Connection: close``, as uvicorn finishes a
    request in flight; idle connections are closed."""
    body = b"SELEC ?x WHERE { ?x ?y ?z }"
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: pcfgraph.test\r\n"
        f"Content-Type: application/sparql-query\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with serving() as (port, server, _):
        first_request(port)
        with (
            socket.create_connection(("127.0.0.1", port), timeout=60) as busy,
            socket.create_connection(("127.0.0.1", port), timeout=60) as idle,
        ):
            idle.sendall(get(BAD))
            assert read_response(idle)[0] == b"HTTP/1.1 400 Bad Request"
            # the head read by the server once the request before it (same write) is answered
            busy.sendall(get(BAD) + head + body[:5])
            assert read_response(busy)[0] == b"HTTP/1.1 400 Bad Request"
            server.should_exit = True
            # shutdown has begun once the listener is closed (the connections are told in
            # the same step)
            assert listener_closed(port)
            assert closed_by_server(idle)
            busy.sendall(body[5:])
            status, fields, _ = read_response(busy)
            assert status == b"HTTP/1.1 400 Bad Request"
            assert fields[b"connection"] == b"close"
            assert closed_by_server(busy)


def test_requests_left_to_uvicorn_get_its_answers() -> None:
    """HTTP/1.0, ``Expect: 100-continue`` and ``Connection: close`` go uvicorn's way (its
    interim 100, its closing), not the fast path's."""
    body = b"SELEC ?x WHERE { ?x ?y ?z }"
    with serving() as (port, _, kept):
        first_request(port)
        before = kept.fast()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(f"GET {BAD} HTTP/1.0\r\nHost: pcfgraph.test\r\n\r\n".encode())
            status, _, _ = read_response(sock)
            assert status == b"HTTP/1.1 400 Bad Request"
            assert closed_by_server(sock)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(get(BAD)[:-2] + b"Connection: close\r\n\r\n")
            status, fields, _ = read_response(sock)
            assert status == b"HTTP/1.1 400 Bad Request" and fields[b"connection"] == b"close"
            assert closed_by_server(sock)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(
                f"POST /sparql HTTP/1.1\r\nHost: pcfgraph.test\r\nExpect: 100-continue\r\n"
                f"Content-Type: application/sparql-query\r\nContent-Length: {len(body)}\r\n"
                f"\r\n".encode()
            )
            data = b""
            while b"\r\n\r\n" not in data:  # the body is sent only after the interim answer
                chunk = sock.recv(65536)
                assert chunk
                data += chunk
            interim, _, rest = data.partition(b"\r\n\r\n")
            assert interim == b"HTTP/1.1 100 Continue"
            sock.sendall(body)
            status, fields, _ = read_response(sock, rest)
            assert status == b"HTTP/1.1 400 Bad Request" and b"connection" not in fields
        barrier(port)
        assert kept.fast() == before


def test_a_post_held_for_the_fast_path_and_handed_on_keeps_its_body() -> None:
    """A ``POST`` held while its body comes (in two parts), then handed on (its query needs a
    sandbox worker: ``DESCRIBE``): the cycle made then gets the whole body; the connection
    is kept and answers on the fast path again after it."""
    from pcfgraph import iris

    subject = f"{iris.ID_BASE}alpha/A1"
    body = f"DESCRIBE <{subject}>".encode()
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: pcfgraph.test\r\nAccept: application/n-triples\r\n"
        f"Content-Type: application/sparql-query\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with serving() as (port, _, kept):
        first_request(port)
        before = kept.fast()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(head + body[:10])
            time.sleep(0.3)
            sock.sendall(body[10:])
            status, fields, text = read_response(sock)
            assert status == b"HTTP/1.1 200 OK", text
            assert fields[b"content-type"].startswith(b"application/n-triples")
            assert f"<{subject}>".encode() in text and b"connection" not in fields
            sock.sendall(get(BAD))
            assert read_response(sock)[0] == b"HTTP/1.1 400 Bad Request"
        barrier(port)
        assert kept.fast() - before == 1  # the second request only
