"""A release's on-disk store written in a process forked after its parent opened one: the
worker of ``pcfgraph serve --http-workers N`` that rebuilds the shipped data on a reload (a
workbook changed). RocksDB's background threads do not survive the fork, and its first flush
there waited forever: ``POST /admin/reload`` never answered (pcfgraph.store_dir)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from pcfgraph.store_dir import write_store_dir

DATA = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> <http://example.org/g> .\n"
#: Long enough for a fresh interpreter on a loaded machine; a hang never ends.
BOUND_SECONDS = 120


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_writes_a_store_after_its_parent_opened_one(tmp_path: Path) -> None:
    write_store_dir(DATA, tmp_path / "parent")  # RocksDB's threads started in this process
    pid = os.fork()
    if pid == 0:  # the child: exit 0 once written, 1 on an error
        code = 1
        try:
            write_store_dir(DATA, tmp_path / "child")
            code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + BOUND_SECONDS
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked process never finished writing its store")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert set(ox.Store.read_only(str(tmp_path / "child"))) == set(
        ox.Store.read_only(str(tmp_path / "parent"))
    )
