"""The release data each generation of workers loads, one file per generation.

Workers share the release's on-disk store (opened read-only) or, for small releases, load an
N-Quads copy into memory (faster scans); a remote store's release keeps the workers' local
data. Files of the pool's own are kept in a private directory until no generation needs them
(:class:`~pcfgraph.private_dirs.PrivateDir`: a killed server's is removed by the next one).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pcfgraph.private_dirs import PrivateDir

if TYPE_CHECKING:
    from pcfgraph.release import Release

log = logging.getLogger("pcfgraph.sandbox")


class ReleaseData:
    """``{generation: file}`` the workers of each generation load, and the files' directory."""

    def __init__(self, memory_store_quads: int) -> None:
        #: Releases of at most this many quads are loaded into each worker's memory even when
        #: an on-disk store could be shared: scans run 2-5x faster in memory (0: always share).
        self.memory_store_quads = max(0, memory_store_quads)
        self.files: dict[int, Path] = {}
        self._dir: PrivateDir | None = None

    def open(self) -> None:
        self._dir = PrivateDir("pool-")

    def write(self, release: Release, generation: int, current: int) -> None:
        """Make ``release``'s data ready for ``generation`` (``current`` is in service)."""
        from pcfgraph.release import GRAPH_FILE, holds_verified_graph

        assert self._dir is not None
        remote = not hasattr(release.store, "dump")
        if remote and release.path is None and self.files:
            # A remote store's release lives on the server: the workers keep their local data.
            self.files[generation] = self.files[current]
            return
        if release.store_path is not None and not self.in_memory(release):
            # Every worker opens the release's on-disk store read-only (one copy for all).
            self.files[generation] = release.store_path
            return
        target = self._dir.path / f"graph-{generation}.nq"
        source = release.path / GRAPH_FILE if release.path is not None else None
        if source is not None and source.is_file():
            try:
                os.link(source, target)  # the release file may be replaced later; ours stays
            except OSError:
                shutil.copyfile(source, target)
            # The workers load it leniently, trusting the server's check: only the bytes it
            # verified. The directory may have been republished since (graph.nq renamed over):
            # then they get the served release's own store, as for a release without a file.
            if holds_verified_graph(release, target):
                self.files[generation] = target
                return
            target.unlink()  # a link: never write through it into the published file
            log.warning(
                "release %s: %s was replaced after the release was verified; the sandbox "
                "workers load the verified release's store instead",
                release.release_id,
                source,
            )
        import pyoxigraph as ox

        target.write_bytes(release.store.dump(ox.RdfFormat.N_QUADS))
        self.files[generation] = target

    def in_memory(self, release: Release) -> bool:
        """Whether workers load their own in-memory copy (small releases, see
        ``memory_store_quads``) instead of sharing the on-disk store: the same rule as the
        server's own store (:func:`pcfgraph.release.served_in_memory`)."""
        from pcfgraph.release import served_in_memory

        manifest = release.manifest if isinstance(release.manifest, dict) else {}
        return served_in_memory(manifest, self.memory_store_quads)

    def discard(self, generation: int) -> None:
        """Forget a generation that failed to start; its file goes unless shared (a remote
        store's reload reuses the file of the generation in service, still needed to replace
        its workers)."""
        self._forget(generation)

    def release(self, generation: int) -> None:
        """Forget a generation whose workers all loaded it; its file goes unless shared."""
        self._forget(generation)  # workers already loaded it

    def _forget(self, generation: int) -> None:
        path = self.files.pop(generation, None)
        if path is not None and path.is_file() and path not in self.files.values():
            path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._dir is not None:
            self._dir.close()
            self._dir = None
