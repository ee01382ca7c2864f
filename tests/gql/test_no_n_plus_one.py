"""The whole 8.1 tree (every element with name, definition, children, measures, and mappings
with their targets) costs a bounded number of store queries, the same for a tree twice the size.
"""

from __future__ import annotations

from typing import Any

from gql_support import APQC, Client, graphql_release, processes

ELEMENT = """
fragment E on Element {
  id code name definition kind level
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
TREE = (
    f'{{ element(code: "8.1", framework: "{APQC}") {{ ...E '
    "children { ...E children { ...E children { ...E } } } } }" + ELEMENT
)


def _walk(e: dict[str, Any]) -> list[dict[str, Any]]:
    out = [e]
    for c in e.get("children", []):
        out.extend(_walk(c))
    return out


def _fetch(scale: int) -> tuple[int, list[dict[str, Any]]]:
    client = Client(graphql_release(scale))
    client.data(TREE)  # warm: the per-release search index etc. must not matter here
    count, data = client.count(TREE)
    return count, _walk(data["element"])


def test_tree_queries_bounded_and_independent_of_size():
    small_count, small = _fetch(1)
    big_count, big = _fetch(2)
    # every element of the subtree came back, with its measures and mappings
    for scale, elements in ((1, small), (2, big)):
        assert len(elements) == 1 + 4 * processes(scale)
        procs = [e for e in elements if e["kind"] == "process"]
        assert all(len(p["measures"]) == 2 for p in procs)
        assert all(m["object"] and m["subject"] for e in elements for m in e["mappings"])
        derived = [m for e in elements for m in e["mappings"] if m["derived"]]
        assert derived and all(len(m["chain"]) == 1 for m in derived)
    assert len(big) > 1.9 * len(small)
    assert small_count == big_count
    assert small_count <= 12, small_count
