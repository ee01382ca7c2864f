"""An ArchiMate date property in another form than YYYY-MM-DD is told the day to type, as a
workbook's date cell is, and is not read."""

from __future__ import annotations

from audit_support import AS_OF, EXAMPLES, context

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions

EXAMPLE = EXAMPLES / "it-organisation-archimate.xml"


def test_an_archimate_date_in_another_form_is_told_the_day_to_type() -> None:
    """An architect typed Valid from as 01.01.2025 in Archi's Properties tab: the audit said
    only that the value is not an xsd:date (AgreementValidFromShape). It is one finding on the
    element now, naming the day to type; the value is not read."""
    data = EXAMPLE.read_bytes().replace(
        b'"propid-from"><value xml:lang="en">2025-01-01</value>',
        b'"propid-from"><value xml:lang="en">01.02.2025</value>',
        1,
    )
    report = audit([Upload("landscape.xml", data)], context(), options=AuditOptions(as_of=AS_OF))
    on_sla = [
        (r.rule, r.message, r.where)
        for r in report.results
        if r.focus_node == "urn:archimate:fabrikam-it:sla-retail"
        and r.path == "https://w3id.org/pcfgraph/orgmodel#validFrom"
    ]
    assert on_sla == [
        (
            "audit/model-validity-bad-value",
            "Valid from '01.02.2025' is not a date (YYYY-MM-DD): type 2025-02-01.",
            '"SLA Retail 2025" (id-sla-retail)',
        )
    ]
