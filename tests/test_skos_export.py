"""The exported graph is plain SKOS that any SKOS browser can walk, without a reasoner."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import RDF, URIRef

from pcfgraph.export import FORMATS, export_bytes
from pcfgraph.iris import SKOS
from pcfgraph.release import Release


class Exported:
    """The exported Turtle, parsed back (by pyoxigraph: the default graph is the whole PCF and
    rdflib took a minute to parse it) and indexed by predicate, as rdflib-style lookups."""

    def __init__(self, data: bytes) -> None:
        self.triples: set[tuple[URIRef, URIRef, object]] = set()
        self.by_p: dict[URIRef, set[tuple[URIRef, object]]] = defaultdict(set)
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE):
            s, p = URIRef(t.subject.value), URIRef(t.predicate.value)
            o: object = URIRef(t.object.value) if isinstance(t.object, ox.NamedNode) else t.object
            self.triples.add((s, p, o))
            self.by_p[p].add((s, o))

    def __contains__(self, triple: tuple[object, object, object]) -> bool:
        return triple in self.triples

    def subject_objects(self, p: URIRef) -> Iterator[tuple[URIRef, object]]:
        return iter(self.by_p.get(p, set()))

    def objects(self, s: object, p: URIRef) -> Iterator[object]:
        return (o for s2, o in self.by_p.get(p, set()) if s2 == s)

    def subjects(self, p: URIRef, o: object) -> Iterator[URIRef]:
        return (s for s, o2 in self.by_p.get(p, set()) if o2 == o)


@pytest.fixture(scope="module")
def exported(shipped_release: Release) -> Exported:
    return Exported(export_bytes(shipped_release.store, FORMATS["turtle"]))


def schemes(g: Exported) -> set[URIRef]:
    return set(g.subjects(RDF.type, SKOS.ConceptScheme))


def test_every_scheme_has_top_concepts_both_ways(exported: Exported) -> None:
    for scheme in schemes(exported):
        tops = set(exported.objects(scheme, SKOS.hasTopConcept))
        assert tops, scheme
        assert tops == set(exported.subjects(SKOS.topConceptOf, scheme)), scheme


def test_broader_and_narrower_are_stated_both_ways(exported: Exported) -> None:
    broader = set(exported.subject_objects(SKOS.broader))
    narrower_inverted = {(o, s) for s, o in exported.subject_objects(SKOS.narrower)}
    assert broader == narrower_inverted


def test_related_is_symmetric(exported: Exported) -> None:
    pairs = set(exported.subject_objects(SKOS.related))
    assert pairs == {(o, s) for s, o in pairs}


def test_every_concept_is_reachable_from_a_top_concept(exported: Exported) -> None:
    """Walking hasTopConcept, narrower and related reaches every concept of every scheme."""
    members: dict[URIRef, set[URIRef]] = defaultdict(set)
    for concept, scheme in exported.subject_objects(SKOS.inScheme):
        assert (concept, RDF.type, SKOS.Concept) in exported, concept
        members[scheme].add(concept)  # type: ignore[index, arg-type]
    below: dict[object, set[object]] = defaultdict(set)
    for p in (SKOS.narrower, SKOS.related):
        for s, o in exported.subject_objects(p):
            below[s].add(o)
    for scheme, concepts in members.items():
        seen = set(exported.objects(scheme, SKOS.hasTopConcept))
        frontier = list(seen)
        while frontier:
            node = frontier.pop()
            for nxt in below[node]:
                if nxt in concepts and nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert concepts - seen == set(), f"{scheme}: unreachable {sorted(concepts - seen)[:5]}"


def test_top_concepts_have_no_broader(exported: Exported) -> None:
    has_broader = {s for s, _ in exported.subject_objects(SKOS.broader)}
    for concept, _scheme in exported.subject_objects(SKOS.topConceptOf):
        assert concept not in has_broader, concept
