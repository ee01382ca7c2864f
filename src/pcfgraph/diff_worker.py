"""Uploaded workbooks read into diff sides, as a sandbox task (never in the serving process).

Payload: ``{"workbooks": [{"name": str, "data": bytes}, ...], "edition": str | None,
"limits": {...ArchiveLimits fields}}``. Each workbook is checked by
:mod:`pcfgraph.archive_guard` before openpyxl sees it, then imported; the reply is
``{"sides": [side_to_dict(...), ...]}`` (the caller compares them, which is cheap).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pcfgraph.archive_guard import ArchiveLimits, check_workbook


def read_sides(ctx: Any, payload: dict[str, Any]) -> dict[str, Any]:
    limits = ArchiveLimits(**payload.get("limits", {}))
    workbooks = []
    for i, wb in enumerate(payload["workbooks"]):
        name = Path(str(wb.get("name") or f"workbook-{i}.xlsx")).name
        data = bytes(wb["data"])
        check_workbook(name, data, limits)  # before anything heavy is even imported
        workbooks.append((name, data))
    from pcfgraph.diff import side_from_workbook, side_to_dict
    from pcfgraph.queries import QueryCatalog

    edition = payload.get("edition") or None
    catalog = QueryCatalog()
    sides = []
    with tempfile.TemporaryDirectory(prefix="pcfgraph-diff-") as tmp:
        for i, (name, data) in enumerate(workbooks):
            path = Path(tmp) / str(i) / name
            path.parent.mkdir()
            path.write_bytes(data)
            side = side_from_workbook(path, catalog, edition=edition, fallback_version=str(i))
            sides.append(side_to_dict(side))
    return {"sides": sides}
