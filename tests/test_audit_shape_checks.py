"""Shapes evaluated on pyoxigraph (``# shape:`` checks in queries/checks/orgmodel/) report
exactly what pySHACL reports for the same shape: focus node, path, value, severity, message,
shape, source, hint and constraint component, on the examples, on every violating case of those
shapes, and on edge cases (sub-classes, ill-typed and non-numeric values, literal focus nodes,
several values). A shape with a SHACL-AF SPARQL target (``sh:SPARQLTarget``) is held to
pySHACL's core evaluation on the focus nodes its own target query selects (run on pyoxigraph:
pySHACL runs core SHACL only, and rdflib's SPARQL compares ill-typed literals)."""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
import pytest
from audit_support import CONFORMING, FINDINGS, context
from rdflib import RDF, Graph, URIRef
from test_audit_rules import CASES, PREFIXES, mutate

from pcfgraph import iris
from pcfgraph.audit.engine import (
    UPLOAD_GRAPH,
    data_graph,
    parse_uploads,
    run_check,
    run_shacl,
    shacl_framework_subset,
)
from pcfgraph.audit.parse import Upload
from pcfgraph.audit.report import AuditResult
from pcfgraph.rules.terms import to_rdflib
from pcfgraph.store import EmbeddedStore

EDGE_CASES = """
:SpecialTeam rdfs:subClassOf orgm:CustomerTeam .
:SpecialCustomer rdfs:subClassOf orgm:Customer .
:SpecialSLA rdfs:subClassOf orgm:ServiceLevelAgreement .
:SpecialUC rdfs:subClassOf orgm:UnderpinningContract .
:SpecialObservation rdfs:subClassOf orgm:MeasureObservation .

# a team typed through a sub-class: two BRMs, no delivery manager, one membership with two roles
:t9 a :SpecialTeam ; orgm:serves :c9 , :c10 .
:t9-m1 org:organization :t9 ; org:role role:business-relationship-manager , role:service-owner .
:t9-m2 org:organization :t9 ; org:role role:business-relationship-manager .
:t10 a orgm:CustomerTeam .
:t10-m1 org:organization :t10 ; org:role role:delivery-manager .
:t10-m2 org:organization :t10 ; org:role role:delivery-manager .
:t10-m3 org:organization :t10 .

# customers: served by a sub-classed team, by an untyped node, by nobody; meeting kinds
:c9 a :SpecialCustomer .
:c10 a orgm:Customer .
:c11 a orgm:Customer .
:x orgm:serves :c11 .
:c12 a orgm:Customer , :SpecialCustomer .
:mt1 orgm:withCustomer :c9 ; orgm:meetingKind orgm:FollowUpMeeting , orgm:DevelopmentMeeting .
:mt2 orgm:withCustomer :c10 ; orgm:meetingKind orgm:DevelopmentMeeting .
:mt3 orgm:withCustomer :c11 .

# SLAs: underpinned by a sub-classed UC, by a literal, by an untyped node, by nothing
:sla9 a :SpecialSLA ; orgm:underpinnedBy :uc9 .
:uc9 a :SpecialUC .
:sla10 a orgm:ServiceLevelAgreement ; orgm:underpinnedBy "the OLA" .
:sla11 a orgm:ServiceLevelAgreement , :SpecialSLA ; orgm:underpinnedBy :nothing .
:sla12 a orgm:ServiceLevelAgreement ; orgm:underpinnedBy :uc9 , :x ;
    orgm:serviceTarget "fast" , :st1 , :st2 , :st3 , _:st4 .
:st1 orgm:targetValue "abc"^^xsd:decimal .
:st2 orgm:targetValue 99.5 , 98 .
:st3 a orgm:ServiceTarget ; orgm:targetValue "99.5" .
_:st4 orgm:targetValue "1e3"^^xsd:double .
:st5 a orgm:ServiceTarget ; orgm:targetValue "12"^^xsd:int .
:st6 a orgm:ServiceTarget ; orgm:targetValue :iri .
:st7 a orgm:ServiceTarget ; orgm:targetValue "1.5"^^xsd:integer .
:st8 a orgm:ServiceTarget ; orgm:targetValue "NaN"^^xsd:double , "INF"^^xsd:double .

# observations of the percent measure and of an unknown one
:o1 a :SpecialObservation ; orgm:measure apqcm:106448 ; orgm:value 130 .
:o2 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value "50" .
:o3 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value 50 , 150.0 .
:o4 a orgm:MeasureObservation ; orgm:measure apqcm:106448 .
:o5 a orgm:MeasureObservation ; orgm:measure :unknown ; orgm:value 150 .
:o6 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value "2024-01-01"^^xsd:date .
:o7 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value -0.5e0 .
:o8 a orgm:MeasureObservation , :SpecialObservation ; orgm:measure apqcm:106448 ;
    orgm:value "100"^^xsd:decimal , :iri .
:o9 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value "abc"^^xsd:integer .
:o10 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value "150"^^xsd:int .
:o11 a orgm:MeasureObservation ; orgm:measure apqcm:106448 ; orgm:value "99.50"^^xsd:decimal .

# agreements: out of order through a sub-class, on one day, with two ends; dates that do not
# compare (ill-typed, a string, an xsd:dateTime) beside an out-of-order pair
:a1 a :SpecialSLA ; orgm:validFrom "2025-06-01"^^xsd:date ; orgm:validUntil "2025-01-01"^^xsd:date .
:a2 a orgm:Agreement ; orgm:validFrom "2025-06-01"^^xsd:date ; orgm:validUntil "2025-06-01"^^xsd:date .
:a3 a orgm:Agreement ; orgm:validFrom "2025-06-01"^^xsd:date ;
    orgm:validUntil "2025-01-01"^^xsd:date , "2026-01-01"^^xsd:date , "2025-06-01Z"^^xsd:date .
:a4 a orgm:Agreement ; orgm:validFrom "2025-06-01"^^xsd:date ;
    orgm:validUntil "2025-01-01"^^xsd:date , "2024-13-45"^^xsd:date .
:a5 a orgm:Agreement ; orgm:validFrom "2025-06-01" ; orgm:validUntil "2025-01-01"^^xsd:date .
:a6 a orgm:Agreement ; orgm:validFrom "2026-01-01T00:00:00"^^xsd:dateTime ;
    orgm:validUntil "2025-01-01"^^xsd:date .
:a7 orgm:validFrom "2025-06-01"^^xsd:date ; orgm:validUntil "2025-01-01"^^xsd:date .
"""


def _shape_checks():  # type: ignore[no-untyped-def]
    return [c for c in context().rules.checks if c.shape is not None]


def _key(r: AuditResult) -> tuple[object, ...]:
    return (
        r.focus_node,
        r.path,
        r.value,
        r.value_is_iri,
        r.severity,
        r.message,
        r.shape,
        r.source,
        r.hint,
        r.component,
    )


@cache
def _all_shapes() -> tuple[tuple[object, ...], ...]:
    return context().rules.core_shape_triples  # type: ignore[return-value]


@cache
def _both(
    text: str, name: str
) -> tuple[frozenset[tuple[object, ...]], frozenset[tuple[object, ...]]]:
    """What pySHACL and the shape checks report on one model, made once per model (three
    tests read the edge cases' reports)."""
    ctx = context()
    triples, _ignored = parse_uploads([Upload(name, text.encode("utf-8"))], ctx_limits())
    shapes = {c.rule.iri for c in _shape_checks()}
    # pySHACL with every shape, on the data another SHACL engine would get
    store = ox.Store()
    store.extend(ctx.read_quads())
    store.extend(ox.Quad(t.subject, t.predicate, t.object, UPLOAD_GRAPH) for t in triples)
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in ctx.rules.core_shape_triples)
    _select_targets(graph, store)
    data = data_graph(
        shacl_framework_subset(ctx.read_quads(), ctx.rules, every_shape=True), triples
    )
    by_pyshacl = {_key(r) for r in run_shacl(data, graph, ctx.rules.rules) if r.shape in shapes}
    embedded = EmbeddedStore(store)
    by_query = {_key(r) for c in _shape_checks() for r in run_check(embedded, c)}
    return frozenset(by_pyshacl), frozenset(by_query)


def _select_targets(shapes: Graph, store: ox.Store) -> None:
    """Each SPARQL target (``sh:target [ a sh:SPARQLTarget ; sh:select ... ]``) replaced by
    the nodes its query selects on ``store`` (``sh:targetNode``), for pySHACL's core run."""
    sh = iris.SH
    for shape, target in list(shapes.subject_objects(sh.target)):
        if (target, RDF.type, sh.SPARQLTarget) not in shapes:
            continue
        query = str(shapes.value(target, sh.select))
        shapes.remove((shape, sh.target, target))
        for row in store.query(query, use_default_graph_as_union=True):
            shapes.add((shape, sh.targetNode, to_rdflib(row["this"])))


def ctx_limits():  # type: ignore[no-untyped-def]
    from pcfgraph.audit.engine import Limits

    return Limits()


def test_shape_checks_evaluate_shapes_of_the_rules() -> None:
    checks = _shape_checks()
    assert checks, "no shape is evaluated by a check"
    rules = context().rules
    pyshacl_subjects = {str(s) for s, _p, _o in rules.shape_triples}
    every_subject = {str(s) for s, _p, _o in rules.all_shape_triples}
    for check in checks:
        assert check.rule.iri == check.shape
        assert check.rule is rules.rules[check.shape]
        assert check.shape in every_subject  # other SHACL engines still get the shape
        assert check.shape not in pyshacl_subjects  # pySHACL does not evaluate it twice


@cache
def _case_models() -> tuple[tuple[str, str, str], ...]:
    """The models compared (made once: the edge cases' tests take theirs from here)."""
    shapes = {c.rule.name for c in _shape_checks()}
    models = [
        ("conforming", CONFORMING.read_text(encoding="utf-8"), "model.ttl"),
        ("findings", FINDINGS.read_text(encoding="utf-8"), "model.ttl"),
        ("edge-cases", CONFORMING.read_text(encoding="utf-8") + PREFIXES + EDGE_CASES, "m.ttl"),
    ]
    models += [(c.id, mutate(c), "model.nt") for c in CASES if c.rule in shapes]
    return tuple(models)


@pytest.mark.parametrize("model", _case_models(), ids=lambda m: m[0])
def test_shape_check_reports_what_pyshacl_reports(model: tuple[str, str, str]) -> None:
    _id, text, name = model
    by_pyshacl, by_query = _both(text, name)
    assert by_query == by_pyshacl
    if _id not in ("conforming",):
        assert by_query, "the model has findings for these shapes"


def test_edge_cases_cover_every_shape_check() -> None:
    _id, text, name = _case_models()[2]
    _by_pyshacl, by_query = _both(text, name)
    found = {k[6] for k in by_query}
    assert found == {c.rule.iri for c in _shape_checks()}
    components = {str(k[9]).rsplit("#", 1)[-1] for k in by_query}
    assert {
        "LessThanConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "OrConstraintComponent",
    } <= components


def test_sub_class_focus_nodes_are_found() -> None:
    _id, text, name = _case_models()[2]
    _by_pyshacl, by_query = _both(text, name)
    ex = "https://example.org/northwind/"
    pairs = {(k[0], str(k[6]).removeprefix(iris.SHAPES_BASE)) for k in by_query}
    assert (ex + "t9", "CustomerTeamBusinessRelationshipManagerShape") in pairs
    assert (ex + "o1", "PercentObservationRangeShape") in pairs
    assert (ex + "sla11", "SLAUnderpinnedShape") in pairs
    assert (ex + "sla9", "SLAUnderpinnedShape") not in pairs
    assert URIRef(ex + "o5") not in {URIRef(str(k[0])) for k in by_query}
    order = {k[0] for k in by_query if str(k[6]).endswith("AgreementValidityOrderShape")}
    assert order == {ex + "a1", ex + "a2"}  # a3: 2025-06-01Z may be before or after 2025-06-01
