"""APQC's own "Change details" (pcfg:changeDetails, against pcfg:comparedToVersion) in an
element's history: ``pcfgraph history``, GraphQL ``Element.history`` and the element page's
timeline. Before, only the changes computed between two *loaded* versions were shown, so the
shipped 7.4's statement that PCF ID 10016 was renamed from its 7.3.1 name (7.3.1 is not
loaded) was in the graph and in no history."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from gql_support import Client
from identity_support import element_iri
from openpyxl import Workbook

from pcfgraph.assemble import assemble
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.release import load_release, write_release
from pcfgraph.services.versions import stated_in_words
from pcfgraph.sources import ExtraSources

ROWS = [
    [10002, "1.0", "Vision", "A", "+17041, c17040"],
    [17040, "1.1", "Concept", "B", "RENAME, WAS:Idea, the first"],
    [17041, "1.2", "Fresh", "C", "NEW"],
    [17042, "1.3", "Same", "D", None],
]


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("stated")
    wb = Workbook()
    intro = wb.active
    assert intro is not None
    intro.title = "Introduction"
    intro.append([None, "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK"])
    intro.append(
        [None, "COMPARED TO CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK VERSION 7.3.1"]
    )
    sheet = wb.create_sheet("Combined")
    for row in [["PCF ID", "Hierarchy ID", "Name", "Element Description", "Change details"], *ROWS]:
        sheet.append(row)
    wb.save(tmp / "apqc-pcf-cross-industry-7.4.xlsx")
    (tmp / "sources.yaml").write_text(
        yaml.safe_dump(
            {
                "include_default": False,
                "frameworks": [
                    {"kind": "apqc-workbook", "files": ["apqc-pcf-cross-industry-7.4.xlsx"]}
                ],
            }
        )
    )
    assembly = assemble(extra=ExtraSources(sources_file=tmp / "sources.yaml"))
    write_release(assembly.store, tmp / "release", assembly.sources)
    return tmp / "release"


def test_change_details_in_words() -> None:
    assert stated_in_words("RENAME, WAS:Idea, the first") == ("renamed (was 'Idea, the first')",)
    assert stated_in_words("+17041, c17040, -17, NEW, .16801") == (
        "child added: PCF ID 17041",
        "child changed: PCF ID 17040",
        "child removed: PCF ID 17",
        "new",
        "unreadable token '.16801'",
    )


def test_history_command_shows_what_apqc_states(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_main(main, ["history", "17040", "--release", str(release_dir), "--format", "csv"]) == 0
    )
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert (row["changes"], row["stated"], row["comparedTo"]) == (
        "",  # no earlier version is loaded
        "RENAME, WAS:Idea, the first",
        "7.3.1",
    )
    assert (
        run_main(main, ["history", "17042", "--release", str(release_dir), "--format", "csv"]) == 0
    )
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["stated"] == ""


def test_graphql_history_has_the_stated_changes(release_dir: Path) -> None:
    client = Client(load_release(release_dir))
    q = (
        '{ element(pcfId: %d, framework: "apqc-pcf-cross-industry-7.4") '
        "{ history { version changes statedChanges comparedToVersion } } }"
    )
    got = {pcf: client.data(q % pcf)["element"]["history"] for pcf in (10002, 17040, 17041, 17042)}
    assert got[17040] == [
        {
            "version": "7.4",
            "changes": [],
            "statedChanges": ["renamed (was 'Idea, the first')"],
            "comparedToVersion": "7.3.1",
        }
    ]
    assert got[10002][0]["statedChanges"] == [
        "child added: PCF ID 17041",
        "child changed: PCF ID 17040",
    ]
    assert got[17041][0]["statedChanges"] == ["new"]
    assert got[17042][0]["statedChanges"] == []


def test_element_page_timeline_shows_what_apqc_states(release_dir: Path) -> None:
    client = Client(load_release(release_dir))
    page = client.http.get(
        element_iri("Cross-Industry", "7.4", 17040).replace(
            "https://w3id.org/pcfgraph/id/", "/id/"
        ),
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 200
    timeline = page.text.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    assert "APQC states against 7.3.1: renamed (was &#39;Idea, the first&#39;)" in timeline


def test_mcp_element_history_has_the_stated_changes(release_dir: Path) -> None:
    import anyio
    from mcp import Client as McpClient

    from pcfgraph.config import Settings
    from pcfgraph.mcp.server import build_server
    from pcfgraph.mcp.state import StandaloneState

    release = load_release(release_dir)
    answers: dict[str, Any] = {}

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        async with McpClient(build_server(lambda: state, base_url="http://h")) as client:
            for pcf in ("17040", "17042"):
                result = await client.call_tool("element_history", {"element": pcf})
                assert not result.is_error, result.content
                answers[pcf] = result.structured_content

    anyio.run(main)
    (renamed,) = answers["17040"]["versions"]
    assert (renamed["statedChanges"], renamed["statedAgainstVersion"]) == (
        ["renamed (was 'Idea, the first')"],
        "7.3.1",
    )
    (same,) = answers["17042"]["versions"]
    assert "statedChanges" not in same
