"""Immutable releases: the assembled graph as N-Quads plus a manifest (sha256, counts).

A release directory holds ``graph.nq`` and ``manifest.json``. It is written to a temporary
sibling directory and renamed into place, so a crash mid-build never leaves a half-written
release; :func:`load_release` verifies checksum and counts before anything is served.

Replacing an existing release takes two renames (``rel`` -> ``.rel.old``, then the new one ->
``rel``). A process killed between them leaves no ``rel`` but an intact ``.rel.old``, which
:func:`load_release` then serves; the next publication puts a release back in place. At no point
is a half-written directory at either name.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from pcfgraph import __version__
from pcfgraph.errors import ReleaseError
from pcfgraph.files import dir_mode
from pcfgraph.store import EmbeddedStore

GRAPH_FILE = "graph.nq"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class Release:
    store: EmbeddedStore
    manifest: dict[str, Any]
    path: Path | None

    @property
    def release_id(self) -> str:
        return str(self.manifest["release_id"])


def canonical_nquads(store: EmbeddedStore) -> bytes:
    """Canonical N-Quads: the same graph always gives the same bytes and the same sha256.

    Blank nodes (RDF lists in the ontology and in derived-mapping chains) get fresh ids in
    every process, so they are renamed by W3C RDF Dataset Canonicalization (RDFC-1.0) before
    the lines are sorted.
    """
    dataset = ox.Dataset(store.store)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    lines = sorted(line for line in (data or b"").split(b"\n") if line.strip())
    return b"\n".join(lines) + b"\n"


def make_manifest(
    store: EmbeddedStore, data: bytes, sources: dict[str, list[str]]
) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    return {
        "release_id": sha[:16],
        "pcfgraph_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "graph_file": GRAPH_FILE,
        "format": "application/n-quads",
        "sha256": sha,
        "bytes": len(data),
        "quads": len(store),
        "graphs": store.counts_per_graph(),
        "sources": sources,
    }


#: Writes one extra file of a release (``write(store, path, release_id)``), e.g. the search
#: index: built once with the release instead of at every server start.
ArtefactWriter = Callable[[EmbeddedStore, Path, str], None]


def default_artefacts() -> dict[str, ArtefactWriter]:
    """The extra files every release carries, by file name."""
    from pcfgraph.services.search.release import SEARCH_INDEX_FILE, write_search_index

    return {SEARCH_INDEX_FILE: write_search_index}


def write_release(
    store: EmbeddedStore,
    out_dir: Path,
    sources: dict[str, list[str]],
    artefacts: dict[str, ArtefactWriter] | None = None,
) -> dict[str, Any]:
    """Write ``out_dir/graph.nq``, the artefacts (``default_artefacts()`` unless given) and
    ``out_dir/manifest.json`` atomically (rename into place). The manifest lists each
    artefact's sha256 under ``artefacts``."""
    data = canonical_nquads(store)
    manifest = make_manifest(store, data, sources)
    artefacts = default_artefacts() if artefacts is None else artefacts
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    os.chmod(tmp, dir_mode())  # mkdtemp makes it 0700; the release is for everyone
    old = previous_dir(out_dir)
    try:
        (tmp / GRAPH_FILE).write_bytes(data)
        if artefacts:
            manifest["artefacts"] = {}
        for name, write in sorted(artefacts.items()):
            write(store, tmp / name, manifest["release_id"])
            digest = hashlib.sha256((tmp / name).read_bytes()).hexdigest()
            manifest["artefacts"][name] = {"sha256": digest}
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for f in (GRAPH_FILE, MANIFEST_FILE, *sorted(artefacts)):
            with open(tmp / f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        if out_dir.exists():
            if old.exists():
                shutil.rmtree(old)
            out_dir.rename(old)
            try:
                tmp.rename(out_dir)  # killed before this: load_release falls back to `old`
            except BaseException:
                old.rename(out_dir)
                raise
            _fsync_dir(out_dir.parent)
            shutil.rmtree(old)
        else:
            # After a publication killed between its renames, `old` holds the last good
            # release until this one is in place; the next publication removes it.
            tmp.rename(out_dir)
            _fsync_dir(out_dir.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


#: Age after which a publication's temporary directory is taken as abandoned.
STALE_TEMP_SECONDS = 3600.0


def sweep_stale_temps(out_dir: Path, max_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove temporary directories of publications killed before their cleanup ran.

    A publication removes its own on any exception, but SIGKILL or a power cut leaves
    ``.<name>.<random>`` beside the release. Only directories untouched for ``max_age``
    go (a concurrent publication's is fresh); ``.<name>.old`` is the fallback, never swept.
    """
    removed: list[Path] = []
    keep = previous_dir(out_dir)
    now = time.time()
    for path in out_dir.parent.glob(glob.escape(f".{out_dir.name}.") + "*"):
        try:
            if path == keep or not path.is_dir() or now - path.stat().st_mtime < max_age:
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def previous_dir(path: Path) -> Path:
    """Where the replaced release waits while a new one is renamed into place."""
    return path.with_name(f".{path.name}.old")


def _fsync_dir(path: Path) -> None:
    """Make renames in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_release(path: Path) -> Release:
    """Load and verify a release directory; raise ReleaseError on any mismatch.

    When ``path`` is missing because a publication was killed between its two renames, the
    previous release (``.NAME.old`` beside it) is loaded instead.
    """
    if not path.exists() and (previous_dir(path) / MANIFEST_FILE).is_file():
        path = previous_dir(path)
    manifest_path = path / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        data = (path / manifest.get("graph_file", GRAPH_FILE)).read_bytes()
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"release {path}: cannot read manifest or graph: {exc}") from None
    sha = hashlib.sha256(data).hexdigest()
    if sha != manifest.get("sha256"):
        raise ReleaseError(
            f"release {path}: sha256 mismatch (manifest {manifest.get('sha256')}, file {sha})"
        )
    try:
        store = EmbeddedStore.from_nquads(data)
    except SyntaxError as exc:
        raise ReleaseError(f"release {path}: graph does not parse: {exc}") from None
    if len(store) != manifest.get("quads") or store.counts_per_graph() != manifest.get("graphs"):
        raise ReleaseError(f"release {path}: quad counts differ from the manifest")
    return Release(store=store, manifest=manifest, path=path)


def build_release() -> Release:
    """Assemble the shipped data in memory and describe it with a manifest (not written)."""
    from pcfgraph.assemble import assemble

    assembly = assemble()
    data = canonical_nquads(assembly.store)
    manifest = make_manifest(assembly.store, data, assembly.sources)
    manifest["build_seconds"] = round(assembly.seconds, 3)
    return Release(store=assembly.store, manifest=manifest, path=None)


def open_release(path: Path | None) -> Release:
    """The release a process serves: a verified release directory, or the shipped data."""
    return load_release(path) if path is not None else build_release()
