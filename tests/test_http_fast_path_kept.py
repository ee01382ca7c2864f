"""A request the protocol's fast path answered before by evaluating its query is answered again
from what was kept of it (``FastPath._keep``): the same answer as through the ASGI app, every
time, on the release being served. Two real servers (the fast path on and off, the response
cache off, so that every repeated lookup is evaluated again, as the headline benchmark runs),
the same requests several times, a reload to another release, the same requests again:
statuses, headers (but ``date`` and ``x-request-id``), bodies, ``/metrics`` counts and
access-log lines are equal, and the fast server answered every repeat on its fast path.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ops_support import LiveServer, ops_release, publish
from test_http_fast_path import (
    DIRECT,
    FORM,
    JSON_TYPE,
    MINI,
    SETTINGS,
    SKOS,
    access_lines,
    comparable,
    fast_answered,
    form,
    metrics,
    paired_servers,
    query_path,
    request,
)

TOKEN = "kept-token"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ASK = SKOS + f"ASK {{ <{MINI}C1> skos:broader <{MINI}R> }}"
CONSTRUCT = SKOS + "CONSTRUCT { ?c skos:broader ?p } WHERE { ?c skos:broader ?p } LIMIT 3"
JSON = {"Accept": JSON_TYPE}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    root = tmp_path_factory.mktemp("fast-path-kept")
    yield from paired_servers(root, **SETTINGS, sparql_cache_mb=0, admin_token=TOKEN)


def count_scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """uvicorn's scope of a complete ``GET /sparql`` of :data:`COUNT` with ``headers``."""
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "query_string": query_path(COUNT).split("?", 1)[1].encode(),
        "headers": headers,
        "state": {},
    }


def repeated() -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, headers): requests the fast path answers by evaluating their query (or
    with the evaluation's error), each sent several times with the same bytes."""
    return [
        ("count-json", query_path(COUNT), JSON),
        ("count-xml", query_path(COUNT), {"Accept": "application/sparql-results+xml"}),
        ("count-csv", query_path(COUNT), {"Accept": "text/csv"}),
        ("ask-any", query_path(ASK), {}),
        ("construct", query_path(CONSTRUCT), {"Accept": "text/turtle"}),
        ("origin", query_path(ASK), {**JSON, "Origin": "https://app.example.org"}),
        ("other-origin", query_path(ASK), {**JSON, "Origin": "https://evil.example"}),
        ("client-id", query_path(COUNT), {**JSON, "X-Request-ID": "mKeptClient"}),
        ("bad-id", query_path(COUNT), {**JSON, "X-Request-ID": "no spaces"}),
        ("row-cap", query_path("SELECT * WHERE { ?s ?p ?o }"), JSON),
        ("post-direct", "/sparql", {**JSON, **DIRECT, "_body": COUNT}),
        ("post-form", "/sparql", {**JSON, **FORM, "_body": form(query=COUNT)}),
    ]


def answered_on_the_fast_path_again(
    server: LiveServer, conns: list[http.client.HTTPConnection]
) -> None:
    """Until the in-process evaluator has the new release's statistics (computed in the
    background after its first query; until then queries go to a worker, the ASGI way).
    Each probe goes to both servers (their counts stay comparable)."""
    deadline = time.monotonic() + 120
    for i in itertools.count():
        rid = f"mReloaded{i}"
        for conn in conns:
            status, _, _ = request(conn, query_path(ASK), {"X-Request-ID": rid})
            assert status == 200
        if rid in fast_answered(server) or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def count_of(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_repeated_requests_are_answered_as_the_asgi_app_does_across_a_reload(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    fast, slow = servers
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=60) for s in servers]
    before = [metrics(c) for c in conns]
    sent: list[tuple[str, str, str]] = []  # (name, fast rid, other rid)
    counts: list[int] = []
    for round_ in range(5):
        if round_ == 3:  # another release: what was kept of the first is not used again
            publish(fast.release_dir, variant=2, extra=3)
            for c in conns:
                status, _, text = request(
                    c, "/admin/reload", {"Authorization": f"Bearer {TOKEN}"}, "POST"
                )
                assert status == 200, text
            answered_on_the_fast_path_again(fast, conns)
        for name, path, headers in repeated():
            headers = dict(headers)
            body = headers.pop("_body", None)
            method = "GET" if body is None else "POST"
            data = body.encode() if body is not None else None
            answers = [request(c, path, headers, method, data) for c in conns]
            one, other = (comparable(a) for a in answers)
            assert one == other, (round_, name, one[1] - other[1], other[1] - one[1])
            rids = [dict(a[1])["x-request-id"] for a in answers]
            sent.append((name, rids[0], rids[1]))
            if name == "count-json":
                counts.append(count_of(answers[0][2]))
            if name == "row-cap":
                assert one[0] == 422
            else:
                assert one[0] == 200, (name, answers[0][2][:300])
    # the same answer while a release serves, the new release's once it does
    assert counts[0] == counts[1] == counts[2] and counts[3] == counts[4]
    assert counts[3] != counts[0]
    after = [metrics(c) for c in conns]
    assert after[0] - before[0] == after[1] - before[1]
    for c in conns:
        c.close()
    assert {rid for _, rid, _ in sent} <= fast_answered(fast)
    assert not fast_answered(slow)
    logs = [access_lines(s, [r[i + 1] for r in sent]) for i, s in enumerate(servers)]
    for name, rid_fast, rid_slow in sent:
        assert logs[0][rid_fast] == logs[1][rid_slow], name


def test_what_is_kept_is_used_again_and_never_outlives_its_release(tmp_path: Path) -> None:
    """In process: the second time the same bytes come, the kept entry answers (the query
    evaluated again: the counts of the in-process evaluator grow); another Accept or Origin
    is another entry; another release empties what was kept, which refers to the release and
    the pool only weakly."""
    asyncio.run(_kept_in_process(tmp_path))


def in_process(app: Any, release: Any) -> tuple[Any, Any, list[tuple[int, Any, bytes]], Any]:
    """The fast path of ``app`` (in its lifespan) with its evaluator ready for ``release``,
    the answers it writes and the ``deliver`` that collects them."""
    from pcfgraph.api.fast_path import FastPath
    from pcfgraph.api.sparql import local_evaluator

    app.middleware_stack = app.build_middleware_stack()
    fast = FastPath.of(app)
    assert fast is not None
    local = local_evaluator(app.state.pcf)
    assert local is not None
    local.prepare_now(release.release_id, release.store, release)
    written: list[tuple[int, Any, bytes]] = []

    def deliver(status: int, head: Any, body: bytes) -> bool:
        written.append((status, head, body))
        return True

    return fast, local, written, deliver


async def _kept_in_process(tmp_path: Path) -> None:
    import weakref

    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    release = ops_release()
    settings = Settings(sparql_cache_mb=0, query_workers=1)
    app = create_app(settings, release)
    async with app.router.lifespan_context(app):
        fast, local, written, deliver = in_process(app, release)
        state = app.state.pcf

        def ask(accept: bytes, origin: bytes | None = None) -> bool:
            headers = [(b"host", b"pcfgraph.test"), (b"accept", accept)]
            if origin is not None:
                headers.append((b"origin", origin))
            scope = count_scope(headers)
            return fast.respond(scope, b"", deliver)

        runs = local.counters["in_process"]
        assert ask(JSON_TYPE.encode()) and len(fast._kept) == 1
        assert ask(JSON_TYPE.encode()) and len(fast._kept) == 1  # used again, not made again
        assert local.counters["in_process"] == runs + 2  # evaluated both times
        assert written[0][2] == written[1][2] and written[0][1].rid != written[1][1].rid
        assert ask(b"text/csv") and ask(JSON_TYPE.encode(), b"https://x.example")
        assert len(fast._kept) == 3
        assert written[2][2] != written[0][2]

        state.release = ops_release(variant=2)  # what a reload assigns
        assert fast._kept_pool() is None and fast._kept == {}  # nothing kept of the first
        state.release = release
        assert ask(JSON_TYPE.encode()) and len(fast._kept) == 1  # made again
        assert all(isinstance(mark, weakref.ref) for mark in (fast._marks or ())[:2])


def test_an_answer_made_again_has_a_first_answers_headers_metrics_and_access_line() -> None:
    """In process: a kept request whose answer changes length (the store grows under the same
    release) gets the headers a request answered the full way gets (its Content-Length and
    ETag: the kept headers are made again for another length), and the same metrics count
    and access record (fields and message) or text line (with the logging configured either
    way, changed between requests), naming its own client: a kept request is answered again
    for any client, and the line named none (the kept scope is no client's)."""
    asyncio.run(_made_again_in_process())


async def _made_again_in_process() -> None:
    import io
    import logging
    import re

    import pyoxigraph as ox

    from pcfgraph.api.fast_path import FastPath
    from pcfgraph.api.ops import configure_logging
    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    release = ops_release()
    settings = Settings(sparql_cache_mb=0, query_workers=1)
    app = create_app(settings, release)
    access = logging.getLogger("pcfgraph.access")

    class Records(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    records = Records()
    old_level, old_handlers = access.level, list(access.handlers)
    async with app.router.lifespan_context(app):
        fast, local, written, deliver = in_process(app, release)

        def ask(path: FastPath, client: str = "127.0.0.1") -> bool:
            scope = count_scope([(b"host", b"pcfgraph.test"), (b"accept", JSON_TYPE.encode())])
            scope["client"] = (client, 50000)
            return path.respond(scope, b"", deliver)

        def served() -> float:
            value = app.state.metrics.registry.get_sample_value(
                "pcfgraph_http_requests_total",
                {"route": "/sparql", "method": "GET", "status": "200"},
            )
            return value or 0.0

        def record_fields(record: logging.LogRecord) -> tuple[Any, ...]:
            message = re.sub(r"[0-9]+\.[0-9] ms from ", "ms from ", record.getMessage())
            fields = ("method", "path", "route", "status", "code", "client")
            named = (message, record.name, record.levelname)
            return (*(getattr(record, key) for key in fields), *named)

        text = io.StringIO()
        try:
            access.setLevel(logging.INFO)
            assert ask(fast) and len(fast._kept) == 1
            for grow in range(4):
                access.handlers[:] = [records] if grow % 2 == 0 else []
                if grow % 2:
                    configure_logging(Settings(access_log_flush_ms=0), text)
                store = release.store.store
                for i in range(10 ** (grow + 1)):  # the count gains a digit: another length
                    store.add(
                        ox.Quad(
                            ox.NamedNode(f"urn:x:{grow}:{i}"), ox.NamedNode("urn:p"), ox.Literal(i)
                        )
                    )
                counted, runs = served(), local.counters["in_process"]
                client = f"10.0.0.{grow + 1}"  # not the client the entry was kept for
                assert ask(fast, client) and len(fast._kept) == 1  # the kept entry: again
                assert ask(FastPath.of(app) or fast, client)  # nothing kept: the full way
                assert local.counters["in_process"] == runs + 2
                assert served() == counted + 2
                (status, again, body), (status_full, full, body_full) = written[-2:]
                assert status == status_full == 200 and body == body_full
                assert again.before == full.before and again.after == full.after
                assert dict(again.before)[b"content-length"] == str(len(body)).encode()
                if grow % 2 == 0:
                    first, second = records.records[-2:]
                    assert record_fields(first) == record_fields(second)
                    assert first.client == client and first.getMessage().endswith(client)
                else:
                    lines = text.getvalue().splitlines()[-2:]
                    shapes = [
                        re.sub(
                            r"^\S+ \S+ (.*)\[[0-9a-f]{16}\] (.*) [0-9]+\.[0-9] ms (.*)$",
                            r"\1\2 \3",
                            line,
                        )
                        for line in lines
                    ]
                    shape = f"INFO pcfgraph.access GET /sparql 200 from {client}"
                    assert shapes[0] == shapes[1] == shape, lines
        finally:
            access.setLevel(old_level)
            access.handlers[:] = old_handlers
