"""pySHACL's data graph in a lean single-graph store (pcfgraph.audit.datagraph): every triple
pattern answers as rdflib's Memory store does, and pySHACL reports the same results with it."""

from __future__ import annotations

import gc
import itertools

from audit_support import FINDINGS, context
from rdflib import BNode, Graph, Literal, URIRef
from test_audit_rules import PREFIXES
from test_audit_shape_checks import EDGE_CASES

from pcfgraph.audit.datagraph import DataGraphStore
from pcfgraph.audit.engine import (
    Limits,
    _IriNames,
    _triple,
    data_graph,
    gc_paused,
    parse_uploads,
    run_shacl,
)
from pcfgraph.audit.parse import Upload

EX = "https://example.org/t/"


def _sample() -> list[tuple[object, object, object]]:
    s = [URIRef(EX + "a"), URIRef(EX + "b"), BNode("x")]
    p = [URIRef(EX + "p"), URIRef(EX + "q")]
    o = [URIRef(EX + "a"), Literal("1"), Literal("1", lang="en"), BNode("x")]
    return [t for t in itertools.product(s, p, o) if hash(t) % 3]


def _lean(triples):  # type: ignore[no-untyped-def]
    store = DataGraphStore()
    graph = Graph(store=store, bind_namespaces="none")
    store.set_graph(graph)
    store.add_many(triples)
    return graph


def test_every_pattern_matches_what_memory_gives() -> None:
    triples = _sample()
    memory = Graph()
    for t in triples:
        memory.add(t)
    lean = _lean(triples + triples[:3])  # duplicates are kept once
    assert len(lean) == len(memory) == len(set(triples))
    terms = [{t[i] for t in triples} | {None, URIRef(EX + "none")} for i in range(3)]
    for pattern in itertools.product(*terms):
        assert set(lean.triples(pattern)) == set(memory.triples(pattern)), pattern  # type: ignore[arg-type]


def test_remove_and_contexts() -> None:
    triples = _sample()
    lean = _lean(triples)
    first = triples[0]
    assert list(lean.store.contexts(first)) == [lean]  # type: ignore[arg-type]
    lean.remove(first)  # type: ignore[arg-type]
    assert first not in lean
    assert len(lean) == len(set(triples)) - 1
    assert list(lean.store.contexts(first)) == []  # type: ignore[arg-type]
    lean.remove((None, URIRef(EX + "p"), None))
    assert not list(lean.triples((None, URIRef(EX + "p"), None)))


def _memory_data_graph(framework, triples, observed):  # type: ignore[no-untyped-def]
    data = Graph(bind_namespaces="none")
    data.namespace_manager = _IriNames(data, bind_namespaces="none")
    for t in framework:
        data.add(t)
    cache: dict[object, object] = {}
    for t in triples:
        if observed is None or t.predicate.value in observed:
            data.add(_triple(t, cache))
    return data


def test_pyshacl_reports_the_same_with_the_lean_store() -> None:
    ctx = context()
    text = FINDINGS.read_text(encoding="utf-8") + PREFIXES + EDGE_CASES
    triples, _ = parse_uploads([Upload("m.ttl", text.encode("utf-8"))], Limits())

    def results(graph: Graph) -> set[tuple[object, ...]]:
        return {
            (r.focus_node, r.path, r.value, r.severity, r.shape, r.component)
            for r in run_shacl(graph, ctx.rules.shapes_graph(), ctx.rules.rules)
        }

    observed = ctx.rules.observed_predicates
    lean = results(data_graph(ctx.shacl_triples, triples, observed))
    memory = results(_memory_data_graph(ctx.shacl_triples, triples, observed))
    assert lean == memory
    assert len(lean) > 20


def test_gc_paused_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause stays in force
    assert gc.isenabled()
    try:
        with gc_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()


def test_slots_of_one_and_many_values_and_the_late_object_index() -> None:
    """A value alone in its slot is kept bare and becomes a set with a second one (and bare
    again when removals leave one); the object index, built only when a pattern with an
    object and no predicate is asked, answers like rdflib's Memory store and is kept up to
    date by later additions and removals."""
    a, b, c = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "c")
    p, q = URIRef(EX + "p"), URIRef(EX + "q")
    one, two = Literal("1"), Literal("2")
    triples = [(a, p, one), (a, p, two), (b, p, one), (a, q, one), (c, q, b)]
    memory = Graph()
    lean = _lean(triples[:2])
    for t in triples[:2]:
        memory.add(t)  # type: ignore[arg-type]

    def same() -> None:
        terms = [{a, b, c, None}, {p, q, None}, {one, two, b, a, None}]
        for pattern in itertools.product(*terms):
            got = set(lean.triples(pattern))  # type: ignore[arg-type]
            assert got == set(memory.triples(pattern)), pattern  # type: ignore[arg-type]
        assert len(lean) == len(memory)

    assert lean.store._osp is None  # type: ignore[attr-defined]
    same()  # asks (None, None, o): the object index is built here
    assert lean.store._osp is not None  # type: ignore[attr-defined]
    for t in triples[2:] + triples[:1]:  # one duplicate
        lean.add(t)  # type: ignore[arg-type]
        memory.add(t)  # type: ignore[arg-type]
    same()
    for t in [(a, p, two), (b, p, one), (c, q, b)]:
        lean.remove(t)  # type: ignore[arg-type]
        memory.remove(t)  # type: ignore[arg-type]
        same()
    lean.remove((a, p, two))  # not there: nothing changes
    same()
    assert set(lean) == {(a, p, one), (a, q, one)}
