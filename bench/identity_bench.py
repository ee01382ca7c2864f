"""What identity across editions costs a page and a GraphQL request: the element page with and
without its timeline and inherited mappings, and ``element { versions history
inheritedMappings }`` against the same element's plain fields.

    .venv/bin/python bench/identity_bench.py [--runs 20] [--add ../shared/apqc/industries/k09276-retail-v721-vs-retail-v611-april-2023.xlsx]

The shipped graph (plus ``--add`` workbooks) is served in process through the ASGI app (no
network). Each case is measured "cold" (the server's page reads dropped before each request,
what the first request after a start pays) with the identity reads on and off, interleaved
(on, off, on, off ...) so machine load hits both alike; medians and p95 in milliseconds, with
the load average before and after (the figures are only comparable at similar load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

APQC_ELEMENT = "/id/apqc-pcf/cross-industry/7.4/20632"  # 8.1.5, curated mappings on it
GRAPHQL_PLAIN = '{ element(pcfId: 20632, framework: "%s") { code name mappings { iri } } }'
GRAPHQL_IDENTITY = (
    '{ element(pcfId: 20632, framework: "%s") { code name mappings { iri } '
    "versions { code } history { changes } inheritedMappings { status reasons } } }"
)


def _stats(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--add", type=Path, action="append", default=[])
    args = ap.parse_args(argv)

    from fastapi.testclient import TestClient

    from pcfgraph.config import Settings
    from pcfgraph.release import build_release
    from pcfgraph.serving import create_app
    from pcfgraph.sources import ExtraSources
    from pcfgraph.web import identity, render

    load_before = os.getloadavg()
    started = time.perf_counter()
    release = build_release(ExtraSources(workbooks=tuple(args.add)) if args.add else None)
    app = create_app(Settings(), release)
    print(
        f"graph: {len(release.store)} quads (+{len(args.add)} workbooks), ready in "
        f"{time.perf_counter() - started:.1f} s; {args.runs} runs per case",
        file=sys.stderr,
    )
    page_reads = app.state.pcf.caches.page_reads
    real = (identity.timeline, identity.inherited)

    def switch(on: bool) -> None:
        identity_fns = real if on else (lambda *_: [], lambda *_: [])
        render.identity.timeline, render.identity.inherited = identity_fns  # type: ignore[assignment]

    # identity: the pages' own cost, not gzip's
    with TestClient(app, headers={"Accept-Encoding": "identity"}) as client:
        frameworks = [
            f["id"]
            for f in client.post("/graphql", json={"query": "{ frameworks { id } }"}).json()[
                "data"
            ]["frameworks"]
        ]
        pages = [("element page APQC 7.4 8.1.5", APQC_ELEMENT)]
        for fid in frameworks:
            if fid.startswith("apqc-pcf-") and "cross-industry" not in fid:
                q = "query($f: ID) { element(pcfId: 20632, framework: $f) { iri } }"
                body = {"query": q, "variables": {"f": fid}}
                got = client.post("/graphql", json=body).json().get("data") or {}
                if got.get("element"):
                    path = "/id/" + got["element"]["iri"].split("/id/", 1)[1]
                    pages.append((f"element page {fid} (PCF ID 20632)", path))
        rows = []
        for name, url in pages:
            on: list[float] = []
            off: list[float] = []
            for _ in range(args.runs):
                for flag, out in ((True, on), (False, off)):
                    switch(flag)
                    page_reads.clear()
                    t = time.perf_counter()
                    r = client.get(url, headers={"accept": "text/html"})
                    out.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, (url, r.status_code)
            switch(True)
            rows.append((name + " (cold)", *_stats(on), *_stats(off)))
        for fid in [f for f in frameworks if f.startswith("apqc-pcf-")]:
            on, off = [], []
            for _ in range(args.runs):
                for query, out in ((GRAPHQL_IDENTITY, on), (GRAPHQL_PLAIN, off)):
                    t = time.perf_counter()
                    r = client.post("/graphql", json={"query": query % fid})
                    out.append((time.perf_counter() - t) * 1000)
                    assert "errors" not in r.json(), r.json()
            rows.append((f"GraphQL element {fid}", *_stats(on), *_stats(off)))
    load_after = os.getloadavg()
    print("| case | with identity median ms | p95 | without median ms | p95 |")
    print("|---|---:|---:|---:|---:|")
    for name, m_on, p_on, m_off, p_off in rows:
        print(f"| {name} | {m_on:.1f} | {p_on:.1f} | {m_off:.1f} | {p_off:.1f} |")
    print(
        f"\nload average (1/5/15 min) before {load_before[0]:.1f}/{load_before[1]:.1f}/"
        f"{load_before[2]:.1f}, after {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f}; "
        f"{os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
