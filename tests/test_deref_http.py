"""``/id/...`` as a linked-data client sees it: content negotiation, conditional requests,
caching headers and download names, on a live server over the SPARQL endpoint's fixture."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic
from sparql_support import endpoint_settings, live_server

A1 = "/id/alpha/A1"
GRAPH = "/id/graph/framework/alpha"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        live_server(endpoint_settings(query_workers=1)) as (url, _app),
        httpx.Client(base_url=url, timeout=30) as c,
    ):
        yield c


def vary(r: httpx.Response) -> set[str]:
    return {v.strip() for v in r.headers.get("vary", "").split(",")}


def graph_of(r: httpx.Response, fmt: str) -> rdflib.Graph:
    assert r.status_code == 200, r.text
    return rdflib.Graph().parse(data=r.content, format=fmt)


@pytest.mark.parametrize("path", [A1, GRAPH])
def test_json_asked_of_a_graph_resource_is_json_ld(client: httpx.Client, path: str) -> None:
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert "Accept" in vary(r)
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert isomorphic(graph_of(r, "json-ld"), graph_of(turtle, "turtle"))
    assert len(graph_of(turtle, "turtle")) > 0
