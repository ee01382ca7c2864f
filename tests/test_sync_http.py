"""A data engineer's nightly sync of pcfgraph's content over HTTP: every release-bound resource
it fetches revalidates (``If-None-Match`` -> 304), a file chosen by its name says what it is
whatever the client's ``Accept``, and every answer derived from the graph points at the
licences its content is under (``Link: </licences>; rel="license"``)."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    ("path", "accept", "media", "listed"),
    [
        ("/queries", "*/*", "application/json", "api/framework-info"),
        ("/mappings", "application/json", "application/json", "pcf-8.1-to-prm-it-a2.sssom.tsv"),
        ("/mappings", "text/html", "text/html; charset=utf-8", "pcf-8.1-to-prm-it-a2.sssom.tsv"),
    ],
)
def test_a_list_is_revalidated_with_its_etag(
    client: TestClient, path: str, accept: str, media: str, listed: str
) -> None:
    # the lists a sync starts from change only with the release: revalidated as files are
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200 and first.headers["content-type"] == media
    assert listed in first.text
    etag = first.headers["etag"]
    assert etag.startswith('"')  # the same bytes on the release: strong
    assert "max-age=" in first.headers["cache-control"]
    again = client.get(path, headers={"Accept": accept})
    assert again.headers["etag"] == etag and again.content == first.content
    for given in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        for method in ("GET", "HEAD"):
            r = client.request(method, path, headers={"Accept": accept, "If-None-Match": given})
            assert r.status_code == 304, (method, given)
            assert r.content == b"" and r.headers["etag"] == etag
    stale = client.get(path, headers={"Accept": accept, "If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content
    # to a client that takes gzip, the same tag made weak, and it revalidates
    gz = client.get(path, headers={"Accept": accept, "Accept-Encoding": "gzip"})
    assert gz.headers["etag"] == f"W/{etag}"
    r = client.get(
        path,
        headers={"Accept": accept, "Accept-Encoding": "gzip", "If-None-Match": f"W/{etag}"},
    )
    assert r.status_code == 304


def test_each_format_of_a_list_is_its_own_copy(client: TestClient) -> None:
    as_json = client.get("/mappings", headers={"Accept": "application/json"})
    as_html = client.get("/mappings", headers={"Accept": "text/html"})
    assert as_json.headers["etag"] != as_html.headers["etag"]
    assert "accept" in _vary(as_json) and "accept" in _vary(as_html)
    # the JSON copy asked about as HTML is not the HTML
    r = client.get(
        "/mappings", headers={"Accept": "text/html", "If-None-Match": as_json.headers["etag"]}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


SELECT = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 3"
)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
LICENSED = [
    *[
        ("/sparql", {"query": SELECT}, media)
        for media in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        )
    ],
    ("/sparql", {"query": "ASK { ?s ?p ?o }"}, "text/csv"),
    *[
        ("/sparql", {"query": CONSTRUCT}, media)
        for media in ("text/turtle", "application/n-triples", "application/ld+json")
    ],
    ("/queries/api/framework-info", {}, "text/csv"),
    ("/queries/api/framework-info", {}, "application/sparql-results+json"),
    *[(f"{SSSOM}.{suffix}", {}, "*/*") for suffix in ("tsv", "json", "ttl")],
    (f"{SSSOM}.tsv", {"derived": "true"}, "*/*"),
    ("/frameworks/apqc-pcf-cross-industry-7.4/export", {"format": "csv", "subtree": "8.1"}, "*/*"),
    ("/frameworks/prm-it/export", {}, "*/*"),
    ("/id/graph/framework/prm-it", {}, "application/n-triples"),
    ("/id/prm-it/A24", {}, "text/turtle"),
]


@pytest.mark.parametrize(("path", "params", "accept"), LICENSED)
def test_every_answer_from_the_graph_links_its_licences(
    client: TestClient, path: str, params: dict[str, str], accept: str
) -> None:
    for method in ("GET", "HEAD"):
        r = client.request(method, path, params=params, headers={"Accept": accept})
        assert r.status_code == 200, r.text
        links = [link.strip() for link in r.headers["link"].split(",")]
        assert '</licences>; rel="license"' in links, (method, r.headers["link"])
    if path == "/sparql":  # and as a POST
        r = client.post(path, data=params, headers={"Accept": accept})
        assert r.status_code == 200 and '</licences>; rel="license"' in r.headers["link"]


def test_the_licences_state_every_frameworks_notice(client: TestClient) -> None:
    # what the graph states (the named query an integration reads), in both formats
    stated = client.get("/queries/api/framework-info", headers={"Accept": "application/json"})
    rows = stated.json()["results"]["bindings"]
    # an edition's source file's own notice when it states one (an APQC workbook's), else
    # its rights statement's: the one notice cited (services.Framework.attribution)
    notices = {
        row["id"]["value"]: (row.get("sourceRights") or row["rightsLabel"])["value"] for row in rows
    }
    assert "apqc-pcf-cross-industry-7.4" in notices
    listed = client.get("/licences")
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/json"
    by_id = {f["id"]: f for f in listed.json()["frameworks"]}
    assert set(by_id) == set(notices)
    for fid, notice in notices.items():
        assert notice in by_id[fid]["attribution"], fid
    apqc = by_id["apqc-pcf-cross-industry-7.4"]
    assert "APQC" in apqc["attribution"] and apqc["license"]
    # the notice it names is served at its page
    assert client.get(apqc["noticePage"], headers={"Accept": "text/turtle"}).status_code == 200
    sets = {s["name"]: s for s in listed.json()["mappingSets"]}
    assert "apqc-pcf-cross-industry-7.4" in sets["pcf-8.1-to-prm-it-a2"]["frameworks"]
    assert all(s["license"] for s in sets.values())
    # the notice of the PCF names a set's rows quote (its dcterms:rights), which its
    # licence does not cover: the list gave the licence alone
    from pcfgraph.importers.apqc import APQC_NOTICE

    assert {s["attribution"] for s in sets.values()} == {APQC_NOTICE}
    text = client.get("/licences", headers={"Accept": "text/plain"})
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert all(notice in text.text for notice in notices.values())
    assert f"Framework texts quoted under: {APQC_NOTICE}" in text.text
    assert "Link" not in listed.headers  # the list is what the links point at
    assert client.get("/licences", headers={"Accept": "image/png"}).status_code == 406


def test_the_licences_are_revalidated_per_format(client: TestClient) -> None:
    tags = set()
    for accept in ("application/json", "text/plain"):
        first = client.get("/licences", headers={"Accept": accept})
        etag = first.headers["etag"]
        assert etag.startswith('"') and "Accept" in first.headers["vary"]
        tags.add(etag)
        r = client.get("/licences", headers={"Accept": accept, "If-None-Match": etag})
        assert r.status_code == 304 and r.headers["etag"] == etag
        assert first.headers["content-disposition"] == (
            f'inline; filename="pcfgraph-licences.{"json" if "json" in accept else "txt"}"'
        )
    assert len(tags) == 2


def _vary(r: object) -> set[str]:
    headers = r.headers  # type: ignore[attr-defined]
    return {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}


@pytest.mark.parametrize(
    ("path", "params", "media"),
    [
        (f"{SSSOM}.tsv", {}, "text/tab-separated-values; charset=utf-8"),
        (f"{SSSOM}.json", {}, "application/json"),
        (f"{SSSOM}.ttl", {}, "text/turtle; charset=utf-8"),
        ("/frameworks/prm-it/export", {"format": "csv"}, "text/csv; charset=utf-8"),
    ],
)
def test_a_file_chosen_by_its_name_is_that_file_whatever_the_accept(
    client: TestClient, path: str, params: dict[str, str], media: str
) -> None:
    # the name (suffix, ?format=) chooses the file: Accept does not, and Vary does not say it
    plain = client.get(path, params=params)
    assert plain.status_code == 200 and plain.headers["content-type"] == media
    assert "accept" not in _vary(plain)
    for accept in ("application/json", "text/turtle", "text/html", "image/png", "*/*;q=0"):
        r = client.get(path, params=params, headers={"Accept": accept})
        assert r.status_code == 200, accept
        assert r.headers["content-type"] == media, accept
        assert r.headers["etag"] == plain.headers["etag"] and r.content == plain.content
        assert "accept" not in _vary(r)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"{SSSOM}.tsv", {}),
        ("/frameworks/prm-it/export", {"format": "csv"}),
        ("/queries/api/framework-info", {}),
        ("/queries", {}),
        ("/id/graph/framework/prm-it", {"format": "ttl"}),
        ("/licences", {}),
    ],
)
def test_a_304_says_what_its_200_varies_on(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    # RFC 9110 15.4.5: a 304 carries the Vary its 200 would, so that a cache keeps the copy
    # it revalidated under the same key (the 200 of a large answer varies on Accept-Encoding)
    for coding in ("identity", "gzip"):
        first = client.get(path, params=params, headers={"Accept-Encoding": coding})
        assert first.status_code == 200 and int(first.headers["content-length"]) > 0
        again = client.get(
            path,
            params=params,
            headers={"Accept-Encoding": coding, "If-None-Match": first.headers["etag"]},
        )
        assert again.status_code == 304
        assert _vary(first) <= _vary(again), (coding, first.headers, again.headers)


def test_a_graphql_answer_links_its_licences(client: TestClient) -> None:
    query = {"query": "{ frameworks { id rights } }"}
    for accept in ("application/json", "application/graphql-response+json"):
        r = client.post("/graphql", json=query, headers={"Accept": accept})
        assert r.status_code == 200 and r.json()["data"]["frameworks"], r.text
        assert '</licences>; rel="license"' in r.headers["link"]
    got = client.get("/graphql", params=query, headers={"Accept": "application/json"})
    assert got.status_code == 200 and '</licences>; rel="license"' in got.headers["link"]
    # GraphiQL, the page, is no answer from the graph
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "link" not in page.headers
