"""Acceptance of the APQC importer on APQC's real workbooks (run by CI with ../shared/apqc).

Usage::

    .venv/bin/python tools/check_apqc_workbooks.py ../shared/apqc

Checks (exit 1 on any failure):
- Cross-Industry 7.4 imports 1,921 elements (13 / 72 / 350 / 1,297 / 189 by level) and 3,910
  metrics; Utilities 7.2.1 imports 2,073 elements in 14 categories.
- The shipped 8.1 data is exactly what the importer produces from the real 7.4 workbook for
  that subtree: every triple about the 44 elements of 8.1, their change records and their
  measures is the same in both imports (same IRIs, same triples).
Not part of the pytest suite: tests never read ../shared.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rdflib import Graph, URIRef

from pcfgraph import iris
from pcfgraph.importers.apqc import import_workbook
from pcfgraph.iris import PCFG, SKOS

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "apqc" / "pcf-cross-industry-7.4-group-8.1.xlsx"
GROUP_81 = iris.apqc_element("Cross-Industry", "7.4", 20608)

EXPECTED = {
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


def subtree(g: Graph, root: URIRef) -> set[URIRef]:
    nodes = {root}
    frontier = [root]
    while frontier:
        node = frontier.pop()
        for child in g.subjects(SKOS.broader, node):
            if isinstance(child, URIRef) and child not in nodes:
                nodes.add(child)
                frontier.append(child)
    return nodes


def about(g: Graph, elements: set[URIRef]) -> set[tuple[object, object, object]]:
    """Triples whose subject is an element, one of its change records or one of its measures."""
    subjects: set[object] = set(elements)
    for e in elements:
        subjects.update(g.objects(e, PCFG.change))
        subjects.update(g.subjects(PCFG.measureOf, e))
    return {t for s in subjects for t in g.triples((s, None, None))}


def main(folder: Path) -> int:
    problems: list[str] = []
    full_74: Graph | None = None
    for name, expected in EXPECTED.items():
        path = folder / name
        started = time.perf_counter()
        imported = import_workbook(path, progress=False)
        seconds = time.perf_counter() - started
        print(
            f"{name}: {imported.elements} elements {imported.counts}, {imported.metrics} metrics, "
            f"{len(imported.graph)} triples in {seconds:.2f} s"
        )
        if imported.elements != expected["elements"]:
            problems.append(
                f"{name}: {imported.elements} elements, expected {expected['elements']}"
            )
        if "metrics" in expected and imported.metrics != expected["metrics"]:
            problems.append(f"{name}: {imported.metrics} metrics, expected {expected['metrics']}")
        for kind, n in expected["counts"].items():  # type: ignore[attr-defined]
            if imported.counts.get(kind) != n:
                problems.append(f"{name}: {imported.counts.get(kind)} {kind}, expected {n}")
        if name.endswith("7.4.xlsx"):
            full_74 = imported.graph

    if full_74 is not None:
        shipped = import_workbook(SHIPPED, progress=False).graph
        elements = subtree(full_74, GROUP_81)
        if len(elements) != 44 or subtree(shipped, GROUP_81) != elements:
            problems.append(f"8.1 subtree: {len(elements)} elements in the workbook, 44 expected")
        a, b = about(full_74, elements), about(shipped, elements)
        for t in sorted(a - b, key=str)[:20]:
            problems.append(f"only in the real workbook's import: {t}")
        for t in sorted(b - a, key=str)[:20]:
            problems.append(f"only in the shipped extract's import: {t}")
        print(f"8.1 subtree: {len(elements)} elements, {len(a)} triples compared")

    for p in problems:
        print(f"FAIL {p}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
