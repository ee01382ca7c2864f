"""Version diff: workbooks built here from the shipped extract, then changed on purpose."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from _webgraph import APQC_ID, web_release
from openpyxl import load_workbook

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.diff import compare, side_from_store, side_from_workbook
from pcfgraph.queries import QueryCatalog

SHIPPED = Path(__file__).parent / "fixtures" / "pcf-cross-industry-7.4-group-8.1.xlsx"


def _rows_by_id(ws) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {int(r[0].value): r[0].row for r in ws.iter_rows(min_row=2) if r[0].value}


def modified_copy(path: Path) -> Path:
    """The shipped 8.1 workbook with one change of every kind (and one that is not a change)."""
    wb = load_workbook(SHIPPED)
    ws = wb["Combined"]
    at = _rows_by_id(ws)
    ws.cell(at[20635], 3).value = "Maintain IT service catalogue"  # renamed
    ws.cell(at[20636], 3).value = "  Define   service level\tagreement "  # whitespace only
    ws.cell(at[20640], 2).value = "8.1.6.6"  # moved (8.1.5.7 -> 8.1.6.6)
    ws.cell(at[20642], 7).value = "Set up the mechanisms for the relationship."  # definition
    ws.delete_rows(at[20938])  # removed (8.1.7.4, a leaf without metrics)
    ws.append([99999, "8.1.7.5", "Publish IT performance dashboards", None, None, "N", "New."])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def cat() -> QueryCatalog:
    return QueryCatalog()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("wb")
    old = d / "apqc-pcf-cross-industry-7.4.xlsx"
    old.write_bytes(SHIPPED.read_bytes())
    new_dir = d / "new"
    new_dir.mkdir()
    return old, modified_copy(new_dir / "apqc-pcf-cross-industry-7.5.xlsx")


def test_a_workbook_compared_with_itself_has_no_changes(
    workbooks: tuple[Path, Path], cat: QueryCatalog
) -> None:
    old, _ = workbooks
    result = compare(side_from_workbook(old, cat), side_from_workbook(old, cat))
    assert result.changes == [] and result.unchanged == 45


def test_every_kind_of_change_is_found_with_old_and_new_values(
    workbooks: tuple[Path, Path], cat: QueryCatalog
) -> None:
    old, new = workbooks
    result = compare(side_from_workbook(old, cat), side_from_workbook(new, cat))
    got = {
        (c.change, c.id, c.old_code, c.new_code, c.old_value, c.new_value) for c in result.changes
    }
    assert got == {
        ("added", "99999", "", "8.1.7.5", "", "Publish IT performance dashboards"),
        (
            "removed",
            "20938",
            "8.1.7.4",
            "",
            "Synthesize and distribute IT performance information",
            "",
        ),
        ("moved", "20640", "8.1.5.7", "8.1.6.6", "8.1.5.7", "8.1.6.6"),
        (
            "renamed",
            "20635",
            "8.1.5.3",
            "8.1.5.3",
            "Maintain IT services catalog",
            "Maintain IT service catalogue",
        ),
        (
            "definition changed",
            "20642",
            "8.1.6.1",
            "8.1.6.1",
            next(c.old_value for c in result.changes if c.id == "20642"),
            "Set up the mechanisms for the relationship.",
        ),
    }
    assert result.counts() == {
        "added": 1,
        "removed": 1,
        "moved": 1,
        "renamed": 1,
        "definition changed": 1,
    }
    assert "20636" not in {c.id for c in result.changes}  # whitespace-only is not a rename


def test_an_edition_in_the_graph_equals_its_workbook(
    workbooks: tuple[Path, Path], cat: QueryCatalog
) -> None:
    old, _ = workbooks
    release = web_release()
    result = compare(side_from_store(release.store, cat, APQC_ID), side_from_workbook(old, cat))
    assert result.changes == []


def test_cli_table_csv_json_and_exit_code(
    workbooks: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old, new = workbooks
    assert run_main(main, ["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "renamed" in out and "Maintain IT service catalogue" in out
    assert "1 added, 1 removed, 1 moved, 1 renamed, 1 definition changed" in out

    assert run_main(main, ["diff", str(old), str(new), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["change"] for r in rows} == {
        "added",
        "removed",
        "moved",
        "renamed",
        "definition changed",
    }
    target = tmp_path / "d.json"
    assert run_main(main, ["diff", str(old), str(new), "--format", "json", "-o", str(target)]) == 0
    doc = json.loads(target.read_text())
    assert doc["counts"]["moved"] == 1 and doc["unchanged"] == 45 - 1 - 3

    assert run_main(main, ["diff", str(old), str(old), "--exit-code"]) == 0
    assert run_main(main, ["diff", str(old), str(new), "--exit-code"]) == 1
    capsys.readouterr()
    assert run_main(main, ["diff", str(old), str(tmp_path / "missing.xlsx")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_renamed_comparison_workbooks_can_be_compared(
    workbooks: tuple[Path, Path], cat: QueryCatalog, tmp_path: Path
) -> None:
    """APQC's comparison workbooks state the version they were compared with ("COMPARED TO
    ... VERSION 7.3.1") but, for 7.4 and most industry editions, their own version only in the
    download name. Renamed ("old.xlsx"), diff's stand-in version 0 was checked against 7.3.1:
    "default says version 0, but the workbook ... must be newer than that", on the CLI and
    the web diff alike, and nothing could be compared."""
    old, new = workbooks
    sides = []
    for source, name in ((old, "old.xlsx"), (new, "new.xlsx")):
        wb = load_workbook(source)
        intro = wb.create_sheet("Introduction", 0)
        intro.append([None, "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK"])
        intro.append(
            [None, "COMPARED TO CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK VERSION 7.3.1"]
        )
        wb.save(tmp_path / name)
        sides.append(tmp_path / name)
    renamed = compare(
        side_from_workbook(sides[0], cat, fallback_version="0"),
        side_from_workbook(sides[1], cat, fallback_version="1"),
    )
    named = compare(side_from_workbook(old, cat), side_from_workbook(new, cat))
    assert renamed.counts() == named.counts() and set(renamed.changes) == set(named.changes)
    assert renamed.old.label == "old.xlsx" and renamed.new.label == "new.xlsx"
    assert run_main(main, ["diff", str(sides[0]), str(sides[1]), "--exit-code"]) == 1


def test_web_diff_of_two_uploaded_workbooks(workbooks: tuple[Path, Path]) -> None:
    from fastapi.testclient import TestClient
    from test_web_pages import web_app

    old, new = workbooks
    with TestClient(web_app()) as client:
        r = client.post(
            "/diff",
            files={
                "old_workbook": (old.name, old.read_bytes()),
                "new_workbook": (new.name, new.read_bytes()),
            },
        )
        assert r.status_code == 200
        assert "1 renamed" in r.text and "Maintain IT service catalogue" in r.text
        assert 'download="diff.csv"' in r.text
        # the workbooks' own APQC notice, carried from the sandbox worker to the page
        assert "Sources and rights" in r.text and "©2024 APQC" in r.text
        bad = client.post(
            "/diff",
            files={"old_workbook": ("a.xlsx", b"not a zip"), "new_workbook": ("b.xlsx", b"x")},
        )
        assert bad.status_code == 400 and "not a readable .xlsx" in bad.text


def test_every_diff_export_carries_the_editions_notice(
    workbooks: tuple[Path, Path], cat: QueryCatalog
) -> None:
    """ "Keep APQC's notice on everything derived from the PCF": the JSON names each side's
    notice, every CSV row the notice of the editions it quotes, the workbook's About sheet
    both; and the sandbox's plain data keeps it (the web diff's sides cross a process)."""
    from openpyxl import load_workbook as open_xlsx

    from pcfgraph.diff import side_from_dict, side_to_dict, to_csv, to_json, to_xlsx

    old, new = workbooks
    result = compare(side_from_workbook(old, cat), side_from_workbook(new, cat))
    notice = result.old.rights
    assert notice.startswith("©2024 APQC") and result.new.rights == notice
    assert side_from_dict(side_to_dict(result.old)) == result.old

    doc = json.loads(to_json(result))
    assert doc["old"]["rights"] == doc["new"]["rights"] == notice
    rows = list(csv.DictReader(io.StringIO(to_csv(result).decode("utf-8"))))
    assert len(rows) == len(result.changes) and {r["rights"] for r in rows} == {notice}
    about = open_xlsx(io.BytesIO(to_xlsx(result)))["About"]
    facts = {row[0].value: row[1].value for row in about.iter_rows()}
    assert facts["old rights"] == facts["new rights"] == notice


def test_edition_option_says_what_it_does(
    workbooks: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """'--edition' said "Edition of both workbooks (default: file name)"; the edition is read
    from the workbook itself and its file name first, and --edition may not contradict them."""
    old, new = workbooks
    assert run_main(main, ["diff", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: file name)" not in text
    assert "--edition TEXT Edition of both workbooks where neither the workbook" in text
    assert run_main(main, ["diff", str(old), str(new), "--edition", "Retail"]) == 2
    assert "contradict" in capsys.readouterr().err


def test_an_unknown_edition_or_a_directory_is_refused_saying_what_to_give(
    workbooks: tuple[Path, Path],
    cat: QueryCatalog,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A misspelt edition id answered "framework 'apqc-pcf-cross-industry-7.3' has no elements
    in the graph", naming none of the editions there are (every other command lists them); a
    release directory (the natural thing to try for comparing two releases) was taken for a
    framework id: the shipped data was assembled, then the same message."""
    from pcfgraph.errors import InputError

    release = web_release()
    with pytest.raises(InputError) as caught:
        side_from_store(release.store, cat, "apqc-pcf-cross-industry-7.3")
    message = str(caught.value)
    assert message.startswith("no framework 'apqc-pcf-cross-industry-7.3' in the graph")
    assert f"APQC editions in the graph: {APQC_ID}" in message and ".xlsx" in message
    assert "prm-it" not in message  # not offered: diff refuses it (not an APQC edition)

    old, _ = workbooks
    assert run_main(main, ["diff", str(tmp_path), str(old)]) == 2
    err = capsys.readouterr().err
    assert f"'{tmp_path}' is a directory" in err and "APQC workbook (.xlsx)" in err


def test_a_framework_that_is_no_apqc_edition_is_refused_saying_why(
    cat: QueryCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    """diff compares APQC editions by PCF ID. Asked for PRM-IT, its elements were keyed by IRI
    and every element of the other side came out "added" (1,921 of 7.4, with PRM-IT's IRIs
    shown as PCF IDs). Now refused, naming the editions it can compare; the web page offers
    only those."""
    from fastapi.testclient import TestClient
    from test_web_pages import web_app

    from pcfgraph.errors import InputError

    release = web_release()
    with pytest.raises(InputError) as caught:
        side_from_store(release.store, cat, "prm-it")
    message = str(caught.value)
    assert message.startswith("framework 'prm-it' is not an APQC PCF edition"), message
    assert f"APQC editions in the graph: {APQC_ID}" in message
    with TestClient(web_app()) as client:
        page = client.get("/diff")
        assert page.status_code == 200
        assert f'<option value="{APQC_ID}"' in page.text
        assert '<option value="prm-it"' not in page.text
        refused = client.get("/diff", params={"old": "prm-it", "new": APQC_ID})
        assert refused.status_code == 400 and "not an APQC PCF edition" in refused.text


def test_under_gives_the_changes_of_one_subtree_on_either_side(
    workbooks: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """ "What changed in 8.1.5?" had no answer but the whole diff, read by hand. 8.1.5.7 moved
    to 8.1.6.6: a move in either subtree, not a removal from one and an addition to the other."""
    old, new = workbooks

    def changes(*args: str) -> tuple[set[tuple[str, str]], int]:
        assert run_main(main, ["diff", str(old), str(new), "--format", "json", *args]) == 0
        doc = json.loads(capsys.readouterr().out)
        return {(c["change"], c["id"]) for c in doc["changes"]}, doc["unchanged"]

    assert changes("--under", "8.1.5") == ({("renamed", "20635"), ("moved", "20640")}, 8 - 2)
    got, _ = changes("--under", "8.1.6")
    assert ("moved", "20640") in got and ("definition changed", "20642") in got
    assert all(change != "renamed" for change, _ in got)
    assert changes("--under", "8.1")[0] == changes()[0]
    assert run_main(main, ["diff", str(old), str(new), "--under", "9.9"]) == 2
    assert "--under '9.9': neither" in capsys.readouterr().err
    # by PCF ID, what the diff compares by (it was "no element with that code"), and a
    # category's number is the code meant
    assert changes("--under", "20632") == changes("--under", "8.1.5")
    assert run_main(main, ["diff", str(old), str(new), "--under", "8"]) == 2
    assert "did you mean '8.0'?" in capsys.readouterr().err
