"""Immutable releases: the assembled graph as N-Quads plus a manifest (sha256, counts).

A release directory holds ``graph.nq`` and ``manifest.json``, and (since releases are shared by
processes) ``store/``, the same graph as an on-disk pyoxigraph store that the server and every
sandbox worker open read-only, so memory grows with the graph once, not once per process;
artefacts built with the release (the search index; :func:`default_artefacts`) sit beside them.
A process opens a *snapshot* of ``store/`` (hard links to its immutable files in a directory of
its own), so a release directory replaced by a later publication never pulls files from under
a running server. It is written to a temporary
sibling directory and renamed into place, so a crash mid-build never leaves a half-written
release; :func:`load_release` verifies checksum and counts before anything is served.

Replacing an existing release takes two renames (``rel`` -> ``.rel.old``, then the new one ->
``rel``). A process killed between them leaves no ``rel`` but an intact ``.rel.old``, which
:func:`load_release` then serves; the next publication puts a release back in place. At no point
is a half-written directory at either name.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import secrets
import shutil
import stat
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from pcfgraph import __version__
from pcfgraph.errors import InputError, ReleaseError
from pcfgraph.files import file_mode
from pcfgraph.private_dirs import temp_dir
from pcfgraph.queries import NamedQuery
from pcfgraph.store import EmbeddedStore
from pcfgraph.store_dir import write_store_dir

if TYPE_CHECKING:
    from pcfgraph.sources import ExtraSources

GRAPH_FILE = "graph.nq"
MANIFEST_FILE = "manifest.json"
STORE_DIR = "store"
#: A cached release's warnings of its build (:mod:`pcfgraph.release_cache`; never published).
BUILD_WARNINGS_FILE = "build-warnings.json"


#: What tells one file's bytes from another's: device, inode, size, modification time (ns).
FileIdentity = tuple[int, int, int, int]


def file_identity(st: os.stat_result) -> FileIdentity:
    """The :data:`FileIdentity` of a file's ``stat``: a hard link to it has the same; a file
    renamed over it (a republished release) has another inode."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class Release:
    store: EmbeddedStore
    manifest: dict[str, Any]
    path: Path | None
    #: The on-disk store (a private snapshot) every process opens read-only; None in memory.
    store_path: Path | None = None
    #: The canonical N-Quads the manifest was made from, kept by :func:`build_release` until
    #: the release is written (canonicalizing a large graph twice cost tens of seconds).
    nquads: bytes | None = field(default=None, repr=False, compare=False)
    #: Graphs that passed the framework shapes alone when imported (set by
    #: :func:`build_release`; :func:`pcfgraph.release_verify.verify_release` runs the rest).
    validated_graphs: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    #: The graph file whose bytes :func:`load_release` checked against the manifest's sha256
    #: (:func:`file_identity`); None when it read none (:func:`check_graph_copy` hashes then).
    graph_file: FileIdentity | None = field(default=None, repr=False, compare=False)
    #: What its build warned about (:attr:`pcfgraph.assemble.Assembly.warnings`), not part of it,
    #: and those of them about the shipped data's own workbooks (``Assembly.shipped_warnings``).
    warnings: tuple[str, ...] = field(default=(), repr=False, compare=False)
    shipped_warnings: tuple[str, ...] = field(default=(), repr=False, compare=False)
    #: Mapping records -> the SSSOM file and line each was read from (build_release's).
    record_lines: Mapping[str, tuple[str, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def release_id(self) -> str:
        return str(self.manifest["release_id"])


def canonical_nquads(store: EmbeddedStore) -> bytes:
    """Canonical N-Quads: the same graph always gives the same bytes and the same sha256.

    Blank nodes (RDF lists in the ontology and in derived-mapping chains) get fresh ids in
    every process, so they are renamed by W3C RDF Dataset Canonicalization (RDFC-1.0) before
    the lines are sorted. Only the graphs that hold a blank node (and the default graph) go
    through it: RDFC-1.0 labels depend on the quads that mention blank nodes alone, so the
    bytes are those of canonicalizing the whole dataset, without hashing half a million quads
    that have none (the framework graphs).
    """
    blank_graphs = {
        g
        for row in store.select(named_release_query("blank-node-graphs"))
        if isinstance(g := row.get("g"), ox.NamedNode)
    }
    plain: list[ox.NamedNode] = []
    with_blanks = list(store.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for graph in store.store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph not in blank_graphs:
            plain.append(graph)
        else:  # a blank graph name is canonicalized too
            with_blanks.extend(store.store.quads_for_pattern(None, None, None, graph))
    dataset = ox.Dataset(with_blanks)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    # Graph by graph into one list of lines: the serialized text of a graph lives only until
    # its lines are taken (holding every graph's text beside the lines cost 150 MB more).
    lines = _lines(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS))
    del dataset, with_blanks
    for graph in plain:
        quads = store.store.quads_for_pattern(None, None, None, graph)
        lines.extend(_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)))
    lines.sort()
    lines.append(b"")  # the final newline, without copying the joined text once more
    return b"\n".join(lines) if len(lines) > 1 else b"\n"


def _lines(text: bytes | None) -> list[bytes]:
    """The non-blank lines of serialized N-Quads."""
    return [line for line in (text or b"").split(b"\n") if line.strip()]


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
        "graphs": graph_counts(store),  # one aggregate in the store, not a Python scan
        "sources": sources,
    }


#: Writes one extra file of a release (``write(store, path, release_id)``), e.g. the search
#: index: built once with the release instead of at every server start.
ArtefactWriter = Callable[[EmbeddedStore, Path, str], None]


def default_artefacts() -> dict[str, ArtefactWriter]:
    """The extra files every release carries, by file name."""
    from pcfgraph.release_stats import STORE_STATS_FILE, write_store_stats
    from pcfgraph.services.page_data import PAGE_DATA_FILE
    from pcfgraph.services.page_data_build import write_page_data
    from pcfgraph.services.search.release import SEARCH_INDEX_FILE, write_search_index

    return {
        SEARCH_INDEX_FILE: write_search_index,
        PAGE_DATA_FILE: write_page_data,
        STORE_STATS_FILE: write_store_stats,
    }


def make_temp_dir(parent: Path, prefix: str) -> Path:
    """A fresh directory created with the user's umask (``mkdtemp`` would make it 0700)."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name under {parent}")


def fill_release_dir(
    tmp: Path,
    store: EmbeddedStore,
    sources: dict[str, list[str]],
    *,
    artefacts: dict[str, ArtefactWriter] | None = None,
    verified: bool = False,
    nquads: bytes | None = None,
) -> dict[str, Any]:
    """Write every file of a release into the (unpublished) directory ``tmp``: the graph,
    its on-disk store, the artefacts (``default_artefacts()`` unless given, each listed with
    its sha256 under ``artefacts``) and the manifest; all fsynced. ``nquads`` is the store's
    :func:`canonical_nquads` when the caller has it already.

    The on-disk store is bulk-loaded in a thread while the artefacts are built (pyoxigraph
    loads outside the GIL), so the two cores of a small machine both work.
    """
    from concurrent.futures import ThreadPoolExecutor

    from pcfgraph.release_stamp import verification_stamp

    data = canonical_nquads(store) if nquads is None else nquads
    manifest = make_manifest(store, data, sources)
    artefacts = default_artefacts() if artefacts is None else artefacts
    manifest["store"] = STORE_DIR
    (tmp / GRAPH_FILE).write_bytes(data)
    with ThreadPoolExecutor(1) as pool:
        loading = pool.submit(write_store_dir, data, tmp / STORE_DIR)
        if artefacts:
            manifest["artefacts"] = {}
        for name, write in sorted(artefacts.items()):
            write(store, tmp / name, manifest["release_id"])
            digest = hashlib.sha256((tmp / name).read_bytes()).hexdigest()
            manifest["artefacts"][name] = {"sha256": digest}
        loading.result()
    if verified:
        manifest["verified"] = verification_stamp()
    (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for f in (GRAPH_FILE, MANIFEST_FILE, *sorted(artefacts)):
        with open(tmp / f, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(tmp)
    return manifest


def copy_release_dir(source: Path, tmp: Path) -> dict[str, Any]:
    """Fill the (unpublished) directory ``tmp`` with the files of the published release
    ``source``: hard links where the file system allows (release files are never rewritten
    in place), else copies. ``pcfgraph build`` publishes the cached release this way instead
    of writing the same graph, store and index a second time. A link shares its source's
    mode, so a file is linked only when that is the mode this process's umask gives (an entry
    cached under another umask is copied: new files get the umask)."""
    wanted = file_mode()
    for item in sorted(source.rglob("*")):
        target = tmp / item.relative_to(source)
        if item.is_dir():
            target.mkdir(exist_ok=True)
            continue
        if item.name in ("LOCK", BUILD_WARNINGS_FILE):
            continue
        if stat.S_IMODE(item.stat().st_mode) == wanted:
            with contextlib.suppress(OSError):
                os.link(item, target)
                continue
        shutil.copyfile(item, target)
    _fsync_dir(tmp)
    manifest: dict[str, Any] = json.loads((tmp / MANIFEST_FILE).read_text(encoding="utf-8"))
    return manifest


def write_release(
    store: EmbeddedStore,
    out_dir: Path,
    sources: dict[str, list[str]],
    artefacts: dict[str, ArtefactWriter] | None = None,
    *,
    verified: bool = False,
    nquads: bytes | None = None,
) -> dict[str, Any]:
    """Write a release directory atomically (rename into place): ``graph.nq``, ``store/``,
    the artefacts and ``manifest.json`` (see :func:`fill_release_dir`).

    ``verified=True`` (only after :func:`pcfgraph.release_verify.verify_release` passed)
    stamps the manifest, so a server need not run the shapes again while they are unchanged.
    """
    return publish_release_dir(
        out_dir,
        lambda tmp: fill_release_dir(
            tmp, store, sources, artefacts=artefacts, verified=verified, nquads=nquads
        ),
    )


def publish_copy(release: Release, out_dir: Path, *, verified: bool = False) -> dict[str, Any]:
    """Publish ``release`` at ``out_dir``: its files linked or copied when it was opened from
    a release directory (its manifest as it is), else written from its store (graph, store,
    artefacts; ``verified`` as for :func:`write_release`)."""
    source = release.path
    if source is not None and (source / MANIFEST_FILE).is_file():
        return publish_release_dir(out_dir, lambda tmp: copy_release_dir(source, tmp))
    return write_release(
        release.store,
        out_dir,
        release.manifest["sources"],
        verified=verified,
        nquads=release.nquads,
    )


def check_replaceable(out_dir: Path) -> None:
    """Refuse ``out_dir`` when publishing there would destroy what is not a release: it
    exists and is neither an empty directory nor a release (one with a manifest). A release
    replaces its directory whole, so ``-o ~/Documents`` would have deleted the documents."""
    if not out_dir.exists() or (out_dir / MANIFEST_FILE).is_file():
        return
    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a directory; choose another -o")
    if any(out_dir.iterdir()):
        raise InputError(
            f"{out_dir}: not a pcfgraph release (no {MANIFEST_FILE}) and not empty; a release "
            "replaces its directory whole, so choose a new or empty directory"
        )


def publish_release_dir(out_dir: Path, fill: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """Fill a fresh temporary sibling of ``out_dir`` with ``fill`` and rename it into place
    (the replaced release waits at :func:`previous_dir` until the new one is there); a
    directory that is not a release is refused (:func:`check_replaceable`)."""
    out_dir = out_dir.resolve()
    check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(out_dir)
    tmp = make_temp_dir(out_dir.parent, f".{out_dir.name}.")
    old = previous_dir(out_dir)
    try:
        manifest = fill(tmp)
        with _renaming_in(out_dir.parent):
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


@contextlib.contextmanager
def _renaming_in(parent: Path) -> Iterator[None]:
    """Publications into ``parent`` rename one at a time (``flock`` on the directory; none
    where it cannot be taken, e.g. NFS): two ``build -o`` of one directory at once removed
    each other's fallback and one failed ("Directory not empty")."""
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # lets go of the lock


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


def load_release(path: Path, *, check_graph_file: bool = True, memory_quads: int = 0) -> Release:
    """Load and verify a release directory; raise ReleaseError on any mismatch.

    When ``path`` is missing because a publication was killed between its two renames, the
    previous release (``.NAME.old`` beside it) is loaded instead. A release with an on-disk
    store is opened read-only from a snapshot of it and checked against the manifest's counts;
    ``graph.nq``'s sha256 is checked too unless ``check_graph_file`` is False (the release
    cache, whose entries are private and were checked when published). A release of at most
    ``memory_quads`` quads (:func:`served_in_memory`) is loaded from ``graph.nq`` into memory
    instead, its sha256 and counts checked (the bytes loaded are always checked).
    """
    if not path.exists() and (previous_dir(path) / MANIFEST_FILE).is_file():
        path = previous_dir(path)
    manifest_path = path / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        graph_path = path / manifest.get("graph_file", GRAPH_FILE)
        in_memory = not manifest.get("store") or served_in_memory(manifest, memory_quads)
        data, identity = _read_graph(graph_path) if check_graph_file or in_memory else (b"", None)
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"release {path}: cannot read manifest or graph: {exc}") from None
    if data:
        sha = hashlib.sha256(data).hexdigest()
        if sha != manifest.get("sha256"):
            raise ReleaseError(
                f"release {path}: sha256 mismatch (manifest {manifest.get('sha256')}, file {sha})"
            )
    store_dir = path / str(manifest.get("store") or STORE_DIR)
    if not in_memory and store_dir.is_dir():
        snapshot = snapshot_store(store_dir)
        try:
            store = EmbeddedStore(ox.Store.read_only(str(snapshot)), on_disk=True)
        except OSError as exc:
            shutil.rmtree(snapshot, ignore_errors=True)
            raise ReleaseError(f"release {path}: cannot open its store: {exc}") from None
        counts = graph_counts(store)
        release = Release(
            store=store,
            manifest=manifest,
            path=path,
            store_path=snapshot,
            graph_file=identity if data else None,
        )
        weakref.finalize(release, remove_snapshot, snapshot, os.getpid())
    else:
        try:
            store = EmbeddedStore.from_nquads(data)
        except SyntaxError as exc:
            raise ReleaseError(f"release {path}: graph does not parse: {exc}") from None
        counts = graph_counts(store)  # one aggregate query: 0.06 s, a Python scan 0.17 s
        release = Release(store=store, manifest=manifest, path=path, graph_file=identity)
    if sum(counts.values()) != manifest.get("quads") or counts != manifest.get("graphs"):
        raise ReleaseError(f"release {path}: quad counts differ from the manifest")
    return release


def _read_graph(path: Path) -> tuple[bytes, FileIdentity]:
    """A graph file's bytes and the identity of the file they were read from (one open)."""
    with open(path, "rb") as fh:
        return fh.read(), file_identity(os.fstat(fh.fileno()))


def holds_verified_graph(release: Release, copy: Path) -> bool:
    """Whether ``copy``, a hard link to (or copy of) ``release``'s graph file made after it
    was loaded, holds the bytes checked against its manifest.

    The release directory may have been republished meanwhile (its ``graph.nq`` replaced by a
    rename), so the link may be to another file. The same file that :func:`load_release`
    hashed (same :func:`file_identity`: release files are never rewritten in place) holds
    them; any other (a copy, a republished file, a release loaded without reading its graph)
    is hashed again and must have the manifest's sha256.
    """
    if release.graph_file is not None and file_identity(os.stat(copy)) == release.graph_file:
        return True
    digest = hashlib.sha256()
    with open(copy, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == release.manifest.get("sha256")


def served_in_memory(manifest: dict[str, Any], memory_quads: int) -> bool:
    """Whether a release of this manifest is served from memory rather than its on-disk store:
    at most ``memory_quads`` quads (``worker_memory_store_quads``; 0: never). Queries and
    scans run 2-5x faster in memory (the page data of the default graph: 2.0 s against 3.6 s)
    and a small graph costs little memory; a large one stays on disk, shared by every process.
    """
    quads = manifest.get("quads")
    return memory_quads > 0 and isinstance(quads, int) and 0 < quads <= memory_quads


def named_release_query(name: str) -> NamedQuery:
    """A query of ``queries/release/`` (release bookkeeping), without the whole catalogue."""
    from pcfgraph.queries import named_query

    return named_query(f"release/{name}")


def graph_counts(store: EmbeddedStore) -> dict[str, int]:
    """Quads per graph as the manifest records them (one aggregate query, not a Python scan)."""
    query = named_release_query("graph-counts")
    counts: dict[str, int] = {}
    for row in store.select(query):
        g, n = row["g"], row["n"]
        if isinstance(g, ox.NamedNode) and isinstance(n, ox.Literal):
            counts[g.value] = int(n.value)
    default = sum(1 for _ in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if default:
        counts[""] = default
    return dict(sorted(counts.items()))


SNAPSHOT_PREFIX = "pcfgraph-store-"


def snapshot_store(store_dir: Path) -> Path:
    """Hard links to the store's files in a new directory of this process.

    RocksDB never rewrites a file of a closed database in place, so the links are a stable
    read-only copy for as long as this process needs it, whatever happens to ``store_dir``.
    The snapshot goes to the temp dir; where links cannot be made there (another file
    system) it goes beside the release, and where that fails too the files are copied.
    """
    temp = temp_dir()  # none writable: an error saying to set TMPDIR
    sweep_dead_snapshots(temp)
    for parent, link in ((temp, True), (store_dir.parent.parent, True), (temp, False)):
        try:
            snap = make_temp_dir(parent, f".{SNAPSHOT_PREFIX}{os.getpid()}-")
        except OSError:
            continue
        try:
            for item in store_dir.iterdir():
                if item.name == "LOCK" or not item.is_file():
                    continue
                if link:
                    os.link(item, snap / item.name)
                else:
                    shutil.copy2(item, snap / item.name)
        except OSError:
            shutil.rmtree(snap, ignore_errors=True)
            continue
        return snap
    raise ReleaseError(f"cannot make a private snapshot of the store {store_dir}")


def remove_snapshot(snapshot: Path, owner: int) -> None:
    """Remove ``snapshot`` when its release is let go, in the process that made it only: the
    server processes forked from it (:mod:`pcfgraph.http.prefork`) inherit the release and its
    finalizer, and one that lets it go (a reload) must not remove the files the others'
    sandbox workers still read. A forked process's own snapshots, left when it ends
    (``os._exit`` runs no finalizer), are swept by the next one made
    (:func:`sweep_dead_snapshots`)."""
    if os.getpid() == owner:
        shutil.rmtree(snapshot, ignore_errors=True)


def sweep_dead_snapshots(parent: Path) -> None:
    """Remove snapshots left by processes that were killed before they could clean up."""
    for path in parent.glob(f".{SNAPSHOT_PREFIX}*-*"):
        try:
            pid = int(path.name[len(SNAPSHOT_PREFIX) + 1 :].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, OSError):
            continue


def build_release(
    extra: ExtraSources | None = None, steps: Callable[[str], None] | None = None
) -> Release:
    """Assemble the shipped data (plus ``extra`` sources) in memory and describe it with a
    manifest (not written). ``steps``: told each step as it starts (the build's bar)."""
    from pcfgraph.assemble import assemble

    assembly = assemble(extra=extra)
    if steps is not None:
        steps("canonical N-Quads")
    data = canonical_nquads(assembly.store)
    manifest = make_manifest(assembly.store, data, assembly.sources)
    manifest["build_seconds"] = round(assembly.seconds, 3)
    return Release(
        store=assembly.store,
        manifest=manifest,
        path=None,
        nquads=data,
        validated_graphs=assembly.validated_graphs,
        warnings=assembly.warnings,
        shipped_warnings=assembly.shipped_warnings,
        record_lines=assembly.record_lines,
    )
