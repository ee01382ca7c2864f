"""The files each generation of sandbox workers loads are removed only when no generation
still needs them (a failed reload of a remote store's release must not take the file the
workers in service are replaced from), and hold only the graph the server verified (a release
directory republished after its check is not linked: the verified store is written instead)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from ops_support import publish

from pcfgraph.release import Release, file_identity, load_release
from pcfgraph.sandbox.release_data import ReleaseData


def _data_with(files: dict[int, Path]) -> ReleaseData:
    data = ReleaseData(memory_store_quads=0)
    data.files.update(files)
    return data


def test_a_failed_generation_sharing_the_file_in_service_leaves_it(tmp_path: Path) -> None:
    shared = tmp_path / "graph-0.nq"
    shared.write_text("")
    data = _data_with({0: shared, 1: shared})
    data.discard(1)
    assert shared.is_file()
    assert data.files == {0: shared}


def test_a_failed_generation_with_its_own_file_removes_it(tmp_path: Path) -> None:
    current, failed = tmp_path / "graph-0.nq", tmp_path / "graph-1.nq"
    current.write_text("")
    failed.write_text("")
    data = _data_with({0: current, 1: failed})
    data.discard(1)
    assert current.is_file() and not failed.exists()
    assert data.files == {0: current}


def test_a_released_generation_removes_its_file_unless_shared(tmp_path: Path) -> None:
    old, new = tmp_path / "graph-0.nq", tmp_path / "graph-1.nq"
    old.write_text("")
    new.write_text("")
    data = _data_with({0: old, 1: old, 2: new})
    data.release(0)
    assert old.is_file()  # generation 1 still loads it
    data.release(1)
    assert not old.exists() and new.is_file()


def test_an_on_disk_store_directory_is_never_removed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    data = _data_with({0: store})
    data.release(0)
    assert store.is_dir()


def _republished(tmp_path: Path, variant: int) -> tuple[Release, ReleaseData]:
    """A release loaded (and its graph file hashed) from a directory that is then published
    again before the pool links its graph file: ``variant`` 0 gives the same bytes."""
    rel = tmp_path / "rel"
    publish(rel)
    release = load_release(rel, memory_quads=10**9)  # in memory: graph.nq read and hashed
    publish(rel, variant=variant)  # renamed into place: another file at rel/graph.nq
    data = ReleaseData(memory_store_quads=10**9)
    data.open()
    return release, data


def quads_of(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_a_graph_file_replaced_after_verification_never_reaches_the_workers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    release, data = _republished(tmp_path, variant=2)
    assert release.path is not None
    replacement = quads_of(release.path / "graph.nq")
    verified = set(release.store.store)
    assert replacement != verified
    try:
        with caplog.at_level(logging.WARNING, logger="pcfgraph.sandbox"):
            data.write(release, 0, 0)
        served = data.files[0]
        assert quads_of(served) == verified  # the verified release's store, not the new file
        assert not os.path.samefile(served, release.path / "graph.nq")
        assert quads_of(release.path / "graph.nq") == replacement  # not written through
        assert any("replaced after the release was verified" in m for m in caplog.messages)
    finally:
        data.close()


def test_a_republished_graph_file_with_the_verified_bytes_is_served(tmp_path: Path) -> None:
    release, data = _republished(tmp_path, variant=0)
    assert release.path is not None
    linked = os.stat(release.path / "graph.nq")
    assert file_identity(linked) != release.graph_file  # another file: hashed again
    try:
        data.write(release, 0, 0)
        got = hashlib.sha256(data.files[0].read_bytes()).hexdigest()
        assert got == release.manifest["sha256"]
    finally:
        data.close()
