"""``pcfgraph mappings diff OLD NEW``: what a curator sees change between two states of the
mapping sets (SSSOM/TSV files or release directories)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pcfgraph import iris
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.importers.apqc.emit import APQC_NOTICE

ID = iris.ID_BASE
SKOS = "http://www.w3.org/2004/02/skos/core#"
SET = f"{ID}mapping-set/a-to-b"
HEADER = f"""#curie_map:
#  a: {ID}a/
#  b: {ID}b/
#  pcf: {ID}apqc-pcf/cross-industry/7.4/
#  fw: {ID}framework/
#mapping_set_id: {SET}
#license: https://creativecommons.org/licenses/by/4.0/
#mapping_date: 2026-11-22
#subject_source: fw:fa
#object_source: fw:fb
"""
COLUMNS = [
    "subject_id",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "mapping_justification",
    "confidence",
    "comment",
]
MJ = "semapv:ManualMappingCuration"
BASE_ROWS = [
    ["a:1", "skos:exactMatch", "", "b:1", MJ, "0.9", "same purpose"],
    ["a:2", "skos:broadMatch", "", "b:2", MJ, "0.7", ""],
    ["a:2", "skos:exactMatch", "Not", "b:3", MJ, "0.8", "looks alike, is not"],
    ["a:3", "skos:mappingRelation", "", "sssom:NoTermFound", MJ, "", "nothing in fb"],
]


def write(path: Path, rows: list[list[str]], header: str = HEADER) -> Path:
    body = "\t".join(COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    path.write_text(header + body, encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["mappings", "diff", *args])


def changes_of(
    result: Any,
) -> set[tuple[str, str, str, str, str, tuple[tuple[str, str, str], ...]]]:
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    return {
        (
            c["change"],
            c["subject_id"].removeprefix(ID),
            c["predicate_modifier"] + c["predicate_id"].removeprefix(SKOS),
            c["object_id"].removeprefix(ID),
            c["mapping_set_id"],
            tuple((s["slot"], s["old"], s["new"]) for s in c["slots"]),
        )
        for c in doc["changes"]
    }


def test_the_same_file_twice_has_no_changes(tmp_path: Path) -> None:
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    new = write(tmp_path / "new.sssom.tsv", BASE_ROWS)
    result = run(str(old), str(new), "--format", "json", "--exit-code")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["changes"] == [] and doc["unchanged"] == len(BASE_ROWS)


def test_added_removed_and_changed_mappings_each_with_what_changed(tmp_path: Path) -> None:
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    new_rows = [
        ["a:1", "skos:exactMatch", "", "b:1", MJ, "0.6", "only partly the same purpose"],
        # a:2 broadMatch b:2 removed
        ["a:2", "skos:exactMatch", "Not", "b:3", MJ, "0.8", "looks alike, is not"],
        ["a:3", "skos:mappingRelation", "", "sssom:NoTermFound", MJ, "", "nothing in fb"],
        ["a:4", "skos:closeMatch", "", "b:4", MJ, "0.5", ""],
    ]
    new = write(tmp_path / "new.sssom.tsv", new_rows)
    result = run(str(old), str(new), "--format", "json", "--exit-code")
    assert result.exit_code == 1
    assert changes_of(result) == {
        (
            "changed",
            "a/1",
            "exactMatch",
            "b/1",
            SET,
            (
                ("comment", "same purpose", "only partly the same purpose"),
                ("confidence", "0.9", "0.6"),
            ),
        ),
        ("removed", "a/2", "broadMatch", "b/2", SET, ()),
        ("added", "a/4", "closeMatch", "b/4", SET, ()),
    }
    assert json.loads(result.stdout)["unchanged"] == 2


def test_a_negative_mapping_is_not_the_positive_one(tmp_path: Path) -> None:
    """Turning "a:2 is not b:3" into "a:2 is b:3" is a removal and an addition: the two say
    opposite things, neither is an edit of the other's slots."""
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    rows = [r if r[3] != "b:3" else [*r[:2], "", *r[3:]] for r in BASE_ROWS]
    new = write(tmp_path / "new.sssom.tsv", rows)
    got = {(c[0], c[2], c[3]) for c in changes_of(run(str(old), str(new), "--format", "json"))}
    assert got == {("removed", "NotexactMatch", "b/3"), ("added", "exactMatch", "b/3")}


def test_no_counterpart_records_are_told_apart_by_the_framework_they_found_nothing_in(
    tmp_path: Path,
) -> None:
    header_fc = HEADER.replace("#object_source: fw:fb", "#object_source: fw:fc")
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    new = write(tmp_path / "new.sssom.tsv", BASE_ROWS, header=header_fc)
    got = changes_of(run(str(old), str(new), "--format", "json"))
    # every positive row's object_source changed; the NoTermFound row is another record
    assert ("removed", "a/3", "mappingRelation", "https://w3id.org/sssom/NoTermFound") in {
        c[:4] for c in got
    }
    assert ("added", "a/3", "mappingRelation", "https://w3id.org/sssom/NoTermFound") in {
        c[:4] for c in got
    }
    changed = {c[1]: c[5] for c in got if c[0] == "changed"}
    assert changed["a/1"] == (("object_source", f"{ID}framework/fb", f"{ID}framework/fc"),)


def test_csv_escapes_formulas_and_carries_apqc_notice_where_it_quotes_the_pcf(
    tmp_path: Path,
) -> None:
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    rows = [
        *BASE_ROWS,
        ["pcf:10190", "skos:closeMatch", "", "b:9", MJ, "0.5", '=HYPERLINK("http://x")'],
    ]
    new = write(tmp_path / "new.sssom.tsv", rows)
    result = run(str(old), str(new), "--format", "csv")
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == 1
    added = table[0]
    assert added["change"] == "added" and added["rights"] == APQC_NOTICE
    assert added["subject_id"] == f"{ID}apqc-pcf/cross-industry/7.4/10190"
    # the comment is not a slot change of an added row; no cell starts a formula
    assert not any(v.startswith(("=", "+", "-", "@")) for v in added.values())


def test_csv_cells_of_a_changed_slot_are_escaped(tmp_path: Path) -> None:
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    rows = [["a:1", "skos:exactMatch", "", "b:1", MJ, "0.9", "=1+1"], *BASE_ROWS[1:]]
    new = write(tmp_path / "new.sssom.tsv", rows)
    table = list(csv.DictReader(io.StringIO(run(str(old), str(new), "--format", "csv").stdout)))
    assert [(r["slot"], r["old_value"], r["new_value"]) for r in table] == [
        ("comment", "same purpose", "'=1+1")
    ]
    assert table[0]["rights"] == ""  # neither end is an APQC element


def test_table_names_each_change_for_people(tmp_path: Path) -> None:
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    rows = [["a:1", "skos:exactMatch", "", "b:1", MJ, "0.5", "same purpose"], *BASE_ROWS[1:]]
    new = write(tmp_path / "new.sssom.tsv", rows)
    result = run(str(old), str(new))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "changed (1)"
    assert "confidence: 0.9 -> 0.5" in [line.strip() for line in lines]
    assert lines[-1].endswith("0 added, 0 removed, 1 changed, 3 unchanged")


def test_table_names_elements_as_the_files_do(tmp_path: Path) -> None:
    """The table wrote an APQC element ``apqc:cross-industry/7.4/20609`` (the CLI's other
    tables' CURIE) where the files say ``pcf:20609`` (their ``curie_map``) or, for an edition
    written in full, ``pcf721-utilities:17040`` (the prefix every SSSOM file pcfgraph writes
    gives it): the curator could not find the change in the file by its name."""
    old = write(tmp_path / "old.sssom.tsv", BASE_ROWS)
    utilities = f"{ID}apqc-pcf/utilities/7.2.1/17040"
    rows = [
        *BASE_ROWS,
        ["pcf:20609", "skos:closeMatch", "", "b:1", MJ, "0.6", ""],
        [utilities, "skos:relatedMatch", "", "b:2", MJ, "0.4", ""],
    ]
    new = write(tmp_path / "new.sssom.tsv", rows)
    result = run(str(old), str(new))
    assert result.exit_code == 0, result.output
    added = {line.split("  [set")[0].strip() for line in result.stdout.splitlines()[1:3]}
    assert added == {
        "pcf:20609 skos:closeMatch b:1",
        "pcf721-utilities:17040 skos:relatedMatch b:2",
    }, result.stdout


def test_a_file_stating_a_mapping_twice_is_refused_with_both_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.sssom.tsv", [*BASE_ROWS, BASE_ROWS[0]])
    new = write(tmp_path / "new.sssom.tsv", BASE_ROWS)
    assert run_main(main, ["mappings", "diff", str(old), str(new)]) == 2
    err = capsys.readouterr().err
    assert "old.sssom.tsv, line 16: duplicate of the mapping on line 12" in err


@pytest.mark.parametrize("arg", ["missing.sssom.tsv", "graph.xlsx"])
def test_an_argument_that_is_neither_file_nor_release_is_a_clear_error(
    tmp_path: Path, arg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = write(tmp_path / "ok.sssom.tsv", BASE_ROWS)
    assert run_main(main, ["mappings", "diff", str(tmp_path / arg), str(ok)]) == 2
    err = capsys.readouterr().err
    assert arg in err and "Traceback" not in err


def test_an_error_says_which_side_and_both_sides_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two releases' exports share a file name (``2025/s.sssom.tsv``, ``2026/s.sssom.tsv``):
    "s.sssom.tsv, line 12: ..." did not say whether the old or the new one was bad, and a
    second bad side was reported only once the first was fixed."""
    (tmp_path / "o").mkdir()
    (tmp_path / "n").mkdir()
    good = write(tmp_path / "o" / "s.sssom.tsv", BASE_ROWS)
    bad = write(tmp_path / "n" / "s.sssom.tsv", BASE_ROWS, HEADER + "#bogus: 1\n")
    assert run_main(main, ["mappings", "diff", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: NEW: {bad}, line 11: unknown metadata key 'bogus'" in err, err
    assert "OLD" not in err
    missing = tmp_path / "gone.sssom.tsv"
    assert run_main(main, ["mappings", "diff", str(missing), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: OLD: cannot read {missing}" in err, err
    assert f"; NEW: {bad}, line 11: unknown metadata key 'bogus'" in err, err


def release_of(tmp_path: Path, name: str, sets: dict[str, list[list[str]]]) -> Path:
    """A release directory holding each set (stem: rows), as ``build`` files a curated set
    (its named graph)."""
    from pcfgraph.assemble import rdflib_to_quads
    from pcfgraph.mappings import mapping_set_graph, read_mapping_set
    from pcfgraph.release import write_release
    from pcfgraph.store import EmbeddedStore

    store = EmbeddedStore()
    folder = tmp_path / f"{name}-sets"
    folder.mkdir()
    for stem, rows in sets.items():
        header = HEADER.replace("a-to-b", stem)
        ms = read_mapping_set(write(folder / f"{stem}.sssom.tsv", rows, header=header))
        graph = str(iris.mapping_set_graph(ms.stem))
        store.add_quads(rdflib_to_quads(mapping_set_graph(ms), graph))
    out = tmp_path / name
    write_release(store, out, {})
    return out


@pytest.fixture()
def release_with_set(tmp_path: Path) -> Path:
    return release_of(tmp_path, "release", {"a-to-b": BASE_ROWS})


def test_a_mapping_in_two_sets_of_a_release_is_kept_once_per_set(tmp_path: Path) -> None:
    old = release_of(tmp_path, "old", {"a-to-b": BASE_ROWS, "a-to-b-more": BASE_ROWS[:1]})
    new = release_of(tmp_path, "new", {"a-to-b": BASE_ROWS, "a-to-b-more": []})
    same = run(str(old), str(old), "--format", "json")
    assert json.loads(same.stdout)["unchanged"] == len(BASE_ROWS) + 1
    got = changes_of(run(str(old), str(new), "--format", "json"))
    # the copy in a-to-b-more went; a-to-b's is as it was
    assert {(c[0], c[1], c[4]) for c in got} == {("removed", "a/1", f"{ID}mapping-set/a-to-b-more")}


def test_a_mapping_moved_to_another_set_is_one_change_of_its_set(tmp_path: Path) -> None:
    old = release_of(tmp_path, "old", {"a-to-b": BASE_ROWS, "a-to-b-more": []})
    new = release_of(tmp_path, "new", {"a-to-b": BASE_ROWS[1:], "a-to-b-more": BASE_ROWS[:1]})
    got = changes_of(run(str(old), str(new), "--format", "json"))
    more = f"{ID}mapping-set/a-to-b-more"
    assert got == {("changed", "a/1", "exactMatch", "b/1", more, (("mapping_set_id", SET, more),))}


def test_a_release_and_its_own_export_of_a_set_agree_then_one_edit_shows(
    release_with_set: Path, tmp_path: Path
) -> None:
    """A set exported from a release reads back as the same mappings (nothing changed),
    and the one confidence a curator edits in the export is the one change."""
    exported = tmp_path / "export" / "a-to-b.sssom.tsv"
    exported.parent.mkdir()
    release = str(release_with_set)
    args = ["mappings", "export", "--set", "a-to-b", "-o", str(exported), "--release", release]
    assert run_main(main, args) == 0
    same = run(release, str(exported), "--set", "a-to-b", "--format", "json", "--exit-code")
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["changes"] == []
    assert json.loads(same.stdout)["unchanged"] == len(BASE_ROWS)

    text = exported.read_text(encoding="utf-8")
    assert text.count("\t0.9\t") == 1
    exported.write_text(text.replace("\t0.9\t", "\t0.11\t"), encoding="utf-8")
    edited = run(release, str(exported), "--format", "json")
    assert changes_of(edited) == {
        ("changed", "a/1", "exactMatch", "b/1", SET, (("confidence", "0.9", "0.11"),))
    }


def test_set_is_an_identifier_and_one_neither_side_holds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--set`` is matched ignoring case, as every option naming an identifier (``export
    --set`` too); one neither side holds (a typo) compared nothing and answered "no
    differences", exit 0 with ``--exit-code``: it is refused naming the sets there are."""
    old = release_of(tmp_path, "old", {"a-to-b": BASE_ROWS, "a-to-b-more": []})
    new = release_of(tmp_path, "new", {"a-to-b": BASE_ROWS[1:], "a-to-b-more": []})
    as_data = run(str(old), str(new), "--set", "a-to-b", "--format", "json")
    assert as_data.exit_code == 0 and json.loads(as_data.stdout)["changes"]
    for written in ("A-TO-B", SET.upper().replace("HTTPS://", "https://")):
        other = run(str(old), str(new), "--set", written, "--format", "json")
        assert other.exit_code == 0, other.output
        assert json.loads(other.stdout) == json.loads(as_data.stdout)
    typo = ["mappings", "diff", str(old), str(new), "--set", "a-to-c", "--exit-code"]
    assert run_main(main, typo) == 2
    err = capsys.readouterr().err
    assert "--set: neither side holds mapping set 'a-to-c'; sets: a-to-b" in err, err


def test_a_sets_own_slots_and_a_set_begun_or_dropped_are_changes(tmp_path: Path) -> None:
    """A new release said nothing of a set's new ``mapping_set_version`` or ``license``, nor
    of a set begun with no row yet or one dropped with none: "0 changed" and exit 0 under
    ``--exit-code`` for a set whose licence changed."""
    old = release_of(tmp_path, "old", {"a-to-b": BASE_ROWS, "a-to-c": []})
    versioned = HEADER.replace("#license:", '#mapping_set_version: "1.1"\n#license:')
    relicensed = versioned.replace("licenses/by/4.0/", "licenses/by-sa/4.0/")
    old_file = write(tmp_path / "old.sssom.tsv", BASE_ROWS, versioned)
    new_file = write(tmp_path / "new.sssom.tsv", BASE_ROWS, relicensed)
    result = run(str(old_file), str(new_file), "--format", "json", "--exit-code")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["changes"] == [] and doc["unchanged"] == len(BASE_ROWS)
    cc = "https://creativecommons.org/licenses"
    assert doc["sets"] == [
        {
            "change": "changed",
            "mapping_set_id": SET,
            "slots": [{"slot": "license", "old": f"{cc}/by/4.0/", "new": f"{cc}/by-sa/4.0/"}],
        }
    ]
    table = run(str(old_file), str(new_file)).stdout.splitlines()
    assert table[0] == "set changed: a-to-b"  # then the slot, wrapped to the terminal
    assert " ".join(line.strip() for line in table[1:3]) == (
        f"license: {cc}/by/4.0/ -> {cc}/by-sa/4.0/"
    )
    assert table[-1].endswith("0 changed, 4 unchanged; sets: 1 changed")
    new = release_of(tmp_path, "new", {"a-to-b": BASE_ROWS, "a-to-d": []})
    sets = json.loads(run(str(old), str(new), "--format", "json").stdout)["sets"]
    assert {(s["change"], s["mapping_set_id"].removeprefix(ID)) for s in sets} == {
        ("removed", "mapping-set/a-to-c"),
        ("added", "mapping-set/a-to-d"),
    }
    rows = list(csv.DictReader(io.StringIO(run(str(old), str(new), "--format", "csv").stdout)))
    assert {(r["change"], r["mapping_set_id"].removeprefix(ID)) for r in rows} == {
        ("set removed", "mapping-set/a-to-c"),
        ("set added", "mapping-set/a-to-d"),
    }
    assert run(str(old), str(new), "--set", "a-to-d").exit_code == 0


def test_a_set_without_a_title_is_the_same_in_its_file_and_its_release(tmp_path: Path) -> None:
    """A release titles a set that states no title by its name (``a-to-b``); the file, read
    by the diff under a stand-in name, was titled "suggested": a set compared with its own
    release showed "mapping_set_title: a-to-b -> suggested"."""
    release = release_of(tmp_path, "release", {"a-to-b": BASE_ROWS})
    same = write(tmp_path / "a-to-b.sssom.tsv", BASE_ROWS)
    result = run(str(release), str(same), "--format", "json", "--exit-code")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sets"] == []
