"""Time-boxed fuzzing (about 60 s in all).

- schemathesis against the live server's OpenAPI description: no 5xx except the documented
  503s of load shedding, responses conform to their documented schemas;
- schemathesis against the GraphQL schema: no 5xx, no internal errors;
- hypothesis on the query pre-checks (:func:`pcfgraph.sparql_guard.check_query`) and the
  upload parser (:func:`pcfgraph.audit.parse.parse_upload`): only documented errors, and work
  linear in the input, counted, not timed (:class:`LinesRun`: the lines of the check's own
  source executed; the RDF parser's calls, bytes and statements), so the bound holds on any
  machine and a check made quadratic fails it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
)

from pcfgraph import sparql_guard
from pcfgraph.audit import parse
from pcfgraph.audit.parse import Upload, parse_upload
from pcfgraph.audit.upload_format import detect_format
from pcfgraph.errors import PcfgraphError
from pcfgraph.sparql_guard import check_query

from .conftest import GIVE_UP

QUERY_CODES = {
    "query-too-deep",
    "update-forbidden",
    "service-not-allowed",
    "unknown-graph",
    "parse-error",
    "query-rejected",
    "query-too-large",
    "query-too-wide",
}
UPLOAD_CODES = {"parse-error", "payload-too-large", "unsupported-media-type", "bad-input"}
#: Operations not fuzzed: reload does real work per call (and is token-protected).
SKIP_PATHS = ("/admin/reload",)


def fuzz_operations(schema: Any, examples: int, check: Callable[[Any], None]) -> int:
    """Run ``check`` on generated cases of every operation (pytest-plugin free).

    The checks wait for each answer up to :data:`GIVE_UP` (a hung test, not a bound: the
    server's deadlines and GraphQL's limits bound its answers); a 15 s client timeout can
    run out on a generated GraphQL query at load 8-12 with no fault in the server."""
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
        response = case.call(base_url=server.url, timeout=GIVE_UP)
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
        response = case.call(base_url=server.url, timeout=GIVE_UP)
        assert response.status_code < 500, response.text[:300]
        if "json" in str(response.headers).lower():
            for error in response.json().get("errors") or []:
                assert (error.get("extensions") or {}).get("code") != "internal-error", error

    assert fuzz_operations(schema, 6, check) >= 3


SPARQL_WORD_LIST = [
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
SPARQL_WORDS = st.sampled_from(SPARQL_WORD_LIST)


class WorkOverBudget(AssertionError):
    pass


class LinesRun:
    """The lines of ``files`` executed while the block runs (``sys.settrace``): a check's own
    Python work, counted, so a bound on it holds on a loaded machine as on an idle one (a CPU
    time bound does not). Past ``budget`` lines it raises :class:`WorkOverBudget`, so a check
    made quadratic fails at once instead of running for minutes. Work done inside C code (the
    lexer's regular expression, ``str`` methods) is not in the count."""

    def __init__(self, *files: str, budget: int) -> None:
        self.files = frozenset(files)
        self.budget = budget
        self.lines = 0
        self._previous: Any = None

    def _call(self, frame: FrameType, event: str, arg: Any) -> Any:
        return self._line if frame.f_code.co_filename in self.files else None

    def _line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines += 1
            if self.lines > self.budget:
                raise WorkOverBudget(f"more than {self.budget} lines run")
        return self._line

    def __enter__(self) -> LinesRun:
        self._previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)


#: Lines of sparql_guard.py one character of query text may cost: a token is at least one
#: character and costs the lexer, the limits and the scan about 25 lines (measured: at most
#: 24 per character, on runs of one-character tokens such as "a.a.a."); a constant for the
#: calls themselves. A guard that rereads the text per token costs hundreds per character.
GUARD_LINES_PER_CHAR = 40
GUARD_LINES_FIXED = 300


def guard_budget(text: str) -> int:
    return GUARD_LINES_PER_CHAR * (len(text) + 1) + GUARD_LINES_FIXED


def guard_verdict(text: str, **limits: Any) -> tuple[str, str, int]:
    """The guard's verdict on ``text`` (form or error code) and the lines it ran, asserted to
    be within :func:`guard_budget`."""
    limits.setdefault("max_depth", 16)
    with LinesRun(sparql_guard.__file__, budget=guard_budget(text)) as work:
        try:
            checked = check_query(text, known_graphs={"urn:g"}, **limits)
        except PcfgraphError as exc:
            assert exc.code in QUERY_CODES, (exc.code, text)
            assert 400 <= exc.http_status < 500
            return "error", exc.code, work.lines
    return "ok", checked.form, work.lines


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(SPARQL_WORDS, max_size=60).map(" ".join), st.text(max_size=400)))
def test_query_prechecks_only_raise_documented_errors(text: str) -> None:
    """Only documented errors, in work linear in the text, with the shortcut (no protocol
    graph) and with the full scan (a protocol graph named)."""
    guard_verdict(text)
    guard_verdict(text, default_graph_uris=["urn:g"])


@pytest.mark.parametrize("word", SPARQL_WORD_LIST)
def test_the_guard_work_is_linear_in_the_query(word: str) -> None:
    """Each fuzz word repeated to a query of 600 tokens and twice that, scanned in full: the
    lines run stay within the per-character budget, and doubling the text at most doubles
    them (plus the constant)."""
    runs = []
    for n in (600, 1200):
        text = "SELECT * WHERE { " + " ".join([word] * n) + " }"
        runs.append(guard_verdict(text, default_graph_uris=["urn:g"])[2])
    assert runs[1] <= 2 * runs[0] + GUARD_LINES_FIXED, runs


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


def nested(depth: int, opener: str) -> str:
    closer = {"{": "}", "(": ")", "!": "", "[ ": "]"}[opener]
    return "SELECT * WHERE { " + opener * depth + "?s" + closer * depth + " }"


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=17, max_value=3000), st.sampled_from(["{", "(", "!", "[ "]))
def test_nesting_over_the_limit_is_always_refused(depth: int, opener: str) -> None:
    """Refused as too deep at the first token past the limit: the guard reads exactly the
    tokens up to the 17th level (the 16th "!", with the group's own "{"), whatever follows,
    and runs no more lines than for a nesting of 17 (a flood of deep queries costs little)."""
    read: list[sparql_guard.Token] = []
    lexer = sparql_guard.tokens

    def counted(text: str) -> Iterator[sparql_guard.Token]:
        for token in lexer(text):
            read.append(token)
            yield token

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sparql_guard, "tokens", counted)
        verdict, code, lines = guard_verdict(nested(depth, opener))
    assert (verdict, code) == ("error", "query-too-deep")
    levels = 16 if opener == "!" else 17
    assert [t.text for t in read] == ["SELECT", "*", "WHERE", "{"] + [opener.strip()] * levels
    assert lines <= guard_budget(nested(17, opener)), lines


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
#: Skipped before Turtle and N-Triples (Notepad saves one), so the parser gets 3 bytes fewer.
UTF8_BOM = b"\xef\xbb\xbf"
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
@example(UTF8_BOM, "text/turtle", "model.ttl")  # found by hypothesis once in a while
@example(b"\x80", "text/turtle; charset=latin-1", "model.ttl")  # 2 bytes in UTF-8
@example(b"\xff\xfe", "text/turtle", "model.ttl")  # a UTF-16 mark: no text (found by hypothesis)
@example(b"a\x00b\x00c\x00.\x00", None, "model.nt")  # UTF-16 without a mark
def test_upload_parser_only_raises_documented_errors(
    data: bytes, media: str | None, name: str
) -> None:
    """Only documented errors, and work bounded by the upload: the RDF parser is called at most
    once, on the upload's own text (re-encoded as UTF-8 from a declared charset, less a
    UTF-8 byte order mark before Turtle, which is skipped), and read no further than the first statement past the
    limit; the checks before it (the nesting scan reads each byte once) run lines linear in
    the upload (about 15 per byte measured, on bracket runs)."""
    calls: list[int] = []
    statements = 0
    real_parse = ox.parse

    def counted(source: bytes, *args: Any, **kwargs: Any) -> Iterator[Any]:
        nonlocal statements
        calls.append(len(source))
        for statement in real_parse(source, *args, **kwargs):
            statements += 1
            yield statement

    budget = 25 * (len(data) + 1) + 200
    assert parse.ox is ox  # parse_upload calls the parser through this module
    with pytest.MonkeyPatch.context() as patch, LinesRun(parse.__file__, budget=budget):
        patch.setattr(ox, "parse", counted)
        try:
            parse_upload(Upload(name, data, media), max_bytes=4096, max_triples=100)
        except PcfgraphError as exc:
            assert exc.code in UPLOAD_CODES, (exc.code, data)
            assert 400 <= exc.http_status < 500
    # the parser reads the upload's text as UTF-8 (decoded by the charset it declares, its
    # byte order mark's, or UTF-16/32 its bytes leave no doubt of: pcfgraph.audit.charset,
    # tested on its own), less a byte order mark before Turtle or N-Triples; the oracle
    # read only a declared latin-1 (b"\xff\xfe", a UTF-16 mark, is read as no text at all)
    text = _text_read(Upload(name, data, media))
    allowed = [[]] if text is None else [[], [len(text)], [len(text.removeprefix(UTF8_BOM))]]
    assert calls in allowed, (calls, data, media, name)
    assert statements <= 101


def _text_read(upload: Upload) -> bytes | None:
    """The UTF-8 text the parser is given for ``upload``; None when it is refused before."""
    try:
        fmt = detect_format(upload.name, upload.media_type, upload.data)
        text, _ = parse._as_utf8(upload, 4096, xml=fmt is ox.RdfFormat.RDF_XML)
    except PcfgraphError:
        return None
    return text


UPLOAD_RUNS = [b"[] ", b"( ) ", b"{}", b'"a" ', b"'''x''' ", b"<a> ", b"# c\n", b"<a> <b> <c> .\n"]


@pytest.mark.parametrize("unit", UPLOAD_RUNS)
@pytest.mark.parametrize("name", ["model.ttl", "model.jsonld"])
def test_the_upload_checks_work_is_linear(unit: bytes, name: str) -> None:
    """A unit repeated to 1,000 bytes and twice that: the checks before the parser (and the
    statement loop) run lines within the per-byte budget, and doubling the upload at most
    doubles them (plus a constant)."""
    runs = []
    for size in (1000, 2000):
        data = unit * (size // len(unit))
        with LinesRun(parse.__file__, budget=25 * (len(data) + 1) + 200) as work:
            try:
                parse_upload(Upload(name, data, None), max_bytes=4096, max_triples=100)
            except PcfgraphError as exc:
                assert exc.code in UPLOAD_CODES, exc
        runs.append(work.lines)
    assert runs[1] <= 2 * runs[0] + 200, runs


def test_fuzz_targets_are_live(server) -> None:  # type: ignore[no-untyped-def]
    """The schemas the fuzzers load are really served (not silently empty)."""
    paths = httpx.get(server.url + "/openapi.json", timeout=GIVE_UP).json()["paths"]
    assert "/sparql" in paths and "/health" in paths
    query = {"query": "{ __schema { queryType { name } } }"}
    r = httpx.post(server.url + "/graphql", json=query, timeout=GIVE_UP)
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
