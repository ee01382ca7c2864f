"""``Query.gaps``: the gaps of ``pcfgraph gaps`` and MCP ``find_gaps`` (elements with no
mapping to another framework, the curated decision, the mappings inherited from another APQC
edition), which GraphQL could not answer at all."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from gql_support import Client
from identity_support import build_release, element_iri
from mcp import Client as McpClient

from pcfgraph.config import Settings
from pcfgraph.mcp.server import build_server
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.release import Release, load_release

BANKING = "apqc-pcf-banking-7.2.2"
Q = """query($fw: ID!, $to: ID, $under: String, $undecided: Boolean! = false, $kind: String) {
  gaps(framework: $fw, target: $to, under: $under, undecided: $undecided, kind: $kind) {
    element { iri code kind } lacksCounterpartIn { id } decision reason negativeMappingCount
    inheritedStatus inheritedMappings { status madeOn { iri } mapping { object { code } } } } }"""


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return load_release(build_release(tmp_path_factory.mktemp("gql-gaps")))


def find_gaps(release: Release, args: dict[str, Any]) -> list[dict[str, Any]]:
    """MCP find_gaps' items, every page."""
    out: list[dict[str, Any]] = []

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        async with McpClient(build_server(lambda: state, base_url="http://h")) as client:
            cursor = None
            while True:
                page = (
                    await client.call_tool(
                        "find_gaps",
                        {**args, "limit": 100, **({"cursor": cursor} if cursor else {})},
                    )
                ).structured_content
                assert page is not None
                out.extend(page["items"])
                cursor = page.get("nextCursor")
                if not cursor:
                    return

    anyio.run(main)
    return out


def as_mcp(gap: dict[str, Any]) -> tuple[Any, ...]:
    """A GraphQL gap in the terms of an MCP find_gaps item."""
    status = gap["inheritedStatus"]
    return (
        gap["element"]["iri"],
        gap["lacksCounterpartIn"]["id"],
        {"NO_COUNTERPART": "no counterpart", "NEGATIVE": "negative", None: None}[gap["decision"]],
        gap["reason"],
        status.lower().replace("_", "-") if status else None,
        len(gap["inheritedMappings"]) or None,
    )


def mcp_key(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item["element"],
        item["lacksCounterpartIn"],
        item["decision"],
        item["reason"],
        item.get("inheritedStatus"),
        item.get("inheritedMappings"),
    )


def test_gaps_of_an_industry_edition_are_find_gaps_with_their_inherited_mappings(
    editions: Release,
) -> None:
    gql = Client(editions)
    for args in ({"framework": BANKING}, {"framework": BANKING, "target": "prm-it"}):
        got = gql.data(Q, {"fw": args["framework"], "to": args.get("target")})["gaps"]
        assert sorted(map(as_mcp, got)) == sorted(map(mcp_key, find_gaps(editions, args)))
    got = gql.data(Q, {"fw": BANKING, "to": "prm-it"})["gaps"]
    by_pcf = {int(g["element"]["iri"].rsplit("/", 1)[1]): g for g in got}
    # unchanged from 7.4, where it was mapped: covered by the inherited mapping, which holds
    vision = by_pcf[10002]
    assert vision["inheritedStatus"] == "INHERITED"
    (inherited,) = vision["inheritedMappings"]
    assert inherited["madeOn"]["iri"] == element_iri("Cross-Industry", "7.4", 10002)
    assert inherited["mapping"]["object"]["code"] == "A2"
    assert by_pcf[17040]["inheritedStatus"] == "NEEDS_REVIEW"  # renamed since
    fresh = by_pcf[17050]  # only in Banking: a plain gap
    assert fresh["inheritedStatus"] is None and fresh["inheritedMappings"] == []
    assert fresh["decision"] is None
    # undecided: what holds through an inherited mapping is left out, as gaps --undecided
    undecided = gql.data(Q, {"fw": BANKING, "to": "prm-it", "undecided": True})["gaps"]
    assert {g["element"]["iri"] for g in undecided} == {
        g["element"]["iri"] for g in got if g["inheritedStatus"] != "INHERITED"
    }
    # under: an element and those below it, by code, PCF ID, id or IRI of the framework
    plan = element_iri("Banking", "7.2.2", 17060)
    below = {g["element"]["iri"] for g in got if g["element"]["code"].startswith("1.2")}
    for under in ("1.2", "17060", plan.split("/id/")[1], plan):
        some = gql.data(Q, {"fw": BANKING, "to": "prm-it", "under": under})["gaps"]
        assert {g["element"]["iri"] for g in some} == below, under


def test_curated_decisions_and_their_reasons(shipped_release: Release) -> None:
    gql = Client(shipped_release)
    fw = "apqc-pcf-cross-industry-7.4"
    got = gql.data(Q, {"fw": fw, "to": "prm-it", "under": "8.1"})["gaps"]
    want = find_gaps(shipped_release, {"framework": fw, "target": "prm-it", "under": "8.1"})
    assert sorted(map(as_mcp, got)) == sorted(map(mcp_key, want))
    decided = [g for g in got if g["decision"] == "NO_COUNTERPART"]
    assert decided and all(g["reason"] for g in decided)
    assert all(g["element"]["code"].startswith("8.1") for g in got)
    codes = [g["element"]["code"] for g in got]
    assert codes == sorted(codes, key=lambda c: [int(p) for p in c.split(".")])  # natural


def test_bad_arguments_are_named(editions: Release) -> None:
    gql = Client(editions)
    for variables, says in (
        ({"fw": "nope"}, "framework: no framework 'nope'; known frameworks: "),
        ({"fw": BANKING, "to": "nope"}, "target: no framework 'nope'"),
        ({"fw": "prm-it", "to": "prm-it"}, "target is the framework itself (prm-it)"),
        ({"fw": BANKING, "kind": "activites"}, "kind: no kind 'activites'; known: "),
        ({"fw": BANKING, "under": "9.9"}, "under: no code '9.9' in framework"),
        (
            {"fw": "prm-it", "under": element_iri("Banking", "7.2.2", 17060).split("/id/")[1]},
            f"under: element 'apqc-pcf/banking/7.2.2/17060' is not in framework 'prm-it': "
            f"it is in {BANKING}",
        ),
    ):
        (err,) = gql.errors(Q, variables)
        assert err["message"].startswith(says), (variables, err)
        assert err["path"] == ["gaps"]
