"""Variables a request sends that no operation of its document declares.

The GraphQL spec coerces the declared variables only (CoerceVariableValues never reads the
others), and graphql-js and graphql-core run the operation without them: a request is not
refused for them (GraphiQL sends every variable of its editor, whichever operation runs).
But nothing read a misspelt variable either: ``$framework`` sent as ``framwork`` to an
operation declaring ``$framework: ID`` (nullable) answered every framework's elements as if
it had been asked for, with no word. The answer says so in ``extensions.warnings``
(``undeclared-variables``), naming them and what the operation declares; variables another
operation of the same document declares are not warned about (they are that one's)."""

from __future__ import annotations

from typing import Any

from gql_support import APQC, Client

ELEMENTS = "query List($framework: ID) { elements(framework: $framework, first: 1) { totalCount } }"


def _answer(gql: Client, body: dict[str, Any]) -> dict[str, Any]:
    r = gql.http.post("/graphql", json=body)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_a_misspelt_variable_is_answered_with_a_warning_naming_it(gql: Client) -> None:
    chosen = _answer(gql, {"query": ELEMENTS, "variables": {"framework": APQC}})
    assert "extensions" not in chosen  # nothing to say
    every = _answer(gql, {"query": ELEMENTS})["data"]["elements"]["totalCount"]
    assert chosen["data"]["elements"]["totalCount"] < every
    misspelt = _answer(gql, {"query": ELEMENTS, "variables": {"framwork": APQC, "b": 1}})
    # still the spec's answer: the operation runs without them
    assert misspelt["data"]["elements"]["totalCount"] == every
    assert "errors" not in misspelt
    assert misspelt["extensions"] == {
        "warnings": [
            {
                "code": "undeclared-variables",
                "message": "variables $b, $framwork were sent, but no operation of the "
                "document declares them, so nothing read them (operation List declares "
                "$framework)",
                "variables": ["b", "framwork"],
            }
        ]
    }


def test_an_operation_without_variables_says_it_declares_none(gql: Client) -> None:
    answer = _answer(gql, {"query": "{ frameworks { id } }", "variables": {"id": "x"}})
    assert answer["data"]["frameworks"]
    (warning,) = answer["extensions"]["warnings"]
    assert warning["variables"] == ["id"]
    assert warning["message"] == (
        "variable $id was sent, but no operation of the document declares it, so nothing "
        "read it (the operation declares no variables)"
    )


def test_variables_of_another_operation_of_the_document_are_no_warning(gql: Client) -> None:
    """GraphiQL's case: one editor of variables for a document of several operations."""
    document = ELEMENTS + " query One($id: ID!) { framework(id: $id) { id } }"
    body = {
        "query": document,
        "operationName": "List",
        "variables": {"framework": APQC, "id": APQC},
    }
    answer = _answer(gql, body)
    assert answer["data"]["elements"]["totalCount"] > 0
    assert "extensions" not in answer
    # a GET says the same
    r = gql.http.get(
        "/graphql",
        params={"query": ELEMENTS, "variables": '{"frameworkId": "x"}'},
    )
    assert r.json()["extensions"]["warnings"][0]["variables"] == ["frameworkId"]
