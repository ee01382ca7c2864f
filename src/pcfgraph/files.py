"""Writing the files a user asked for: atomically, and with the user's umask.

``tempfile.mkstemp`` creates 0600 files and ``mkdtemp`` 0700 directories; renamed into place
they would keep that mode, so a report or export written with ``-o`` could not be read by
colleagues or a web server. Every writer of user-visible files goes through here so the
result has the mode any other program would give it (0644 / 0755 under the usual umask 022).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def current_umask() -> int:
    """The process umask, read without changing it where Linux tells it (``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the only portable way is to set it and restore it
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a newly created regular file gets (``0666 & ~umask``)."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """The mode a newly created directory gets (``0777 & ~umask``)."""
    return 0o777 & ~current_umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file renamed into place, so a reader never
    sees half a file and a failure leaves the old file; the result has the umask's mode.

    What is not a regular file is written into, never replaced: ``-o /dev/null`` (run as
    root) renamed the report over the device, leaving every later writer of /dev/null
    filling a file, and ``-o /dev/stdout`` or a named pipe became a file nobody read. A
    symbolic link is followed: the file it names is replaced, the link stays."""
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():  # a device, a FIFO, a socket (a directory fails)
        with path.open("wb") as fh:
            fh.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_all_atomic(files: Mapping[Path, bytes]) -> None:
    """Write several files all or none: each to a temporary file beside it, then all renamed
    into place. A failure (a full disk at the third file) leaves every one as it was; one by
    one, a directory export was left with some files new and the others old."""
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            written.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, file_mode())
    except BaseException:
        for tmp, _path in written:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in written:
        os.replace(tmp, path)
