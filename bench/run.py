"""One command for the whole comparison: SPARQL against oxigraph serve (and rdflib-endpoint) on
the default graph (beside a bare uvicorn + pyoxigraph app, the Python floor) and with every
shared APQC workbook loaded, the GraphQL tree against its single
SPARQL query, the audit against pyrudof, the CLI (``--help`` and a named query warm) and the
server's start from a built release. Writes ``bench/latest.md`` anew, headed by the machine, the
versions and the load average, so a figure never travels without its conditions, and by the
table of issue 20's targets read from the parts (:mod:`targets`).

    .venv/bin/pip install -e ".[bench]" && apt-get install wrk
    .venv/bin/python bench/run.py [--quick] [--skip workbooks graphql audit cli start]

Run it on a quiet machine: the load average before and after each part is recorded, and a part
started with a load above the number of CPUs is marked as measured under load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from targets import table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGES = (
    "pcfgraph",
    "pyoxigraph",
    "oxigraph",
    "uvicorn",
    "fastapi",
    "strawberry-graphql",
    "pyshacl",
    "pyrudof",
    "rdflib",
    "rdflib-endpoint",
)


def default_shared() -> Path:
    """``../shared/apqc`` next to this checkout; in a git worktree (``/work/wt/NAME``) next to
    the main checkout, where the shared material is (a run that found no workbooks measured the
    default graph twice and said so only in a table header)."""
    own = ROOT.parent / "shared" / "apqc"
    if own.is_dir():
        return own
    common = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    main = Path(common).parent if common else ROOT
    return main.parent / "shared" / "apqc"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if dirty:
        commit += " with uncommitted changes"
    return [
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {commit}",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        f"- versions: {', '.join(versions)}; {wrk.strip()}",
        f"- load average at start: {load()}",
    ]


def cpu_ticks() -> list[int]:
    """The machine's CPU time counters (``/proc/stat``: user, nice, system, idle, iowait, irq,
    softirq, steal), empty where there are none."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def steal(before: list[int], after: list[int]) -> float | None:
    """The share of the CPU time a virtual machine's host gave to others meanwhile (steal):
    the load average does not show it, and every figure of the part is slower by it."""
    if len(before) < 8 or len(after) < 8:
        return None
    delta = [a - b for a, b in zip(after, before, strict=True)]
    return delta[7] / sum(delta) if sum(delta) > 0 else None


#: Steal above this marks a part as measured on a contended host.
STEAL_MARK = 0.05


def part(title: str, cmd: list[str]) -> list[str]:
    before = os.getloadavg()[0]
    ticks = cpu_ticks()
    t0 = time.monotonic()
    print(f"== {title}: {' '.join(cmd)}", flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    lines = [f"## {title}", ""]
    busy = before > (os.cpu_count() or 1)
    stolen = steal(ticks, cpu_ticks())
    contended = (
        f" CPU steal {stolen:.0%} (time the host gave other machines)"
        + (": **measured on a contended host.**" if stolen > STEAL_MARK else ".")
        if stolen is not None
        else ""
    )
    lines.append(
        f"Load average {before:.2f} before, {os.getloadavg()[0]:.2f} after; "
        f"{time.monotonic() - t0:.0f} s."
        + (" **Measured under load.**" if busy else "")
        + contended
    )
    lines.append(f"Command: `{' '.join(cmd[1:])}`")
    if proc.returncode != 0:
        lines += ["", "```", (proc.stdout + proc.stderr)[-4000:], "```", "", "**FAILED**"]
    else:
        lines += ["", *proc.stdout.rstrip().splitlines()]
    print("\n".join(lines[2:]), flush=True)
    return [*lines, ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    ap.add_argument(
        "--skip", nargs="*", default=[], choices=["workbooks", "graphql", "audit", "cli", "start"]
    )
    ap.add_argument("--out", type=Path, default=HERE / "latest.md")
    ap.add_argument(
        "--shared",
        type=Path,
        default=None,
        help="folder of APQC workbooks (default: ../shared/apqc of this checkout, else of the "
        "main checkout when this is a git worktree)",
    )
    args = ap.parse_args()
    if "workbooks" not in args.skip:
        args.shared = args.shared or default_shared()
        if not sorted(args.shared.glob("*.xlsx")):
            ap.error(
                f"no APQC workbooks (*.xlsx) in {args.shared}: give --shared, or --skip workbooks"
            )
    py = sys.executable
    rounds = ["--runs", "40", "--budget", "3", "--tp-seconds", "3"] if args.quick else []
    machine_lines = machine()
    doc = ["# Benchmarks: latest run of bench/run.py", "", *machine_lines, ""]
    doc += part(
        "SPARQL, default graph (with the bare pyoxigraph app: the floor of a Python endpoint)",
        [
            py,
            str(HERE / "sparql_bench.py"),
            "--data",
            "default",
            "--bare-reference",
            "--compare-http-workers",
            "1",  # serve's default is one process per CPU: one process beside it
            *rounds,
        ],
    )
    if "workbooks" not in args.skip:
        doc += part(
            "SPARQL, default graph + every shared APQC workbook",
            [
                py,
                str(HERE / "sparql_bench.py"),
                "--data",
                "workbooks",
                "--shared",
                str(args.shared),
                *rounds,
            ],
        )
    if "graphql" not in args.skip:
        doc += part(
            "GraphQL tree vs its single SPARQL query",
            [
                py,
                str(HERE / "graphql_bench.py"),
                "--skip-synthetic",
                *(["--runs", "20"] if args.quick else []),
            ],
        )
    if "cli" not in args.skip:
        doc += part(
            "CLI start-up (pcfgraph --help, a named query warm)",
            [py, str(HERE / "cli_bench.py"), "--runs", "10" if args.quick else "30"],
        )
    if "audit" not in args.skip:
        doc += part(
            "Audit vs pyrudof",
            [
                py,
                str(HERE / "audit_bench.py"),
                "--sizes",
                "1000",
                "100000",
                "--repeat",
                "1" if args.quick else "3",
            ],
        )
    if "start" not in args.skip:
        doc += part(
            "Server start from a built release (default graph)",
            [py, str(HERE / "start_bench.py"), "--restarts", "3" if args.quick else "5"],
        )
    head = len(machine_lines) + 3  # after the title, its blank line, the machine and a blank
    doc[head:head] = [
        "## Issue 20's targets (read from the parts below)",
        "",
        *table("\n".join(doc)),
        "",
    ]
    args.out.write_text("\n".join(doc) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
