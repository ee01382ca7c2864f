"""A data engineer's nightly sync of pcfgraph's content over HTTP: every release-bound resource
it fetches revalidates (``If-None-Match`` -> 304), a file chosen by its name says what it is
whatever the client's ``Accept``, and every answer derived from the graph points at the
licences its content is under (``Link: </licences>; rel="license"``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from browser_support import shipped_app
from fastapi.testclient import TestClient

from pcfgraph.release import Release

SSSOM = "/mappings/pcf-8.1-to-prm-it-a2.sssom"


@pytest.fixture(scope="module")
def client(shipped_release: Release) -> Iterator[TestClient]:
    # identity: to a client that takes gzip every tag is weak (tests/test_http_compression.py)
    with TestClient(shipped_app(shipped_release), headers={"Accept-Encoding": "identity"}) as c:
        yield c


def test_the_query_list_is_revalidated_with_its_etag(client: TestClient) -> None:
    first = client.get("/queries")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/json")
    names = {q["name"] for q in json.loads(first.content)["queries"]}
    assert "api/framework-info" in names
    etag = first.headers["etag"]
    assert etag.startswith('"')  # the same bytes on the release: strong
    assert "max-age=" in first.headers["cache-control"]
    again = client.get("/queries")
    assert again.headers["etag"] == etag and again.content == first.content
    for given in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        for method in ("GET", "HEAD"):
            r = client.request(method, "/queries", headers={"If-None-Match": given})
            assert r.status_code == 304, (method, given)
            assert r.content == b"" and r.headers["etag"] == etag
    stale = client.get("/queries", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content
    # to a client that takes gzip, the same tag made weak, and it revalidates
    gz = client.get("/queries", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["etag"] == f"W/{etag}"
    r = client.get("/queries", headers={"Accept-Encoding": "gzip", "If-None-Match": f"W/{etag}"})
    assert r.status_code == 304
