"""``pcfgraph serve`` loads and verifies its release in a thread while the app's imports run
(:class:`pcfgraph.cli.serve.ReleaseLoading`): the same release, the same checks, and a
release that fails them raises in the caller, with the thread ended (none may run across the
fork of ``--http-workers``)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from pcfgraph.cli.serve import ReleaseLoading
from pcfgraph.config import Settings
from pcfgraph.errors import ReleaseError
from pcfgraph.release import write_release
from pcfgraph.release_reload import load_verified_release
from pcfgraph.store import EmbeddedStore

G = ox.NamedNode("https://w3id.org/pcfgraph/id/graph/framework/a")


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    store = EmbeddedStore()
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    store.add_quads([ox.Quad(s, p, ox.Literal("one"), G), ox.Quad(s, p, ox.Literal("two"), G)])
    out = tmp_path / "rel"
    write_release(store, out, {}, verified=True)
    return out


@pytest.mark.parametrize("memory_quads", [10, 0])  # in memory, on disk
def test_the_release_loaded_beside_the_imports_is_the_verified_one(
    release_dir: Path, memory_quads: int
) -> None:
    settings = Settings(release=release_dir, worker_memory_store_quads=memory_quads)
    loading = ReleaseLoading(settings)
    release = loading.result()
    assert not loading.is_alive()
    expected = load_verified_release(settings)
    assert release.release_id == expected.release_id
    assert set(release.store.store) == set(expected.store.store)
    assert (release.store_path is None) == (expected.store_path is None)


def test_a_release_that_fails_its_checks_raises_in_the_caller(release_dir: Path) -> None:
    with open(release_dir / "graph.nq", "ab") as fh:
        fh.write(b'<urn:x> <urn:y> "z" <urn:g> .\n')
    loading = ReleaseLoading(Settings(release=release_dir, worker_memory_store_quads=10))
    with pytest.raises(ReleaseError, match="sha256 mismatch"):
        loading.result()
    assert not loading.is_alive()
