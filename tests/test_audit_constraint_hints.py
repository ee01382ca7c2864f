"""Every result's remediation hint is about the constraint that failed (after c4ebfe5, which
did it for datatypes and some sh:maxCount): a customer whose orgm:agreement names a document
that is no agreement was told to "Add orgm:agreement <sla>", a meeting of an unknown kind to
"Give each meeting one orgm:meetingKind", a claimed level 7 to "Add orgm:claimedLevel 1-5".
A class, sh:in or range result now gets a hint derived from the shape's own constraint (the
class, the allowed values, the bounds); a shape's other constraints carry
``orgm:componentHint``. The walk below holds every shape of the audit to it."""

from __future__ import annotations

from functools import cache

import pytest
from audit_support import CONFORMING, audit_text
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from pcfgraph import iris
from pcfgraph.audit.report import AuditReport
from pcfgraph.audit.rules import load_shapes, shape_rules
from pcfgraph.rules.model import Rule

EX = "https://example.org/northwind/"
SHAPES = "https://w3id.org/pcfgraph/shapes/"
ITCMF = "https://w3id.org/pcfgraph/id/it-cmf/"

MODEL = f"""
:finance orgm:agreement :h-plan .
:h-plan a orgm:ActivityPlan ; rdfs:label "Finance activity plan" .
:h-meeting a orgm:Meeting ; orgm:withCustomer :finance ; orgm:meetingKind orgm:Quarterly ;
    orgm:date "2025-03-03"^^xsd:date .
:h-claim a orgm:MaturityClaim ; orgm:claimedLevel 7 ; orgm:buildingBlock <{ITCMF}SRP/A2> .
:h-two-blocks a orgm:MaturityClaim ; orgm:claimedLevel 2 ;
    orgm:buildingBlock <{ITCMF}SRP/A2> , <{ITCMF}SRP/no-such-block> .
"""


@cache
def _report() -> AuditReport:
    return audit_text(CONFORMING.read_text(encoding="utf-8") + MODEL)


def _hints(focus: str, shape: str) -> dict[str, str | None]:
    return {
        str(r.component).removeprefix(str(SH)): r.hint
        for r in _report().results
        if r.focus_node == EX + focus and r.shape == SHAPES + shape
    }


def test_a_class_result_says_what_the_value_must_be() -> None:
    hints = _hints("finance", "CustomerAgreementShape")
    assert hints == {
        "ClassConstraintComponent": "Each orgm:agreement must be an orgm:Agreement: type the node"
        " it refers to (<node> a orgm:Agreement, or a subclass) or refer to one that is."
    }


def test_a_class_result_of_a_framework_class_names_the_framework_graph() -> None:
    hints = _hints("h-two-blocks", "MaturityClaimBuildingBlockShape")
    assert set(hints) == {"ClassConstraintComponent", "MaxCountConstraintComponent"}
    class_hint = hints["ClassConstraintComponent"] or ""
    assert class_hint.startswith(
        "Each orgm:buildingBlock must be a pcfg:CapabilityBuildingBlock of the framework graph"
    )
    assert (hints["MaxCountConstraintComponent"] or "").startswith("Keep one orgm:buildingBlock")


def test_an_in_result_lists_the_allowed_values() -> None:
    assert _hints("h-meeting", "MeetingKindShape") == {
        "InConstraintComponent": "Set orgm:meetingKind to one of: orgm:FollowUpMeeting,"
        " orgm:DevelopmentMeeting."
    }


def test_a_range_result_gives_the_range() -> None:
    assert _hints("h-claim", "MaturityClaimLevelShape") == {
        "MaxInclusiveConstraintComponent": "Make orgm:claimedLevel a number from 1 to 5."
    }


def test_a_shapes_own_hint_stays_where_it_is_right() -> None:
    rules = {r.name: r for r in shape_rules(load_shapes()).values()}
    class_ = str(SH.ClassConstraintComponent)
    # A shape whose only constraint is the class: its hint is about it.
    trim = rules["MembershipTRIMRoleShape"]
    assert trim.hint_for(class_) == trim.hint
    assert (trim.hint or "").startswith("Use a TRIM role IRI")
    # A shape whose hint is already about its class (and serves a missing value too).
    measure = rules["ObservationMeasureShape"]
    assert measure.hint_for(class_) == measure.hint
    assert measure.hint_for(str(SH.MinCountConstraintComponent)) == measure.hint
    assert (measure.hint or "").startswith("Use an APQC measure IRI of the framework graph")
    compliance = rules["SLAComplianceRangeShape"]
    assert compliance.hint_for(str(SH.MaxInclusiveConstraintComponent)) == compliance.hint


# What a constraint parameter of a shape produces results of; parameters that produce none.
_COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,  # the checks' twins in orgmodel-sparql.ttl
}
_NOT_CONSTRAINTS = {
    SH.path,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.target,
    SH.severity,
    SH.message,
    SH.group,
    SH.qualifiedValueShape,  # with sh:qualifiedMin/MaxCount
    SH.deactivated,
}
_MINIMUM = {SH.MinCountConstraintComponent, SH.QualifiedMinCountConstraintComponent}
_MAXIMUM = {SH.MaxCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent}


def _shapes() -> tuple[Graph, list[tuple[URIRef, Rule]]]:
    graph = load_shapes()
    rules = shape_rules(graph)
    return graph, [(URIRef(iri), rule) for iri, rule in sorted(rules.items())]


def _text(graph: Graph, node: object) -> str:
    if isinstance(node, URIRef):
        return iris.curie(str(node))
    assert isinstance(node, Literal)
    return str(node)


def _constraint_hints() -> list[tuple[str, URIRef, str, str]]:
    graph, rules = _shapes()
    cases = []
    for shape, rule in rules:
        params = {p for p in graph.predicates(shape, None) if str(p).startswith(str(SH))}
        unknown = params - set(_COMPONENTS) - _NOT_CONSTRAINTS
        assert not unknown, f"{rule.name}: constraint parameters this test does not know"
        components = {_COMPONENTS[p] for p in params & set(_COMPONENTS)}
        for param in sorted(params & set(_COMPONENTS)):
            component = _COMPONENTS[param]
            hint = rule.hint_for(str(component))
            assert hint, f"{rule.name}: no hint for {component}"
            expected = ""
            value = graph.value(shape, param)
            if component in (SH.ClassConstraintComponent, SH.DatatypeConstraintComponent):
                expected = _text(graph, value)
            cases.append((rule.name, component, hint, expected))
            if component == SH.InConstraintComponent:
                assert isinstance(value, URIRef | BNode)
                allowed = [_text(graph, v) for v in Collection(graph, value)]
                assert all(a in hint for a in allowed), f"{rule.name}: {hint}"
            if component in _MINIMUM or len(components) == 1:
                continue  # the shape's own hint is about its minimum or its one constraint
            if component in (
                SH.MinInclusiveConstraintComponent,
                SH.MaxInclusiveConstraintComponent,
            ):
                bounds = [graph.value(shape, SH.minInclusive), graph.value(shape, SH.maxInclusive)]
                assert all(_text(graph, b) in hint for b in bounds if b is not None), hint
            if any(c in components for c in _MINIMUM):
                # A value is there but wrong: "Add ..." is about the missing value.
                assert not hint.startswith("Add") or (component in _MAXIMUM and "remove" in hint), (
                    f"{rule.name}: {component.removeprefix(str(SH))} result hinted {hint!r}"
                )
    return cases


def test_every_constraint_of_every_shape_has_a_hint_about_it() -> None:
    cases = _constraint_hints()
    assert len({name for name, *_ in cases}) > 60
    for name, component, hint, expected in cases:
        rule_components = {c for n, c, *_ in cases if n == name}
        if expected and len(rule_components) > 1 and component not in _MINIMUM:
            # Class and datatype results name the class or datatype the value must have (a
            # framework class: that the value must exist in the framework graph).
            framework = expected.startswith("pcfg:") and "framework graph" in hint
            assert expected in hint or framework, f"{name}: {component}: {hint!r}"


@pytest.mark.parametrize(
    "name",
    [
        "CustomerAgreementShape",
        "MeetingKindShape",
        "MaturityClaimLevelShape",
        "EvidencePracticeShape",
    ],
)
def test_explain_lists_the_derived_hints(name: str) -> None:
    from pcfgraph.audit.explain import explain
    from pcfgraph.audit.ruleset import RuleSet

    text = explain(RuleSet.load(), name)
    assert "to fix a " in text
    if name == "MaturityClaimLevelShape":  # the range's two bounds, one line; no exclusive bound
        assert (
            "to fix a MaxInclusive or MinInclusive result: Make orgm:claimedLevel a number from"
            " 1 to 5.\n"
        ) in text
        assert "Exclusive" not in text
