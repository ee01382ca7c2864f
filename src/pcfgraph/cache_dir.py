"""The user's cache directory (releases, imported workbooks) and the pruning of its entries.

``PCFGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/pcfgraph`` (an absolute one: a relative one is
ignored, with a warning, as the XDG Base Directory specification asks), else
``~/.cache/pcfgraph`` (``PCFGRAPH_CACHE_DIR=off`` turns caching off; so does having no home
directory). Used by :mod:`pcfgraph.release_cache` and :mod:`pcfgraph.workbook_cache`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger("pcfgraph.cache")

CACHE_ENV = "PCFGRAPH_CACHE_DIR"
KEEP_ENTRIES = 3
UNUSED_SECONDS = 24 * 3600.0


def default_cache_dir(
    setting: Path | None = None, environ: dict[str, str] | None = None
) -> Path | None:
    """The cache directory: the setting, else the environment (None when turned off, or
    when there is no home to put it in: ``HOME`` unset and the user in no passwd file, as a
    container run as an arbitrary user id is; every command was "internal error
    (RuntimeError: Could not determine home directory.)", exit 3)."""
    env = os.environ if environ is None else environ
    explicit = str(setting) if setting is not None else env.get(CACHE_ENV)
    if explicit is not None:
        off = explicit.strip().lower() in ("", "off", "0", "false", "no")
        return None if off else Path(explicit)
    base = env.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):
        return Path(base) / "pcfgraph"
    try:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    except RuntimeError:
        home = None
    found = home / ".cache" / "pcfgraph" if home is not None else None
    if base:
        _relative_ignored(base, found)
    return found


#: The relative ``XDG_CACHE_HOME`` values warned of (once a process each).
_WARNED: set[str] = set()


def _relative_ignored(base: str, found: Path | None) -> None:
    """Warn that a relative ``XDG_CACHE_HOME`` is ignored: the XDG Base Directory spec makes
    such a value invalid ("all paths ... must be absolute. If an implementation encounters a
    relative path ... it should consider the path invalid and ignore it"). It was taken from
    the working directory: each directory a command ran in got a cache of its own, and a
    server started elsewhere built the release again."""
    if base in _WARNED:
        return
    _WARNED.add(base)
    instead = f"the cache is {found}" if found is not None else "no cache (no home directory)"
    log.warning(
        "XDG_CACHE_HOME=%r is not an absolute path: ignored, as the XDG Base Directory "
        "specification asks; %s (set %s to choose another)",
        base,
        instead,
        CACHE_ENV,
    )


def prune(entries: Path, *, keep: Path, now: float | None = None) -> list[Path]:
    """Remove entries unused for :data:`UNUSED_SECONDS` beyond the newest :data:`KEEP_ENTRIES`
    (and abandoned temporary directories of killed builders)."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    # Other builders publish and remove their temporary directories concurrently: an entry
    # that vanishes between listing and stat is simply no longer there to prune.
    found: list[tuple[float, Path]] = []
    try:
        for p in entries.iterdir():
            with contextlib.suppress(OSError):
                if p.is_dir():
                    found.append((p.stat().st_mtime, p))
    except OSError:
        return removed
    found.sort(key=lambda item: item[0], reverse=True)
    for i, (mtime, path) in enumerate(found):
        if path == keep:
            continue
        age = now - mtime
        if (path.name.startswith(".") and age > 3600) or (
            i >= KEEP_ENTRIES and age > UNUSED_SECONDS
        ):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
