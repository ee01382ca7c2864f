"""Where a finding is, in the text and HTML reports an auditor signs: with the model made of
several files, which file (``Agreements!H3`` alone did not say which workbook to open, an
ArchiMate ``id-1239`` which model); with one file, as before."""

from __future__ import annotations

from functools import cache

from audit_support import AS_OF, context, edited_workbook

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.html import render_html
from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.audit.report import AuditReport


def _date_as_text(wb) -> None:  # type: ignore[no-untyped-def]
    """The auditor typed a date as text in the first agreement's 'Valid from' (column H)."""
    ws = wb["Agreements"]
    assert ws["H1"].value == "Valid from"
    ws["H2"] = "01/01/2025"


@cache
def _workbook() -> bytes:
    return edited_workbook(template_bytes(example=True), _date_as_text)


#: A second file of the same model (any format): one more statement about an agreement.
SECOND = b"""@prefix : <https://example.org/northwind/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:sla-hr rdfs:comment "renewal under negotiation" .
"""


def _audit(*uploads: Upload) -> AuditReport:
    return audit(list(uploads), context(), options=AuditOptions(AS_OF))


def _bad_date(report: AuditReport):  # type: ignore[no-untyped-def]
    found = [r for r in report.results if r.rule == "audit/model-validity-bad-value"]
    assert len(found) == 1, [(r.rule, r.where) for r in report.results]
    return found[0]


def test_a_finding_in_a_model_of_several_files_names_its_file() -> None:
    report = _audit(Upload("acme.xlsx", _workbook()), Upload("notes.ttl", SECOND))
    finding = _bad_date(report)
    assert finding.location is not None and finding.location["file"] == "acme.xlsx"
    text = report.to_text()
    line = next(t for t in text.splitlines() if "01/01/2025" in t)
    assert "(acme.xlsx, Agreements!H2)" in line, line
    html = render_html(report)
    assert "in acme.xlsx, Agreements!H2;" in html


def test_a_finding_in_a_model_of_one_file_is_where_it_was() -> None:
    report = _audit(Upload("acme.xlsx", _workbook()))
    line = next(t for t in report.to_text().splitlines() if "01/01/2025" in t)
    assert "(Agreements!H2)" in line and "acme.xlsx," not in line, line
    assert "in Agreements!H2;" in render_html(report)
