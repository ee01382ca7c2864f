"""Time-boxed fuzzing (about 60 s in all).

- schemathesis against the live server's OpenAPI description: no 5xx except the documented
  503s of load shedding, responses conform to their documented schemas;
- schemathesis against the GraphQL schema: no 5xx, no internal errors;
- hypothesis on the query pre-checks (:func:`pcfgraph.sparql_guard.check_query`) and the
  upload parser (:func:`pcfgraph.audit.parse.parse_upload`): only documented errors, bounded
  time per input.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
)

from pcfgraph.audit.parse import Upload, parse_upload
from pcfgraph.errors import PcfgraphError
from pcfgraph.sparql_guard import check_query

QUERY_CODES = {
    "query-too-deep",
    "update-forbidden",
    "service-not-allowed",
    "unknown-graph",
    "parse-error",
    "query-rejected",
}
UPLOAD_CODES = {"parse-error", "payload-too-large", "unsupported-media-type", "bad-input"}
#: Operations not fuzzed: reload does real work per call (and is token-protected).
SKIP_PATHS = ("/admin/reload",)


def fuzz_operations(schema: Any, examples: int, check: Callable[[Any], None]) -> int:
    """Run ``check`` on generated cases of every operation (pytest-plugin free)."""
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIP_PATHS:
            continue

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy())
        def run(case: Any) -> None:
            check(case)

        run()
        ran += 1
    return ran


def test_openapi_fuzz(server) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")

    def check(case: Any) -> None:
        response = case.call(base_url=server.url, timeout=15)
        if response.status_code == 503 and "overloaded" in response.text:
            return  # load shedding is documented behaviour
        case.validate_response(
            response,
            checks=[not_a_server_error, response_schema_conformance],
        )
        if response.status_code >= 400 and "problem+json" in str(response.headers):
            body = response.json()
            assert body["code"] and body["request_id"]

    assert fuzz_operations(schema, 10, check) >= 5


def test_graphql_fuzz(server) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.graphql.from_url(server.url + "/graphql")

    def check(case: Any) -> None:
        response = case.call(base_url=server.url, timeout=15)
        assert response.status_code < 500, response.text[:300]
        if "json" in str(response.headers).lower():
            for error in response.json().get("errors") or []:
                assert (error.get("extensions") or {}).get("code") != "internal-error", error

    assert fuzz_operations(schema, 6, check) >= 3


SPARQL_WORDS = st.sampled_from(
    [
        "SELECT",
        "*",
        "WHERE",
        "{",
        "}",
        "(",
        ")",
        "?s",
        "?p",
        "?o",
        ".",
        "SERVICE",
        "FROM",
        "NAMED",
        "GRAPH",
        "OPTIONAL",
        "UNION",
        "FILTER",
        "!",
        "-",
        "<urn:g>",
        "<file:///etc>",
        "PREFIX",
        "p:",
        "p:x",
        "<http://ex.org/>",
        "BASE",
        "ASK",
        "CONSTRUCT",
        "DESCRIBE",
        "INSERT",
        "LOAD",
        '"str"',
        "'''x'''",
        "#c\n",
        "1",
        "LIMIT",
        "VALUES",
        "^",
        "/",
        "|",
        "+",
        "SeRvIcE",
        "\\u0053ERVICE",
        '"\\""',
        "<",
        ">",
        "WITH",
        "within",
        "\n  # SERVICE <urn:x> FROM\n",
        '"""',
        "'''",
        "\r",
        "ß",
    ]
)


def _cpu_seconds() -> float:
    """This thread's CPU time: a blow-up guard a loaded machine cannot trip (wall time can)."""
    return time.thread_time()


@pytest.fixture(scope="module", autouse=True)
def _parsers_imported() -> None:
    """First calls import lazily (rdflib's parser, ...): pay that before any bound is measured."""
    for text in ("SELECT * WHERE { ?s ?p ?o }", "DESCRIBE ?p WHERE < LOAD"):
        with contextlib.suppress(PcfgraphError):
            check_query(text, max_depth=16, known_graphs={"urn:g"})
    with contextlib.suppress(PcfgraphError):
        parse_upload(
            Upload("model.ttl", b"<urn:a> <urn:b> <urn:c> .", "text/turtle"), max_bytes=4096
        )


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(SPARQL_WORDS, max_size=60).map(" ".join), st.text(max_size=400)))
def test_query_prechecks_only_raise_documented_errors(text: str) -> None:
    t0 = _cpu_seconds()
    try:
        check_query(text, max_depth=16, known_graphs={"urn:g"})
    except PcfgraphError as exc:
        assert exc.code in QUERY_CODES, (exc.code, text)
        assert 400 <= exc.http_status < 500
    assert _cpu_seconds() - t0 < 0.5


def _full_scan(text: str, max_depth: int, max_tokens: int, max_width: int) -> tuple[str, str]:
    """The guard's verdict without its shortcut: naming a protocol graph disables it."""
    try:
        checked = check_query(
            text,
            max_depth=max_depth,
            max_tokens=max_tokens,
            max_width=max_width,
            known_graphs={"urn:g"},
            default_graph_uris=["urn:g"],
        )
    except PcfgraphError as exc:
        return ("error", exc.code)
    return ("ok", checked.form)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.lists(SPARQL_WORDS, max_size=40).map(" ".join), st.text(max_size=300)),
    st.integers(min_value=1, max_value=24),
    st.integers(min_value=1, max_value=400),
    st.integers(min_value=0, max_value=12),
)
def test_the_guard_shortcut_agrees_with_the_full_scan(
    text: str, max_depth: int, max_tokens: int, max_width: int
) -> None:
    """Whenever the shortcut answers, the full scan accepts the query with the same form
    (for every depth, size and width limit, including ones the text crosses)."""
    from pcfgraph.sparql_guard import _quick_form

    quick = _quick_form(text, max_depth, max_tokens, max_width)
    if quick is not None:
        assert _full_scan(text, max_depth, max_tokens, max_width) == ("ok", quick), text


def test_the_guard_shortcut_is_taken_for_ordinary_queries() -> None:
    from pcfgraph.sparql_guard import _quick_form

    text = "PREFIX p: <http://ex.org/> # within a comment\nSELECT ?s WHERE { ?s p:x ?o }"
    assert _quick_form(text, 16, 20_000, 500) == "SELECT"
    for unsafe in ("SELECT * WHERE { SERVICE <urn:x> { ?s ?p ?o } }", "SELECT * FROM <urn:g> {}"):
        assert _quick_form(unsafe, 16, 20_000, 500) is None
    assert _quick_form("ASK {" + "{" * 20 + "}" * 20 + "}", 16, 20_000, 500) is None
    chain = "ASK { FILTER(" + " && ".join(["true"] * 30) + ") }"
    assert _quick_form(chain, 16, 20_000, 500) == "ASK"
    assert _quick_form(chain, 16, 20_000, 10) is None
    assert _quick_form(chain, 16, 50, 500) is None


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=17, max_value=3000), st.sampled_from(["{", "(", "!", "[ "]))
def test_nesting_over_the_limit_is_always_refused(depth: int, opener: str) -> None:
    closer = {"{": "}", "(": ")", "!": "", "[ ": "]"}[opener]
    text = "SELECT * WHERE { " + opener * depth + "?s" + closer * depth + " }"
    t0 = _cpu_seconds()
    with pytest.raises(PcfgraphError) as info:
        check_query(text, max_depth=16, known_graphs=set())
    assert info.value.code in {"query-too-deep", "parse-error", "query-rejected"}
    assert _cpu_seconds() - t0 < 2


RDF_BITS = st.sampled_from(
    [
        b"<http://ex.org/a>",
        b"<http://ex.org/p>",
        b'"x"',
        b".",
        b";",
        b",",
        b"[",
        b"]",
        b"(",
        b")",
        b"{",
        b"}",
        b"@prefix ex: <http://ex.org/> .",
        b"ex:a",
        b"_:b",
        b"\n",
        b'"@context"',
        b":",
        b'"@id"',
        b"<!DOCTYPE x>",
        b"<!ENTITY e 'x'>",
        b"&e;",
        b"<rdf:RDF>",
        b"\xff",
        b"\x00",
        b"'''",
        b"#",
        b"\\u0000",
        b"<<",
        b">>",
    ]
)
MEDIA = st.sampled_from(
    [
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
        "application/octet-stream",
        "text/turtle; charset=latin-1",
        "image/png",
        None,
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.lists(RDF_BITS, max_size=80).map(b" ".join), st.binary(max_size=600)),
    MEDIA,
    st.sampled_from(["model.ttl", "model.jsonld", "model.rdf", "model.nt", "model"]),
)
def test_upload_parser_only_raises_documented_errors(
    data: bytes, media: str | None, name: str
) -> None:
    t0 = _cpu_seconds()
    try:
        parse_upload(Upload(name, data, media), max_bytes=4096, max_triples=100)
    except PcfgraphError as exc:
        assert exc.code in UPLOAD_CODES, (exc.code, data)
        assert 400 <= exc.http_status < 500
    assert _cpu_seconds() - t0 < 0.5


def test_fuzz_targets_are_live(server) -> None:  # type: ignore[no-untyped-def]
    """The schemas the fuzzers load are really served (not silently empty)."""
    paths = httpx.get(server.url + "/openapi.json").json()["paths"]
    assert "/sparql" in paths and "/health" in paths
    r = httpx.post(server.url + "/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert r.json()["data"]["__schema"]["queryType"]["name"] == "Query"


FORM_BITS = st.sampled_from(
    [*"ab=&+%\\xé 41zZ;", "%41", "%e2%82%ac", "%ZZ", "%4", "%C3", "%c3%a9", "\\x41", "%%"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(FORM_BITS, max_size=30).map("".join))
def test_form_decoding_matches_urllib(text: str) -> None:
    """/sparql's own percent-decoding gives exactly urllib's pairs (or the documented 400)."""
    from urllib.parse import parse_qsl

    from pcfgraph.api.sparql_request import form_params as _params

    try:
        want: object = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        want = "bad-encoding"
    for raw in (text, text.encode()):
        try:
            got: object = _params(raw, "the query string")
        except PcfgraphError as exc:
            got = exc.code
        assert got == want, text
