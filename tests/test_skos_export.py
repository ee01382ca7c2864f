"""The exported graph is plain SKOS that any SKOS browser can walk, without a reasoner."""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import RDF, Graph, URIRef

from pcfgraph.export import FORMATS, export_bytes
from pcfgraph.iris import SKOS
from pcfgraph.release import build_release


@pytest.fixture(scope="module")
def exported() -> Graph:
    data = export_bytes(build_release().store, FORMATS["turtle"])
    return Graph().parse(data=data, format="turtle")


def schemes(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)}


def test_every_scheme_has_top_concepts_both_ways(exported: Graph) -> None:
    for scheme in schemes(exported):
        tops = set(exported.objects(scheme, SKOS.hasTopConcept))
        assert tops, scheme
        assert tops == set(exported.subjects(SKOS.topConceptOf, scheme)), scheme


def test_broader_and_narrower_are_stated_both_ways(exported: Graph) -> None:
    broader = set(exported.subject_objects(SKOS.broader))
    narrower_inverted = {(o, s) for s, o in exported.subject_objects(SKOS.narrower)}
    assert broader == narrower_inverted


def test_related_is_symmetric(exported: Graph) -> None:
    pairs = set(exported.subject_objects(SKOS.related))
    assert pairs == {(o, s) for s, o in pairs}


def test_every_concept_is_reachable_from_a_top_concept(exported: Graph) -> None:
    """Walking hasTopConcept, narrower and related reaches every concept of every scheme."""
    members: dict[URIRef, set[URIRef]] = defaultdict(set)
    for concept, scheme in exported.subject_objects(SKOS.inScheme):
        assert (concept, RDF.type, SKOS.Concept) in exported, concept
        members[scheme].add(concept)  # type: ignore[index, arg-type]
    for scheme, concepts in members.items():
        seen = set(exported.objects(scheme, SKOS.hasTopConcept))
        frontier = list(seen)
        while frontier:
            node = frontier.pop()
            for p in (SKOS.narrower, SKOS.related):
                for nxt in exported.objects(node, p):
                    if nxt in concepts and nxt not in seen:
                        seen.add(nxt)
                        frontier.append(nxt)
        assert concepts - seen == set(), f"{scheme}: unreachable {sorted(concepts - seen)[:5]}"


def test_top_concepts_have_no_broader(exported: Graph) -> None:
    for concept, _scheme in exported.subject_objects(SKOS.topConceptOf):
        assert not list(exported.objects(concept, SKOS.broader)), concept
