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


def _with_meeting(date: str) -> bytes:
    """The example with a follow-up meeting with Retail (a business event) dated ``date``."""
    event = (
        '<element identifier="id-ev-retail" xsi:type="BusinessEvent"><name xml:lang="en">'
        "Retail follow-up</name><properties>"
        '<property propertyDefinitionRef="propid-kind"><value>follow-up meeting</value></property>'
        f'<property propertyDefinitionRef="propid-date"><value>{date}</value></property>'
        "</properties></element>\n  </elements>"
    )
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("</elements>", event, 1).replace(
        "</relationships>",
        '<relationship identifier="id-r-ev-retail" source="id-ev-retail" target="id-retail" '
        'xsi:type="Association"/>\n  </relationships>',
        1,
    )
    return text.replace(
        '<propertyDefinition identifier="propid-kind"',
        '<propertyDefinition identifier="propid-date" type="date"><name xml:lang="en">Date'
        '</name></propertyDefinition>\n    <propertyDefinition identifier="propid-kind"',
        1,
    ).encode()


def test_an_archimate_meeting_is_dated_by_its_date_property() -> None:
    """The mapping read no date for a business event: every meeting drawn in ArchiMate was a
    Violation of MeetingDateShape ("exactly one date") that no change to the model could fix,
    and never counted for the follow-up cadence. Its Date property is its orgm:date."""
    node = "urn:archimate:fabrikam-it:ev-retail"

    def on_meeting(date: str) -> list[tuple[str, str | None]]:
        report = audit(
            [Upload("landscape.xml", _with_meeting(date))],
            context(),
            options=AuditOptions(as_of=AS_OF),
        )
        assert any(r.focus_node == "urn:archimate:fabrikam-it:retail" for r in report.results)
        return [(r.rule, r.value) for r in report.results if r.focus_node == node]

    assert on_meeting("2025-05-12") == []
    assert on_meeting("12.05.2025") == [("audit/model-validity-bad-value", "12.05.2025")]
