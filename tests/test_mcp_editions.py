"""The MCP tools on a release with several APQC editions (Cross-Industry 7.4, Banking 7.2.1
and 7.2.2, :mod:`identity_support`): a PCF ID or code that several editions state is
ambiguous without a framework, as in GraphQL ``element(pcfId:)``, never silently one edition."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from gql_support import Client as GqlClient
from identity_support import build_release, element_iri
from mcp import Client
from mcp.shared.exceptions import MCPError

from pcfgraph.config import Settings
from pcfgraph.mcp.server import build_server
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.release import Release, load_release

EDITIONS = "apqc-pcf-banking-7.2.1, apqc-pcf-banking-7.2.2, apqc-pcf-cross-industry-7.4"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return load_release(build_release(tmp_path_factory.mktemp("mcp-editions")))


def _calls(release: Release, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Each call's structured answer, the MCPError it raised, or the text of its tool
    execution error (a bad argument)."""
    out: list[Any] = []

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        async with Client(build_server(lambda: state, base_url="http://h")) as client:
            for tool, args in calls:
                try:
                    result = await client.call_tool(tool, args)
                except MCPError as exc:
                    out.append(exc)
                else:
                    if result.is_error:
                        [content] = result.content
                        out.append(content.text)
                    else:
                        out.append(result.structured_content)

    anyio.run(main)
    return out


def test_a_pcf_id_or_code_of_several_editions_needs_a_framework(release: Release) -> None:
    pcf, code, banking = "17060", "1.3", "apqc-pcf-banking-7.2.2"
    answers = _calls(
        release,
        [
            ("get_element", {"element": pcf}),
            ("get_element", {"element": code}),
            ("get_mappings", {"element": pcf}),
            ("get_element", {"element": pcf, "framework": banking}),
            ("get_mappings", {"element": pcf, "source": "apqc-pcf-cross-industry-7.4"}),
            ("element_history", {"element": pcf}),
            ("element_history", {"element": code}),
        ],
    )
    by_pcf, by_code, mappings, chosen, chosen_mappings, history, code_history = answers
    for err, what, arg in (
        (by_pcf, f"PCF ID {pcf}", "framework"),
        (by_code, f"code {code!r}", "framework"),
        (mappings, f"PCF ID {pcf}", "source"),
    ):
        assert isinstance(err, str), err  # a tool execution error
        assert err.startswith(f"argument 'element': {what} is ambiguous"), err
        assert f"frameworks {EDITIONS};" in err
        assert err.endswith(f"give {arg} to choose")
    # the same lookup in GraphQL: ambiguous, naming the same frameworks
    gql = GqlClient(release).post("{ element(pcfId: " + pcf + ") { id } }").json()
    assert f"frameworks {EDITIONS}; give framework to choose" in gql["errors"][0]["message"]
    # with the framework: that edition's element, and its mappings
    assert chosen["iri"] == element_iri("Banking", "7.2.2", 17060)
    assert chosen_mappings["total"] == 1
    # the history of one PCF ID lists every edition (one identity, not ambiguous) ...
    assert history["editions"] == 3
    # ... but code 1.3 is 17060 in 7.4 and 7.2.1 and 17050 in 7.2.2: two identities
    assert isinstance(code_history, str) and "is ambiguous" in code_history
    assert "give framework to choose" in code_history


@pytest.mark.parametrize(("pcf", "status"), [(10002, "inherited"), (17040, "needs-review")])
def test_inherited_mappings_are_the_ones_graphql_gives(
    release: Release, pcf: int, status: str
) -> None:
    """Curated on Cross-Industry 7.4, seen from Banking 7.2.2 (10002 unchanged, 17040 renamed):
    get_element and get_mappings list them apart from the element's own mappings, with the
    element they were made on and the status, as GraphQL ``inheritedMappings`` does."""
    banking, cross = "apqc-pcf-banking-7.2.2", "apqc-pcf-cross-industry-7.4"
    element, mappings, other_target = _calls(
        release,
        [
            ("get_element", {"element": str(pcf), "framework": banking}),
            ("get_mappings", {"element": str(pcf), "source": banking}),
            ("get_mappings", {"element": str(pcf), "source": banking, "target": cross}),
        ],
    )
    query = (
        '{ element(pcfId: %d, framework: "%s") { inheritedMappings '
        "{ status reasons mapping { iri } madeOn { iri } } } }"
    )
    gql = GqlClient(release).post(query % (pcf, banking)).json()["data"]["element"]
    expected = {
        (
            m["mapping"]["iri"],
            m["madeOn"]["iri"],
            m["status"].lower().replace("_", "-"),
            *m["reasons"],
        )
        for m in gql["inheritedMappings"]
    }
    assert {e[2] for e in expected} == {status}
    for seen in (element["inheritedMappings"], mappings["inheritedMappings"]):
        got = {(i["record"], i["madeOn"]["iri"], i["status"], *i["reasons"]) for i in seen}
        assert got == expected
        assert {i["madeOn"]["iri"] for i in seen} == {element_iri("Cross-Industry", "7.4", pcf)}
        assert {i["other"]["framework"] for i in seen} == {"prm-it"}
    assert element["mappings"] == [] and mappings["items"] == []  # its own: none
    assert other_target["inheritedMappings"] == []  # target filters them too
    assert {banking, cross, "prm-it"} <= set(element["sources"])


def test_get_element_reads_each_framework_once_per_release(release: Release) -> None:
    """get_element reads through the served release's shared reads: the whole-framework
    reads behind an element's ancestors, measures, mappings and inherited mappings are made
    once per release (or come with its page data), so a later call on another element of the
    same framework, or on the same one, costs no store query. A fresh reader per call read
    the framework whole on every call (0.33-0.79 s of CPU on a release of 4 APQC editions)."""
    from pcfgraph.mcp.tools import Tools

    banking = "apqc-pcf-banking-7.2.2"
    state = StandaloneState(settings=Settings(), release=release)
    tools = Tools(lambda: state, base_url="http://h")
    first = tools.get_element("10002", framework=banking)
    queries = release.store.query_count
    again = tools.get_element("10002", framework=banking)
    other = tools.get_element("17040", framework=banking)
    assert release.store.query_count == queries
    assert again == first
    assert {i["status"] for i in other["inheritedMappings"]} == {"needs-review"}


def test_element_history_gives_the_changes_graphql_history_gives(release: Release) -> None:
    """Each version against the version of its own edition it revises, as GraphQL
    ``Element.history`` reads it: ``changedSincePrevious`` compared each entry with the
    next one whatever its edition (Cross-Industry 7.4 "renamed" because Banking 7.2.2 names
    17040 otherwise), and the change notes (moved, new in 7.2.2, removed) were not there."""
    gql = GqlClient(release)
    nodes = gql.data(
        '{ elements(framework: "apqc-pcf-banking-7.2.2", first: 500) { nodes { iri pcfId } } }'
    )["elements"]["nodes"]
    query = (
        "query($i: String!) { element(iri: $i) { history { changes deprecated "
        "element { iri } revisionOf { iri code name definition } } } }"
    )
    with_pcf = [n for n in nodes if n["pcfId"] is not None]
    answers = _calls(release, [("element_history", {"element": n["iri"]}) for n in with_pcf])
    noted = 0
    for node, answer in zip(with_pcf, answers, strict=True):
        steps = gql.data(query, {"i": node["iri"]})["element"]["history"]
        expected = {
            s["element"]["iri"]: (
                s["changes"],
                s["deprecated"],
                (s["revisionOf"] or {}).get("iri"),
            )
            for s in steps
        }
        got = {
            v["iri"]: (v["changes"], v.get("removedInNextVersion", False), v["previousVersion"])
            for v in answer["versions"]
        }
        assert got == expected, node
        for v in answer["versions"]:
            if v["previousVersion"] is None:  # nothing of its edition before it
                assert v["changedSincePrevious"] == [], v
        noted += sum(1 for v in answer["versions"] if v["changes"])
    assert noted >= 3  # renamed, moved, new: the comparison held something
