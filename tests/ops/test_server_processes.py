"""``pcfgraph serve --http-workers 2`` is one server, not two: the sandbox workers are split
(``query_workers`` in all), the admission limits hold across the processes and ``/metrics``
sums them all (pcfgraph.server_processes, pcfgraph.sandbox.admission,
pcfgraph.api.metrics_peers). The live tests place each client connection on a known worker
process (from ``/proc``) so that a limit kept per process would show."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_support import LiveServer, ServeProcess, children_of, publish
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.parser import text_string_to_metric_families

from pcfgraph.api.metrics_peers import Summed, families
from pcfgraph.sandbox.admission import Admission, SharedCounts
from pcfgraph.server_processes import ServerProcesses

#: Never finishes on the test release (864 quads: 864**4 rows): runs to its deadline.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# --- the shared admission counts, across real forked processes ------------------------------


def _hold(shared: SharedCounts, client: str, times: int, entered: object, release: object) -> None:
    for _ in range(times):
        assert shared.enter(client, 3, 2)[0] == ""
    entered.set()  # type: ignore[attr-defined]
    release.wait(60)  # type: ignore[attr-defined]
    for _ in range(times):
        shared.leave(client)


def test_shared_counts_hold_across_forked_processes() -> None:
    shared = SharedCounts(4)
    context = multiprocessing.get_context("fork")
    entered, release = context.Event(), context.Event()
    child = context.Process(target=_hold, args=(shared, "10.0.0.1", 2, entered, release))
    child.start()
    try:
        assert entered.wait(60)
        assert shared.total == 2 and shared.count("10.0.0.1") == 2
        here = Admission(3, 2, shared)
        # the child's two tasks count here: the client is at its limit ...
        with pytest.raises(Exception, match="max_concurrent_per_client") as err:
            here.enter("10.0.0.1")
        assert type(err.value).__name__ == "TooManyRequests"
        # ... another client takes the third (last) slot, and a fourth finds the server full
        here.enter("10.0.0.2")
        with pytest.raises(Exception, match="too many expensive requests") as err:
            here.enter("10.0.0.3")
        assert type(err.value).__name__ == "Overloaded"
        assert here.pending == 1 and shared.total == 3
    finally:
        release.set()
        child.join(60)
    assert child.exitcode == 0
    assert shared.total == 1 and shared.count("10.0.0.1") == 0
    here.leave("10.0.0.2")
    assert shared.total == 0 and here.pending == 0


def test_the_last_slot_is_kept_for_a_newcomer_in_shared_counts() -> None:
    shared = SharedCounts(3)
    assert shared.enter("a", 2, 0) == ("", 0)
    assert shared.enter("a", 2, 0) == ("full", 1)  # a's second would take the last slot
    assert shared.enter("b", 2, 0) == ("", 0)  # a newcomer gets it
    shared.leave("a")
    shared.leave("b")
    assert shared.total == 0


def test_sandbox_workers_are_split_between_processes() -> None:
    def shares(total: int, count: int) -> list[int]:
        processes = ServerProcesses.create(count, max_pending=8, sandbox_workers=total)
        try:
            found = []
            for number in range(1, count + 1):
                processes.number = number
                found.append(processes.sandbox_workers(total))
            return found
        finally:
            processes.close()

    assert shares(2, 2) == [1, 1]
    assert shares(5, 2) == [3, 2]
    assert shares(4, 4) == [1, 1, 1, 1]
    assert shares(2, 3) == [1, 1, 1]  # at least one each


def test_summed_metrics_add_counts_and_keep_what_describes_the_server() -> None:
    def process(requests: int, quads: int) -> CollectorRegistry:
        registry = CollectorRegistry()
        counter = Counter("t_requests_total", "r", ("route",), registry=registry)
        counter.labels("/a").inc(requests)
        Histogram("t_seconds", "s", buckets=(1.0,), registry=registry).observe(0.5)
        Gauge("pcfgraph_release_quads", "q", registry=registry).set(quads)
        return registry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Summed(families(process(3, 10)), [families(process(4, 99))]))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for m in registry.collect()
        for s in m.samples
    }
    assert samples[("t_requests_total", (("route", "/a"),))] == 7
    assert samples[("t_seconds_count", ())] == 2
    assert samples[("t_seconds_bucket", (("le", "1.0"),))] == 2
    assert samples[("pcfgraph_release_quads", ())] == 10  # the scraped process's own
    assert samples[("pcfgraph_http_processes", ())] == 2


# --- a live server of two processes ----------------------------------------------------------


def _server_side_inode(server_port: int, client: tuple[str, int]) -> int | None:
    """The inode of the server's end of the loopback connection from ``client``."""
    host = "".join(f"{int(part):02X}" for part in reversed(client[0].split(".")))
    remote = f"{host}:{client[1]:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{server_port:04X}") and fields[2] == remote:
            return int(fields[9])
    return None


def worker_of(conn: http.client.HTTPConnection, server: LiveServer, workers: list[int]) -> int:
    """Which worker process accepted ``conn`` (waits for the accept on a slow machine)."""
    assert conn.sock is not None
    client = conn.sock.getsockname()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        inode = _server_side_inode(server.port, client)
        if inode:
            target = f"socket:[{inode}]"
            for pid in workers:
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    try:
                        if fd.readlink().as_posix() == target:
                            return pid
                    except OSError:
                        continue
        time.sleep(0.05)
    raise AssertionError(f"no worker accepted the connection from {client}")


def placed(
    server: LiveServer, workers: list[int], sources: list[str], per_worker: int
) -> list[http.client.HTTPConnection]:
    """``per_worker`` open connections on each worker; ``sources``: their client addresses in
    turn (one address each, or the same one repeated)."""
    kept: dict[int, list[http.client.HTTPConnection]] = {pid: [] for pid in workers}
    spare = []
    tries = 0
    while not all(len(c) >= per_worker for c in kept.values()):
        tries += 1
        if tries > 200:
            raise AssertionError("connections not spread over both workers in 200 tries")
        source = sources[sum(len(c) for c in kept.values()) % len(sources)]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.source_address = (source, 0)
        conn.connect()
        pid = worker_of(conn, server, workers)
        (kept[pid] if len(kept[pid]) < per_worker else spare).append(conn)
    for conn in spare:
        conn.close()
    return [conn for pid in workers for conn in kept[pid]]


def ask_at_once(conns: list[http.client.HTTPConnection], query: str) -> list[tuple[int, str]]:
    """The same query on every connection at the same time: (status, problem code) each."""
    answers: list[tuple[int, str]] = [(0, "")] * len(conns)
    start = threading.Barrier(len(conns))

    def one(index: int, conn: http.client.HTTPConnection) -> None:
        start.wait()
        conn.request("POST", "/sparql", body=query, headers=_SPARQL_POST)
        reply = conn.getresponse()
        body = reply.read()
        code = json.loads(body).get("code", "") if reply.status >= 400 else ""
        answers[index] = (reply.status, code)

    threads = [threading.Thread(target=one, args=(i, c)) for i, c in enumerate(conns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return answers


_SPARQL_POST = {
    "Content-Type": "application/sparql-query",
    "Accept": "application/sparql-results+json",
}


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, list]]:
    base = tmp_path_factory.mktemp("two-processes")
    publish(base / "rel")
    server = ServeProcess(
        base / "rel",
        base / "server.log",
        query_timeout=8,
        query_workers=2,
        max_concurrent_expensive=3,
        max_concurrent_per_client=2,
    ).start()
    try:
        workers = children_of(server.pid)
        assert len(workers) == 2, server.log()[-2000:]
        deadline = time.monotonic() + 120
        while not all(children_of(pid) for pid in workers):  # /ready: one may still start
            assert time.monotonic() < deadline, server.log()[-2000:]
            time.sleep(0.2)
        yield server, workers
    finally:
        server.stop()


def _codes(answers: list[tuple[int, str]]) -> list[str]:
    return sorted(code for _, code in answers)


def test_sandbox_workers_total_query_workers(two_processes: tuple[LiveServer, list]) -> None:
    server, workers = two_processes
    sandboxes = [children_of(pid) for pid in workers]
    # one each: query_workers (2) in all, not 2 per HTTP process
    deadline = time.monotonic() + 60
    while [len(s) for s in sandboxes] != [1, 1] and time.monotonic() < deadline:
        time.sleep(0.2)  # a replacement after an earlier test's timeout may still be starting
        sandboxes = [children_of(pid) for pid in workers]
    assert [len(s) for s in sandboxes] == [1, 1], server.log()[-2000:]


def test_per_client_limit_holds_across_processes(two_processes: tuple[LiveServer, list]) -> None:
    server, workers = two_processes
    conns = placed(server, workers, ["127.0.0.21"], per_worker=2)
    try:
        answers = ask_at_once(conns, ENDLESS)
    finally:
        for conn in conns:
            conn.close()
    # four at once from one client over both processes: its limit (2) for the whole server
    assert _codes(answers) == ["query-timeout"] * 2 + ["too-many-requests"] * 2, answers
    assert sorted(status for status, _ in answers) == [429, 429, 503, 503]


def test_server_limit_holds_across_processes(two_processes: tuple[LiveServer, list]) -> None:
    server, workers = two_processes
    sources = ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"]
    conns = placed(server, workers, sources, per_worker=2)
    try:
        answers = ask_at_once(conns, ENDLESS)
    finally:
        for conn in conns:
            conn.close()
    # four clients at once over both processes: max_concurrent_expensive (3) for the server
    assert _codes(answers) == ["overloaded"] + ["query-timeout"] * 3, answers


def _scrape(server: LiveServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request("GET", "/metrics")
        reply = conn.getresponse()
        assert reply.status == 200
        text = reply.read().decode()
    finally:
        conn.close()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_sum_every_process(two_processes: tuple[LiveServer, list]) -> None:
    server, workers = two_processes
    ok = (
        "pcfgraph_http_requests_total",
        (("method", "GET"), ("route", "/sparql"), ("status", "200")),
    )
    count = ("pcfgraph_http_request_duration_seconds_count", (("route", "/sparql"),))
    before = _scrape(server)
    assert before[("pcfgraph_http_processes", ())] == 2
    conns = placed(server, workers, ["127.0.0.41"], per_worker=3)
    try:
        for conn in conns:
            for _ in range(2):
                conn.request("GET", "/sparql?query=ASK%7B%7D", headers=_SPARQL_POST)
                reply = conn.getresponse()
                assert reply.status == 200 and json.loads(reply.read())["boolean"] is True
    finally:
        for conn in conns:
            conn.close()
    after = _scrape(server)
    # 12 requests, six on each process: one scrape (reaching either) counts all of them
    assert after.get(ok, 0) - before.get(ok, 0) == 12
    assert after.get(count, 0) - before.get(count, 0) == 12
    assert after[("pcfgraph_pool_workers", ())] == 2  # the server's sandbox workers in all
    assert after[("pcfgraph_http_processes", ())] == 2
    info = [v for (name, _), v in after.items() if name == "pcfgraph_release_info"]
    assert info == [1.0]  # the release served: the scraped process's own, not a sum
    # memory: RSS summed counts the pages the processes share (forked from one loaded app)
    # once per process; PSS divides each shared page among its sharers, so it sums to less
    rss = after[("pcfgraph_process_resident_memory_bytes", ())]
    pss = after[("pcfgraph_process_proportional_memory_bytes", ())]
    assert 0 < pss < rss


def test_waiting_for_a_thread_is_capped_for_the_server() -> None:
    """Two processes' slots (one table here): the cap on queries waiting for an in-process
    thread counts the waiters of both."""
    import asyncio

    from pcfgraph.query_slots import QuerySlots

    async def scenario() -> tuple[bool, bool, int]:
        shared = SharedCounts(4)
        first, second = QuerySlots(1, 1), QuerySlots(1, 1)
        first.shared = second.shared = shared
        assert first.try_take() and second.try_take()  # both threads busy
        waiting = asyncio.ensure_future(first.take(10, 60))
        await asyncio.sleep(0)
        assert shared.waiting == 1
        refused = await second.take(10, 60)  # the server's one waiting place is taken
        first.release()  # the waiter gets the thread
        granted = await waiting
        return refused, granted, shared.waiting

    refused, granted, left = asyncio.run(scenario())
    assert refused is False and granted is True and left == 0


class DefaultServe(ServeProcess):
    """``pcfgraph serve`` without ``--http-workers``."""

    serve_args = ()


def _is_sandbox(pid: int) -> bool:
    return b"pcfgraph.sandbox" in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_serve_uses_every_cpu_available_by_default(tmp_path: Path) -> None:
    import os

    from pcfgraph.serving import MAX_AUTO_HTTP_WORKERS

    cpus = min(len(os.sched_getaffinity(0)), MAX_AUTO_HTTP_WORKERS)
    publish(tmp_path / "rel")
    server = DefaultServe(tmp_path / "rel", tmp_path / "server.log", query_workers=2).start()
    try:
        children = children_of(server.pid)
        http = [pid for pid in children if not _is_sandbox(pid)]
        assert len(http) == (cpus if cpus > 1 else 0), server.log()[-2000:]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the others may still be starting their pools
            sandboxes = [c for pid in http or [server.pid] for c in children_of(pid)]
            if len([c for c in sandboxes if _is_sandbox(c)]) == max(2, cpus):
                break
            time.sleep(0.2)
        # query_workers (2) in all, or one per process when there are more processes
        assert len([c for c in sandboxes if _is_sandbox(c)]) == max(2, cpus), sandboxes
        if cpus > 1:
            assert _scrape(server)[("pcfgraph_http_processes", ())] == cpus
    finally:
        server.stop()


def _die_holding_the_lock(shared: SharedCounts) -> None:
    import os
    import signal

    shared._lock.acquire()  # as if killed inside a count update
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_process_killed_holding_the_lock_does_not_hang_the_others() -> None:
    from pcfgraph.errors import Overloaded

    shared = SharedCounts(2)
    child = multiprocessing.get_context("fork").Process(
        target=_die_holding_the_lock, args=(shared,)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -9
    # the others answer (503, then the supervisor stops the server) instead of hanging
    with pytest.raises(Overloaded, match="stopping"):
        Admission(3, 2, shared).enter("10.0.0.1")
