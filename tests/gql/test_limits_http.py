"""Hostile queries against each limit, error masking, introspection switch, GraphQL over HTTP
(media types, GET, batching) and the self-hosted GraphiQL page."""

from __future__ import annotations

import gzip
import json
import logging
import re

import pytest
from gql_support import APQC, Client, graphql_release
from limiter_support import measured_selection_sets, selection_sets

from pcfgraph.config import Settings

LIMITS = Settings(
    graphql_max_depth=6,
    graphql_max_aliases=10,
    graphql_max_tokens=400,
    graphql_max_page_size=20,
)


@pytest.fixture(scope="module")
def small() -> Client:
    return Client(graphql_release(1), LIMITS)


def _nested(depth: int) -> str:
    """A query of exactly ``depth`` field levels."""
    inner = "id"
    for _ in range(depth - 2):
        inner = f"children {{ {inner} }}"
    return f'{{ element(code: "8.0", framework: "{APQC}") {{ {inner} }} }}'


def test_depth_limit(small):
    assert "element" in small.data(_nested(6))
    (err,) = small.errors(_nested(7))
    assert "depth 7 exceeds the maximum of 6" in err["message"]


def test_depth_counts_through_fragments(small):
    q = (
        f'{{ element(code: "8.0", framework: "{APQC}") {{ ...A }} }} '
        "fragment A on Element { children { ...B } } "
        "fragment B on Element { children { ...C } } "
        "fragment C on Element { children { children { children { id } } } }"
    )
    (err,) = small.errors(q)
    assert "depth 7 exceeds" in err["message"]


def test_alias_limit_direct_and_through_fragment_spreads(small):
    direct = " ".join(f"a{i}: frameworks {{ id }}" for i in range(11))
    (err,) = small.errors("{ " + direct + " }")
    assert "11 aliases" in err["message"]
    # 3 aliases written once, spread 4 times: 12 after expansion
    q = (
        "{ frameworks { ...F } x: frameworks { ...F } y: frameworks { ...F } z: frameworks { ...F } }"
        " fragment F on Framework { a: id b: title c: version }"
    )
    (err,) = small.errors(q)
    assert "15 aliases found after expanding fragments" in err["message"]


def test_fragment_bomb_is_validated_in_linear_time(monkeypatch):
    """n fragments each spreading the next twice: 2^n expansions for a naive limiter (strawberry
    0.341's MaxAliasesLimiter/QueryDepthLimiter take seconds at n=18, hours at n=30). The work
    is counted, not timed: the limiter measures each selection set written in the document at
    most once, reports the exact expanded alias count (2^n - 1) without expanding, and the
    refusal comes before execution (the store is never queried)."""
    settings = Settings(graphql_max_tokens=5000)
    client = Client(graphql_release(1), settings)
    n = 40
    frags = [f"fragment F{i} on Framework {{ ...F{i + 1} ...F{i + 1} x{i}: id }}" for i in range(n)]
    frags.append(f"fragment F{n} on Framework {{ id }}")
    q = "{ frameworks { ...F0 } } " + " ".join(frags)
    budget = selection_sets(q)
    measured = measured_selection_sets(monkeypatch, budget)
    store = client.release.store
    before = store.query_count
    errors = client.errors(q)
    assert [e["message"] for e in errors] == [
        f"{2**n - 1} aliases found after expanding fragments; "
        f"the maximum is {settings.graphql_max_aliases}."
    ]
    assert 0 < len(measured) <= budget == n + 3, (len(measured), budget)
    assert store.query_count == before  # refused before execution: nothing was read


def test_circular_fragments_are_rejected(small):
    q = (
        "{ frameworks { ...A } } fragment A on Framework { id ...B } "
        "fragment B on Framework { title ...A }"
    )
    errors = small.errors(q)
    assert any("Cannot spread fragment" in e["message"] for e in errors)


def test_token_limit(small):
    fields = " ".join(["id"] * 450)
    (err,) = small.errors("{ frameworks { " + fields + " } }")
    assert "token" in err["message"].lower()


def test_deep_nesting_does_not_crash_the_server():
    client = Client(graphql_release(1), Settings(graphql_max_tokens=100_000))
    q = "{ " + "frameworks { " * 3000 + "id" + " }" * 3001
    r = client.post(q)
    assert r.status_code in (200, 400)
    assert r.json()["errors"]


def test_page_size_is_rejected_not_clamped(small):
    assert small.data(f'{{ elements(framework: "{APQC}", first: 20) {{ totalCount }} }}')
    (err,) = small.errors("{ elements(first: 21) { totalCount } }")
    assert err["message"] == "first must be between 0 and 20, not 21"
    (err,) = small.errors('{ search(text: "customer", first: 1000) { score } }')
    assert "between 0 and 20" in err["message"]
    (err,) = small.errors("{ elements(first: -1) { totalCount } }")
    assert err["extensions"]["code"] == "bad-input"


def test_node_budget():
    budget = Client(graphql_release(1), LIMITS.with_(graphql_max_nodes=10))
    (err,) = budget.errors(
        f'{{ element(code: "8.1", framework: "{APQC}") {{ children {{ children {{ id }} }} }} }}'
    )
    assert err["extensions"]["code"] == "result-too-large"


def test_batching_refused_unless_allowed(small):
    body = [{"query": "{ frameworks { id } }"}, {"query": "{ frameworks { title } }"}]
    r = small.http.post("/graphql", json=body)
    assert r.status_code == 400
    assert r.json() == {
        "errors": [{"message": "Batching is not enabled", "extensions": {"code": "bad-input"}}]
    }
    allowed = Client(graphql_release(1), Settings(graphql_allow_batching=True))
    r = allowed.http.post("/graphql", json=body)
    assert r.status_code == 200
    assert [list(x["data"]["frameworks"][0]) for x in r.json()] == [["id"], ["title"]]


def test_a_batch_over_the_limit_says_the_limit():
    """docs/graphql.md allows at most 10 operations per batch; an 11th was refused with
    strawberry's "Too many operations", which said neither how many were sent nor the
    limit."""
    allowed = Client(graphql_release(1), Settings(graphql_allow_batching=True))
    ten = [{"query": "{ __typename }"}] * 10
    r = allowed.http.post("/graphql", json=ten)
    assert r.status_code == 200 and len(r.json()) == 10
    r = allowed.http.post("/graphql", json=[*ten, {"query": "{ __typename }"}])
    assert r.status_code == 400
    assert r.json() == {
        "errors": [
            {
                "message": "the batch holds 11 operations; at most 10 are taken per request "
                "(send the others in another request)",
                "extensions": {"code": "bad-input"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("null", "null"),
        ("5", "a number"),
        ('"{ frameworks { id } }"', "a string"),
        ("true", "a boolean"),
    ],
)
def test_a_body_that_is_no_json_object_is_a_400_naming_it(small, body, what):
    """It was a 500 (strawberry read it with ``.get``), a traceback in the log."""
    r = small.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    (err,) = r.json()["errors"]
    assert err["message"] == (
        f'the GraphQL request body is {what}; it must be a JSON object ({{"query": ...}})'
    )


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("method", "send", "status", "code", "message"),
    [
        (
            "POST",
            {"content": b'{"query":\n  "{ frameworks { id } }",\n  oops}', "headers": JSON},
            400,
            "parse-error",
            "the request body is not JSON: Expecting property name enclosed in double quotes "
            "at line 3, column 3",
        ),
        (
            "GET",
            {"params": {"query": "{ frameworks { id } }", "variables": "{bad"}},
            400,
            "parse-error",
            "the variables query parameter is not JSON: Expecting property name enclosed in "
            "double quotes at line 1, column 2",
        ),
        (
            "GET",
            {"params": {"query": "{ frameworks { id } }", "extensions": "[1,"}},
            400,
            "parse-error",
            "the extensions query parameter is not JSON: Expecting value at line 1, column 4",
        ),
        (
            "POST",
            {"json": {"query": "{ frameworks { id } }", "operationName": 5}},
            400,
            "bad-input",
            "operationName must be a string or null, not a number",
        ),
        (
            "POST",
            {"content": b"{ frameworks { id } }", "headers": {"Content-Type": "text/plain"}},
            415,
            "unsupported-media-type",
            'a GraphQL POST is sent with Content-Type application/json ({"query": ...}), '
            "not text/plain; or GET /graphql?query=",
        ),
        (
            "POST",
            {"content": b'{"query": "{ frameworks { id } }"}'},  # no Content-Type at all
            415,
            "unsupported-media-type",
            'a GraphQL POST is sent with Content-Type application/json ({"query": ...}), '
            "and this one has none; or GET /graphql?query=",
        ),
    ],
    ids=["body", "variables", "extensions", "operation-name", "text-plain", "no-content-type"],
)
def test_transport_errors_say_what_is_wrong_and_where(small, method, send, status, code, message):
    """They said "Unable to parse request body as JSON" (for a query parameter too, with no
    line or column), "Unknown operation named "5"" and "Unsupported content type" (400).
    Each carries its code, as a request error does (tests/gql/test_request_error_codes.py)."""
    r = small.http.request(method, "/graphql", **send)
    assert r.status_code == status, r.text
    assert r.json() == {"errors": [{"message": message, "extensions": {"code": code}}]}


def test_a_json_media_type_is_read_in_any_case(small):
    """``Application/JSON`` was "Unsupported content type": media types are case-insensitive."""
    r = small.http.post(
        "/graphql",
        content=b'{"query": "{ frameworks { id } }"}',
        headers={"Content-Type": "Application/JSON; charset=UTF-8"},
    )
    assert r.status_code == 200 and r.json()["data"]["frameworks"], r.text


def test_a_batch_item_that_is_no_json_object_is_a_400_naming_it(small):
    allowed = Client(graphql_release(1), Settings(graphql_allow_batching=True))
    body = '[{"query": "{ frameworks { id } }"}, null]'
    r = allowed.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    (err,) = r.json()["errors"]
    assert err["message"] == 'operation 2 of the batch is null, not a JSON object ({"query": ...})'
    r = small.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert r.json() == {
        "errors": [{"message": "Batching is not enabled", "extensions": {"code": "bad-input"}}]
    }


def test_several_operations_need_an_operation_name(small):
    """Strawberry ran the first operation when none was named (an answer to the wrong
    question, no error); the GraphQL spec and graphql-core ask for the name."""
    two = "query A { __typename } query B { frameworks { id } }"
    body = small.http.post("/graphql", json={"query": two}).json()
    assert "data" not in body  # nothing was executed
    (err,) = body["errors"]
    assert err["message"] == (
        "Must provide operation name if query contains multiple operations "
        "(operationName: one of A, B)."
    )
    accept = {"Accept": "application/graphql-response+json"}
    assert small.http.post("/graphql", json={"query": two}, headers=accept).status_code == 400
    r = small.http.get(
        "/graphql", params={"query": "query C { __typename } query D { __typename }"}
    )
    assert [e["message"] for e in r.json()["errors"]] == [
        "Must provide operation name if query contains multiple operations "
        "(operationName: one of C, D)."
    ]
    chosen = small.http.post("/graphql", json={"query": two, "operationName": "B"}).json()
    assert chosen["data"]["frameworks"] and "errors" not in chosen
    assert small.data("query A { __typename }") == {"__typename": "Query"}


def test_an_unknown_operation_name_is_refused_naming_the_documents_operations(small):
    """It said 'Unknown operation named "C".' and no more: a client generating documents
    could not see which names the document it sent has (the missing-name error lists them)."""
    two = "query A { __typename } query B { frameworks { id } }"
    expected = 'Unknown operation named "C"; the document\'s operations: A, B.'
    r = small.http.post("/graphql", json={"query": two, "operationName": "C"})
    assert r.status_code == 400 and r.json() == {
        "errors": [{"message": expected, "extensions": {"code": "invalid-query"}}]
    }
    r = small.http.get("/graphql", params={"query": two, "operationName": "C"})
    assert r.status_code == 400 and r.json() == {
        "errors": [{"message": expected, "extensions": {"code": "invalid-query"}}]
    }
    r = small.http.post("/graphql", json={"query": "{ __typename }", "operationName": "C"})
    assert r.json()["errors"][0]["message"] == (
        'Unknown operation named "C"; the document\'s operations: (anonymous).'
    )


def test_a_persisted_query_hash_alone_is_refused_saying_to_send_the_text(small):
    """Apollo's automatic persisted queries send a hash first: it was "No GraphQL query found
    in the request". The 400 says what is not supported (Apollo's client then sends the text,
    on the 400 or the PersistedQueryNotSupported word); hash plus text is answered."""
    apq = {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}
    r = small.http.post("/graphql", json={"extensions": apq})
    assert r.status_code == 400
    (err,) = r.json()["errors"]
    assert err["message"].startswith("PersistedQueryNotSupported: ") and '"query"' in err["message"]
    both = small.http.post("/graphql", json={"query": "{ __typename }", "extensions": apq})
    assert both.status_code == 200 and both.json() == {"data": {"__typename": "Query"}}


def test_resolver_errors_are_masked_with_request_id(small, monkeypatch, caplog):
    from pcfgraph import services

    def boom(*args, **kwargs):
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(services, "frameworks", boom)
    with caplog.at_level(logging.ERROR, logger="pcfgraph.api.graphql"):
        r = small.post("{ frameworks { id } }", headers={"X-Request-ID": "abc123"})
    (err,) = r.json()["errors"]
    assert "secret" not in r.text
    assert err["extensions"] == {"code": "internal-error", "requestId": "abc123"}
    assert "abc123" in err["message"] and r.headers["x-request-id"] == "abc123"
    assert any("abc123" in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_a_document_too_complex_to_validate_is_told_so():
    """graphql-core stops validating a document whose fields it would compare too often
    (here 900 ``__typename`` under the token limit) and said only "Validation aborted.":
    nothing a client could act on. The error says what to change, with a code."""
    client = Client(graphql_release(1))
    many = "{ " + " ".join(["__typename"] * 900) + " }"
    for text in (many, many + " " * 20_000):  # kept by the document cache, and not
        (err,) = client.errors(text)
        assert err["extensions"]["code"] == "query-too-complex", err
        assert "too complex" in err["message"] and "fewer" in err["message"], err
    r = client.post(many, headers={"Accept": "application/graphql-response+json"})
    assert r.status_code == 400
    assert client.data("{ __typename __typename }") == {"__typename": "Query"}


def test_a_post_body_over_max_body_bytes_is_refused_413():
    """docs/settings.md bounds GraphQL bodies by max_body_bytes (413), as SPARQL's; /graphql
    read and parsed any body (a valid operation padded to 5 MB ran). Refused whether the
    size is declared (Content-Length) or only streamed, before JSON parsing."""
    client = Client(graphql_release(1), Settings(max_body_bytes=2048))
    padded = json.dumps({"query": "{ __typename }", "extensions": {"pad": "x" * 3000}}).encode()
    headers = {"Content-Type": "application/json"}
    for body in (padded, iter([padded[:1500], padded[1500:]])):
        r = client.http.post("/graphql", content=body, headers=headers)
        assert r.status_code == 413, r.text
        (err,) = r.json()["errors"]
        assert "2048-byte limit" in err["message"] and "max_body_bytes" in err["message"]
    small = json.dumps({"query": "{ __typename }", "extensions": {"pad": "x" * 1000}})
    r = client.http.post("/graphql", content=small.encode(), headers=headers)
    assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}
    r = client.http.post("/graphql", content=padded, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415  # the media type is still checked first


def test_introspection_switch():
    q = "{ __schema { queryType { name } } }"
    on = Client(graphql_release(1))
    assert on.data(q) == {"__schema": {"queryType": {"name": "Query"}}}
    off = Client(graphql_release(1), Settings(graphql_introspection=False))
    errors = off.errors(q)
    assert all("introspection" in e["message"].lower() for e in errors)
    assert off.data("{ __typename }") == {"__typename": "Query"}


def test_get_and_media_types(small):
    r = small.http.get("/graphql", params={"query": "{ frameworks { id } }"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json()["data"]["frameworks"]
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    r = small.http.post("/graphql", json={"query": "{ frameworks { id } }"}, headers=accept)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/graphql-response+json")
    # a request that fails validation: 400 for graphql-response+json, 200 for plain json
    bad = {"query": "{ nope }"}
    r = small.http.post("/graphql", json=bad, headers=accept)
    assert r.status_code == 400 and "nope" in r.json()["errors"][0]["message"]
    r = small.http.post("/graphql", json=bad, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["errors"]
    # a resolver error after execution started stays 200 with graphql-response+json
    r = small.http.post("/graphql", json={"query": '{ element(code: "x") { id } }'}, headers=accept)
    assert r.status_code == 200 and r.json()["errors"]
    r = small.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["errors"]


def test_answers_that_depend_on_accept_say_so_with_vary(small):
    """The same GET /graphql URL is GraphiQL, application/json or
    application/graphql-response+json (even 200 or 400) by the Accept header alone: without
    ``Vary: Accept`` a shared cache could hand one client's media type to another."""
    url = "/graphql?query=%7B%20nope%20%7D"
    as_json = small.http.get(url, headers={"Accept": "application/json"})
    as_gql = small.http.get(url, headers={"Accept": "application/graphql-response+json"})
    assert (as_json.status_code, as_gql.status_code) == (200, 400)
    ide = small.http.get("/graphql", headers={"Accept": "text/html"})
    post = small.http.post("/graphql", json={"query": "{ frameworks { id } }"})
    for r in (as_json, as_gql, ide, post):
        vary = {v.strip().lower() for v in r.headers.get("vary", "").split(",")}
        assert "accept" in vary, (r.request.method, r.request.url, r.headers.get("vary"))


def test_transport_errors_keep_the_media_type_the_client_asked_for(small):
    """docs/graphql.md: Accept application/graphql-response+json "gets that media type"; a
    body that is not JSON, a refused batch or a bad variables parameter came back as
    application/json to such a client (the GraphQL over HTTP spec asks for the media type
    the client accepts). Plain clients keep application/json."""
    accept = {"Accept": "application/graphql-response+json", "Content-Type": "application/json"}
    requests = [
        ("POST", {"content": b"{not json"}),
        ("POST", {"content": b'[{"query": "{ __typename }"}]'}),
        ("POST", {"content": b"5"}),
        ("GET", {"params": {"query": "{ __typename }", "variables": "{"}}),
    ]
    for method, kw in requests:
        r = small.http.request(method, "/graphql", headers=accept, **kw)
        assert r.status_code == 400, r.text
        assert r.headers["content-type"].startswith("application/graphql-response+json"), kw
        assert r.json()["errors"][0]["message"]
        plain = small.http.request(
            method, "/graphql", headers={"Content-Type": "application/json"}, **kw
        )
        assert plain.status_code == 400 and plain.headers["content-type"] == "application/json"


def test_a_body_that_is_not_utf8_is_a_400_saying_where(small):
    """A JSON body with a byte that is not UTF-8 (schemathesis: b'\\x15_\\xefH') was a 500
    "internal error": json.loads raised UnicodeDecodeError, not the JSONDecodeError the
    router turned into a 400."""
    for body, at in ((b'{"query": "\xef"}', 11), (b"\x15_\xefH", 2)):
        r = small.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        (err,) = r.json()["errors"]
        assert err["message"] == f"the request body is not UTF-8: byte 0xef at offset {at}"


def test_a_compressed_body_is_a_415_naming_content_encoding(small):
    """A gzip-compressed operation (Content-Encoding: gzip) was read as the JSON text itself:
    "the request body is not UTF-8: byte 0x8b ...", blaming the client's JSON; POST /sparql
    says 415 naming the Content-Encoding, and so does /graphql now."""
    body = gzip.compress(b'{"query": "{ __typename }"}')
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    r = small.http.post("/graphql", content=body, headers=headers)
    assert r.status_code == 415
    assert r.json() == {
        "errors": [
            {
                "message": "a GraphQL POST takes an uncompressed body, not Content-Encoding: gzip",
                "extensions": {"code": "unsupported-media-type"},
            }
        ]
    }
    plain = {"Content-Type": "application/json", "Content-Encoding": "identity"}
    r = small.http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=plain)
    assert r.status_code == 200


def test_graphiql_is_self_hosted(small):
    r = small.http.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert len(assets) >= 4
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        got = small.http.get(url)
        assert got.status_code == 200 and len(got.content) > 100, url
    assert "unpkg" not in r.text and "cdn" not in r.text.lower()
