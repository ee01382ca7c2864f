"""The SPARQL endpoint, named queries over HTTP, dereferenceable IRIs and the sandbox.

One live server (uvicorn on 127.0.0.1, real sandbox workers) for the module; every answer is
compared with what the embedded store itself says, never with hard-coded result text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from sparql_support import endpoint_settings, fixture_store, live_server

from pcfgraph import iris

SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIX = f"PREFIX skos: <{SKOS}>\n"
ALPHA = iris.ID_BASE + "framework/alpha"
CODES_QUERY = (
    PREFIX + f"SELECT ?e ?code WHERE {{ ?e skos:inScheme <{ALPHA}> ; skos:notation ?code }}"
)
CONSTRUCT_QUERY = (
    PREFIX + f"CONSTRUCT {{ ?e skos:prefLabel ?l }} WHERE {{ ?e skos:inScheme <{ALPHA}> ; "
    "skos:prefLabel ?l }"
)
# 61 quads to the 5th power: far beyond any deadline, and cheap to describe.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, FastAPI]]:
    with live_server(endpoint_settings()) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: tuple[str, FastAPI]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return fixture_store().store


def expected_rows(store: ox.Store, query: str) -> set[tuple[Any, ...]]:
    res = store.query(query, use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    names = [v.value for v in res.variables]
    return {tuple(sol[n] for n in names) for sol in res}


def rows_of(body: bytes, fmt: ox.QueryResultsFormat) -> set[tuple[Any, ...]]:
    res = ox.parse_query_results(body, format=fmt)
    assert isinstance(res, ox.QuerySolutions)
    names = [v.value for v in res.variables]
    return {tuple(sol[n] for n in names) for sol in res}


def triples(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}


def assert_problem(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in r.text
    if code is not None:
        assert body["code"] == code, body
    return body


# --- protocol ---------------------------------------------------------------------------------


def test_get_post_form_and_post_direct_agree_with_the_store(
    client: httpx.Client, store: ox.Store
) -> None:
    want = expected_rows(store, CODES_QUERY)
    assert len(want) == 4
    answers = [
        client.get("/sparql", params={"query": CODES_QUERY}),
        client.post("/sparql", data={"query": CODES_QUERY}),
        client.post(
            "/sparql",
            content=CODES_QUERY.encode(),
            headers={"Content-Type": "application/sparql-query"},
        ),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
        assert rows_of(r.content, ox.QueryResultsFormat.JSON) == want


def test_a_query_file_saved_with_a_byte_order_mark_is_answered(
    client: httpx.Client, store: ox.Store
) -> None:
    """Editors on Windows save UTF-8 files with a byte order mark; ``curl --data-binary
    @query.rq`` sends it, and the query was refused at line 1, column 1 ("Expected
    {SelectQuery | ConstructQuery | DescribeQuery | AskQuery}") though it reads right."""
    want = expected_rows(store, CODES_QUERY)
    marked = "\ufeff" + CODES_QUERY
    answers = [
        client.post(
            "/sparql",
            content=marked.encode(),
            headers={"Content-Type": "application/sparql-query"},
        ),
        client.post("/sparql", data={"query": marked}),
        client.get("/sparql", params={"query": marked}),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        assert rows_of(r.content, ox.QueryResultsFormat.JSON) == want


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", "XML"),
        ("text/csv", "text/csv", "CSV"),
        ("text/tab-separated-values", "text/tab-separated-values", "TSV"),
        ("application/json", "application/sparql-results+json", "JSON"),
        ("text/html;q=0.9, */*;q=0.1", "application/sparql-results+json", "JSON"),
    ],
)
def test_select_content_negotiation(
    client: httpx.Client, store: ox.Store, accept: str, media: str, fmt: str
) -> None:
    r = client.get("/sparql", params={"query": CODES_QUERY}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == f"{media}; charset=utf-8"
    want = expected_rows(store, CODES_QUERY)
    if fmt == "CSV":  # lossy (no datatypes or languages): compare lexical forms
        header, *rows = list(csv.reader(io.StringIO(r.text)))
        assert header == ["e", "code"]
        assert {tuple(row) for row in rows} == {tuple(t.value for t in row) for row in want}
    else:
        assert rows_of(r.content, getattr(ox.QueryResultsFormat, fmt)) == want


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_formats(
    client: httpx.Client, store: ox.Store, accept: str | None, fmt: ox.RdfFormat
) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": CONSTRUCT_QUERY}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
    want = set(store.query(CONSTRUCT_QUERY, use_default_graph_as_union=True))  # type: ignore[arg-type]
    assert len(want) == 4
    assert triples(r.content, fmt) == want


def test_ask(client: httpx.Client) -> None:
    for query, value in (
        (PREFIX + "ASK { ?s skos:notation 'A1' }", True),
        ("ASK { ?s <urn:x> ?o }", False),
    ):
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 200
        assert r.json()["boolean"] is value


def test_sparql_requests_take_the_fast_path(server: tuple[str, FastAPI]) -> None:
    """GET and POST /sparql are found by the ASGI fast path (a FastAPI upgrade that changes how
    included routers are kept must not silently send them back through the full router)."""
    from pcfgraph.api.sparql import SparqlFastPath, sparql_get, sparql_post

    app = server[1]
    found = SparqlFastPath(app)._find(app)
    assert {method: endpoint for method, (_, endpoint) in found.items()} == {
        "GET": sparql_get,
        "POST": sparql_post,
    }
    assert {route.path for route, _ in found.values()} == {"/sparql"}


def test_under_a_root_path_sparql_is_answered_by_its_layer_as_the_routes_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a proxy's prefix (``root_path``) the ``/sparql`` layer stepped aside and every
    query went through FastAPI's routing and the layers inside (about 0.3 ms more server CPU
    a cheap query behind nginx). It answers it now, with what the routes answer: the same
    status, headers (``Link`` under the prefix) and body, errors too."""
    from fastapi.testclient import TestClient
    from sparql_support import fixture_release

    from pcfgraph.api.sparql import SparqlFastPath
    from pcfgraph.serving import create_app

    taken: list[bool] = []
    target = SparqlFastPath.target

    def counted(self: SparqlFastPath, scope: Any) -> Any:
        found = target(self, scope)
        taken.append(found is not None)
        return found if routed is False else None

    routed = False
    monkeypatch.setattr(SparqlFastPath, "target", counted)
    app = create_app(endpoint_settings(), fixture_release())
    ask = {"query": "ASK { ?s ?p ?o }"}
    requests: list[tuple[str, dict[str, Any]]] = [
        ("GET", {"params": ask, "headers": {"Accept": "application/sparql-results+json"}}),
        ("GET", {"params": {"query": "SELEC ?x"}}),
        ("GET", {"params": {"query": "SELECT ?x WHERE { BIND(<other/thing> AS ?x) }"}}),
        ("GET", {"headers": {"Accept": "text/turtle"}}),
        ("POST", {"content": "ASK {}", "headers": {"Content-Type": "application/sparql-query"}}),
        ("POST", {"data": {"update": "CLEAR ALL"}}),
    ]

    def answers() -> list[tuple[int, list[tuple[str, str]], bytes]]:
        out = []
        with TestClient(app, root_path="/pcf") as http:
            for method, kwargs in requests:
                r = http.request(method, "/pcf/sparql", **kwargs)
                kept = [(k, v) for k, v in r.headers.items() if k not in ("x-request-id", "date")]
                # a problem names its request's id (a new one each time)
                body = re.sub(rb'"request_id":"[0-9a-f]+"', b"", r.content)
                out.append((r.status_code, sorted(kept), body))
        return out

    fast = answers()
    assert taken and all(taken), taken  # every one answered by the /sparql layer
    routed = True
    assert answers() == fast  # as FastAPI's routes answer them
    statuses = [status for status, _, _ in fast]
    assert statuses == [200, 400, 200, 200, 200, 403]
    links = dict(fast[0][1])["link"]
    assert "</pcf/licences>" in links, links


def test_relative_iris_resolve_against_the_service_url(
    client: httpx.Client, server: tuple[str, FastAPI]
) -> None:
    query = "SELECT ?x WHERE { BIND(<other/thing> AS ?x) }"
    for host in (None, "sparql.example.org:8443"):
        headers = {"Host": host} if host else {}
        r = client.get("/sparql", params={"query": query}, headers=headers)
        assert r.status_code == 200, r.text
        base = f"http://{host}" if host else server[0]
        assert r.json()["results"]["bindings"][0]["x"]["value"] == base + "/other/thing"


PUBLIC = "https://kb.example.org/pcf"


@pytest.fixture(scope="module")
def public_server() -> Iterator[tuple[str, FastAPI]]:
    """The endpoint behind a proxy at ``PUBLIC`` (the ``public_url`` setting)."""
    with live_server(endpoint_settings(public_url=PUBLIC + "/")) as running:
        yield running


def test_with_public_url_the_endpoint_names_it_whatever_host_is_sent(
    public_server: tuple[str, FastAPI],
) -> None:
    """Behind a proxy the endpoint's URL (relative IRIs' base, the service description's
    ``sd:endpoint``, the query page's answers) was the request's scheme and ``Host``: nginx's
    default ``Host: 127.0.0.1:8000``, or any name a client forged. With ``public_url`` it is
    ``public_url``'s, and nothing of a forged ``Host`` is in an answer."""
    query = "SELECT ?x WHERE { BIND(<other/thing> AS ?x) }"
    sd = str(iris.SD)
    with httpx.Client(base_url=public_server[0], timeout=30) as client:
        for host in (None, "evil.example", "127.0.0.1:8000"):
            headers = {"Host": host} if host else {}
            for _ in range(2):  # the second: a kept plan and answer (fast path)
                r = client.get("/sparql", params={"query": query}, headers=headers)
                assert r.status_code == 200, r.text
                value = r.json()["results"]["bindings"][0]["x"]["value"]
                assert value == PUBLIC + "/other/thing", host
            r = client.post("/sparql", data={"query": query}, headers=headers)
            assert r.json()["results"]["bindings"][0]["x"]["value"] == PUBLIC + "/other/thing"
            described = client.get("/sparql", headers={**headers, "Accept": "text/turtle"})
            graph = ox.Store()
            graph.extend(
                ox.Quad(t.subject, t.predicate, t.object)
                for t in ox.parse(described.content, format=ox.RdfFormat.TURTLE)
            )
            found = graph.query(f"SELECT ?e {{ ?s a <{sd}Service> ; <{sd}endpoint> ?e }}")
            assert {s["e"].value for s in found} == {PUBLIC + "/sparql"}, host  # type: ignore[union-attr]
            page = client.get(
                "/sparql/results",
                params={"query": query},
                headers={**headers, "Accept": "text/html"},
            )
            assert page.status_code == 200 and PUBLIC + "/other/thing" in page.text, host
            for answer in (r, described, page):
                assert "evil.example" not in answer.text


def test_not_acceptable_unsupported_media_type_and_too_large(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": CODES_QUERY}, headers={"Accept": "image/png"})
    assert_problem(r, 406, "not-acceptable")
    r = client.get("/sparql", params={"query": CONSTRUCT_QUERY}, headers={"Accept": "text/csv"})
    assert_problem(r, 406)
    r = client.post("/sparql", content=b"SELECT * {}", headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "unsupported-media-type")
    # a compressed body is refused as such (it was read as the query: "not valid UTF-8")
    for media, body in (("application/sparql-query", b"ASK {}"), (FORM, b"query=ASK%7B%7D")):
        packed = gzip.compress(body)
        r = client.post(
            "/sparql",
            content=packed,
            headers={"Content-Type": media, "Content-Encoding": "gzip"},
        )
        problem = assert_problem(r, 415, "unsupported-media-type")
        assert "Content-Encoding: gzip" in problem["detail"], problem
    r = client.post(
        "/sparql",
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query", "Content-Encoding": "identity"},
    )
    assert r.status_code == 200, r.text
    big = CODES_QUERY + "#" + "x" * (70 * 1024)
    r = client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert_problem(r, 413, "payload-too-large")
    r = client.post("/sparql", data={"query": big})
    assert_problem(r, 413)


def test_service_description(client: httpx.Client, store: ox.Store) -> None:
    r = client.get("/sparql")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = ox.Store()
    graph.extend(
        ox.Quad(t.subject, t.predicate, t.object)
        for t in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
    )
    sd = str(iris.SD)
    endpoints = {
        s["e"].value
        for s in graph.query(f"SELECT ?e {{ ?s a <{sd}Service> ; <{sd}endpoint> ?e }}")  # type: ignore[union-attr]
    }
    assert endpoints == {str(client.base_url).rstrip("/") + "/sparql"}
    names = {s["g"].value for s in graph.query(f"SELECT ?g {{ ?x <{sd}name> ?g }}")}  # type: ignore[union-attr]
    assert names == {g.value for g in store.named_graphs()}  # type: ignore[union-attr]


def test_service_description_is_cacheable(client: httpx.Client) -> None:
    """The same bytes while a release is served: a strong ETag per format, 304 for the
    client's copy (it had neither, so every client fetched it whole each time)."""
    plain = {"Accept-Encoding": "identity"}
    turtle = client.get("/sparql", headers=plain)
    tag = turtle.headers["etag"]
    assert not tag.startswith("W/") and "Accept" in turtle.headers["vary"]
    again = client.get("/sparql", headers={**plain, "If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag and not again.content
    ntriples = client.get("/sparql", headers={**plain, "Accept": "application/n-triples"})
    assert ntriples.headers["etag"] != tag
    other = {**plain, "Accept": "application/n-triples", "If-None-Match": tag}
    assert client.get("/sparql", headers=other).status_code == 200


def test_protocol_dataset_parameters(client: httpx.Client) -> None:
    beta_graph = iris.ID_BASE + "graph/framework/beta"
    q = PREFIX + "SELECT ?s WHERE { ?s a skos:ConceptScheme }"
    r = client.get("/sparql", params={"query": q, "default-graph-uri": beta_graph})
    assert {row[0].value for row in rows_of(r.content, ox.QueryResultsFormat.JSON)} == {
        iris.ID_BASE + "framework/beta"
    }
    q = PREFIX + "SELECT ?g ?s WHERE { GRAPH ?g { ?s a skos:ConceptScheme } }"
    r = client.get("/sparql", params={"query": q, "named-graph-uri": beta_graph})
    assert {row[0].value for row in rows_of(r.content, ox.QueryResultsFormat.JSON)} == {beta_graph}
    q = PREFIX + f"SELECT ?s FROM <{beta_graph}> WHERE {{ ?s a skos:ConceptScheme }}"
    r = client.get("/sparql", params={"query": q})
    assert {row[0].value for row in rows_of(r.content, ox.QueryResultsFormat.JSON)} == {
        iris.ID_BASE + "framework/beta"
    }


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:1/graph> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }",
    ],
)
def test_unknown_graphs_are_refused(client: httpx.Client, query: str) -> None:
    assert_problem(client.get("/sparql", params={"query": query}), 400, "unknown-graph")


def test_unknown_protocol_graph_is_refused(client: httpx.Client) -> None:
    r = client.get(
        "/sparql",
        params={"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"},
    )
    assert_problem(r, 400, "unknown-graph")


def test_updates_and_load_are_forbidden(client: httpx.Client, store: ox.Store) -> None:
    before = len(store)
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    answers = [
        client.post(
            "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
        ),
        client.post("/sparql", data={"update": update}),
        client.get("/sparql", params={"update": update}),
        client.get("/sparql", params={"query": update}),
        client.get("/sparql", params={"query": "LOAD <http://127.0.0.1:1/x.ttl>"}),
        client.post("/sparql", data={"query": "CLEAR ALL"}),
    ]
    for r in answers:
        assert_problem(r, 403, "update-forbidden")
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == before


@pytest.fixture()
def canary() -> Iterator[socket.socket]:
    """A loopback listener that must never be contacted."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections(sock: socket.socket, wait: float = 0.5) -> int:
    n = 0
    while select.select([sock], [], [], wait)[0]:
        conn, _ = sock.accept()
        conn.close()
        n += 1
        wait = 0.05
    return n


def test_service_is_refused_and_nothing_is_contacted(
    client: httpx.Client, canary: socket.socket
) -> None:
    port = canary.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    for query in (
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX c: <http://127.0.0.1:{port}/> SELECT * {{ ?x ?y ?z OPTIONAL {{ SERVICE c:sparql {{ ?s ?p ?o }} }} }}",
    ):
        assert_problem(client.get("/sparql", params={"query": query}), 400, "service-not-allowed")
        assert_problem(client.post("/sparql", data={"query": query}), 400, "service-not-allowed")
    assert connections(canary) == 0


def test_workers_have_no_network_even_past_the_guard(
    server: tuple[str, FastAPI], canary: socket.socket
) -> None:
    """Defence in depth: a SERVICE handed straight to a worker reaches nobody either."""
    import asyncio

    pool = server[1].state.pcf.pool
    if not pool.network_isolated:
        pytest.skip("this kernel refuses unprivileged network namespaces")
    port = canary.getsockname()[1]
    payload = {
        "query": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "media_type": "application/sparql-results+json",
        "max_rows": 10,
    }
    from pcfgraph.sandbox.tasks import SPARQL_QUERY

    coro = pool.run(SPARQL_QUERY, payload, timeout=5)
    fut = asyncio.run_coroutine_threadsafe(coro, pool.loop)
    with pytest.raises(Exception):  # noqa: B017 - any failure; the point is the canary
        fut.result(10)
    assert connections(canary) == 0


def test_deep_nesting_is_refused(client: httpx.Client) -> None:
    query = "SELECT * WHERE " + "{" * 40 + " ?s ?p ?o " + "}" * 40
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "query-too-deep")
    assert "16" in body["detail"]
    expr = "SELECT (" + "!" * 40 + "true AS ?x) {}"
    assert_problem(client.get("/sparql", params={"query": expr}), 400, "query-too-deep")


def test_large_results_arrive_whole(client: httpx.Client) -> None:
    """A result far larger than a socket buffer (2 MB) comes through intact."""
    text = "x" * 50_000
    values = " ".join(str(i) for i in range(40))
    query = (
        f'SELECT ?big WHERE {{ VALUES ?i {{ {values} }} BIND(CONCAT("{text}", STR(?i)) AS ?big) }}'
    )
    r = client.post("/sparql", data={"query": query})
    assert r.status_code == 200, r.text
    got = {b["big"]["value"] for b in r.json()["results"]["bindings"]}
    assert got == {text + str(i) for i in range(40)}


def test_row_cap_gives_422_naming_the_cap(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o . ?x ?y ?z }"})
    body = assert_problem(r, 422, "result-too-large")
    assert "50" in body["detail"]
    r = client.get(
        "/sparql", params={"query": "CONSTRUCT { ?s ?p ?x } WHERE { ?s ?p ?o . ?x ?y ?z }"}
    )
    assert_problem(r, 422, "result-too-large")


def test_non_utf8_is_refused(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        content=b'SELECT * WHERE { ?s ?p "\xff\xfe" }',
        headers={"Content-Type": "application/sparql-query"},
    )
    assert_problem(r, 400, "bad-encoding")
    r = client.get("/sparql?query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D")
    assert_problem(r, 400, "bad-encoding")
    r = client.post("/sparql", content=b"query=%FF", headers={"Content-Type": FORM})
    assert_problem(r, 400, "bad-encoding")


def test_syntax_error_names_line_and_column(client: httpx.Client) -> None:
    query = "SELECT *\nWHERE {\n  ?s ?p \n}"
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "syntax-error")
    assert body["line"] in (3, 4) and isinstance(body["column"], int)
    assert f"line {body['line']}" in body["detail"]


@pytest.mark.parametrize(
    ("query", "prefix", "line", "column"),
    [
        ("SELECT ?s WHERE {\n  ?s skos:prefLabel ?l }", "skos", 2, 6),
        # pyoxigraph said "expected ENCODE_FOR_URI" for these two, and "expected OPTIONAL"
        ("SELECT ?s WHERE { ?s ?p ?o FILTER(?o = xsd:integer) }", "xsd", 1, 40),
        ('SELECT ?s WHERE { ?s ?p "\u00e9" ; ex:b ?o . _:b ?p ?o }', "ex", 1, 31),
    ],
)
def test_an_undeclared_prefix_is_named_where_it_is_used(
    client: httpx.Client, query: str, prefix: str, line: int, column: int
) -> None:
    """A query using a prefix it does not declare is told which one and where, with the
    PREFIX line to add; pyoxigraph's message listed character classes, or named what it
    expected in its place."""
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "syntax-error")
    assert (body["line"], body["column"]) == (line, column), body
    assert f"the prefix '{prefix}:' is not declared" in body["detail"], body
    if prefix in iris.PREFIXES:
        assert f"PREFIX {prefix}: <{iris.PREFIXES[prefix]}>" in body["detail"], body


def test_a_syntax_error_before_an_undeclared_prefix_is_reported_first(
    client: httpx.Client,
) -> None:
    query = "SELECT ?s WHERE {\n  ?s ?p ) .\n  ?s skos:prefLabel ?l }"
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "syntax-error")
    assert body["line"] == 2 and "prefix" not in body["detail"], body


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            "SELECT ?x WHERE { ?x ?p ?o }\nGROUP BY ?o",
            "The SELECT contains a variable that is unbound",
        ),
        ("SELECT (1 AS ?x) (2 AS ?x) {}", "Duplicated variable name in SELECT"),
        (
            "ASK {} LIMIT 99999999999999999999999",
            "The query limit should be a non negative integer",
        ),
        # rdflib's parser said "Expected SelectQuery" at the start of the group, and the
        # lexer read the inside of the first as an undeclared prefix 'https:'
        ("SELECT * WHERE {\n  ?s <https://example.org/a b> ?o }", "IRI parsing failed"),
        ('SELECT ("a"^^<b c> AS ?x) {}', "IRI parsing failed"),
    ],
)
def test_the_engines_own_explanation_is_the_message(
    client: httpx.Client, query: str, said: str
) -> None:
    """pyoxigraph gives these as one alternative of "expected one of ..." beside pages of
    character classes ('0' ..= '9' | '\\u{00B7}' ...): the message is its explanation."""
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "syntax-error")
    assert body["detail"].endswith(f"SPARQL syntax error: {said}"), body
    assert isinstance(body["line"], int) and isinstance(body["column"], int)


@pytest.mark.parametrize(
    ("query", "line", "column", "said"),
    [
        ("SELECT * WHERE {\n  ?s ?p ?o\n", 1, 16, "the query ends before this '{' is closed"),
        (
            "SELECT * WHERE { ?s ?p ?o . FILTER(?o > 3 }",
            1,
            43,
            "'}' does not close the '(' at line 1, column 35",
        ),
        ("SELECT * WHERE { ?s ?p ?o } }", 1, 29, "'}' closes nothing"),
        ("SELECT * WHERE { ?s ?p 'abc }", 1, 24, "the string starting with ' is never closed"),
        (
            "SELECT (COUNT(*) ?n) WHERE { ?s ?p ?o }",
            1,
            18,
            "cannot read the query from here: '?n) WHERE { ?s ?p ?o }'",
        ),
        ("SELECT * WHERE { ?s ?p ?o } LIMT 3", 1, 29, "the query should end before 'LIMT 3'"),
    ],
)
def test_a_syntax_error_without_a_reason_is_said_in_words(
    client: httpx.Client, query: str, line: int, column: int, said: str
) -> None:
    """Where neither parser gives a reason, rdflib's message was its rule's name ("Expected
    SelectQuery" at the start of the group) or "Expected end of text": now the bracket or
    string left open, or what stands where reading stopped."""
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "syntax-error")
    assert (body["line"], body["column"]) == (line, column), body
    assert f"SPARQL syntax error: {said}" in body["detail"], body
    assert "Expected" not in body["detail"], body


def test_brackets_inside_strings_iris_and_comments_do_not_count() -> None:
    from pcfgraph.sparql_guard import unbalanced

    assert unbalanced("SELECT * WHERE { ?s ?p '{(' . # }\n ?s <urn:a(b> \"]\" }") is None
    assert unbalanced("ASK { FILTER(1 > 2) }") is None
    assert unbalanced("ASK {\n  FILTER(1 > 2 ]\n}") == (
        "']' does not close the '(' at line 2, column 9",
        2,
        16,
    )


def test_cors(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "https://example.org"
    r = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in r.headers


def test_cors_lets_a_page_read_the_headers_the_api_answers_with(client: httpx.Client) -> None:
    """A cross-origin page reads only the response headers CORS exposes: it could not read
    POST /validate's X-Audit-Conforms / X-Audit-Fails (its verdict), a download's
    Content-Disposition (its file name), the ETag of a /sparql answer or an /id resource's
    canonical Link, and a conditional request (If-None-Match) was refused at preflight."""
    origin = {"Origin": "https://example.org"}
    r = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {
        "x-request-id",
        "retry-after",
        "x-audit-conforms",
        "x-audit-fails",
        "content-disposition",
        "etag",
        "link",
    } <= exposed
    assert "etag" in r.headers
    pre = client.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert pre.status_code == 200, pre.text
    again = client.get(
        "/sparql",
        params={"query": "ASK {}"},
        headers={**origin, "If-None-Match": r.headers["etag"]},
    )
    assert again.status_code == 304


# --- the sandbox ------------------------------------------------------------------------------


def test_runaway_query_times_out_while_others_answer(
    client: httpx.Client, server: tuple[str, FastAPI]
) -> None:
    result: dict[str, Any] = {}

    def runaway() -> None:
        # Another client (address): the sandbox keeps a worker from a client running long.
        transport = httpx.HTTPTransport(local_address="127.0.0.7")
        with httpx.Client(base_url=server[0], timeout=30, transport=transport) as other:
            result["response"] = other.get("/sparql", params={"query": RUNAWAY})

    thread = threading.Thread(target=runaway)
    thread.start()
    pool = server[1].state.pcf.pool
    deadline = time.monotonic() + 20
    while not pool.busy_pids():  # the runaway holds a worker (not a fixed sleep: it may be late)
        assert "response" not in result and time.monotonic() < deadline, "no worker ran it"
        time.sleep(0.01)
    for _ in range(3):  # answered while the runaway holds a worker (no wall-clock assertion)
        r = client.get("/sparql", params={"query": CODES_QUERY})
        assert r.status_code == 200
    thread.join(30)
    r = result["response"]
    assert_problem(r, 503, "query-timeout")  # stopped by the server at its deadline
    assert int(r.headers["retry-after"]) >= 1
    assert client.get("/sparql", params={"query": CODES_QUERY}).status_code == 200


def test_crashed_worker_gives_503_and_the_server_recovers() -> None:
    # a server of its own with a deadline the query cannot reach: on the module's 2 s one,
    # this process held off the CPU for 2 s between seeing the query busy and killing its
    # worker made the answer query-timeout
    with (
        live_server(endpoint_settings(query_timeout=120.0)) as (url, app),
        httpx.Client(base_url=url, timeout=180) as client,
    ):
        _crash_a_busy_worker(client, app)


def _crash_a_busy_worker(client: httpx.Client, app: FastAPI) -> None:
    pool = app.state.pcf.pool
    deadline = time.monotonic() + 60
    while len(pool.pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    result: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("r", client.get("/sparql", params={"query": RUNAWAY}))
    )
    thread.start()
    busy: list[int] = []
    deadline = time.monotonic() + 60  # a hung test, not a bound: a loaded machine may be late
    while not busy and time.monotonic() < deadline:
        busy = pool.busy_pids()
        time.sleep(0.02)
    assert busy
    os.kill(busy[0], signal.SIGKILL)
    thread.join(60)
    assert_problem(result["r"], 503, "worker-crashed")
    assert "retry-after" in result["r"].headers
    r = client.get("/sparql", params={"query": CODES_QUERY})
    assert r.status_code == 200
    assert client.get("/health").status_code == 200


# --- named queries ----------------------------------------------------------------------------


def test_named_queries_are_listed(client: httpx.Client) -> None:
    r = client.get("/queries")
    assert r.status_code == 200
    queries = {q["name"]: q for q in r.json()["queries"]}
    assert "api/element-by-code" in queries
    params = {p["name"]: p for p in queries["api/element-by-code"]["params"]}
    assert set(params) == {"framework", "code"} and not params["code"]["optional"]
    assert (params["framework"]["example"], params["code"]["example"]) == ("prm-it", "A24")
    assert queries["api/describe-resource"]["form"] == "CONSTRUCT"


def test_named_query_runs_with_bound_parameters(client: httpx.Client, store: ox.Store) -> None:
    r = client.get("/queries/api/element-by-code", params={"framework": "alpha", "code": "A12"})
    assert r.status_code == 200, r.text
    bindings = r.json()["results"]["bindings"]
    assert {b["element"]["value"] for b in bindings} == {iris.ID_BASE + "alpha/A12"}
    r = client.get(
        "/queries/api/element-by-code",
        params={"framework": "alpha", "code": "A12' || true || '"},
        headers={"Accept": "text/csv"},
    )
    # no injection: bound as a term, it names no element (refused, as any unknown code is)
    assert r.status_code == 400 and "parameter 'code' must be the code of an element" in r.text
    r = client.get("/queries/api/descendants", params={"element": iris.ID_BASE + "alpha/A1"})
    got = {b["code"]["value"] for b in r.json()["results"]["bindings"]}
    assert got == {"A11", "A12", "A121"}


def test_named_query_errors(client: httpx.Client) -> None:
    assert_problem(client.get("/queries/api/no-such-query"), 404, "not-found")
    assert_problem(client.get("/queries/api/element-by-code", params={"framework": "alpha"}), 400)
    assert_problem(
        client.get(
            "/queries/api/element-by-code", params={"code": "A1", "framework": "x", "y": "1"}
        ),
        400,
    )
    r = client.get("/queries/api/descendants", params={"element": "not an iri"})
    assert_problem(r, 400)


# --- dereferenceable IRIs ---------------------------------------------------------------------


def test_iri_as_html_page(client: httpx.Client) -> None:
    r = client.get("/id/alpha/A1", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "Customer relationships" in html
    assert "Keeping customers close &amp; happy &lt;always&gt;." in html  # escaped
    assert 'href="/id/alpha/A11"' in html and 'href="/id/alpha/A12"' in html  # children
    assert 'src="http' not in html and "@import" not in html  # nothing from other hosts
    child = client.get("/id/alpha/A11", headers={"Accept": "text/html"}).text
    assert 'href="/id/alpha/A1"' in child  # parent link back


def test_generic_resource_page(client: httpx.Client, store: ox.Store) -> None:
    """The generic view (any resource; framework elements may get the workbench page)."""
    from pcfgraph.api.element_html import generic_resource_html
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.store import EmbeddedStore

    q = QueryCatalog().get("api/describe-resource")
    iri = iris.ID_BASE + "alpha/A11"
    html = generic_resource_html(iri, EmbeddedStore(store).construct(q, {"resource": iri}))
    assert "Service level management" in html
    assert 'href="/id/framework/alpha"' in html and 'href="/id/alpha/A1"' in html
    assert "Percentage of SLAs met" in html  # measure
    assert "<script" not in html.lower() and 'href="http' not in html
    a1 = iris.ID_BASE + "alpha/A1"
    html = generic_resource_html(a1, EmbeddedStore(store).construct(q, {"resource": a1}))
    assert 'href="/id/beta/B1"' in html and "ManualMappingCuration" in html
    assert (
        client.get("/id/mapping/alpha-beta/1", headers={"Accept": "text/html"}).status_code == 200
    )


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_iri_as_rdf(client: httpx.Client, store: ox.Store, accept: str, fmt: ox.RdfFormat) -> None:
    r = client.get("/id/alpha/A1", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
    got = triples(r.content, fmt)
    a1 = ox.NamedNode(iris.ID_BASE + "alpha/A1")
    own = {
        ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(a1, None, None)
    }
    assert own <= got
    assert (
        ox.Triple(ox.NamedNode(iris.ID_BASE + "alpha/A11"), ox.NamedNode(SKOS + "broader"), a1)
        in got
    )


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/id/alpha/NOPE", {"Accept": BROWSER_ACCEPT}),
        ("/id/alpha/NOPE", {"Accept": "text/html"}),
        ("/id/alpha/NOPE?format=html", {"Accept": "application/json"}),
        ("/id/alpha/not%20an%20iri", {"Accept": BROWSER_ACCEPT}),
    ],
)
def test_unknown_iri_is_an_html_404_for_browsers(
    client: httpx.Client, path: str, headers: dict[str, str]
) -> None:
    r = client.get(path, headers=headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), r.text
    assert "<h1>Not found</h1>" in r.text and 'href="/"' in r.text  # a way back
    assert "/id/alpha/" in r.text.replace(iris.ID_BASE, "/id/")  # names the IRI
    assert r.headers["x-request-id"]


def test_not_found_page_without_the_workbench() -> None:
    from types import SimpleNamespace

    from pcfgraph.api.element_html import not_found_html
    from pcfgraph.runtime import Pages

    state = SimpleNamespace(pages=Pages())  # an app without the workbench's pages
    html = not_found_html(state, "nothing is known about <x&y>")  # type: ignore[arg-type]
    assert "<h1>Not found</h1>" in html and "&lt;x&amp;y&gt;" in html
    assert 'href="/"' in html and "<script" not in html


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "application/ld+json",
        "application/problem+json, text/html;q=0.5",
        "*/*",
        None,  # httpx sends */* unless told otherwise; None drops the header
    ],
)
def test_unknown_iri_is_a_problem_json_404_for_api_clients(
    client: httpx.Client, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    request = client.build_request("GET", "/id/alpha/NOPE", headers=headers)
    if accept is None:
        del request.headers["Accept"]
    assert_problem(client.send(request), 404, "not-found")


def test_problem_bodies_are_json(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE {"})
    assert json.loads(r.text)["request_id"] == r.headers["x-request-id"]
