"""The lean execution paths (``api/graphql/executor.py``: plain scalar fields completed inline;
``fastpath.py``: arguments converted once per distinct value) answer exactly what
strawberry's and graphql-core's own paths answer: data, errors, their paths and order."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from gql_support import APQC, PRM, Client, graphql_release

from pcfgraph.api.graphql import router as router_module
from pcfgraph.api.graphql import schema as schema_module
from pcfgraph.api.graphql.executor import LeanExecutor, plain_attribute
from pcfgraph.api.graphql.fastpath import streamline

TREE = """
query T($fw: ID!, $d: MappingDirection, $derived: Boolean!, $skip: Boolean!) {
  element(code: "8.0", framework: $fw) { ...E __typename
    kids: children { ...E children { ...E code2: code name @skip(if: $skip) } } }
}
fragment E on Element {
  id code name definition kind level pcfId iri
  framework { id title }
  measures { id name category units formula metricId }
  mappings(includeDerived: $derived, direction: $d) {
    id relation confidence derived justification reviewers mappingDate
    subject { id name framework { id } }
    object { id name code }
  }
  either: mappings(includeDerived: true, direction: EITHER) { id relation derived }
  descendants(maxDepth: 1) { id code }
}
"""


def _plain_name(schema: strawberry.Schema) -> str | None:
    """The attribute ``Element.name``'s resolver reads when it is the lean one."""
    field = schema._schema.type_map["Element"].fields["name"]  # type: ignore[union-attr]
    return plain_attribute(field)


def _client(*, lean_paths: bool) -> tuple[Client, strawberry.Schema]:
    built: list[strawberry.Schema] = []

    def recording(settings: Any = None) -> strawberry.Schema:
        built.append(schema_module.build_schema(settings))
        return built[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(router_module, "build_schema", recording)
        if not lean_paths:  # strawberry's resolvers and graphql-core's executor
            patch.setattr(schema_module, "streamline", lambda schema: [])
            patch.setattr(schema_module, "LeanExecutor", None)
        client = Client(graphql_release(2))
    (schema,) = built
    return client, schema


@pytest.fixture(scope="module")
def lean() -> Client:
    client, schema = _client(lean_paths=True)
    assert schema.execution_context_class is LeanExecutor
    assert _plain_name(schema) == "name"
    return client


@pytest.fixture(scope="module")
def stock() -> Client:
    client, schema = _client(lean_paths=False)
    assert schema.execution_context_class is not LeanExecutor
    assert _plain_name(schema) is None
    return client


def _body(client: Client, query: str, variables: dict[str, Any]) -> Any:
    r = client.post(query, variables)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    "variables",
    [
        {"fw": APQC, "d": "SUBJECT", "derived": False, "skip": False},
        {"fw": APQC, "d": "OBJECT", "derived": True, "skip": True},
        {"fw": APQC, "d": "SUBJECT", "derived": True, "skip": False},  # a remembered value again
        {"fw": APQC, "derived": False, "skip": False},  # the argument's default
    ],
)
def test_tree_answers_as_the_stock_paths_do(lean, stock, variables):
    got = _body(lean, TREE, variables)
    want = _body(stock, TREE, variables)
    assert "errors" not in want and want["data"]["element"]["kids"]
    assert got == want
    assert list(got["data"]["element"]) == list(want["data"]["element"])  # key order too


def test_a_null_for_a_non_null_argument_fails_as_in_the_stock_paths(lean, stock):
    variables = {"fw": APQC, "d": None, "derived": False, "skip": False}
    got, want = _body(lean, TREE, variables), _body(stock, TREE, variables)
    assert want["errors"] and got == want


def test_errors_are_raised_and_located_as_by_the_stock_paths(lean, stock):
    query = (
        f'{{ element(code: "8.1", framework: "{APQC}") {{ code '
        "children { code bad: descendants(maxDepth: 0) { id } name } } "
        f'prm: element(code: "A2", framework: "{PRM}") {{ name level }} }}'
    )
    got, want = _body(lean, query, {}), _body(stock, query, {})
    assert want["errors"] and got == want


# A small schema of its own for what the shipped data never holds: values that fail to
# coerce, None for a non-null field, subclasses of plain types, values of other types.


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


class Text(str):
    pass


@strawberry.type
class Thing:
    name: str
    maybe: str | None
    count: int
    ratio: float
    flag: bool
    colour: Colour
    label: str


def _things() -> list[Any]:
    red = Colour.RED
    ok = Thing(name="a", maybe=None, count=1, ratio=0.5, flag=True, colour=red, label="x")
    big = Thing(name="b", maybe="m", count=2**40, ratio=1, flag=False, colour=red, label=3)  # type: ignore[arg-type]
    odd = Thing(name=None, maybe=Text("t"), count=3, ratio=2, flag=1, colour="red", label=True)  # type: ignore[arg-type]
    return [ok, big, odd, None]  # None: a null item, or an error in a list of non-null


def _schema(lean_paths: bool) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def things(self) -> list[Thing | None]:
            return _things()

        @strawberry.field
        def strict(self) -> list[Thing]:
            return _things()

        @strawberry.field
        def first(self) -> Thing:
            return _things()[0]

        @strawberry.field
        def pair(self) -> list[Thing] | None:
            return [_things()[0], None]  # type: ignore[list-item]

    schema = strawberry.Schema(
        query=Query, execution_context_class=LeanExecutor if lean_paths else None
    )
    if lean_paths:
        assert "Thing.count" in streamline(schema)
    return schema


@pytest.mark.parametrize("field", ["things", "strict", "first", "pair"])
def test_coercion_failures_and_nulls_as_graphql_core_reports_them(field):
    query = f"{{ {field} {{ name maybe count ratio flag colour label }} }}"
    got = _schema(True).execute_sync(query)
    want = _schema(False).execute_sync(query)
    assert want.errors or field == "first"  # 2**40 is no Int, None is no String!
    assert got.data == want.data
    assert [e.formatted for e in got.errors or []] == [e.formatted for e in want.errors or []]
