"""Peak memory and time of importing APQC workbooks, and how memory grows with rows.

Usage::

    .venv/bin/python bench/apqc_import_memory.py [../shared/apqc/apqc-pcf-cross-industry-7.4.xlsx]

Each import runs in a fresh process (``ru_maxrss`` is then that import's own peak). Synthetic
workbooks of 2,000 / 8,000 / 32,000 element rows (APQC's 7.4 layout, generated with openpyxl's
write-only mode) show the growth per row; the real workbook, when given, is measured too. Prints
the load average: figures taken on a busy shared machine are upper bounds.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Difference Index", "Change details",
          "Metrics available?", "Element Description"]  # fmt: skip


def synthetic(path: Path, rows: int) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Combined")
    ws.append(HEADER)
    per_group = 50
    n = 0
    cat = 0
    while n < rows:
        cat += 1
        ws.append([100000 + n, f"{cat}.0", f"Category {cat}", 0, None, "N", "A category."])
        n += 1
        for g in range(1, per_group + 1):
            if n >= rows:
                break
            ws.append([100000 + n, f"{cat}.{g}", f"Group {cat}.{g}", 0, None, "N", "A group " * 8])
            n += 1
    wb.save(path)
    return path


def measure(path: str) -> tuple[int, float, float]:
    from pcfgraph.importers.apqc import import_workbook

    started = time.perf_counter()
    r = import_workbook(Path(path), edition="Bench", version="1.0", progress=False)
    seconds = time.perf_counter() - started
    return r.elements, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh(path: Path) -> tuple[int, float, float]:
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx, max_tasks_per_child=1) as pool:
        return pool.submit(measure, str(path)).result()


def main(real: list[str]) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared: measured under load)")
    print("| workbook | elements | seconds | peak RSS MB |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (2_000, 8_000, 32_000):
            path = synthetic(Path(tmp) / f"synthetic-{rows}.xlsx", rows)
            n, s, mb = fresh(path)
            print(f"| synthetic {rows:,} rows | {n:,} | {s:.2f} | {mb:.0f} |")
    for p in real:
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=ctx, max_tasks_per_child=1) as pool:
            n, s, mb = pool.submit(_real, p).result()
        print(f"| {Path(p).name} | {n:,} | {s:.2f} | {mb:.0f} |")


def _real(path: str) -> tuple[int, float, float]:
    from pcfgraph.importers.apqc import import_workbook

    started = time.perf_counter()
    r = import_workbook(Path(path), progress=False)
    seconds = time.perf_counter() - started
    return r.elements, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(sys.argv[1:])
