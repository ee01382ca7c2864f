"""Extract one PCF subtree from APQC's full workbook into a small workbook in APQC's own layout.

The shipped ``data/apqc/pcf-cross-industry-7.4-group-8.1.xlsx`` is made by::

    .venv/bin/python tools/extract_apqc_subtree.py ../shared/apqc/apqc-pcf-cross-industry-7.4.xlsx

It keeps the ``Combined`` and ``Metrics`` headers exactly, the category row of the subtree (so
every hierarchy ID's parent is present) and the subtree's rows in workbook order, plus the
``Metrics`` rows of the subtree's elements. The output is byte-for-byte reproducible (fixed
document properties and zip timestamps).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from pcfgraph.importers.apqc import APQC_NOTICE

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "data" / "apqc" / "pcf-cross-industry-7.4-group-8.1.xlsx"
_FIXED = dt.datetime(2024, 1, 1)


def _sheet(wb: Any, name: str) -> list[tuple[Any, ...]]:
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name.lower():
            return [tuple(r) for r in ws.iter_rows(values_only=True)]
    raise SystemExit(f"no sheet {name!r} in the workbook")


def _col(header: tuple[Any, ...], name: str) -> int:
    keys = [" ".join(str(h or "").split()).lower() for h in header]
    return keys.index(name)


def extract(source: Path, root_pcf_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """``(Combined rows, Metrics rows)`` incl. headers: the category row + the subtree."""
    wb = load_workbook(source, read_only=True, data_only=True)
    combined = _sheet(wb, "Combined")
    metrics = _sheet(wb, "Metrics")
    wb.close()
    head, rows = combined[0], [r for r in combined[1:] if any(v is not None for v in r)]
    pid, hid = _col(head, "pcf id"), _col(head, "hierarchy id")
    roots = [r for r in rows if r[pid] == root_pcf_id]
    if len(roots) != 1:
        raise SystemExit(f"PCF ID {root_pcf_id} found {len(roots)} times in 'Combined'")
    root_hid = str(roots[0][hid])
    # Descendants by hierarchy ID components (never by string stripping).
    root_parts = root_hid.split(".")
    category_hid = f"{root_parts[0]}.0"

    def in_subtree(h: str) -> bool:
        return h.split(".")[: len(root_parts)] == root_parts

    keep = [r for r in rows if str(r[hid]) == category_hid or in_subtree(str(r[hid]))]
    element_ids = {r[pid] for r in keep if in_subtree(str(r[hid]))}
    m_head = metrics[0]
    m_pid = _col(m_head, "process element id")
    m_rows = [r for r in metrics[1:] if r[m_pid] in element_ids]
    return [head, *keep], [m_head, *m_rows]


def write(path: Path, combined: list[tuple[Any, ...]], metrics: list[tuple[Any, ...]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for row in combined:
        ws.append(list(row))
    ms = wb.create_sheet("Metrics")
    for row in metrics:
        ms.append(list(row))
    notice = wb.create_sheet("Copyright and attribution")
    notice.append([APQC_NOTICE])
    notice.append(["Extracted by tools/extract_apqc_subtree.py; see data/apqc/README.md."])
    wb.properties.creator = "APQC"
    wb.properties.lastModifiedBy = "pcfgraph tools/extract_apqc_subtree.py"
    wb.properties.created = _FIXED
    wb.properties.modified = _FIXED
    buf = io.BytesIO()
    wb.save(buf)
    # Rewrite the zip with fixed timestamps so regenerating gives identical bytes.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2024-01-01T00:00:00Z\g<2>",
                    data,
                )
            dst.writestr(fixed, data)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbook", type=Path, help="APQC's full cross-industry 7.4 workbook")
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--root", type=int, default=20608, help="PCF ID of the subtree root (8.1)")
    args = ap.parse_args(argv)
    combined, metrics = extract(args.workbook, args.root)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write(args.output, combined, metrics)
    print(
        f"wrote {args.output}: {len(combined) - 1} element rows, {len(metrics) - 1} metric rows",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
