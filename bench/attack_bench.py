"""Cheap-path latency while the server is under attack (issue 14 items 1, 4 and 7).

Starts a real ``pcfgraph`` server (uvicorn subprocess, the guarded HTTP protocol, real
sandbox workers) on a small release, then for each scenario runs attackers in threads while
one client measures the cheap path:

- ``workbooks``: 2 clients POST a zip bomb and a 60,000-row workbook to the web diff form
  back to back; the cheap path is ``GET /health``;
- ``chains``: 4 clients POST refused 60 KB ``&&`` chains to ``/sparql``; the cheap path is
  ``ASK { ?s ?p ?o }``;
- ``fairness``: 2 heavy clients (own loopback addresses, 3 threads each) POST a cartesian
  product that runs to the 5 s deadline, back to back; the cheap path is an ad-hoc
  ``SELECT ... LIMIT 3`` from a third address. Measured after each heavy client had an answer
  (steady state; the first round, before anything is known about those clients, is printed
  separately).

Prints p50/p95/max of the cheap path (baseline first, then under attack), the attack
answers' statuses, and the peak resident memory of the server process and of its workers
(from /proc), plus the load average (the machine is shared: figures are under that load).

    python bench/attack_bench.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ops_support import LiveServer, publish  # noqa: E402


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 1024 * 1024))
    return buf.getvalue()


def many_rows(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Combined")
    for i in range(rows):
        ws.append([i, f"1.{i}", f"row {i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CHAIN = "SELECT * WHERE { ?s ?p ?o FILTER(" + " && ".join(["true"] * 8000) + ") }"


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return (
        f"n={len(times)} p50={statistics.median(times) * 1000:.1f} ms "
        f"p95={p95 * 1000:.1f} ms max={times[-1] * 1000:.1f} ms"
    )


HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def client(url: str, address: str | None = None, timeout: float = 60) -> httpx.Client:
    """A client, from ``address`` when given (the server tells clients apart by address)."""
    transport = httpx.HTTPTransport(local_address=address) if address else None
    return httpx.Client(base_url=url, timeout=timeout, trust_env=False, transport=transport)


def measure(
    url: str,
    cheap: callable,  # type: ignore[valid-type]
    seconds: float,
    address: str | None = None,
    until: threading.Event | None = None,
    refused: Counter[int] | None = None,
) -> list[float]:
    """Cheap-path latencies; a non-200 answer fails the bench unless ``refused`` counts it."""
    times = []
    end = time.monotonic() + seconds
    with client(url, address) as c:
        while time.monotonic() < end and not (until is not None and until.is_set()):
            started = time.monotonic()
            r = cheap(c)
            if refused is not None and r.status_code != 200:
                refused[r.status_code] += 1
            else:
                assert r.status_code == 200, r.text[:200]
            times.append(time.monotonic() - started)
            time.sleep(0.05)
    return times


def scenario(server: LiveServer, name: str, seconds: float) -> None:
    url = server.url
    if name == "workbooks":
        cheap = lambda c: c.get("/health")  # noqa: E731
        bodies = [zip_bomb(), many_rows(60_000)]

        def attack(c: httpx.Client, i: int) -> int:
            data = bodies[i % 2]
            files = {"old_workbook": ("a.xlsx", data), "new_workbook": ("b.xlsx", data)}
            return c.post("/diff", files=files).status_code

        attackers = 2
    elif name == "fairness":
        cheap = lambda c: c.post(  # noqa: E731
            "/sparql", data={"query": "SELECT ?s (RAND() AS ?r) WHERE { ?s ?p ?o } LIMIT 3"}
        )

        def attack(c: httpx.Client, i: int) -> int:
            status = c.post("/sparql", data={"query": HEAVY}).status_code
            if status == 429:
                time.sleep(0.2)  # Retry-After
            return status

        attackers = 6
    else:
        cheap = lambda c: c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})  # noqa: E731

        def attack(c: httpx.Client, i: int) -> int:
            return c.post("/sparql", data={"query": CHAIN}).status_code

        attackers = 4
    base = measure(url, cheap, min(5.0, seconds))
    stop = threading.Event()
    statuses: Counter[int] = Counter()
    peak = {"server": 0, "workers": 0}

    answered = [threading.Event(), threading.Event()]

    def attacker(n: int) -> None:
        address = f"127.0.3.{n % 2 + 1}" if name == "fairness" else None
        with client(url, address, timeout=120) as c:
            i = 0
            while not stop.is_set():
                statuses[attack(c, i)] += 1
                answered[n % 2].set()
                i += 1

    def sampler() -> None:
        while not stop.is_set():
            peak["server"] = max(peak["server"], rss_kb(server.pid))
            peak["workers"] = max(peak["workers"], sum(rss_kb(p) for p in children(server.pid)))
            time.sleep(0.2)

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(attackers)]
    threads.append(threading.Thread(target=sampler))
    for t in threads:
        t.start()
    first: list[float] = []
    first_refused: Counter[int] = Counter()
    try:
        if name == "fairness":
            both = threading.Event()

            def wait_both() -> None:
                for e in answered:
                    e.wait()
                both.set()

            threading.Thread(target=wait_both, daemon=True).start()
            first = measure(url, cheap, 120, "127.0.3.9", until=both, refused=first_refused)
        under = measure(url, cheap, seconds, "127.0.3.9" if name == "fairness" else None)
    finally:
        stop.set()
        for t in threads:
            t.join()
    print(f"## {name} ({attackers} attackers, load average {os.getloadavg()})")
    print(f"baseline     {percentiles(base)}")
    if first:
        print(f"first round  {percentiles(first)} not answered {dict(first_refused)}")
    print(f"under attack {percentiles(under)}")
    print(f"attack answers {dict(statuses)}")
    print(
        f"peak RSS: server {peak['server'] / 1024:.0f} MiB, "
        f"workers (sum) {peak['workers'] / 1024:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--scenario", choices=["workbooks", "chains", "fairness", "all"], default="all"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rel = Path(tmp) / "rel"
        publish(rel)
        server = LiveServer(
            rel, Path(tmp) / "server.log", max_body_bytes=8 * 1024 * 1024, query_timeout=5.0
        )
        server.start()
        try:
            for name in ("workbooks", "chains", "fairness"):
                if args.scenario in (name, "all"):
                    scenario(server, name, args.seconds)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
