"""What a browser user gets when an address or a form value is wrong: an HTML page with the
error's status that names the problem, keeps what was typed and gives a way on (APIs keep
problem+json)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from _webgraph import web_release
from fastapi.testclient import TestClient

from pcfgraph.config import Settings
from pcfgraph.http.public_url import route_path
from pcfgraph.serving import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), web_release())) as c:
        yield c


def test_an_unknown_path_is_the_workbench_404_page_for_browsers(client: TestClient) -> None:
    """A mistyped address in the browser was answered with problem+json."""
    r = client.get("/frameworkz/prm-it", headers=BROWSER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in r.text and "/frameworkz/prm-it" in r.text
    assert 'href="/"' in r.text  # a way on
    assert "accept" in r.headers["vary"].lower()
    # API clients keep problem+json: no Accept header, */*, JSON, and a POST
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        api = client.get("/frameworkz/prm-it", headers=headers)
        assert api.status_code == 404, headers
        assert api.headers["content-type"].startswith("application/problem+json"), headers
        assert api.json()["code"] == "not-found"
    post = client.post("/frameworkz", headers=BROWSER)
    assert post.status_code == 404 and post.json()["code"] == "not-found"


def test_a_trailing_slash_redirect_does_not_repeat_the_host_header(client: TestClient) -> None:
    """/search/ redirected to http://<the request's Host>/search: a client (or a proxy) sending
    Host: evil.example got a redirect to evil.example, which a cache keyed without Host would
    serve to everyone. The redirect is now relative, keeps the query, and is made only where
    a route answers the path with or without its slash."""
    evil = {**BROWSER, "Host": "evil.example"}
    r = client.get("/search/", params={"q": "a&b"}, headers=evil, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/search?q=a%26b"
    assert client.get("/search/?q=service", headers=BROWSER).status_code == 200  # followed
    none = client.get("/frameworkz/", headers=evil, follow_redirects=False)
    assert none.status_code == 404 and "location" not in none.headers
    assert client.get("/", headers=evil, follow_redirects=False).status_code == 200


@pytest.mark.parametrize(
    ("path", "routed"),
    [
        ("/pcf", ""),  # the bare root path: no route's, redirected to /pcf/
        ("/pcf/", "/"),
        ("/pcf/search/", "/search/"),
        ("/pcfx/search", "/pcfx/search"),  # not under /pcf
    ],
)
def test_the_route_path_of_the_bare_root_path_is_empty_as_starlette_routes_it(
    path: str, routed: str
) -> None:
    """The one rule for the path the routes see (http.public_url.route_path) made the bare
    root path "/", the home page's; the slash redirect, stripping the root path itself, made
    it "", as Starlette's routing does. Both read it from the one rule now."""
    assert route_path({"type": "http", "path": path, "root_path": "/pcf"}) == routed
    assert route_path({"type": "http", "path": path, "root_path": ""}) == path


def test_the_bare_root_path_is_redirected_to_its_slash_and_the_rest_as_before() -> None:
    """Behind a proxy's prefix (root_path /pcf), a server that passes the bare /pcf on
    without its slash: a user typing the address of the deployment gets the home page at
    /pcf/, as nginx and Starlette redirect a directory; every other slash redirect stays
    under the prefix, and a path merely starting with the prefix's letters is not under it."""
    with TestClient(create_app(Settings(), web_release()), root_path="/pcf") as rooted:
        bare = rooted.get("/pcf", headers=BROWSER, follow_redirects=False)
        assert bare.status_code == 307 and bare.headers["location"] == "/pcf/"
        asked = rooted.get("/pcf", params={"q": "x"}, headers=BROWSER, follow_redirects=False)
        assert asked.status_code == 307 and asked.headers["location"] == "/pcf/?q=x"
        assert rooted.get("/pcf/", headers=BROWSER, follow_redirects=False).status_code == 200
        slash = rooted.get("/pcf/search/", params={"q": "x"}, follow_redirects=False)
        assert slash.status_code == 307 and slash.headers["location"] == "/pcf/search?q=x"
        back = rooted.get("/pcf/search", params={"q": "x"}, follow_redirects=False)
        assert back.status_code == 200
        other = rooted.get("/pcfsearch/", headers=BROWSER, follow_redirects=False)
        assert other.status_code == 404 and "location" not in other.headers


def test_an_unknown_search_framework_keeps_the_query(client: TestClient) -> None:
    """The 404 for an unknown framework filter was the bare error page: the words typed into
    the search box were lost."""
    r = client.get("/search", params={"q": "service level", "framework": "bogus"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert 'value="service level"' in page  # the query is kept in the box
    assert '<form id="search-form"' in page  # ... of the search form, to search again
    alert = page[page.index('role="alert"') :]
    assert "no framework or family &#39;bogus&#39;" in alert[: alert.index("</p>")]
    assert "0 results" not in page  # no result list claiming nothing matched
    assert "<title>Error: Search · pcfgraph</title>" in page  # heard first
    # as you type the result fragment alone still answers 404
    partial = client.get("/search", params={"q": "x", "framework": "bogus", "partial": "true"})
    assert partial.status_code == 404


def test_a_refused_workbook_upload_keeps_the_edition_typed(client: TestClient) -> None:
    """The diff page answering a refused upload emptied the Edition field the user filled."""
    r = client.post(
        "/diff",
        files={"old_workbook": ("old.xlsx", b"PK not really")},
        data={"edition": 'my "edition" 7.4'},
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "the new workbook is missing" in r.text  # what went wrong
    assert "<title>Error: Compare editions · pcfgraph</title>" in r.text
    assert 'value="my &#34;edition&#34; 7.4"' in r.text  # kept, and escaped
    assert '<form action="/diff" method="post"' in r.text  # the form again, to retry


def test_an_unknown_edition_to_compare_is_404_like_an_unknown_matrix_framework(
    client: TestClient,
) -> None:
    """/diff?old=nope answered 400 where /matrix?source=nope and /frameworks/nope answer 404:
    the same mistake (a framework id the graph does not have) now gets the same status."""
    known = client.get("/matrix", params={"source": "nope"}, headers=BROWSER)
    assert known.status_code == 404
    r = client.get("/diff", params={"old": "nope", "new": "nope-too"}, headers=BROWSER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no framework &#39;nope&#39; in the graph" in r.text


def cell_texts(page: str) -> list[tuple[str, str]]:
    """Each matrix cell's link as a screen reader reads it (tags dropped), by its class."""
    cells = re.findall(r'<td class="(hit[^"]*)">\s*<a [^>]*>(.*?)</a>', page, re.S)
    return [(cls, re.sub(r"<[^>]+>", "", text)) for cls, text in cells]


def test_matrix_cells_say_in_words_what_their_style_shows(client: TestClient) -> None:
    """A cell's confidence (lighter colour) and derived-only (dashed outline) were shown by
    style alone (and a title a screen reader may skip): its link text said neither."""
    curated = cell_texts(client.get("/matrix").text)
    assert curated and all(", confidence 0." in t for _, t in curated), curated
    assert not any("derived" in t for _, t in curated)
    derived = cell_texts(client.get("/matrix?target=it-cmf&derived=true").text)
    dashed = [t for cls, t in derived if cls.endswith(" derived")]
    assert dashed and all(t.endswith(", derived only") for t in dashed), derived


def test_the_audit_pages_title_says_an_error_came_back(client: TestClient) -> None:
    """After a refused upload the page's title was the empty form's: a screen reader user
    hearing the new page's title could not tell the audit had not run."""
    assert "<title>Audit an organisational model · pcfgraph</title>" in client.get("/audit").text
    r = client.post("/audit", data={"asOf": "2024-13-01"}, files={"model": ("m.ttl", b"")})
    assert r.status_code == 400
    assert "<title>Error: Audit an organisational model · pcfgraph</title>" in r.text
    assert 'value="2024-13-01"' in r.text  # what was typed is kept


def _field_error(page: str, name: str) -> str | None:
    found = re.search(
        rf'<p class="error field-error" id="{name}-error" role="alert">(.*?)</p>', page
    )
    return found.group(1) if found else None


def test_a_bad_matrix_value_gives_the_matrix_form_with_the_error_at_its_field(
    client: TestClient,
) -> None:
    """A bad strength or derived value answered the bare error page: the form, and every other
    value chosen, were gone."""
    r = client.get(
        "/matrix",
        params=[("target", "it-cmf"), ("strength", "9"), ("strength", "3"), ("derived", "maybe")],
        headers=BROWSER,
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<form class="matrix-controls" action="/matrix" method="get">' in page
    assert "not &#39;9&#39;" in (_field_error(page, "strength") or "")
    assert "not &#39;maybe&#39;" in (_field_error(page, "derived") or "")
    assert _field_error(page, "target") is None
    # the other values are kept: the column choice and the valid strength
    assert re.findall(r'name="target" value="([^"]+)" checked', page) == ["it-cmf"]
    assert re.findall(r'name="strength" value="(\d)" checked', page) == ["3"]
    assert 'aria-describedby="strength-error" aria-invalid="true"' in page
    assert '<table class="matrix">' not in page  # no matrix drawn from values not asked for
    # an unknown category: the matrix of the mapped categories, the message at the select
    r = client.get("/matrix", params={"category": "99.0", "strength": "4"}, headers=BROWSER)
    assert r.status_code == 404
    assert "no category &#39;99.0&#39;" in (_field_error(r.text, "category") or "")
    assert re.findall(r'name="strength" value="(\d)" checked', r.text) == ["4"]


def _multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "b0undary") -> bytes:
    """A form body with its parts in the order given (a browser sends the form's order)."""
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: text/turtle\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_an_audit_upload_past_the_limit_keeps_the_options_chosen() -> None:
    """A model past max_upload_bytes (413) gave the empty form back: the date and profile
    chosen were gone, and the page did not say what the limit was nor that nothing ran."""
    limit = 4000
    with TestClient(create_app(Settings(max_upload_bytes=limit), web_release())) as small:
        form = small.get("/audit", headers=BROWSER).text
        # the options come before the files, so a browser sends them first
        assert form.index('name="asOf"') < form.index('name="profile"') < form.index('name="model"')
        assert "at most 4,000 bytes in all" in form
        big = b"<urn:a> <urn:b> <urn:c> .\n" * 400  # over the limit
        headers = {**BROWSER, "Content-Type": "multipart/form-data; boundary=b0undary"}
        body = _multipart(
            [("asOf", None, b"2021-03-15"), ("profile", None, b"strict"), ("model", "m.ttl", big)]
        )
        r = small.post("/audit", content=body, headers=headers)
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert 'name="asOf" type="date" value="2021-03-15"' in r.text
        assert '<option value="strict" selected>' in r.text
        alert = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', r.text, re.S)
        assert alert is not None
        assert "nothing was audited" in alert.group(1)
        assert "at most 4,000 bytes" in alert.group(1) and "kept in the form" in alert.group(1)
        # options sent after the file (another client's order) are past the limit: the page
        # says that nothing could be kept, rather than showing the defaults as if chosen
        late = _multipart([("model", "m.ttl", big), ("asOf", None, b"2021-03-15")])
        r = small.post("/audit", content=late, headers=headers)
        assert r.status_code == 413
        assert 'name="asOf" type="date" value=""' in r.text
        assert "nothing chosen on the form could be kept" in r.text


def test_a_workbook_upload_past_the_limit_keeps_the_edition_typed() -> None:
    """The diff page answering a 413 emptied the Edition field (it came after the files)."""
    with TestClient(create_app(Settings(max_upload_bytes=3000), web_release())) as small:
        form = small.get("/diff", headers=BROWSER).text
        assert form.index('name="edition"') < form.index('name="old_workbook"')
        body = _multipart(
            [
                ("edition", None, b'my "edition" 7.4'),
                ("old_workbook", "old.xlsx", b"PK" * 2000),
                ("new_workbook", "new.xlsx", b"PK" * 10),
            ]
        )
        headers = {**BROWSER, "Content-Type": "multipart/form-data; boundary=b0undary"}
        r = small.post("/diff", content=body, headers=headers)
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert 'value="my &#34;edition&#34; 7.4"' in r.text
        assert "3000-byte limit" in r.text


def test_a_wrong_partial_value_is_the_search_page_naming_what_it_takes(client: TestClient) -> None:
    """/search?partial=maybe was the bare error page: the search form and the words typed were
    gone. It is now the search page again, 400, the query kept and the message saying what
    ``partial`` takes (true or false), with no result list."""
    r = client.get("/search", params={"q": "service level", "partial": "maybe"}, headers=BROWSER)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert 'value="service level"' in page and '<form id="search-form"' in page
    alert = page[page.index('role="alert"') :]
    assert "partial must be true or false, not &#39;maybe&#39;" in alert[: alert.index("</p>")]
    assert "0 results" not in page and "<title>Error: Search · pcfgraph</title>" in page
