"""Fairness between clients (issue 14 item 7), against a live server.

Two heavy clients flood ad-hoc SPARQL with queries that run to their deadline; a light client
(another loopback address: clients are told apart by address) keeps getting its cheap ad-hoc
queries, named queries and GraphQL answered in under a second each. Before the fix two slow
queries made every cheap one wait about 10 s, and eight in flight answered 503 to everyone.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from ops_support import MINI, LiveServer, publish

from .conftest import client_from
from .test_sparql_attacks import SPARQL_JSON, assert_problem, sparql

FAIR_LIMITS = {
    "query_timeout": 3.0,
    "query_workers": 2,
    "worker_memory_mb": 768,
    "max_concurrent_expensive": 8,
    "max_concurrent_per_client": 2,
}
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: ``RAND()`` keeps it out of the response cache: every light query goes through the pool.
CHEAP = "SELECT ?s (RAND() AS ?r) WHERE { ?s ?p ?o } LIMIT 3"


@pytest.fixture(scope="module")
def fair_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("fairness")
    publish(root / "rel")
    srv = LiveServer(root / "rel", root / "server.log", **FAIR_LIMITS).start()
    yield srv
    srv.stop()


class Flood:
    """``threads`` threads sending the heavy query back to back from one address."""

    def __init__(self, server: LiveServer, address: str, threads: int) -> None:
        self.server, self.address = server, address
        self.statuses: Counter[int] = Counter()
        self.answered = threading.Event()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self) -> None:
        with client_from(self.server, self.address) as c:
            while not self.stop.is_set():
                r = sparql(c, HEAVY)
                self.statuses[r.status_code] += 1
                if r.status_code == 503:
                    self.answered.set()  # a query ran (or waited) to its deadline
                if r.status_code == 429:
                    time.sleep(0.2)

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


@pytest.mark.timeout(600)
def test_a_light_client_is_served_while_two_heavy_clients_flood(fair_server: LiveServer) -> None:
    """Each light request under 1 s; on a machine so loaded that the same requests take more
    than 0.1 s (median) with no attack at all, 10x that median, never more than 2 s: an
    unfair server makes them wait for a heavy query's 3 s deadline."""
    with client_from(fair_server, "127.0.0.4") as light:
        assert sparql(light, CHEAP, timeout=60).status_code == 200  # connection, warm worker
        quiet = []
        for _ in range(5):
            t0 = time.monotonic()
            assert sparql(light, CHEAP).status_code == 200
            quiet.append(time.monotonic() - t0)
    bound = min(2.0, max(1.0, 10 * sorted(quiet)[2]))
    floods = [Flood(fair_server, "127.0.0.2", 3), Flood(fair_server, "127.0.0.3", 3)]
    try:
        for f in floods:  # both heavy clients have had a query run to its deadline
            assert f.answered.wait(120), f.statuses
        with client_from(fair_server, "127.0.0.4") as light:
            # Not timed: the connection, and the first two deadlines killing both workers at
            # once (before either client was known as slow) while their replacements load
            # (on a loaded machine that can outlast a query's deadline: 503, try again).
            give_up = time.monotonic() + 120
            while sparql(light, CHEAP, timeout=60).status_code != 200:
                assert time.monotonic() < give_up, "no answer to the light client in 120 s"
            for n in range(12):
                kind = ("sparql", "named", "graphql")[n % 3]
                t0 = time.monotonic()
                if kind == "sparql":
                    r = sparql(light, CHEAP)
                    ok = r.status_code == 200 and len(r.json()["results"]["bindings"]) == 3
                elif kind == "named":
                    r = light.get(
                        "/queries/api/descendants",
                        params={"element": MINI + "R"},
                        headers={"Accept": SPARQL_JSON},
                    )
                    ok = r.status_code == 200 and "results" in r.json()
                else:
                    r = light.post("/graphql", json={"query": "{ frameworks { id } }"})
                    ok = r.status_code == 200 and r.json()["data"]["frameworks"]
                elapsed = time.monotonic() - t0
                assert ok, (kind, r.status_code, r.text[:300])
                assert elapsed < bound, (kind, elapsed, bound, [f.statuses for f in floods])
                time.sleep(0.2)
    finally:
        for f in floods:
            f.join()
    for f in floods:
        # Each heavy client ran queries to the deadline and was held to two in progress.
        assert f.statuses[503] >= 1 and f.statuses[429] >= 1, f.statuses
        assert set(f.statuses) <= {503, 429}, f.statuses
    assert "Traceback" not in fair_server.log()


def pool_gauge(client: httpx.Client, name: str) -> float:
    line = next(
        x
        for x in client.get("/metrics").text.splitlines()
        if x.startswith(f"pcfgraph_pool_{name} ")
    )
    return float(line.split()[1])


def test_past_its_own_limit_a_client_gets_429_naming_the_setting(fair_server: LiveServer) -> None:
    done: list[httpx.Response] = []

    def heavy() -> None:
        with client_from(fair_server, "127.0.0.5") as c:
            done.append(sparql(c, HEAVY))

    threads = [threading.Thread(target=heavy) for _ in range(2)]
    for t in threads:
        t.start()
    with client_from(fair_server, "127.0.0.6") as other:
        while pool_gauge(other, "pending") < 2:  # both heavy queries admitted
            assert any(t.is_alive() for t in threads)
            time.sleep(0.05)
    with client_from(fair_server, "127.0.0.5") as c:
        r = sparql(c, CHEAP)
    assert_problem(r, 429, "too-many-requests")
    assert "max_concurrent_per_client" in r.json()["detail"]
    assert int(r.headers["retry-after"]) >= 1
    with client_from(fair_server, "127.0.0.6") as other:
        # The limit is per client: another one is admitted (and normally answered at once,
        # unless a worker killed by the previous test is still being replaced).
        r = sparql(other, CHEAP)
        assert r.status_code == 200 or r.json()["code"] == "query-timeout", r.text
    for t in threads:
        t.join(timeout=30)
    assert [x.status_code for x in done] == [503, 503]
