"""``GET``/``POST /sparql`` answered on the HTTP protocol's fast path (pcfgraph.api.fast_path) is the
same answer as through the ASGI app: two real servers (uvicorn with pcfgraph's protocol, on
loopback, the same release and settings), one with ``http_fast_path`` on and one with it off,
get the same requests; statuses, headers (but ``date`` and ``x-request-id``), bodies, the
``/metrics`` counts and the access-log lines must be equal, and the fast server's debug log
must show which requests it answered on the fast path (the other server's: none).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
from ops_support import LiveServer, publish

SETTINGS = {
    "query_workers": 2,
    "max_result_rows": 6,
    "max_url_bytes": 2048,
    "cors_origins": "https://app.example.org",
    "log_level": "debug",
    "max_concurrent_per_client": 16,
    "max_body_bytes": 65536,
}
FAST_LINE = "answered on the protocol's fast path"
JSON_TYPE = "application/sparql-results+json"
RID = re.compile(r"^[0-9a-f]{16}$")
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
MINI = "https://w3id.org/pcfgraph/id/mini/"

Response = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    yield from paired_servers(tmp_path_factory.mktemp("fast-path"), **SETTINGS)


def paired_servers(root: Path, **settings: Any) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two real servers of one published release, the fast path on and off, warmed up."""
    publish(root / "rel")
    fast = LiveServer(root / "rel", root / "fast.log", http_fast_path=True, **settings)
    slow = LiveServer(root / "rel", root / "slow.log", http_fast_path=False, **settings)
    fast.start()
    try:
        slow.start()
        try:
            for server in (fast, slow):
                warm_up(server)
            yield fast, slow
        finally:
            slow.stop()
    finally:
        fast.stop()


def warm_up(server: LiveServer, timeout: float = 120.0) -> None:
    """Until the in-process evaluator has the release's statistics (computed in the
    background after the first query): a lookup is then answered in process (on the fast
    server: on the fast path, which its debug log shows)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    deadline = time.monotonic() + timeout
    query = SKOS + f"ASK {{ <{MINI}C1> skos:broader <{MINI}R> }}"
    while time.monotonic() < deadline:
        status, _, _ = request(conn, query_path(query), {"X-Request-ID": "warmup"})
        assert status == 200
        if server.settings["http_fast_path"] and FAST_LINE in server.log():
            break
        if not server.settings["http_fast_path"] and "GET /sparql 200" in server.log():
            time.sleep(1.0)  # the other server's statistics: as long as the first took
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"no fast-path answer after {timeout:.0f} s: {server.log()[-2000:]}")
    conn.close()


def query_path(query: str, **extra: str) -> str:
    return "/sparql?" + urlencode({"query": query, **extra}, quote_via=quote)


def request(
    conn: http.client.HTTPConnection,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
) -> Response:
    # one Host for both servers: the service IRI (and so the ETag) is made from it
    conn.request(method, path, body=body, headers={"Host": "pcfgraph.test", **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, [(k.lower(), v) for k, v in resp.getheaders()], data


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k == name), None)


def normal_body(status: int, headers: list[tuple[str, str]], body: bytes) -> object:
    """The body as what it means: problem+json without its request id (checked apart), RDF
    as a set of triples, a JSON result set's rows as a set; anything else as bytes."""
    ctype = (header(headers, "content-type") or "").split(";")[0]
    if not body:  # HEAD, 304
        return body
    if ctype == "application/problem+json":
        doc = json.loads(body)
        assert doc["request_id"] == header(headers, "x-request-id")
        doc.pop("request_id")
        return doc
    if ctype in ("text/turtle", "application/n-triples"):
        fmt = ox.RdfFormat.TURTLE if ctype == "text/turtle" else ox.RdfFormat.N_TRIPLES
        return frozenset(str(t) for t in ox.parse(body, format=fmt))
    if ctype == "application/sparql-results+json" and b'"results"' in body:
        doc = json.loads(body)
        rows = doc["results"]["bindings"]
        return doc["head"], frozenset(json.dumps(r, sort_keys=True) for r in rows)
    return body


def comparable(response: Response) -> tuple[int, Counter[tuple[str, str]], object]:
    status, headers, body = response
    rid = header(headers, "x-request-id")
    assert rid is not None and (RID.match(rid) or rid.startswith("m")), headers
    kept = Counter((k, v) for k, v in headers if k not in ("date", "x-request-id"))
    return status, kept, normal_body(status, headers, body)


def metrics(conn: http.client.HTTPConnection) -> Counter[str]:
    """The counts of ``/metrics`` (requests by route, method and status, problems by code,
    request counts of the latency histogram; not its times, not the gauges)."""
    _, _, body = request(conn, "/metrics")
    counts: Counter[str] = Counter()
    for line in body.decode().splitlines():
        if line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        if name.startswith(
            (
                "pcfgraph_http_requests_total",
                "pcfgraph_problems_total",
                "pcfgraph_http_request_duration_seconds_count",
                "pcfgraph_rejected_requests_total",
                "pcfgraph_query_timeouts_total",
            )
        ):
            counts[name] = int(float(value))
    return counts


def access_lines(server: LiveServer, wanted: Iterable[str] = ()) -> dict[str, str]:
    """Access-log lines by request id, without their time and duration (with the client's
    address: both servers' are 127.0.0.1); once those of the
    ``wanted`` ids are written (they leave in batches: ``Settings.access_log_flush_ms``),
    or a minute has passed."""
    deadline = time.monotonic() + 60
    while True:
        found = {}
        for line in server.log().splitlines():
            m = re.search(r"pcfgraph\.access \[(\w+)\] (.*) [0-9.]+ ms (from .*)$", line)
            if m:
                found[m[1]] = f"{m[2]} {m[3]}"
        if set(wanted) <= found.keys() or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def fast_answered(server: LiveServer) -> set[str]:
    return set(re.findall(r"pcfgraph\.http \[(\w+)\] " + re.escape(FAST_LINE), server.log()))


DIRECT_TYPE = "application/sparql-query"
DIRECT = {"Content-Type": DIRECT_TYPE}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form(**fields: str) -> str:
    return urlencode(fields, quote_via=quote)


def matrix(etag: str) -> list[tuple[str, str, dict[str, str | bytes], bool]]:
    """(name, path, headers, whether the fast path answers it)."""
    concepts = SKOS + "SELECT ?c ?n WHERE { ?c skos:notation ?n } ORDER BY ?n"
    unordered = SKOS + "SELECT ?c ?n WHERE { ?c skos:notation ?n }"
    construct = SKOS + "CONSTRUCT { ?c skos:broader ?p } WHERE { ?c skos:broader ?p }"
    describe = f"DESCRIBE <{MINI}C1>"
    ask = SKOS + f"ASK {{ <{MINI}C1> skos:broader <{MINI}R> }}"
    json_type = {"Accept": "application/sparql-results+json"}
    return [
        ("ask-json", query_path(ask), json_type, True),
        ("ask-xml", query_path(ask), {"Accept": "application/sparql-results+xml"}, True),
        ("ask-any", query_path(ask), {}, True),
        ("select-json", query_path(concepts), json_type, True),
        ("select-csv", query_path(concepts), {"Accept": "text/csv"}, True),
        ("select-tsv", query_path(concepts), {"Accept": "text/tab-separated-values"}, True),
        ("select-unordered", query_path(unordered), json_type, True),
        ("construct-turtle", query_path(construct), {"Accept": "text/turtle"}, True),
        ("construct-nt", query_path(construct), {"Accept": "application/n-triples"}, True),
        # not bounded in process (pcfgraph.sparql_bound): a sandbox worker answers it
        ("describe", query_path(describe), {"Accept": "application/n-triples"}, False),
        ("not-acceptable", query_path(ask), {"Accept": "image/png"}, True),
        ("not-modified", query_path(ask), {**json_type, "If-None-Match": etag}, True),
        ("not-modified-any", query_path(ask), {**json_type, "If-None-Match": "*"}, True),
        ("other-etag", query_path(ask), {**json_type, "If-None-Match": 'W/"x"'}, True),
        ("update-param", "/sparql?update=" + quote("CLEAR ALL"), {}, True),
        ("update-in-query", query_path("CLEAR ALL"), {}, True),
        (
            "service",
            query_path("SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }"),
            {},
            True,
        ),
        ("unknown-graph", query_path(ask, **{"default-graph-uri": "urn:none"}), {}, True),
        ("empty-query", query_path("  "), {}, True),
        ("two-queries", query_path(ask) + "&query=ASK%7B%7D", {}, True),
        ("bad-utf8", "/sparql?query=%FF", {}, True),
        ("syntax-error", query_path("SELEC ?x WHERE { ?x ?y ?z }"), {}, True),
        # over max_result_rows, evaluated in process on the event loop
        ("row-cap", query_path("SELECT * WHERE { ?s ?p ?o }"), json_type, True),
        ("client-request-id", query_path(ask), {**json_type, "X-Request-ID": "mClient42"}, True),
        ("bad-request-id", query_path(ask), {**json_type, "X-Request-ID": "no spaces"}, True),
        ("head", query_path(ask), {"_method": "HEAD"}, False),
        ("origin", query_path(ask), {**json_type, "Origin": "https://app.example.org"}, True),
        ("other-origin", query_path(ask), {"Origin": "https://evil.example"}, True),
        ("forwarded", query_path(ask), {"X-Forwarded-Proto": "https"}, False),
        # from a trusted proxy it is the request's Host (pcfgraph.http.forwarded)
        ("forwarded-host", query_path(ask), {"X-Forwarded-Host": "kb.example.org"}, False),
        ("service-description", "/sparql", {"Accept": "text/turtle"}, False),
        ("post-form", "/sparql", {**json_type, **FORM, "_body": form(query=ask)}, True),
        ("post-direct", "/sparql", {**json_type, **DIRECT, "_body": ask}, True),
        (
            "post-construct",
            "/sparql",
            {**DIRECT, "Accept": "text/turtle", "_body": construct},
            True,
        ),
        ("post-form-update", "/sparql", {**FORM, "_body": form(update="CLEAR ALL")}, True),
        ("post-form-no-query", "/sparql", {**FORM, "_body": form(other="1")}, True),
        (
            "post-update-type",
            "/sparql",
            {"Content-Type": "application/sparql-update", "_body": "CLEAR ALL"},
            True,
        ),
        ("post-other-type", "/sparql", {"Content-Type": "text/plain", "_body": ask}, True),
        (
            "post-latin1",
            "/sparql",
            {"Content-Type": DIRECT_TYPE + "; charset=latin-1", "_body": ask},
            True,
        ),
        ("post-direct-and-url", query_path(ask), {**DIRECT, "_body": ask}, True),
        ("post-not-utf8", "/sparql", {**DIRECT, "_body": b"ASK { \xff }"}, True),
        # over the protocol's 16 KiB: read by the app as before; over max_body_bytes: 413
        (
            "post-large",
            "/sparql",
            {**json_type, **DIRECT, "_body": "#" + "x" * 20_000 + "\n" + ask},
            False,
        ),
        ("post-too-large", "/sparql", {**DIRECT, "_body": "#" + "x" * 70_000 + "\n" + ask}, False),
        ("other-path", "/sparql/", {}, False),
    ]


def test_fast_path_answers_as_the_asgi_app_does(servers: tuple[LiveServer, LiveServer]) -> None:
    fast, slow = servers
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=60) for s in servers]
    ask = SKOS + f"ASK {{ <{MINI}C1> skos:broader <{MINI}R> }}"
    etag = header(request(conns[1], query_path(ask))[1], "etag")
    assert etag
    before = [metrics(c) for c in conns]
    sent: dict[str, list[str]] = {}  # name -> [fast rid, other rid]
    statuses: dict[str, int] = {}
    for name, path, headers, _ in matrix(etag):
        headers = dict(headers)
        body = headers.pop("_body", None)
        method = headers.pop("_method", "GET" if body is None else "POST")
        data = body.encode() if isinstance(body, str) else body
        answers = [request(c, path, headers, method, data) for c in conns]
        one, other = (comparable(a) for a in answers)
        assert one == other, (name, one[1] - other[1], other[1] - one[1])
        sent[name] = [header(a[1], "x-request-id") or "" for a in answers]
        statuses[name] = one[0]
    # the row cap really refused, the syntax error really is one (not both servers' 500s)
    assert statuses["row-cap"] == 422 and statuses["syntax-error"] == 400
    assert statuses["not-modified"] == statuses["not-modified-any"] == 304
    assert statuses["not-acceptable"] == 406 and statuses["update-param"] == 403
    assert statuses["post-form"] == statuses["post-direct"] == statuses["post-large"] == 200
    assert statuses["post-other-type"] == 415 and statuses["post-too-large"] == 413
    after = [metrics(c) for c in conns]
    deltas = [after[i] - before[i] for i in range(2)]
    assert deltas[0] == deltas[1]
    assert (
        deltas[0]['pcfgraph_http_requests_total{method="GET",route="/sparql",status="200"}'] >= 10
    )
    for c in conns:
        c.close()

    expected_fast = {sent[n][0] for n, _, _, fast_ok in matrix(etag) if fast_ok}
    answered = fast_answered(fast)
    assert expected_fast <= answered, sorted(
        n for n, _, _, fast_ok in matrix(etag) if fast_ok and sent[n][0] not in answered
    )
    others = {sent[n][0] for n, _, _, fast_ok in matrix(etag) if not fast_ok}
    assert not others & answered, sorted(
        n for n, _, _, fast_ok in matrix(etag) if not fast_ok and sent[n][0] in answered
    )
    assert not fast_answered(slow)

    logs = [access_lines(s, [rids[i] for rids in sent.values()]) for i, s in enumerate(servers)]
    for name, (rid_fast, rid_slow) in sent.items():
        assert logs[0][rid_fast] == logs[1][rid_slow], name


def raw_responses(sock: socket.socket, count: int) -> list[tuple[bytes, dict[bytes, bytes], bytes]]:
    """``count`` responses read off a socket (status line, headers, Content-Length body)."""
    data = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(out)} responses"
            data += chunk
        head, _, data = data.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        fields = {}
        for line in lines:
            name, _, value = line.partition(b": ")
            fields[name.lower()] = value
        length = int(fields.get(b"content-length", b"0"))
        while len(data) < length:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
        out.append((status, fields, data[:length]))
        data = data[length:]
    return out


def get(path: str, rid: str, extra: str = "", accept: str = JSON_TYPE) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: pcfgraph.test\r\nAccept: {accept}\r\n"
        f"X-Request-ID: {rid}\r\n{extra}\r\n"
    ).encode()


def test_pipelined_requests_are_answered_in_order(servers: tuple[LiveServer, LiveServer]) -> None:
    fast, _ = servers
    ask = query_path(SKOS + f"ASK {{ <{MINI}C2> skos:broader <{MINI}R> }}")
    with socket.create_connection(("127.0.0.1", fast.port), timeout=60) as sock:
        # two fast answers in one write; then one that goes the ASGI way (the service
        # description) with a fast one queued behind it, and a fast one after both
        sock.sendall(get(ask, "mPipeA") + get(ask, "mPipeB"))
        sock.sendall(
            get("/sparql", "mPipeC", accept="text/turtle") + get(ask, "mPipeD") + get(ask, "mPipeE")
        )
        got = raw_responses(sock, 5)
    rids = [fields[b"x-request-id"] for _, fields, _ in got]
    assert rids == [b"mPipeA", b"mPipeB", b"mPipeC", b"mPipeD", b"mPipeE"]
    assert [status for status, _, _ in got] == [b"HTTP/1.1 200 OK"] * 5, [
        (status, body) for status, _, body in got
    ]
    assert got[2][1][b"content-type"].startswith(b"text/turtle")
    assert all(b'"boolean"' in body for i, (_, _, body) in enumerate(got) if i != 2)
    answered = fast_answered(fast)
    assert {"mPipeA", "mPipeB"} <= answered
    assert "mPipeC" not in answered


def test_keep_alive_and_connection_close(servers: tuple[LiveServer, LiveServer]) -> None:
    fast = servers[0]
    ask = query_path(SKOS + f"ASK {{ <{MINI}P1> skos:broader <{MINI}C1> }}")
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=60) for s in servers]
    before = [metrics(c) for c in conns]
    for i in range(60):
        for c in conns:
            status, _, body = request(c, ask, {"X-Request-ID": f"mKeep{i}"})
            assert status == 200 and b"true" in body
    after = [metrics(c) for c in conns]
    assert after[0] - before[0] == after[1] - before[1]
    key = 'pcfgraph_http_requests_total{method="GET",route="/sparql",status="200"}'
    assert (after[0] - before[0])[key] == 60
    assert {f"mKeep{i}" for i in range(60)} <= fast_answered(fast)
    for c in conns:
        c.close()
    # Connection: close is answered the ASGI way on both, which closes the connection
    for server in servers:
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(get(ask, f"mClose{server.port}", "Connection: close\r\n"))
            ((status, fields, _),) = raw_responses(sock, 1)
            assert status == b"HTTP/1.1 200 OK" and fields[b"connection"] == b"close"
            assert sock.recv(100) == b""
    assert f"mClose{fast.port}" not in fast_answered(fast)


def test_settings_doc_has_the_switch() -> None:
    text = (Path(__file__).parents[1] / "docs" / "settings.md").read_text(encoding="utf-8")
    assert "PCFGRAPH_HTTP_FAST_PATH" in text


def test_the_fast_path_serves_only_the_layers_it_knows() -> None:
    """It answers as the known layers would; any other app or layer (a middleware added
    around the API, another app under pcfgraph's protocol, the setting off) has none."""
    from fastapi import FastAPI
    from ops_support import ops_release
    from starlette.middleware.gzip import GZipMiddleware
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from pcfgraph.api.fast_path import FastPath
    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app, served_app

    def built(app: FastAPI) -> FastAPI:
        app.middleware_stack = app.build_middleware_stack()
        return app

    release = ops_release()
    assert FastPath.of(built(create_app(Settings(), release))) is not None
    assert FastPath.of(ProxyHeadersMiddleware(built(create_app(Settings(), release)))) is not None
    # what `pcfgraph serve` hands uvicorn: inside the start-up report and X-Forwarded-* layers
    # (which pass every request through unchanged)
    served = served_app(built(create_app(Settings(), release)), Settings())
    assert FastPath.of(served) is not None
    assert FastPath.of(ProxyHeadersMiddleware(served)) is not None  # uvicorn's, outside it
    assert FastPath.of(create_app(Settings(), release)) is None  # layers not built yet
    assert FastPath.of(built(create_app(Settings(http_fast_path=False), release))) is None
    gzipped = create_app(Settings(), release)
    gzipped.add_middleware(GZipMiddleware)
    assert FastPath.of(built(gzipped)) is None
    assert FastPath.of(built(FastAPI())) is None


def test_the_sparql_targets_query_is_parse_urls() -> None:
    """The fast path splits a plain ``/sparql?`` target itself: the query string (and
    whether the path is ``/sparql``) is what ``httptools.parse_url`` gives, for every target,
    and a target it refuses is still refused."""
    import random

    import httptools

    from pcfgraph.api.http_protocol import sparql_query

    rng = random.Random(20)
    targets = [
        b"/sparql",
        b"/sparql?",
        b"/sparql??",
        b"/sparql?query=ASK%20%7B%7D",
        b"/sparql?a?b=c&d",
        b"/sparql#frag",
        b"/sparql?query=x#frag",
        b"http://example.org/sparql?query=x",
        b"//sparql?query=x",
        b"/sparql/?query=x",
        b"/sparqlx?query=x",
        b"/SPARQL?query=x",
        b"/sp%61rql?query=x",
        b'/sparql?q="<>{}|\\^`',
        b"/sparql?q=\x80",
        b"/sparql?q=\x7f",
        b"/sparql?q=\t",
        b"/",
        b"*",
    ]
    for _ in range(5_000):
        tail = bytes(rng.randrange(256) for _ in range(rng.randrange(6)))
        targets.append(rng.choice([b"/sparql?", b"/sparql", b"/sparql?q="]) + tail)
    for target in targets:
        try:
            parsed = httptools.parse_url(target)
        except httptools.HttpParserInvalidURLError:
            with pytest.raises(httptools.HttpParserInvalidURLError):
                sparql_query(target)
            continue
        expected = (parsed.query or b"") if parsed.path == b"/sparql" else None
        assert sparql_query(target) == expected, target
