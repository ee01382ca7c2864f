"""The search index as a release artefact: written next to ``graph.nq`` when a release is
built, opened read-only when it is served; a release without one (or with a stale one) gets
an index built in memory from its graph."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pcfgraph.errors import InputError
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.base import Reader
from pcfgraph.services.search.index import SearchIndex
from pcfgraph.store import EmbeddedStore

if TYPE_CHECKING:
    from pcfgraph.runtime import Caches

SEARCH_INDEX_FILE = "search.sqlite"


class Release(Protocol):
    """What search needs of a :class:`pcfgraph.release.Release` (not imported: the release
    module imports this one to write the artefact)."""

    @property
    def path(self) -> Path | None: ...

    @property
    def manifest(self) -> dict[str, Any]: ...

    @property
    def release_id(self) -> str: ...


def write_search_index(store: EmbeddedStore, path: Path, release_id: str) -> None:
    """Release artefact writer (:data:`pcfgraph.release.ArtefactWriter`)."""
    index = SearchIndex.build(Reader(store, QueryCatalog()), release_id=release_id)
    try:
        index.write(path)
    finally:
        index.close()


def shipped_index(release: Release) -> SearchIndex | None:
    """The release's own index when it has one that matches it (checksum, release id and the
    index layout this code reads: an index written by another version is not used)."""
    if release.path is None:
        return None
    path = release.path / SEARCH_INDEX_FILE
    listed = (release.manifest.get("artefacts") or {}).get(SEARCH_INDEX_FILE) or {}
    if not path.is_file() or not listed.get("sha256"):
        return None
    if hashlib.sha256(path.read_bytes()).hexdigest() != listed["sha256"]:
        return None
    try:
        index = SearchIndex.open(path)
    except InputError:
        return None
    if index.release_id != release.release_id:
        index.close()
        return None
    return index


def index_for(release: Release, reader: Reader) -> SearchIndex:
    """The index to serve ``release`` with: the shipped one, else one built now."""
    return shipped_index(release) or SearchIndex.build(reader, release_id=release.release_id)


def served_index(caches: Caches, release: Release, reader: Reader) -> SearchIndex:
    """The index of the served release, kept in the server's caches (one per release,
    shared by GraphQL, the pages, the CLI and MCP); replaced when a reload switches release."""
    return caches.search_index.get(release, lambda: index_for(release, reader))
