"""``get_element`` of an IT-CMF element gives its place in the maturity structure as GraphQL
``Element`` does: a practice's maturity level, building block, outcomes and metrics; a
building block's or maturity level's practices; and the practices an outcome or metric
belongs to. It gave none of it: an assistant asking what a practice achieves, how it is
measured or at which level it sits had to write SPARQL, and an outcome read as an element
of level 5 with no parent and nothing else."""

from __future__ import annotations

from typing import Any

from gql_support import Client

from pcfgraph.config import Settings
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.mcp.tools import Tools
from pcfgraph.release import Release

QUERY = """{ elements(framework: "it-cmf", first: 500) { totalCount nodes {
  iri kind maturityLevel { number element { iri } } buildingBlock { iri }
  outcomes { iri } metrics { iri } practices { iri } } } }"""


def _iris(items: list[dict[str, Any]] | None) -> list[str]:
    return [i["iri"] for i in items or []]


def test_get_element_gives_the_itcmf_structure_graphql_gives(shipped_release: Release) -> None:
    found = Client(shipped_release).data(QUERY)["elements"]
    nodes = found["nodes"]
    assert len(nodes) == found["totalCount"]
    state = StandaloneState(settings=Settings(), release=shipped_release)
    tools = Tools(lambda: state, "http://h")
    # the practices an outcome or metric belongs to, from GraphQL's practices' own lists
    belongs: dict[str, list[str]] = {}
    for n in nodes:
        for end in (*n["outcomes"], *n["metrics"]):
            belongs.setdefault(end["iri"], []).append(n["iri"])
    kinds: set[str] = set()
    for n in nodes:
        got = tools.get_element(n["iri"])
        level = n["maturityLevel"]
        if level is None:
            assert "maturityLevel" not in got, n["iri"]
        else:
            assert got["maturityLevel"]["iri"] == level["element"]["iri"], n["iri"]
            assert got["maturityLevel"]["level"] == level["number"], n["iri"]
        block = n["buildingBlock"]
        assert (got.get("buildingBlock") or {}).get("iri") == (block or {}).get("iri"), n["iri"]
        assert _iris(got.get("outcomes")) == _iris(n["outcomes"]), n["iri"]
        assert _iris(got.get("metrics")) == _iris(n["metrics"]), n["iri"]
        practices = _iris(n["practices"]) or belongs.get(n["iri"], [])
        assert set(_iris(got.get("practices"))) == set(practices), n["iri"]
        assert len(_iris(got.get("practices"))) == len(practices), n["iri"]
        if any(k in got for k in ("maturityLevel", "outcomes", "practices")):
            kinds.add(n["kind"])
    # every part of the structure was seen, so the comparison held something
    assert {"practice", "capabilityBuildingBlock", "outcome", "metric"} <= kinds, kinds
    # elements of other frameworks are unchanged: no such keys
    a24 = tools.get_element("A24")
    assert not {"maturityLevel", "buildingBlock", "outcomes", "metrics", "practices"} & set(a24)
