"""Server start on the default graph from a built release: ``pcfgraph serve --release DIR``
until ``/ready`` answers 200, several restarts, median / p95 / min wall time and the main
process's CPU to ready (issue 20's "ready in under 3 s" target).

The release is built once first (``pcfgraph build -o DIR``, a release cache of its own, not
timed); each restart gets a fresh, empty ``PCFGRAPH_CACHE_DIR`` as a machine that only has the
built release would.

    .venv/bin/python bench/start_bench.py [--restarts 5]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from scale import PCFGRAPH, env_for, free_port, pcfgraph_build, wait_ready


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def one_start(release: Path, cache: Path) -> tuple[float, float]:
    """Seconds from the command to ``/ready`` 200, and the main process's CPU seconds then."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [PCFGRAPH, "serve", "--release", str(release), "--port", str(port)],
        env=env_for(cache),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(proc, port, poll=0.02)
        wall = time.perf_counter() - t0
        with open(f"/proc/{proc.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return wall, cpu
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--restarts", type=int, default=5)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="pcfgraph-start-"))
    try:
        release = work / "release"
        pcfgraph_build(release, work / "build-cache", quiet=True)
        load_before = os.getloadavg()
        walls: list[float] = []
        cpus: list[float] = []
        for i in range(args.restarts):
            wall, cpu = one_start(release, work / f"cache-{i}")
            walls.append(wall)
            cpus.append(cpu)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"Load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
        f"({os.cpu_count()} CPUs); {args.restarts} starts of the default graph's built release."
    )
    print()
    print("| start | wall median s | wall p95 s | wall min s | main process CPU median s |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| `pcfgraph serve --release DIR` to `/ready` 200 | {statistics.median(walls):.2f} | "
        f"{pct(walls, 0.95):.2f} | {min(walls):.2f} | {statistics.median(cpus):.2f} |"
    )


if __name__ == "__main__":
    main()
