"""Writing a release's on-disk store (``store/``), in a forked server process too.

RocksDB, under pyoxigraph's on-disk store, flushes and compacts on background threads it
starts once per process. A process forked after its parent opened an on-disk store inherits
that state without the threads (``pcfgraph serve --http-workers N`` forks its workers after
building or opening the release): opening a store for writing there waited forever for a
flush no thread runs. A reload that rebuilt the shipped data (a workbook or sources file
changed, then ``POST /admin/reload`` or ``SIGHUP``) hung in the worker that began it, with no
answer, log line or timeout, and every later reload was refused as "already running". In a
forked process the store is written by a fresh interpreter (``python -m
pcfgraph.store_dir``), the N-Quads on its standard input.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

#: N-Quads bytes per bulk load into a release's on-disk store. One bulk load of every shared
#: workbook's 154 MB took 540 MB more memory; in 20 MB pieces 110 MB (and ~1 s more CPU in
#: the compaction that follows).
STORE_LOAD_CHUNK = 24 * 2**20


class _Process:
    """Whether this process was forked (by ``os.fork``, after this module was imported)."""

    forked = False

    @classmethod
    def fork_happened(cls) -> None:
        cls.forked = True


os.register_at_fork(after_in_child=_Process.fork_happened)


def write_store_dir(data: bytes, target: Path, chunk: int = STORE_LOAD_CHUNK) -> None:
    """Write N-Quads as an on-disk pyoxigraph store, compacted and closed (then read-only).
    Loaded in pieces of about ``chunk`` bytes cut at line ends, so the loader's memory stays
    bounded whatever the size of the release. In a forked process, by a fresh one (module
    doc); its failure is an :class:`OSError` naming the store and why."""
    if not _Process.forked:
        _write(data, target, chunk)
        return
    done = subprocess.run(
        [sys.executable, "-m", "pcfgraph.store_dir", str(target), str(chunk)],
        input=data,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OSError(
            f"writing the store {target} failed (exit {done.returncode}): "
            f"{why[-1] if why else 'no message'}"
        )


def _write(data: bytes, target: Path, chunk: int) -> None:
    disk = ox.Store(str(target))
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + chunk) + 1 or len(data)
        disk.bulk_load(data[start:end], format=ox.RdfFormat.N_QUADS)
        start = end
    disk.flush()
    disk.optimize()
    del disk  # closes the database: read-only opens need a cleanly closed store


if __name__ == "__main__":
    _write(sys.stdin.buffer.read(), Path(sys.argv[1]), int(sys.argv[2]))
