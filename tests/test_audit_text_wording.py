"""The text and HTML reports' lines about a maturity claim and the unread workbook columns, as
an auditor reads them: a claimed level out of range read 'claimed None' (Python's word for no
value) and, in HTML, its achieved level was marked 'above evidence' (no level was claimed to
be above it); one added column read '1 workbook columns'."""

from __future__ import annotations

from audit_support import AS_OF, context, edited_workbook

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.html import render_html
from pcfgraph.audit.inputs.writer import template_bytes


def _claim_out_of_range_and_a_notes_sheet(wb) -> None:  # type: ignore[no-untyped-def]
    claims = wb["Maturity claims"]
    assert claims["E1"].value == "Claimed level"
    claims["E2"] = 7
    notes = wb.create_sheet("My notes")
    notes["A1"] = "Auditor notes"
    notes["A2"] = "ask the CFO about the ERP hosting contract"


def test_a_claim_without_a_valid_level_and_one_unread_column_read_as_words() -> None:
    data = edited_workbook(template_bytes(example=True), _claim_out_of_range_and_a_notes_sheet)
    report = audit([Upload("acme.xlsx", data)], context(), options=AuditOptions(AS_OF))
    assert [m.claimed for m in report.maturity] == [None]
    text = report.to_text()
    maturity = next(t for t in text.splitlines() if t.startswith("maturity "))
    assert "claimed none, achieved " in maturity and "None" not in maturity, maturity
    unused = next(t for t in text.splitlines() if t.startswith("not used by the audit"))
    assert unused == "not used by the audit: 1 workbook column", unused
    html = render_html(report)
    maturity_row = html[html.index("<td>Relationship Management maturity 2025</td>") :]
    maturity_row = maturity_row[: maturity_row.index("</tr>")]
    assert '<td class="n">-</td>' in maturity_row and "above evidence" not in maturity_row
    assert "1 column of the workbook holds values no template column reads" in html


def test_the_text_report_says_how_to_fix_each_rule_once() -> None:
    """The text report, the CLI's default, listed what was wrong and nowhere how to fix it
    (the remedy was in the JSON and HTML only): each rule's remedy follows its findings, once."""
    from audit_support import FINDINGS, audit_path

    report = audit_path(FINDINGS)
    budget = [r for r in report.results if r.rule == "CustomerBudgetShape"]
    assert len(budget) == 2 and len({r.hint for r in budget}) == 1 and budget[0].hint
    lines = report.to_text().splitlines()
    start = lines.index("Violation CustomerBudgetShape")
    block = lines[start : lines.index("", start)]
    assert block[1:3] == [f"  {r.focus_label}: {r.message}" for r in budget]
    assert block[3:] == [f"  to fix: {budget[0].hint}"]
    assert sum(line.startswith("  to fix: ") for line in lines) == len(
        {(r.shape, r.hint) for r in report.results if r.hint}
    )
