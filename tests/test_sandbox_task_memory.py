"""A task's outcome never depends on earlier tasks: a worker whose memory grew past
``worker_recycle_mb`` (or whose task ran out of memory) is replaced before its next task,
and every task gets the same memory budget."""

from __future__ import annotations

import time

import httpx
from sparql_support import endpoint_settings, live_server

#: A query whose evaluation holds a few tens of MiB of strings (grows the worker).
GROW = (
    "SELECT (COUNT(?big) AS ?n) WHERE { VALUES ?i { "
    + " ".join(str(i) for i in range(400))
    + " } BIND(CONCAT(STRUCT_PLACEHOLDER, STR(?i)) AS ?big) }"
).replace("STRUCT_PLACEHOLDER", '"' + "x" * 100_000 + '"')
SMALL = "ASK { ?s ?p ?o }"
#: The deadline of these servers' queries: no test here is about it. A worker retired for its
#: memory is replaced by one that starts after it retires (capacity drops meanwhile), and a
#: query's deadline counts its wait for a worker: with endpoint_settings' 2 s, the third
#: growing query waited for the first replacement and was answered 503 query-timeout when a
#: worker's start took 2.5 s (a slow or loaded machine) instead of its usual 0.1 s.
DEADLINE = 120.0


def wait_for(pool: object, workers: int) -> None:
    deadline = time.monotonic() + 60
    while len(pool.pids()) < workers and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)


def test_a_worker_that_grew_past_the_mark_is_replaced_and_answers_do_not_change() -> None:
    # The response cache and in-process evaluation off: every request runs its (same) query
    # in a worker.
    settings = endpoint_settings(
        query_timeout=DEADLINE,
        worker_recycle_mb=1,
        query_workers=2,
        max_body_bytes=1 << 20,
        sparql_cache_mb=0,
        sparql_inprocess_work=0,
    )
    with live_server(settings) as (url, app):
        pool = app.state.pcf.pool
        wait_for(pool, 2)
        with httpx.Client(base_url=url, timeout=DEADLINE + 60) as client:
            bodies = set()
            seen: set[int] = set(pool.pids())
            for _ in range(4):
                r = client.post("/sparql", data={"query": GROW})
                assert r.status_code == 200, r.text[:300]
                bodies.add(r.text)
                wait_for(pool, 2)
                seen |= set(pool.pids())
            assert len(bodies) == 1  # the same answer every time
            assert pool.stats()["recycled"] >= 3  # each growing task retired its worker
            assert len(seen) >= 5  # fresh processes took over
            assert client.get("/sparql", params={"query": SMALL}).status_code == 200


def test_small_tasks_do_not_recycle() -> None:
    settings = endpoint_settings(
        query_timeout=DEADLINE,
        worker_recycle_mb=256,
        query_workers=2,
        sparql_cache_mb=0,
        sparql_inprocess_work=0,
    )
    with live_server(settings) as (url, app):
        pool = app.state.pcf.pool
        wait_for(pool, 2)
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(10):
                assert client.get("/sparql", params={"query": SMALL}).status_code == 200
        assert pool.stats()["recycled"] == 0
