"""Kept plans of ``GET /sparql`` (:class:`pcfgraph.api.sparql_plan.GetPlans`): a request
asked again is answered as if planned anew, by its own Host and Accept, and refusals are
never kept. The real app with its sandbox pool; answers read as result sets."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sparql_support import endpoint_settings

from pcfgraph.api.sparql_plan import GetPlans, get_plans
from pcfgraph.serving import create_app

JSON = "application/sparql-results+json"
CSV = "text/csv"
#: A relative IRI resolves against the service URL: the answer names the request's Host.
RELATIVE = "SELECT ?i WHERE { BIND(<rel> AS ?i) }"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(endpoint_settings())) as c:
        yield c


def plans(client: TestClient) -> GetPlans:
    return get_plans(client.app.state.pcf)  # type: ignore[attr-defined]


def iris_of(body: bytes, media: str) -> set[str]:
    if media == JSON:
        return {b["i"]["value"] for b in json.loads(body)["results"]["bindings"]}
    return {row["i"] for row in csv.DictReader(io.StringIO(body.decode()))}


def test_a_kept_plan_answers_by_the_requests_own_host_and_accept(client: TestClient) -> None:
    before = len(plans(client))
    seen: dict[tuple[str, str], str] = {}
    for _ in range(2):  # the second round from the kept plans
        for host in ("a.example", "b.example"):
            for media in (JSON, CSV):
                r = client.get(
                    "/sparql", params={"query": RELATIVE}, headers={"Host": host, "Accept": media}
                )
                assert r.status_code == 200, r.text
                assert r.headers["content-type"].startswith(media)
                assert iris_of(r.content, media) == {f"http://{host}/rel"}
                etag = seen.setdefault((host, media), r.headers["etag"])
                assert r.headers["etag"] == etag
    assert len(set(seen.values())) == 4  # each its own cache key
    assert len(plans(client)) == before + 4


def test_a_kept_plan_still_honours_if_none_match(client: TestClient) -> None:
    headers = {"Accept": JSON}
    first = client.get("/sparql", params={"query": "ASK {}"}, headers=headers)
    again = client.get("/sparql", params={"query": "ASK {}"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert json.loads(again.content) == {"head": {}, "boolean": True}
    etag = first.headers["etag"]
    matched = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={**headers, "If-None-Match": etag}
    )
    other = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={**headers, "If-None-Match": 'W/"x"'}
    )
    assert matched.status_code == 304 and matched.headers["etag"] == etag
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("params", "accept", "status", "code"),
    [
        ({"query": "ASK {}", "update": "CLEAR ALL"}, JSON, 403, "update-forbidden"),
        ({"query": "ASK {}"}, "image/png", 406, "not-acceptable"),
        ({"query": "SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }"}, JSON, 400, None),
        ({"query": "   "}, JSON, 400, "missing-query"),
    ],
)
def test_refusals_are_never_kept(
    client: TestClient, params: dict[str, str], accept: str, status: int, code: str | None
) -> None:
    before = len(plans(client))
    for _ in range(2):
        r = client.get("/sparql", params=params, headers={"Accept": accept})
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        if code is not None:
            assert r.json()["code"] == code
    assert len(plans(client)) == before


def test_kept_plans_are_bounded_least_recently_used_out_first() -> None:
    from pcfgraph.api.sparql_plan import KeptPlan

    kept = GetPlans(entries=2)
    keys = [(f"q={i}".encode(), None, None, "http", None, "", "/sparql", "r") for i in range(3)]
    for i, key in enumerate(keys[:2]):
        kept.put(key, KeptPlan({"query": str(i)}, None, None))
    assert kept.get(keys[0]) is not None  # now the most recently used
    kept.put(keys[2], KeptPlan({"query": "2"}, None, None))
    assert len(kept) == 2
    assert kept.get(keys[1]) is None
    assert kept.get(keys[0]) is not None and kept.get(keys[2]) is not None
