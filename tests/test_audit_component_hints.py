"""A result's remediation hint is about the constraint the result is of: a shape's
``orgm:remediationHint`` ("Add orgm:validFrom ...", "Keep one orgm:validUntil ...") was given to
every result of the shape, so an ill-typed date was told to "Keep one orgm:validUntil". A
datatype result now says how to write the value (derived from the shape's ``sh:datatype``, like
its message); a shape gives the hint of another of its constraints with ``orgm:componentHint``;
the shape's own hint stays for the constraint it is about."""

from __future__ import annotations

from functools import cache

from audit_support import CONFORMING, audit_text
from rdflib import XSD

from pcfgraph.audit.report import AuditReport
from pcfgraph.rules.engine import datatype_hint

EX = "https://example.org/northwind/"
SHAPES = "https://w3id.org/pcfgraph/shapes/"
SH = "http://www.w3.org/ns/shacl#"
DATE_HINT = 'Write orgm:validUntil as "YYYY-MM-DD"^^xsd:date (a valid xsd:date).'

MODEL = """
:h-no-start a orgm:ServiceLevelAgreement ; orgm:validUntil "2025-12-31"^^xsd:date .
:h-two-starts a orgm:ServiceLevelAgreement ;
    orgm:validFrom "2025-01-01"^^xsd:date , "2025-02-01"^^xsd:date .
:h-bad-start a orgm:ServiceLevelAgreement ; orgm:validFrom "2025-02-30"^^xsd:date .
:h-string-end a orgm:ServiceLevelAgreement ; orgm:validFrom "2025-01-01"^^xsd:date ;
    orgm:validUntil "2025-12-31" .
:h-two-ends a orgm:ServiceLevelAgreement ; orgm:validFrom "2025-01-01"^^xsd:date ;
    orgm:validUntil "2025-12-31"^^xsd:date , "2026-12-31"^^xsd:date .
:h-observation a orgm:MeasureObservation ; orgm:period "2025/3" , "2025" ; orgm:value "high" .
"""


@cache
def _report() -> AuditReport:
    return audit_text(CONFORMING.read_text(encoding="utf-8") + MODEL)


def _hints(focus: str, shape: str) -> dict[str, str | None]:
    return {
        str(r.component).removeprefix(SH): r.hint
        for r in _report().results
        if r.focus_node == EX + focus and r.shape == SHAPES + shape
    }


def test_a_datatype_result_says_how_to_write_the_value() -> None:
    assert _hints("h-string-end", "AgreementValidUntilShape") == {
        "DatatypeConstraintComponent": DATE_HINT
    }
    assert _hints("h-bad-start", "AgreementValidFromShape") == {
        "DatatypeConstraintComponent": DATE_HINT.replace("validUntil", "validFrom")
    }


def test_a_count_result_keeps_the_shapes_hint_where_it_is_right() -> None:
    assert _hints("h-no-start", "AgreementValidFromShape") == {
        "MinCountConstraintComponent": 'Add orgm:validFrom "YYYY-MM-DD"^^xsd:date.'
    }
    assert _hints("h-two-ends", "AgreementValidUntilShape") == {
        "MaxCountConstraintComponent": 'Keep one orgm:validUntil "YYYY-MM-DD"^^xsd:date (or '
        "none for an open-ended agreement)."
    }


def test_another_constraint_of_the_shape_has_its_own_hint() -> None:
    [hint] = _hints("h-two-starts", "AgreementValidFromShape").values()
    assert hint and hint.startswith("Keep one orgm:validFrom") and "Add" not in hint
    period = _hints("h-observation", "ObservationPeriodShape")
    assert set(period) == {"MaxCountConstraintComponent", "PatternConstraintComponent"}
    assert period["PatternConstraintComponent"] != period["MaxCountConstraintComponent"]
    assert not any(h.startswith("Add") for h in period.values() if h)
    [value_hint] = _hints("h-observation", "ObservationValueShape").values()
    assert value_hint and not value_hint.startswith("Add")


def test_datatype_hints_name_the_property_and_the_form() -> None:
    orgm = "https://w3id.org/pcfgraph/orgmodel#"
    assert datatype_hint(XSD.date, orgm + "validUntil") == DATE_HINT
    assert (
        datatype_hint(XSD.integer, orgm + "claimedLevel")
        == "Write orgm:claimedLevel as an xsd:integer literal."
    )
    assert datatype_hint(None, orgm + "date") is None
