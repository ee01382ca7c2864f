"""The order findings are reported in: the same model, release and day give the same report,
byte for byte, so the digest of a signed report can be checked against a re-run
(``docs/audit.md``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pcfgraph.audit.report import AuditReport, AuditResult, _rank


def _row_order(location: dict[str, Any] | None) -> tuple[Any, ...]:
    """Where a finding is, in the file's order (row 10 after row 9, not before it)."""
    if not location:
        return ()
    return (
        str(location.get("file") or ""),
        str(location.get("sheet") or ""),
        int(location.get("row") or 0),
        str(location.get("column") or ""),
        str(location.get("element") or ""),
    )


def sort_key(report: AuditReport) -> Callable[[AuditResult], tuple[Any, ...]]:
    """Findings in report-section order (``sh:order``), then most severe first, then by unit,
    focus node and rule."""
    order = {g["iri"]: g["order"] for g in report.groups}

    def key(r: AuditResult) -> tuple[Any, ...]:
        return (
            order.get(r.group, 1e9),
            _rank(r.severity),
            r.unit_label or "~",
            r.focus_label,
            # findings on nodes with the same label (200 copies of one model's 'Travel
            # Insurance Policy') came in the engine's order, another at each run
            "_:" if r.focus_node.startswith("_:") else r.focus_node,  # a blank node: no order
            r.rule,
            "_:" if (r.value or "").startswith("_:") else r.value or "",  # an id: no order
            # blank nodes of one label (an SLA's service targets, each with no unit) came in
            # the engine's order, another at each run: a signed report was not reproduced
            _row_order(r.location),
            r.path or "",
            r.message,
        )

    return key
