"""An in-memory copy of a release served from its on-disk store, for the serving process.

A release of more than ``worker_memory_store_quads`` quads is served from its on-disk store,
which every sandbox worker opens read-only (one copy of the graph for all processes). The
serving process's own reads (pages, named queries, GraphQL, in-process SPARQL) run 2-6x
faster on an in-memory store, so a release of at most ``sparql_inprocess_memory_quads``
quads is also loaded into the serving process's memory (about 310 bytes a quad: 190 MB and
1-2 s for the 611k quads of every shared workbook; the workers keep sharing the on-disk
store) and its store answers from there
(:meth:`pcfgraph.store.EmbeddedStore.answer_from_memory`).

The copy starts as soon as the server knows its release: ``pcfgraph serve --release DIR``
starts loading ``DIR``'s graph before anything else (:func:`preload`; the imports, the
release's verification, the warm-up and the sandbox workers' start run beside it: the engine
parses a file outside the GIL), any other server when it has its release
(:func:`pcfgraph.serving.create_app`). It is in before ``/ready`` answers, so the first
request reads it, as the hundredth. A reload's candidate gets its copy before it is switched
in (:mod:`pcfgraph.release_reload`). No request sees a half state: until the copy is in,
queries read the on-disk store, which holds the same quads, and the switch is one assignment.

The copy is checked against the manifest's quad counts per graph before it answers anything,
and is taken only by the release whose manifest it was loaded for, and only when it was
parsed from the very file that release hashed against the manifest's sha256 when it was
loaded (the same :func:`~pcfgraph.release.file_identity`): a release directory republished
meanwhile (``graph.nq`` renamed over, the same counts or not) leaves the release on its
verified on-disk store. A release that hashed no file (the release cache opens its private,
never republished entries unread) is matched by the counts alone. A copy that cannot be made
or does not match is logged and the on-disk store keeps answering. Blank nodes get the parser's labels, as in any two loads of the same file (the workers' own
copies of a small release, the on-disk store): answers are the same up to those labels.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from pcfgraph.release import (
    GRAPH_FILE,
    MANIFEST_FILE,
    FileIdentity,
    Release,
    file_identity,
    graph_counts,
    served_in_memory,
)
from pcfgraph.store import EmbeddedStore

log = logging.getLogger("pcfgraph.serving")


def copy_source(release: Release, memory_quads: int) -> Path | None:
    """The N-Quads file to copy ``release`` into memory from: when its store is on disk (not
    yet copied) and it has at most ``memory_quads`` quads (0: never); else None."""
    store = release.store
    if not isinstance(store, EmbeddedStore) or not store.on_disk or release.path is None:
        return None
    manifest = release.manifest if isinstance(release.manifest, dict) else {}
    return _graph_file(release.path, manifest, memory_quads)


def _graph_file(release_dir: Path, manifest: dict[str, Any], memory_quads: int) -> Path | None:
    """The release's N-Quads file, when its quads fit in ``memory_quads`` and it is there."""
    if not served_in_memory(manifest, memory_quads):
        return None
    source = release_dir / str(manifest.get("graph_file", GRAPH_FILE))
    return source if source.is_file() else None


class MemoryCopy:
    """An in-memory copy of a release's graph file, loaded in a thread of its own and checked
    against the manifest's quad counts per graph; the release it is given (:meth:`serve`)
    answers from it as soon as both are there (one attribute assignment)."""

    def __init__(self, source: Path, manifest: dict[str, Any]) -> None:
        self.source, self.manifest = source, manifest
        #: Whether a release's store answers from the copy.
        self.held = False
        self._lock = threading.Lock()
        self._copy: ox.Store | None = None
        #: The identity of the file the copy was parsed from (:func:`file_identity`).
        self._parsed: FileIdentity | None = None
        self._dropped = False
        self._release: Release | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pcfgraph-memory-copy", daemon=True)
        self._thread.start()

    def serve(self, release: Release) -> bool:
        """Let ``release`` answer from this copy once it is loaded; False (and the copy
        dropped) when it is not a copy of ``release``: another file or manifest."""
        if copy_source(release, 1 << 62) != self.source or release.manifest != self.manifest:
            self.drop()
            return False
        with self._lock:
            self._release = release
            self._attach()
        return True

    def drop(self) -> None:
        """Not wanted: the copy is freed (now, or when its loading ends)."""
        with self._lock:
            self._copy, self._release, self._dropped = None, None, True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the copy (at most ``timeout`` seconds); whether a release answers from it."""
        self._done.wait(timeout)
        return self.held

    def ended(self) -> bool:
        """Wait until the loading thread has ended (no thread may run across a fork:
        :func:`pcfgraph.serving.http_workers`); whether a release answers from the copy."""
        self._thread.join()
        return self.held

    def _attach(self) -> None:  # under the lock
        if self._release is not None and self._copy is not None and not self.held:
            verified = self._release.graph_file
            if verified is not None and self._parsed != verified:
                log.warning(
                    "%s stays on its on-disk store: %s was replaced after the release was verified",
                    self.source.parent,
                    self.source.name,
                )
                self._copy, self._release, self._dropped = None, None, True
                return
            self._release.store.answer_from_memory(self._copy)
            # the store holds it now (and lets it go when its release stops serving)
            self._copy, self._release, self.held = None, None, True

    def _run(self) -> None:
        try:
            self._take(self._load())  # no local reference left once in the store
        except Exception as exc:  # an optimisation: never a start or reload failure
            log.warning("%s stays on its on-disk store: %s", self.source.parent, exc)
        finally:
            self._done.set()

    def _take(self, copy: ox.Store | None) -> None:
        with self._lock:
            if not self._dropped:
                self._copy = copy
                self._attach()

    def _load(self) -> ox.Store | None:
        started = time.monotonic()
        copy = ox.Store()
        # From the file's path the engine parses without the GIL (the event loop and the
        # warm-up keep running; from bytes it held it for seconds). Not the bulk loader: its
        # buffers took 150 MB more at the peak, over the process tree's budget. Lenient (no
        # IRI validation: a third less CPU, 1.1 against 1.6 s): the build wrote this file and
        # parsed it strictly into the on-disk store, and the copy is checked against the
        # manifest's counts below before it answers anything.
        # Parsed through the descriptor opened here, so the identity is that of the bytes read
        # even if the file is renamed over meanwhile (Linux's /proc/self/fd; elsewhere by path).
        with open(self.source, "rb") as fh:
            parsed = file_identity(os.fstat(fh.fileno()))
            fd_path = f"/proc/self/fd/{fh.fileno()}"
            path = fd_path if os.path.exists(fd_path) else str(self.source)
            copy.load(path=path, format=ox.RdfFormat.N_QUADS, lenient=True)
        self._parsed = parsed
        counts = graph_counts(EmbeddedStore(copy))
        manifest = self.manifest
        if sum(counts.values()) != manifest.get("quads") or counts != manifest.get("graphs"):
            log.warning(
                "%s stays on its on-disk store: %s does not hold the manifest's quads",
                self.source.parent,
                self.source.name,
            )
            return None
        log.info(
            "release %s: in-memory copy (%d quads) loaded in %.1f s",
            manifest.get("release_id"),
            len(copy),
            time.monotonic() - started,
        )
        return copy


def start_copy(release: Release, memory_quads: int) -> MemoryCopy | None:
    """Start loading ``release``'s in-memory copy when it gets one (:func:`copy_source`)."""
    source = copy_source(release, memory_quads)
    if source is None:
        return None
    copying = MemoryCopy(source, release.manifest)
    copying.serve(release)
    return copying


def preload(release_dir: Path, memory_quads: int, served_memory_quads: int) -> MemoryCopy | None:
    """Start loading the in-memory copy of the release in ``release_dir`` before it is loaded
    and verified (:meth:`MemoryCopy.serve` takes it once it is, if it is the same): when it
    is served from disk (over ``served_memory_quads``, ``worker_memory_store_quads``) with at
    most ``memory_quads`` quads. None when not (or the directory does not read as one)."""
    try:
        manifest = json.loads((release_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # loading the release reports it
    if not isinstance(manifest, dict) or not manifest.get("store"):
        return None
    if served_in_memory(manifest, served_memory_quads):
        return None
    source = _graph_file(release_dir, manifest, memory_quads)
    return MemoryCopy(source, manifest) if source is not None else None


def hold_in_memory(release: Release, memory_quads: int) -> bool:
    """Load ``release``'s in-memory copy, if it gets one, and wait for it; whether its store
    now answers from it. Never raises: a copy that fails is logged, and the on-disk store
    keeps answering."""
    copying = start_copy(release, memory_quads)
    return copying.wait() if copying is not None else False


def let_go(release: Release) -> None:
    """``release`` answers from its on-disk store again, so its copy's memory is freed when
    the requests still on it end (not when every cache that remembers the release has moved
    on), and given back to the system: glibc keeps freed memory for later allocations, and
    a next copy, loaded by another thread, did not reuse it (the process kept both: 250
    against 83 MB after letting the every-workbook copy go)."""
    store = release.store
    if isinstance(store, EmbeddedStore) and store.memory_copy:
        store.forget_memory_copy()
        from pcfgraph.heap import give_back_free_memory

        give_back_free_memory()
