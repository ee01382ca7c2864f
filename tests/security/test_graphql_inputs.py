"""GraphQL variables (depth, size, wrong types) and field suggestions with introspection off.

Deeply nested variables are refused before ``json.loads`` sees them (its recursion made them a
500): the tests say so by the 400 naming the limit and by counting ``json.loads`` calls, not
by timing the answer (a wall-clock bound fails on a loaded machine and proves less).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _webgraph import web_release
from cross_web import HTTPException
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from pcfgraph.api.graphql import variables
from pcfgraph.api.graphql.variables import decode_request_json, json_depth
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


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


def nesting(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(nesting, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(nesting, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_json_depth_is_the_nesting_of_any_json(value: Any) -> None:
    assert json_depth(json.dumps(value).encode()) == nesting(value)
    assert json_depth(json.dumps(value, ensure_ascii=False, indent=1).encode()) == nesting(value)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200) | st.lists(st.sampled_from([b'"', b"\\", b"[", b"x"])).map(b"".join))
def test_every_quote_starts_one_string_so_no_byte_is_read_twice(data: bytes) -> None:
    """The depth counter removes strings with a regular expression; every quote outside a
    string starts a match (an unclosed string runs to the end, where json.loads stops too),
    so the expression never fails at a quote after reading on: linear on any body. Required
    to close, it failed at every quote of ``"\\"\\"\\"...`` after reading to the end (80 kB of
    request JSON: 31 s of CPU)."""
    assert b'"' not in variables._STRING.sub(b"", data)


def test_an_unclosed_string_flood_is_a_400(closed: TestClient) -> None:
    body = b'{"query": "' + b'\\"' * 200_000
    r = closed.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text[:300]
    assert json_depth(body) == 1


def test_variables_nested_100k_deep_are_400_naming_the_limit(client: httpx.Client) -> None:
    """Live server: formerly a 500 (RecursionError in json.loads)."""
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post(
        "/graphql",
        content=f'{{"query": "{BY_PCF_ID}", "variables": {{"p": {deep}}}}}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400, r.text[:300]
    assert "graphql_max_variables_depth" in r.json()["errors"][0]["message"]
    assert client.get("/health").status_code == 200


def test_variables_nested_too_deep_never_reach_json_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The depth is counted on the raw bytes (no recursion) and the request refused before
    it is decoded: ``json.loads`` is never called on it; a shallow one is decoded once."""
    calls: list[bytes] = []
    real = json.loads

    def counted(data: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(data)
        return real(data, *args, **kwargs)

    assert variables.json is json
    monkeypatch.setattr(json, "loads", counted)
    deep = f'{{"query": "{BY_PCF_ID}", "variables": {{"p": {"[" * 100_000 + "]" * 100_000}}}}}'
    with pytest.raises(HTTPException) as refused:
        decode_request_json(deep.encode(), max_depth=16, max_bytes=65536)
    assert refused.value.status_code == 400
    assert "graphql_max_variables_depth" in refused.value.reason
    assert calls == []
    shallow = f'{{"query": "{BY_PCF_ID}", "variables": {{"p": [[1]]}}}}'.encode()
    assert decode_request_json(shallow, max_depth=16, max_bytes=65536)["variables"] == {"p": [[1]]}
    assert calls == [shallow]


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
