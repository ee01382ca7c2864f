"""Mixed-load test on loopback: GraphQL, named queries, ad-hoc SPARQL, validation uploads.

    .venv/bin/python bench/load_test.py [--release DIR] [--clients 16] [--seconds 60]
        [--max-requests 200000] [--url http://127.0.0.1:PORT]

Starts ``pcfgraph.serving:app_from_env`` under uvicorn on a free 127.0.0.1 port (unless
``--url`` names a running loopback server), runs ``--clients`` concurrent clients for
``--seconds`` (and at most ``--max-requests`` requests), then prints p50/p99 per route, the
status counts, and the server's resident memory (server + sandbox workers) before and after.

An *unintended* error is any 5xx other than 503 ``overloaded`` (admission control shedding load
by design), any connection error, and any 4xx on a request that is valid. Exit 1 if any.
Only loopback URLs are accepted. Routes whose endpoint is absent (404 on a probe) are skipped
and listed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from ops_support import LiveServer, publish  # noqa: E402  (the server the ops tests run)

SELECT_HEAD = "application/sparql-results+json"


# --- the server ---------------------------------------------------------------------------


def default_release(workdir: Path) -> Path:
    """A release to serve: ``pcfgraph build`` of the shipped data, else the test fixture."""
    out = workdir / "release"
    build = subprocess.run(
        [sys.executable, "-c", "from pcfgraph.cli import entry; entry()", "build", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if build.returncode == 0 and (out / "manifest.json").is_file():
        return out
    print(f"note: pcfgraph build failed ({build.stderr.strip()[:200]}); serving the test fixture")
    publish(out, extra=300)
    return out


def start_server(release: Path, log: Path) -> LiveServer:
    """The server under test: the ops tests' :class:`LiveServer` (uvicorn on a free loopback
    port, ready when ``/ready`` answers), application log at warning."""
    return LiveServer(release, log, log_level="warning").start(timeout=120)


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(pid: int) -> dict[str, float]:
    tree = process_tree(pid)
    return {
        "server_mb": round(rss_bytes(pid) / 2**20, 1),
        "workers_mb": round(sum(rss_bytes(p) for p in tree[1:]) / 2**20, 1),
        "processes": len(tree),
    }


# --- the workload -------------------------------------------------------------------------


@dataclass
class Op:
    route: str
    weight: int
    send: Callable[[httpx.Client, random.Random], httpx.Response]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    unintended: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, status: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(route, []).append(seconds)
            per = self.statuses.setdefault(route, {})
            per[status] = per.get(status, 0) + 1
            if problem and len(self.unintended) < 50:
                self.unintended.append(problem)
            elif problem:
                self.unintended.append("...")


def discover(client: httpx.Client) -> dict[str, Any]:
    """What the served release offers: element IRIs, a framework id, the endpoints present."""
    r = client.get(
        "/sparql",
        params={
            "query": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?e ?code WHERE { ?e skos:notation ?code } LIMIT 200"
        },
        headers={"Accept": "text/csv"},
    )
    if r.status_code != 200:
        raise SystemExit(f"discovery query failed: {r.status_code} {r.text[:300]}")
    lines = r.text.splitlines()[1:]
    present = {}
    for path, method in (("/graphql", "POST"), ("/validate", "POST"), ("/queries", "GET")):
        probe = client.request(
            method, path, json={"query": "{ __typename }"} if method == "POST" else None
        )
        present[path] = probe.status_code != 404
    return {"elements": [line.split(",", 1)[0] for line in lines if line], "present": present}


def workload(info: dict[str, Any]) -> list[Op]:
    elements: list[str] = info["elements"] or ["urn:none"]
    model = (ROOT / "data" / "examples").glob("*.ttl")
    upload = next(iter(sorted(model)), None)
    upload_body = (
        upload.read_bytes()
        if upload
        else b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"
    )

    def named(c: httpx.Client, rng: random.Random) -> httpx.Response:
        return c.get("/queries/api/descendants", params={"element": rng.choice(elements)})

    def adhoc(c: httpx.Client, rng: random.Random) -> httpx.Response:
        q = rng.choice(
            [
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?e ?l WHERE "
                '{ ?e skos:prefLabel ?l FILTER(CONTAINS(LCASE(STR(?l)), "manage")) } LIMIT 50',
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                f"DESCRIBE <{rng.choice(elements)}>",
            ]
        )
        return c.post(
            "/sparql",
            content=q.encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": SELECT_HEAD + ", text/turtle",
            },
        )

    def graphql(c: httpx.Client, rng: random.Random) -> httpx.Response:
        q = rng.choice(
            [
                "{ frameworks { id title elementCount } }",
                '{ search(text: "manage", first: 10) { element { id name } } }',
            ]
        )
        return c.post("/graphql", json={"query": q})

    def validate(c: httpx.Client, rng: random.Random) -> httpx.Response:
        return c.post("/validate", content=upload_body, headers={"Content-Type": "text/turtle"})

    ops = [Op("GET /queries/{name}", 4, named), Op("POST /sparql", 3, adhoc)]
    if info["present"].get("/graphql"):
        ops.append(Op("POST /graphql", 3, graphql))
    if info["present"].get("/validate"):
        ops.append(Op("POST /validate", 1, validate))
    return ops


def run_load(
    url: str, clients: int, seconds: float, max_requests: int, seed: int = 1
) -> tuple[Tally, float, list[str]]:
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as c:
        info = discover(c)
    ops = workload(info)
    skipped = [p for p, ok in info["present"].items() if not ok]
    weighted = [op for op in ops for _ in range(op.weight)]
    tally = Tally()
    stop_at = time.monotonic() + seconds
    budget = [max_requests]
    lock = threading.Lock()

    def client_loop(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        with httpx.Client(base_url=url, timeout=60, trust_env=False) as c:
            while time.monotonic() < stop_at:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                op = rng.choice(weighted)
                t0 = time.perf_counter()
                try:
                    r = op.send(c, rng)
                except httpx.HTTPError as exc:
                    tally.add(
                        op.route, "conn-error", time.perf_counter() - t0, f"{op.route}: {exc!r}"
                    )
                    continue
                dt = time.perf_counter() - t0
                problem = None
                code = None
                if r.status_code >= 400:
                    try:
                        code = r.json().get("code")
                    except ValueError:
                        code = None
                    if not (r.status_code == 503 and code == "overloaded"):
                        problem = f"{op.route}: {r.status_code} {code} {r.text[:200]}"
                elif op.route == "POST /graphql" and '"errors"' in r.text:
                    problem = f"{op.route}: GraphQL errors {r.text[:200]}"
                label = str(r.status_code) if code is None else f"{r.status_code} {code}"
                tally.add(op.route, label, dt, problem)

    started = time.monotonic()
    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.monotonic() - started, skipped


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def report(tally: Tally, elapsed: float) -> dict[str, Any]:
    routes = {}
    for route, lat in sorted(tally.latencies.items()):
        routes[route] = {
            "requests": len(lat),
            "p50_ms": round(percentile(lat, 0.5) * 1000, 1),
            "p99_ms": round(percentile(lat, 0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(lat) * 1000, 1),
            "statuses": tally.statuses[route],
        }
    total = sum(len(v) for v in tally.latencies.values())
    return {
        "seconds": round(elapsed, 1),
        "requests": total,
        "throughput_rps": round(total / elapsed, 1) if elapsed else 0,
        "routes": routes,
        "unintended_errors": len(tally.unintended),
        "unintended_samples": tally.unintended[:10],
    }


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load-test {host}: loopback only")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--release", type=Path)
    ap.add_argument("--url")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pcfgraph-load-"))
    server = None
    if args.url:
        check_loopback(args.url)
        url, pid = args.url, None
    else:
        release = args.release or default_release(workdir)
        server = start_server(release, workdir / "server.log")
        url, pid = server.url, server.pid
    try:
        before = memory(pid) if pid else {}
        tally, elapsed, skipped = run_load(url, args.clients, args.seconds, args.max_requests)
        after = memory(pid) if pid else {}
        out = report(tally, elapsed)
        out.update({"clients": args.clients, "memory_before": before, "memory_after": after})
        out["skipped_endpoints"] = skipped
        text = json.dumps(out, indent=2)
        print(text)
        if args.json:
            args.json.write_text(text + "\n")
        return 1 if out["unintended_errors"] else 0
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
