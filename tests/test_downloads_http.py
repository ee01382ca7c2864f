"""Downloads as an integration developer's tool fetches them: a mapping set's SSSOM files and
a framework's spreadsheet carry a strong ``ETag`` and ``Cache-Control`` (a release never
changes), a client's copy (``If-None-Match``) is 304 without the file being made again, and
each download is described in ``/openapi.json`` with its media types and errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest
from browser_support import shipped_app
from fastapi.testclient import TestClient

from pcfgraph.release import Release

MAPPINGS = "/mappings/pcf-8.1-to-prm-it-a2.sssom.tsv"
EXPORT = "/frameworks/prm-it/export"


@pytest.fixture(scope="module")
def client(shipped_release: Release) -> Iterator[TestClient]:
    # identity: to a client that takes gzip every tag is weak (tests/test_http_compression.py)
    with TestClient(shipped_app(shipped_release), headers={"Accept-Encoding": "identity"}) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "params", "strong"),
    [
        (MAPPINGS, {}, True),
        (MAPPINGS, {"derived": "true"}, True),
        ("/mappings/pcf-8.1-to-prm-it-a2.sssom.ttl", {}, True),
        ("/mappings/derived.sssom.json", {}, True),
        (EXPORT, {"format": "csv", "subtree": "A2"}, True),
        (EXPORT, {"format": "csv", "table": "decisions"}, True),
        (EXPORT, {}, False),  # XLSX: its zip entries carry the time they were written
    ],
)
def test_a_downloads_copy_is_revalidated_with_its_etag(
    client: TestClient, path: str, params: dict[str, str], strong: bool
) -> None:
    first = client.get(path, params=params)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    # strong: the same bytes every time; weak: an equivalent file
    assert etag.startswith('"' if strong else 'W/"') and etag.endswith('"')
    assert "max-age=" in first.headers["cache-control"]
    assert "filename=" in first.headers["content-disposition"]
    again = client.get(path, params=params)
    assert again.headers["etag"] == etag
    assert again.content == first.content or not strong
    for given in (etag, f'"other", {etag}', f"W/{etag.removeprefix('W/')}", "*"):
        for method in ("GET", "HEAD"):
            r = client.request(method, path, params=params, headers={"If-None-Match": given})
            assert r.status_code == 304, (method, given)
            assert r.content == b"" and r.headers["etag"] == etag
            assert r.headers["cache-control"] == first.headers["cache-control"]
    stale = client.get(path, params=params, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.headers["etag"] == etag


def test_another_server_process_gives_the_same_tags(
    client: TestClient, shipped_release: Release
) -> None:
    """Processes of one server (--http-workers) answer the same client: a tag one gave is
    the other's too, the XLSX's included (a digest of its bytes would differ by the second
    it was written in)."""
    paths = [(MAPPINGS, {}), (EXPORT, {}), (EXPORT, {"format": "csv"})]
    tags = [client.get(path, params=params).headers["etag"] for path, params in paths]
    with TestClient(shipped_app(shipped_release), headers={"Accept-Encoding": "identity"}) as other:
        for (path, params), etag in zip(paths, tags, strict=True):
            r = other.get(path, params=params, headers={"If-None-Match": etag})
            assert r.status_code == 304 and r.headers["etag"] == etag, path


def test_a_gzipped_download_is_revalidated_with_its_weak_tag(client: TestClient) -> None:
    identity = client.get(MAPPINGS).headers["etag"]
    gzipped = client.get(MAPPINGS, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.headers["etag"] == f"W/{identity}"  # other bytes on the wire
    for given in (identity, gzipped.headers["etag"]):
        for encoding in ("gzip", "identity"):
            r = client.get(MAPPINGS, headers={"If-None-Match": given, "Accept-Encoding": encoding})
            assert r.status_code == 304, (given, encoding)


def test_another_file_is_another_tag(client: TestClient) -> None:
    tags = {
        client.get(MAPPINGS).headers["etag"],
        client.get(MAPPINGS, params={"derived": "true"}).headers["etag"],
        client.get(EXPORT).headers["etag"],
        client.get(EXPORT, params={"format": "csv"}).headers["etag"],
    }
    assert len(tags) == 4
    tsv = client.get(MAPPINGS).headers["etag"]
    other = client.get(MAPPINGS, params={"derived": "true"}, headers={"If-None-Match": tsv})
    assert other.status_code == 200 and other.headers["etag"] != tsv


@pytest.mark.parametrize("path", [MAPPINGS, "/mappings/derived.sssom.json"])
def test_a_clients_copy_asked_about_again_is_answered_without_making_it(
    client: TestClient, shipped_release: Release, path: str
) -> None:
    # (a spreadsheet made again reads the page data kept per release: no store query shows it)
    etag = client.get(path).headers["etag"]
    made = shipped_release.store.query_count
    r = client.get(path, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.headers["etag"] == etag
    assert shipped_release.store.query_count == made  # the store was not asked
    client.get(path, headers={"If-None-Match": '"stale"'})
    assert shipped_release.store.query_count > made  # made again: a copy that is not it


@pytest.mark.parametrize(
    ("path", "params"),
    [(MAPPINGS, {}), (EXPORT, {"format": "csv"}), (EXPORT, {}), ("/.well-known/void", {})],
)
def test_a_downloads_copy_is_revalidated_by_its_date_too(
    client: TestClient, shipped_release: Release, path: str, params: dict[str, str]
) -> None:
    """No answer said Last-Modified: a client revalidating by date (curl -z, wget -N) had to
    download again. A download carries the release's build time, and If-Modified-Since with
    it is 304 without the file being made again; If-None-Match wins when both are sent
    (RFC 9110 13.2.2), and a date that is not the release's own is no copy of it (a reload may
    serve a release built earlier)."""
    first = client.get(path, params=params)
    modified = first.headers["last-modified"]
    built = datetime.fromisoformat(shipped_release.manifest["created"])
    assert parsedate_to_datetime(modified) == built and modified.endswith(" GMT")
    for method in ("GET", "HEAD"):
        r = client.request(method, path, params=params, headers={"If-Modified-Since": modified})
        assert r.status_code == 304 and r.content == b"", method
        assert r.headers["last-modified"] == modified and r.headers["etag"] == first.headers["etag"]
    made = shipped_release.store.query_count
    assert (
        client.get(path, params=params, headers={"If-Modified-Since": modified}).status_code == 304
    )
    assert shipped_release.store.query_count == made  # not made again
    for other in (built + timedelta(days=1), built - timedelta(seconds=1)):
        given = format_datetime(other, usegmt=True)
        r = client.get(path, params=params, headers={"If-Modified-Since": given})
        assert r.status_code == 200 and r.headers["last-modified"] == modified, given
    assert (
        client.get(path, params=params, headers={"If-Modified-Since": "yesterday"}).status_code
        == 200
    )
    stale = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert client.get(path, params=params, headers=stale).status_code == 200  # the tag wins


def test_bad_downloads_are_problems_with_no_etag(
    client: TestClient, shipped_release: Release
) -> None:
    built = datetime.fromisoformat(shipped_release.manifest["created"])
    dated = {"If-Modified-Since": format_datetime(built, usegmt=True)}
    for path, params, status in (
        ("/mappings/nope.sssom.tsv", {}, 404),
        (MAPPINGS, {"derived": "maybe"}, 400),
        ("/frameworks/nope/export", {}, 404),
        (EXPORT, {"format": "pdf"}, 400),
        (EXPORT, {"derived": "maybe"}, 400),
        (EXPORT, {"format": "csv", "table": "nope"}, 400),
        (EXPORT, {"format": "xlsx", "table": "decisions"}, 400),  # a sheet of the XLSX
        (EXPORT, {"subtree": ""}, 400),  # a form left blank: no element asked for
    ):
        r = client.get(path, params=params, headers={"If-None-Match": "*"})
        assert r.status_code == status, (path, params)
        assert r.headers["content-type"] == "application/problem+json"
        assert "etag" not in r.headers and "last-modified" not in r.headers
        # the release's own date: still the error, never 304 (RFC 9110 13.2.1)
        assert client.get(path, params=params, headers=dated).status_code == status


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_browser_following_a_bad_download_or_format_link_gets_an_error_page(
    client: TestClient,
) -> None:
    """A browser (a link with a wrong ?format=, typed or stale) got application/problem+json
    from /id/... and the downloads, where every workbench page gives its HTML error page. It
    gets that page now, with the same status and the problem named; API clients keep
    problem+json (no Accept header, */*, JSON)."""
    element = "/id/prm-it/A24"
    for path, params, status, named in (
        (element, {"format": "bogus"}, 400, "format must be one of html, ttl"),
        ("/id/graph/framework/prm-it", {"format": "pdf"}, 400, "format must be one of html"),
        (EXPORT, {"format": "pdf"}, 400, "format must be csv or xlsx, not &#39;pdf&#39;"),
        (EXPORT, {"derived": "maybe"}, 400, "derived must be true or false"),
        ("/frameworks/nope/export", {}, 404, "nope"),
        (MAPPINGS, {"derived": "maybe"}, 400, "derived must be true or false"),
        ("/mappings/nope.sssom.tsv", {}, 404, "nope"),
        ("/ontology", {"format": "bogus"}, 400, "format must be one of html, ttl"),
        ("/orgmodel", {"format": "bogus"}, 400, "format must be one of html, ttl"),
        ("/ontology/0.0.0", {}, 404, "is not the served version"),
    ):
        page = client.get(path, params=params, headers=BROWSER)
        assert page.status_code == status, (path, params)
        assert page.headers["content-type"].startswith("text/html"), (path, params)
        assert named in page.text and 'href="/"' in page.text, (path, params)
        assert "accept" in page.headers["vary"].lower()
        for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
            api = client.get(path, params=params, headers=headers)
            assert api.status_code == status, (path, params, headers)
            assert api.headers["content-type"] == "application/problem+json"
            assert "accept" in api.headers["vary"].lower()  # a 404 may be cached
    assert client.get(element, params={"format": "ttl"}, headers=BROWSER).status_code == 200


@pytest.mark.parametrize("path", [MAPPINGS, EXPORT])
def test_both_downloads_read_derived_in_the_same_words(client: TestClient, path: str) -> None:
    # /mappings took only 'true' and 'false' (400 for 1, yes, TRUE), the export all of them
    fmt = {"format": "csv"} if path == EXPORT else {}
    plain, derived = (client.get(path, params={**fmt, "derived": v}) for v in ("false", "true"))
    assert plain.content != derived.content
    for word in ("1", "yes", "TRUE", "on"):
        r = client.get(path, params={**fmt, "derived": word})
        assert r.status_code == 200 and r.content == derived.content, word
        assert "-with-derived." in r.headers["content-disposition"], word
    for word in ("0", "no", "FALSE", "off"):
        assert client.get(path, params={**fmt, "derived": word}).content == plain.content, word
    bad = client.get(path, params={"derived": "maybe"})
    assert bad.status_code == 400 and "derived must be true or false, not 'maybe'" in bad.text


def operation(spec: dict[str, Any], path: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][path]["get"]
    return found


def test_every_download_is_in_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    export = operation(spec, "/frameworks/{framework_id}/export")
    assert set(export["responses"]["200"]["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for status in ("400", "404"):  # the HTML error page for a browser
        assert set(export["responses"][status]["content"]) == {
            "application/problem+json",
            "text/html",
        }
    params = {p["name"]: p for p in export["parameters"]}
    assert set(params) == {"framework_id", "subtree", "format", "derived", "table"}
    assert params["format"]["schema"]["enum"] == ["csv", "xlsx"]
    assert params["table"]["schema"]["enum"] == ["mappings", "decisions"]
    sssom = operation(spec, "/mappings/{name}")
    assert {"text/tab-separated-values", "application/json", "text/turtle"} <= set(
        sssom["responses"]["200"]["content"]
    )
    for op in (export, sssom):
        assert "304" in op["responses"]


def test_every_public_api_route_is_in_the_openapi_document(client: TestClient) -> None:
    from pcfgraph.http.routes import walk_routes

    spec = client.get("/openapi.json").json()["paths"]
    described = {(p, m.lower()) for p, ops in spec.items() for m in ops}
    served = {
        (path.replace(":path}", "}"), method.lower())
        for path, route in walk_routes(client.app.routes)  # type: ignore[attr-defined]
        if getattr(route, "include_in_schema", False) and hasattr(route, "response_model")
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    served.add(("/mcp", "post"))  # the MCP SDK's transport: a route, not a FastAPI operation
    assert served - described == set()
    assert ("/frameworks/{framework_id}/export", "get") in described
    mcp = spec["/mcp"]["post"]["responses"]
    assert {"200", "413", "415", "503"} <= set(mcp) and "default" not in mcp


def test_a_named_query_answer_is_revalidated_without_running_it(
    client: TestClient, shipped_release: Release
) -> None:
    url = "/queries/api/element-by-code"
    params = {"framework": "prm-it", "code": "A24"}
    first = client.get(url, params=params)
    assert first.status_code == 200 and first.json()["results"]["bindings"]
    etag = first.headers["etag"]
    assert etag.startswith('W/"')  # equivalent rows, not promised the same bytes
    assert "max-age=" in first.headers["cache-control"] and "Accept" in first.headers["vary"]
    made = shipped_release.store.query_count
    r = client.get(url, params=params, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    assert "Accept" in r.headers["vary"] and r.headers["cache-control"]
    # the framework ids and what the code names are read to check the values (two reads);
    # the query itself does not run
    assert shipped_release.store.query_count - made <= 2
    csv = client.get(url, params=params, headers={"Accept": "text/csv", "If-None-Match": etag})
    assert csv.status_code == 200 and csv.headers["etag"] != etag
    other = client.get(url, params={**params, "code": "A27"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    # a refused value is refused whatever the client holds
    bad = client.get(url, params={**params, "framework": "nope"}, headers={"If-None-Match": "*"})
    assert bad.status_code == 400 and "etag" not in bad.headers


@pytest.mark.parametrize(
    ("path", "spellings"),
    [
        # a code is an identifier, matched ignoring case: one file, whichever case asked
        (EXPORT, [{"subtree": "A2"}, {"subtree": "a2"}]),
        (EXPORT, [{"format": "csv", "subtree": "A2"}, {"format": "csv", "subtree": "a2"}]),
        (EXPORT, [{"derived": "true"}, {"derived": "1"}, {"derived": "TRUE"}]),
        # one decimal, one answer
        (
            "/queries/api/mappings",
            [{"minConfidence": "0.5"}, {"minConfidence": "0.50"}, {"minConfidence": ".5"}],
        ),
    ],
)
def test_one_file_has_one_tag_and_name_whichever_spelling_asked_for_it(
    client: TestClient, path: str, spellings: list[dict[str, str]]
) -> None:
    """``?subtree=a2`` and ``?subtree=A2`` answered the same spreadsheet under two weak
    ETags (the tag was of the query string as written) and two file names: a cache, or a
    client holding one, missed for the other. The tag and name are of what the file is."""
    answers = [client.get(path, params=params) for params in spellings]
    assert [r.status_code for r in answers] == [200] * len(answers), answers[-1].text
    assert {r.headers["etag"] for r in answers} == {answers[0].headers["etag"]}
    names = {r.headers.get("content-disposition") for r in answers}
    assert len(names) == 1, names
    held = answers[0].headers["etag"]
    for params in spellings[1:]:
        again = client.get(path, params=params, headers={"If-None-Match": held})
        assert again.status_code == 304, params


def test_the_decisions_are_a_csv_of_their_own(client: TestClient) -> None:
    """The CSV carried none of the curated decisions that are no mapping (the XLSX has them
    on its Decisions sheet): an element decided to have no counterpart read as undecided.
    They are a second CSV, named apart; the first keeps its columns (a contract)."""
    apqc = "/frameworks/apqc-pcf-cross-industry-7.4/export"
    flat = client.get(apqc, params={"format": "csv", "subtree": "8.1.2"})
    r = client.get(apqc, params={"format": "csv", "subtree": "8.1.2", "table": "decisions"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert (
        'filename="apqc-pcf-cross-industry-7.4-8-1-2-decisions.csv"'
        in (r.headers["content-disposition"])
    )
    assert r.headers["etag"] != flat.headers["etag"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert ("8.1.2.2", "20614", "no counterpart", "prm-it", "") in {
        (row["code"], row["pcf_id"], row["decision"], row["target_framework"], row["target_code"])
        for row in rows
    }
    assert {row["notice"] for row in rows} == {
        next(csv.DictReader(io.StringIO(flat.text)))["notice"]
    }
    assert flat.text.startswith(
        "code,pcf_id,name,definition,level,parent_code,measures,relation,target_framework,"
        "target_code,target_name,confidence,justification,derived,inherited_from,needs_review,"
        "rights,notice\r\n"
    )
