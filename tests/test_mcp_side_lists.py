"""``get_mappings`` pages the lists it gives beside the mapping records (``negativeMappings``,
an element's ``inheritedMappings``) by the same cursor as the records. Each page showed the
first ``limit`` of them again: APQC to PRM-IT has 6 negative mappings, and at ``limit`` 2 every
page repeated the same two while ``negativeMappingsTotal`` said 6, the other four out of reach
however far a caller paged."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_support import call
from mcp_support import session_without_pool as session

from pcfgraph import services
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"


def test_paging_a_pair_reaches_every_negative_mapping_once(shipped_release: Release) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    curated = {m.iri for m in services.mappings(reader, source=APQC, target="prm-it")}
    negatives = [n.iri for n in services.negative_mappings(reader, source=APQC, target="prm-it")]
    assert len(negatives) > 2 and len(curated) > 2
    pages: list[dict[str, Any]] = []

    async def body(client: Client) -> None:
        args: dict[str, Any] = {"source": APQC, "target": "prm-it", "limit": 2}
        while True:
            pages.append(await call(client, "get_mappings", **args))
            if "nextCursor" not in pages[-1]:
                break
            args["cursor"] = pages[-1]["nextCursor"]

    session(shipped_release, body)
    seen = [n["record"] for p in pages for n in p["negativeMappings"]]
    assert sorted(seen) == sorted(negatives)  # each once, none left out
    assert [r["record"] for p in pages for r in p["items"]] and {
        r["record"] for p in pages for r in p["items"]
    } == curated
    assert all(p["negativeMappingsTotal"] == len(negatives) for p in pages)
    assert all(len(p["negativeMappings"]) <= 2 for p in pages)


def test_negative_mappings_longer_than_the_records_keep_the_cursor(
    shipped_release: Release,
) -> None:
    """An element with more negative mappings than records on the page: the cursor goes on
    while negatives are left, though the records ran out."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    by_element: dict[str, set[str]] = {}
    for n in services.negative_mappings(reader):
        for end in (n.subject_iri, n.object_iri):
            by_element.setdefault(end, set()).add(n.iri)
    element, expected = max(by_element.items(), key=lambda kv: len(kv[1]))
    assert len(expected) >= 2
    pages: list[dict[str, Any]] = []

    async def body(client: Client) -> None:
        args: dict[str, Any] = {"element": element, "limit": 1}
        while True:
            pages.append(await call(client, "get_mappings", **args))
            if "nextCursor" not in pages[-1]:
                break
            assert pages[-1]["truncated"] is True
            args["cursor"] = pages[-1]["nextCursor"]

    session(shipped_release, body)
    assert sorted(n["record"] for p in pages for n in p["negativeMappings"]) == sorted(expected)


def test_an_elements_mappings_cite_the_frameworks_of_its_negative_mappings(
    shipped_release: Release,
) -> None:
    """``negativeMappings`` quote the other end's code and name (a PRM-IT process, an IT-CMF
    practice's whole text), but ``sources`` cited only the frameworks of the element and its
    positive mappings: APQC 8.1.2.2's answer quoted PRM-IT A23 and cited APQC alone."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    records = {n.iri: n for n in services.negative_mappings(reader)}
    elements = sorted({end for n in records.values() for end in (n.subject_iri, n.object_iri)})
    answers: dict[str, dict[str, Any]] = {}

    async def body(client: Client) -> None:
        for element in elements:
            answers[element] = await call(client, "get_mappings", element=element, limit=100)

    session(shipped_release, body)
    checked = 0
    for element, answer in answers.items():
        quoted = {i["other"]["framework"] for i in answer["items"]}
        for n in answer["negativeMappings"]:
            record = records[n["record"]]
            quoted |= {record.subject_framework, record.object_framework}
            checked += 1
        assert quoted <= set(answer["sources"]), element
        assert all(answer["sources"][f] for f in quoted)
    assert checked >= len(records)  # each negative seen from at least one end


def test_get_mappings_says_its_side_lists_are_paged(shipped_release: Release) -> None:
    """What a model reads to page: the tool's description says the cursor pages them too."""
    found: list[str] = []

    async def body(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        found.append(tools["get_mappings"].description or "")

    session(shipped_release, body)
    assert "paged with the records" in found[0]
    assert "nextCursor goes on while any of them has more" in found[0]
