"""User workbooks in: ``build/serve --add FILE``, ``--sources FILE`` (the schema of
``data/frameworks.yaml``), parallel import, and two sources claiming one edition refused.
Workbooks are built in tmp_path; sources files say ``include_default: false`` where the test is
not about the shipped data, so the graphs stay small."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.assemble import assemble
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.config import Settings
from pcfgraph.errors import InputError, ParseError, WorkbookError
from pcfgraph.release_reload import load_verified_release
from pcfgraph.sources import ExtraSources

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]


def workbook(path: Path, rows: list[list[Any]] | None = None, intro: list[str] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Introduction"
    for text in intro:
        ws.append([text])
    combined = wb.create_sheet("Combined")
    for row in rows or [HEADER, [10002, "1.0", "Vision", "Def"], [17040, "1.1", "Concept", "D"]]:
        combined.append(row)
    wb.save(path)
    return path


def sources_file(path: Path, frameworks: list[dict[str, Any]], **top: Any) -> Path:
    path.write_text(yaml.safe_dump({"include_default": False, **top, "frameworks": frameworks}))
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The CLI as a user runs it (errors mapped to exit codes), and its stderr."""
    code = run_main(main, args)
    return code, capsys.readouterr().err


def framework_graphs(store: Any) -> set[str]:
    prefix = str(iris.framework_graph(""))
    return {g for g in store.counts_per_graph() if g.startswith(prefix)}


def test_build_with_sources_file_and_added_workbook(tmp_path: Path) -> None:
    wbs = tmp_path / "wbs"
    wbs.mkdir()
    workbook(wbs / "k01234-banking-v731-vs-banking-v722-2025.xlsx")
    src = sources_file(
        tmp_path / "my.yaml",
        [{"kind": "apqc-workbook", "files": ["wbs/k01234-banking-v731-vs-banking-v722-2025.xlsx"]}],
    )
    added = workbook(
        tmp_path / "workbook.xlsx",
        intro=["RETAIL PROCESS CLASSIFICATION FRAMEWORK", "VERSION NUMBER 7.2.2"],
    )
    out = tmp_path / "release"
    result = CliRunner().invoke(
        main, ["build", "--sources", str(src), "--add", str(added), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    graphs = {g for g in manifest["graphs"] if g.startswith(str(iris.framework_graph("")))}
    assert graphs == {
        str(iris.framework_graph("apqc-pcf-banking-7.3.1")),
        str(iris.framework_graph("apqc-pcf-retail-7.2.2")),
    }
    # the manifest names where each came from
    banking = manifest["sources"][str(iris.framework_graph("apqc-pcf-banking-7.3.1"))]
    assert banking == [str((wbs / "k01234-banking-v731-vs-banking-v722-2025.xlsx").resolve())]


def test_added_workbooks_join_the_shipped_data(tmp_path: Path) -> None:
    a = workbook(tmp_path / "k01234-banking-v731.xlsx")
    rows = [HEADER, [10002, "1.0", "Vision", "Def"], [17041, "1.1", "Airline concept", "D"]]
    # other bytes: a copy of the banking workbook under this name is refused (test_build_warnings.py)
    b = workbook(tmp_path / "k05678-airline-v722-vs-airline-v721-2025.xlsx", rows)
    store = assemble(extra=ExtraSources(workbooks=(a, b))).store  # imported in parallel
    graphs = framework_graphs(store)
    for fid in ("apqc-pcf-banking-7.3.1", "apqc-pcf-airline-7.2.2", "apqc-pcf-cross-industry-7.4"):
        assert str(iris.framework_graph(fid)) in graphs
    assert str(iris.framework_graph("prm-it")) in graphs


def test_two_sources_claiming_one_edition_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = workbook(tmp_path / "k01234-banking-v731.xlsx")
    b = workbook(
        tmp_path / "banking.xlsx",
        intro=["BANKING PROCESS CLASSIFICATION FRAMEWORK", "VERSION NUMBER 7.3.1"],
    )
    src = sources_file(tmp_path / "s.yaml", [])
    with pytest.raises(WorkbookError) as info:
        assemble(extra=ExtraSources(workbooks=(a, b), sources_file=src))
    message = str(info.value)
    assert "two sources claim APQC PCF Banking 7.3.1" in message
    assert "k01234-banking-v731.xlsx" in message and "banking.xlsx" in message
    out = tmp_path / "release"
    code, err = run(
        ["build", "--sources", str(src), "--add", str(a), "--add", str(b), "-o", str(out)], capsys
    )
    assert code == 2 and "two sources claim" in err
    assert "Traceback" not in err and not out.exists()


def test_a_bad_workbook_names_file_sheet_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = workbook(
        tmp_path / "k01234-banking-v731.xlsx",
        [HEADER, [10002, "1.0", "Vision", "D"], [10002, "1.1", "Twice", "D"]],
    )
    src = sources_file(tmp_path / "s.yaml", [])
    code, err = run(["build", "--sources", str(src), "--add", str(bad)], capsys)
    assert code == 2
    assert "k01234-banking-v731.xlsx" in err and "sheet 'Combined', row 3" in err
    assert "duplicate PCF ID 10002" in err


def test_a_workbook_that_states_no_version_says_how_to_state_it_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A renamed workbook stating no version told ``build --add`` users to "pass --version",
    a flag build and serve do not have; the way that exists is a sources file entry's
    ``edition:``/``version:``, which then builds."""
    added = workbook(tmp_path / "retail.xlsx", intro=["RETAIL PROCESS CLASSIFICATION FRAMEWORK"])
    src = sources_file(tmp_path / "s.yaml", [])
    code, err = run(["build", "--sources", str(src), "--add", str(added)], capsys)
    assert code == 2 and "could not determine the version of 'retail.xlsx'" in err
    assert "version: in a sources file entry" in err, err
    listed = sources_file(
        tmp_path / "listed.yaml",
        [{"kind": "apqc-workbook", "files": ["retail.xlsx"], "version": "7.2.1"}],
    )
    out = tmp_path / "release"
    assert run(["build", "--sources", str(listed), "-o", str(out)], capsys)[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert str(iris.framework_graph("apqc-pcf-retail-7.2.1")) in manifest["graphs"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("frameworks: 3\n", "expected a 'frameworks' list"),
        (
            "frameworks:\n  - kind: csv\n    files: [a]\n",
            "framework 1: expected a mapping with kind",
        ),
        ("frameworks:\n  - kind: turtle\n    files: [a.ttl]\n", "needs an 'id'"),
        ("frameworks: [\n", "cannot read"),
        # a misspelt key was ignored: built without the supplement, or "no version stated"
        (
            "frameworks:\n  - kind: turtle\n    id: x\n    files: [a.ttl]\n    supplement: [b.ttl]\n",
            "framework 1: unknown key 'supplement'; a framework takes: id, kind, files, supplements",
        ),
        (
            "frameworks:\n  - kind: apqc-workbook\n    files: [a.xlsx]\n    versoin: '7.4'\n",
            "framework 1: unknown key 'versoin'",
        ),
        ("frameworks: []\nvocabularies: [v.ttl]\n", "unknown key 'vocabularies'; a sources file"),
        ("include_default: 'false'\nframeworks: []\n", "include_default must be true or false"),
    ],
)
def test_bad_sources_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "my.yaml"
    path.write_text(content)
    with pytest.raises(InputError, match=problem):
        assemble(extra=ExtraSources(sources_file=path))


def test_serve_settings_add_sources_and_release_is_exclusive(tmp_path: Path) -> None:
    added = workbook(tmp_path / "k01234-banking-v731.xlsx")
    settings = Settings(
        add_workbooks=(str(added),), sources_file=sources_file(tmp_path / "s.yaml", [])
    )
    release = load_verified_release(settings)  # what serve and every reload build
    assert framework_graphs(release.store) == {str(iris.framework_graph("apqc-pcf-banking-7.3.1"))}
    result = CliRunner().invoke(main, ["serve", "--release", str(tmp_path), "--add", str(added)])
    assert result.exit_code == 2 and "--release is already built" in result.output
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "--add FILE" in result.output and "--sources FILE" in result.output


def test_parallel_import_shows_workbooks_done_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pcfgraph.sources import import_workbooks

    jobs = [
        (workbook(tmp_path / "k01234-banking-v731.xlsx"), None, None),
        (workbook(tmp_path / "k01235-retail-v731.xlsx"), None, None),
    ]
    done = import_workbooks(jobs, progress=True)
    assert [w.path for w in done] == [p for p, _e, _v in jobs]  # in the order listed
    assert {w.edition for w in done} == {"Banking", "Retail"}
    err = capsys.readouterr().err
    assert "importing workbooks" in err and "2/2" in err
    import_workbooks(jobs, progress=False)
    assert capsys.readouterr().err == ""


UNKNOWN = "is not an element of any loaded framework"


@pytest.mark.parametrize(
    ("row", "slot", "column", "problem"),
    [
        ("a:2\tskos:exactMatch\tb:1", "subject_id 'a:2'", 1, UNKNOWN),
        ("a:1\tskos:closeMatch\tb:9", "object_id 'b:9'", 3, UNKNOWN),
        # the ends the other way round: each is an element, but not of the framework the
        # set's header gives its side (as a Utilities element reviewed into a 7.4 set)
        ("b:1\tskos:closeMatch\ta:1", "subject_id 'b:1'", 1, "is an element of fb, not of "
         "its subject_source fa (its own cell or the header's)"),
    ],
)  # fmt: skip
def test_a_mapping_of_an_unknown_element_names_file_line_and_column(
    tmp_path: Path, row: str, slot: str, column: int, problem: str
) -> None:
    # A steward's typo in an id was refused only by the shapes, naming a record IRI that
    # appears nowhere in the file. An element of the other framework was not refused at all:
    # the graph said it was of the header's framework.
    for name in ("fa", "fb"):
        (tmp_path / f"{name}.ttl").write_text(
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
            f"<{name[1]}/1> a skos:Concept ; skos:inScheme <framework/{name}> .\n",
            encoding="utf-8",
        )
    base = iris.ID_BASE
    mapping = tmp_path / "a-to-b.sssom.tsv"
    mapping.write_text(
        f"#curie_map:\n#  a: {base}a/\n#  b: {base}b/\n#  fw: {base}framework/\n"
        f"#mapping_set_id: {base}mapping-set/a-to-b\n"
        "#license: https://creativecommons.org/licenses/by/4.0/\n"
        "#subject_source: fw:fa\n#object_source: fw:fb\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\n"
        "a:1\tskos:exactMatch\tb:1\tsemapv:ManualMappingCuration\t0.9\n"
        f"{row}\tsemapv:ManualMappingCuration\t0.5\n",
        encoding="utf-8",
    )
    src = tmp_path / "sources.yaml"
    src.write_text(
        yaml.safe_dump(
            {
                "include_default": False,
                "frameworks": [
                    {"id": n, "kind": "turtle", "files": [f"{n}.ttl"]} for n in ("fa", "fb")
                ],
                "mappings": ["a-to-b.sssom.tsv"],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as raised:
        assemble(extra=ExtraSources(sources_file=src))
    err = raised.value
    assert (err.source, err.line, err.column) == (str(mapping), 11, column)
    assert f"{slot} {problem}" in err.message
