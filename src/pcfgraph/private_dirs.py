"""Private temporary directories that a killed server does not leave behind for ever.

A server's processes keep files in directories of their own under the temporary directory
(the sandbox pool's copy of the release data, the metrics sockets of ``--http-workers``) and
remove them when they stop. A process killed outright (``SIGKILL``, the OOM killer) cannot:
under a supervisor that restarts it, every crash would leave one more, some holding a whole
N-Quads copy of a release. So each directory is held with a lock (``flock`` on its
``.held`` file) for as long as its process, or a process forked from it, lives: the kernel
drops the lock when the last of them ends. Making a directory first removes those of the same
user whose lock nobody holds. A directory without a ``.held`` file (made by another program,
or by an older pcfgraph) is never touched.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

from pcfgraph.errors import PcfgraphError

log = logging.getLogger("pcfgraph.serve")

#: What every private directory's name starts with.
PREFIX = "pcfgraph-"
#: The file whose lock says its directory is in use.
HELD = ".held"
#: The lock file's name until it is locked (a sweep never takes it for an abandoned one).
_HELD_NEW = ".held-new"
#: The bytes a Unix socket's path may have (``sun_path``, less its closing NUL).
SOCKET_PATH_BYTES = 107


def temp_dir() -> Path:
    """The temporary directory (``TMPDIR``, else ``/tmp`` ...). None of them writable (a
    container with a read-only root and no tmpfs at ``/tmp``) is a one-line error saying
    what to set; it was "internal error (FileNotFoundError: No usable temporary directory
    ...). This is a bug", exit 3, at the first command or server start."""
    try:
        return Path(tempfile.gettempdir())
    except FileNotFoundError as exc:
        raise PcfgraphError(
            f"no writable temporary directory: {exc.strerror}; set TMPDIR to a writable "
            "directory (in a read-only container: a tmpfs, e.g. at /tmp)"
        ) from None


class PrivateDir:
    """A fresh directory ``PREFIX + kind + ...`` under the temporary directory, held until
    :meth:`close` (or until this process and those forked from it have ended)."""

    def __init__(self, kind: str = "") -> None:
        sweep()
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX + kind, dir=temp_dir()))
        fd = os.open(self.path / _HELD_NEW, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(self.path / _HELD_NEW, self.path / HELD)
        self._fd: int | None = fd
        self._dir_fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def socket_path(self, name: str) -> Path:
        """Where a Unix socket ``name`` in the directory is bound and reached. A long
        ``TMPDIR`` makes the plain path longer than a socket's may be; then it goes through
        this process's handle of the directory (``/proc/self/fd/N``: the same ``N`` in every
        process forked from this one)."""
        plain = self.path / name
        if len(os.fsencode(plain)) <= SOCKET_PATH_BYTES:
            return plain
        return Path(f"/proc/self/fd/{self._dir_fd}") / name

    def close(self) -> None:
        """Remove the directory and let go of it."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
            os.close(self._dir_fd)
            self._fd = None


def sweep(where: Path | None = None) -> list[Path]:
    """Remove this user's private directories in ``where`` (the temporary directory) whose
    process has ended without removing them; the ones removed."""
    base = Path(where) if where is not None else temp_dir()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    uid = os.geteuid()
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
            continue
        path = Path(entry.path)
        if _abandoned(path):
            removed.append(path)
    return removed


def _abandoned(path: Path) -> bool:
    """Remove ``path`` if it is a private directory nobody holds; whether it was."""
    try:
        fd = os.open(path / HELD, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False  # no lock file: not ours to judge
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: in use
        shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)
    log.info("removed %s, left by a server process that ended without removing it", path)
    return True
