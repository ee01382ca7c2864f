"""``find_gaps`` takes ``under`` as ``pcfgraph gaps --under`` does: the curated mappings cover
APQC 8.1, and an assistant asked which 8.1 elements lack a PRM-IT counterpart could only page
through every gap of the whole PCF (1,880 towards PRM-IT, 19 pages of 100)."""

from __future__ import annotations

from mcp import Client
from mcp_support import call, refused
from mcp_support import session_without_pool as session

from pcfgraph import services
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"


def test_gaps_under_an_element_are_those_of_its_subtree(shipped_release: Release) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    # the oracle: every gap of the framework towards PRM-IT, kept when its code is 8.1 or below
    every = reader.select("api/gaps", {"framework": APQC, "otherFramework": "prm-it"}).rows
    expected = {
        (row["element"].value, row["otherFramework"].value)
        for row in every
        if row["code"].value == "8.1" or row["code"].value.startswith("8.1.")
    }
    assert 0 < len(expected) < len(every)

    async def body(client: Client) -> None:
        for under in (
            "8.1",
            "20608",
            "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608",
        ):
            got = await call(
                client, "find_gaps", framework=APQC, target="prm-it", under=under, limit=100
            )
            assert got["total"] == len(expected), under
            assert {(i["element"], i["lacksCounterpartIn"]) for i in got["items"]} == expected
        # a decision recorded for an 8.1 element is given with it
        assert any(i["decision"] for i in got["items"])
        # a cursor of this list is bound to its root
        first = await call(
            client, "find_gaps", framework=APQC, target="prm-it", under="8.1", limit=1
        )
        refusal = await refused(
            client,
            "find_gaps",
            {"framework": APQC, "target": "prm-it", "cursor": first["nextCursor"]},
        )
        assert refusal.startswith("argument 'under': "), refusal

    session(shipped_release, body)


def test_an_under_that_names_no_element_of_the_framework_is_a_tool_error(
    shipped_release: Release,
) -> None:
    async def body(client: Client) -> None:
        for under in (
            "9.9.9.9",
            "A24",
            "nope/none",
            "prm-it/A24",
            "https://w3id.org/pcfgraph/id/prm-it/A24",
        ):
            refusal = await refused(client, "find_gaps", {"framework": APQC, "under": under})
            assert refusal.startswith("argument 'under': "), refusal
            assert "not an argument" not in refusal, refusal
            assert under.rsplit("/", 1)[-1] in refusal, refusal

    session(shipped_release, body)


def test_gaps_towards_the_framework_itself_are_a_tool_error(shipped_release: Release) -> None:
    """They were an answer of no gaps (total 0), read as "the framework covers itself"."""

    async def body(client: Client) -> None:
        refusal = await refused(client, "find_gaps", {"framework": "prm-it", "target": "prm-it"})
        assert refusal.startswith("argument 'target': is the framework itself (prm-it)")

    session(shipped_release, body)
