"""``HEAD`` wherever ``GET`` is served, and a 405's ``Allow`` naming every method of the path.

FastAPI registers a ``GET`` route for ``GET`` only: every page, IRI, ``/ready`` and ``/sparql``
answered ``HEAD`` with 405 (RFC 9110 9.1: general-purpose servers support it; link checkers,
uptime probes and ``curl -I`` use it), and ``PUT /sparql`` said ``Allow: GET`` (15.5.6: the
target's methods, here ``POST`` too). Over a real socket: a ``HEAD`` answer with a body would
put the next answer on the same connection out of step.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from sparql_support import endpoint_settings, live_server

#: Paths answering GET 200 on the fixture release, each a different kind of route.
PATHS = (
    "/sparql?query=ASK%7B%7D",  # a query (the API's GET /sparql)
    "/sparql",  # the service description
    "/ready",
    "/",  # a workbench page
    "/queries",
    "/id/alpha/A11",  # an IRI
)

#: Headers a HEAD answer shares with the GET answer of the same target.
SAME = ("content-type", "content-length", "etag", "vary", "content-security-policy")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with live_server(endpoint_settings()) as (url, _):
        yield url


def _connection(base: str) -> http.client.HTTPConnection:
    where = urlsplit(base)
    return http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)


def test_head_answers_as_get_with_the_same_head_and_no_body(base: str) -> None:
    conn = _connection(base)
    try:
        for path in PATHS:
            conn.request("GET", path, headers={"Accept": "text/html, */*;q=0.5"})
            got = conn.getresponse()
            body = got.read()
            conn.request("HEAD", path, headers={"Accept": "text/html, */*;q=0.5"})
            head = conn.getresponse()
            assert head.read() == b""
            assert (head.status, got.status) == (200, 200), path
            assert int(got.getheader("content-length") or -1) == len(body), path
            for name in SAME:
                assert head.getheader(name) == got.getheader(name), (path, name)
        # still in step: a body after the last HEAD's head would be read as this answer
        conn.request("GET", "/ready")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_head_of_a_missing_target_is_its_get_answer(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        for path in ("/id/alpha/NOPE", "/nowhere"):
            head, got = client.head(path), client.get(path)
            assert head.status_code == got.status_code == 404, path
            assert head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]


def test_head_is_counted_as_head_under_the_get_route(base: str) -> None:
    with httpx.Client(base_url=base) as client:

        def heads() -> float:
            for line in client.get("/metrics").text.splitlines():
                if line.startswith("pcfgraph_http_requests_total{") and all(
                    f in line for f in ('method="HEAD"', 'route="/id/{path:path}"', 'status="200"')
                ):
                    return float(line.rsplit(" ", 1)[1])
            return 0.0

        before = heads()
        assert client.head("/id/alpha/A11").status_code == 200
        assert heads() == before + 1


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/sparql", {"GET", "HEAD", "POST"}),
        ("DELETE", "/sparql", {"GET", "HEAD", "POST"}),
        ("PUT", "/graphql", {"GET", "HEAD", "POST"}),
        ("PATCH", "/ready", {"GET", "HEAD"}),
        ("POST", "/id/alpha/A11", {"GET", "HEAD"}),
        ("PUT", "/", {"GET", "HEAD"}),
    ],
)
def test_405_allows_every_method_of_the_path(
    base: str, method: str, path: str, allowed: set[str]
) -> None:
    r = httpx.request(method, base + path)
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed
    problem = r.json()
    assert problem["code"] == "method-not-allowed"
    assert problem["detail"] == (
        f"{method} is not allowed on {path}; allowed: {', '.join(sorted(allowed))}"
    )
