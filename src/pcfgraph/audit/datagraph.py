"""A lean rdflib store for pySHACL's data graph: one graph, three indexes, nothing else.

rdflib's ``Memory`` store keeps, for every triple, the contexts it belongs to and announces
every addition as an event; pySHACL's data graph in an audit is one graph that is built once
and only read afterwards (no inference, no rules), so that bookkeeping is pure cost: about
three quarters of the time to build the graph and a share of every pattern lookup. This store
keeps the subject-predicate-object and predicate-object-subject indexes and nothing more;
the object-subject-predicate index, which only a pattern with an object and no predicate
needs (pySHACL asks none with the shipped shapes), is built the first time one is asked. It says it is context- and graph-aware (pySHACL and rdflib's
Dataset insist), and every triple is in the one graph it was added to.

An index keeps a value that is alone in its slot as the bare term and only makes a set for
two or more: most slots of an organisational model hold one value (a node's label, a
membership's role), and an empty set costs 216 bytes, so sets of one were about 50 MB of the
60 MB a 100,000-statement model's indexes took (in the audit's pySHACL child process).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Any

from rdflib import Graph
from rdflib.store import Store
from rdflib.term import Node

#: key -> key -> a value (a term alone in its slot) or a set of two or more values
_Index = dict[Node, dict[Node, Any]]
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
        #: Built on first use (:meth:`_by_object`), then kept up to date.
        self._osp: _Index | None = None
        self._size = 0
        self._graphs: tuple[Graph, ...] = ()

    def release(self) -> None:
        """Drop every triple now, not when a garbage collection finds the graph: the store and
        its graph refer to each other (a cycle), and the audit pauses the collector."""
        self._spo, self._pos, self._osp = {}, {}, None
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
                spo[s] = {p: o}
            else:  # _put, inlined: this loop runs once per statement of the model
                held = po.get(p)
                if held is None:
                    po[p] = o
                elif type(held) is set:
                    if o in held:
                        continue  # already there
                    held.add(o)
                elif held == o:
                    continue
                else:
                    po[p] = {held, o}
            added += 1
            os_ = pos.get(p)
            if os_ is None:
                pos[p] = {o: s}
            else:
                _put(os_, o, s)
            if osp is not None:
                sp = osp.get(o)
                if sp is None:
                    sp = osp[o] = {}
                _put(sp, s, p)
        self._size += added

    def addN(self, quads: Iterable[tuple[Node, Node, Node, Any]]) -> None:
        for s, p, o, c in quads:
            self.add((s, p, o), c)

    def remove(self, triple: Any, context: Any = None) -> None:
        for (s, p, o), _ in list(self.triples(triple, context)):
            _discard(self._spo, s, p, o)
            _discard(self._pos, p, o, s)
            if self._osp is not None:
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
                if objects is None:
                    return
                if o is not None:
                    if _has(objects, o):
                        yield (s, p, o), iter(graphs)
                    return
                for obj in _each(objects):
                    yield (s, p, obj), iter(graphs)
                return
            if o is not None:
                for pred, objects in list(po.items()):
                    if _has(objects, o):
                        yield (s, pred, o), iter(graphs)
                return
            for pred, objects in po.items():
                for obj in _each(objects):
                    yield (s, pred, obj), iter(graphs)
            return
        if p is not None:
            os_ = self._pos.get(p)
            if not os_:
                return
            if o is not None:
                for subj in _each(os_.get(o)):
                    yield (subj, p, o), iter(graphs)
                return
            for obj, subjects in os_.items():
                for subj in _each(subjects):
                    yield (subj, p, obj), iter(graphs)
            return
        if o is not None:
            for subj, predicates in self._by_object().get(o, {}).items():
                for pred in _each(predicates):
                    yield (subj, pred, o), iter(graphs)
            return
        for subj, po in self._spo.items():
            for pred, objects in po.items():
                for obj in _each(objects):
                    yield (subj, pred, obj), iter(graphs)

    def _by_object(self) -> _Index:
        """The object-subject-predicate index, built from the other the first time it is
        needed."""
        if self._osp is None:
            osp: _Index = {}
            for subj, po in self._spo.items():
                for pred, objects in po.items():
                    for obj in _each(objects):
                        sp = osp.get(obj)
                        if sp is None:
                            sp = osp[obj] = {}
                        _put(sp, subj, pred)
            self._osp = osp
        return self._osp

    def __len__(self, context: Any = None) -> int:
        return self._size

    def contexts(self, triple: Any = None) -> Generator[Graph, None, None]:
        if triple is None or any(True for _ in self.triples(triple)):
            yield from self._graphs


def _put(slots: dict[Node, Any], key: Node, value: Node) -> bool:
    """Add ``value`` to the slot ``key`` (bare while alone, then a set); False if it was there."""
    held = slots.get(key)
    if held is None:
        slots[key] = value
    elif type(held) is set:
        if value in held:
            return False
        held.add(value)
    elif held == value:
        return False
    else:
        slots[key] = {held, value}
    return True


def _has(held: Any, value: Node) -> bool:
    return value in held if type(held) is set else held == value


def _each(held: Any) -> Any:
    """The values of a slot (none, a bare term or a set) as something to iterate over."""
    if held is None:
        return ()
    if type(held) is set:
        return held
    return (held,)


def _discard(index: _Index, a: Node, b: Node, c: Node) -> None:
    inner = index.get(a)
    if inner is None:
        return
    values = inner.get(b)
    if values is None:
        return
    if type(values) is set:
        values.discard(c)
        if len(values) > 1:
            return
        if values:
            inner[b] = next(iter(values))
            return
    elif values != c:
        return
    del inner[b]
    if not inner:
        del index[a]
