"""``AgreementValidityOrderShape`` (an agreement's validity starts before it ends) reports only
dates that really are out of order: a date that does not compare (an ill-typed
``"2024-13-45"^^xsd:date``, a plain string, an xsd:dateTime) is the datatype shape's finding,
not a second, false "must start before it ends" (core ``sh:lessThan`` reports every pair it
cannot compare). The true positive keeps its focus node, path, value, component and message."""

from __future__ import annotations

from functools import cache

from audit_support import CONFORMING, audit_text

from pcfgraph.audit.report import AuditReport

EX = "https://example.org/northwind/"
SHAPES = "https://w3id.org/pcfgraph/shapes/"
ORGM = "https://w3id.org/pcfgraph/orgmodel#"
SH = "http://www.w3.org/ns/shacl#"
ORDER = SHAPES + "AgreementValidityOrderShape"

#: Agreements added to the conforming example: name -> (start, end) as Turtle.
AGREEMENTS = {
    "ill-typed-end": ('"2025-01-01"^^xsd:date', '"2024-13-45"^^xsd:date'),
    "ill-typed-start": ('"2026-02-30"^^xsd:date', '"2025-12-31"^^xsd:date'),
    "string-end": ('"2025-01-01"^^xsd:date', '"2024-12-31"'),
    "string-start": ('"2026-01-01"', '"2025-12-31"^^xsd:date'),
    "datetime-start": ('"2026-01-01T00:00:00"^^xsd:dateTime', '"2025-12-31"^^xsd:date'),
    "ends-before-start": ('"2025-01-01"^^xsd:date', '"2024-12-31"^^xsd:date'),
    "ends-on-start": ('"2025-01-01"^^xsd:date', '"2025-01-01"^^xsd:date'),
    "in-order": ('"2025-01-01"^^xsd:date', '"2025-12-31"^^xsd:date'),
}


@cache
def _report() -> AuditReport:
    text = CONFORMING.read_text(encoding="utf-8") + "".join(
        f"\n:{name} a orgm:ServiceLevelAgreement ; orgm:validFrom {start} ; "
        f"orgm:validUntil {end} .\n"
        for name, (start, end) in AGREEMENTS.items()
    )
    return audit_text(text)


def _of(name: str) -> set[tuple[str, str]]:
    return {
        (r.shape.removeprefix(SHAPES), str(r.component).removeprefix(SH))
        for r in _report().results
        if r.focus_node == EX + name and "Valid" in r.shape
    }


def test_a_date_that_does_not_compare_is_only_a_datatype_finding() -> None:
    datatype = "DatatypeConstraintComponent"
    assert _of("ill-typed-end") == {("AgreementValidUntilShape", datatype)}
    assert _of("ill-typed-start") == {("AgreementValidFromShape", datatype)}
    assert _of("string-end") == {("AgreementValidUntilShape", datatype)}
    assert _of("string-start") == {("AgreementValidFromShape", datatype)}
    assert _of("datetime-start") == {("AgreementValidFromShape", datatype)}


def test_dates_out_of_order_are_reported_as_before() -> None:
    for name, start in (("ends-before-start", "2025-01-01"), ("ends-on-start", "2025-01-01")):
        [result] = [
            r for r in _report().results if r.focus_node == EX + name and "Valid" in r.shape
        ]
        assert (result.shape, result.path, result.value) == (ORDER, ORGM + "validFrom", start)
        assert result.component == SH + "LessThanConstraintComponent"
        assert result.severity == "Violation" and result.kind == "shacl"
        assert result.message == (
            "An agreement's validity period must start before it ends "
            "(orgm:validFrom < orgm:validUntil)."
        )
        assert result.hint == "Correct orgm:validFrom or orgm:validUntil."


def test_dates_in_order_are_no_finding() -> None:
    assert _of("in-order") == set()
    assert {r.focus_node for r in _report().results if r.shape == ORDER} == {
        EX + "ends-before-start",
        EX + "ends-on-start",
    }
