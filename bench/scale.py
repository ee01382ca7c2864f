"""Scale of the whole runtime: build, restart, memory of the process tree, and latency of the
reads a user makes, on (a) the default graph and (b) the default graph plus every APQC
workbook in ``../shared/apqc/``.

For each graph, with a fresh release cache (``PCFGRAPH_CACHE_DIR`` in a temp dir):

* **build**: ``pcfgraph build -o DIR`` for (a), ``pcfgraph build -o DIR --add FILE...`` with
  every workbook of ``--shared`` not shipped in ``data/`` for (b): wall time and peak RSS of
  the build's process tree, with an empty release cache (cold); then the same command again
  with the cache warm (the release of unchanged sources is reused).
* **restart**: ``pcfgraph serve --release DIR`` until ``/ready`` answers 200.
* **memory**: RSS summed over the server and its sandbox workers (``/proc``), sampled every
  50 ms during the run (peak) and after it (steady).
* **latency**: p50/p95 over ``--runs`` requests each, rounds interleaved, one keep-alive
  ``http.client`` connection (its own cost is small and the same for every row): element by PCF
  ID (named query), descendants of a category (named query), GraphQL search, an ``/id`` HTML
  page, the GraphQL tree of PCF 8.1 (four levels, measures and mappings). The first request of
  each kind after start is reported apart (first vs. the median).

    .venv/bin/python bench/scale.py [--shared ../shared/apqc] [--runs 40] [--out bench/scale.md]

The run's tables (with the code's commit and the load averages) go at the top of ``--out``;
the sections already there (hand-written notes, earlier runs) stay below them.

The machine is shared and loaded (2 cores); the load average is recorded with every figure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PCFGRAPH = str(Path(sys.executable).parent / "pcfgraph")

TREE = """
query Tree($framework: ID!) {
  element(code: "8.1", framework: $framework) { ...E
    children { ...E children { ...E children { ...E } } } }
}
fragment E on Element {
  id code name definition
  measures { name }
  mappings(includeDerived: true, direction: EITHER) { relation object { id name } }
}
"""
SEARCH = 'query { search(text: "supplier", first: 20) { element { id name } } }'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and all its descendants."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children", encoding="ascii") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


class Sampler:
    """Peak RSS of a process tree, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return self.peak


def env_for(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCFGRAPH_")}
    env["PCFGRAPH_CACHE_DIR"] = str(cache)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return env


def pcfgraph_build(
    out: Path, cache: Path, add: list[str] | None = None, *, quiet: bool = False
) -> dict[str, Any]:
    """``pcfgraph build -o OUT [--add FILE ...]``: wall time, CPU and peak RSS of its process
    tree (the main process and its workbook import workers). The peak is sampled; the kernel's
    largest-child figure (``ru_maxrss``) is taken too when this build raised it, since it
    catches a peak between samples (it is the largest child this process ever waited for, so
    from a second build on it may be an earlier build's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    args = [PCFGRAPH, "build", "-o", str(out)]
    for path in add or []:
        args += ["--add", path]
    proc = subprocess.Popen(args, env=env_for(cache), stdout=subprocess.DEVNULL if quiet else None)
    sampler = Sampler(proc.pid)
    proc.wait()
    peak = sampler.stop()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit("pcfgraph build failed")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    after, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu0
    if after > before:
        peak = max(peak, after * 1024)
    # CPU seconds of the build and its import workers: on a loaded machine the wall time
    # mostly measures the others' load, the CPU time what the build itself costs.
    return {"seconds": seconds, "cpu": cpu, "peak": peak}


def build_graph(key: str, out: Path, cache: Path, shared: Path) -> dict[str, Any]:
    """Build (a) or (b) cold (empty release cache), then again with the cache warm (the
    release of unchanged sources is reused: its files are linked into the output)."""
    add: list[str] = []
    if key == "b":
        shipped = {p.name for p in (ROOT / "data").rglob("*.xlsx")}
        add = sorted(str(p) for p in shared.rglob("*.xlsx") if p.name not in shipped)
        if not add:
            raise SystemExit(f"no workbooks under {shared} (pass --shared)")
    cold = pcfgraph_build(out, cache, add)
    warm = pcfgraph_build(out.with_name(out.name + "-again"), cache, add)
    return {**cold, "warm_seconds": warm["seconds"], "workbooks": len(add)}


def cpu_text(built: dict[str, Any]) -> str:
    return f"{built['cpu']:.1f} s" if "cpu" in built else "-"


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, accept: str = "*/*") -> tuple[int, bytes]:
        self.conn.request("GET", path, headers={"Accept": accept})
        r = self.conn.getresponse()
        return r.status, r.read()

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> tuple[int, bytes]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        self.conn.request(
            "POST", "/graphql", body=body, headers={"Content-Type": "application/json"}
        )
        r = self.conn.getresponse()
        return r.status, r.read()


def pick_targets(c: Client) -> dict[str, Any]:
    """An APQC framework, a category IRI with descendants, a PCF ID of 8.1, and its /id path."""
    _status, body = c.graphql("{ frameworks { id } }")
    ids = [f["id"] for f in json.loads(body)["data"]["frameworks"]]
    fw = next(i for i in ids if i.startswith("apqc-pcf-cross"))
    q = f'{{ element(code: "8.1", framework: "{fw}") {{ iri pcfId }} }}'
    el = json.loads(c.graphql(q)[1])["data"]["element"]
    return {"framework": fw, "iri": el["iri"], "pcfId": el["pcfId"]}


def measure(port: int, runs: int) -> dict[str, Any]:
    c = Client(port)
    t = pick_targets(c)
    id_path = "/id/" + t["iri"].split("/id/", 1)[1]
    kinds = {
        "element by PCF ID": lambda: c.get(
            "/queries/api/element-by-pcf-id?" + urllib.parse.urlencode({"pcfId": t["pcfId"]}),
            "application/sparql-results+json",
        ),
        "descendants": lambda: c.get(
            "/queries/api/descendants?" + urllib.parse.urlencode({"element": t["iri"]}),
            "application/sparql-results+json",
        ),
        "search (GraphQL)": lambda: c.graphql(SEARCH),
        "/id page (HTML)": lambda: c.get(id_path, "text/html"),
        "GraphQL tree 8.1": lambda: c.graphql(TREE, {"framework": t["framework"]}),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(runs):
        for name, call in kinds.items():  # interleaved rounds
            t0 = time.perf_counter()
            status, _body = call()
            times[name].append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise SystemExit(f"{name}: HTTP {status}")
    out = {}
    for name, ts in times.items():
        rest = sorted(ts[1:])
        out[name] = {
            "first": ts[0],
            "p50": statistics.median(rest),
            "p95": rest[min(len(rest) - 1, int(0.95 * len(rest)))],
        }
    return out


def wait_ready(proc: subprocess.Popen[bytes], port: int, poll: float = 0.05) -> None:
    """Until the server ``proc`` started on ``port`` answers ``/ready`` 200 (it exiting, or
    not ready after 120 s, ends the benchmark)."""
    started = time.perf_counter()
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ready")
            ok = conn.getresponse().status == 200
            conn.close()
            if ok:
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"pcfgraph serve exited with {proc.returncode}")
        if time.perf_counter() - started > 120:
            raise SystemExit("pcfgraph serve not ready after 120 s")
        time.sleep(poll)


def serve_and_measure(release_dir: Path, cache: Path, runs: int) -> dict[str, Any]:
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [PCFGRAPH, "serve", "--release", str(release_dir), "--port", str(port)],
        env=env_for(cache),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sampler = Sampler(proc.pid)
    try:
        wait_ready(proc, port)
        restart = time.perf_counter() - t0
        latency = measure(port, runs)
        time.sleep(1)
        steady = tree_rss(proc.pid)
        return {"restart": restart, "latency": latency, "steady": steady, "peak": sampler.stop()}
    finally:
        proc.terminate()
        proc.wait(20)


def served_rounds(releases: dict[str, Path], restarts: int, runs: int) -> None:
    """Restart each built release ``restarts`` times, (a) and (b) interleaved: restart time,
    memory and latency (first request, p50, p95) with the load average, as JSON lines."""
    for i in range(restarts):
        for key, rel in releases.items():
            load = os.getloadavg()
            with tempfile.TemporaryDirectory(prefix="pcfgraph-scale-cache-") as cache:
                served = serve_and_measure(rel, Path(cache), runs)
            row = {"round": i, "graph": key, "load": [load, os.getloadavg()], **served}
            print(json.dumps(row, default=str), flush=True)


def mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    shared = next(
        (
            p
            for p in (ROOT.parent / "shared" / "apqc", ROOT.parent.parent / "shared" / "apqc")
            if p.is_dir()
        ),
        ROOT.parent / "shared" / "apqc",
    )  # beside the checkout, or beside the worktrees' directory (/work/wt/NAME)
    ap.add_argument("--shared", type=Path, default=shared)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "scale.md")
    ap.add_argument("--only", choices=["a", "b"], default=None)
    ap.add_argument(
        "--served",
        nargs=2,
        type=Path,
        metavar=("RELEASE_A", "RELEASE_B"),
        help="no builds: restart and measure these built releases of (a) and (b), "
        "--restarts times each, interleaved (JSON lines on stdout; scale.md untouched)",
    )
    ap.add_argument("--restarts", type=int, default=3)
    args = ap.parse_args()
    if args.served:
        served_rounds(dict(zip("ab", args.served, strict=True)), args.restarts, args.runs)
        return
    work = Path(tempfile.mkdtemp(prefix="pcfgraph-scale-"))
    results: dict[str, Any] = {}
    try:
        for key in ("a", "b"):
            if args.only and key != args.only:
                continue
            cache = work / f"cache-{key}"
            rel = work / f"release-{key}"
            load_before = os.getloadavg()
            built = build_graph(key, rel, cache, args.shared)
            manifest = json.loads((rel / "manifest.json").read_text())
            served = serve_and_measure(rel, cache, args.runs)
            results[key] = {
                "built": built,
                "served": served,
                "quads": manifest["quads"],
                "load": (load_before, os.getloadavg()),
            }
            print(key, json.dumps(results[key], default=str)[:400], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    write_md(args.out, results, args.runs)


def commit() -> str:
    """The checkout's commit (``-dirty`` with uncommitted changes other than this bench's own
    outputs), for the run's heading."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            # the bench's own outputs do not make the code dirty
            [
                "git",
                "-C",
                str(ROOT),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!bench/scale.md",
                ":!bench/scale.json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def history(out: Path) -> list[str]:
    """The hand-written sections of ``out`` (from its first ``## `` heading on), kept below
    the generated tables."""
    try:
        text = out.read_text(encoding="utf-8")
    except OSError:
        return []
    start = text.find("\n## ")
    return ["", *text[start + 1 :].rstrip("\n").split("\n")] if start >= 0 else []


def conditions(results: dict[str, Any]) -> str:
    """Quiet or loaded, from the 1-minute load averages recorded: a graph measured while the
    load was above the number of CPUs is marked as measured under load."""
    cpus = os.cpu_count() or 1
    highest = max((la[0] for r in results.values() for la in r["load"]), default=0.0)
    if highest > cpus:
        return f"**Measured under load** (1-minute load up to {highest:.1f} on {cpus} CPUs)."
    return f"Quiet machine (1-minute load at most {highest:.1f} on {cpus} CPUs)."


def write_md(out: Path, results: dict[str, Any], runs: int) -> None:
    """The run's tables at the top of ``out``; the sections already there (hand-written notes,
    earlier runs) stay below, newest first."""
    names = {"a": "(a) default graph", "b": "(b) default + every shared workbook"}
    kept = history(out)
    lines = [
        "# Scale: build, restart, memory and latency (bench/scale.py)",
        "",
        f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (generated)",
        "",
        f"Run on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), code at `{commit()}`, "
        f"{runs} requests per "
        "read, interleaved, one keep-alive `http.client` connection. "
        + conditions(results)
        + " Load averages (1/5/15 min) before and after each graph are given. Regenerate "
        "with `.venv/bin/python bench/scale.py`.",
        "",
        "| | graph | quads | build (cold) | build CPU | build peak RSS | build again (cached) "
        "| restart (to /ready) | process tree peak | steady | load before -> after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, r in results.items():
        b, s = r["built"], r["served"]
        la = " -> ".join("/".join(f"{x:.1f}" for x in la) for la in r["load"])
        lines.append(
            f"| {key} | {names[key]} | {r['quads']:,} | {b['seconds']:.1f} s | {cpu_text(b)} "
            f"| {mb(b['peak'])} "
            f"| {b['warm_seconds']:.1f} s | {s['restart']:.2f} s | {mb(s['peak'])} "
            f"| {mb(s['steady'])} | {la} |"
        )
    lines += ["", "Latency (ms; first request after start, then p50/p95 of the rest):", ""]
    keys = list(results)
    ratio = keys == ["a", "b"]
    header = "| read | " + " | ".join(f"{k}: first / p50 / p95" for k in keys)
    header += " | b/a p95 |" if ratio else " |"
    lines += [header, "| --- |" + " --- |" * (len(keys) + ratio)]
    reads = next(iter(results.values()))["served"]["latency"].keys() if results else []
    for read in reads:
        cells = []
        for k in keys:
            lat = results[k]["served"]["latency"][read]
            cells.append(f"{lat['first']:.1f} / {lat['p50']:.1f} / {lat['p95']:.1f}")
        if ratio:
            p95 = [results[k]["served"]["latency"][read]["p95"] for k in keys]
            cells.append(f"{p95[1] / p95[0]:.1f}x")
        lines.append(f"| {read} | " + " | ".join(cells) + " |")
    out.write_text("\n".join(lines + kept) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
