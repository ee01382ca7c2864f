"""The pool's reserve against a client *known* to send slow work, end to end (issue 14 item 7):
the last idle sandbox worker goes only to a client with nothing running and no slow task in
the last minute (:mod:`pcfgraph.sandbox.fairness`); the fake-clock unit tests in
``tests/test_sandbox_fairness.py`` cover the rule's arithmetic, this shows it on a live server.

A client's task is slow once it holds its worker for half its deadline. Here client A's upload
runs to its 2 s deadline because its worker is stopped (SIGSTOP): held to the deadline on any
machine, however fast or loaded, so A is marked slow without a wall-clock bet. Then heavy
client B holds one of the two workers with a query whose 600 s deadline no test reaches, and A,
with nothing running, sends a cheap query: it WAITS although a worker is idle, while client C,
with a clean record, is answered by that idle worker past it. Everything is read from the
pool's own gauges and counters in ``/metrics``; the only clock is the rule's own one-minute
memory, which the test checks it stayed within (rather than assert anything on time).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ops_support import LiveServer

from pcfgraph.sandbox.fairness import REMEMBER_SECONDS

from .conftest import client_from, lowest_priority, own_server, sandbox_workers, until
from .test_client_fairness import CHEAP, HEAVY
from .test_sparql_attacks import assert_problem, sparql

LIMITS = {
    # B's query outlives the test (the fixture stops the server to end it) ...
    "query_timeout": 600.0,
    # ... while A's upload is stopped at its deadline, which marks A slow (held >= 1 s).
    "validate_timeout": 2.0,
    "query_workers": 2,
    "worker_memory_mb": 768,
    "max_concurrent_expensive": 8,
    "max_concurrent_per_client": 2,
    "sparql_inprocess_work": 0,  # every ad-hoc query goes to a sandbox worker
}
MODEL = (
    b"@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    b"<https://example.org/it> a orgm:Organisation .\n"
)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with own_server(tmp_path, LIMITS) as srv:
        yield srv


@contextlib.contextmanager
def stopped(pids: list[int]) -> Iterator[None]:
    """The processes stopped (SIGSTOP) for the block, continued after it (those still alive)."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


class Background:
    """One request sent from its own thread; ``status`` once answered (0: no answer)."""

    def __init__(self, server: LiveServer, address: str, query: str) -> None:
        self.status: int | None = None
        self.answered = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(server, address, query), daemon=True)
        self.thread.start()

    def _run(self, server: LiveServer, address: str, query: str) -> None:
        with client_from(server, address, timeout=None) as c:  # type: ignore[arg-type]
            try:
                self.status = sparql(c, query).status_code
            except httpx.HTTPError:
                self.status = 0
        self.answered.set()


@pytest.mark.timeout(600)
def test_a_recently_slow_client_waits_for_a_second_idle_worker(server: LiveServer) -> None:
    heavy = cheap = None
    try:
        with client_from(server, "127.0.0.6") as observer:
            until(observer, lambda n: n["workers"] == 2 and n["busy"] == 0)
            # A's upload in a stopped worker: answered 503 at its deadline, A marked slow.
            with stopped(sandbox_workers(server)), client_from(server, "127.0.0.7") as a:
                r = a.post("/validate", content=MODEL, headers={"Content-Type": "text/turtle"})
            marked = time.monotonic()
            assert_problem(r, 503, "query-timeout")
            # B holds one worker (its query never ends here); the other one is idle.
            heavy = Background(server, "127.0.0.8", HEAVY)
            held = until(observer, lambda n: n["workers"] == 2 and n["busy"] == 1)
            assert (held["waiting"], held["timeouts_total"]) == (0, 1), held
            lowest_priority(server)  # the stopped worker's replacement too
            # A has nothing running, yet its cheap query waits although a worker is idle.
            cheap = Background(server, "127.0.0.7", CHEAP)
            waits = until(observer, lambda n: n["waiting"] == 1 or cheap.answered.is_set())
            assert not cheap.answered.is_set(), ("A was served", cheap.status)
            assert (waits["workers"], waits["busy"], waits["waiting"]) == (2, 1, 1), waits
            # C, with a clean record, is answered by that idle worker, past A's query.
            with client_from(server, "127.0.0.9") as c:
                r = sparql(c, CHEAP)
            assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 3, r.text
            after = until(observer, lambda n: n["busy"] == 1)
            elapsed = time.monotonic() - marked
        if elapsed >= REMEMBER_SECONDS:  # not a bound: past it, A is no longer slow
            pytest.skip(f"the machine took {elapsed:.0f} s, past the rule's memory")
        assert not cheap.answered.is_set() and not heavy.answered.is_set()
        assert after["tasks_total"] - waits["tasks_total"] == 1, (waits, after)  # C's alone
        assert (after["waiting"], after["timeouts_total"], after["crashes_total"]) == (1, 1, 0)
    finally:
        server.stop()  # ends B's and A's queries
        for request in (heavy, cheap):
            if request is not None:
                request.thread.join(timeout=60)
