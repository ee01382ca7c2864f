"""Acceptance of the APQC importer on APQC's real workbooks (run by CI with ../shared/apqc).

Usage::

    .venv/bin/python tools/check_apqc_workbooks.py ../shared/apqc

Every ``*.xlsx`` under the folder (cross-industry and ``industries/``, as APQC names them) is
imported in a fresh process, with no flags: edition and version must be detected from the
workbook and its name alone. Checks (exit 1 on any failure):

- every workbook imports with zero errors, and with the edition, version and compared version
  listed in :data:`EXPECTED` (a workbook found but not listed, or listed but missing, fails);
- Cross-Industry 7.4 imports 1,921 elements (13 / 72 / 350 / 1,297 / 189 by level) and 3,910
  metrics; Utilities 7.2.1 imports 2,073 elements in 14 categories;
- a renamed copy of each workbook (``workbook.xlsx``) still imports where the workbook states
  its own version (the 7.2.2 editions), and otherwise fails naming exactly the version as what
  could not be determined;
- the import of each workbook stays under 300 MB peak RSS.

Prints per workbook: elements, metrics, triples, seconds and peak RSS (MB), with the load
average. Not part of the pytest suite: tests never read ../shared.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import import_workbook

#: file name -> (edition, version, compared with)
EXPECTED: dict[str, tuple[str, str, str]] = {
    "apqc-pcf-cross-industry-7.4.xlsx": ("Cross-Industry", "7.4", "7.3.1"),
    "apqc-pcf-utilities-7.2.1.xlsx": ("Utilities", "7.2.1", "6.1.0"),
    "k06638-airline-v722-vs-airline-v721-2025.xlsx": ("Airline", "7.2.2", "7.2.1"),
    "k06639-automotive-v722-vs-automotive-v721-2025.xlsx": ("Automotive", "7.2.2", "7.2.1"),
    "k06641-broadcasting-v722-vs-broadcasting-v721-2025.xlsx": ("Broadcasting", "7.2.2", "7.2.1"),
    "k07122-life-sciences-v722-vs-life-sciences-v721-2025.xlsx": (
        "Life Sciences",
        "7.2.2",
        "7.2.1",
    ),
    "k07123-consumer-electronics-v721-vs-consumer-electronics-v611-april-2023.xlsx": (
        "Consumer Electronics",
        "7.2.1",
        "6.1.1",
    ),
    "k07126-petroleum-downstream-v722-vs-petroleum-downstream-v721-2025.xlsx": (
        "Petroleum Downstream",
        "7.2.2",
        "7.2.1",
    ),
    "k07127-petroleum-upstream-v721-vs-petroleum-upstream-v610-2025.xlsx": (
        "Petroleum Upstream",
        "7.2.1",
        "6.1.0",
    ),
    "k07128-healthcare-provider-v721-vs-healthcare-provider-v611-april-2023.xlsx": (
        "Healthcare Provider",
        "7.2.1",
        "6.1.1",
    ),
    "k07129-property-and-casualty-insurance-v721-vs-property-and-casualty-insurance-v610-0-2025"
    ".xlsx": ("Property and Casualty Insurance", "7.2.1", "6.1.0"),
    "k07130-health-insurance-payor-721-vs-health-insurance-payor-611-april-2023.xlsx": (
        "Health Insurance Payor",
        "7.2.1",
        "6.1.1",
    ),
    "k09276-retail-v721-vs-retail-v611-april-2023.xlsx": ("Retail", "7.2.1", "6.1.1"),
    "k09277-consumer-products-v722-vs-consumer-products-721.xlsx": (
        "Consumer Products",
        "7.2.2",
        "7.2.1",
    ),
}

COUNTS: dict[str, dict[str, Any]] = {
    "apqc-pcf-cross-industry-7.4.xlsx": {
        "elements": 1921,
        "metrics": 3910,
        "counts": {
            "category": 13,
            "processGroup": 72,
            "process": 350,
            "activity": 1297,
            "task": 189,
        },
    },
    "apqc-pcf-utilities-7.2.1.xlsx": {"elements": 2073, "counts": {"category": 14}},
}

PEAK_MB_LIMIT = 300.0


def _import_one(path: str) -> dict[str, Any]:
    """Runs in a fresh process, so ru_maxrss is this import's own peak."""
    started = time.perf_counter()
    try:
        r = import_workbook(Path(path), progress=False)
    except WorkbookError as exc:
        return {"error": str(exc)}
    seconds = time.perf_counter() - started
    return {
        "edition": r.edition,
        "version": r.version,
        "compared_to": r.compared_to,
        "version_from": r.version_from,
        "elements": r.elements,
        "metrics": r.metrics,
        "counts": r.counts,
        "triples": len(r.triples),
        "warnings": r.warnings,
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _in_fresh_process(path: Path) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx, max_tasks_per_child=1) as pool:
        return pool.submit(_import_one, str(path)).result()


def main(folder: Path) -> int:
    problems: list[str] = []
    print(f"load average {os.getloadavg()[0]:.2f} (measured under load: shared 2-core machine)")
    found = {p.name: p for p in sorted(folder.rglob("*.xlsx"))}
    for name in sorted(set(EXPECTED) - set(found)):
        problems.append(f"{name}: listed but not found under {folder}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in found.items():
            got = _in_fresh_process(path)
            if "error" in got:
                problems.append(f"{name}: {got['error']}")
                continue
            print(
                f"{name}: {got['edition']} {got['version']} (compared with {got['compared_to']}; "
                f"version from {got['version_from']}): {got['elements']} elements, "
                f"{got['metrics']} metrics, {got['triples']} triples, {len(got['warnings'])} "
                f"warnings, {got['seconds']:.2f} s, peak {got['peak_mb']:.0f} MB"
            )
            for w in got["warnings"]:
                print(f"  warning: {w}")
            if name not in EXPECTED:
                problems.append(f"{name}: not in EXPECTED (add what the workbook states)")
            elif (got["edition"], got["version"], got["compared_to"]) != EXPECTED[name]:
                problems.append(
                    f"{name}: detected {(got['edition'], got['version'], got['compared_to'])}, "
                    f"expected {EXPECTED[name]}"
                )
            if got["peak_mb"] > PEAK_MB_LIMIT:
                problems.append(f"{name}: peak {got['peak_mb']:.0f} MB > {PEAK_MB_LIMIT:.0f} MB")
            expected = COUNTS.get(name, {})
            for key in ("elements", "metrics"):
                if key in expected and got[key] != expected[key]:
                    problems.append(f"{name}: {got[key]} {key}, expected {expected[key]}")
            for kind, n in expected.get("counts", {}).items():
                if got["counts"].get(kind) != n:
                    problems.append(f"{name}: {got['counts'].get(kind)} {kind}, expected {n}")
            problems.extend(_check_renamed(path, Path(tmp), got))
    for p in problems:
        print(f"FAIL {p}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def _check_renamed(path: Path, tmp: Path, got: dict[str, Any]) -> list[str]:
    """Without its name, a workbook is identified by its own statement or names what is missing."""
    copy = tmp / "workbook.xlsx"
    shutil.copyfile(path, copy)
    states_version = "the workbook" in str(got["version_from"])
    try:
        r = import_workbook(copy, progress=False)
    except WorkbookError as exc:
        if states_version or "could not determine the version of" not in str(exc):
            return [f"{path.name} renamed: {exc}"]
        return []
    if not states_version or (r.edition, r.version) != (got["edition"], got["version"]):
        return [f"{path.name} renamed: imported as {r.edition} {r.version}"]
    return []


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
