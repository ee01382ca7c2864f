"""gzip for downloads (pcfgraph.http.compression): the same bytes once decoded, weak tags to a
client that takes gzip (200 and 304 alike), strong ones otherwise, and what is left alone."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sparql_support import fixture_release

from pcfgraph.config import Settings
from pcfgraph.serving import create_app

GRAPH = "/id/graph/framework/alpha"
NT = {"Accept": "application/n-triples"}
GZIP = {**NT, "Accept-Encoding": "gzip"}
IDENTITY = {**NT, "Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(compress_min_bytes=200, query_workers=1), fixture_release())
    with TestClient(app) as started:  # its lifespan: the sandbox /sparql may use
        yield started


def test_a_download_is_gzipped_for_a_client_that_takes_it(client: TestClient) -> None:
    plain = client.get(GRAPH, headers=IDENTITY)
    assert len(plain.content) > 200 and "content-encoding" not in plain.headers
    packed = client.get(GRAPH, headers=GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # decoded by the client: the same bytes
    assert int(packed.headers["content-length"]) < len(plain.content)
    assert {v.strip() for v in packed.headers["vary"].split(",")} >= {"Accept", "Accept-Encoding"}
    assert packed.headers["content-disposition"] == plain.headers["content-disposition"]


def test_a_gzipped_answers_tag_is_weak_and_revalidates(client: TestClient) -> None:
    strong = client.get(GRAPH, headers=IDENTITY).headers["etag"]
    assert strong.startswith('"')
    weak = client.get(GRAPH, headers=GZIP).headers["etag"]
    assert weak == "W/" + strong  # the same resource state, other bytes
    for given in (weak, strong):
        r = client.get(GRAPH, headers={**GZIP, "If-None-Match": given})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["etag"] == weak  # what its 200 carries
    r = client.get(GRAPH, headers={**IDENTITY, "If-None-Match": weak})
    assert r.status_code == 304 and r.headers["etag"] == strong


def test_what_is_left_alone(client: TestClient) -> None:
    workbook = client.get("/templates/orgmodel.xlsx", headers={"Accept-Encoding": "gzip"})
    assert workbook.status_code == 200 and "content-encoding" not in workbook.headers  # a ZIP
    r = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples", "Accept-Encoding": "gzip"},
    )
    assert r.status_code == 200 and len(r.content) > 200
    assert "content-encoding" not in r.headers  # /sparql: not through this layer
    small = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert len(small.content) < 200 and "content-encoding" not in small.headers


def test_compression_turned_off() -> None:
    off = TestClient(create_app(Settings(compress_min_bytes=0), fixture_release()))
    r = off.get(GRAPH, headers=GZIP)
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert r.headers["etag"].startswith('"')


def test_the_bytes_on_the_wire_are_gzip(client: TestClient) -> None:
    with client.stream("GET", GRAPH, headers=GZIP) as r:
        raw = b"".join(r.iter_raw())
    assert gzip.decompress(raw) == client.get(GRAPH, headers=IDENTITY).content


def test_sparql_is_left_alone_under_a_root_path_too_and_head_agrees() -> None:
    """Behind a proxy serving pcfgraph under ``/pcf`` (``--root-path /pcf``) the fast paths
    are off and ``/sparql`` went through this layer: its answers were gzipped, which the docs
    say they are not. They are left alone as without a prefix, HEAD as GET; a download is
    still gzipped there."""
    app = create_app(Settings(compress_min_bytes=200, query_workers=1), fixture_release())
    construct = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"}
    with TestClient(app, root_path="/pcf") as client:
        for method, params in (("GET", construct), ("HEAD", construct), ("GET", None)):
            r = client.request(method, "/pcf/sparql", params=params, headers=GZIP)
            assert r.status_code == 200, (method, params, r.text)
            assert "content-encoding" not in r.headers, (method, params)
            if method == "GET":
                assert len(r.content) > 200  # large enough to have been gzipped
        get = client.get("/pcf/sparql", params=construct, headers=GZIP)
        head = client.head("/pcf/sparql", params=construct, headers=GZIP)
        assert head.content == b""
        for name in ("content-type", "content-length", "content-encoding", "etag", "vary"):
            assert head.headers.get(name) == get.headers.get(name), name
        posted = client.post("/pcf/sparql", data=construct, headers=GZIP)
        assert posted.status_code == 200 and "content-encoding" not in posted.headers
        assert posted.content == get.content
        download = client.get("/pcf" + GRAPH, headers=GZIP)
        assert download.headers["content-encoding"] == "gzip"
