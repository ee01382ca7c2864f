"""What a spreadsheet program rewrote in the template: a decimal or a month it made a date
of, a date it kept in its locale's form, a formula's result with binary noise past the digits
it shows. Each finding says what the cell holds, what was probably typed and what to type;
nothing is taken for what it may have been unsaid. Each workbook is the shipped example edited
with openpyxl, as Excel or LibreOffice would save the edit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyoxigraph as ox
import pytest
from audit_support import AS_OF, context, edited_workbook, template_column

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.inputs.workbook import read_workbook
from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.audit.report import AuditReport

NW = "https://example.org/northwind/"
ORGM = "https://w3id.org/pcfgraph/orgmodel#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _row_of(ws: Any, key: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)


def _set(sheet: str, key: str, header: str, value: object, fmt: str | None = None) -> bytes:
    """The example workbook with ``header`` of ``key``'s row set to ``value`` (and its number
    format), as a spreadsheet program saves what it made of a typed value."""

    def edit(wb: Any) -> None:
        ws = wb[sheet]
        cell = ws[f"{template_column(sheet, header)}{_row_of(ws, key)}"]
        cell.value = value
        if fmt is not None:
            cell.number_format = fmt

    return edited_workbook(template_bytes(example=True), edit)


def _audit(data: bytes) -> AuditReport:
    return audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))


def _on(report: AuditReport, key: str) -> list[tuple[str, str, str | None]]:
    return [(r.rule, r.message, r.where) for r in report.results if r.focus_node == NW + key]


def _objects(data: bytes, subject: str, predicate: str) -> set[ox.Term]:
    return {
        t.object
        for t in read_workbook(data, "model.xlsx").triples
        if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(predicate)
    }


def test_a_decimal_a_spreadsheet_made_a_date_of_is_said_so() -> None:
    """Where the decimal separator is a comma, 98.5 typed with a point is text, but 1.5 is
    the 1st of May: the SLA compliance cell then holds a date, and the finding said only
    "'2025-05-01' is not a number". It now says which numbers make that date and what to
    type; the date is not taken for a number."""
    data = _set("Service-level reports", "slr-clinical-2025-q1", "SLA compliance", date(2025, 5, 1))
    found = _on(_audit(data), "slr-clinical-2025-q1")
    assert found == [
        (
            "audit/model-validity-bad-value",
            "SLA compliance '2025-05-01' is a date, not a number: a spreadsheet whose decimal "
            "separator is a comma reads 1.5 or 1.05, typed with a point, as 1 May; if that was "
            "the number, type 1,5 (or 1,05) in a cell formatted as a number.",
            "'Service-level reports'!E2",
        )
    ]
    assert _objects(data, NW + "slr-clinical-2025-q1", ORGM + "slaCompliance") == set()


def test_a_month_a_spreadsheet_made_a_date_of_is_one_finding_telling_the_period() -> None:
    """A period typed 2025-01 (YYYY-MM, as the column asks) in a cell not formatted as text is
    the date 2025-01-01: it was read as the period "2025-01-01", and the audit said only that
    the period has no known form (SLAReportPeriodShape). It is one finding on the cell now,
    saying the spreadsheet made a date of 2025-01 and how to keep it."""
    data = _set("Service-level reports", "slr-clinical-2025-q1", "Period", datetime(2025, 1, 1))
    found = _on(_audit(data), "slr-clinical-2025-q1")
    assert found == [
        (
            "audit/model-validity-bad-value",
            "Period '2025-01-01' is a date, not a period: a spreadsheet makes the date "
            "2025-01-01 of the month 2025-01 typed in a cell not formatted as text; format "
            "the cell as text (Format Cells, Text) and type 2025-01.",
            "'Service-level reports'!D2",
        )
    ]


@pytest.mark.parametrize(
    "typed,hint",
    [
        ("15.03.2025", ": type 2025-03-15."),
        ("15/03/2025", ": type 2025-03-15."),
        ("03/15/2025", ": type 2025-03-15."),
        ("03/04/2025", ": type 2025-04-03 (read day first) or 2025-03-04 (read month first)."),
        ("1.3.25", ": type 2025-03-01."),  # dots: the day first
        ("03-04-2025", ": type 2025-04-03 (read day first) or 2025-03-04 (read month first)."),
        ("2025/03/15", ": type 2025-03-15."),
        ("2025-3-5", ": type 2025-03-05."),
        ("2025-03-15 00:00:00", ": type 2025-03-15."),
        ("20250315", ": type 2025-03-15."),
        ("31/02/2025", "."),  # no such day: nothing to suggest
    ],
)
def test_a_date_kept_in_another_form_is_told_the_day_to_type(typed: str, hint: str) -> None:
    """A date in a cell formatted Text keeps the form the spreadsheet's locale shows (or a
    database export wrote): the finding said "is not a date (YYYY-MM-DD)" and left the
    auditor to work out which day; it names the day, both when day and month could be either
    way round."""
    data = _set("Agreements", "sla-finance", "Valid from", typed, "@")
    found = [m for rule, m, _ in _on(_audit(data), "sla-finance") if "Valid from" in m]
    assert found == [f"Valid from {typed!r} is not a date (YYYY-MM-DD){hint}"]


def test_a_formulas_binary_noise_is_not_read_as_a_value() -> None:
    """A formula's result is kept to 17 significant digits: a compliance that ten rows of 10%
    sum to, which Excel shows as 100%, is stored as 0.9999999999999999 and was read as
    99.99999999999999, below the SLA's target of 100: a Violation of
    sla-missed-target-triaged about a value nobody typed or saw. It is read as the
    spreadsheet shows it, to 15 significant digits."""
    key, compliance = "slr-finance-2025-q1", ORGM + "slaCompliance"
    data = _set("Service-level reports", key, "SLA compliance", 0.9999999999999999, "0%")
    assert _objects(data, NW + key, compliance) == {
        ox.Literal("100", datatype=ox.NamedNode(XSD + "integer"))
    }
    report = _audit(data)
    assert report.conforms, [(r.rule, r.focus_node, r.value) for r in report.results]
    noisy = _set("Service-level reports", key, "SLA compliance", 99.89999999999999, "General")
    assert _objects(noisy, NW + key, compliance) == {
        ox.Literal("99.9", datatype=ox.NamedNode(XSD + "decimal"))
    }


def test_days_meant_reads_no_day_it_cannot_name() -> None:
    """Only forms that name a day are read; the others give nothing to suggest."""
    from pcfgraph.dates import days_meant

    cases: dict[str, list[tuple[date, str]]] = {
        "2025-W07-1": [],
        "Q1 2025": [],
        "13/13/2025": [],
        "1/1/2025": [(date(2025, 1, 1), "")],
        "12-31-99": [(date(1999, 12, 31), "")],
    }
    assert {text: days_meant(text) for text in cases} == cases


def test_a_hierarchy_number_a_spreadsheet_made_a_date_of_is_one_finding() -> None:
    """Where dates are written with dots, 8.1.1 typed in Implements is 8 January 2001: it was
    read as the code '2001-01-08', two findings saying only that no such framework element
    exists. It is one finding on the cell, saying what happened and what the column takes."""
    data = _set("Processes", "proc-customer-needs", "Implements", datetime(2001, 1, 8))
    found = _on(_audit(data), "proc-customer-needs")
    assert found == [
        (
            "audit/model-validity-bad-value",
            "Implements '2001-01-08' is a date, not a code: a spreadsheet where dates are "
            "written with dots makes a date of a hierarchy number such as 8.1.1 typed in a "
            "cell not formatted as text; type the code in a cell formatted as text (APQC PCF "
            "IDs (e.g. 20635, not hierarchy numbers) and PRM-IT codes (e.g. A24), separated by "
            "';').",
            "Processes!D2",
        )
    ]


def test_the_template_keeps_what_is_typed_as_keys_codes_and_periods() -> None:
    """The template's key, reference, code and period columns are formatted as text, so a
    spreadsheet keeps 2025-01, 8.1.1 and 007 typed there as typed instead of making dates
    and numbers of them; number and date columns are left to the spreadsheet."""
    import io

    from openpyxl import load_workbook

    from pcfgraph.audit.inputs.sheets import SHEETS

    wb = load_workbook(io.BytesIO(template_bytes()))
    formats = {
        (sheet.name, column.header): wb[sheet.name]
        .column_dimensions[template_column(sheet.name, column.header)]
        .number_format
        for sheet in SHEETS
        for column in sheet.columns
    }
    as_text = {k for k, fmt in formats.items() if fmt == "@"}
    assert {
        ("Customers", "Key"),
        ("Customers", "Purchaser"),
        ("Processes", "Implements"),
        ("Evidence", "Practice"),
        ("Service-level reports", "Period"),
        ("Surveys", "Period"),
    } <= as_text
    assert not as_text & {
        ("Service-level reports", "SLA compliance"),
        ("Agreements", "Valid from"),
        ("Customers", "Name"),
    }
