"""The files each generation of sandbox workers loads are removed only when no generation
still needs them (a failed reload of a remote store's release must not take the file the
workers in service are replaced from)."""

from __future__ import annotations

from pathlib import Path

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
