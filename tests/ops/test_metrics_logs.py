"""/metrics exposition, request ids on every error path, JSON access logs, the settings doc."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_support import ops_release

from pcfgraph.api.metrics import LATENCY_BUCKETS
from pcfgraph.api.ops import configure_logging
from pcfgraph.cli.settings_doc import MEANINGS, doc_path, render
from pcfgraph.config import Settings
from pcfgraph.errors import NotFoundError, Overloaded, QueryTimeout
from pcfgraph.serving import create_app

SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})?'
    r" (?P<value>[-+]?(?:[0-9.eE+-]+|Inf|NaN))$"
)


def parse_exposition(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every line must be a comment or a valid sample; samples by name and label set (the
    labels sorted by name: their order in a sample line means nothing)."""
    families: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = tuple(
            sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m["labels"] or ""))
        )
        families.setdefault(m["name"], {})[labels] = float(m["value"])
    return families


def app_with_test_routes(**settings: object) -> FastAPI:
    app = create_app(Settings(**settings), release=ops_release())

    @app.get("/_t/items/{name}")
    def item(name: str) -> dict[str, str]:
        if name == "missing":
            raise NotFoundError("no item 'missing'")
        if name == "busy":
            raise Overloaded("too many expensive requests", retry_after=2)
        if name == "slow":
            raise QueryTimeout("query ran past its deadline")
        if name == "boom":
            raise RuntimeError("secret internal detail /etc/passwd")
        return {"name": name}

    @app.get("/_t/int")
    def integer(n: int) -> dict[str, int]:
        return {"n": n}

    return app


def test_metrics_count_by_route_template_and_status() -> None:
    client = TestClient(app_with_test_routes(), raise_server_exceptions=False)
    for name in ("a", "b", "c", "missing", "busy", "slow", "boom"):
        client.get(f"/_t/items/{name}")
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    fam = parse_exposition(r.text)
    req = fam["pcfgraph_http_requests_total"]
    route = ("route", "/_t/items/{name}")
    assert req[(("method", "GET"), route, ("status", "200"))] == 3
    assert req[(("method", "GET"), route, ("status", "404"))] == 1
    assert req[(("method", "GET"), route, ("status", "503"))] == 2
    assert req[(("method", "GET"), route, ("status", "500"))] == 1
    # raw paths never become labels
    assert req[(("method", "GET"), ("route", "<unmatched>"), ("status", "404"))] == 2
    assert not any("/no/such" in v for key in req for _, v in key)
    problems = fam["pcfgraph_problems_total"]
    assert problems[(("code", "overloaded"), route)] == 1
    assert problems[(("code", "internal-error"), route)] == 1
    assert fam["pcfgraph_rejected_requests_total"][()] == 1
    assert fam["pcfgraph_query_timeouts_total"][()] == 1
    buckets = fam["pcfgraph_http_request_duration_seconds_bucket"]
    series = [buckets[(("le", repr(b)), route)] for b in LATENCY_BUCKETS]
    assert series == sorted(series)
    count = fam["pcfgraph_http_request_duration_seconds_count"][(route,)]
    assert buckets[(("le", "+Inf"), route)] == count == 7
    release_id = ops_release().release_id
    assert fam["pcfgraph_release_info"] == {(("release_id", release_id),): 1.0}
    assert fam["pcfgraph_http_requests_in_flight"][()] == 1  # this scrape
    assert fam["pcfgraph_process_resident_memory_bytes"][()] > 10_000_000
    pss = fam["pcfgraph_process_proportional_memory_bytes"][()]
    assert 0 < pss <= fam["pcfgraph_process_resident_memory_bytes"][()]


#: Every family /metrics always has: type and help text (dashboards and alerts depend on them).
FAMILIES = {
    "pcfgraph_http_requests_total": (
        "counter",
        "HTTP requests by route template, method and status.",
    ),
    "pcfgraph_http_request_duration_seconds": (
        "histogram",
        "Request latency by route template (until the last body byte).",
    ),
    "pcfgraph_http_requests_in_flight": ("gauge", "Requests being handled now."),
    "pcfgraph_problems_total": ("counter", "Error responses by route template and problem code."),
    "pcfgraph_http_refused_total": (
        "counter",
        "Request heads the server process refused before any route ran (414, 431, a "
        "malformed request's 400), by status and problem code; not in "
        "pcfgraph_http_requests_total.",
    ),
    "pcfgraph_rejected_requests_total": (
        "counter",
        "Requests refused by admission control (503 overloaded).",
    ),
    "pcfgraph_query_timeouts_total": (
        "counter",
        "Sandboxed queries or uploads stopped at their deadline.",
    ),
    "pcfgraph_worker_crashes_total": ("counter", "Requests whose sandbox worker died."),
    "pcfgraph_worker_restarts_total": (
        "counter",
        "Sandbox workers replaced (after a timeout, a crash or a memory limit).",
    ),
    "pcfgraph_release_info": (
        "gauge",
        "The release being served (value 1; its id is a label).",
    ),
    "pcfgraph_release_quads": ("gauge", "Quads in the served release."),
    "pcfgraph_release_loaded_timestamp_seconds": (
        "gauge",
        "When the served release was switched in (Unix time).",
    ),
    "pcfgraph_reloads_total": (
        "counter",
        "Reloads of the server by outcome, one per reload however many processes it "
        "reached (a failure: the candidate was refused and the old release serves, or "
        "the processes serve different releases).",
    ),
    "pcfgraph_build_info": ("gauge", "pcfgraph version (value 1)."),
    "pcfgraph_process_start_time_seconds": (
        "gauge",
        "When the serving process started its app (Unix time).",
    ),
    "pcfgraph_process_resident_memory_bytes": (
        "gauge",
        "Resident memory of the serving process (workers not included); summed over "
        "several server processes, the pages they share copy-on-write count once per "
        "process (pcfgraph_process_proportional_memory_bytes does not).",
    ),
    "pcfgraph_process_proportional_memory_bytes": (
        "gauge",
        "Proportional memory (PSS) of the serving process (workers not included): its "
        "resident pages, each shared one divided by the processes sharing it; summed "
        "over several server processes, what they hold together.",
    ),
}


def test_metric_families_keep_their_names_types_and_help() -> None:
    client = TestClient(app_with_test_routes())
    client.get("/_t/items/a")
    text = client.get("/metrics").text
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    helps = dict(re.findall(r"^# HELP (\S+) (.*)$", text, re.M))
    assert {n: (types.get(n), helps.get(n)) for n in FAMILIES} == FAMILIES
    assert not [n for n in types if n.endswith("_created")], "series pcfgraph never published"
    fam = parse_exposition(text)
    assert fam["pcfgraph_reloads_total"] == {
        (("outcome", "failure"),): 0,
        (("outcome", "success"),): 0,
    }


def test_each_app_has_its_own_registry() -> None:
    from prometheus_client import REGISTRY

    first, second = TestClient(app_with_test_routes()), TestClient(app_with_test_routes())
    for _ in range(3):
        first.get("/_t/items/a")
    second.get("/_t/items/a")
    key = (("method", "GET"), ("route", "/_t/items/{name}"), ("status", "200"))
    assert parse_exposition(first.get("/metrics").text)["pcfgraph_http_requests_total"][key] == 3
    assert parse_exposition(second.get("/metrics").text)["pcfgraph_http_requests_total"][key] == 1
    assert not [m.name for m in REGISTRY.collect() if m.name.startswith("pcfgraph")]


def test_every_error_path_carries_the_request_id() -> None:
    client = TestClient(app_with_test_routes(admin_token="t"), raise_server_exceptions=False)
    cases = [
        ("GET", "/_t/items/missing", 404, "not-found"),
        ("GET", "/_t/items/busy", 503, "overloaded"),
        ("GET", "/_t/items/boom", 500, "internal-error"),
        ("GET", "/_t/int?n=x", 400, "bad-request"),
        ("GET", "/nowhere", 404, "not-found"),
        ("DELETE", "/health", 405, "method-not-allowed"),
        ("POST", "/admin/reload", 403, "forbidden"),
    ]
    for method, path, status, code in cases:
        for given in (None, "abc123"):
            headers = {"X-Request-ID": given} if given else {}
            r = client.request(method, path, headers=headers)
            assert r.status_code == status, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            assert body["code"] == code
            assert body["request_id"] == r.headers["x-request-id"]
            if given:
                assert body["request_id"] == given
            assert "Traceback" not in r.text and "/etc/passwd" not in r.text
    # an unusable client id is replaced, never echoed
    r = client.get("/nowhere", headers={"X-Request-ID": "a b<script>"})
    assert r.json()["request_id"] != "a b<script>" and r.json()["request_id"].isalnum()
    assert client.get("/_t/items/busy").headers["retry-after"] == "2"


def test_json_logs_carry_the_request_id() -> None:
    stream = io.StringIO()
    handler = configure_logging(Settings(log_format="json", log_level="info"), stream=stream)
    try:
        client = TestClient(app_with_test_routes(), raise_server_exceptions=False)
        ok = client.get("/_t/items/x", headers={"X-Request-ID": "rid42"})
        boom = client.get("/_t/items/boom")
    finally:
        import logging

        logging.getLogger("pcfgraph").removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [x for x in lines if x["logger"] == "pcfgraph.access"]
    first = next(x for x in access if x["request_id"] == "rid42")
    assert first["route"] == "/_t/items/{name}" and first["status"] == 200
    assert first["ms"] >= 0 and ok.status_code == 200
    rid = boom.json()["request_id"]
    errors = [x for x in lines if x["request_id"] == rid]
    assert {x["level"] for x in errors} >= {"error", "info"}  # the traceback log + access line
    assert any("secret internal detail" in x.get("exc", "") for x in errors)  # log only


def test_the_access_log_names_the_client_a_trusted_proxy_names() -> None:
    """Each access line names the request's client, as ``pcfgraph serve`` takes it
    (:func:`pcfgraph.serving.served_app`): the peer's address, or from a proxy of
    ``forwarded_allow_ips`` the one its ``X-Forwarded-For`` names (another peer's is
    ignored). The line named the request's id only: who sent a request was in no log of a
    server without a proxy, and a proxy's log had to be joined on the id."""
    from pcfgraph.serving import served_app

    settings = Settings(forwarded_allow_ips=("10.0.0.5",), log_level="info", log_format="json")
    app = served_app(app_with_test_routes(), settings)
    stream = io.StringIO()
    handler = configure_logging(settings, stream=stream)
    forwarded = {"X-Forwarded-For": "203.0.113.9, 10.0.0.5"}
    try:
        for peer, rid in (("10.0.0.5", "viaproxy"), ("198.51.100.7", "direct")):
            with TestClient(app, client=(peer, 40000)) as client:
                assert client.get("/health", headers={**forwarded, "X-Request-ID": rid}).is_success
    finally:
        logging.getLogger("pcfgraph").removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = {x["request_id"]: x for x in lines if x["logger"] == "pcfgraph.access"}
    assert access["viaproxy"]["client"] == "203.0.113.9"  # the trusted proxy's word
    assert access["direct"]["client"] == "198.51.100.7"  # a client's own header: ignored
    said = access["direct"]["message"]
    assert re.fullmatch(r"GET /health 200 \d+\.\d ms from 198\.51\.100\.7", said), said


def test_a_request_the_guard_refuses_has_its_access_line() -> None:
    """Under any ASGI server the guard (outside the layer that writes access lines) answers
    414/431 itself: the answer named a request id no log line had. Its line is written,
    with that id, its client and what was read of its path (cut: a refused URL is long)."""
    settings = Settings(log_level="info", log_format="json", max_url_bytes=100)
    stream = io.StringIO()
    handler = configure_logging(settings, stream=stream)
    try:
        with TestClient(app_with_test_routes(max_url_bytes=100), client=("10.9.8.7", 1)) as c:
            refused = c.get("/_t/items/x?" + "q" * 500)
    finally:
        logging.getLogger("pcfgraph").removeHandler(handler)
    assert refused.status_code == 414
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (record,) = [x for x in lines if x["request_id"] == refused.headers["x-request-id"]]
    assert (record["logger"], record["status"], record["code"]) == (
        "pcfgraph.access",
        414,
        "uri-too-long",
    )
    assert record["client"] == "10.9.8.7"
    assert record["path"] == "/_t/items/x?" + "q" * 188 + "..."  # 200 characters shown


def test_a_refused_request_head_is_counted_in_metrics() -> None:
    """A 414 or 431 got an access line but no metric: a flood of them showed nowhere in
    /metrics. Counted by status and code, with the access log off too (the count is the
    process's: other tests' refusals may be in it, so the test reads the difference)."""
    key = (("code", "uri-too-long"), ("status", "414"))
    with TestClient(app_with_test_routes(max_url_bytes=100)) as c:

        def refused() -> float:
            fam = parse_exposition(c.get("/metrics").text)
            return fam.get("pcfgraph_http_refused_total", {}).get(key, 0.0)

        before = refused()
        assert c.get("/_t/items/x?" + "q" * 500).status_code == 414
        assert c.get("/_t/items/y?" + "q" * 500).status_code == 414
        assert refused() == before + 2
        requests = parse_exposition(c.get("/metrics").text)["pcfgraph_http_requests_total"]
        assert not [k for k in requests if ("status", "414") in k]  # counted once, apart


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_log_format_setting(fmt: str) -> None:
    assert Settings.from_env({"PCFGRAPH_LOG_FORMAT": fmt}).log_format == fmt


def test_settings_doc_matches_settings() -> None:
    assert set(MEANINGS) == set(Settings.model_fields), "document every setting"
    path = doc_path()
    assert path == Path(__file__).resolve().parents[2] / "docs" / "settings.md"
    assert path.read_text(encoding="utf-8") == render(), (
        "docs/settings.md is stale: python -m pcfgraph.cli.settings_doc > docs/settings.md"
    )
    for name in Settings.model_fields:
        assert f"`PCFGRAPH_{name.upper()}`" in render()


# --- the access log's records and the text formatter's time -------------------------------------


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_access_records_are_what_the_logger_would_make() -> None:
    """The access log copies a per-thread template instead of calling ``makeRecord``: every
    field is the one ``makeRecord`` gives, from whichever thread writes the line."""
    from pcfgraph.api.ops import AccessLog, access_log

    kept = _Kept()
    logger = logging.getLogger("pcfgraph")
    logger.addHandler(kept)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        writer = AccessLog()
        scope = {"method": "GET", "path": "/sparql", "client": ("10.0.0.7", 41000)}

        def write(status: int) -> None:
            writer.write(scope, "/sparql", status, 0.00123, None)

        write(200)
        write(404)
        thread = threading.Thread(target=write, args=(200,), name="another-thread")
        thread.start()
        thread.join()
    finally:
        logger.removeHandler(kept)
        logger.setLevel(old_level)
    first, second, third = kept.records
    made = access_log.makeRecord(
        access_log.name, logging.INFO, "x", 0, AccessLog.FORMAT, ("GET", "/", 200, 1.2, "-"), None
    )
    timed = {"created", "msecs", "relativeCreated", "args", "pathname", "filename", "module"}
    timed |= {"method", "path", "route", "status", "ms", "code", "client", "message", "asctime"}
    for record in (first, second, third):
        for key, value in made.__dict__.items():
            if key not in timed and key not in ("thread", "threadName"):
                assert getattr(record, key) == value, key
        assert record.msecs == int((record.created - int(record.created)) * 1000)
        assert record.relativeCreated == pytest.approx(
            (record.created - logging._startTime) * 1000  # type: ignore[attr-defined]
        )
        assert record.module == "ops" and record.filename == "ops.py"
    assert first.getMessage() == "GET /sparql 200 1.2 ms from 10.0.0.7" and first.status == 200
    assert second.getMessage() == "GET /sparql 404 1.2 ms from 10.0.0.7"
    assert second.route == "/sparql" and second.client == "10.0.0.7"
    assert first.threadName == made.threadName and first.thread == made.thread
    assert third.threadName == "another-thread" and third.thread != first.thread
    assert second.created >= first.created


def test_the_text_formatter_writes_the_librarys_time() -> None:
    """The date and time kept per second are the ones ``logging.Formatter`` writes."""
    from pcfgraph.api.ops import TextFormatter

    ours, library = TextFormatter(), logging.Formatter(TextFormatter()._fmt)
    record = logging.makeLogRecord({"msg": "x"})
    for created in (1_700_000_000.0, 1_700_000_000.999, 1_700_000_001.25, 1_700_000_000.5):
        record.created = created
        record.msecs = int((created - int(created)) * 1000) + 0.0
        assert ours.formatTime(record) == library.formatTime(record)
        assert ours.formatTime(record, "%H:%M") == library.formatTime(record, "%H:%M")


def test_request_counts_by_label_stay_apart() -> None:
    """The labelled instruments are kept per (route, method, status): counts never mix."""
    from pcfgraph.api.metrics import Metrics

    metrics = Metrics(lambda: None)  # type: ignore[arg-type,return-value]
    for status in (200, 200, 404):
        metrics.begin()
        metrics.observe("/sparql", "GET", status, 0.002, None if status < 400 else "not-found")
    metrics.begin()
    metrics.observe("/sparql", "POST", 200, 0.3, None)
    labels = {"route": "/sparql", "method": "GET"}
    reg = metrics.registry
    total = "pcfgraph_http_requests_total"
    assert reg.get_sample_value(total, {**labels, "status": "200"}) == 2
    assert reg.get_sample_value(total, {**labels, "status": "404"}) == 1
    assert reg.get_sample_value(total, {**labels, "method": "POST", "status": "200"}) == 1
    count = "pcfgraph_http_request_duration_seconds_count"
    assert reg.get_sample_value(count, {"route": "/sparql"}) == 4
    assert reg.get_sample_value("pcfgraph_http_requests_in_flight") == 0


def test_request_observations_equal_the_librarys_own() -> None:
    """The counter and histogram updated without the library's per-call checks hold what its
    own ``inc`` and ``observe`` give for the same latencies, on and between the bounds."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    from pcfgraph.api.metrics import LATENCY_BUCKETS, Metrics

    seconds = [0.0, 0.004, *LATENCY_BUCKETS, 0.0051, 0.7, 29.99, 31.0, 1e9]
    metrics = Metrics(lambda: None)  # type: ignore[arg-type,return-value]
    library = CollectorRegistry()
    counter = Counter("pcfgraph_http_requests", "", ("route", "method", "status"), registry=library)
    histogram = Histogram(
        "pcfgraph_http_request_duration_seconds",
        "",
        ("route",),
        buckets=LATENCY_BUCKETS,
        registry=library,
    )
    for value in seconds:
        metrics.begin()
        metrics.observe("/sparql", "GET", 200, value, None)
        counter.labels("/sparql", "GET", "200").inc()
        histogram.labels("/sparql").observe(value)

    def samples(
        registry: CollectorRegistry,
    ) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect()
            if family.name.startswith("pcfgraph_http_request")
            and not family.name.endswith("in_flight")
            for s in family.samples
            if not s.name.endswith("_created")
        }

    expected = samples(library)
    assert len(expected) == 3 + len(LATENCY_BUCKETS) + 1  # total, sum, count; buckets, +Inf
    ours = {  # sample by sample: the serving collector needs a live state this test has not
        key: metrics.registry.get_sample_value(key[0], dict(key[1])) for key in expected
    }
    assert ours == expected
    assert metrics.registry.get_sample_value("pcfgraph_http_requests_in_flight") == 0


def test_the_text_formatter_writes_what_the_library_writes() -> None:
    """The formatter's own ``format`` (no ``%``-mapping of the whole record) gives the
    library's text for the same record, with and without an exception."""
    from pcfgraph.api.ops import TEXT_FORMAT, TextFormatter

    ours, library = TextFormatter(), logging.Formatter(TEXT_FORMAT)
    plain = logging.makeLogRecord(
        {"msg": "%s %s %s %.1f ms", "args": ("GET", "/sparql", 200, 1.234), "request_id": "r1"}
    )
    plain.created, plain.msecs = 1_700_000_000.25, 250.0
    assert ours.format(plain) == library.format(plain)
    assert plain.message == "GET /sparql 200 1.2 ms" and plain.asctime
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = logging.makeLogRecord(
            {"msg": "failed", "request_id": None, "exc_info": sys.exc_info()}
        )
    text = ours.format(failed)
    assert text == library.format(failed) and "ValueError: boom" in text and "[None]" in text


def test_fresh_request_ids_differ_in_a_forked_child() -> None:
    """Request ids come from a generator seeded from the OS, seeded again in a forked
    ``--http-workers`` child: parent and child never hand out the same sequence."""
    import os

    from pcfgraph.api.ops import new_request_id

    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then exit without running pytest's teardown
        try:
            os.write(write, " ".join(new_request_id() for _ in range(3)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = [new_request_id() for _ in range(3)]
    assert len(child) == 3 and not set(child) & set(parent)


def test_an_access_line_written_directly_is_the_records_line() -> None:
    """With the text format and nothing else listening, the access log writes its line
    without a record: the same text the formatter gives the record, at the same time."""
    import re

    from pcfgraph.api import ops

    stream = io.StringIO()
    pcf = logging.getLogger("pcfgraph")
    others = list(pcf.handlers)  # the test run's own capture handlers: set aside
    handler = configure_logging(Settings(log_format="text", log_level="info"), stream=stream)
    pcf.handlers = [handler]
    try:
        assert ops._text_line_handler() is handler
        token = ops.request_id_var.set("rid77")
        try:
            ops.AccessLog().write(
                {"method": "GET", "path": "/sparql", "client": ("::1", 5)},
                "/sparql",
                200,
                0.00123,
                None,
            )
            ops.AccessLog().write(
                {"method": "GET", "path": "/sparql"}, "/sparql", 200, 0.00123, None
            )
        finally:
            ops.request_id_var.reset(token)
        line = stream.getvalue()
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO pcfgraph.access \[rid77\] "
            r"GET /sparql 200 1.2 ms from ::1\n"
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO pcfgraph.access \[rid77\] "
            r"GET /sparql 200 1.2 ms from -\n",  # no client known (a Unix socket)
            line,
        ), line
        formatter = handler.formatter
        assert isinstance(formatter, ops.TextFormatter)
        # the same millisecond again (its time kept), the same millisecond of another second
        for created in (
            1_700_000_000.0,
            1_700_000_000.0004,
            1_700_000_000.999,
            1_700_000_001.25,
            1_700_000_001.2504,
            1_700_000_000.25,
            1_700_000_002.25,
        ):
            record = logging.makeLogRecord(
                {
                    "name": "pcfgraph.access",
                    "levelno": logging.INFO,
                    "levelname": "INFO",
                    "msg": "GET /sparql 200 1.2 ms",
                    "request_id": "r",
                    "created": created,
                    "msecs": int((created - int(created)) * 1000) + 0.0,
                }
            )
            made = formatter.line(created, "INFO", "pcfgraph.access", "r", "GET /sparql 200 1.2 ms")
            assert (
                made
                == formatter.format(record)
                == logging.Formatter(ops.TEXT_FORMAT).format(record)
            )
        kept = _Kept()  # anyone else listening: records again
        pcf.addHandler(kept)
        assert ops._text_line_handler() is None
        ops.AccessLog().write({"method": "GET", "path": "/x"}, "/x", 404, 0.001, "not-found")
        assert [r.status for r in kept.records] == [404]
        assert stream.getvalue().count("\n") == 3
        pcf.removeHandler(kept)
        json_handler = configure_logging(
            Settings(log_format="json", log_level="info"), stream=stream
        )
        assert pcf.handlers == [json_handler] and ops._text_line_handler() is None
    finally:
        pcf.handlers = others


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abc123", True),
        ("9f1c2b7e-3d4a-4e5f-8a6b-1c2d3e4f5a6b", True),  # Envoy's, Istio's, Heroku's UUIDs
        ("req_42.7", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("a b<script>", False),
        ("-abc", False),
        ("caf\u00e9", False),  # latin-1 letters are no header-safe id
        ("", False),
    ],
)
def test_a_proxys_request_id_is_kept(given: str, kept: bool) -> None:
    """A proxy's ``X-Request-ID`` (a UUID with dashes from Envoy and Istio) was replaced
    by a fresh id: its log and pcfgraph's named the request differently."""
    from pcfgraph.api.ops import client_request_id

    rid = client_request_id(given.encode("latin-1"))
    assert (rid == given) if kept else rid is None
