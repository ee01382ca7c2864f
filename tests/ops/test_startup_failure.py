"""``pcfgraph serve`` whose start-up fails in the app's lifespan (here: no room in ``TMPDIR``
for the sandbox pool's copy of the release) says so in one line and exits 2, with one
server process as with several (pcfgraph.http.startup_failure). It printed Starlette's
traceback, logged by uvicorn, and exited 3, the status of a bug."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from ops_support import ServeProcess, free_port, publish

#: The shared-memory file system: another device than the release, so the pool copies its
#: graph file there (a hard link cannot cross), and the copy meets ``ulimit -f``.
SHM = Path("/dev/shm")


def _no_room() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # the graph: 220 KB


@pytest.mark.parametrize("workers", ["1", "2"])
def test_no_room_for_the_pool_is_one_line_and_exit_2(tmp_path: Path, workers: str) -> None:
    if not SHM.is_dir() or SHM.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system than the release")
    rel = tmp_path / "rel"
    publish(rel)
    temp = Path(tempfile.mkdtemp(prefix="pcfgraph-test-", dir=SHM))
    try:
        env = {**ServeProcess(rel, tmp_path / "log").env(), "TMPDIR": str(temp)}
        code = "from pcfgraph.cli import entry; entry()"
        port = str(free_port())
        args = ["serve", "--port", port, "--http-workers", workers, "--query-workers", "1"]
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            preexec_fn=_no_room,
        )
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    out = done.stderr + done.stdout
    assert done.returncode == 2, out[-3000:]
    assert "Traceback" not in out
    assert "serving release" not in out  # it said it served, then failed
    lines = [line for line in out.splitlines() if "cannot start the server" in line]
    # one a process that got that far (the first to fail stops the others, maybe sooner)
    assert 1 <= len(lines) <= int(workers), out[-3000:]
    assert all("File too large" in line and "(ulimit -f)" in line for line in lines)
    assert all("/graph-0.nq" in line for line in lines)  # the file it could not write


def test_each_start_up_failure_is_named_with_what_to_do() -> None:
    """The line and exit status of each kind of failure (pcfgraph.http.startup_failure)."""
    import errno

    from pcfgraph.errors import PcfgraphError
    from pcfgraph.http.startup_failure import describe

    copy = Path(tempfile.gettempdir()) / "pcfgraph-pool-x" / "graph-0.nq"
    full = OSError(errno.ENOSPC, "No space left on device", "/srv/rel/graph.nq", None, str(copy))
    assert describe(full) == (
        f"cannot start the server: No space left on device ({copy}); free space there, or "
        f"set TMPDIR to a directory with room (now {tempfile.gettempdir()})",
        2,
    )
    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/rel/graph.nq")
    line, status = describe(denied)
    assert status == 2 and line.startswith("cannot start the server: Permission denied")
    assert "(/srv/rel/graph.nq); let the user running the server read" in line
    assert "TMPDIR" not in line  # not in the temporary directory
    said = describe(PcfgraphError("no writable temporary directory"))
    assert said == ("cannot start the server: no writable temporary directory", 2)
    line, status = describe(KeyError("pool"))
    assert status == 3 and "internal error (KeyError: 'pool'). This is a bug" in line
