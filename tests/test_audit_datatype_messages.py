"""A value of the wrong datatype is reported as such: an ill-typed ``"2024-13-45"^^xsd:date``
or a plain string where a date is expected was reported with the message of its shape's other
constraint ("An agreement has at most one end date"), since pySHACL gives every result of a
shape the shape's ``sh:message``. The result keeps its focus node, path and shape."""

from __future__ import annotations

import pytest
from audit_support import CONFORMING, audit_text
from rdflib import XSD, Graph, Literal, URIRef

from pcfgraph.rules.engine import datatype_message

EX = "https://example.org/northwind/"
ORGM = "https://w3id.org/pcfgraph/orgmodel#"
SHAPES = "https://w3id.org/pcfgraph/shapes/"
DATATYPE = "http://www.w3.org/ns/shacl#DatatypeConstraintComponent"
WRITTEN = ' (written "YYYY-MM-DD"^^xsd:date).'


def _with(subject: str, prop: str, old: Literal, *new: Literal) -> str:
    g = Graph().parse(CONFORMING, format="turtle")
    s, p = URIRef(EX + subject), URIRef(ORGM + prop)
    assert (s, p, old) in g
    g.remove((s, p, old))
    for value in new:
        g.add((s, p, value))
    return g.serialize(format="nt")


def _of(report, focus: str, shape: str):  # type: ignore[no-untyped-def]
    return [r for r in report.results if r.focus_node == EX + focus and r.shape == SHAPES + shape]


def test_an_ill_typed_date_is_reported_as_not_a_valid_date() -> None:
    old = Literal("2025-12-31", datatype=XSD.date)
    bad = Literal("2024-13-45", datatype=XSD.date)
    report = audit_text(_with("sla-hr", "validUntil", old, bad), "model.nt")
    [result] = _of(report, "sla-hr", "AgreementValidUntilShape")
    assert result.path == ORGM + "validUntil" and result.value == "2024-13-45"
    assert result.component == DATATYPE and result.severity == "Violation"
    assert result.message == 'The value of orgm:validUntil "2024-13-45" is not a valid xsd:date' + (
        WRITTEN
    )
    assert not report.conforms


def test_a_plain_string_where_a_date_is_expected_says_so() -> None:
    old = Literal("2025-02-11", datatype=XSD.date)
    report = audit_text(_with("mtg-finance-fu-2025-02", "date", old, Literal("2025-02-11")), "m.nt")
    [result] = _of(report, "mtg-finance-fu-2025-02", "MeetingDateShape")
    assert result.path == ORGM + "date" and result.component == DATATYPE
    assert (
        result.message
        == 'The value of orgm:date "2025-02-11" is an xsd:string, not an xsd:date' + (WRITTEN)
    )


def test_two_end_dates_keep_the_shapes_message() -> None:
    """The shape's other constraint (sh:maxCount) still speaks with the shape's message."""
    old = Literal("2025-12-31", datatype=XSD.date)
    other = Literal("2026-12-31", datatype=XSD.date)
    report = audit_text(_with("sla-hr", "validUntil", old, old, other), "model.nt")
    [result] = _of(report, "sla-hr", "AgreementValidUntilShape")
    assert result.component == "http://www.w3.org/ns/shacl#MaxCountConstraintComponent"
    assert result.message == "An agreement has at most one end date (orgm:validUntil, an xsd:date)."


@pytest.mark.parametrize(
    "value,expected",
    [
        (
            URIRef("https://example.org/d"),
            "The value of orgm:date is an IRI, not an xsd:date literal.",
        ),
        (
            Literal("heute", lang="de"),
            'The value of orgm:date "heute" is a language-tagged string, not an xsd:date' + WRITTEN,
        ),
        (
            Literal("3", datatype=XSD.integer),
            'The value of orgm:date "3" is an xsd:integer, not an xsd:date' + WRITTEN,
        ),
    ],
)
def test_every_kind_of_wrong_value_is_named(value: URIRef | Literal, expected: str) -> None:
    assert datatype_message(value, XSD.date, ORGM + "date") == expected
