"""Derived mappings: the composition table and the shipped sets never contradicted."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL

from pcfgraph import iris
from pcfgraph.iris import PCFG, SEMAPV, SKOS, SSSOM
from pcfgraph.mappings import (
    MappingRecordData,
    derive_mappings,
    mapping_set_graph,
    no_counterparts_from_graph,
    read_mapping_set,
    records_from_graph,
)
from pcfgraph.mappings.derive import negatives_from_graph
from pcfgraph.resources import resource_dir

E, C, B, N, R = (SKOS[x] for x in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                                   "relatedMatch"))  # fmt: skip
#: docs/mappings.md, written out independently of derive.COMPOSE (None: nothing derived).
TABLE: dict[tuple[URIRef, URIRef], URIRef | None] = {
    (E, E): E, (E, C): C, (E, B): B, (E, N): N, (E, R): R,
    (C, E): C, (C, C): R, (C, B): R, (C, N): R, (C, R): R,
    (B, E): B, (B, C): R, (B, B): B, (B, N): None, (B, R): None,
    (N, E): N, (N, C): R, (N, B): R, (N, N): N, (N, R): R,
    (R, E): R, (R, C): R, (R, B): R, (R, N): None, (R, R): None,
}  # fmt: skip
FA, FB, FC = (iris.framework(x) for x in ("fa", "fb", "fc"))


def rec(name: str, s: str, p: URIRef, o: str, sf: URIRef, of: URIRef) -> MappingRecordData:
    return MappingRecordData(
        record=URIRef(iris.ID_BASE + "mapping/t/" + name),
        subject=URIRef(iris.ID_BASE + s),
        predicate=p,
        object=URIRef(iris.ID_BASE + o),
        subject_framework=sf,
        object_framework=of,
        confidence=Decimal("0.5"),
    )


@pytest.mark.parametrize(("p1", "p2"), list(itertools.product((E, C, B, N, R), repeat=2)))
def test_chain_follows_the_documented_table(p1: URIRef, p2: URIRef) -> None:
    g = derive_mappings([rec("1", "a/1", p1, "b/1", FA, FB), rec("2", "b/1", p2, "c/1", FB, FC)])
    a1, c1 = URIRef(iris.ID_BASE + "a/1"), URIRef(iris.ID_BASE + "c/1")
    got = set(g.predicates(a1, c1))
    want = TABLE[(p1, p2)]
    assert got == ({want} if want else set())
    if want is not None:
        (r,) = g.subjects(OWL.annotatedSource, a1)
        assert (r, SSSOM.mapping_justification, SEMAPV.MappingChaining) in g
        chain = list(Collection(g, g.value(r, PCFG.chain)))
        assert [str(x).rsplit("/", 1)[1] for x in chain] == ["1", "2"]


def test_no_chain_with_close_or_related_or_a_turn_is_hierarchical_or_exact() -> None:
    for (p1, p2), want in TABLE.items():
        if E in (p1, p2):
            assert want == (p2 if p1 == E else p1)  # exact∘X = X∘exact = X
        elif C in (p1, p2) or R in (p1, p2) or {p1, p2} == {B, N}:
            assert want in (R, None), (p1, p2)


def shipped_sets() -> list[Graph]:
    return [
        mapping_set_graph(read_mapping_set(p))
        for p in sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv"))
    ]


def test_no_derived_mapping_contradicts_a_curated_decision() -> None:
    curated = shipped_sets()
    positives: dict[frozenset[URIRef], set[URIRef]] = {}
    negatives: set[frozenset[URIRef]] = set()
    none: set[tuple[URIRef, URIRef]] = set()
    scheme_of: dict[URIRef, URIRef] = {}
    for g in curated:
        for r in records_from_graph(g):
            positives.setdefault(frozenset((r.subject, r.object)), set()).add(r.predicate)
            scheme_of[r.subject], scheme_of[r.object] = r.subject_framework, r.object_framework
        negatives |= {frozenset(p) for p in negatives_from_graph(g)}
        none |= no_counterparts_from_graph(g)
    derived = derive_mappings(curated)
    records = list(derived.subjects(RDF.type, PCFG.MappingRecord))
    assert records, "the shipped sets derive something"
    for r in records:
        s, p, o = (derived.value(r, x) for x in (OWL.annotatedSource, OWL.annotatedProperty,
                                                  OWL.annotatedTarget))  # fmt: skip
        assert isinstance(s, URIRef) and isinstance(o, URIRef) and isinstance(p, URIRef)
        pair = frozenset((s, o))
        assert pair not in negatives, (s, p, o)
        sf = derived.value(r, PCFG.sourceFramework)
        of = derived.value(r, PCFG.targetFramework)
        assert (s, of) not in none and (o, sf) not in none, (s, p, o)
        just = derived.value(r, SSSOM.mapping_justification)
        if just == SEMAPV.MappingChaining:
            assert pair not in positives, (s, p, o)
            assert p in (E, B, N, R) and p != C  # chains never claim closeMatch
        else:  # an inverse restates its curated record, nothing else
            assert just == SEMAPV.MappingInversion
            inverse = {E: E, C: C, R: R, B: N, N: B}[p]
            assert positives.get(pair) == {inverse}, (s, p, o)
