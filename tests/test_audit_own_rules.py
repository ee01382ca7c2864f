"""A finding of the audit's own rule (model validity: here a mistyped term) cites no framework
source, by design; every report format says so, so that an auditor signing the report can tell
it from a rule derived from a framework whose citation is missing. Before, its ``source`` was
null and its "Source:" line absent, exactly as for a missing citation, and the rule's group
could not tell them apart (shapes of the model-validity group cite framework sources too)."""

from __future__ import annotations

import csv
import io
import json
from html import unescape

import pytest
from audit_support import audit_text

from pcfgraph import iris
from pcfgraph.audit.html import render_html
from pcfgraph.audit.render_table import to_csv
from pcfgraph.audit.report import AuditReport

MODEL = """
@prefix : <https://example.org/t/> .
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:it a orgm:Organisation ; rdfs:label "Test IT" .
:ops a orgm:CustomerTeem ; rdfs:label "Ops" .
:crm rdfs:label "CRM" ; orgm:inCatalogue :catalogue .
"""
UNKNOWN_TERM = str(iris.audit_rule("model-validity-unknown-term"))
PRICE = str(iris.SHAPES_BASE) + "ServicePriceShape"
SAYS = "the audit's own check of the model's validity, not derived from a framework"


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_text(MODEL)


def test_json_tells_the_audits_own_rule_from_a_framework_rule(report: AuditReport) -> None:
    doc = json.loads(report.to_json())
    by_shape = {r["shape"]: r for r in doc["results"]}
    own, derived = by_shape[UNKNOWN_TERM], by_shape[PRICE]
    assert own["source"] is None and own["sourceIri"] is None  # the contract, as it was
    assert own["ruleOrigin"] == "audit"
    assert derived["source"] is not None and derived["ruleOrigin"] == "framework"
    rules = {r["iri"]: r for r in doc["rules"]}
    assert rules[UNKNOWN_TERM]["source"] is None and rules[UNKNOWN_TERM]["origin"] == "audit"
    model_validity = str(iris.SH_PCF.ModelValidityGroup)
    # the group could not tell them apart: framework-derived rules share the audit's section
    assert any(r["group"] == model_validity and r["source"] for r in doc["rules"])
    assert {r["origin"] for r in doc["rules"] if r["source"]} == {"framework"}
    assert {r["origin"] for r in doc["rules"] if not r["source"]} == {"audit"}


def test_text_report_says_the_rule_is_the_audits_own(report: AuditReport) -> None:
    lines = report.to_text().splitlines()
    head = next(i for i, t in enumerate(lines) if t.endswith(" audit/model-validity-unknown-term"))
    assert SAYS in lines[head + 1], lines[head : head + 3]
    price = next(i for i, t in enumerate(lines) if t.endswith(" ServicePriceShape"))
    assert SAYS not in lines[price + 1]
    assert sum(SAYS in t for t in lines) == len({r.shape for r in report.results if not r.source})


def test_html_report_says_the_rule_is_the_audits_own(report: AuditReport) -> None:
    html = unescape(render_html(report))
    finding = html[html.index("<strong>audit/model-validity-unknown-term</strong>") :]
    finding = finding[: finding.index("</div>")]
    says = f"Source: {SAYS}"
    assert says in finding
    appendix = html[html.index('id="rules"') :]
    rule = appendix[appendix.index(f'href="{UNKNOWN_TERM}"') :]
    assert says in rule[: rule.index("</div>")]
    price = appendix[appendix.index(f'href="{PRICE}"') :]
    assert SAYS not in price[: price.index("</div>")]


def test_csv_has_the_rule_origin(report: AuditReport) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(report).decode("utf-8-sig"), newline="")))
    origin = {r["shape"]: r["rule origin"] for r in rows}
    assert origin[UNKNOWN_TERM] == "audit" and origin[PRICE] == "framework"


def test_turtle_report_has_the_rule_origin(report: AuditReport) -> None:
    """The Turtle report (``sh:ValidationReport``) did not say it: a result of the audit's own
    rule had no ``dcterms:source``, exactly as a framework rule's with a missing citation.
    Each result has ``orgm:ruleOrigin``, a term the vocabulary defines like the report's
    other ``orgm:`` terms."""
    from rdflib import RDF, Graph, Literal
    from rdflib.compare import isomorphic

    from pcfgraph.resources import resource_dir

    g = Graph().parse(data=report.to_turtle(), format="turtle")
    assert isomorphic(g, report.to_graph())
    results = list(g.subjects(RDF.type, iris.SH.ValidationResult))
    assert len(results) == len(report.shown()) > 0
    by_shape = {
        str(g.value(r, iris.SH.sourceShape)): (
            list(g.objects(r, iris.ORGM.ruleOrigin)),
            g.value(r, iris.DCTERMS.source),
        )
        for r in results
    }
    assert by_shape[UNKNOWN_TERM] == ([Literal("audit")], None)  # no source, by design
    assert by_shape[PRICE][0] == [Literal("framework")] and by_shape[PRICE][1] is not None
    assert all(len(list(g.objects(r, iris.ORGM.ruleOrigin))) == 1 for r in results)
    vocabulary = Graph().parse(resource_dir("ontology") / "orgmodel.ttl", format="turtle")
    used = {p for p in g.predicates() if str(p).startswith(str(iris.ORGM))}
    assert iris.ORGM.ruleOrigin in used
    assert sorted(str(p) for p in used if (p, RDF.type, None) not in vocabulary) == []
