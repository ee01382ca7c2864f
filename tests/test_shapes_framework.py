"""SHACL shapes of the framework graph: every shape has a violating and a conforming case.

Findings are asserted by rule (the sh:sourceShape) and focus node, never by count alone.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from validation_graphs import (
    Case,
    describe,
    graph_for,
    iri,
    matching,
    store_for,
    validate_case,
)

from pcfgraph import iris
from pcfgraph.validation import (
    FRAMEWORK_SHAPE_FILES,
    framework_shapes,
    validate_store,
)

SH = iris.SH
SHP = iris.SHAPES_BASE

FW = "framework/t-apqc"
PRM = "framework/t-prm"

VIOLATIONS = [
    # --- framework metadata ---
    Case(
        "no-title",
        "shapes/FrameworkTitleShape",
        FW,
        remove=f'<{FW}> dcterms:title "Test PCF 7.4"@en .',
    ),
    Case(
        "no-version", "shapes/FrameworkVersionShape", FW, remove=f'<{FW}> owl:versionInfo "7.4" .'
    ),
    Case(
        "no-publisher",
        "shapes/FrameworkPublisherShape",
        FW,
        remove=f'<{FW}> dcterms:publisher "APQC" .',
    ),
    Case(
        "no-source",
        "shapes/FrameworkSourceShape",
        FW,
        remove=f'<{FW}> dcterms:source "test.xlsx" .',
    ),
    Case(
        "no-licence-no-rights",
        "shapes/FrameworkLicenceShape",
        FW,
        remove=f"<{FW}> dcterms:license <https://www.apqc.org/pcf> .",
    ),
    Case(
        "rights-removed",
        "shapes/FrameworkLicenceShape",
        PRM,
        remove=f'<{PRM}> dcterms:rights "Copyright IBM" .',
    ),
    Case(
        "no-framework-id",
        "shapes/FrameworkIdShape",
        FW,
        remove=f'<{FW}> pcfg:frameworkId "t-apqc" .',
    ),
    Case(
        "two-framework-ids",
        "shapes/FrameworkIdShape",
        FW,
        add=f'<{FW}> pcfg:frameworkId "t-apqc-2" .',
    ),
    Case(
        "framework-id-not-string",
        "shapes/FrameworkIdShape",
        FW,
        remove=f'<{FW}> pcfg:frameworkId "t-apqc" .',
        add=f"<{FW}> pcfg:frameworkId 74 .",
    ),
    Case(
        "framework-id-not-slug",
        "shapes/FrameworkIdSlugShape",
        FW,
        remove=f'<{FW}> pcfg:frameworkId "t-apqc" .',
        add=f'<{FW}> pcfg:frameworkId "Test APQC" .',
    ),
    Case(
        "scheme-not-framework",
        "shapes/ElementSchemeIsFrameworkShape",
        "framework/undeclared",
        add="<framework/undeclared> a skos:ConceptScheme . "
        '<u/1> skos:inScheme <framework/undeclared> ; skos:prefLabel "One"@en ; skos:notation "1" .',
    ),
    # --- element labels ---
    Case(
        "no-preflabel",
        "shapes/ElementPrefLabelEnShape",
        "t/811",
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
    ),
    Case(
        "preflabel-not-english",
        "shapes/ElementPrefLabelEnShape",
        "t/811",
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
        add='<t/811> skos:prefLabel "Kundenbedarf verstehen"@de .',
    ),
    Case(
        "preflabel-without-language",
        "shapes/ElementPrefLabelEnShape",
        "t/811",
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
        add='<t/811> skos:prefLabel "Understand IT customer needs" .',
    ),
    Case(
        "two-english-preflabels",
        "shapes/ElementPrefLabelEnShape",
        "t/811",
        add='<t/811> skos:prefLabel "Know IT customers"@en .',
    ),
    Case(
        "two-french-preflabels",
        "shapes/ElementPrefLabelUniqueLangShape",
        "p/A1",
        add='<p/A1> skos:prefLabel "Satisfaction client"@fr .',
    ),
    Case(
        "preflabel-double-space",
        "shapes/ElementPrefLabelWhitespaceShape",
        "t/811",
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
        add='<t/811> skos:prefLabel "Understand  IT customer needs"@en .',
    ),
    Case(
        "preflabel-leading-space",
        "shapes/ElementPrefLabelWhitespaceShape",
        "t/811",
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
        add='<t/811> skos:prefLabel " Understand IT customer needs"@en .',
    ),
    Case(
        "preflabel-trailing-space",
        "shapes/ElementPrefLabelWhitespaceShape",
        "t/811",
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
        add='<t/811> skos:prefLabel "Understand IT customer needs "@en .',
    ),
    Case(
        "preflabel-tab",
        "shapes/ElementPrefLabelWhitespaceShape",
        "p/A1",
        remove='<p/A1> skos:prefLabel "Gestion de la satisfaction client"@fr .',
        add='<p/A1> skos:prefLabel "Gestion de la\\tsatisfaction"@fr .',
    ),
    # --- element identifiers and structure ---
    Case(
        "no-notation", "shapes/ElementNotationShape", "p/A1", remove='<p/A1> skos:notation "A1" .'
    ),
    Case(
        "two-notations", "shapes/ElementNotationShape", "p/A1", add='<p/A1> skos:notation "A01" .'
    ),
    Case(
        "notation-iri",
        "shapes/ElementNotationShape",
        "p/A1",
        remove='<p/A1> skos:notation "A1" .',
        add="<p/A1> skos:notation <p/code/A1> .",
    ),
    Case(
        "two-schemes",
        "shapes/ElementInSchemeShape",
        "t/811",
        add=f"<t/811> skos:inScheme <{PRM}> .",
    ),
    Case(
        "level-zero",
        "shapes/ElementLevelShape",
        "p/A0",
        remove="<p/A0> pcfg:level 1 .",
        add="<p/A0> pcfg:level 0 .",
    ),
    Case(
        "level-string",
        "shapes/ElementLevelShape",
        "p/A0",
        remove="<p/A0> pcfg:level 1 .",
        add='<p/A0> pcfg:level "1" .',
    ),
    Case("two-levels", "shapes/ElementLevelShape", "p/A0", add="<p/A0> pcfg:level 2 ."),
    Case(
        "pcf-id-string",
        "shapes/ElementPcfIdShape",
        "t/811",
        remove="<t/811> pcfg:pcfId 20609 .",
        add='<t/811> pcfg:pcfId "20609" .',
    ),
    Case("two-pcf-ids", "shapes/ElementPcfIdShape", "t/811", add="<t/811> pcfg:pcfId 20699 ."),
    Case(
        "broader-literal", "shapes/ElementBroaderIriShape", "p/A1", add='<p/A1> skos:broader "A0" .'
    ),
    # --- APQC identifiers ---
    Case(
        "pcf-no-pcf-id",
        "shapes/PCFElementPcfIdRequiredShape",
        "t/811",
        remove="<t/811> pcfg:pcfId 20609 .",
    ),
    Case(
        "pcf-no-hierarchy-id",
        "shapes/PCFElementHierarchyIdRequiredShape",
        "t/811",
        remove='<t/811> pcfg:hierarchyId "8.1.1" .',
    ),
    Case(
        "pcf-no-level",
        "shapes/PCFElementLevelRequiredShape",
        "t/811",
        remove="<t/811> pcfg:level 3 .",
    ),
    Case(
        "hierarchy-id-zero-part",
        "shapes/HierarchyIdShape",
        "t/811",
        remove='<t/811> pcfg:hierarchyId "8.1.1" ; skos:notation "8.1.1" .',
        add='<t/811> pcfg:hierarchyId "8.1.0" ; skos:notation "8.1.0" .',
    ),
    Case(
        "hierarchy-id-one-part",
        "shapes/HierarchyIdShape",
        "t/80",
        remove='<t/80> pcfg:hierarchyId "8.0" ; skos:notation "8.0" .',
        add='<t/80> pcfg:hierarchyId "8" ; skos:notation "8" .',
    ),
    Case(
        "hierarchy-id-leading-zero",
        "shapes/HierarchyIdShape",
        "t/811",
        remove='<t/811> pcfg:hierarchyId "8.1.1" ; skos:notation "8.1.1" .',
        add='<t/811> pcfg:hierarchyId "8.01.1" ; skos:notation "8.01.1" .',
    ),
    Case(
        "hierarchy-id-decimal",
        "shapes/HierarchyIdShape",
        "t/81",
        remove='<t/81> pcfg:hierarchyId "8.1" .',
        add="<t/81> pcfg:hierarchyId 8.1 .",
    ),
    Case(
        "two-hierarchy-ids",
        "shapes/HierarchyIdShape",
        "t/811",
        add='<t/811> pcfg:hierarchyId "8.1.2" .',
    ),
    Case(
        "hierarchy-id-not-notation",
        "shapes/HierarchyIdIsNotationShape",
        "t/811",
        remove='<t/811> skos:notation "8.1.1" .',
        add='<t/811> skos:notation "8.1.2" .',
    ),
    # --- mapping records ---
    Case(
        "mapping-no-source",
        "shapes/MappingSourceShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedSource <t/811> .",
    ),
    Case(
        "mapping-source-not-element",
        "shapes/MappingSourceShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedSource <t/811> .",
        add="<mapping/t/1> owl:annotatedSource <t/999> .",
    ),
    Case(
        "mapping-source-literal",
        "shapes/MappingSourceShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedSource <t/811> .",
        add='<mapping/t/1> owl:annotatedSource "8.1.1" .',
    ),
    Case(
        "mapping-two-sources",
        "shapes/MappingSourceShape",
        "mapping/t/1",
        add="<mapping/t/1> owl:annotatedSource <t/8111> .",
    ),
    Case(
        "mapping-no-target",
        "shapes/MappingTargetShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedTarget <p/A1> .",
    ),
    Case(
        "mapping-target-not-element",
        "shapes/MappingTargetShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedTarget <p/A1> .",
        add="<mapping/t/1> owl:annotatedTarget <p/A99> .",
    ),
    Case(
        "mapping-predicate-related",
        "shapes/MappingPredicateShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedProperty skos:closeMatch .",
        add="<mapping/t/1> owl:annotatedProperty skos:related .",
    ),
    Case(
        "mapping-predicate-sameas",
        "shapes/MappingPredicateShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedProperty skos:closeMatch .",
        add="<mapping/t/1> owl:annotatedProperty owl:sameAs .",
    ),
    Case(
        "mapping-no-predicate",
        "shapes/MappingPredicateShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedProperty skos:closeMatch .",
    ),
    Case(
        "mapping-no-justification",
        "shapes/MappingJustificationShape",
        "mapping/t/1",
        remove="<mapping/t/1> sssom:mapping_justification semapv:ManualMappingCuration .",
    ),
    Case(
        "mapping-justification-literal",
        "shapes/MappingJustificationShape",
        "mapping/t/1",
        remove="<mapping/t/1> sssom:mapping_justification semapv:ManualMappingCuration .",
        add='<mapping/t/1> sssom:mapping_justification "manual" .',
    ),
    Case(
        "mapping-justification-not-semapv",
        "shapes/MappingJustificationVocabularyShape",
        "mapping/t/1",
        remove="<mapping/t/1> sssom:mapping_justification semapv:ManualMappingCuration .",
        add="<mapping/t/1> sssom:mapping_justification <https://example.org/manual> .",
    ),
    Case(
        "mapping-no-confidence",
        "shapes/MappingConfidenceShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
    ),
    Case(
        "mapping-two-confidences",
        "shapes/MappingConfidenceShape",
        "mapping/t/1",
        add='<mapping/t/1> sssom:confidence "0.7"^^xsd:double .',
    ),
    Case(
        "mapping-confidence-word",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add='<mapping/t/1> sssom:confidence "high" .',
    ),
    Case(
        "mapping-confidence-string-number",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add='<mapping/t/1> sssom:confidence "0.8" .',
    ),
    Case(
        "mapping-confidence-above-one",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add='<mapping/t/1> sssom:confidence "1.5"^^xsd:double .',
    ),
    Case(
        "mapping-confidence-negative",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add="<mapping/t/1> sssom:confidence -0.1 .",
    ),
    # --- no-counterpart records and mapping sets ---
    Case(
        "gap-no-element",
        "shapes/NoCounterpartElementShape",
        "mapping/t/2",
        remove="<mapping/t/2> pcfg:element <t/8111> .",
    ),
    Case(
        "gap-element-not-loaded",
        "shapes/NoCounterpartElementShape",
        "mapping/t/2",
        remove="<mapping/t/2> pcfg:element <t/8111> .",
        add="<mapping/t/2> pcfg:element <t/9999> .",
    ),
    Case(
        "gap-no-framework",
        "shapes/NoCounterpartFrameworkShape",
        "mapping/t/2",
        remove="<mapping/t/2> pcfg:noCounterpartIn <framework/t-prm> .",
    ),
    Case(
        "gap-framework-not-loaded",
        "shapes/NoCounterpartFrameworkShape",
        "mapping/t/2",
        remove="<mapping/t/2> pcfg:noCounterpartIn <framework/t-prm> .",
        add="<mapping/t/2> pcfg:noCounterpartIn <framework/cobit> .",
    ),
    Case(
        "gap-without-reason",
        "shapes/NoCounterpartReasonShape",
        "mapping/t/2",
        remove='<mapping/t/2> rdfs:comment "No PRM-IT process assesses customer needs."@en .',
    ),
    Case(
        "mapping-set-without-licence",
        "shapes/MappingSetLicenceShape",
        "mapping-set/t",
        remove="<mapping-set/t> dcterms:license <https://creativecommons.org/licenses/by/4.0/> .",
    ),
]

CONFORMING = [
    # the base graph itself: every element and framework in it conforms to every shape
    Case("base-title", "shapes/FrameworkTitleShape", FW),
    Case("base-version", "shapes/FrameworkVersionShape", FW),
    Case("base-publisher", "shapes/FrameworkPublisherShape", FW),
    Case("base-source", "shapes/FrameworkSourceShape", FW),
    Case("licence-only", "shapes/FrameworkLicenceShape", FW),
    Case("rights-only", "shapes/FrameworkLicenceShape", PRM),
    Case(
        "rights-instead-of-licence",
        "shapes/FrameworkLicenceShape",
        FW,
        remove=f"<{FW}> dcterms:license <https://www.apqc.org/pcf> .",
        add=f"<{FW}> dcterms:rights <apqc-pcf/notice> .",
    ),
    Case("one-framework-id", "shapes/FrameworkIdShape", FW),
    Case(
        "slug-with-dots",
        "shapes/FrameworkIdSlugShape",
        FW,
        remove=f'<{FW}> pcfg:frameworkId "t-apqc" .',
        add=f'<{FW}> pcfg:frameworkId "apqc-pcf-cross-industry-7.4" .',
    ),
    Case("scheme-is-framework", "shapes/ElementSchemeIsFrameworkShape", FW),
    Case(
        "scheme-is-framework-via-other-graph-type",
        "shapes/ElementSchemeIsFrameworkShape",
        "framework/t-other",
        add='<framework/t-other> a pcfg:Framework . <o/1> skos:inScheme <framework/t-other> ; skos:prefLabel "One"@en ; skos:notation "1" .',
    ),
    Case("english-preflabel", "shapes/ElementPrefLabelEnShape", "t/811"),
    Case("english-and-french", "shapes/ElementPrefLabelEnShape", "p/A1"),
    Case("one-label-per-language", "shapes/ElementPrefLabelUniqueLangShape", "p/A1"),
    Case("single-spaces", "shapes/ElementPrefLabelWhitespaceShape", "t/80"),
    Case(
        "single-word",
        "shapes/ElementPrefLabelWhitespaceShape",
        "p/A0",
        remove='<p/A0> skos:prefLabel "Manage IT"@en .',
        add='<p/A0> skos:prefLabel "IT"@en .',
    ),
    Case(
        "inner-punctuation",
        "shapes/ElementPrefLabelWhitespaceShape",
        "p/A0",
        remove='<p/A0> skos:prefLabel "Manage IT"@en .',
        add='<p/A0> skos:prefLabel "Manage IT (incl. service/solutions) - all"@en .',
    ),
    Case("one-notation", "shapes/ElementNotationShape", "p/A1"),
    Case("one-scheme", "shapes/ElementInSchemeShape", "t/811"),
    Case("level-one", "shapes/ElementLevelShape", "p/A0"),
    Case(
        "no-level-outside-apqc", "shapes/ElementLevelShape", "p/A0", remove="<p/A0> pcfg:level 1 ."
    ),
    Case("one-pcf-id", "shapes/ElementPcfIdShape", "t/811"),
    Case("broader-iri", "shapes/ElementBroaderIriShape", "p/A1"),
    Case("pcf-has-pcf-id", "shapes/PCFElementPcfIdRequiredShape", "t/811"),
    Case("prm-needs-no-pcf-id", "shapes/PCFElementPcfIdRequiredShape", "p/A1"),
    Case("pcf-has-hierarchy-id", "shapes/PCFElementHierarchyIdRequiredShape", "t/811"),
    Case("pcf-has-level", "shapes/PCFElementLevelRequiredShape", "t/811"),
    Case("category-id", "shapes/HierarchyIdShape", "t/80"),
    Case("activity-id", "shapes/HierarchyIdShape", "t/8111"),
    Case(
        "two-digit-part",
        "shapes/HierarchyIdShape",
        "t/811",
        remove='<t/811> pcfg:hierarchyId "8.1.1" ; skos:notation "8.1.1" .',
        add='<t/811> pcfg:hierarchyId "8.1.10" ; skos:notation "8.1.10" .',
    ),
    Case("hierarchy-id-is-notation", "shapes/HierarchyIdIsNotationShape", "t/8111"),
    Case("mapping-source", "shapes/MappingSourceShape", "mapping/t/1"),
    Case("mapping-target", "shapes/MappingTargetShape", "mapping/t/1"),
    Case(
        "mapping-predicate-exact",
        "shapes/MappingPredicateShape",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedProperty skos:closeMatch .",
        add="<mapping/t/1> owl:annotatedProperty skos:exactMatch .",
    ),
    Case("mapping-predicate-close", "shapes/MappingPredicateShape", "mapping/t/1"),
    Case("mapping-justification", "shapes/MappingJustificationShape", "mapping/t/1"),
    Case(
        "mapping-justification-semapv", "shapes/MappingJustificationVocabularyShape", "mapping/t/1"
    ),
    Case("mapping-confidence", "shapes/MappingConfidenceShape", "mapping/t/1"),
    Case("confidence-double", "shapes/MappingConfidenceRangeShape", "mapping/t/1"),
    Case(
        "confidence-decimal",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add="<mapping/t/1> sssom:confidence 0.5 .",
    ),
    Case(
        "confidence-integer-one",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add="<mapping/t/1> sssom:confidence 1 .",
    ),
    Case(
        "confidence-zero",
        "shapes/MappingConfidenceRangeShape",
        "mapping/t/1",
        remove='<mapping/t/1> sssom:confidence "0.8"^^xsd:double .',
        add='<mapping/t/1> sssom:confidence "0.0"^^xsd:double .',
    ),
    Case("gap-element", "shapes/NoCounterpartElementShape", "mapping/t/2"),
    Case("gap-framework", "shapes/NoCounterpartFrameworkShape", "mapping/t/2"),
    Case("gap-reason", "shapes/NoCounterpartReasonShape", "mapping/t/2"),
    Case("mapping-set-licence", "shapes/MappingSetLicenceShape", "mapping-set/t"),
]


@pytest.mark.parametrize("case", VIOLATIONS, ids=lambda c: c.id)
def test_shape_reports_violation_at_focus(case: Case) -> None:
    report = validate_case(case, checks=False)
    found = matching(report, case)
    assert found, f"expected {case.rule} at {case.focus_iri}; got:\n{describe(report)}"
    assert all(f.source_shape == SHP + case.rule.removeprefix("shapes/") for f in found)
    assert all(f.message and f.severity in {"Violation", "Warning"} for f in found)


@pytest.mark.parametrize("case", CONFORMING, ids=lambda c: c.id)
def test_shape_accepts_conforming_case(case: Case) -> None:
    report = validate_case(case, checks=False)
    assert not matching(report, case), describe(report)


def test_base_graph_conforms_with_no_findings_at_all() -> None:
    report = validate_case(Case("base", "", ""))
    assert report.findings == [], describe(report)
    assert report.conforms


def _shapes_graph() -> Graph:
    g = Graph()
    for path in framework_shapes():
        g.parse(path, format="turtle")
    return g


def _reporting_shapes(g: Graph) -> set[URIRef]:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return {s for t in targets for s in g.subjects(t, None) if isinstance(s, URIRef)}


def test_every_shape_with_a_target_has_message_severity_comment_and_our_iri() -> None:
    g = _shapes_graph()
    shapes = _reporting_shapes(g)
    assert len(shapes) >= 25
    for shape in shapes:
        assert str(shape).startswith(SHP), shape
        assert g.value(shape, SH.message) is not None, f"{shape} has no sh:message"
        assert g.value(shape, SH.severity) in {SH.Violation, SH.Warning, SH.Info}, shape
        assert g.value(shape, RDFS.comment) is not None, f"{shape} has no rdfs:comment"


def test_shapes_use_no_sparql_constraints_and_no_imports() -> None:
    g = _shapes_graph()
    assert not list(g.subject_objects(SH.sparql)), "SPARQL constraints belong in queries/checks/"
    assert not list(g.subject_objects(URIRef("http://www.w3.org/2002/07/owl#imports")))


def test_every_shape_has_a_violating_and_a_conforming_case() -> None:
    names = {"shapes/" + str(s).removeprefix(SHP) for s in _reporting_shapes(_shapes_graph())}
    assert names == {c.rule for c in VIOLATIONS}, "shapes without a violating case"
    assert names == {c.rule for c in CONFORMING}, "shapes without a conforming case"


def test_validate_uses_only_the_framework_shape_files() -> None:
    assert FRAMEWORK_SHAPE_FILES == ("framework.ttl", "mappings.ttl")
    assert [p.name for p in framework_shapes()] == list(FRAMEWORK_SHAPE_FILES)
    assert all(p.is_file() for p in framework_shapes())


def test_warnings_alone_conform() -> None:
    case = next(c for c in VIOLATIONS if c.id == "framework-id-not-slug")
    report = validate_case(case)
    assert {(f.rule, f.severity) for f in report.findings} == {
        ("shapes/FrameworkIdSlugShape", "Warning")
    }
    assert report.conforms
    assert report.counts == {"Violation": 0, "Warning": 1, "Info": 0}


def test_shapes_graph_is_fresh_per_run_so_results_are_stable() -> None:
    """pySHACL#314: a shapes graph reused across runs can be mutated; ours is re-read."""
    store = store_for(graph_for(add='<t/811> skos:prefLabel "Second"@en .'))
    first = validate_store(store, checks=[])
    second = validate_store(store, checks=[])
    assert first.findings == second.findings
    assert {f.rule for f in first.findings} == {
        "shapes/ElementPrefLabelEnShape",
        "shapes/ElementPrefLabelUniqueLangShape",
    }


def test_union_of_named_graphs_is_validated() -> None:
    """Scheme typed in one named graph, elements in another: sh:class sees both."""
    from pcfgraph.assemble import rdflib_to_quads

    graph = graph_for()
    scheme_triples = Graph()
    for t in graph.triples((URIRef(iri(FW)), None, None)):
        scheme_triples.add(t)
    graph -= scheme_triples
    store = store_for(graph)
    store.add_quads(rdflib_to_quads(scheme_triples, str(iris.framework_graph("scheme-only"))))
    report = validate_store(store)
    assert report.findings == [], describe(report)
    assert (URIRef(iri(FW)), RDF.type, URIRef(str(iris.PCFG.Framework))) in scheme_triples
