"""``--format`` and ``-o`` together: the suffix names the format when ``--format`` is left out,
the two disagreeing is refused (exit 2, both named, nothing written) on every command having
both; a binary format is never printed on a terminal."""

from __future__ import annotations

import json
import os
import pty
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from audit_support import AS_OF, FINDINGS
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_main(main, args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def audit_args(release_dir: Path) -> list[str]:
    return ["audit", str(FINDINGS), "--release", str(release_dir), "--as-of", AS_OF.isoformat()]


@pytest.mark.parametrize(
    ("command", "fmt", "name"),
    [
        (["audit"], "json", "findings.xlsx"),
        (["audit"], "xlsx", "findings.csv"),
        (["audit"], "xlsx", "findings.txt"),  # a text file holds any text, never a workbook
        (["audit"], "text", "report.html"),
        (["export"], "turtle", "graph.nt"),
        (["export", "--framework", "apqc-pcf-cross-industry-7.4"], "csv", "pcf.xlsx"),
        (["diff", "old.xlsx", "new.xlsx"], "json", "changes.csv"),
        (["mappings", "export", "--set", "pcf-8.1-to-prm-it-a2"], "sssom-tsv", "m.sssom.json"),
        (["mappings", "diff", "old.sssom.tsv", "new.sssom.tsv"], "csv", "changes.json"),
        (["import", "apqc", "pcf.xlsx"], "nt", "pcf.ttl"),
    ],
)
def test_a_format_the_output_files_suffix_contradicts_is_refused(
    command: list[str],
    fmt: str,
    name: str,
    release_dir: Path,
    mini_release: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``pcfgraph audit ... --format json -o findings.xlsx`` wrote JSON into a file Excel
    refuses to open (and so did every command with both options); it is a usage error naming
    both, before anything is read, and no file is written."""
    out = tmp_path / name
    args = [*command, "--format", fmt, "-o", str(out)]
    if command == ["audit"]:
        args = [*audit_args(release_dir), "--format", fmt, "-o", str(out)]
    elif command[0] == "export" or command[:2] == ["mappings", "export"]:
        args += ["--release", str(mini_release)]
    code, stdout, err = run(args, capsys)
    assert code == 2, err
    assert f"--format {fmt}" in err and f"-o {out}" in err and "disagree" in err
    assert stdout == "" and not out.exists()


@pytest.mark.parametrize("given", [True, False], ids=["format-given", "format-left-out"])
@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["mappings", "diff", "old.sssom.tsv", "new.sssom.tsv"], "changes.xlsx"),
        (["diff", "old.xlsx", "new.xlsx"], "changes.ods"),
        (["import", "apqc", "pcf.xlsx"], "pcf.zip"),
    ],
)
def test_an_office_or_archive_file_a_command_does_not_write_is_refused(
    command: list[str], name: str, given: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph mappings diff a b --format csv -o changes.xlsx`` wrote CSV into a file Excel
    refuses (the command writes no workbook, so no format of its own contradicted the
    suffix), and without ``--format`` a text table: refused as a usage error naming the file
    and the suffixes the command writes, nothing written."""
    out = tmp_path / name
    args = [*command, *(["--format", "csv"] if given and command[0] != "import" else [])]
    code, stdout, err = run([*args, "-o", str(out)], capsys)
    assert code == 2, err
    assert f"-o {out}" in err and f"writes no {out.suffix} file" in err
    assert stdout == "" and not out.exists()


def test_the_suffix_names_the_format_when_format_is_left_out(
    mini_release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph export -o graph.nt`` wrote Turtle (prefixes, ``;``) into graph.nt, which an
    N-Triples reader refuses; the suffix names the format as audit's does."""
    graphs = {}
    for name, syntax in (("graph.nt", "nt"), ("graph.ttl", "turtle"), ("graph.jsonld", "json-ld")):
        out = tmp_path / name
        code, _, err = run(["export", "--release", str(mini_release), "-o", str(out)], capsys)
        assert code == 0, err
        graphs[name] = Graph().parse(out, format=syntax)
    assert len(graphs["graph.ttl"]) > 0
    assert isomorphic(graphs["graph.nt"], graphs["graph.ttl"])
    assert isomorphic(graphs["graph.jsonld"], graphs["graph.ttl"])


def test_a_text_file_takes_any_text_format(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``.txt`` names the text report when --format is left out and holds any text format
    asked for (JSON here); only a binary one is refused into it (above)."""
    out = tmp_path / "report.txt"
    code, _, err = run([*audit_args(release_dir), "--format", "json", "-o", str(out)], capsys)
    assert code == 1, err
    assert json.loads(out.read_text(encoding="utf-8"))["conforms"] is False


@contextmanager
def terminal_stdout() -> Iterator[int]:
    """stdout a real terminal (a pseudo-terminal's slave end) inside the block (set in the
    test's body: pytest re-installs its capture when the call phase starts); yields the
    master's fd, to read what was printed."""
    master, slave = pty.openpty()
    tty = os.fdopen(slave, "w", encoding="utf-8")
    saved = sys.stdout
    sys.stdout = tty
    try:
        yield master
    finally:
        sys.stdout = saved
        tty.close()
        os.close(master)


def printed(master: int) -> bytes:
    os.set_blocking(master, False)
    try:
        return os.read(master, 65536)
    except BlockingIOError:
        return b""


@pytest.mark.parametrize(
    "command",
    [["audit"], ["export", "--framework", "apqc-pcf-cross-industry-7.4"]],
)
def test_a_workbook_is_never_printed_on_a_terminal(
    command: list[str],
    release_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--format xlsx`` with no ``-o`` and stdout a terminal: refused (exit 2) saying to give
    -o or redirect, and not a byte of the workbook reaches the terminal."""
    args = audit_args(release_dir) if command == ["audit"] else [*command]
    if command[0] == "export":
        args += ["--release", str(release_dir)]
    with terminal_stdout() as master:
        code = run_main(main, [*args, "--format", "xlsx"])
        sys.stdout.flush()
        assert printed(master) == b""
    err = capsys.readouterr().err
    assert code == 2
    assert "-o FILE.xlsx" in err and "redirect" in err


def test_a_workbook_goes_to_redirected_stdout(
    release_dir: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """stdout redirected (not a terminal): the workbook's bytes, as ``> findings.xlsx`` wants."""
    code = run_main(main, [*audit_args(release_dir), "--format", "xlsx"])
    assert code == 1
    assert capsysbinary.readouterr().out.startswith(b"PK\x03\x04")


ESCAPES = """@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:x:org> a orgm:Organisation ; rdfs:label "Org" .
<urn:x:p> a orgm:Process ; rdfs:label "Proc\\u001b[2J\\u001b]0;pwned\\u0007 \\u202eevil" .
"""


def test_findings_printed_on_a_terminal_have_their_control_characters_shown(
    release_dir: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A process named with ``ESC [2J`` (clear the screen) and ``ESC ]0;...`` (set the window
    title) reached the auditor's terminal as is when the findings were printed as CSV (the
    text report shows them escaped): on a terminal they are shown as ``\\x1b``; piped, the
    CSV shows them so too, as every findings table does (the spreadsheet it is opened in
    would show the override's line turned around, the controls not at all)."""
    model = tmp_path / "org.ttl"
    model.write_text(ESCAPES, encoding="utf-8")
    args = [*audit_args(release_dir)[:1], str(model), *audit_args(release_dir)[2:], "-f", "csv"]
    chunks: list[bytes] = []
    with terminal_stdout() as master:
        reader = threading.Thread(target=drain, args=(master, chunks))
        reader.start()
        code = run_main(main, args)
        sys.stdout.flush()
        sys.stdout.close()  # the reader sees the end of the output
        reader.join(timeout=30)
    shown = b"".join(chunks).decode("utf-8")
    assert code == 1
    assert "Proc\\x1b[2J\\x1b]0;pwned\\x07 \\u202eevil" in shown
    assert "\x1b" not in shown and "\u202e" not in shown
    capsysbinary.readouterr()
    assert run_main(main, args) == 1
    piped = capsysbinary.readouterr().out.decode("utf-8")
    assert "Proc\\x1b[2J\\x1b]0;pwned\\x07 \\u202eevil" in piped
    assert "\x1b" not in piped and "\u202e" not in piped


def drain(master: int, into: list[bytes]) -> None:
    """Read a pseudo-terminal's output until its slave end is closed."""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the slave end closed
            return
        if not chunk:
            return
        into.append(chunk)


def test_dash_as_output_is_stdout(
    release_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``pcfgraph audit model -f json -o -`` (stdout, as for most tools) wrote a file named
    ``-`` in the current folder and printed nothing."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run([*audit_args(release_dir), "-f", "json", "-o", "-"], capsys)
    assert code == 1, err
    assert json.loads(out)["conforms"] is False
    assert list(tmp_path.iterdir()) == []
