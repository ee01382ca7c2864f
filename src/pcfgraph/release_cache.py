"""The verified release of the shipped sources, built once and reused while they are unchanged.

Every command that needs the default graph used to assemble ``data/`` and verify it again
(2-4 s before the first answer). Now the release is published once into the user's cache
directory under a key that hashes everything it is made of (the source files, the ontology,
shapes and queries, pcfgraph's own code and version, pyoxigraph's version), and every later
process opens it read-only (:func:`pcfgraph.release.load_release`).

- Where: ``PCFGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/pcfgraph``, else ``~/.cache/pcfgraph``
  (``PCFGRAPH_CACHE_DIR=off`` turns the cache off: every process assembles in memory).
- Concurrent builders: each publishes a complete directory by one ``rename``; whoever renames
  first wins, the others drop their copy and open the winner's. Readers never see a partial
  entry. Files and directories get the user's umask.
- Old entries: after publishing, entries not used for a day are removed, keeping the newest
  few (a running server reads a private snapshot of its entry, so it never loses files).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pcfgraph.cache_dir import CACHE_ENV, KEEP_ENTRIES, UNUSED_SECONDS, default_cache_dir, prune
from pcfgraph.errors import ReleaseError
from pcfgraph.release import (
    BUILD_WARNINGS_FILE,
    MANIFEST_FILE,
    Release,
    fill_release_dir,
    load_release,
    make_temp_dir,
)

if TYPE_CHECKING:
    from pcfgraph.sources import ExtraSources

#: Bump when the layout of a cache entry changes.
CACHE_FORMAT = "3"  # 2: the warnings of its build kept with it; 3: which are the shipped data's


def _code_files() -> list[Path]:
    package = Path(__file__).resolve().parent
    return sorted(package.rglob("*.py"))


def source_key(extra_sources: Sequence[Path] = ()) -> str:
    """The hash of everything the default release is built from (and checked with)."""
    import pyoxigraph

    from pcfgraph import __version__
    from pcfgraph.resources import resource_dir

    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}\0{pyoxigraph.__version__}\0".encode())
    roots = [resource_dir(kind) for kind in ("ontology", "shapes", "queries", "data")]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{root.name}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    for path in _code_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in extra_sources:
        digest.update(b"extra\0" + str(path.resolve()).encode() + b"\0" + _source_bytes(path))
    return digest.hexdigest()[:32]


def _source_bytes(path: Path) -> bytes:
    """An added source's bytes; one that cannot be read (its permissions, a directory) is
    bad input naming it, not the internal error it was (exit 3, "this is a bug")."""
    try:
        return path.read_bytes()
    except OSError as exc:
        from pcfgraph.errors import InputError

        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def cached_release(
    cache_dir: Path,
    *,
    extra_sources: Sequence[Path] = (),
    build: Callable[[], Release] | None = None,
    memory_quads: int = 0,
    steps: Callable[[str], None] | None = None,
) -> Release:
    """The verified release for the current sources: opened from the cache, or built,
    verified and published there first. ``build`` assembles it (default: the shipped data);
    ``extra_sources`` are files it reads besides the shipped ones (they are part of the key);
    ``memory_quads``: see :func:`pcfgraph.release.load_release`.
    """
    key = source_key(extra_sources)
    entries = cache_dir / "releases"
    entry = entries / key
    if (entry / MANIFEST_FILE).is_file():
        try:
            release = load_release(entry, check_graph_file=False, memory_quads=memory_quads)
        except ReleaseError:
            shutil.rmtree(entry, ignore_errors=True)  # damaged: rebuild below
        else:
            _touch(entry)
            return _with_build_warnings(release, entry)
    from pcfgraph.release import build_release
    from pcfgraph.release_verify import verify_release

    step = steps or (lambda _name: None)
    built = (build or (lambda: build_release(steps=steps)))()
    step("verifying shapes and checks")
    release = verify_release(built)
    step("writing store and artefacts")
    try:
        entries.mkdir(parents=True, exist_ok=True)
        tmp = make_temp_dir(entries, f".{key}.")
    except OSError as exc:
        return _uncached(release, cache_dir, exc)
    _UNPUBLISHED.add(tmp)
    try:
        fill_release_dir(
            tmp, release.store, release.manifest["sources"], verified=True, nquads=release.nquads
        )
        warned = {"warnings": list(built.warnings), "shipped": list(built.shipped_warnings)}
        (tmp / BUILD_WARNINGS_FILE).write_text(json.dumps(warned), "utf-8")
        try:
            tmp.rename(entry)
        except OSError:
            if not (entry / MANIFEST_FILE).is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # a concurrent builder published first
    except OSError as exc:  # a full disk, a cache made read-only meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
        return _uncached(release, cache_dir, exc)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _UNPUBLISHED.discard(tmp)
    prune(entries, keep=entry)
    step("opening the release")
    opened = load_release(entry, check_graph_file=False, memory_quads=memory_quads)
    return _with_build_warnings(opened, entry)


#: The temporary entries this process is writing (:func:`remove_unpublished`).
_UNPUBLISHED: set[Path] = set()


def remove_unpublished() -> None:
    """Remove the temporary entries (``.KEY.<random>``) this process is writing. For a stop
    that ends the main thread while another writes one (``pcfgraph serve`` loads its release
    in a thread): the writer never unwinds, and its entry stayed until a prune an hour
    later. What the writer writes on meanwhile fails, and it removes what it made."""
    for path in list(_UNPUBLISHED):
        shutil.rmtree(path, ignore_errors=True)


def _uncached(release: Release, cache_dir: Path, exc: OSError) -> Release:
    """The verified release just built, served from memory, when the cache cannot take it (a
    read-only or missing directory, a full disk): a warning naming the directory and why,
    not a crash of the command or server (the next start builds again)."""
    reason = exc.strerror or type(exc).__name__
    where = exc.filename if exc.filename is not None else cache_dir
    note = (
        f"cache directory {cache_dir} cannot keep the release ({reason}: {where}); "
        f"assembled in memory this time (set {CACHE_ENV} to a writable directory, or off)"
    )
    object.__setattr__(release, "warnings", (*release.warnings, note))
    return release


def _with_build_warnings(release: Release, entry: Path) -> Release:
    """``release`` (opened from ``entry``) with what the build that made it warned about, and
    which of that was about the shipped data's own workbooks: a release from the cache warns
    as that build did (an entry without the file, of nothing).
    Set on the object itself, not a copy: the finalizer that removes its store's private
    snapshot is tied to it (:func:`pcfgraph.release.load_release`)."""
    try:
        found = json.loads((entry / BUILD_WARNINGS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        found = {}
    found = found if isinstance(found, dict) else {}
    for name, key in (("warnings", "warnings"), ("shipped_warnings", "shipped")):
        listed = found.get(key)
        warnings = tuple(str(w) for w in listed) if isinstance(listed, list) else ()
        object.__setattr__(release, name, warnings)  # frozen: set once, before it is used
    return release


def _touch(entry: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(entry)


def open_release(
    path: Path | None,
    *,
    cache_dir: Path | bool | None = True,
    extra: ExtraSources | None = None,
    memory_quads: int = 0,
    steps: Callable[[str], None] | None = None,
) -> Release:
    """The release a command or server uses: a verified release directory, or the shipped
    data's verified release from the cache (``cache_dir=True``: from the environment; a path;
    ``None``/``False``: assembled in memory, no cache). ``extra`` sources (``--add``,
    ``--sources``) are part of the build and, with every file they read, of the cache key.
    A release of at most ``memory_quads`` quads is loaded into memory (the server's choice:
    :func:`pcfgraph.release.served_in_memory`); others open their on-disk store read-only."""
    from pcfgraph import release as release_mod

    if path is not None:
        return load_release(path, memory_quads=memory_quads)
    if cache_dir is True:
        cache_dir = default_cache_dir()
    if not cache_dir:
        return release_mod.build_release(extra, steps)  # keeps its N-Quads for `build`
    if extra:
        return cached_release(
            Path(cache_dir),
            extra_sources=extra.files(),
            build=lambda: release_mod.build_release(extra, steps),
            memory_quads=memory_quads,
            steps=steps,
        )
    return cached_release(Path(cache_dir), memory_quads=memory_quads, steps=steps)


__all__ = [
    "CACHE_ENV",
    "CACHE_FORMAT",
    "KEEP_ENTRIES",
    "UNUSED_SECONDS",
    "cached_release",
    "default_cache_dir",
    "open_release",
    "prune",
    "remove_unpublished",
    "source_key",
]
