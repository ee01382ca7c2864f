"""``pcfgraph audit``: exit codes, formats, output files, bad input with file/line/column."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from audit_support import (
    AS_OF,
    CONFORMING,
    FINDINGS,
    LITERAL_FOCUS_FINDINGS,
    literal_focus_model,
)
from rdflib import RDF, Graph

from pcfgraph import iris
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI; audits of the example models are as of AS_OF (their agreements run
    through 2025)."""
    if args[:1] == ["audit"] and "--release" in args and "--as-of" not in args:
        args = [*args, "--as-of", AS_OF.isoformat()]
    code = run_main(main, args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_conforming_exits_0(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["audit", str(CONFORMING), "--release", str(release_dir)], capsys)
    assert code == 0
    assert "conforms" in out.splitlines()[-1]


def test_the_conforming_example_conforms_with_no_date_given(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It states the day it describes (orgm:describedAsOf 2025-07-15): audited without
    --as-of it is judged on that day, not on today, and says so."""
    code = run_main(main, ["audit", str(CONFORMING), "--release", str(release_dir)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[1].startswith("as of 2025-07-15 (stated by the model);")


def test_findings_exit_1_and_json_report(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["audit", str(FINDINGS), "--format", "json", "--release", str(release_dir)], capsys
    )
    assert code == 1
    doc = json.loads(out)
    assert doc["conforms"] is False
    assert any(
        r["shape"] == iris.SHAPES_BASE + "CustomerTeamDeliveryManagerShape"
        and r["focusNode"] == "https://example.org/contoso/team-operations"
        for r in doc["results"]
    )


def test_turtle_report_is_a_shacl_validation_report(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "report.ttl"
    code, _, err = run(
        [
            "audit",
            str(FINDINGS),
            "-f",
            "turtle",
            "-o",
            str(out_file),
            "--release",
            str(release_dir),
        ],
        capsys,
    )
    assert code == 1
    assert "does not conform" in err
    g = Graph().parse(out_file, format="turtle")
    sh = iris.SH
    reports = list(g.subjects(RDF.type, sh.ValidationReport))
    assert len(reports) == 1
    assert str(g.value(reports[0], sh.conforms)) == "false"
    focus = {
        (str(g.value(r, sh.sourceShape)), str(g.value(r, sh.focusNode)))
        for r in g.objects(reports[0], sh.result)
    }
    assert (
        iris.SHAPES_BASE + "CustomerPurchaserShape",
        "https://example.org/contoso/warehousing",
    ) in focus


def test_html_output_file(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "report.html"
    code, out, _ = run(
        ["audit", str(FINDINGS), "-f", "html", "-o", str(out_file), "--release", str(release_dir)],
        capsys,
    )
    assert code == 1 and out == ""
    assert out_file.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_several_files_form_one_model(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The customer documents in a second file satisfy the rules for the first file's customer."""
    g = Graph().parse(CONFORMING, format="turtle")
    docs = Graph()
    orgm = iris.ORGM
    for s, p, o in list(g):
        if p in (orgm.budget, orgm.activityPlan):
            docs.add((s, p, o))
            g.remove((s, p, o))
    (tmp_path / "a.ttl").write_text(g.serialize(format="turtle"), encoding="utf-8")
    (tmp_path / "b.jsonld").write_text(docs.serialize(format="json-ld"), encoding="utf-8")
    code, _, _ = run(["audit", str(tmp_path / "a.ttl"), "--release", str(release_dir)], capsys)
    assert code == 1
    code, _, _ = run(
        [
            "audit",
            str(tmp_path / "a.ttl"),
            str(tmp_path / "b.jsonld"),
            "--release",
            str(release_dir),
        ],
        capsys,
    )
    assert code == 0


def test_literal_focus_node_exits_1_with_the_finding(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A literal where a node is expected (orgm:serviceTarget "...") is a finding, not a
    traceback (it crashed the labeller with a ValueError)."""
    model = tmp_path / "literal.ttl"
    model.write_text(literal_focus_model(), encoding="utf-8")
    code, out, err = run(
        ["audit", str(model), "--format", "json", "--release", str(release_dir)], capsys
    )
    assert code == 1, err
    assert "Traceback" not in err
    found = {
        (r["shape"].removeprefix(iris.SHAPES_BASE), r["focusNode"], r["focusLabel"])
        for r in json.loads(out)["results"]
    }
    assert found == LITERAL_FOCUS_FINDINGS
    for fmt in ("text", "turtle", "html"):
        code, out, err = run(
            ["audit", str(model), "-f", fmt, "--release", str(release_dir)], capsys
        )
        assert code == 1 and "99.5 percent availability" in out, (fmt, err)


def test_format_and_output_options(capsys: pytest.CaptureFixture[str]) -> None:
    """The public options: --format/-f text|json|turtle|html|csv|xlsx (default text),
    -o/--output FILE."""
    code, out, _ = run(["audit", "--help"], capsys)
    assert code == 0
    assert "-f, --format [text|json|turtle|html|csv|xlsx]" in out and "[default: text]" in out
    assert "-o, --output FILE" in out
    code, _, err = run(["audit", "-f", "xml", "model.ttl"], capsys)
    assert code == 2 and "'xml' is not one of" in err


def test_parse_error_exits_2_with_file_line_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text(
        '@prefix ex: <https://example.org/> .\nex:a ex:b "unterminated .\n', encoding="utf-8"
    )
    code, _, err = run(["audit", str(bad)], capsys)
    assert code == 2
    assert str(bad) in err and "line 2" in err and "column" in err


def test_unknown_extension_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "model.docx"
    bad.write_bytes(b"PK")
    code, _, err = run(["audit", str(bad)], capsys)
    assert code == 2 and "model.docx" in err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["audit", str(tmp_path / "nope.ttl")], capsys)
    assert code == 2 and "nope.ttl" in err


def test_fail_on_baseline_profile_and_max_findings(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rel = ["--release", str(release_dir)]
    before = tmp_path / "before.json"
    code, _, _ = run(["audit", str(FINDINGS), "-f", "json", "-o", str(before), *rel], capsys)
    assert code == 1
    # the same model against itself: nothing new, so --fail-on new passes
    code, out, _ = run(
        ["audit", str(FINDINGS), "-f", "json", "--baseline", str(before), "--fail-on", "new", *rel],
        capsys,
    )
    doc = json.loads(out)
    assert code == 0
    assert doc["baseline"]["new"] == 0 and doc["baseline"]["resolved"] == 0
    assert {r["status"] for r in doc["results"]} == {"unchanged"}
    code, out, _ = run(
        ["audit", str(FINDINGS), "-f", "json", "--max-findings", "3", "--profile", "strict", *rel],
        capsys,
    )
    doc = json.loads(out)
    assert code == 1 and doc["truncated"] and len(doc["results"]) == 3
    assert doc["profile"]["name"] == "strict"
    code, _, err = run(["audit", str(FINDINGS), "--profile", "nope", *rel], capsys)
    assert code == 2 and "unknown profile" in err
    code, _, err = run(["audit", str(FINDINGS), "--baseline", str(FINDINGS), *rel], capsys)
    assert code == 2 and "not JSON" in err


def test_the_report_format_follows_the_output_files_extension(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``-o report.html`` without ``--format`` wrote the text report into report.html (a
    browser shows it as one run-on paragraph); the extension now names the format (an
    explicit ``--format`` naming another is refused: tests/test_cli_output_format.py)."""
    base = ["audit", str(FINDINGS), "--release", str(release_dir)]
    html, as_json, turtle = tmp_path / "r.HTML", tmp_path / "r.json", tmp_path / "r.ttl"
    for path in (html, as_json, turtle):
        assert run([*base, "-o", str(path)], capsys)[0] == 1
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert json.loads(as_json.read_text(encoding="utf-8"))["conforms"] is False
    g = Graph().parse(turtle, format="turtle")
    assert len(list(g.subjects(RDF.type, iris.SH.ValidationReport))) == 1
    text = tmp_path / "r.txt"
    assert run([*base, "-f", "text", "-o", str(text)], capsys)[0] == 1
    assert text.read_text(encoding="utf-8").startswith("audit of ")
    other = tmp_path / "report.out"
    assert run([*base, "-o", str(other)], capsys)[0] == 1
    assert other.read_text(encoding="utf-8").startswith("audit of ")


def test_the_report_never_replaces_the_model_audited(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``pcfgraph audit model.ttl -o model.ttl`` wrote the report over the organisation's
    model; it is refused (exit 2) with the model left as it was."""
    model = tmp_path / "model.ttl"
    model.write_bytes(FINDINGS.read_bytes())
    code, out, err = run(
        [
            "audit",
            str(model),
            "-o",
            str(tmp_path / "." / "model.ttl"),
            "--release",
            str(release_dir),
        ],
        capsys,
    )
    assert code == 2 and out == ""
    assert "is the model" in err and "another file" in err
    assert model.read_bytes() == FINDINGS.read_bytes()


def test_the_report_names_what_it_was_checked_against(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An auditor signs a report against named standards; the report named neither the
    frameworks, nor the release, nor the pcfgraph version. JSON ``checkedAgainst`` does, and
    the text and HTML reports say it on their first lines."""
    from pcfgraph.release import load_release

    release_id = load_release(release_dir).release_id
    base = ["audit", str(FINDINGS), "--release", str(release_dir)]
    code, out, _ = run([*base, "-f", "json"], capsys)
    assert code == 1
    against = json.loads(out)["checkedAgainst"]
    assert against["release"] == release_id
    assert against["pcfgraph"]
    frameworks = {f["id"]: f for f in against["frameworks"]}
    assert {"apqc-pcf-cross-industry-7.4", "prm-it", "it-cmf", "trim"} <= set(frameworks)
    assert frameworks["apqc-pcf-cross-industry-7.4"]["version"] == "7.4"
    assert frameworks["prm-it"]["title"] == "IBM Process Reference Model for IT (PRM-IT)"
    line = next(x for x in run(base, capsys)[1].splitlines() if x.startswith("checked against"))
    assert "IBM Process Reference Model for IT (PRM-IT) V3" in line
    assert f"release {release_id}" in line and "Cross-Industry 7.4" in line
    html = tmp_path / "r.html"
    run([*base, "-f", "html", "-o", str(html)], capsys)
    assert f"release {release_id}" in html.read_text(encoding="utf-8")


def test_a_model_over_the_size_limit_is_told_how_to_read_it(
    release_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Archi model of 45 MB, most of it views the audit does not read, was refused 'over
    the limit of 33554432 bytes (the max_upload_bytes setting)', a server's setting the
    auditor had no flag for. --max-bytes (as --max-triples) reads it, and the refusal says
    which flag raises the limit."""
    size = len(FINDINGS.read_bytes())
    monkeypatch.setenv("PCFGRAPH_MAX_UPLOAD_BYTES", str(size - 1))
    base = ["audit", str(FINDINGS), "--release", str(release_dir), "-f", "json"]
    code, out, err = run(base, capsys)
    assert code == 2 and out == ""
    assert f"{size} bytes is over the limit" in err and "give --max-bytes N" in err
    code, out, _ = run([*base, "--max-bytes", str(size)], capsys)
    assert code == 1 and json.loads(out)["conforms"] is False
    code, _, err = run([*base, "--max-bytes", str(size), "--max-triples", "5"], capsys)
    assert code == 2 and "more than 5 triples" in err and "give --max-triples N" in err


def test_a_model_over_the_size_limit_is_refused_before_it_is_read_whole(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The CLI read a model file whole before checking its size: a multi-gigabyte file given
    by mistake filled memory only to be refused. It stops reading past the limit now. Shown
    with a pipe whose writer keeps it open after writing more than the limit: a reader that
    wants the whole file waits for the writer; this one is refused while the writer waits
    (it closes the pipe only once the command has returned, or after 60 s)."""
    fifo = tmp_path / "model.ttl"
    os.mkfifo(fifo)
    returned, closed = threading.Event(), threading.Event()

    def writer() -> None:
        with fifo.open("wb") as f:
            f.write(b"# a comment line of a model far over the limit\n" * 100)
            f.flush()
            returned.wait(60)
        closed.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        code, out, err = run(
            ["audit", str(fifo), "--release", str(release_dir), "--max-bytes", "1000"], capsys
        )
        refused_while_open = not closed.is_set()
    finally:
        returned.set()
        thread.join()
    assert code == 2 and out == ""
    assert f"{fifo}: 1001 bytes or more is over the limit of 1000 bytes" in err
    assert "give --max-bytes N" in err
    assert refused_while_open


def test_an_output_that_cannot_be_written_is_bad_input_not_a_bug(
    release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``-o reports/q3.html`` where ``reports`` is a file, or ``-o`` a loop of symbolic links,
    ended the audit in 'internal error ... This is a bug' (exit 3), the first found only
    after the whole audit had run. Both are exit 2 naming the -o; the folder is checked
    before the model is read."""
    (tmp_path / "reports").write_text("not a folder", encoding="utf-8")
    base = ["audit", str(FINDINGS), "--release", str(release_dir)]
    code, out, err = run([*base, "-o", str(tmp_path / "reports" / "q3.html")], capsys)
    assert code == 2 and out == ""
    assert f"cannot write -o {tmp_path / 'reports' / 'q3.html'}" in err and "internal" not in err
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "back")
    (tmp_path / "back").symlink_to(loop)
    code, out, err = run([*base, "-o", str(loop)], capsys)
    assert code == 2 and f"cannot write -o {loop}" in err and "internal" not in err
