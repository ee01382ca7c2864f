"""The ``/sparql`` response cache: ETag, ``If-None-Match`` -> 304, Vary, and a new release.

A live server with real sandbox workers; whether a query ran is read from the pool's task
counter, answers are compared with the embedded store's as sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_support import publish
from sparql_support import endpoint_settings, fixture_release, fixture_store, live_server

from pcfgraph import iris
from pcfgraph.api.sparql_cache import (
    CachedAnswer,
    ResponseCache,
    cache_key,
    deterministic,
    entry_size,
    etag_for,
)
from pcfgraph.api.sparql_local import LocalEvaluator
from pcfgraph.config import Settings
from pcfgraph.http.conditional import matches
from pcfgraph.serving import create_app

SKOS = "http://www.w3.org/2004/02/skos/core#"
ALPHA = iris.ID_BASE + "framework/alpha"
CODES = (
    f"PREFIX skos: <{SKOS}>\n"
    f"SELECT ?e ?code WHERE {{ ?e skos:inScheme <{ALPHA}> ; skos:notation ?code }}"
)
JSON = "application/sparql-results+json"
CSV = "text/csv"
TOKEN = "cache-test-token"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, FastAPI]]:
    with live_server(endpoint_settings()) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: tuple[str, FastAPI]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=30) as c:
        yield c


def tasks(app: FastAPI) -> int:
    """Runs of a query: sandbox worker tasks and queries answered in-process."""
    local = app.state.pcf.caches.sparql_local.get(lambda: None)
    in_process = local.counters["in_process"] if isinstance(local, LocalEvaluator) else 0
    return int(app.state.pcf.pool.counters["tasks"]) + int(in_process)


def rows(body: bytes) -> set[tuple[Any, ...]]:
    res = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(res, ox.QuerySolutions)
    names = [v.value for v in res.variables]
    return {tuple(sol[n] for n in names) for sol in res}


def expected(query: str) -> set[tuple[Any, ...]]:
    res = fixture_store().store.query(query, use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    names = [v.value for v in res.variables]
    return {tuple(sol[n] for n in names) for sol in res}


def test_a_repeated_query_is_answered_from_the_cache(
    client: httpx.Client, server: tuple[str, FastAPI]
) -> None:
    query = CODES + " # repeated"
    before = tasks(server[1])
    first = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert first.status_code == 200
    assert tasks(server[1]) == before + 1
    second = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert second.status_code == 200
    assert tasks(server[1]) == before + 1  # not run again
    assert rows(second.content) == rows(first.content) == expected(CODES)
    assert second.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"].startswith('W/"')
    assert second.headers["content-type"] == first.headers["content-type"]
    assert "Accept" in second.headers["vary"]
    # POST of the same query: the same answer from the cache, without a validator.
    post = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
    assert post.status_code == 200 and rows(post.content) == expected(CODES)
    assert tasks(server[1]) == before + 1
    assert "etag" not in post.headers


def test_if_none_match_gives_304_without_running_the_query(
    client: httpx.Client, server: tuple[str, FastAPI]
) -> None:
    query = CODES + " # conditional"
    first = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    etag = first.headers["etag"]
    before = tasks(server[1])
    for header in (etag, etag.removeprefix("W/"), f'"other", {etag}', "*"):
        r = client.get(
            "/sparql", params={"query": query}, headers={"Accept": JSON, "If-None-Match": header}
        )
        assert r.status_code == 304, header
        assert r.content == b""
        assert r.headers["etag"] == etag
        assert "Accept" in r.headers["vary"]
    stale = client.get(
        "/sparql", params={"query": query}, headers={"Accept": JSON, "If-None-Match": '"other"'}
    )
    assert stale.status_code == 200 and rows(stale.content) == expected(CODES)
    assert tasks(server[1]) == before


def test_the_etag_depends_on_the_media_type_and_the_query(client: httpx.Client) -> None:
    query = CODES + " # media"
    as_json = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    as_csv = client.get("/sparql", params={"query": query}, headers={"Accept": CSV})
    other = client.get("/sparql", params={"query": query + " "}, headers={"Accept": JSON})
    assert as_csv.headers["content-type"].startswith(CSV)
    assert len({as_json.headers["etag"], as_csv.headers["etag"], other.headers["etag"]}) == 3
    # The JSON answer's validator does not stand for the CSV answer.
    r = client.get(
        "/sparql",
        params={"query": query},
        headers={"Accept": CSV, "If-None-Match": as_json.headers["etag"]},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith(CSV)


def test_volatile_queries_and_errors_are_never_cached(
    client: httpx.Client, server: tuple[str, FastAPI]
) -> None:
    volatile = "SELECT (NOW() AS ?t) (RAND() AS ?r) WHERE {}"
    before = tasks(server[1])
    for _ in range(2):
        r = client.get("/sparql", params={"query": volatile}, headers={"Accept": JSON})
        assert r.status_code == 200 and "etag" not in r.headers
    assert tasks(server[1]) == before + 2
    # Over the row cap (50): an error each time, each time from a run of the query.
    big = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    for _ in range(2):
        r = client.get("/sparql", params={"query": big}, headers={"Accept": JSON})
        assert r.status_code >= 400 and "etag" not in r.headers
    assert tasks(server[1]) == before + 4


def test_with_the_cache_off_every_query_runs_but_304_stays() -> None:
    with (
        live_server(endpoint_settings(sparql_cache_mb=0)) as (url, app),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        before = tasks(app)
        first = client.get("/sparql", params={"query": CODES}, headers={"Accept": JSON})
        second = client.get("/sparql", params={"query": CODES}, headers={"Accept": JSON})
        assert tasks(app) == before + 2
        assert rows(first.content) == rows(second.content) == expected(CODES)
        etag = first.headers["etag"]
        assert second.headers["etag"] == etag
        r = client.get(
            "/sparql", params={"query": CODES}, headers={"Accept": JSON, "If-None-Match": etag}
        )
        assert r.status_code == 304 and tasks(app) == before + 2


def test_a_new_release_invalidates_answers_and_validators(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first_id = publish(rel)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    settings = Settings(release=rel, admin_token=TOKEN, query_workers=2)
    with TestClient(create_app(settings)) as client:
        r1 = client.get("/sparql", params={"query": count}, headers={"Accept": JSON})
        assert r1.status_code == 200
        etag = r1.headers["etag"]
        second_id = publish(rel, variant=2, extra=3)
        assert second_id != first_id
        reload = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reload.status_code == 200, reload.text
        r2 = client.get(
            "/sparql", params={"query": count}, headers={"Accept": JSON, "If-None-Match": etag}
        )
        assert r2.status_code == 200  # the old validator no longer matches
        assert r2.headers["etag"] != etag
        served = client.app.state.pcf.release.store.store  # type: ignore[attr-defined]
        assert rows(r2.content) == {
            tuple(sol[v.value] for v in res.variables)
            for res in [served.query(count, use_default_graph_as_union=True)]
            for sol in res
        }
        assert rows(r2.content) != rows(r1.content)


# --- the pieces ---------------------------------------------------------------------------


def key(release: str = "r1", query: str = "ASK {}", media: str = JSON) -> Any:
    return cache_key(release, query, media, [], [], "http://x/sparql", 10)


def test_the_cache_keeps_at_most_its_budget_least_recently_used_out_first() -> None:
    def entry(i: int, body: int = 100) -> tuple[Any, CachedAnswer]:
        k = key(query=f"q{i}")
        return k, CachedAnswer(b"x" * body, JSON, etag_for(k))

    one = entry_size(*entry(0))
    cache = ResponseCache(4 * one + one // 2)  # room for four entries
    for i in range(5):
        cache.put(*entry(i))
        if i == 2:
            assert cache.get(key(query="q0")) is not None  # q0 is now the most recent
    assert cache.size <= 4 * one + one // 2 and len(cache) == 4
    assert cache.get(key(query="q1")) is None  # the least recently used went first
    assert cache.get(key(query="q0")) is not None
    big_key, big = entry(9, body=one + one // 4)  # over a quarter of the budget: not kept
    cache.put(big_key, big)
    assert cache.get(big_key) is None


def test_long_queries_count_against_the_budget() -> None:
    """A megabyte query with a tiny answer cannot grow the cache past its budget."""
    cache = ResponseCache(1_000_000)
    for i in range(20):
        k = key(query=f"# {i}\n" + "x" * 200_000)
        cache.put(k, CachedAnswer(b"{}", JSON, etag_for(k)))
    assert 0 < len(cache) <= 5 and cache.size <= 1_000_000
    huge = key(query="y" * 300_000)  # over a quarter of the budget with its key
    cache.put(huge, CachedAnswer(b"{}", JSON, etag_for(huge)))
    assert cache.get(huge) is None


def test_a_key_of_another_release_empties_the_cache() -> None:
    cache = ResponseCache(10_000)
    cache.put(key("r1", "a"), CachedAnswer(b"a", JSON, "e"))
    cache.put(key("r1", "b"), CachedAnswer(b"b", JSON, "e"))
    cache.put(key("r2", "a"), CachedAnswer(b"A", JSON, "e"))
    assert len(cache) == 1 and cache.get(key("r1", "b")) is None
    assert cache.get(key("r2", "a")) == CachedAnswer(b"A", JSON, "e")


def test_etags_differ_by_every_part_of_the_key() -> None:
    base = cache_key("r", "q", JSON, [], [], "b", 1)
    variants = [
        cache_key("r2", "q", JSON, [], [], "b", 1),
        cache_key("r", "q2", JSON, [], [], "b", 1),
        cache_key("r", "q", CSV, [], [], "b", 1),
        cache_key("r", "q", JSON, ["g"], [], "b", 1),
        cache_key("r", "q", JSON, [], ["g"], "b", 1),
        cache_key("r", "q", JSON, [], [], "b2", 1),
        cache_key("r", "q", JSON, [], [], "b", 2),
    ]
    tags = {etag_for(base), *map(etag_for, variants)}
    assert len(tags) == len(variants) + 1
    assert etag_for(base) == etag_for(cache_key("r", "q", JSON, [], [], "b", 1))


@pytest.mark.parametrize(
    ("header", "expected_match"),
    [
        (None, False),
        ("", False),
        ("*", True),
        ('W/"abc"', True),
        ('"abc"', True),
        ('"x", W/"abc"', True),
        ('"abcd"', False),
        ('W/"ab"', False),
    ],
)
def test_if_none_match_uses_weak_comparison(header: str | None, expected_match: bool) -> None:
    assert matches(header, 'W/"abc"') is expected_match


@pytest.mark.parametrize(
    ("query", "cacheable"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", True),
        ("SELECT (now() AS ?t) {}", False),
        ("SELECT (RAND () AS ?r) {}", False),
        ("SELECT (STRUUID() AS ?u) {}", False),
        ("SELECT (UUID() AS ?u) {}", False),
        ('CONSTRUCT { ?s <p> ?b } WHERE { ?s ?p ?o BIND(BNODE("x") AS ?b) }', False),
        ("SELECT ?brand WHERE { ?s <urn:brand> ?brand }", True),
    ],
)
def test_only_deterministic_queries_are_cached(query: str, cacheable: bool) -> None:
    assert deterministic(query) is cacheable


def test_the_guards_verdict_is_kept_per_text_and_dataset_refusals_never() -> None:
    """A text asked again skips the guard; what it depends on (dataset parameters, the
    release's graphs) is in the key, and a refused text is refused every time."""
    from pcfgraph.api.sparql_cache import CheckedTexts

    app = create_app(endpoint_settings(sparql_inprocess_work=0), fixture_release())
    named = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"
    with TestClient(app) as http:
        memo = app.state.pcf.caches.sparql_checks.get(CheckedTexts)
        for _ in range(2):
            ok = http.get("/sparql", params={"query": CODES}, headers={"Accept": JSON})
            assert ok.status_code == 200, ok.text
        assert len(memo) == 1
        for _ in range(2):  # the same text with a graph the release does not have
            bad = http.get(
                "/sparql",
                params={"query": named, "named-graph-uri": "urn:no-such-graph"},
                headers={"Accept": JSON},
            )
            assert bad.status_code == 400 and "urn:no-such-graph" in bad.text
        assert len(memo) == 1
        for _ in range(2):
            update = http.get("/sparql", params={"query": "CLEAR ALL"}, headers={"Accept": JSON})
            assert update.status_code == 403
        assert len(memo) == 1
        good = http.get("/sparql", params={"query": named}, headers={"Accept": JSON})
        assert good.status_code == 200 and len(memo) == 2


def test_kept_verdicts_are_bounded_in_count_and_text_length() -> None:
    from pcfgraph.api.sparql_cache import CheckedText, CheckedTexts

    memo = CheckedTexts(entries=3, max_chars=100)
    verdict = CheckedText("SELECT", False, True)
    none: frozenset[str] = frozenset()
    for i in range(5):
        memo.put((f"ASK {{ }} # {i}", (), (), none), verdict)
    assert len(memo) == 3
    assert memo.get(("ASK { } # 0", (), (), none)) is None  # least recently used first out
    assert memo.get(("ASK { } # 4", (), (), none)) == verdict
    memo.put(("ASK {}" + " " * 200, (), (), none), verdict)
    assert memo.get(("ASK {}" + " " * 200, (), (), none)) is None  # too long to keep
    assert memo.get(("ASK { } # 4", (), (), frozenset({"urn:g"}))) is None  # other graphs
