"""The pyoxigraph store the audit's checks and report read: the framework, filled once per
audit context, lent to one audit at a time with the upload added and taken out again.

Copying the ontology and framework quads (about 70,000 at the whole PCF) into a fresh store
cost every audit about 0.15 s of CPU. The store is filled once per
:class:`~pcfgraph.audit.ruleset.AuditContext` (per served release or sandbox worker) instead;
an audit adds the upload to :data:`~pcfgraph.audit.terms.UPLOAD_GRAPH` and the graph is
cleared when the audit is done with the store, however it ends, so no audit sees another's
model. The framework graphs are never written. A second audit that asks while the store is
lent (two audits in one process at once) gets a fresh store of its own, as every audit did
before.

pyoxigraph's in-memory store does not give back what a cleared graph held (the terms stay
interned: about 35 MB per 100,000-statement model with terms of its own), so once the uploads
it has taken add up to as many statements as the framework has, the store is refilled before
it is lent again: memory stays within about twice the framework's, and a worker auditing
models larger than the framework pays the copy (about 0.15 s) once per audit, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox

from pcfgraph.audit.terms import UPLOAD_GRAPH

_CACHE_ATTR = "_pcfgraph_framework_store"


class FrameworkStore:
    """One pyoxigraph store holding the framework quads, lent to one audit at a time."""

    def __init__(self, quads: Sequence[ox.Quad] | Callable[[], Iterable[ox.Quad]]) -> None:
        #: Where the framework quads come from each time a store is filled (a function reading
        #: them from the release store, so no list of them is kept between fills).
        self._read: Callable[[], Iterable[ox.Quad]] = quads if callable(quads) else lambda: quads
        self._store = self._filled()
        #: Upload statements the store has taken since it was filled, and how many it may.
        self._taken = 0
        self._budget = max(len(self._store), 1)
        self._lock = threading.Lock()

    def _filled(self) -> ox.Store:
        store = ox.Store()
        store.extend(self._read())
        return store

    @contextmanager
    def lend(self, triples: Sequence[ox.Triple | ox.Quad]) -> Iterator[ox.Store]:
        """The framework plus ``triples`` in the upload graph, for the length of the block."""
        if not self._lock.acquire(blocking=False):  # lent to another audit right now
            store = self._filled()
            _add_upload(store, triples)
            yield store
            return
        try:
            if self._taken > self._budget:  # give back what earlier uploads left behind
                self._store = self._filled()
                self._taken = 0
            self._store.clear_graph(UPLOAD_GRAPH)  # nothing is left, even after a crash
            self._taken += len(triples)
            _add_upload(self._store, triples)
            yield self._store
        finally:
            self._store.clear_graph(UPLOAD_GRAPH)
            self._lock.release()


def _add_upload(store: ox.Store, triples: Iterable[ox.Triple | ox.Quad]) -> None:
    store.extend(
        t  # as parsed: a quad in the default graph, the upload graph
        if type(t) is ox.Quad and type(t.graph_name) is ox.DefaultGraph
        else ox.Quad(t.subject, t.predicate, t.object, UPLOAD_GRAPH)
        for t in triples
    )


def framework_store(context: Any) -> FrameworkStore:
    """The context's :class:`FrameworkStore`, filled on first use and kept with the context."""
    cached = getattr(context, _CACHE_ATTR, None)
    if isinstance(cached, FrameworkStore):
        return cached
    store = FrameworkStore(context.read_quads)
    setattr(context, _CACHE_ATTR, store)
    return store
