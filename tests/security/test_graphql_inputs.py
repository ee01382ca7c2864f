"""GraphQL variables (depth, size, wrong types) and field suggestions with introspection off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _webgraph import web_release
from fastapi.testclient import TestClient

from pcfgraph.api.graphql.variables import json_depth
from pcfgraph.config import Settings
from pcfgraph.serving import create_app

BY_PCF_ID = "query($p: Int) { element(pcfId: $p) { code } }"


@pytest.fixture(scope="module")
def closed() -> Iterator[TestClient]:
    """An app with introspection disabled."""
    app = create_app(Settings(graphql_introspection=False), web_release())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def gql(c: Any, query: str, variables: Any = None, **kw: Any) -> Any:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return c.post("/graphql", json=body, **kw)


def test_json_depth_counts_without_recursion() -> None:
    assert json_depth(b'{"a": "[[[{{{", "b": [1, [2]]}') == 3
    assert json_depth(b"[" * 200_000 + b"]" * 200_000) == 200_000
    assert json_depth(b'"x"') == 0


def test_variables_nested_100k_deep_are_400_naming_the_limit(client: httpx.Client) -> None:
    """Live server: formerly a 500 (RecursionError in json.loads)."""
    deep = "[" * 100_000 + "]" * 100_000
    started = time.monotonic()
    r = client.post(
        "/graphql",
        content=f'{{"query": "{BY_PCF_ID}", "variables": {{"p": {deep}}}}}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400, r.text[:300]
    assert "graphql_max_variables_depth" in r.json()["errors"][0]["message"]
    assert time.monotonic() - started < 5.0
    assert client.get("/health").status_code == 200


def test_variables_nested_in_a_get_are_400(closed: TestClient) -> None:
    r = closed.get("/graphql", params={"query": BY_PCF_ID, "variables": "[" * 40 + "]" * 40})
    assert r.status_code == 400 and "graphql_max_variables_depth" in r.text


def test_oversized_variables_are_400_naming_the_limit(closed: TestClient) -> None:
    r = gql(closed, BY_PCF_ID, {"p": 1, "junk": "x" * 70_000})
    assert r.status_code == 400 and "graphql_max_variables_bytes" in r.text


@pytest.mark.parametrize(
    ("query", "variables", "name", "type_"),
    [
        (BY_PCF_ID, {"p": "abc"}, "$p", "Int"),
        (BY_PCF_ID, {"p": 2**40}, "$p", "Int"),
        (BY_PCF_ID, {"p": [[[1]]]}, "$p", "Int"),
        ("query($c: String!) { element(code: $c) { code } }", {}, "$c", "String!"),
        ("query($c: String) { element(code: $c) { code } }", {"c": {"a": 1}}, "$c", "String"),
    ],
)
def test_a_variable_of_the_wrong_type_gets_the_standard_error(
    closed: TestClient, query: str, variables: dict[str, Any], name: str, type_: str
) -> None:
    r = gql(closed, query, variables, headers={"accept": "application/graphql-response+json"})
    assert r.status_code == 400  # failed before execution (GraphQL over HTTP)
    message = r.json()["errors"][0]["message"]
    assert f"Variable '{name}'" in message and type_ in message, message
    assert "Internal error" not in r.text


@pytest.mark.parametrize(
    "query",
    [
        "{ frameworkz { id } }",
        "{ frameworks { idd } }",
        '{ framework(idd: "x") { id } }',
    ],
)
def test_no_field_suggestions_when_introspection_is_off(closed: TestClient, query: str) -> None:
    r = gql(closed, query)
    errors = r.json()["errors"]
    assert errors and all("Did you mean" not in e["message"] for e in errors), errors
    assert "frameworks" not in errors[0]["message"].replace("frameworkz", "")


def test_suggestions_stay_when_introspection_is_on() -> None:
    with TestClient(create_app(Settings(), web_release())) as c:
        assert "Did you mean" in gql(c, "{ frameworkz { id } }").text
