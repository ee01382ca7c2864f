"""Memory of the whole ``pcfgraph serve`` process tree with 1 and N HTTP worker processes.

    .venv/bin/python bench/serve_memory.py --data default --http-workers 1 2   # bench/serve_memory.md

For each worker count: the server as ``pcfgraph serve`` runs it (bench/sparql_bench.py's
launcher, :func:`pcfgraph.cli.serve.run_http`) on the benchmark's release; once it answers and
has settled, the tree's memory idle; then wrk (8 connections) on each of the twelve benchmark
queries in turn while a thread samples the tree every 0.2 s: the peak under load; then a
reload (SIGHUP, the same release verified and loaded again by every process; done once
``/metrics`` counts one successful reload per process) and the tree idle after it. Two
figures each: the sum of RSS (pages shared after the fork counted in every process that maps
them, an over-estimate) and the sum of PSS (each shared page divided between the processes
sharing it: what the tree really holds). The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sparql_bench as sb  # noqa: E402


def tree(root: int) -> list[int]:
    """``root`` and every descendant."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rfind(")") + 2 :].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return found


def memory(root: int) -> tuple[float, float, int]:
    """(sum of RSS, sum of PSS) of the tree in MB, and its process count."""
    rss = pss = 0
    pids = tree(root)
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024, len(pids)


def under_load(server: sb.Server, texts: dict[str, tuple[str, str]], seconds: float) -> tuple:
    """Peak (RSS, PSS) of the tree while wrk asks each query for ``seconds``."""
    peak = [0.0, 0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss, _ = memory(server.proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    errors = 0.0
    try:
        for form, text in texts.values():
            errors += sb.throughput(server, form, text, seconds)["errors"]
    finally:
        done.set()
        sampler.join()
    return peak[0], peak[1], errors


def reloaded(server: sb.Server, timeout: float = 600) -> None:
    """SIGHUP the server and wait until every process has reloaded: the server counts one
    reload once every process serves the new release (``pcfgraph_reloads_total``, however
    many processes it has)."""
    base = server.url.rsplit("/", 1)[0]
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/metrics", timeout=30) as reply:
            text = reply.read().decode()
        for line in text.splitlines():
            key = 'pcfgraph_reloads_total{outcome="success"}'
            if line.startswith(key) and float(line.split()[1]) >= 1:
                return
        time.sleep(0.5)
    raise RuntimeError("the reload did not finish")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", choices=["default", "workbooks"], default="default")
    ap.add_argument("--release", default=None)
    ap.add_argument("--shared", default=str(HERE.parent.parent / "shared" / "apqc"))
    ap.add_argument("--http-workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seconds", type=float, default=3.0, help="wrk seconds per query")
    ap.add_argument("--settle", type=float, default=5.0)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found")
    nquads, label = sb.load_data(args)
    store = sb.EmbeddedStore.from_nquads(nquads)
    texts = sb.query_texts(sb.pick_parameters(store, "customer"))
    work = Path(tempfile.mkdtemp(prefix="pcfgraph-serve-memory-"))
    print(f"# serve memory, {label}; load average at start {os.getloadavg()}")
    print(
        "| http workers | processes | idle RSS sum MB | idle PSS MB | peak RSS sum MB | "
        "peak PSS MB | after a reload, idle PSS MB | wrk errors | load average after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    try:
        for workers in args.http_workers:
            server = sb.start_pcfgraph(store, work, 1024, cache_mb=0, http_workers=workers)
            try:
                time.sleep(args.settle)
                rss, pss, count = memory(server.proc.pid)
                peak_rss, peak_pss, errors = under_load(server, texts, args.seconds)
                reloaded(server)
                time.sleep(args.settle)
                _, after_reload, _ = memory(server.proc.pid)
            finally:
                server.stop()
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"| {workers} | {count} | {rss:.0f} | {pss:.0f} | {peak_rss:.0f} | "
                f"{peak_pss:.0f} | {after_reload:.0f} | {errors:.0f} | {load} |",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
