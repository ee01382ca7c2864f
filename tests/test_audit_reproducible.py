"""A report an auditor signs is reproduced: the same workbook, audited as of the same day
against the same release and rules, gives the same report. Findings of one rule on blank
nodes of one label (an SLA's service targets, each with no unit) came in the engine's order,
another at each run: the text, CSV, HTML and Turtle reports of one workbook differed."""

from __future__ import annotations

from typing import Any

from audit_support import AS_OF, context, edited_workbook

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.inputs.writer import template_bytes

TARGETS = 6


def _targets_without_unit(wb: Any) -> None:
    """Six more service targets of one SLA, none stating its unit."""
    ws = wb["Service targets"]
    first = ws.max_row + 1
    for i in range(TARGETS):
        ws.cell(first + i, 1).value = "sla-hr"
        ws.cell(first + i, 2).value = f"Metric {i}"
        ws.cell(first + i, 3).value = 90 + i


def test_findings_on_blank_nodes_of_one_label_are_in_row_order_at_every_run() -> None:
    data = edited_workbook(template_bytes(example=True), _targets_without_unit)
    reports = [
        audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))
        for _ in range(2)
    ]
    rows = [
        [r.location["row"] for r in report.results if r.rule == "ServiceTargetUnitShape"]
        for report in reports
    ]
    assert len(rows[0]) == TARGETS
    assert rows[0] == sorted(rows[0]) and rows[1] == rows[0]
    assert reports[0].to_text() == reports[1].to_text()
