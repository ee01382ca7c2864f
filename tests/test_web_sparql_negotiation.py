"""GET /sparql: browsers get the query page; every protocol client gets exactly what it got
before (the service description, negotiated as the endpoint always did)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _webgraph import web_release
from fastapi.testclient import TestClient

from pcfgraph.api.sparql import html_preferred
from pcfgraph.config import Settings
from pcfgraph.serving import create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), web_release())) as c:
        yield c


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        (BROWSER, True),
        ("text/html", True),
        (None, False),
        ("*/*", False),
        ("text/turtle", False),
        ("text/turtle, text/html;q=0.5", False),
        ("application/ld+json, text/html", False),  # equal q: the server's order, RDF first
        ("text/html;q=0", False),
    ],
)
def test_html_preferred(accept: str | None, wanted: bool) -> None:
    assert html_preferred(accept) is wanted


def test_a_browser_gets_the_query_page(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>SPARQL query</h1>" in r.text
    assert 'src="/assets/vendor/codemirror/codemirror.js"' in r.text
    assert 'data-query="# summary:' in r.text  # the named queries as examples
    for asset in ("vendor/codemirror/codemirror.js", "vendor/codemirror/sparql.js", "sparql.js"):
        assert client.get(f"/assets/{asset}").status_code == 200
    assert client.get("/assets/vendor/../views.py").status_code == 404
    assert client.get("/assets/vendor/codemirror/LICENSE").status_code == 404


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "application/ld+json"])
def test_protocol_clients_get_the_service_description(
    client: TestClient, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", headers=headers)
    assert r.status_code == 200
    expected = "text/turtle" if accept in (None, "*/*", "text/turtle") else accept
    assert r.headers["content-type"].startswith(expected)
    assert "sparql-service-description" in r.text or "sd:" in r.text


@pytest.mark.parametrize("accept", [BROWSER, "text/turtle", None])
def test_the_page_and_the_description_both_say_they_vary_by_accept(
    client: TestClient, accept: str | None
) -> None:
    """GET /sparql answers a browser with HTML and every other client with the service
    description, by Accept alone: each answer must say so (``Vary: Accept``), or a cache
    (the browser's own) serves the query page to a script that asked for Turtle. The page
    said only ``Vary: Origin``."""
    r = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    varies = {v.strip().lower() for v in r.headers.get("vary", "").split(",")}
    assert "accept" in varies, r.headers.get("vary")


def test_a_browser_asking_a_query_still_gets_results(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert not r.headers["content-type"].startswith("text/html")


def test_the_page_without_javascript_answers_in_html_and_keeps_the_query(
    client: TestClient,
) -> None:
    """The page's form submitted without JavaScript went to GET /sparql: the browser got the
    raw results document, and on an error a problem document without the query typed."""
    import re

    page = client.get("/sparql", headers={"Accept": BROWSER}).text
    assert '<form id="sparql-form" class="sparql-form" action="/sparql/results"' in page
    typed = 'SELECT ?x WHERE { VALUES ?x { "<b>&</b>" } }'
    r = client.get("/sparql/results", params={"query": typed}, headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    box = re.search(r'<textarea id="query" name="query"[^>]*>\n(.*?)</textarea>', r.text, re.S)
    assert box and box.group(1) == typed.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    ).replace('"', "&#34;")
    cells = re.findall(r"<td>(.*?)</td>", r.text)
    assert cells == ["&lt;b&gt;&amp;&lt;/b&gt;"]
    broken = "SELECT * WHERE {\n  ?s ?p }"
    r = client.get("/sparql/results", params={"query": broken}, headers={"Accept": BROWSER})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "<title>Error: SPARQL query" in r.text
    assert "SELECT * WHERE {\n  ?s ?p }</textarea>" in r.text
    error = re.search(r'<p id="error" class="error" role="alert">(.*?)</p>', r.text, re.S)
    assert error and "line 2, column 3" in error.group(1)
    ask = client.get("/sparql/results", params={"query": "ASK {}"}, headers={"Accept": BROWSER})
    assert "The answer is <strong>true</strong>" in ask.text
    # the form sent empty is told so; the address alone is the page, as /sparql gives it
    empty = client.get("/sparql/results", params={"query": " "}, headers={"Accept": BROWSER})
    assert empty.status_code == 400 and "the query is empty" in empty.text
    bare = client.get("/sparql/results", headers={"Accept": BROWSER})
    assert bare.status_code == 200 and 'id="answer"' not in bare.text


def test_the_page_without_javascript_resolves_relative_iris_as_the_endpoint(
    client: TestClient,
) -> None:
    """A relative IRI in a query is resolved against /sparql's URL by the endpoint (what the
    page's editor posts to with JavaScript on); the form without JavaScript resolved it
    against the IRIs' base, so the same query answered differently."""
    import re

    query = "SELECT ?x WHERE { BIND(<x> AS ?x) }"
    endpoint = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    ).json()["results"]["bindings"][0]["x"]["value"]
    r = client.get("/sparql/results", params={"query": query}, headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert re.findall(r"<td>(?:<a [^>]*>)?(.*?)(?:</a>)?</td>", r.text) == [endpoint]
