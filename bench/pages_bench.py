"""Server-side render time and size of every workbench page on the shipped graph.

    .venv/bin/python bench/pages_bench.py [--runs 30] [--markdown]

Each page is requested in process through the ASGI app (``fastapi.testclient``; no network),
``--runs`` times after one warm-up request ("warm": the server keeps the page reads of the
served release, see ``pcfgraph.services.page_reads.reads_for``), and ``--runs`` times with those reads
dropped before each request ("cold": what the first request after a start or reload pays).
The table shows medians and the warm 95th percentile in milliseconds, and the response size. Target: every page under 100 ms
(the spreadsheet downloads at the end are measured too, but are files, not pages).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

TARGET_MS = 100.0
#: Stands for the page of the first derived mapping record stating something of PRM-IT A24
#: (record ids are content hashes: looked up from A24's own N-Triples).
DERIVED = "{derived record of A24}"
APQC = "apqc-pcf-cross-industry-7.4"
PAGES: list[tuple[str, str]] = [
    ("home", "/"),
    ("framework tree: APQC 8.1", f"/frameworks/{APQC}"),
    ("framework tree: APQC, all open", f"/frameworks/{APQC}?expand=all"),
    ("framework tree: PRM-IT", "/frameworks/prm-it"),
    ("framework tree: IT-CMF", "/frameworks/it-cmf"),
    ("framework tree: TRIM", "/frameworks/trim"),
    ("element 8.1 (15 measures)", "/id/apqc-pcf/cross-industry/7.4/20608"),
    ("element 8.1.5.3", "/id/apqc-pcf/cross-industry/7.4/20635"),
    ("element PRM-IT A23", "/id/prm-it/A23"),
    ("element PRM-IT A24", "/id/prm-it/A24"),
    ("search 'service level'", "/search?q=service+level"),
    ("search as you type (fragment)", "/search?q=service+level&partial=true"),
    ("matrix PCF x PRM-IT A2", "/matrix"),
    ("matrix PCF x PRM-IT, derived", "/matrix?target=prm-it&derived=true"),
    ("matrix PCF x IT-CMF, derived", "/matrix?target=it-cmf&derived=true"),
    ("matrix PCF x TRIM, derived", "/matrix?target=trim&derived=true"),
    ("matrix PCF x PRM-IT, every category", "/matrix?category=all"),
    ("derived mapping record (of A24)", DERIVED),
    ("named graph PRM-IT", "/id/graph/framework/prm-it"),
    ("SPARQL query page", "/sparql"),
    ("audit form", "/audit"),
    ("diff form", "/diff"),
    ("diff APQC 7.4 with itself", f"/diff?old={APQC}&new={APQC}"),
    ("export 8.1.5 CSV", f"/frameworks/{APQC}/export?subtree=8.1.5&format=csv"),
    ("export APQC XLSX", f"/frameworks/{APQC}/export?format=xlsx"),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args(argv)

    from fastapi.testclient import TestClient

    from pcfgraph.config import Settings
    from pcfgraph.release import build_release
    from pcfgraph.serving import create_app

    started = time.perf_counter()
    release = build_release()
    app = create_app(Settings(), release)
    print(
        f"shipped graph: {len(release.store)} quads, app ready in "
        f"{time.perf_counter() - started:.1f} s; {args.runs} runs per page",
        file=sys.stderr,
    )
    rows: list[tuple[str, str, float, float, float, int]] = []
    page_reads = app.state.pcf.caches.page_reads
    # identity: the pages' own cost, not gzip's
    with TestClient(app, headers={"Accept-Encoding": "identity"}) as client:
        a24 = client.get("/id/prm-it/A24?format=nt").text
        derived = sorted(
            line.split()[0][1:-1].removeprefix("https://w3id.org/pcfgraph")
            for line in a24.splitlines()
            if "/id/mapping/derived/" in line.split()[0] and "annotatedSource" in line
        )
        for name, url in PAGES:
            url = derived[0] if url == DERIVED else url
            r = client.get(url)
            if r.status_code != 200:
                print(f"{url}: HTTP {r.status_code}", file=sys.stderr)
                return 2
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                r = client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            cold = []
            for _ in range(args.runs):
                page_reads.clear()
                t = time.perf_counter()
                client.get(url)
                cold.append((time.perf_counter() - t) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            rows.append(
                (name, url, statistics.median(times), p95, statistics.median(cold), len(r.content))
            )
    # downloads (spreadsheets) are files, not pages: measured, but not held to the page target
    slow = [r for r in rows if r[4] >= TARGET_MS and not r[0].startswith("export")]
    pages = [r for r in rows if not r[0].startswith("export")]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load}", file=sys.stderr)
    if args.markdown:
        print(f"Load average at the end of the run: {load}.\n")
        print("| page | path | warm median ms | warm p95 ms | cold median ms | bytes |")
        print("|---|---|---:|---:|---:|---:|")
        for name, url, med, p95, cold_med, size in rows:
            print(f"| {name} | `{url}` | {med:.1f} | {p95:.1f} | {cold_med:.1f} | {size:,} |")
    else:
        width = max(len(r[0]) for r in rows)
        print(f"{'page'.ljust(width)}  {'warm ms':>8}  {'p95 ms':>7}  {'cold ms':>8}  {'bytes':>8}")
        for name, _url, med, p95, cold_med, size in rows:
            print(f"{name.ljust(width)}  {med:8.1f}  {p95:7.1f}  {cold_med:8.1f}  {size:8,}")
    print(
        f"{len(pages) - len(slow)}/{len(pages)} pages under {TARGET_MS:.0f} ms (cold median)"
        + (f"; slow: {', '.join(r[0] for r in slow)}" if slow else ""),
        file=sys.stderr,
    )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
