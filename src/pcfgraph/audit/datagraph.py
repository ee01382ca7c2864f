"""A lean rdflib store for pySHACL's data graph: one graph, three indexes, nothing else.

rdflib's ``Memory`` store keeps, for every triple, the contexts it belongs to and announces
every addition as an event; pySHACL's data graph in an audit is one graph that is built once
and only read afterwards (no inference, no rules), so that bookkeeping is pure cost: about
three quarters of the time to build the graph and a share of every pattern lookup. This store
keeps the subject-predicate-object, predicate-object-subject and object-subject-predicate
indexes and nothing more. It says it is context- and graph-aware (pySHACL and rdflib's
Dataset insist), and every triple is in the one graph it was added to.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Any

from rdflib import Graph
from rdflib.store import Store
from rdflib.term import Node

_Index = dict[Node, dict[Node, set[Node]]]
_Triple = tuple[Node, Node, Node]


class DataGraphStore(Store):
    context_aware = True
    formula_aware = False
    graph_aware = True  # pySHACL wraps the graph in an rdflib Dataset, which insists
    transaction_aware = False

    def __init__(self, configuration: str | None = None, identifier: Any = None) -> None:
        super().__init__(configuration, identifier)
        self._spo: _Index = {}
        self._pos: _Index = {}
        self._osp: _Index = {}
        self._size = 0
        self._graphs: tuple[Graph, ...] = ()

    def release(self) -> None:
        """Drop every triple now, not when a garbage collection finds the graph: the store and
        its graph refer to each other (a cycle), and the audit pauses the collector."""
        self._spo, self._pos, self._osp = {}, {}, {}
        self._size = 0
        self._graphs = ()

    def set_graph(self, graph: Graph) -> None:
        """The graph every triple belongs to (what :meth:`contexts` reports)."""
        self._graphs = (graph,)

    # --- writing ---------------------------------------------------------------------------

    def add(self, triple: _Triple, context: Any, quoted: bool = False) -> None:
        if quoted:
            raise NotImplementedError("DataGraphStore holds no quoted graphs")
        if context is not None and not self._graphs:
            self._graphs = (context,)
        self.add_many((triple,))

    def add_many(self, triples: Iterable[_Triple]) -> None:
        """Add triples to the one graph (no events: nothing listens)."""
        spo, pos, osp = self._spo, self._pos, self._osp
        added = 0
        for s, p, o in triples:
            po = spo.get(s)
            if po is None:
                po = spo[s] = {}
            objects = po.get(p)
            if objects is None:
                objects = po[p] = set()
            elif o in objects:
                continue
            objects.add(o)
            added += 1
            os_ = pos.get(p)
            if os_ is None:
                os_ = pos[p] = {}
            subjects = os_.get(o)
            if subjects is None:
                os_[o] = {s}
            else:
                subjects.add(s)
            sp = osp.get(o)
            if sp is None:
                sp = osp[o] = {}
            predicates = sp.get(s)
            if predicates is None:
                sp[s] = {p}
            else:
                predicates.add(p)
        self._size += added

    def addN(self, quads: Iterable[tuple[Node, Node, Node, Any]]) -> None:
        for s, p, o, c in quads:
            self.add((s, p, o), c)

    def remove(self, triple: Any, context: Any = None) -> None:
        for (s, p, o), _ in list(self.triples(triple, context)):
            _discard(self._spo, s, p, o)
            _discard(self._pos, p, o, s)
            _discard(self._osp, o, s, p)
            self._size -= 1

    def add_graph(self, graph: Graph) -> None:
        """Named graphs are not kept apart: every triple is in the one graph."""

    def remove_graph(self, graph: Graph) -> None:
        raise NotImplementedError("DataGraphStore holds one graph")

    # --- reading ---------------------------------------------------------------------------

    def triples(
        self, triple_pattern: Any, context: Any = None
    ) -> Generator[tuple[_Triple, Iterator[Graph]], None, None]:
        s, p, o = triple_pattern
        graphs = self._graphs
        if s is not None:
            po = self._spo.get(s)
            if not po:
                return
            if p is not None:
                objects = po.get(p)
                if not objects:
                    return
                if o is not None:
                    if o in objects:
                        yield (s, p, o), iter(graphs)
                    return
                for obj in objects:
                    yield (s, p, obj), iter(graphs)
                return
            if o is not None:
                predicates = self._osp.get(o, {}).get(s)
                for pred in predicates or ():
                    yield (s, pred, o), iter(graphs)
                return
            for pred, objects in po.items():
                for obj in objects:
                    yield (s, pred, obj), iter(graphs)
            return
        if p is not None:
            os_ = self._pos.get(p)
            if not os_:
                return
            if o is not None:
                for subj in os_.get(o, ()):
                    yield (subj, p, o), iter(graphs)
                return
            for obj, subjects in os_.items():
                for subj in subjects:
                    yield (subj, p, obj), iter(graphs)
            return
        if o is not None:
            for subj, predicates in self._osp.get(o, {}).items():
                for pred in predicates:
                    yield (subj, pred, o), iter(graphs)
            return
        for subj, po in self._spo.items():
            for pred, objects in po.items():
                for obj in objects:
                    yield (subj, pred, obj), iter(graphs)

    def __len__(self, context: Any = None) -> int:
        return self._size

    def contexts(self, triple: Any = None) -> Generator[Graph, None, None]:
        if triple is None or any(True for _ in self.triples(triple)):
            yield from self._graphs


def _discard(index: _Index, a: Node, b: Node, c: Node) -> None:
    inner = index.get(a)
    if inner is None:
        return
    values = inner.get(b)
    if values is None:
        return
    values.discard(c)
    if not values:
        del inner[b]
        if not inner:
            del index[a]
