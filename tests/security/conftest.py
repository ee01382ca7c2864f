"""A live server (uvicorn subprocess, loopback) with small limits, and a loopback canary.

Every attack test talks HTTP to the real process, so nothing about the transport (body
limits, chunked encoding, worker processes, signals) is simulated.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from ops_support import LiveServer, publish

#: Limits of the server under attack (small so that attacks hit them fast).
LIMITS = {
    "query_timeout": 2.0,
    "query_workers": 2,
    "worker_memory_mb": 768,
    "max_result_rows": 1000,
    "max_query_depth": 16,
    "max_body_bytes": 256 * 1024,
    "max_upload_bytes": 256 * 1024,
    "max_concurrent_expensive": 2,
    # not small: no test of this server is about the audit deadline, and at load ~10 a 3 s one
    # answered uploads 503 query-timeout instead of the parse error under test
    "validate_timeout": 60.0,
    "max_upload_triples": 20_000,
    "graphql_max_depth": 6,
    "graphql_max_aliases": 10,
    "graphql_max_tokens": 500,
    "graphql_max_page_size": 50,
    "admin_token": "sec-token",
    "log_format": "json",
    "max_sheet_rows": 5000,
}


#: Give up waiting for the server to reach a state or answer after this long (a hung test, not
#: a bound: a client timeout of 30 s, or 15 s, can run out at load 8-12 with no fault in the
#: server, and no test here is about how long an answer takes).
GIVE_UP = 180.0


class Canary:
    """A TCP listener on loopback that counts every connection (must stay at zero)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/canary"
        self.hits = 0
        #: Local ports of :meth:`settled_hits`'s own connections (not counted as hits).
        self._markers: dict[int, threading.Event] = {}
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, peer = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            marker = self._markers.pop(int(peer[1]), None)
            if marker is not None:
                marker.set()
            else:
                self.hits += 1
            conn.close()

    def settled_hits(self) -> int:
        """Connections made so far, every one made before this call counted: a connection
        of its own goes through the same first-in first-out backlog, and once the listener
        has accepted it every earlier one was accepted too (no sleep that a loaded machine
        could outlast)."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as marker:
            marker.bind(("127.0.0.1", 0))
            accepted = self._markers[int(marker.getsockname()[1])] = threading.Event()
            marker.connect(("127.0.0.1", self.port))
            assert accepted.wait(120), "the canary never accepted its own connection"
        return self.hits

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="session")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("security")
    rel = root / "rel"
    publish(rel)
    srv = LiveServer(rel, root / "server.log", **LIMITS).start()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=GIVE_UP, trust_env=False) as c:
        yield c


def client_from(server: LiveServer, address: str, timeout: float = GIVE_UP) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z is loopback): the
    server tells clients apart by address (per-client fairness), so distinct clients need
    distinct addresses."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, timeout=timeout, trust_env=False, transport=transport)


def server_log(server: LiveServer) -> str:
    return server.log()


def secret_file(tmp_path: Path) -> Path:
    """A file whose content must never appear in any response."""
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CANARY-7f3a\n", encoding="utf-8")
    return path


def sandbox_workers(server: LiveServer) -> list[int]:
    """Pids of the server's sandbox worker processes (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == server.pid and b"pcfgraph.sandbox" in cmd:
            pids.append(int(entry.name))
    return pids


def lowest_priority(server: LiveServer) -> None:
    """Run the server's sandbox workers at the lowest CPU priority: a heavy query holding its
    worker is all a test needs of it, and tests running beside it keep the CPU."""
    for pid in sandbox_workers(server):
        with contextlib.suppress(OSError):  # gone already
            os.setpriority(os.PRIO_PROCESS, pid, 19)


@contextlib.contextmanager
def own_server(tmp_path: Path, settings: dict[str, object]) -> Iterator[LiveServer]:
    """A server of its own on a release published under ``tmp_path``, with ``settings``, its
    sandbox workers at the lowest priority (:func:`lowest_priority`); stopped at the end."""
    publish(tmp_path / "rel")
    server = LiveServer(tmp_path / "rel", tmp_path / "server.log", **settings).start()
    try:
        lowest_priority(server)
        yield server
    finally:
        server.stop()


def pool_numbers(client: httpx.Client) -> dict[str, float]:
    """The sandbox pool's gauges and counters from ``/metrics`` (``pcfgraph_pool_`` dropped)."""
    numbers = {}
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("pcfgraph_pool_"):
            name, value = line.split()[:2]
            numbers[name.removeprefix("pcfgraph_pool_")] = float(value)
    return numbers


def until(client: httpx.Client, ready: Callable[[dict[str, float]], bool]) -> dict[str, float]:
    """Poll the pool's numbers until ``ready`` (however long a loaded machine takes)."""
    give_up = time.monotonic() + GIVE_UP
    while True:
        numbers = pool_numbers(client)
        if ready(numbers):
            return numbers
        assert time.monotonic() < give_up, f"the server never got there: {numbers}"
        time.sleep(0.1)


@contextlib.contextmanager
def expensive_slots_held(
    tmp_path: Path, ask: Callable[[httpx.Client], httpx.Response], addresses: list[str]
) -> Iterator[tuple[LiveServer, list[int]]]:
    """A server of its own whose expensive slots are held by one slow request per address
    (distinct clients: one client alone may not take the last slot) until it stops, seen
    taken in the pool's pending count before the test's body runs. Its query deadline (600 s)
    is never reached while a test runs: on the session server's 2 s one a loaded machine
    could end the slow requests before the request under test came. The statuses of slow
    requests that were answered collect in the list (stopping the server ends the others)."""
    answers: list[int] = []
    with own_server(tmp_path, {**LIMITS, "query_timeout": 600.0}) as server:

        def hold(address: str) -> None:
            client = client_from(server, address, timeout=None)  # type: ignore[arg-type]
            with client as c, contextlib.suppress(httpx.HTTPError):  # until the server stops
                answers.append(ask(c).status_code)

        threads = [threading.Thread(target=hold, args=(address,)) for address in addresses]
        for t in threads:
            t.start()
        try:
            with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as c:
                until(c, lambda n: n["pending"] == len(addresses))
            yield server, answers
        finally:
            server.stop()  # ends the slow requests
            for t in threads:
                t.join(timeout=60)
