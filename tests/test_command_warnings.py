"""Every command that reads the graph's sources tells the user what the importer warned about,
on stderr, once, as ``build`` and ``serve`` do: ``validate``, ``diff``, ``audit``, ``search``
... said nothing (the shipped cross-industry workbook's unreadable change token, which
``pcfgraph serve`` prints), and ``pcfgraph mcp`` neither; its stdout stays the protocol's.

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
from pcfgraph.cli.common import run_main
from pcfgraph.release_cache import open_release

ORGANISATION = "https://w3id.org/pcfgraph/orgmodel#Organisation"


def test_the_commands_reading_the_shipped_release_print_its_warnings_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """(``validate`` opens the release the same way, :func:`pcfgraph.cli.common.opened_release`;
    left out here: validating the whole shipped graph takes seconds.)"""
    expected = [f"pcfgraph: warning: {w}" for w in open_release(None).warnings]
    assert expected, "the shipped data has a workbook warning (the reference of this test)"
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
        assert warnings_in(err) == expected, args
        if args[0] != "mappings":
            json.loads(out)  # stdout is the report alone


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
