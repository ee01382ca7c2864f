"""``pcfgraph --help`` start-up time, hyperfine-style: repeated runs, interleaved with the
interpreter alone and with ``import click`` (the floor a click CLI cannot go under), wall time
median / p95 and the process's own CPU time (user + system, from ``wait4``), which a loaded
machine inflates far less than wall time. Beside them, a named query on the default graph
warm (``pcfgraph query api/element-by-code``, issue 20's "under 0.5 s warm"): its verified
release is built once, untimed, before the rounds, and reused while the sources are unchanged.

    .venv/bin/python bench/cli_bench.py [--runs 30]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
NAMED_QUERY = (
    "pcfgraph query api/element-by-code -p framework=apqc-pcf-cross-industry-7.4 -p code=8.1 "
    "--format json"
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument(
        "--before",
        type=Path,
        help="the src/ folder of another checkout: its pcfgraph --help runs interleaved too "
        "(a before/after in one run)",
    )
    args = ap.parse_args(argv)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import click'": [sys.executable, "-c", "import click"],
        "pcfgraph --help": [str(BIN / "pcfgraph"), "--help"],
        NAMED_QUERY: [str(BIN / "pcfgraph"), "query", *NAMED_QUERY.split()[2:]],
    }
    envs: dict[str, dict[str, str] | None] = {k: None for k in commands}
    if args.before is not None:
        name = f"pcfgraph --help ({args.before})"
        commands[name] = commands["pcfgraph --help"]
        envs[name] = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    order = random.Random(20261204)
    # The named query's first run builds (or finds) the verified release of the sources.
    subprocess.run(commands[NAMED_QUERY], stdout=subprocess.DEVNULL, check=True)
    load_before = os.getloadavg()
    import time

    for _ in range(args.runs + 1):
        names = list(commands)
        order.shuffle(names)
        for name in names:
            t0 = time.perf_counter()
            proc = subprocess.Popen(commands[name], stdout=subprocess.DEVNULL, env=envs[name])
            _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{name} failed")
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(usage.ru_utime + usage.ru_stime)
    print(
        f"Load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
        f"({os.cpu_count()} CPUs); {args.runs} runs each, interleaved, first run dropped."
    )
    print()
    print("| command | wall median ms | wall p95 ms | wall min ms | CPU median ms |")
    print("| --- | --- | --- | --- | --- |")
    for name in commands:
        w, c = wall[name][1:], cpu[name][1:]
        print(
            f"| `{name}` | {statistics.median(w) * 1000:.0f} | {pct(w, 0.95) * 1000:.0f} | "
            f"{min(w) * 1000:.0f} | {statistics.median(c) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
