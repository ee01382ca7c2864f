"""``Element.negativeMappings`` and ``Element.noCounterparts``: an element's curated
decisions that are no mapping. GraphQL gave them between frameworks only (root
``negativeMappings``, the rows of ``gaps``), so a client reading an element saw an empty
``mappings`` list where the curators had decided, as the element page and MCP get_element
say, that it has no counterpart in PRM-IT, IT-CMF and TRIM."""

from __future__ import annotations

from gql_support import Client

from pcfgraph import services
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"
Q = """query($id: ID!, $fw: ID) { element(id: $id) {
  mappings(direction: EITHER) { id }
  noCounterparts(framework: $fw) { id iri reason lacksCounterpartIn { id } }
  negativeMappings(framework: $fw) { id relation subject { id } object { id } } } }"""


def test_an_element_gives_its_decisions_that_are_no_mapping(shipped_release: Release) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    gql = Client(shipped_release)
    landscape = "apqc-pcf/cross-industry/7.4/20614"  # 8.1.2.2
    iri = f"https://w3id.org/pcfgraph/id/{landscape}"
    decided = {
        (n.iri, n.target_framework, n.reason)
        for n in services.no_counterparts(reader, APQC)
        if n.element_iri == iri
    }
    rejected = {
        n.iri for n in services.negative_mappings(reader) if iri in (n.subject_iri, n.object_iri)
    }
    assert decided and rejected
    got = gql.data(Q, {"id": landscape})["element"]
    assert got["mappings"] == []
    assert {
        (n["iri"], n["lacksCounterpartIn"]["id"], n["reason"]) for n in got["noCounterparts"]
    } == decided
    assert {n["id"] for n in got["noCounterparts"]} == {
        services.element_id(i) for i, _, _ in decided
    }
    assert {services.element_id(i) for i in rejected} == {n["id"] for n in got["negativeMappings"]}
    # towards one framework (written in any case): only those; at the object end too
    trim = gql.data(Q, {"id": landscape, "fw": "TRIM"})["element"]
    assert {n["lacksCounterpartIn"]["id"] for n in trim["noCounterparts"]} == {"trim"}
    a23 = gql.data(Q, {"id": "prm-it/A23", "fw": APQC})["element"]["negativeMappings"]
    assert a23 and all(n["object"]["id"] == "prm-it/A23" for n in a23)
    assert landscape in {n["subject"]["id"] for n in a23}
    body = gql.post(Q, {"id": landscape, "fw": "nope"}).json()
    assert body["errors"][0]["extensions"]["code"] == "not-found"
    assert body["errors"][0]["message"].startswith("framework: no framework 'nope'")
