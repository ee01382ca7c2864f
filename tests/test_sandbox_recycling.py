"""Sandbox workers are recycled after ``worker_max_tasks`` tasks without losing capacity.

A live server (real worker processes) with a tiny task budget: answers stay right while the
workers are replaced underneath, the pool never shrinks, and the metric counts recyclings.
"""

from __future__ import annotations

import time

import httpx
import pyoxigraph as ox
from sparql_support import endpoint_settings, fixture_store, live_server

from pcfgraph import iris

SKOS = "http://www.w3.org/2004/02/skos/core#"
QUERY = (
    f"PREFIX skos: <{SKOS}>\n"
    f"SELECT ?e ?code WHERE {{ ?e skos:inScheme <{iris.ID_BASE}framework/alpha> ; "
    "skos:notation ?code }"
)


def _expected() -> set[tuple[str, str]]:
    store = fixture_store().store
    return {
        (row["e"].value, row["code"].value)
        for row in store.query(QUERY, use_default_graph_as_union=True)
        if isinstance(row["e"], ox.NamedNode) and isinstance(row["code"], ox.Literal)
    }


def test_workers_are_replaced_after_their_task_budget_and_answers_stay_right() -> None:
    expected = _expected()
    assert expected
    # The response cache and in-process evaluation off: every request runs its (same) query
    # in a worker.
    settings = endpoint_settings(
        worker_max_tasks=3, query_workers=2, sparql_cache_mb=0, sparql_inprocess_work=0
    )
    with live_server(settings) as (url, app):
        pool = app.state.pcf.pool
        first = set(pool.pids())
        assert len(first) == 2
        seen: set[int] = set(first)
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(24):
                r = client.get("/sparql", params={"query": QUERY})
                assert r.status_code == 200, r.text
                rows = {
                    (b["e"]["value"], b["code"]["value"]) for b in r.json()["results"]["bindings"]
                }
                assert rows == expected
                seen |= set(pool.pids())
                assert len(pool.pids()) >= 2  # the old worker serves until the new one is up
            deadline = time.monotonic() + 30
            while pool.stats()["recycled"] < 2 and time.monotonic() < deadline:
                client.get("/sparql", params={"query": QUERY})
                time.sleep(0.05)
            assert pool.stats()["recycled"] >= 2
            assert len(seen) > 2  # new processes took over
            deadline = time.monotonic() + 15
            while len(pool.pids()) != 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # retired workers are reaped in the background
            assert len(pool.pids()) == 2
            metrics = client.get("/metrics").text
            line = next(
                x for x in metrics.splitlines() if x.startswith("pcfgraph_pool_recycled_total")
            )
            assert float(line.split()[-1]) >= 2
