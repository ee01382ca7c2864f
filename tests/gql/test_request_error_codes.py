"""Every error of an answer carries ``extensions.code``. Resolver errors had one
(``not-found``, ``bad-input`` ...) and graphql-core's request errors none, so a client (a
generated one dispatching on the code) could not tell a document it must fix from values
it must fix without parsing English: ``syntax-error``, ``invalid-query`` (the document does
not validate, or no operation of it can be chosen) and ``bad-input`` (a variable's value
cannot be coerced or is missing, as a bad argument value is). Messages are unchanged."""

from __future__ import annotations

import pytest
from gql_support import Client

CASES = [
    ({"query": "{ frameworks { id }"}, "syntax-error", "Syntax Error: Expected Name"),
    ({"query": "{ frameworks { nosuch } }"}, "invalid-query", "Cannot query field 'nosuch'"),
    (
        {"query": "query A { __typename } query B { __typename }"},
        "invalid-query",
        "Must provide operation name",
    ),
    (
        {"query": "query($x: Int) { frameworks { id } }"},
        "invalid-query",
        "Variable '$x' is never used",
    ),
    (
        {"query": "query($id: ID!) { framework(id: $id) { id } }"},
        "bad-input",
        "Variable '$id' has invalid value: Expected a value of non-null type 'ID!' to be",
    ),
    (
        {"query": "query($n: Int) { elements(first: $n) { totalCount } }", "variables": {"n": "3"}},
        "bad-input",
        "Variable '$n' has invalid value",
    ),
    (
        {"query": "query($id: ID!) { framework(id: $id) { id } }", "variables": {"id": None}},
        "bad-input",
        "Variable '$id' has invalid value: Expected value of non-null type 'ID!' not to be",
    ),
]


@pytest.mark.parametrize(("body", "code", "message"), CASES)
def test_a_request_error_carries_its_code(gql: Client, body: dict, code: str, message: str) -> None:
    answer = gql.http.post("/graphql", json=body).json()
    (error,) = answer["errors"]
    assert error["message"].startswith(message), error
    assert error["extensions"] == {"code": code}, error


def test_field_errors_keep_their_codes(gql: Client) -> None:
    (error,) = gql.errors('{ framework(id: "nope") { id } }')
    assert error["extensions"] == {"code": "not-found"}
    (error,) = gql.errors(
        "{ a: frameworks { id } b: frameworks { id } " + "c: __typename " * 40 + "}"
    )
    assert error["extensions"]["code"] == "too-many-aliases"


JSON = {"Content-Type": "application/json"}

#: Refusals below the GraphQL layer (the request is no operation to run): each with the code
#: of pcfgraph.errors the HTTP API gives the same refusal.
TRANSPORT = [
    ("POST", {"content": b'{"query": ', "headers": JSON}, 400, "parse-error"),
    ("GET", {"params": {"query": "{ __typename }", "variables": "{x"}}, 400, "parse-error"),
    ("POST", {"content": b'{"query": "\xff"}', "headers": JSON}, 400, "parse-error"),
    ("POST", {"json": {}}, 400, "missing-query"),
    ("POST", {"json": {"query": None}}, 400, "missing-query"),
    ("GET", {"params": {"variables": "{}"}}, 400, "missing-query"),
    ("POST", {"json": 5}, 400, "bad-input"),
    ("POST", {"json": [{"query": "{ __typename }"}]}, 400, "bad-input"),
    ("POST", {"json": {"query": 5}}, 400, "bad-input"),
    (
        "POST",
        {"json": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}}},
        400,
        "bad-input",
    ),
    (
        "POST",
        {"json": {"query": "query A { __typename }", "operationName": "B"}},
        400,
        "invalid-query",
    ),
    ("GET", {"params": {"query": "mutation M { x }"}}, 405, "method-not-allowed"),
    (
        "POST",
        {"content": b"{ __typename }", "headers": {"Content-Type": "text/plain"}},
        415,
        "unsupported-media-type",
    ),
    (
        "POST",
        {"content": b"{}", "headers": {**JSON, "Content-Encoding": "gzip"}},
        415,
        "unsupported-media-type",
    ),
]


@pytest.mark.parametrize(("method", "send", "status", "code"), TRANSPORT)
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_a_transport_error_carries_its_code(
    gql: Client, method: str, send: dict, status: int, code: str, accept: str
) -> None:
    """A bad JSON body, a wrong content type, a missing query, a mutation by GET ... answered
    ``{"errors": [{"message": ...}]}`` without the ``extensions.code`` every request error
    has: a client branching on codes met the one error it could not place."""
    send = dict(send)
    headers = {"Accept": accept, **send.pop("headers", {})}
    r = gql.http.request(method, "/graphql", headers=headers, **send)
    assert r.status_code == status, r.text
    (error,) = r.json()["errors"]
    assert error["extensions"] == {"code": code}, error
    assert error["message"]


def test_a_body_over_the_limit_carries_its_code() -> None:
    from gql_support import graphql_release

    from pcfgraph.config import Settings

    small = Client(graphql_release(1), Settings(max_body_bytes=2048))
    r = small.http.post("/graphql", json={"query": "{ __typename }", "x": "y" * 3000})
    assert r.status_code == 413, r.text
    (error,) = r.json()["errors"]
    assert error["extensions"] == {"code": "payload-too-large"}
