"""GraphQL search on built releases served side by side: p50/p95 per query, requests
interleaved across the servers (bench/search_scale.md).

Issue 13 asks search on (b) (the default graph plus every shared workbook) to stay within 2x
of (a) (the default graph). ``bench/scale.py`` measures one search ("supplier") among other
reads, one server at a time; this bench runs every server at once and sends the same
search to each in turn, so both see the same load, for a few queries from narrow to broad.
A server may run another checkout's code (``@SRC``: its ``src/`` on ``PYTHONPATH``) to
compare a change with what it replaces on the same release.

    .venv/bin/pcfgraph build -o /tmp/rel-a
    .venv/bin/pcfgraph build -o /tmp/rel-b --add ../shared/apqc/...xlsx ...
    .venv/bin/python bench/search_scale.py a=/tmp/rel-a b=/tmp/rel-b [old-b=/tmp/rel-old@/tmp/old]
        [--runs 200] [--queries supplier,plan]

The machine is shared (2 cores): the load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import scale

QUERY = "query($t: String!) { search(text: $t, first: 20) { element { id name } } }"
QUERIES = ["supplier", "manage risk", "customer service", "plan", "information technology"]


def start(release: Path, src: Path | None, cache: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = scale.free_port()
    env = scale.env_for(cache)
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    code = "from pcfgraph.cli import entry; entry()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--release", str(release), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, port


def wait_ready(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit("server exited")
        time.sleep(0.1)
    raise SystemExit("server not ready after 300 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("servers", nargs="+", help="LABEL=RELEASE_DIR[@SRC_CHECKOUT]")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--queries", default=",".join(QUERIES))
    args = ap.parse_args()
    queries = args.queries.split(",")
    procs, clients = [], {}
    with tempfile.TemporaryDirectory(prefix="pcfgraph-search-scale-") as tmp:
        try:
            for n, spec in enumerate(args.servers):
                label, _, where = spec.partition("=")
                release, _, src = where.partition("@")
                proc, port = start(Path(release), Path(src) if src else None, Path(tmp) / str(n))
                procs.append((proc, port))
                clients[label] = scale.Client(port)
            for proc, port in procs:
                wait_ready(proc, port)
            load = os.getloadavg()
            times = {(label, q): [] for label in clients for q in queries}
            for q in queries:  # warm: the first search of each server opens its index
                for c in clients.values():
                    c.graphql(QUERY, {"t": q})
            for _ in range(args.runs):
                for q in queries:
                    for label, c in clients.items():  # interleaved
                        t0 = time.perf_counter()
                        status, body = c.graphql(QUERY, {"t": q})
                        times[(label, q)].append((time.perf_counter() - t0) * 1000)
                        if status != 200 or b'"errors"' in body:
                            raise SystemExit(f"{label} {q!r}: HTTP {status} {body[:200]!r}")
            load_after = os.getloadavg()
        finally:
            for proc, _port in procs:
                proc.terminate()
                proc.wait(30)
    first = next(iter(clients))
    print(f"load average before {load[0]:.2f} {load[1]:.2f}, after {load_after[0]:.2f} "
          f"{load_after[1]:.2f}; {args.runs} requests per cell, interleaved")  # fmt: skip
    labels = list(clients)
    print("| query | " + " | ".join(f"{x} p50 / p95 ms" for x in labels) + " | "
          + " | ".join(f"{x}/{first} p95" for x in labels[1:]) + " |")  # fmt: skip
    print("|---" * (1 + 2 * len(labels) - 1) + "|")
    for q in queries:
        cells, p95 = [], {}
        for label in labels:
            ts = sorted(times[(label, q)])
            p95[label] = ts[min(len(ts) - 1, int(0.95 * len(ts)))]
            cells.append(f"{statistics.median(ts):.1f} / {p95[label]:.1f}")
        ratios = [f"{p95[x] / p95[first]:.2f}x" for x in labels[1:]]
        print(f"| {q} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
