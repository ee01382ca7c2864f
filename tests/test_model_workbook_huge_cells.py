"""A workbook cell holds up to 32,767 characters, and a finding on a bad cell quoted it whole
(``repr``): a cell of 32k characters was echoed in the finding's message, in every report
format and on the CLI, once per bad cell (the finding's ``value`` keeps it). A message quotes
the cell's first characters and says how long it is, as every other message does
(:func:`pcfgraph.errors.quoted`); a short one reads as before. The hints read from such a
cell (a date in another form, a number typed as text, a worded level) are regexes over it:
they answer, and name no day or number."""

from __future__ import annotations

from typing import Any

from audit_support import EXAMPLES, edited_workbook, template_column

from pcfgraph.audit.inputs.archimate import read_archimate
from pcfgraph.audit.inputs.workbook import read_workbook
from pcfgraph.audit.inputs.workbook_values import date_form_hint, level_hint, number_hint
from pcfgraph.audit.inputs.writer import template_bytes

EXAMPLE = EXAMPLES / "it-organisation-archimate.xml"
HUGE = 32_000
CELLS = {
    ("Service-level reports", "slr-clinical-2025-q1", "SLA compliance"): "9" * HUGE + "x",
    ("Agreements", "sla-finance", "Valid from"): "1." * (HUGE // 2),
}


def _row_of(ws: Any, key: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)


def test_a_huge_bad_cell_is_quoted_cut_in_its_finding() -> None:
    def edit(wb: Any) -> None:
        for (sheet, key, header), value in CELLS.items():
            ws = wb[sheet]
            cell = ws[f"{template_column(sheet, header)}{_row_of(ws, key)}"]
            cell.value = value
            cell.number_format = "@"

    findings = read_workbook(edited_workbook(template_bytes(example=True), edit), "m.xlsx").findings
    bad = [f for f in findings if f.value in CELLS.values()]
    assert len(bad) == 2, [f.message[:100] for f in findings]
    for f in bad:
        assert len(f.message) < 1_000, f.message[:200]
        assert f"({len(f.value or '')} characters)" in f.message, f.message[:200]
    short = [f for f in findings if f.value not in CELLS.values()]
    assert all("characters)" not in f.message for f in short)


def test_an_archimate_date_property_of_a_huge_value_is_quoted_cut() -> None:
    data = EXAMPLE.read_bytes().replace(
        b'"propid-from"><value xml:lang="en">2025-01-01</value>',
        b'"propid-from"><value xml:lang="en">' + b"1/" * HUGE + b"</value>",
        1,
    )
    findings = read_archimate(data, "m.xml").findings
    [dated] = [f for f in findings if "is not a date" in f.message]
    assert len(dated.message) < 1_000 and "characters)" in dated.message, dated.message[:200]


def test_the_hints_over_a_huge_cell_answer_without_naming_a_value() -> None:
    for text in ("1" * HUGE, "1 " * (HUGE // 2), "1," * (HUGE // 2), "1" * HUGE + "%x"):
        assert number_hint(text) == "" and date_form_hint(text) == ""
        assert level_hint(text) == "."
