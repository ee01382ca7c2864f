"""Imported and validated workbooks kept in the user's cache, so a rebuild with one workbook
changed imports only that one.

The release cache (:mod:`pcfgraph.release_cache`) reuses a whole release while every source
is unchanged; with one of fourteen workbooks changed it missed and all fourteen were imported
and checked against the shapes again (most of a build). Each imported workbook is kept
under ``<cache>/workbooks/<key>`` where the key hashes the workbook's bytes, the edition and
version asked for, and everything its import and check are made of (pcfgraph's version, the
importer's and the check's code, the shapes and the ontology). An entry is written to a
temporary name and renamed into place: readers never see a partial one; a damaged one is
ignored (and imported again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pcfgraph.cache_dir import default_cache_dir, prune

#: Bump when the layout of an entry changes.
ENTRY_FORMAT = "2"  # 2: the importer's warnings kept with the import
GRAPH_FILE = "graph.nt"
META_FILE = "workbook.json"


@cache
def _code_digest() -> str:
    """What an import and its check are made of, besides the workbook itself."""
    from pcfgraph import __version__
    from pcfgraph.resources import resource_dir

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{ENTRY_FORMAT}\0{__version__}\0".encode())
    code = sorted((package / "importers").rglob("*.py"))
    code += [package / n for n in ("sources.py", "release_shapes.py", "validation.py", "iris.py")]
    for kind in ("shapes", "ontology"):
        code += sorted(resource_dir(kind).glob("*.ttl"))
    for path in code:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def entry_key(
    path: Path, edition: str | None, version: str | None, supplements: Sequence[Path] = ()
) -> str:
    """The cache key of importing ``path`` as ``edition``/``version`` with this code (and
    checking it with the Turtle ``supplements`` of its graph)."""
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(f"\0{path.name}\0{edition}\0{version}\0".encode())
    digest.update(path.read_bytes())
    for extra in supplements:
        digest.update(b"\0supplement\0" + extra.name.encode() + b"\0" + extra.read_bytes())
    return digest.hexdigest()[:32]


def entries_dir(cache_dir: Path) -> Path:
    return cache_dir / "workbooks"


@dataclass(frozen=True)
class CachedImport:
    """What a build needs of an imported, validated workbook (``sources.ImportedWorkbook``)."""

    framework_id: str
    edition: str
    version: str
    nt: bytes
    element_rows: list[tuple[int, str, str, str | None]]
    #: The importer's warnings, naming workbook, sheet and row (the name is part of the key):
    #: a build from the cache warns as the build that imported it did.
    warnings: tuple[str, ...] = ()


def load(cache_dir: Path, key: str) -> CachedImport | None:
    """The cached import of ``key``, or None."""
    entry = entries_dir(cache_dir) / key
    try:
        meta = json.loads((entry / META_FILE).read_text(encoding="utf-8"))
        nt = (entry / GRAPH_FILE).read_bytes()
        if hashlib.sha256(nt).hexdigest() != meta["sha256"]:
            return None
        rows = [
            (int(a), str(b), str(c), None if d is None else str(d)) for a, b, c, d in meta["rows"]
        ]
        found = CachedImport(
            str(meta["framework_id"]),
            str(meta["edition"]),
            str(meta["version"]),
            nt,
            rows,
            tuple(str(w) for w in meta["warnings"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)
    return found


def save(cache_dir: Path, key: str, workbook: CachedImport) -> None:
    """Keep a validated import under ``key`` (best effort: a full disk only costs speed)."""
    parent = entries_dir(cache_dir)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".{key}.{os.getpid()}"
        tmp.mkdir()
    except OSError:
        return
    try:
        (tmp / GRAPH_FILE).write_bytes(workbook.nt)
        meta = {
            "framework_id": workbook.framework_id,
            "edition": workbook.edition,
            "version": workbook.version,
            "rows": workbook.element_rows,
            "warnings": list(workbook.warnings),
            "sha256": hashlib.sha256(workbook.nt).hexdigest(),
        }
        (tmp / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        tmp.rename(parent / key)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # written meanwhile by another build, or no space
        return
    prune(parent, keep=parent / key)  # entries unused for a day, beyond the newest few


def cache_dir() -> Path | None:
    """The user's cache directory (``PCFGRAPH_CACHE_DIR``...; None when turned off)."""
    return default_cache_dir()
