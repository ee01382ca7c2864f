"""The shipped PRM-IT, IT-CMF and TRIM framework data: parse, structure, IRIs and metadata.

Seed fidelity (exact texts against the published pages) is checked by
``tools/seed_checks_frameworks.py``; these tests assert the structure the rest of pcfgraph relies on.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.iris import DCTERMS, PCFG, PROV, SKOS
from pcfgraph.resources import resource_dir

FILES = {
    "prm-it": "prm-it/prm-it.ttl",
    "it-cmf": "it-cmf/it-cmf-relationship-management.ttl",
    "trim": "trim/trim-customer-management.ttl",
}
LABEL_RE = re.compile(r"^\S+( \S+)*$")


def _path(fid: str) -> Path:
    return resource_dir("data") / FILES[fid]


@cache
def _graph(fid: str) -> Graph:
    return Graph().parse(_path(fid), format="turtle", publicID=iris.ID_BASE)


def _concepts(g: Graph, fid: str) -> set[Node]:
    return set(g.subjects(SKOS.inScheme, iris.framework(fid)))


def _labels(g: Graph, nodes: object) -> set[str]:
    return {str(g.value(n, SKOS.prefLabel)) for n in nodes}  # type: ignore[attr-defined]


# --- every file ---------------------------------------------------------------------------------


def test_files_are_the_ones_frameworks_yaml_lists() -> None:
    doc = yaml.safe_load((resource_dir("data") / "frameworks.yaml").read_text(encoding="utf-8"))
    listed = {e["id"]: e["files"] for e in doc["frameworks"] if e["kind"] == "turtle"}
    for fid, rel in FILES.items():
        assert listed[fid] == [rel]


@pytest.mark.parametrize("fid", FILES)
def test_parses_identically_with_rdflib_and_pyoxigraph(fid: str) -> None:
    text = _path(fid).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(@base|BASE)\b", text, re.M | re.I), "the loader supplies the base"
    quads = list(ox.parse(path=str(_path(fid)), format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE))
    g = _graph(fid)
    assert len(g) > 0
    assert len(quads) == len(g)
    ox_subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    assert ox_subjects == {str(s) for s in g.subjects() if isinstance(s, URIRef)}


@pytest.mark.parametrize("fid", FILES)
def test_scheme_metadata(fid: str) -> None:
    g, s = _graph(fid), iris.framework(fid)
    assert {SKOS.ConceptScheme, PCFG.Framework} <= set(g.objects(s, RDF.type))
    assert [str(o) for o in g.objects(s, PCFG.frameworkId)] == [fid]
    for p in (
        DCTERMS.title,
        OWL.versionInfo,
        DCTERMS.publisher,
        DCTERMS.source,
        DCTERMS.description,
    ):
        assert len(list(g.objects(s, p))) == 1, p
    assert list(g.objects(s, DCTERMS.license)) or list(g.objects(s, DCTERMS.rights))
    sources = list(g.objects(s, PROV.wasDerivedFrom))
    assert len(sources) == 1
    assert (sources[0], RDF.type, PROV.Entity) in g


@pytest.mark.parametrize("fid", FILES)
def test_every_concept_has_one_clean_label_notation_scheme_and_level(fid: str) -> None:
    g = _graph(fid)
    concepts = _concepts(g, fid)
    assert concepts
    notations: Counter[str] = Counter()
    for c in concepts:
        assert isinstance(c, URIRef) and str(c).startswith(iris.ID_BASE), c
        assert (c, RDF.type, SKOS.Concept) in g, c
        assert list(g.objects(c, SKOS.inScheme)) == [iris.framework(fid)], c
        labels = [o for o in g.objects(c, SKOS.prefLabel) if isinstance(o, Literal)]
        assert len(labels) == 1 and labels[0].language == "en", c
        assert LABEL_RE.match(str(labels[0])), (c, str(labels[0]))
        codes = list(g.objects(c, SKOS.notation))
        assert len(codes) == 1 and isinstance(codes[0], Literal), c
        notations[str(codes[0])] += 1
        levels = list(g.objects(c, PCFG.level))
        assert len(levels) == 1 and isinstance(levels[0].toPython(), int), c  # type: ignore[union-attr]
    assert [n for n, k in notations.items() if k > 1] == [], "notations must be unique"


@pytest.mark.parametrize("fid", FILES)
def test_hierarchy_is_a_tree_with_symmetric_links_and_consistent_levels(fid: str) -> None:
    g = _graph(fid)
    concepts = _concepts(g, fid)
    scheme = iris.framework(fid)
    for c in concepts:
        parents = [p for p in g.objects(c, SKOS.broader) if p in concepts]
        assert len(parents) <= 1, (c, parents)
        level = g.value(c, PCFG.level).toPython()  # type: ignore[union-attr]
        top = (c, SKOS.topConceptOf, scheme) in g
        assert top == ((scheme, SKOS.hasTopConcept, c) in g), c
        if parents:
            assert not top, c
            assert (parents[0], SKOS.narrower, c) in g, c
            assert level == g.value(parents[0], PCFG.level).toPython() + 1, c  # type: ignore[union-attr]
        for child in g.objects(c, SKOS.narrower):
            assert (child, SKOS.broader, c) in g, (c, child)
    tops = {c for c in concepts if (c, SKOS.topConceptOf, scheme) in g}
    assert tops and all(g.value(t, PCFG.level).toPython() == 1 for t in tops)  # type: ignore[union-attr]


@pytest.mark.parametrize("fid", FILES)
def test_every_pcfg_term_used_is_declared_in_the_ontology(fid: str) -> None:
    onto = Graph().parse(resource_dir("ontology") / "pcfgraph.ttl", format="turtle")
    declared = set(onto.subjects(RDF.type, None))
    g = _graph(fid)
    used = {p for p in g.predicates() if str(p).startswith(str(PCFG))}
    used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(PCFG))}
    assert used - declared == set()


# --- PRM-IT -------------------------------------------------------------------------------------


def test_prm_it_has_a0_the_eight_categories_and_a2_processes() -> None:
    g = _graph("prm-it")
    categories = {iris.prm_it(f"A{i}") for i in range(1, 9)}
    processes = {iris.prm_it(f"A2{i}") for i in range(1, 8)}
    assert _concepts(g, "prm-it") == {iris.prm_it("A0")} | categories | processes
    assert set(g.subjects(RDF.type, PCFG.PRMITRoot)) == {iris.prm_it("A0")}
    assert set(g.subjects(RDF.type, PCFG.PRMITCategory)) == categories
    assert set(g.subjects(RDF.type, PCFG.PRMITProcess)) == processes
    assert set(g.subjects(SKOS.broader, iris.prm_it("A0"))) == categories
    assert set(g.subjects(SKOS.broader, iris.prm_it("A2"))) == processes
    for c in _concepts(g, "prm-it"):
        assert str(g.value(c, SKOS.notation)) == str(c).rsplit("/", 1)[1]


def test_prm_it_definitions_only_where_the_source_gives_them() -> None:
    g = _graph("prm-it")
    defined = set(g.subjects(SKOS.definition, None))
    assert defined == {iris.prm_it("A2")} | {iris.prm_it(f"A2{i}") for i in range(1, 8)}
    assert g.value(iris.prm_it("A2"), DCTERMS.description) is not None
    for i in range(1, 8):
        p = iris.prm_it(f"A2{i}")
        assert g.value(p, SKOS.definition) == g.value(p, PCFG.briefDescription)
        assert g.value(p, SKOS.definition).language == "en"  # type: ignore[union-attr]


# --- IT-CMF -------------------------------------------------------------------------------------

BB = iris.itcmf("SRP/A2")
PRACTICES = {2: ("2.1", "2.2"), 3: ("3.1", "3.2", "3.3"), 4: ("4.1", "4.2"), 5: ("5.1", "5.2")}


def _practice(n: str) -> URIRef:
    return iris.itcmf(f"SRP/A2/practice/{n}")


def test_itcmf_hierarchy_and_maturity_levels() -> None:
    g = _graph("it-cmf")
    assert g.value(BB, SKOS.broader) == iris.itcmf("SRP/A")
    assert g.value(iris.itcmf("SRP/A"), SKOS.broader) == iris.itcmf("SRP")
    assert (BB, RDF.type, PCFG.CapabilityBuildingBlock) in g
    assert g.value(BB, SKOS.definition) is not None
    levels = set(g.subjects(RDF.type, PCFG.MaturityLevel))
    assert levels == {iris.itcmf_maturity_level(n) for n in range(1, 6)}
    for n in range(1, 6):
        ml = iris.itcmf_maturity_level(n)
        assert g.value(ml, PCFG.maturityLevelNumber).toPython() == n  # type: ignore[union-attr]
        assert str(g.value(ml, SKOS.notation)) == f"L{n}"
    assert g.value(iris.itcmf_maturity_level(5), PCFG.alternativeLevelName) is not None


def test_itcmf_practices_per_level_each_with_outcome_and_metric() -> None:
    g = _graph("it-cmf")
    by_level: dict[int, set[Node]] = {}
    for p in g.subjects(RDF.type, PCFG.Practice):
        ml = g.value(p, PCFG.atMaturityLevel)
        by_level.setdefault(g.value(ml, PCFG.maturityLevelNumber).toPython(), set()).add(p)  # type: ignore[union-attr]
        assert g.value(p, PCFG.forBuildingBlock) == BB
        assert list(g.objects(p, SKOS.broader)) == [BB]
        assert list(g.objects(p, PCFG.hasOutcome)), p
        assert list(g.objects(p, PCFG.hasMetric)), p
        ref = str(p).rsplit("/", 1)[1]
        assert str(g.value(p, SKOS.notation)) == f"SRP-A2-P{ref}"
        assert int(ref.split(".")[0]) == g.value(ml, PCFG.maturityLevelNumber).toPython()  # type: ignore[union-attr]
    assert by_level == {lv: {_practice(n) for n in ns} for lv, ns in PRACTICES.items()}


def test_itcmf_shared_outcome_and_metrics() -> None:
    g = _graph("it-cmf")
    # the two practices of the first level-3 POM share one outcome and one metrics list
    assert set(g.objects(_practice("3.1"), PCFG.hasOutcome)) == set(
        g.objects(_practice("3.2"), PCFG.hasOutcome)
    )
    assert len(set(g.objects(_practice("3.1"), PCFG.hasOutcome))) == 1
    assert set(g.objects(_practice("3.1"), PCFG.hasMetric)) == set(
        g.objects(_practice("3.2"), PCFG.hasMetric)
    )
    for n in ("4.2", "5.2"):
        assert len(set(g.objects(_practice(n), PCFG.hasOutcome))) == 2
    channels = iris.itcmf_metric("SRP/A2", "# of customer feedback channels.")
    assert set(g.subjects(PCFG.hasMetric, channels)) == {
        _practice(n) for n in ("2.1", "3.1", "3.2", "4.1")
    }
    for text in (
        "% of service owners with whom there is formal relationship management.",
        "% of satisfied customers.",
    ):
        assert len(set(g.subjects(PCFG.hasMetric, iris.itcmf_metric("SRP/A2", text)))) >= 3


def test_itcmf_outcomes_and_metrics_are_outside_the_broader_tree() -> None:
    g = _graph("it-cmf")
    metrics = set(g.subjects(RDF.type, PCFG.Metric))
    outcomes = set(g.subjects(RDF.type, PCFG.Outcome))
    assert metrics and outcomes
    for node in metrics | outcomes:
        assert not list(g.objects(node, SKOS.broader)), node
        assert not list(g.subjects(SKOS.narrower, node)), node
        assert g.value(node, PCFG.level).toPython() == 5  # type: ignore[union-attr]
        assert list(g.subjects(PCFG.hasOutcome, node)) or list(g.subjects(PCFG.hasMetric, node))
    for m in metrics:
        assert m == iris.itcmf_metric("SRP/A2", str(g.value(m, SKOS.prefLabel)))
    assert len(_labels(g, metrics)) == len(metrics), "one node per distinct metric text"
    for o in outcomes:
        ref = str(o).rsplit("/", 1)[1]
        assert str(g.value(o, SKOS.notation)) == f"SRP-A2-O{ref}"


# --- TRIM ---------------------------------------------------------------------------------------

CM = iris.trim("function", "Customer Management")
ROLES = ("Business Relationship Manager", "Delivery Manager", "Service Owner")


def test_trim_function() -> None:
    g = _graph("trim")
    assert (CM, RDF.type, PCFG.TRIMFunction) in g
    assert (CM, SKOS.topConceptOf, iris.framework("trim")) in g
    assert str(g.value(CM, SKOS.notation)) == "CM"
    assert str(g.value(CM, PCFG.governanceLevel)) == "tactical"
    for p in (SKOS.definition, PCFG.purpose, PCFG.responsibility, PCFG.focus):
        assert g.value(CM, p) is not None, p
    assert g.value(CM, PCFG.documentationRequirement) is not None


def test_trim_customer_team_has_the_three_roles_with_counts() -> None:
    g = _graph("trim")
    team = iris.trim("team", "customer team")
    assert (CM, PCFG.hasTeam, team) in g
    roles = {iris.trim("role", r) for r in ROLES}
    assert set(g.objects(team, PCFG.teamMember)) == roles
    assert set(g.subjects(RDF.type, PCFG.TRIMRole)) == roles
    assert set(g.objects(CM, PCFG.hasRole)) == roles
    counts = {}
    for ms in g.objects(team, PCFG.membership):
        lo, hi = g.value(ms, PCFG.minCount), g.value(ms, PCFG.maxCount)
        counts[g.value(ms, PCFG.memberRole)] = (
            lo and lo.toPython(),  # type: ignore[attr-defined]
            hi and hi.toPython(),  # type: ignore[attr-defined]
        )
    assert counts == {
        iris.trim("role", "Business Relationship Manager"): (1, 1),
        iris.trim("role", "Delivery Manager"): (1, 1),
        iris.trim("role", "Service Owner"): (1, None),
    }
    assert g.value(team, PCFG.minCustomers).toPython() == 1  # type: ignore[union-attr]


def test_trim_seven_outputs_in_order() -> None:
    g = _graph("trim")
    outputs = set(g.subjects(RDF.type, PCFG.TRIMOutput))
    assert len(outputs) == 7
    assert set(g.objects(CM, PCFG.hasOutput)) == outputs
    assert sorted(str(g.value(o, SKOS.notation)) for o in outputs) == [
        f"CM-O-{i}" for i in range(1, 8)
    ]
    to_dm = [o for o in outputs if g.value(o, PCFG.outputTo) is not None]
    assert [g.value(o, PCFG.outputTo) for o in to_dm] == [
        iris.trim("function", "Delivery Management")
    ]


def test_trim_documents_meetings_inputs_and_related_elements() -> None:
    g = _graph("trim")
    docs = set(g.subjects(RDF.type, PCFG.TRIMDocument))
    assert set(g.objects(CM, PCFG.mustKeep)) == docs
    assert "Agreements with the customers" in _labels(g, docs)
    per_customer = {d for d in docs if str(g.value(d, PCFG.documentScope)) == "per customer"}
    assert {
        "Contacts",
        "Purchaser",
        "Description of the business and how the IT services are used",
        "Activity plan per customer",
        "Budget per customer",
    } <= _labels(g, per_customer)
    assert len(set(g.objects(CM, PCFG.holdsMeeting))) == 2
    assert set(g.objects(CM, PCFG.holdsMeeting)) == set(g.subjects(RDF.type, PCFG.TRIMMeetingKind))
    assert len(set(g.objects(CM, PCFG.hasInput))) == 2
    assert _labels(g, g.objects(CM, PCFG.relatedProcess)) == {
        "Business Relationship Management",
        "Service Level Management",
        "Continual Service Improvement",
    }
    assert _labels(g, g.objects(CM, PCFG.relatedFunction)) == {
        "Service Desk",
        "Delivery Management",
    }
    for rel in [*g.objects(CM, PCFG.relatedProcess), *g.objects(CM, PCFG.relatedFunction)]:
        assert g.value(rel, SKOS.broader) is None
        assert (rel, SKOS.topConceptOf, iris.framework("trim")) in g


KIND_OF_CLASS = {
    PCFG.TRIMFunction: "function",
    PCFG.TRIMProcess: "process",
    PCFG.TRIMRole: "role",
    PCFG.TRIMTeam: "team",
    PCFG.TRIMMeetingKind: "meeting-kind",
    PCFG.TRIMInput: "input",
    PCFG.TRIMOutput: "output",
    PCFG.TRIMDocument: "document",
}


def test_trim_iris_are_minted_from_kind_and_label() -> None:
    g = _graph("trim")
    concepts = _concepts(g, "trim")
    seen = set()
    for cls, kind in KIND_OF_CLASS.items():
        for s in g.subjects(RDF.type, cls):
            assert s == iris.trim(kind, str(g.value(s, SKOS.prefLabel)).lower()), s
            seen.add(s)
    assert seen == concepts
