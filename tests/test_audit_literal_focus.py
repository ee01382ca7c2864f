"""A literal where the vocabulary expects a node (``orgm:serviceTarget "fast"``) is a legal SHACL
focus node: the audit reports it (JSON: N-Triples form and lexical label; Turtle: the literal
itself as sh:focusNode; HTML: its lexical value), and a rule names the property. It used to
crash the labeller (``ValueError: No scheme found in an absolute IRI``)."""

from __future__ import annotations

import json
import re
from html import escape

import pyoxigraph as ox
import pytest
from audit_support import (
    LITERAL_FOCUS_FINDINGS,
    NORTHWIND,
    XSD_INT,
    audit_text,
    literal_focus_model,
)
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef

from pcfgraph import iris
from pcfgraph.audit.engine import Labeller
from pcfgraph.audit.html import render_html
from pcfgraph.audit.report import AuditReport, literal_of, node_of, node_text

INT = URIRef(XSD_INT)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LITERALS = {
    '"99.5 percent availability"': Literal("99.5 percent availability"),
    f'"12"^^<{XSD_INT}>': Literal("12", datatype=INT),
    '"Quarterly \\"review\\" minutes"@en': Literal('Quarterly "review" minutes', lang="en"),
}


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_text(literal_focus_model())


def test_literal_focus_nodes_are_findings(report: AuditReport) -> None:
    assert {(r.rule, r.focus_node, r.focus_label) for r in report.results} == (
        LITERAL_FOCUS_FINDINGS
    )
    assert not report.conforms


def test_the_property_is_named_on_the_subject(report: AuditReport) -> None:
    """The new rules report the literal as the value of the property, on the node using it."""
    by_rule = {
        (r.rule, r.path, r.value, r.value_node)
        for r in report.results
        if r.rule.endswith("NodeShape")
    }
    assert by_rule == {
        (
            "AgreementServiceTargetNodeShape",
            str(iris.ORGM.serviceTarget),
            "99.5 percent availability",
            '"99.5 percent availability"',
        ),
        (
            "AgreementServiceTargetNodeShape",
            str(iris.ORGM.serviceTarget),
            "12",
            f'"12"^^<{XSD_INT}>',
        ),
        (
            "MaturityClaimEvidenceNodeShape",
            str(iris.ORGM.evidence),
            'Quarterly "review" minutes',
            '"Quarterly \\"review\\" minutes"@en',
        ),
    }


def test_literal_findings_are_grouped_with_the_node_that_states_them(report: AuditReport) -> None:
    """A literal service target belongs to the unit of its SLA (also when pyoxigraph stores
    the literal in canonical form: "12"^^xsd:int as xsd:integer)."""
    sla_unit = next(r.unit_label for r in report.results if r.focus_node == NORTHWIND + "sla-hr")
    assert sla_unit
    targets = [r for r in report.results if r.rule.startswith("ServiceTarget")]
    assert {r.focus_node for r in targets} == {'"99.5 percent availability"', f'"12"^^<{XSD_INT}>'}
    assert {r.unit_label for r in targets} == {sla_unit}


def test_json_report(report: AuditReport) -> None:
    doc = json.loads(report.to_json())
    literal_results = [r for r in doc["results"] if r["focusNode"].startswith('"')]
    assert {(r["focusNode"], r["focusLabel"]) for r in literal_results} == {
        (focus, str(term)) for focus, term in LITERALS.items()
    }
    again = AuditReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.to_json_dict() == doc


def test_turtle_report_has_the_literals_as_focus_nodes(report: AuditReport) -> None:
    g = Graph().parse(data=report.to_turtle(), format="turtle")
    sh = iris.SH
    (validation,) = list(g.subjects(RDF.type, sh.ValidationReport))
    found = {
        (g.value(r, sh.sourceShape), g.value(r, sh.focusNode))
        for r in g.objects(validation, sh.result)
    }
    expected = {
        (URIRef(iris.SHAPES_BASE + rule), LITERALS.get(focus, URIRef(focus)))
        for rule, focus, _label in LITERAL_FOCUS_FINDINGS
    }
    assert found == expected
    values = {g.value(r, sh.value) for r in g.objects(validation, sh.result)} - {None}
    assert values == set(LITERALS.values())  # with their datatype and language


def test_html_report_shows_the_lexical_value(report: AuditReport) -> None:
    html = render_html(report)
    headings = re.findall(r"<h4>(.*?)</h4>", html)
    for term in LITERALS.values():
        assert any(h.startswith(escape(str(term)) + " ") for h in headings), term
    assert any("xsd:int" in h and h.startswith("12 ") for h in headings)
    assert any("language en" in h for h in headings)
    assert not any("&quot;12&quot;" in h for h in headings)


# --- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        Literal("fast"),
        Literal("12", datatype=INT),
        Literal("snabb", lang="sv"),
        Literal('a "quoted" \\ back\nslash\r\tand ünïcode'),
        Literal(""),
    ],
    ids=["plain", "typed", "language", "escapes", "empty"],
)
def test_literal_text_round_trips(term: Literal) -> None:
    text = node_text(term)
    assert text is not None and text.startswith('"')
    assert literal_of(text) == term
    assert node_of(text, {}) == term
    # the same text from a pyoxigraph term (the SPARQL checks' side)
    ox_term = (
        ox.Literal(str(term), language=term.language)
        if term.language
        else ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD_STRING)))
    )
    assert node_text(ox_term) == text


def test_iri_and_blank_node_text_are_unchanged() -> None:
    assert node_text(URIRef(NORTHWIND + "x")) == NORTHWIND + "x"
    assert node_text(ox.NamedNode(NORTHWIND + "x")) == NORTHWIND + "x"
    assert node_text(BNode("b1")) == "_:b1"
    assert node_text(ox.BlankNode("b1")) == "_:b1"
    bnodes: dict[str, BNode] = {}
    assert node_of("_:b1", bnodes) is node_of("_:b1", bnodes)


def test_labeller_labels_a_literal_by_its_lexical_form() -> None:
    store = ox.Store()
    node = ox.NamedNode(NORTHWIND + "sla")
    store.add(ox.Quad(node, ox.NamedNode(str(RDFS.label)), ox.Literal("SLA HR"), ox.DefaultGraph()))
    labeller = Labeller(store)
    assert labeller.label('"fast"') == "fast"
    assert labeller.label(f'"12"^^<{XSD_INT}>') == "12"
    assert labeller.label('"snabb"@sv') == "snabb"
    assert labeller.label('"a \\"b\\""') == 'a "b"'
    assert labeller.label(NORTHWIND + "sla") == "SLA HR"  # nodes as before
    assert labeller.label("not an IRI") == "not an IRI"  # never an error
