"""Small releases are served from one in-memory store, large ones from their on-disk store,
and both are verified against the manifest exactly as strictly."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from pcfgraph.config import Settings
from pcfgraph.errors import ReleaseError
from pcfgraph.release import load_release, served_in_memory, write_release
from pcfgraph.release_reload import load_verified_release
from pcfgraph.sandbox.release_data import ReleaseData
from pcfgraph.store import EmbeddedStore

G1 = ox.NamedNode("https://w3id.org/pcfgraph/id/graph/framework/a")
G2 = ox.NamedNode("https://w3id.org/pcfgraph/id/graph/framework/b")


def three_quads() -> EmbeddedStore:
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    store = EmbeddedStore()
    store.add_quads(
        [
            ox.Quad(s, p, ox.Literal("one"), G1),
            ox.Quad(s, p, ox.Literal("one"), G2),
            ox.Quad(s, p, ox.Literal("two"), G2),
        ]
    )
    return store


def quads(store: EmbeddedStore) -> set[ox.Quad]:
    return set(store.store)


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    out = tmp_path / "rel"
    write_release(three_quads(), out, {}, verified=True)
    return out


def writable(store: EmbeddedStore) -> bool:
    """An in-memory store takes a quad; the read-only on-disk one refuses it."""
    quad = ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"), G1)
    try:
        store.store.add(quad)
    except (OSError, RuntimeError):  # "only possible on read-write instances"
        return False
    store.store.remove(quad)
    return True


@pytest.mark.parametrize("check_graph_file", [True, False])
def test_a_release_within_the_limit_is_loaded_into_memory(
    release_dir: Path, check_graph_file: bool
) -> None:
    on_disk = load_release(release_dir, check_graph_file=check_graph_file, memory_quads=2)
    in_memory = load_release(release_dir, check_graph_file=check_graph_file, memory_quads=3)
    assert on_disk.store_path is not None and not writable(on_disk.store)
    assert in_memory.store_path is None and writable(in_memory.store)
    assert quads(in_memory.store) == quads(on_disk.store) == quads(three_quads())


def test_the_limit_is_inclusive_and_zero_means_never() -> None:
    manifest = {"quads": 3}
    assert served_in_memory(manifest, 3)
    assert not served_in_memory(manifest, 2)
    assert not served_in_memory(manifest, 0)
    assert not served_in_memory({}, 3)


def test_an_in_memory_release_is_verified_as_strictly(release_dir: Path) -> None:
    with open(release_dir / "graph.nq", "ab") as fh:
        fh.write(b'<urn:x> <urn:y> "z" <urn:g> .\n')
    with pytest.raises(ReleaseError, match="sha256"):
        load_release(release_dir, memory_quads=10)
    # The release cache skips the file's checksum on disk; the bytes loaded are checked.
    with pytest.raises(ReleaseError, match="sha256"):
        load_release(release_dir, check_graph_file=False, memory_quads=10)


def test_in_memory_counts_must_match_the_manifest(release_dir: Path) -> None:
    manifest = json.loads((release_dir / "manifest.json").read_text())
    manifest["graphs"] = {G1.value: 2, G2.value: 1}
    (release_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ReleaseError, match="counts"):
        load_release(release_dir, check_graph_file=False, memory_quads=10)


def test_the_server_and_its_workers_decide_alike(release_dir: Path) -> None:
    for limit, in_memory in ((3, True), (2, False), (0, False)):
        settings = Settings(release=release_dir, worker_memory_store_quads=limit)
        served = load_verified_release(settings)
        assert (served.store_path is None) is in_memory
        assert ReleaseData(limit).in_memory(served) is in_memory
