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
