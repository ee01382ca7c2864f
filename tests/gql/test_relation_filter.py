"""``relation:`` filters records by the relation as they state it, subject to object, also
when an element's incoming records are read: the curated 8.1.5.2 BROAD_MATCH A25 is found
by BROAD_MATCH from A25, not by NARROW_MATCH (what it is read from A25, as MCP's
relationToOther and the element page say). The argument's description says so; this holds
the behaviour it describes."""

from __future__ import annotations

from gql_support import Client

from pcfgraph.release import Release

Q = """query($r: MappingRelation) { element(id: "prm-it/A25") {
  mappings(direction: OBJECT, relation: $r) { relation subject { code } } } }"""


def test_relation_is_read_as_the_record_states_it(shipped_release: Release) -> None:
    gql = Client(shipped_release)
    broad = gql.data(Q, {"r": "BROAD_MATCH"})["element"]["mappings"]
    assert {m["subject"]["code"] for m in broad} >= {"8.1.5.2", "8.1.3.2"}
    assert {m["relation"] for m in broad} == {"BROAD_MATCH"}
    assert gql.data(Q, {"r": "NARROW_MATCH"})["element"]["mappings"] == []
    args = gql.data('{ __type(name: "Element") { fields { name args { name description } } } }')
    (mappings,) = [f for f in args["__type"]["fields"] if f["name"] == "mappings"]
    (relation,) = [a for a in mappings["args"] if a["name"] == "relation"]
    assert "as they state it, from their subject to their object" in relation["description"]
