"""Benchmark (issue 14 item 9): rendering one audit report as JSON, Turtle and HTML.

Audits a synthetic model (bench/audit_bench.py's generator) once, then renders the report in
each format, interleaved, ``--repeat`` times; prints median and p95 seconds per format, the
ratio to JSON, the sizes, and the load average (the machine is shared). The rendering is what
differs between formats; the audit itself is the same.

    python bench/audit_report_bench.py --triples 100000 --repeat 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--max-findings", type=int, default=10_000)
    args = ap.parse_args()

    from audit_bench import _framework_context, generate

    from pcfgraph.audit import Upload, audit
    from pcfgraph.audit.engine import AuditOptions
    from pcfgraph.audit.html import render_html

    text, _expected = generate(args.triples, rate=0.05)
    context = _framework_context()
    report = audit(
        [Upload("model.nt", text.encode())],
        context,
        options=AuditOptions(max_findings=args.max_findings),
    )
    renderers = {
        "json": report.to_json,
        "turtle": report.to_turtle,
        "html": lambda: render_html(report),
    }
    times: dict[str, list[float]] = {k: [] for k in renderers}
    sizes: dict[str, int] = {}
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for name, render in renderers.items():
            started = time.perf_counter()
            out = render()
            times[name].append(time.perf_counter() - started)
            sizes[name] = len(out.encode("utf-8"))
    load_after = os.getloadavg()
    json_median = statistics.median(times["json"])
    print(
        f"model {len(text.splitlines())} triples, {len(report.results)} findings "
        f"({len(report.shown())} listed, max {args.max_findings}); load average "
        f"{load_before[0]:.1f} -> {load_after[0]:.1f}"
    )
    print("| format | median (s) | p95 (s) | x JSON | size (MB) |")
    print("|---|---:|---:|---:|---:|")
    for name, values in times.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        median = statistics.median(values)
        print(
            f"| {name} | {median:.3f} | {p95:.3f} | {median / json_median:.2f} | "
            f"{sizes[name] / 1e6:.2f} |"
        )


if __name__ == "__main__":
    main()
