"""Every command that reads the graph's sources tells the user what the importer warned about
the sources they added, on stderr, once, as ``build`` and ``serve`` do (``validate``, ``diff``,
``audit``, ``search`` ... said nothing, and ``pcfgraph mcp`` neither; its stdout stays the
protocol's); the shipped data's own workbook warnings only where that data is built, checked or
published, not before every audit.

The CLI commands read the shipped data's release from the session's cache (conftest), whose
warnings are the reference; ``mcp`` builds a small graph of its own (a sources file without
the shipped data, a workbook with one warning) in a subprocess, over stdio."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mcp_support import INITIALIZE, tool_call
from test_build_warnings import MISMATCH, sources_file, warnings_in, workbook
from test_mcp_settings import COMMAND, _call, _env

from pcfgraph.cli import main
from pcfgraph.cli.common import opened_release, own_warnings, run_main
from pcfgraph.release_cache import open_release

ORGANISATION = "https://w3id.org/pcfgraph/orgmodel#Organisation"


def test_the_commands_reading_the_shipped_release_leave_out_its_own_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped Cross-Industry 7.4 workbook's two warnings were printed by every command:
    two lines about a workbook the user cannot change before every audit report. The commands
    that only read the graph leave them out; where that data is checked or published
    (``validate``, ``push``: ``opened_release(..., shipped_warnings=True)``; ``build``,
    ``serve``, ``mcp``) they are printed as before. (``validate`` itself is left out here:
    validating the whole shipped graph takes seconds.)"""
    release = open_release(None)
    assert release.warnings, "the shipped data has a workbook warning (the reference of this test)"
    assert release.shipped_warnings == release.warnings  # all of them the shipped data's own
    model = tmp_path / "model.ttl"  # the smallest model: the audit's cost is the release's
    model.write_text(f"<urn:x:org> a <{ORGANISATION}> .\n")
    edition = "apqc-pcf-cross-industry-7.4"
    for args in (
        ["diff", edition, edition, "--format", "json"],
        ["audit", str(model), "--format", "json"],
        ["search", "incident", "--format", "json"],
        ["mappings", "export", "--set", "derived"],
    ):
        code = run_main(main, args)
        out, err = capsys.readouterr()
        assert code in (0, 1), (args, err)
        assert warnings_in(err) == [], args
        if args[0] != "mappings":
            json.loads(out)  # stdout is the report alone
    opened_release(None, shipped_warnings=True)
    expected = [f"pcfgraph: warning: {w}" for w in release.warnings]
    assert warnings_in(capsys.readouterr().err) == expected


def test_a_warning_of_the_users_own_is_kept_in_the_same_words_as_a_shipped_one() -> None:
    """Only the shipped data's own warnings are left out, each once: a workbook of the user's
    warning in the very same words (a copy under the shipped name, edited) still warns."""
    from pcfgraph.release import Release

    shipped = "apqc-pcf-cross-industry-7.4.xlsx: sheet 'Combined', row 43: unreadable"
    release = Release(
        store=None,  # type: ignore[arg-type]
        manifest={},
        path=None,
        warnings=("note on the sources file", shipped, shipped, "added.xlsx: row 2"),
        shipped_warnings=(shipped,),
    )
    assert own_warnings(release) == ["note on the sources file", shipped, "added.xlsx: row 2"]


def test_the_shipped_warnings_are_those_of_the_packages_own_source_list(tmp_path: Path) -> None:
    """A workbook of the package's ``data/frameworks.yaml`` is the shipped data's; one of a
    sources file of the same name elsewhere, or added with ``--add``, is the user's."""
    from pcfgraph.assemble import _shipped_warnings
    from pcfgraph.resources import resource_dir
    from pcfgraph.sources import Entry, ImportedWorkbook

    raw = {"kind": "apqc-workbook", "files": ["wb.xlsx"]}
    entries = [
        Entry(raw, resource_dir("data"), "frameworks.yaml"),
        Entry(raw, tmp_path, "frameworks.yaml"),
        Entry(raw, tmp_path / "added", "--add"),
    ]
    workbooks = {
        e.files()[0]: ImportedWorkbook(
            e.files()[0], "f", "e", "v", b"", warnings=(f"{e.base}: {e.listed_in}",)
        )
        for e in entries
    }
    assert _shipped_warnings(entries, workbooks) == (f"{resource_dir('data')}: frameworks.yaml",)


def test_mcp_prints_the_warnings_on_stderr_and_keeps_stdout_for_the_protocol(
    tmp_path: Path,
) -> None:
    wb = workbook(tmp_path / "k01234-banking-v731.xlsx")
    env = _env(
        cache_dir=str(tmp_path / "cache"),
        sources_file=str(sources_file(tmp_path / "s.yaml", [])),
        add_workbooks=str(wb),
        query_workers="1",
    )
    proc = subprocess.Popen(
        COMMAND, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        initialized = _call(proc.stdin, proc.stdout, json.dumps(INITIALIZE).encode())
        assert initialized["result"]["serverInfo"]["name"] == "pcfgraph"
        line = json.dumps(tool_call("search", {"text": "Concept"})).encode()
        found = _call(proc.stdin, proc.stdout, line)
        assert found["result"]["structuredContent"]["hits"], found
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == b""  # nothing but the replies on stdout
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert warnings_in(err) == [f"pcfgraph: warning: {MISMATCH}"], err


def test_a_command_reads_the_graph_the_environment_adds_to_as_serve_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``PCFGRAPH_ADD_WORKBOOKS`` and ``PCFGRAPH_SOURCES_FILE`` add to the shipped data for
    ``serve`` and ``mcp``; ``search`` (any command opening the release) read the shipped data
    alone, another graph than the server beside it."""
    wb = workbook(tmp_path / "k01234-banking-v731.xlsx")
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PCFGRAPH_SOURCES_FILE", str(sources_file(tmp_path / "s.yaml", [])))
    monkeypatch.setenv("PCFGRAPH_ADD_WORKBOOKS", str(wb))
    code = run_main(main, ["search", "Concept", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    hits = json.loads(out)["hits"]
    assert {h["framework"] for h in hits} == {"apqc-pcf-banking-7.3.1"}, hits
    assert warnings_in(err) == [f"pcfgraph: warning: {MISMATCH}"]
