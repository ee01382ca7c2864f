"""CLI tables: identifiers are never cut (long cells wrap), IRIs show as CURIEs, the gaps
table is grouped with its kind filled, and every table command has ``--format json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _webgraph import APQC_ID, web_release
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.cli.table import curie, render_table
from pcfgraph.release import write_release


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rel") / "release"
    write_release(web_release().store, out, {})
    return out


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run_main(main, args)
    return code, capsys.readouterr().out


def test_long_cells_wrap_at_spaces_and_nothing_is_cut() -> None:
    iri = "https://w3id.org/pcfgraph/id/mapping/pcf-8.1-to-it-cmf-rm/some-very-long-record-key"
    text = "word " * 40
    table = render_table(["id", "text"], [[iri, text.strip()], ["short", "x"]], width=60)
    lines = table.splitlines()
    assert "…" not in table
    # the IRI is one word: whole on its line (the line runs long), never split
    assert lines[2].startswith(iri + "  word")
    text_start = lines[1].index("  ") + 2
    text_width = len(lines[1]) - text_start  # the text column, narrowed to its floor
    assert text_width <= 12 and all(len(line[text_start:]) <= text_width for line in lines[2:-1])
    assert table.count("word") == 40
    assert lines[-1] == "(2 rows)"


def test_identifiers_are_never_broken_only_text_at_its_spaces() -> None:
    """``pcfgraph history 20636`` split its element CURIE (``apqc:cross-ind`` / ``ustry/7.4/2063``
    / ``6``) and the framework id across lines: a column is never narrower than its longest
    word, and cells wrap at spaces only."""
    header = ["pcfId", "framework", "edition", "version", "element", "code", "name",
              "deprecated", "revisionOf", "changes"]  # fmt: skip
    row = ["20636", "apqc-pcf-cross-industry-7.4", "Cross-Industry", "7.4",
           "apqc:cross-industry/7.4/20636", "8.1.5.4", "Define service level agreement",
           "", "", ""]  # fmt: skip
    for width in (60, 120, 200):
        table = render_table(header, [row], width=width)
        words = table.split()
        for cell in row[:6]:
            assert cell in words, (width, table)
        assert " ".join(w for w in words if w in {"Define", "service", "level", "agreement"}) == (
            "Define service level agreement"
        )
    wide = render_table(header, [row], width=200).splitlines()
    assert len(wide) == 4 and max(len(line) for line in wide) <= 200


def test_a_section_row_is_printed_across_the_table() -> None:
    table = render_table(["a", "b"], [["under 8.1 Develop"], ["x", "y"]], width=80, count=False)
    assert table.splitlines()[2] == "under 8.1 Develop"


def test_curie() -> None:
    assert curie("https://w3id.org/pcfgraph/id/prm-it/A24") == "prmit:A24"
    assert curie("http://www.w3.org/2004/02/skos/core#closeMatch") == "skos:closeMatch"
    assert curie("https://example.org/x") == "https://example.org/x"


def test_query_table_shows_curies_not_cut_iris(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(
        [
            "query",
            "api/element-by-code",
            "-p",
            "framework=prm-it",
            "-p",
            "code=A24",
            "--release",
            str(release_dir),
        ],
        capsys,
    )
    assert code == 0
    assert "prmit:A24" in out
    assert "…" not in out and "https://w3id.org/pcfgraph/id/prm-it/A24" not in out


def test_gaps_curated_only_takes_no_derived_mapping_as_a_counterpart(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--curated-only`` was read and ignored: 8.1.5.6's only IT-CMF mapping is a derived
    chain (exactMatch A24, then A24 closeMatch RM-3.2), and it was no gap either way."""

    def gaps(*args: str) -> set[tuple[str, str]]:
        code, out = run(["gaps", "--format", "json", *args, "--release", str(release_dir)], capsys)
        assert code == 0
        rows = json.loads(out)["results"]["bindings"]
        return {(r["code"]["value"], r["otherFramework"]["value"]) for r in rows}

    default = gaps()
    assert gaps("--include-derived") == default
    assert gaps("--curated-only") - default == {("8.1.5.6", "it-cmf"), ("RM-3.2", APQC_ID)}
    assert default <= gaps("--curated-only")


def test_gaps_table_grouped_by_parent_with_kind(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["gaps", "--format", "json", "--release", str(release_dir)], capsys)
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    assert rows
    code, table = run(
        ["gaps", "--framework", APQC_ID, "--target", "prm-it", "--release", str(release_dir)],
        capsys,
    )
    assert code == 0
    expected = [
        r
        for r in rows
        if r["framework"]["value"] == APQC_ID and r["otherFramework"]["value"] == "prm-it"
    ]
    lines = table.splitlines()
    assert lines[0] == f"{APQC_ID}: {len(expected)} elements without a counterpart in prm-it"
    assert lines[1].split() == ["code", "name", "kind", "reason"]
    assert "…" not in table and "https://" not in table
    by_code = {
        ln.split()[0]: ln
        for ln in lines[3:]
        if not ln.startswith(("under ", "at the top")) and ln[:1].isdigit()
    }
    for r in expected:  # every gap is listed by code with its kind in words
        kind = " ".join(re.findall(r"[A-Z]?[a-z]+", r["elementKind"]["value"])).lower()
        assert f"  {kind}  " in by_code[r["code"]["value"]] + "  "
        parent = r.get("parentCode", {}).get("value")
        heading = f"under {parent} " if parent else "at the top level"
        above = lines[: lines.index(by_code[r["code"]["value"]])]
        assert [ln for ln in above if ln.startswith(("under ", "at the top"))][-1].startswith(
            heading
        )
    # under each heading, codes in their natural order (8.1.10 after 8.1.9)
    groups: list[list[str]] = []
    for ln in lines[3:]:
        if ln.startswith(("under ", "at the top")):
            groups.append([])
        elif ln[:1].isdigit():
            groups[-1].append(ln.split()[0])
    assert len(groups) > 1
    for codes in groups:
        assert codes == sorted(codes, key=lambda c: [int(p) for p in c.split(".")])


def test_every_table_command_has_json(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["query", "--list", "--format", "json"], capsys)
    assert code == 0
    listed = json.loads(out)
    assert any(q["name"] == "api/gaps" for q in listed)
    # each parameter as GET /queries describes it (it gave name and optional alone)
    by_name = {q["name"]: {p["name"]: p for p in q["params"]} for q in listed}
    code_param = by_name["api/element-by-code"]["code"]
    assert (code_param["type"], code_param["values"], code_param["optional"]) == (
        "literal",
        "element code",
        False,
    )
    assert by_name["api/mappings"]["minConfidence"]["maximum"] == 1
    for args in (["stats"], ["gaps"], ["query", "api/frameworks"]):
        code, out = run([*args, "--format", "json", "--release", str(release_dir)], capsys)
        assert code == 0, args
        assert "results" in json.loads(out), args


def test_diff_table_grouped_with_whole_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_diff import SHIPPED, modified_copy

    from pcfgraph.diff import compare, side_from_workbook
    from pcfgraph.queries import QueryCatalog

    old = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    old.write_bytes(SHIPPED.read_bytes())
    (tmp_path / "n").mkdir()
    new = modified_copy(tmp_path / "n" / "apqc-pcf-cross-industry-7.5.xlsx")
    monkeypatch.setenv("COLUMNS", "60")
    code, out = run(["diff", str(old), str(new)], capsys)
    assert code == 0
    cat = QueryCatalog()
    result = compare(
        side_from_workbook(old, cat, fallback_version="0"),
        side_from_workbook(new, cat, fallback_version="1"),
    )
    assert max(len(line) for line in out.splitlines()[:-1]) <= 60
    joined = " ".join(out.split())  # undo the wrapping
    for kind, n in result.counts().items():
        if n:
            assert f"{kind} ({n})" in out.splitlines()
    for c in result.changes:
        assert f"[PCF ID {c.id}]" in joined
        if c.change in ("renamed", "definition changed"):
            assert f"old: {' '.join(c.old_value.split())}" in joined
            assert f"new: {' '.join(c.new_value.split())}" in joined
    assert "…" not in out


def test_gaps_table_orders_codes_naturally_and_names_kinds_in_words() -> None:
    import pyoxigraph as ox

    from pcfgraph.cli.gaps import gaps_table
    from pcfgraph.store import SelectResult

    def row(code: str, kind: str, parent: str = "") -> dict[str, ox.Literal]:
        out = {
            "framework": ox.Literal("apqc"),
            "otherFramework": ox.Literal("prm-it"),
            "code": ox.Literal(code),
            "name": ox.Literal(f"name of {code}"),
            "elementKind": ox.Literal(kind),
        }
        if parent:
            out |= {"parentCode": ox.Literal(parent), "parentName": ox.Literal("Manage IT")}
        return out

    rows = [row(c, "category") for c in ("10.0", "2.0", "1.0")] + [
        row(c, "processGroup", "8.0") for c in ("8.10", "8.9", "8.2")
    ]
    variables = ("framework", "otherFramework", "code", "name", "elementKind")
    lines = gaps_table(SelectResult(variables, rows)).splitlines()
    listed = [ln.split()[0] for ln in lines[3:] if ln[:1].isdigit()]
    assert listed == ["1.0", "2.0", "10.0", "8.2", "8.9", "8.10"]
    assert lines[lines.index(next(ln for ln in lines if ln.startswith("8.2"))) - 1] == (
        "under 8.0 Manage IT"
    )
    assert all("process group" in ln for ln in lines if ln.startswith("8."))
    assert "processGroup" not in "\n".join(lines)


def test_a_one_column_table_fills_the_width_like_any_other() -> None:
    # its rows were taken for section headings and wrapped at 20 characters
    name = "Develop and manage IT customer relationships across the enterprise"
    assert render_table(["name"], [[name]], width=100).splitlines()[2] == name
    lines = render_table(["name"], [[name]], width=40).splitlines()
    assert max(len(line) for line in lines) <= 40 and " ".join(lines[2:-1]) == name


def test_control_characters_in_cells_are_shown_not_sent_to_the_terminal() -> None:
    # a label from a model or a workbook could carry escape sequences the reader's terminal runs
    cell = "IT\x1b]0;title\x07 \u202eevil\x9b2J"
    table = render_table(["a", "b"], [[cell, "x"]], width=120)
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    assert "\x9b" not in table
    assert "IT\\x1b]0;title\\x07 \\u202eevil\\x9b2J" in table


def test_a_query_table_prints_escapes_and_the_error_line_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text('SELECT ?x WHERE { BIND("a\\u001b[31mred" AS ?x) }\n', encoding="utf-8")
    code, out = run(["query", str(rq), "--format", "table"], capsys)
    assert code == 0 and "a\\x1b[31mred" in out and "\x1b" not in out
    bad = tmp_path / "bad\x1b[2J.rq"
    assert run_main(main, ["query", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad\\x1b[2J.rq" in err and "\x1b" not in err


def test_gaps_under_an_element_by_id_iri_pcf_id_or_code_and_bad_names_refused(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --under took anything and a name it could not resolve listed "no gaps", as if the element
    # had none: a code (8.1), a PCF ID, a typo
    rel = ["--release", str(release_dir), "--format", "json"]

    def focus(*args: str) -> set[str]:
        code, out = run(["gaps", *args, *rel], capsys)
        assert code == 0, args
        return {b["element"]["value"] for b in json.loads(out)["results"]["bindings"]}

    every = focus()
    under = focus("--under", "apqc-pcf/cross-industry/7.4/20608")
    assert under and under < every
    assert (
        focus("--under", "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608") == under
    )
    assert focus("--under", "20608") == under  # the PCF ID
    assert focus("--under", "pcf74:20608") == under  # as the SSSOM files write it
    assert focus("--under", "8.1", "--framework", APQC_ID) == {
        e for e in under if e in focus("--framework", APQC_ID)
    }
    for args, says in (
        (["--under", "8.1"], "--under '8.1': a code needs --framework"),
        (["--under", "apqc-pcf/cross-industry/7.4/99999999"], "no element"),
        (["--under", "99999999"], "no PCF ID 99999999"),
        (
            ["--under", "pcf73:20608"],
            "--under 'pcf73:20608': no prefix 'pcf73' names elements here; the prefixes that "
            "do: apqc, fw, itcmf, pcf74, prmit, trim",
        ),
        # an element of another framework than --framework listed "no gaps" (by id) or said
        # "no element" (by IRI), as if it did not exist
        (
            ["--under", "apqc-pcf/cross-industry/7.4/20608", "--framework", "prm-it"],
            f"element 'apqc-pcf/cross-industry/7.4/20608' is not in framework 'prm-it': "
            f"it is in {APQC_ID}",
        ),
        (
            [
                "--under",
                "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608",
                "--framework",
                "prm-it",
            ],
            "is not in framework 'prm-it'",
        ),
        (["--framework", "nope"], "--framework: no framework 'nope'; known frameworks: "),
        (["--target", "nope"], "--target: no framework 'nope'"),
        (["--kind", "activites"], "--kind: no kind 'activites'; known: "),
        # it said "No gaps", as if the framework were its own counterpart
        (["--framework", "prm-it", "--target", "prm-it"], "--target is the framework itself"),
    ):
        assert run_main(main, ["gaps", *args, *rel]) == 2, args
        assert says in capsys.readouterr().err, args


def test_tables_name_an_editions_element_as_the_sssom_files_do() -> None:
    """``gaps``, ``query`` and ``history`` tables wrote ``apqc:cross-industry/7.4/20638``
    where the curated sets and ``mappings diff`` write ``pcf74:20638``: a curator could not
    find the element in the file beside the table. Other IRIs keep their prefixes."""
    base = "https://w3id.org/pcfgraph/id/"
    assert curie(base + "apqc-pcf/cross-industry/7.4/20638") == "pcf74:20638"
    assert curie(base + "apqc-pcf/utilities/7.2.1/17040") == "pcf721-utilities:17040"
    assert curie(base + "apqc-pcf/element/20638") == "apqc:element/20638"  # no edition's
    assert curie(base + "prm-it/A24") == "prmit:A24"
    assert curie(base + "framework/prm-it") == "fw:prm-it"
    assert curie("http://www.w3.org/2004/02/skos/core#closeMatch") == "skos:closeMatch"


def test_query_reads_an_editions_curie_in_any_iri_parameter(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph query api/describe-resource -p resource=pcf74:20608`` (a parameter with no
    element domain) bound an IRI of the scheme ``pcf74`` and printed nothing, exit 0."""
    base = ["query", "api/describe-resource", "--release", str(release_dir), "-p"]
    full = run([*base, "resource=https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608"],
               capsys)  # fmt: skip
    code, out = run([*base, "resource=pcf74:20608"], capsys)
    assert full[0] == code == 0 and len(_graph(full[1])) > 0
    assert isomorphic(_graph(out), _graph(full[1]))


def _graph(turtle: str) -> Graph:
    return Graph().parse(data=turtle, format="turtle")
