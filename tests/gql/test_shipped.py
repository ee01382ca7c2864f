"""The GraphQL API over the shipped graph (``build_release()``): the 8.1 tree, lookups,
mappings and IT-CMF structure agree with the graph as the named queries read it."""

from __future__ import annotations

import pytest
from gql_support import Client, shared_catalog

from pcfgraph import services
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"


@pytest.fixture(scope="module")
def shipped(shipped_release: Release) -> Client:
    return Client(shipped_release)


def test_81_tree_is_complete(shipped):
    reader = services.Reader(shipped.release.store, shared_catalog())
    root = services.element_by(reader, code="8.1", framework=APQC)
    expected = {e.code for e in services.descendants_of(reader, [root])[0]}
    q = f"""{{ element(code: "8.1", framework: "{APQC}") {{ code
      children {{ code children {{ code children {{ code children {{ code }} }} }} }} }} }}"""
    data = shipped.data(q)["element"]
    seen: set[str] = set()

    def walk(e):
        for c in e.get("children", []):
            seen.add(c["code"])
            walk(c)

    walk(data)
    assert expected and seen == expected


def test_lookup_by_pcf_id_and_measures(shipped):
    e = shipped.data("{ element(pcfId: 20635) { code framework { id } ancestors { code } } }")
    assert e["element"]["code"] == "8.1.5.3"
    assert e["element"]["framework"] == {"id": APQC}
    assert [a["code"] for a in e["element"]["ancestors"]] == ["8.0", "8.1", "8.1.5"]
    group = shipped.data(
        f'{{ element(code: "8.1", framework: "{APQC}") {{ measures {{ metricId }} }} }}'
    )
    assert group["element"]["measures"]


def test_mappings_to_prm_it_land_in_prm_it(shipped):
    ms = shipped.data(
        f'{{ mappings(from: "{APQC}", to: "prm-it") {{ object {{ framework {{ id }} }} }} }}'
    )
    assert ms["mappings"]
    assert {m["object"]["framework"]["id"] for m in ms["mappings"]} == {"prm-it"}


def test_itcmf_practices_have_levels(shipped):
    data = shipped.data(
        '{ elements(framework: "it-cmf", kind: "practice", first: 100) { nodes { maturityLevel { number } buildingBlock { kind } } } }'
    )
    nodes = data["elements"]["nodes"]
    assert nodes and all(1 <= n["maturityLevel"]["number"] <= 5 for n in nodes)
    assert {n["buildingBlock"]["kind"] for n in nodes} == {"capabilityBuildingBlock"}
