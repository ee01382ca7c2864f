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


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
def test_a_mutation_sent_by_get_is_405_allow_post(gql: Client, accept: str) -> None:
    """GraphQL over HTTP: "GET requests MUST NOT be used for executing mutation operations
    ... the server MUST respond with error status code 405 (Method Not Allowed)"; strawberry
    answered 400. The 405 says which method would do (RFC 9110 15.5.6: Allow); a query by
    GET still runs, and the operation chosen by operationName is the one judged."""
    r = gql.http.get("/graphql", params={"query": "mutation M { x }"}, headers={"Accept": accept})
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.headers["content-type"].startswith(accept)
    (error,) = r.json()["errors"]
    assert "POST" in error["message"] and "mutation" in error["message"]
    ran = gql.http.get("/graphql", params={"query": "{ __typename }"})
    assert ran.status_code == 200 and ran.json()["data"] == {"__typename": "Query"}
    both = "query Q { __typename } mutation M { x }"
    chosen = gql.http.get("/graphql", params={"query": both, "operationName": "M"})
    assert chosen.status_code == 405 and chosen.headers["allow"] == "POST"
