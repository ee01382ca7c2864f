"""What a command prints when its stdout fails: a reader that left, a disk with no room."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = [sys.executable, "-c", "from pcfgraph.cli import entry; entry()", "export-schema"]


def test_stdout_closed_by_its_reader_is_exit_0_without_a_trace() -> None:
    """``pcfgraph export | head -1``: click turned the BrokenPipeError into exit status 1,
    which pcfgraph's commands use for "findings", so a script reading the status (or bash's
    pipefail) took a closed pipe for violations found."""
    env = {**os.environ, "PYTHONUNBUFFERED": ""}
    with subprocess.Popen(COMMAND, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader leaves before the command writes
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0
    assert err == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_stdout_on_a_full_disk_is_one_line_exit_2() -> None:
    """``pcfgraph export > out.nt`` on a full disk (or past ``ulimit -f``) was "internal
    error (OSError: [Errno 28] ...). This is a bug", exit 3."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run(COMMAND, stdout=full, stderr=subprocess.PIPE, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err == "pcfgraph: error: cannot write the output: No space left on device\n"


def test_a_character_the_locale_cannot_encode_is_printed_escaped() -> None:
    """Under a Latin-1 locale (``LANG=de_DE.ISO-8859-1``; here ``PYTHONIOENCODING``) text
    holding a character Latin-1 lacks (the schema's ellipsis, an element's curly quote) was
    "internal error (UnicodeEncodeError ...). This is a bug", exit 3."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    done = subprocess.run(COMMAND, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert b"with an ellipsis (\\u2026)" in done.stdout


def test_a_stdout_closed_from_the_start_is_a_reader_that_left() -> None:
    """``pcfgraph export >&-`` (a closed stdout, as some service wrappers leave it) was
    "internal error (AttributeError: 'NoneType' object has no attribute ...)", exit 3."""
    done = subprocess.run(
        COMMAND, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1), timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
