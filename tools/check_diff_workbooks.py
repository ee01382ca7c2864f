"""Acceptance of ``pcfgraph diff`` on APQC's real workbooks (run by CI with ../shared/apqc).

Usage::

    .venv/bin/python tools/check_diff_workbooks.py ../shared/apqc

For each workbook in the directory (they are different industries, so they are not compared
with each other):
- compared with itself: no changes;
- compared with a modified copy (one element renamed, one renamed by whitespace only, one
  leaf moved to a new hierarchy ID, one leaf removed, one element added, one definition
  changed): exactly those five changes, by PCF ID, with the old and new values.
Not part of the pytest suite: tests never read ../shared. Exit 1 on any failure.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from pcfgraph.diff import compare, side_from_workbook
from pcfgraph.queries import QueryCatalog


def _header(ws: Any) -> dict[str, int]:
    row = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
    return {" ".join(str(v).split()).lower(): i + 1 for i, v in enumerate(row) if v is not None}


def modify(src: Path, dst: Path) -> dict[str, tuple[str, str, str]]:
    """Write a modified copy; return the expected changes: kind -> (pcf id, old, new)."""
    wb = load_workbook(src)
    ws = wb["Combined"]
    col = _header(ws)
    c_id, c_hid, c_name = col["pcf id"], col["hierarchy id"], col["name"]
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, c_id).value is not None]
    hids = {str(ws.cell(r, c_hid).value).strip(): r for r in rows}
    parents = {h.rsplit(".", 1)[0] for h in hids if h.count(".") >= 2}
    with_metrics: set[int] = set()
    if "Metrics" in wb.sheetnames:
        mcol = _header(wb["Metrics"])
        key = next(k for k in mcol if "element id" in k)
        with_metrics = {
            int(v)
            for (v,) in wb["Metrics"].iter_rows(
                min_row=2, min_col=mcol[key], max_col=mcol[key], values_only=True
            )
            if v is not None
        }
    leaves = [
        r
        for r in rows
        if str(ws.cell(r, c_hid).value).strip() not in parents
        and str(ws.cell(r, c_hid).value).count(".") >= 2
        and int(ws.cell(r, c_id).value) not in with_metrics
    ]
    expected: dict[str, tuple[str, str, str]] = {}

    r = rows[2]  # renamed
    old = " ".join(str(ws.cell(r, c_name).value).split())
    ws.cell(r, c_name).value = old + " (renamed)"
    expected["renamed"] = (str(ws.cell(r, c_id).value), old, old + " (renamed)")

    r = rows[3]  # whitespace only: not a change
    ws.cell(r, c_name).value = "  " + str(ws.cell(r, c_name).value).replace(" ", "   ") + "\t"

    r = leaves[0]  # moved: same parent, a fresh last number
    hid = str(ws.cell(r, c_hid).value).strip()
    new_hid = hid.rsplit(".", 1)[0] + ".97"
    assert new_hid not in hids
    ws.cell(r, c_hid).value = new_hid
    expected["moved"] = (str(ws.cell(r, c_id).value), hid, new_hid)

    r = leaves[-1]  # removed
    expected["removed"] = (
        str(ws.cell(r, c_id).value),
        " ".join(str(ws.cell(r, c_name).value).split()),
        "",
    )
    ws.delete_rows(r)

    new_id = max(int(ws.cell(x, c_id).value) for x in rows if x != r) + 1000  # added
    top = next(h for h in hids if h.count(".") == 1 and h.endswith(".0"))
    added = ws.max_row + 1
    ws.cell(added, c_id).value = new_id
    ws.cell(added, c_hid).value = top.split(".")[0] + ".98"
    ws.cell(added, c_name).value = "An element added for the diff check"
    expected["added"] = (str(new_id), "", "An element added for the diff check")

    target_id = int(ws.cell(rows[5], c_id).value)  # definition changed
    new_def = "A definition changed for the diff check."
    desc = next((c for k, c in col.items() if "description" in k or "definition" in k), None)
    if desc is not None:
        ws.cell(rows[5], desc).value = new_def
    else:  # 7.2.x: definitions live in the glossary sheet
        gs = next(wb[n] for n in wb.sheetnames if "glossary" in n.lower())
        gcol = _header(gs)
        g_id = gcol.get("pcf id") or gcol["process element id"]
        g_def = next(c for k, c in gcol.items() if "definition" in k or "description" in k)
        gr = next(
            x
            for x in range(2, gs.max_row + 1)
            if gs.cell(x, g_id).value is not None and int(gs.cell(x, g_id).value) == target_id
        )
        gs.cell(gr, g_def).value = new_def
    expected["definition changed"] = (str(target_id), "", new_def)
    wb.save(dst)
    return expected


def check(path: Path, catalog: QueryCatalog) -> list[str]:
    problems: list[str] = []
    started = time.perf_counter()
    side = side_from_workbook(path, catalog)
    same = compare(side, side)
    if same.changes:
        problems.append(f"{path.name} vs itself: {len(same.changes)} changes, expected none")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        expected = modify(path, copy)
        result = compare(side, side_from_workbook(copy, catalog))
    got = {c.change: c for c in result.changes}
    if len(result.changes) != len(expected) or set(got) != set(expected):
        problems.append(
            f"{path.name} vs modified copy: got {sorted((c.change, c.id) for c in result.changes)}"
            f", expected {sorted((k, v[0]) for k, v in expected.items())}"
        )
    for kind, (pcf_id, old, new) in expected.items():
        c = got.get(kind)
        if c is None:
            continue
        if c.id != pcf_id or c.new_value != new or (old and c.old_value != old):
            problems.append(f"{path.name}: {kind} is {c}, expected id {pcf_id} {old!r} -> {new!r}")
    print(
        f"{path.name}: {len(side.elements)} elements; itself: {len(same.changes)} changes; "
        f"modified copy: {result.counts()} ({time.perf_counter() - started:.1f} s)"
    )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    catalog = QueryCatalog()
    problems: list[str] = []
    for path in sorted(Path(argv[0]).glob("*.xlsx")):
        problems += check(path, catalog)
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
