"""A request error (the document does not parse or validate, the operation cannot be chosen,
the variables cannot be coerced: nothing is executed) is answered without a ``data`` entry.

The GraphQL spec: "If an error was raised before execution begins, the data entry should not
be present in the result"; GraphQL over HTTP builds on it for
``application/graphql-response+json``: a response with ``data`` (even null) is an executed,
partial one, to be answered 2xx, and one without ``data`` is 4xx. Strawberry wrote
``"data": null`` beside the 400, so a client following that spec read a request it refused
as one that ran and produced nothing. An executed operation keeps its ``data``, null too
(a non-null root field that failed)."""

from __future__ import annotations

import pytest
from gql_support import Client

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"

#: (request body, the start of its one error's message): nothing of them is executed.
REFUSED = [
    ({"query": "{ frameworks { id }"}, "Syntax Error"),
    ({"query": "{ frameworks { nosuch } }"}, "Cannot query field 'nosuch'"),
    ({"query": "query A { __typename } query B { __typename }"}, "Must provide operation name"),
    ({"query": "query($id: ID!) { framework(id: $id) { id } }"}, "Variable '$id'"),
    (
        {"query": "query($n: Int) { elements(first: $n) { totalCount } }", "variables": {"n": "3"}},
        "Variable '$n' has invalid value",
    ),
]


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
def test_a_request_error_has_no_data_entry(gql: Client, accept: str) -> None:
    for body, message in REFUSED:
        r = gql.http.post("/graphql", json=body, headers={"Accept": accept})
        assert r.status_code == (400 if accept == GRAPHQL_RESPONSE else 200), body
        answer = r.json()
        assert "data" not in answer, (body, answer)
        (error,) = answer["errors"]
        assert error["message"].startswith(message), (body, error)


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
def test_an_executed_operation_keeps_its_data_null_or_not(gql: Client, accept: str) -> None:
    headers = {"Accept": accept}
    failed_root = {"query": "{ elements(first: -1) { totalCount } }"}  # Query.elements is non-null
    r = gql.http.post("/graphql", json=failed_root, headers=headers)
    assert r.status_code == 200
    answer = r.json()
    assert answer["data"] is None and answer["errors"][0]["path"] == ["elements"]
    partial = {"query": '{ frameworks { id } framework(id: "nope") { id } }'}
    answer = gql.http.post("/graphql", json=partial, headers=headers).json()
    assert answer["data"]["frameworks"] and answer["data"]["framework"] is None
    assert answer["errors"][0]["extensions"]["code"] == "not-found"
