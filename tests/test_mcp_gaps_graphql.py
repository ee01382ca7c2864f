"""``find_gaps`` and GraphQL ``gaps`` answer the same question alike: the same gaps, and a gap
without a curated decision has none (null, as its ``reason`` beside it). MCP said
``"decision": ""`` for every undecided gap (the query's placeholder for none), where GraphQL
says null: an assistant reading both saw a decision of the empty string."""

from __future__ import annotations

from typing import Any

from gql_support import Client as GqlClient
from mcp import Client
from mcp_support import call
from mcp_support import session_without_pool as session

from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"
#: GraphQL's GapDecision as find_gaps words it.
WORDS = {None: None, "NO_COUNTERPART": "no counterpart", "NEGATIVE": "negative"}


def test_find_gaps_and_graphql_gaps_agree(shipped_release: Release) -> None:
    pairs = [("prm-it", None), (APQC, "it-cmf"), ("it-cmf", APQC)]
    answers: dict[tuple[str, str | None], list[dict[str, Any]]] = {}

    async def body(client: Client) -> None:
        for framework, target in pairs:
            items: list[dict[str, Any]] = []
            args: dict[str, Any] = {"framework": framework, "target": target, "limit": 100}
            while True:
                got = await call(client, "find_gaps", **args)
                items += got["items"]
                if "nextCursor" not in got:
                    break
                args["cursor"] = got["nextCursor"]
            answers[(framework, target)] = items

    session(shipped_release, body)
    gql = GqlClient(shipped_release)
    query = """query($f: ID!, $t: ID) { gaps(framework: $f, target: $t) {
        element { iri kind } lacksCounterpartIn { id } decision reason negativeMappingCount } }"""
    decided = negated = 0
    for (framework, target), items in answers.items():
        gaps = gql.data(query, {"f": framework, "t": target})["gaps"]
        expected = {
            (g["element"]["iri"], g["lacksCounterpartIn"]["id"]): (
                WORDS[g["decision"]],
                g["reason"],
                g["element"]["kind"],
                g["negativeMappingCount"],
            )
            for g in gaps
        }
        got = {
            (i["element"], i["lacksCounterpartIn"]): (
                i["decision"],
                i["reason"],
                i["kind"],
                i["negativeMappingCount"],
            )
            for i in items
        }
        assert got == expected, (framework, target)
        decided += sum(1 for d, _, _, _ in got.values() if d is not None)
        negated += sum(1 for *_, n in got.values() if n)
    assert decided  # the shipped curation decides some: both kinds of gap are compared
    assert negated  # and some by negative mappings, counted alike
