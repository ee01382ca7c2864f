"""Trees read by subtree (``api/subtree-*``) instead of by whole framework: the same answers,
and on the shipped graph the 8.1 tree equals what one SPARQL query over the store says."""

from __future__ import annotations

from typing import Any

import pytest
from gql_support import APQC, PRM, Client, graphql_release, shared_catalog

from pcfgraph import services
from pcfgraph.api.graphql import prefetch
from pcfgraph.api.graphql.enums import MappingRelation
from pcfgraph.release import Release
from pcfgraph.services import Reader

SHIPPED_APQC = "apqc-pcf-cross-industry-7.4"
RELATION_NAMES = {iri: name for name, iri in services.RELATIONS.items()}
ELEMENT = """
fragment E on Element {
  id code name definition kind level
  measures { name category units formula }
  mappings(includeDerived: true, direction: EITHER) {
    id relation confidence derived
    subject { id name framework { id } }
    object { id name framework { id } }
  }
}
"""


def tree(framework: str, code: str) -> str:
    return (
        f'{{ element(code: "{code}", framework: "{framework}") {{ ...E '
        "children { ...E children { ...E children { ...E children { ...E } } } } } }" + ELEMENT
    )


WHOLE = (
    '{ framework(id: "%s") { topElements { ...E '
    "children { ...E children { ...E children { ...E children { ...E } } } } } } }" + ELEMENT
)
# The same information as one SPARQL query (the one bench/graphql_bench.py times against).
TREE_QUERY = "graphql/element-tree"


def _walk(e: dict[str, Any], parent: str | None = None) -> list[tuple[dict[str, Any], str | None]]:
    out = [(e, parent)]
    for c in e.get("children", []):
        out.extend(_walk(c, e["id"]))
    return out


def _id(iri: str) -> str:
    return services.element_id(iri)


def _value(row: dict[str, Any], name: str) -> str | None:
    term = row.get(name)
    return None if term is None else str(term.value)


@pytest.fixture(scope="module")
def shipped(shipped_release: Release) -> Client:
    return Client(shipped_release)


def _sparql_tree(client: Client, root: str) -> list[dict[str, Any]]:
    """The rows of the one SPARQL query for the tree below ``root`` (an element or the
    framework), parameters bound as RDF terms."""
    query = shared_catalog().get(TREE_QUERY)
    rows = client.release.store.select(query, {"root": root, "framework": SHIPPED_APQC}).rows
    assert rows
    return rows


def _assert_same_tree(nodes: list[tuple[dict[str, Any], str | None]], rows: list[Any]) -> None:
    """The GraphQL tree and the SPARQL rows say the same, as sets: elements with their parent
    in the tree, measures, mapping records with both ends."""
    got_elements = {(e["id"], e["code"], e["name"], e["definition"], p) for e, p in nodes}
    in_tree = {e["id"] for e, _ in nodes}
    want_elements = {
        (
            _id(_value(s, "e") or ""),
            _value(s, "code"),
            _value(s, "name"),
            _value(s, "definition"),
            _id(p) if (p := _value(s, "parent")) and _id(p) in in_tree else None,
        )
        for s in rows
    }
    assert got_elements == want_elements
    got_measures = {
        (e["id"], m["name"], m["category"], m["units"]) for e, _ in nodes for m in e["measures"]
    }
    want_measures = {
        (
            _id(_value(s, "e") or ""),
            _value(s, "measureName"),
            _value(s, "category"),
            _value(s, "units"),
        )
        for s in rows
        if "measure" in s
    }
    assert got_measures and got_measures == want_measures
    got_records = {
        (
            e["id"],
            m["id"],
            m["relation"],
            m["confidence"],
            m["derived"],
            m["subject"]["id"],
            m["subject"]["name"],
            m["subject"]["framework"]["id"],
            m["object"]["id"],
            m["object"]["name"],
            m["object"]["framework"]["id"],
        )
        for e, _ in nodes
        for m in e["mappings"]
    }
    want_records = {
        (
            _id(_value(s, "e") or ""),
            _id(_value(s, "record") or ""),
            MappingRelation(RELATION_NAMES[_value(s, "relation") or ""]).name,
            float(c) if (c := _value(s, "confidence")) is not None else None,
            _value(s, "derived") in ("true", "1"),
            _id(_value(s, "subject") or ""),
            _value(s, "subjectName"),
            _value(s, "subjectFw"),
            _id(_value(s, "object") or ""),
            _value(s, "objectName"),
            _value(s, "objectFw"),
        )
        for s in rows
        if "record" in s
    }
    assert got_records and got_records == want_records


def test_81_tree_equals_the_single_sparql_query(shipped):
    data = shipped.data(tree(SHIPPED_APQC, "8.1"))["element"]
    nodes = _walk(data)
    assert len(nodes) > 40
    _assert_same_tree(nodes, _sparql_tree(shipped, services.iri_from_element_id(data["id"])))


def test_whole_framework_tree_equals_the_same_query_from_the_framework(shipped):
    data = shipped.data(WHOLE % SHIPPED_APQC)["framework"]["topElements"]
    nodes = [n for top in data for n in _walk(top)]
    assert len(nodes) > 1500
    framework = shipped.data(f'{{ framework(id: "{SHIPPED_APQC}") {{ iri }} }}')
    _assert_same_tree(nodes, _sparql_tree(shipped, framework["framework"]["iri"]))


def test_81_tree_reads_no_framework_wide_element_or_measure(shipped, monkeypatch):
    reads: list[tuple[str, dict[str, Any]]] = []
    original = Reader.select

    def recording(self: Reader, name: str, params: Any = None) -> Any:
        reads.append((name, dict(params or {})))
        return original(self, name, params)

    monkeypatch.setattr(Reader, "select", recording)
    shipped.data(tree(SHIPPED_APQC, "8.1"))
    names = [n for n, _ in reads]
    assert {"api/subtree-elements", "api/subtree-measures"} <= set(names)
    assert names.count("api/subtree-mapping-records") == 2  # subject and object side
    assert "api/scheme-measures" not in names and "api/mapping-records" not in names
    whole = [p.get("framework") for n, p in reads if n == "api/scheme-elements"]
    assert SHIPPED_APQC not in whole  # only the small frameworks at the mappings' other ends


@pytest.mark.parametrize("scale", [1, 2])
@pytest.mark.parametrize(
    ("framework", "code"), [(APQC, "8.1"), (APQC, "8.0"), (APQC, "8.1.2"), (PRM, "A2")]
)
def test_tree_answers_the_same_with_framework_wide_reads(monkeypatch, scale, framework, code):
    client = Client(graphql_release(scale))
    query = tree(framework, code)
    scoped = client.data(query)
    monkeypatch.setattr(prefetch, "_subtree", lambda *a: None)
    assert client.data(query) == scoped  # order included


def test_subtree_reads_equal_framework_wide_reads():
    release = graphql_release(2)
    whole = Reader(release.store, shared_catalog())
    everything = list(services.framework_index(whole, APQC).elements.values())
    services.measures_of(whole, everything)  # the framework-wide reads, once
    services.mappings_of(whole, everything, direction="either", include_derived=True)
    for root in everything:
        reader = Reader(release.store, shared_catalog())
        sub = services.read_subtree(reader, root)
        assert sub is not None
        services.read_subtree_measures(reader, sub)
        for side in ("subject", "object"):
            services.read_subtree_mappings(reader, sub, side)
        below = [root, *services.descendants_of(whole, [root])[0]]
        before = release.store.query_count
        assert services.children_of(reader, below) == services.children_of(whole, below)
        assert services.descendants_of(reader, below) == services.descendants_of(whole, below)
        assert services.measures_of(reader, below) == services.measures_of(whole, below)
        for direction in ("subject", "object", "either"):
            assert services.mappings_of(
                reader, below, direction=direction, include_derived=True
            ) == services.mappings_of(whole, below, direction=direction, include_derived=True)
        assert release.store.query_count == before  # all answered from the subtree's reads


def test_subtree_without_levels_is_left_to_the_framework_index():
    release = graphql_release(1)
    reader = Reader(release.store, shared_catalog())
    root = services.element_by(reader, code="A2", framework=PRM)
    assert root.level is None
    assert services.read_subtree(reader, root) is None
    assert services.loaded_index(reader, PRM, root.iri) is None
