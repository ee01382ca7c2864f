"""The tree fetch's fast paths: reads prefetched per operation (no per-field loader round trips),
documents parsed and validated once per schema, lean resolvers where strawberry's wrapping does
nothing. Each must keep the answers, the store-query bound and the limits."""

from __future__ import annotations

from typing import Any

import pytest
from gql_support import APQC, Client, graphql_release
from graphql import OperationDefinitionNode, parse
from strawberry.dataloader import DataLoader

from pcfgraph.api.graphql.documents import DocumentStore, _Entry
from pcfgraph.api.graphql.fastpath import VERIFIED, streamline, unverified
from pcfgraph.api.graphql.prefetch import scan
from pcfgraph.api.graphql.schema import build_schema
from pcfgraph.config import Settings
from pcfgraph.services import Reader

TREE = (
    f'{{ element(code: "8.1", framework: "{APQC}") {{ ...E '
    "children { ...E children { ...E children { ...E } } } } }"
    """
fragment E on Element {
  id code name definition kind level framework { id }
  measures { name category units formula }
  mappings(includeDerived: true, direction: EITHER) {
    relation confidence derived justification
    subject { id name framework { id } }
    object { id name code framework { id } }
    chain { id object { id name } }
    mappingSet { id title }
  }
}
"""
)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(graphql_release(2))


def _walk(e: dict[str, Any]) -> list[dict[str, Any]]:
    return [e, *(x for c in e.get("children", []) for x in _walk(c))]


def test_tree_resolves_without_dataloader_round_trips(client, monkeypatch):
    loads: list[object] = []
    original = DataLoader.load

    def counting(self: DataLoader, key: object) -> Any:  # type: ignore[type-arg]
        loads.append(key)
        return original(self, key)

    monkeypatch.setattr(DataLoader, "load", counting)
    elements = _walk(client.data(TREE)["element"])
    mappings = [m for e in elements for m in e["mappings"]]
    assert mappings and all(m["subject"] and m["object"] for m in mappings)
    assert any(m["chain"] for m in mappings) and any(m["mappingSet"] for m in mappings)
    assert loads == []


def test_prefetch_only_reads_what_the_operation_asks_for(client, monkeypatch):
    names: list[str] = []
    sides: list[object] = []
    original = Reader.select

    def recording(self: Reader, name: str, params: Any = None) -> Any:
        names.append(name)
        if "mapping-records" in name:
            sides.append((params or {}).get("side", "subjectFramework" not in (params or {})))
        return original(self, name, params)

    monkeypatch.setattr(Reader, "select", recording)
    client.data(f'{{ element(code: "8.1", framework: "{APQC}") {{ name }} }}')
    assert names and not {
        "api/scheme-elements",
        "api/mapping-records",
        "api/subtree-elements",
        "api/subtree-mapping-records",
    } & set(names)
    names.clear()
    client.data(
        f'{{ element(code: "8.1", framework: "{APQC}") '
        "{ mappings(direction: OBJECT) { relation } } }"
    )
    # the object side only, of the element's subtree: no framework-wide read (no tree field,
    # no mapping ends asked for)
    assert names.count("api/subtree-mapping-records") == 1 and sides == ["object"]
    assert not {"api/scheme-elements", "api/mapping-records", "api/scheme-measures"} & set(names)


def _operation(text: str) -> tuple[OperationDefinitionNode, dict[str, Any]]:
    document = parse(text)
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if d not in ops}  # type: ignore[attr-defined]
    return ops[0], fragments


@pytest.mark.parametrize(
    ("selection", "variables", "sides"),
    [
        # the default reads its incoming records too: to say how many it leaves out
        ("mappings { id }", {}, {"subject", "object"}),
        ("mappings(direction: SUBJECT) { id }", {}, {"subject"}),
        ("mappings(direction: OBJECT) { id }", {}, {"object"}),
        ("mappings(direction: EITHER) { id }", {}, {"subject", "object"}),
        ("mappings(direction: $d) { id }", {"d": "OBJECT"}, {"object"}),
        ("mappings(direction: $d) { id }", {}, {"subject", "object"}),
        ("...F", {}, {"subject", "object"}),
    ],
)
def test_scan_finds_fields_and_mapping_sides(selection, variables, sides):
    text = (
        f"query Q($d: MappingDirection) {{ element(id: 1) {{ children {{ {selection} }} }} }}"
        " fragment F on Element { mappings(direction: EITHER) { id } children { ...F } }"
    )
    operation, fragments = _operation(text)
    wanted = scan(operation, fragments, variables)
    assert wanted.mapping_sides == sides
    assert {"element", "children", "mappings"} <= wanted.fields


def test_scan_with_a_direction_variable_end_to_end(client):
    query = (
        "query Q($d: MappingDirection) { "
        f'element(code: "8.1.1", framework: "{APQC}") {{ '
        "mappings(direction: $d) { relation subject { id } object { id } } } }"
    )
    by_direction = {
        d: client.data(query, {"d": d})["element"]["mappings"] for d in ("SUBJECT", "OBJECT")
    }
    either = client.data(query, {"d": "EITHER"})["element"]["mappings"]
    assert len(either) == len(by_direction["SUBJECT"]) + len(by_direction["OBJECT"])


def test_cached_documents_keep_the_limits():
    c = Client(graphql_release(1), Settings(graphql_max_depth=3, graphql_max_tokens=60))
    deep = f'{{ element(code: "8.0", framework: "{APQC}") {{ children {{ children {{ id }} }} }} }}'
    long = "{ " + " ".join(f"a{i}: frameworks {{ id }}" for i in range(30)) + " }"
    for _ in range(3):  # the first answer is cached; the later ones must say the same
        (err,) = c.errors(deep)
        assert "exceeds the maximum of 3" in err["message"]
        (err,) = c.errors(long)
        assert "token" in err["message"].lower()
    ok = f'{{ element(code: "8.0", framework: "{APQC}") {{ children {{ id }} }} }}'
    assert c.data(ok) == c.data(ok)


def test_document_store_is_bounded():
    store = DocumentStore(maxsize=2)
    for i in range(3):
        store.put((f"q{i}", ()), _Entry(parse(f"{{ f{i} }}")))
    assert store.get(("q0", ())) is None
    assert store.get(("q1", ())) is not None and store.get(("q2", ())) is not None


def test_fast_path_internals_verified_for_the_installed_releases():
    # fastpath.py reaches into strawberry's and graphql-core's internals; a new release must
    # be checked (this file's tests, the lean fields below) before VERIFIED moves on to it
    assert unverified() == {}, (
        f"fastpath.py was verified against {VERIFIED}, installed: {unverified()}; re-verify "
        "streamline() and raw_info() against the new release, then update VERIFIED"
    )


def test_lean_resolvers_only_where_strawberry_adds_nothing():
    schema = build_schema()
    lean = set(streamline(schema))  # idempotent: the same fields again
    assert {"Element.name", "Element.children", "Element.framework", "Mapping.subject"} <= lean
    # synchronous resolvers with scalar or enum arguments (converted once per distinct value)
    assert {"Element.mappings", "Element.descendants"} <= lean
    # asynchronous ones keep strawberry's resolver
    assert {"Element.inheritedMappings", "Query.element", "Query.search"}.isdisjoint(lean)
