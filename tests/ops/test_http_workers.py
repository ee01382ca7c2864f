"""``pcfgraph serve --http-workers 2``: processes forked from one loaded app share one socket;
reloads (``POST /admin/reload`` to any worker, ``SIGHUP`` to the server) reach every worker
and are answered and counted once, for the server;
``SIGTERM`` stops them all; a worker that dies stops the server (pcfgraph.http.prefork)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest
from ops_support import (
    LiveServer,
    ServeProcess,
    children_of,
    publish,
    scraped_by_label,
    wait_until_in_flight,
)

from pcfgraph.http.prefork import STOP_MARGIN_SECONDS
from pcfgraph.private_dirs import sweep
from pcfgraph.server_processes import PASS_ON_SIGNAL

TOKEN = "s3cret-token"


def sparql(server: LiveServer, query: str) -> httpx.Response:
    return httpx.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )


def wait_for(what: str, check: object, server: LiveServer, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:.0f} s: {what}: {server.log()[-3000:]}")


def reloaded_to(server: LiveServer, release_id: str) -> list[str]:
    """The triggers of the reloads to ``release_id`` the server's workers logged."""
    pattern = rf"reload \(([^)]+)\): now serving release {release_id}"
    return re.findall(pattern, server.log())


def wait_reloaded_everywhere(server: LiveServer, release_id: str, trigger: str) -> None:
    """Both workers reload to ``release_id``: the one ``trigger`` reached, then the other
    (passed on), and the first answered for the server."""
    wait_for(
        f"both workers serve release {release_id}",
        lambda: reloaded_to(server, release_id) == [trigger, "passed on"],
        server,
    )
    wait_for(
        "the first worker answered for the server",
        lambda: f"every process (2) serves release {release_id}" in server.log(),
        server,
    )


def test_workers_share_the_socket_reload_together_and_stop(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    server = ServeProcess(
        rel, tmp_path / "server.log", admin_token=TOKEN, max_result_rows=3, query_timeout=2
    ).start()
    try:
        workers = children_of(server.pid)
        assert len(workers) == 2, server.log()[-2000:]
        for _ in range(6):  # fresh connections, accepted by either worker
            r = sparql(server, "ASK { ?s ?p ?o }")
            assert r.status_code == 200 and r.json()["boolean"] is True, r.text
            ready = httpx.get(server.url + "/ready", timeout=60)
            assert ready.json()["release_id"] == first
            # `pcfgraph serve` names no server software, on the fast path nor through the app
            assert "server" not in r.headers and "server" not in ready.headers
            assert "date" in r.headers and "date" in ready.headers
            # every worker keeps the sandbox's limits: the row cap, the deadline
            capped = sparql(server, "SELECT * WHERE { ?s ?p ?o }")
            assert capped.status_code == 422, capped.text
            assert capped.json()["code"] == "result-too-large"
        for _ in range(2):  # the second time after every connection of the first has closed
            assert_connections_spread(server, workers)
        slow = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert slow.status_code == 503 and slow.json()["code"] == "query-timeout", slow.text

        second = publish(rel, variant=2)
        r = httpx.post(
            server.url + "/admin/reload",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120,
        )
        assert r.status_code == 200 and r.json()["release_id"] == second, r.text
        # it answers for the server: the worker that answered reloaded first, then the other
        # one through the supervisor, and both serve it before the answer
        assert r.json()["processes"] == {second: 2}
        assert reloaded_to(server, second) == ["POST /admin/reload", "passed on"]
        for _ in range(6):
            assert httpx.get(server.url + "/ready", timeout=60).json()["release_id"] == second
        assert reloads_counted(server) == {"success": 1, "failure": 0}  # one, not one each

        third = publish(rel, variant=3)
        server.signal(signal.SIGHUP)  # to the server: one worker begins, passes it on
        wait_reloaded_everywhere(server, third, "SIGHUP")
        for _ in range(6):
            assert httpx.get(server.url + "/ready", timeout=60).json()["release_id"] == third
        assert reloads_counted(server) == {"success": 2, "failure": 0}

        assert children_of(server.pid) == workers  # reloads replace no process
        server.signal(signal.SIGTERM)
        assert server.proc is not None
        assert server.proc.wait(timeout=60) == 0
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid)
    finally:
        server.stop()


def open_connections(pids: list[int], port: int) -> dict[int, int]:
    """Connections to ``port`` each process holds open (Linux ``/proc``): established, or
    closed by the client and not yet by the process."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] in ("01", "08"):  # ESTABLISHED, CLOSE_WAIT
                    inodes.add(fields[9])
    held: dict[int, int] = {}
    for pid in pids:
        links = []
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                links.append(os.readlink(fd))
        held[pid] = sum(1 for link in links if link[8:-1] in inodes and link[:8] == "socket:[")
    return held


def assert_connections_spread(server: LiveServer, workers: list[int]) -> None:
    """24 keep-alive connections, each answered before the next opens, end up 12 on each
    worker, whichever worker the kernel's hash gave each (pcfgraph.http.balance): without
    balancing, an even split of 24 comes up about one time in six."""
    clients = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=60) for _ in range(24)]
    try:
        for client in clients:  # the request is sent before the server accepts: not lost
            client.request("GET", "/ready")
            response = client.getresponse()
            assert response.status == 200, response.read()
            response.read()
        held = open_connections(workers, server.port)
        assert held == {pid: 12 for pid in workers}, held
        for client in clients:  # each still served by the worker that holds it
            client.request("GET", "/ready")
            assert client.getresponse().read()
    finally:
        for client in clients:
            client.close()
    wait_for(
        "every connection closed",
        lambda: sum(open_connections(workers, server.port).values()) == 0,
        server,
    )


def reloads_counted(server: LiveServer) -> dict[str, float]:
    """``pcfgraph_reloads_total`` by outcome, as one scrape of the server says."""
    return scraped_by_label(server, "pcfgraph_reloads_total", "outcome")


def test_a_worker_that_dies_stops_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    tmp = tmp_path / "tmp"  # the server's temporary directory
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    server = ServeProcess(rel, tmp_path / "server.log").start()
    try:
        victim, other = children_of(server.pid)
        os.kill(victim, signal.SIGKILL)
        assert server.proc is not None
        assert server.proc.wait(timeout=60) == 3, server.log()[-2000:]
        assert "exited with -9: stopping" in server.log()
        wait_for("the other worker is gone", lambda: not Path(f"/proc/{other}").exists(), server)
    finally:
        server.stop()
    # The killed worker could not remove its sandbox data; the next server does.
    left = sorted(tmp.glob("pcfgraph-*"))
    assert [p.name.startswith("pcfgraph-pool-") for p in left] == [True], left
    wait_for("the killed worker's data is removed", lambda: sweep(tmp) == left, server)
    assert not any(tmp.iterdir())


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def test_worker_sockets_share_the_port_and_take_connections_once_listening() -> None:
    import socket

    from pcfgraph.http.prefork import listening_sockets

    first, second = listening_sockets("127.0.0.1", 0, 2)
    try:
        port = first.getsockname()[1]
        assert second.getsockname()[1] == port
        probe = socket.socket()
        try:  # bound, not listening: a worker still starting takes no connection
            assert probe.connect_ex(("127.0.0.1", port)) != 0
        finally:
            probe.close()
        for sock in (first, second):
            sock.listen(64)
            sock.setblocking(False)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        accepted = {first: 0, second: 0}
        time.sleep(0.2)
        for sock in (first, second):
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                accepted[sock] += 1
        for c in clients:
            c.close()
        assert sum(accepted.values()) == 40
        assert min(accepted.values()) > 0  # spread by the kernel, not all on one worker
    finally:
        first.close()
        second.close()


def test_a_worker_that_hangs_does_not_keep_the_server_from_stopping(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    # The graceful bound from the setting (10 s by default): killed STOP_MARGIN_SECONDS after it.
    server = ServeProcess(rel, tmp_path / "server.log", graceful_stop_seconds=0.5).start()
    try:
        hung, other = children_of(server.pid)
        os.kill(hung, signal.SIGSTOP)  # it cannot act on SIGTERM any more
        server.signal(signal.SIGTERM)
        assert server.proc is not None
        assert server.proc.wait(timeout=180) == 0, server.log()[-2000:]
        assert f"did not stop in {0.5 + STOP_MARGIN_SECONDS:g} s: killed" in server.log()
        # the hard kill reported as such, the other worker's graceful stop as a stop
        assert f"(pid {hung}) exited with -9 while stopping" in server.log()
        assert f"(pid {other}) stopped" in server.log()
        for pid in (hung, other):
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid)
    finally:
        server.stop()


def _signals(pid: int, field: str) -> int:
    """A signal mask of ``pid`` (``SigCgt``: caught, ``ShdPnd``: pending for the process)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.strip(), 16)
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def _has(mask: int, sig: int) -> bool:
    return bool(mask >> (sig - 1) & 1)


def _workers_stopped_while_starting(server: ServeProcess) -> list[int] | None:
    """Start ``server`` and stop both its workers (SIGSTOP) as soon as they are forked; their
    pids if neither had its reload handlers in yet (both still starting), else None."""
    with open(server.log_path, "ab") as log:
        server.proc = server._spawn(log)
    deadline = time.monotonic() + 240
    while len(children_of(server.pid)) < 2:
        if server.proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no two workers: {server.log()[-3000:]}")
        time.sleep(0.005)
    workers = children_of(server.pid)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    caught = [_signals(pid, "SigCgt") for pid in workers]
    if any(_has(mask, signal.SIGHUP) or _has(mask, PASS_ON_SIGNAL) for mask in caught):
        return None
    return workers


def test_a_reload_asked_for_while_the_workers_start_is_made_once_they_are_ready(
    tmp_path: Path,
) -> None:
    """An operator publishes a release and sends SIGHUP right after a (re)start: the reload
    is made once the workers can (it was ignored by a worker still starting, which kept
    serving the old release), answered and counted once, as any reload of the server."""
    rel = tmp_path / "rel"
    first = publish(rel)
    for attempt in range(3):  # the workers start in about 0.5 s: caught before that
        server = ServeProcess(rel, tmp_path / f"server-{attempt}.log")
        try:
            workers = _workers_stopped_while_starting(server)
        except BaseException:
            server.stop()
            raise
        if workers is not None:
            break
        server.stop()
    else:
        raise AssertionError("the workers were ready before the test could stop them")
    try:
        second = publish(rel, variant=2)
        server.signal(signal.SIGHUP)
        # the supervisor forwards it to one worker, where it waits (pending) until the
        # worker's app can make it
        wait_for(
            "the SIGHUP waits in a worker still starting",
            lambda: any(_has(_signals(pid, "ShdPnd"), signal.SIGHUP) for pid in workers),
            server,
            seconds=30,
        )
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        wait_reloaded_everywhere(server, second, "SIGHUP")  # published during the start
        for _ in range(6):
            ready = httpx.get(server.url + "/ready", timeout=60)
            assert ready.status_code == 200 and ready.json()["release_id"] == second
        assert reloads_counted(server) == {"success": 1, "failure": 0}
        assert first != second
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        server.stop()


def _ignored(server: LiveServer, what: str) -> int:
    """How many times the server logged a reload signal (``what``: its name and kind, as
    logged) ignored while it stopped."""
    return server.log().count(f"{what} ignored: the server is stopping")


def _chunk(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked request body (empty: the last one)."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_a_reload_signal_during_a_graceful_stop_is_ignored(tmp_path: Path) -> None:
    """SIGTERM, then SIGHUP (to the server and to each worker: a terminal hung up on the
    process group) and a reload passed on, while a request is in flight: the request the
    graceful stop waits for completes, no reload begins (nor ends a worker whose app has
    stopped: the signal's default action), each signal is logged as ignored, the server
    exits 0. The request is in flight for as long as the test holds back the rest of its body."""
    rel = tmp_path / "rel"
    publish(rel)
    server = ServeProcess(rel, tmp_path / "server.log").start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        workers = children_of(server.pid)
        body = b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Accept", "application/sparql-results+json")
        conn.putheader("Transfer-Encoding", "chunked")  # the ASGI way: counted in flight
        conn.endheaders()
        conn.send(_chunk(body[:6]))
        with httpx.Client(base_url=server.url, timeout=60) as client:
            wait_until_in_flight(client, 1)
        server.signal(signal.SIGTERM)
        wait_for(
            "the worker holding the request drains it",
            lambda: "Waiting for connections to close" in server.log(),
            server,
        )
        server.signal(signal.SIGHUP)
        for pid in workers:  # the one draining, and the other one, stopped or stopping
            for sig in (signal.SIGHUP, PASS_ON_SIGNAL):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        wait_for(
            "the supervisor and the draining worker log each signal as ignored",
            lambda: (
                _ignored(server, "SIGHUP (a reload of the server)") == 1
                and _ignored(server, "SIGHUP (a reload)") >= 1
                and _ignored(server, "SIGUSR1 (a reload passed on)") >= 1
            ),
            server,
            seconds=30,
        )
        conn.send(_chunk(body[6:]) + _chunk(b""))
        answer = conn.getresponse()
        assert answer.status == 200, answer.read()
        assert json.loads(answer.read())["boolean"] is True
        assert server.proc is not None
        assert server.proc.wait(timeout=60) == 0, server.log()[-3000:]
        assert "reload (" not in server.log()  # none began, in any process
    finally:
        conn.close()
        server.stop()
