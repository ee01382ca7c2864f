"""A server's private temporary directories: removed when it stops, and by the next one when it
was killed; never one in use, nor anything that is not one of them (pcfgraph.private_dirs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pcfgraph.private_dirs import HELD, PrivateDir, sweep


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory private directories are made in, for this test alone."""
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def test_a_directory_is_held_until_closed_then_gone(tmp: Path) -> None:
    held = PrivateDir("pool-")
    assert held.path.parent == tmp and held.path.name.startswith("pcfgraph-pool-")
    (held.path / "graph-0.nq").write_bytes(b"")
    assert sweep() == [] and held.path.is_dir()  # in use: another opening cannot lock it
    held.close()
    assert not held.path.exists()
    held.close()  # twice is harmless


def test_a_killed_process_s_directory_goes_when_the_next_is_made(tmp: Path) -> None:
    code = (
        "import sys, tempfile; tempfile.tempdir = sys.argv[1]\n"
        "from pcfgraph.private_dirs import PrivateDir\n"
        "d = PrivateDir('pool-'); (d.path / 'graph-0.nq').write_bytes(b'x' * 1000)\n"
        "print(d.path, flush=True); sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(tmp)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        left = Path(proc.stdout.readline().strip())
        assert left.is_dir()
        assert sweep() == []  # the process lives: its directory stays
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert left.is_dir()  # nobody could remove it
    mine = PrivateDir()
    try:
        assert not left.exists()
        assert mine.path.is_dir()
    finally:
        mine.close()


def test_only_abandoned_private_directories_of_this_user_are_removed(tmp: Path) -> None:
    abandoned = tmp / "pcfgraph-pool-abandoned"
    abandoned.mkdir()
    (abandoned / HELD).write_bytes(b"")
    (abandoned / "graph-0.nq").write_bytes(b"x")
    unlocked = tmp / "pcfgraph-other-program"  # no lock file: not ours to judge
    unlocked.mkdir()
    (unlocked / "data").write_bytes(b"x")
    plain_file = tmp / "pcfgraph-a-file"
    plain_file.write_bytes(b"x")
    elsewhere = tmp.parent / "elsewhere"  # reached through a link: never followed
    elsewhere.mkdir()
    (elsewhere / HELD).write_bytes(b"")
    (tmp / "pcfgraph-link").symlink_to(elsewhere)
    foreign = tmp / "other-prefix"
    foreign.mkdir()
    (foreign / HELD).write_bytes(b"")

    assert sweep() == [abandoned]
    assert not abandoned.exists()
    assert (unlocked / "data").is_file() and plain_file.is_file()
    assert (elsewhere / HELD).is_file() and (foreign / HELD).is_file()


def test_a_socket_is_reachable_in_a_directory_whose_path_is_too_long_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("d" * 120)  # longer than a socket's path may be
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    held = PrivateDir()
    try:
        path = held.socket_path("metrics-1.sock")
        assert len(os.fsencode(path)) <= 107
        with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
            server.bind(str(path))
            server.listen(1)
            client.connect(str(path))
            assert (held.path / "metrics-1.sock").is_socket()
    finally:
        held.close()
    assert not held.path.exists()


def test_a_socket_in_a_short_directory_has_its_plain_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        monkeypatch.setattr(tempfile, "tempdir", short)
        held = PrivateDir()
        try:
            assert held.socket_path("metrics-1.sock") == held.path / "metrics-1.sock"
        finally:
            held.close()


def test_no_writable_temporary_directory_is_one_line_saying_to_set_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A container with a read-only root and no tmpfs at /tmp: ``pcfgraph serve`` and every
    command on a release were "internal error (FileNotFoundError: No usable temporary
    directory ...). This is a bug", exit 3."""
    import pyoxigraph as ox

    from pcfgraph.errors import PcfgraphError
    from pcfgraph.release import load_release, write_release
    from pcfgraph.store import EmbeddedStore

    store = EmbeddedStore()
    store.add_quads([ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))])
    write_release(store, tmp_path / "rel", {})
    not_a_dir = tmp_path / "a-file"  # no directory to write in, for root too
    not_a_dir.write_text("", encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(tempfile, "_candidate_tempdir_list", lambda: [str(not_a_dir)])
    wanted = r"^no writable temporary directory: .*; set TMPDIR to a writable directory"
    with pytest.raises(PcfgraphError, match=wanted):
        PrivateDir("pool-")
    with pytest.raises(PcfgraphError, match=wanted):
        load_release(tmp_path / "rel")  # its store's private snapshot
