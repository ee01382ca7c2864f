"""Benchmark: a 10,000-row spreadsheet model converted to RDF, against auditing the same model
given as Turtle (issue 15: under 5 s, and at most 2x the Turtle audit).

The model is ``bench/audit_bench.py``'s synthetic organisation, grown until its workbook
(written by ``pcfgraph.audit.inputs.writer``) has at least ``--rows`` data rows. On the clock:

- convert: ``pcfgraph convert model.xlsx model.ttl`` as the CLI does it in-process: read the
  workbook (archive checks, openpyxl read-only, every cell to RDF terms with its location) and
  serialise Turtle;
- read: the workbook read alone (what ``pcfgraph audit model.xlsx`` adds over Turtle);
- audit-ttl: ``audit()`` of the same model as Turtle (parse, SHACL, checks, report), with the
  framework context built before the clock (as a served release or worker keeps it).

Runs are interleaved (convert, read, audit, convert, ...) so load changes hit all three; medians
and p95 of ``--repeat`` runs, with the load average before and after.

    .venv/bin/python bench/model_inputs_bench.py --rows 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def _p95(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    import pyoxigraph as ox
    from audit_bench import _framework_context, generate

    from pcfgraph.audit import Upload, audit
    from pcfgraph.audit.inputs.sheets import SHEETS
    from pcfgraph.audit.inputs.workbook import read_workbook
    from pcfgraph.audit.inputs.writer import sheet_rows, workbook_bytes

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    target = args.rows * 3
    while True:
        nt, _ = generate(target)
        triples = [
            q.triple if isinstance(q, ox.Quad) else q
            for q in ox.parse(nt.encode(), format=ox.RdfFormat.N_TRIPLES)
        ]
        _, rows, other = sheet_rows(triples)
        n_rows = sum(len(rows[s.name]) for s in SHEETS) + len(other)
        if n_rows >= args.rows:
            break
        target = int(target * args.rows / max(n_rows, 1) * 1.05) + 100
    started = time.perf_counter()
    xlsx = workbook_bytes(triples)
    write_s = time.perf_counter() - started
    ttl = ox.serialize(triples, format=ox.RdfFormat.TURTLE)
    context = _framework_context()
    print(
        f"model: {n_rows} rows ({len(other)} in Other statements), {len(triples)} triples, "
        f"xlsx {len(xlsx) // 1024} KiB, Turtle {len(ttl) // 1024} KiB; workbook written in "
        f"{write_s:.2f} s",
        flush=True,
    )
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {"convert": [], "read": [], "audit-ttl": []}
    cpu: dict[str, list[float]] = {k: [] for k in times}

    def clock(name: str, t0: float, c0: float) -> None:
        times[name].append(time.perf_counter() - t0)
        cpu[name].append(time.process_time() - c0)

    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = read_workbook(xlsx, "model.xlsx")
        out = ox.serialize(result.triples, format=ox.RdfFormat.TURTLE)
        clock("convert", t0, c0)
        assert out and not result.findings and len(result.triples) == len(triples)
        t0, c0 = time.perf_counter(), time.process_time()
        read_workbook(xlsx, "model.xlsx")
        clock("read", t0, c0)
        t0, c0 = time.perf_counter(), time.process_time()
        report = audit([Upload("model.ttl", ttl)], context)
        clock("audit-ttl", t0, c0)
        assert report.triples == len(triples)
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after} (2 cores, shared machine)")
    print("| step | wall median s | wall p95 s | CPU median s |")
    print("|---|---|---|---|")
    for name, xs in times.items():
        print(
            f"| {name} | {statistics.median(xs):.2f} | {_p95(xs):.2f} | "
            f"{statistics.median(cpu[name]):.2f} |"
        )
    ratio = statistics.median(times["convert"]) / statistics.median(times["audit-ttl"])
    print(f"convert / audit-ttl (medians): {ratio:.2f}x")


if __name__ == "__main__":
    main()
