"""The query engine behind everything: an embedded, in-memory pyoxigraph store.

pyoxigraph answers the project's queries 20-500x faster than rdflib's SPARQL engine
(``../shared/GUIDE.md``), evaluates outside the GIL, and supports SEP-0007 substitutions,
so named-query parameters are bound as RDF terms. The default graph of every query is the
union of all named graphs unless the caller names graphs.

Only *trusted* queries (named queries shipped in ``queries/``) run here in-process. Ad-hoc
client SPARQL runs in sandboxed worker processes (see ``pcfgraph.sandbox``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyoxigraph as ox

from pcfgraph.errors import StoreError
from pcfgraph.queries import NamedQuery

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term]


@dataclass(frozen=True)
class SelectResult:
    """A complete SELECT result: variables in order and rows as dicts (unbound omitted)."""

    variables: tuple[str, ...]
    rows: list[Row]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def select_result(query: NamedQuery, res: object) -> SelectResult:
    """pyoxigraph query results (of any store) as a :class:`SelectResult`; unbound variables
    are left out of a row. StoreError when ``res`` is not the answer of a SELECT query."""
    if not isinstance(res, ox.QuerySolutions):
        raise StoreError(f"query {query.name!r} is not a SELECT query")
    variables = tuple(v.value for v in res.variables)
    # A solution iterates its values in the order of ``variables`` (None when unbound): zipped,
    # 2x faster than looking each variable up by name (77k rows of 5 columns: 0.37 s, 0.84 s).
    rows: list[Row] = [
        {name: value for name, value in zip(variables, sol, strict=True) if value is not None}
        for sol in res
    ]
    return SelectResult(variables, rows)


def ask_result(query: NamedQuery, res: object) -> bool:
    """pyoxigraph query results as the answer of an ASK query (else StoreError)."""
    if not isinstance(res, ox.QueryBoolean):
        raise StoreError(f"query {query.name!r} is not an ASK query")
    return bool(res)


class GraphStore(Protocol):
    """What services need from a store; implemented by the embedded and remote stores."""

    def select(
        self, query: NamedQuery, params: Mapping[str, object] | None = None
    ) -> SelectResult: ...

    def ask(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> bool: ...

    def construct(
        self, query: NamedQuery, params: Mapping[str, object] | None = None
    ) -> list[ox.Triple]: ...

    def graph_names(self) -> list[str]: ...

    def __len__(self) -> int: ...


class EmbeddedStore:
    """A pyoxigraph store holding one assembled release, in memory or opened read-only from
    disk (``on_disk``). Read-only after load."""

    def __init__(self, store: ox.Store | None = None, *, on_disk: bool = False) -> None:
        self.store = store if store is not None else ox.Store()
        #: Whether ``store`` is an on-disk store (see :meth:`answer_from_memory`).
        self.on_disk = on_disk
        self._disk: ox.Store | None = None
        #: Counts how many queries ran (the GraphQL N+1 test reads it).
        self.query_count = 0

    # --- an in-memory copy of an on-disk store (pcfgraph.release_memory) ------------------

    def answer_from_memory(self, copy: ox.Store) -> None:
        """Answer every query from ``copy`` from now on: an in-memory store that holds exactly
        this on-disk store's quads (the caller checked). One attribute assignment: a query
        already running finishes on the store it started on, the next one reads the copy;
        both give the same answers."""
        if self.on_disk:
            self._disk = self.store
        self.store, self.on_disk = copy, False

    def close_disk(self) -> None:
        """Let go of the on-disk store an in-memory copy answers for (RocksDB closes with its
        last reference): a store handle must not cross a fork (:func:`pcfgraph.serving.
        prepare_shared`). The copy answers from then on, also once its release stops serving
        (:meth:`forget_memory_copy` keeps it: in forked server processes its pages belong to
        the supervisor, which keeps its release, so letting it go would free nothing)."""
        self._disk = None

    def forget_memory_copy(self) -> None:
        """Answer from the on-disk store again and drop the in-memory copy (a release that
        stopped serving: requests still on it finish on the same data, and its copy's memory
        is freed when they end)."""
        if self._disk is not None:
            self.store, self.on_disk, self._disk = self._disk, True, None

    @property
    def memory_copy(self) -> bool:
        """Whether this on-disk store answers from an in-memory copy."""
        return self._disk is not None

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def from_nquads(cls, data: bytes) -> EmbeddedStore:
        """An in-memory store of ``data``. Loaded with ``Store.load``, not ``bulk_load``:
        in memory both take the same time, but the bulk loader's store answers scans 10-25 %
        slower and peaks 40 % higher (the default graph: triples per graph 18 against 23 ms,
        construct-subtree 1.0 against 1.4 ms; 611k quads: +205 against +349 MB)."""
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.N_QUADS)
        return cls(store)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        self.store.extend(quads)

    # --- querying ---------------------------------------------------------------------------

    def _run(
        self,
        text: str,
        substitutions: Mapping[ox.Variable, Any] | None,
        *,
        default_graph: Sequence[ox.NamedNode] | None = None,
    ) -> Any:
        self.query_count += 1
        try:
            if default_graph:
                return self.store.query(
                    text, default_graph=list(default_graph), substitutions=dict(substitutions or {})
                )
            return self.store.query(
                text, use_default_graph_as_union=True, substitutions=dict(substitutions or {})
            )
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"query failed: {exc}") from exc

    def select(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> SelectResult:
        return select_result(query, self._run(query.text, query.bind(params or {})))

    def ask(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> bool:
        return ask_result(query, self._run(query.text, query.bind(params or {})))

    def construct(
        self, query: NamedQuery, params: Mapping[str, object] | None = None
    ) -> list[ox.Triple]:
        res = self._run(query.text, query.bind(params or {}))
        if not isinstance(res, ox.QueryTriples):
            raise StoreError(f"query {query.name!r} is not a CONSTRUCT/DESCRIBE query")
        return list(res)

    # --- inspection -------------------------------------------------------------------------

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def counts_per_graph(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for quad in self.store:
            g = quad.graph_name
            key = g.value if isinstance(g, ox.NamedNode) else ""
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def dump(self, fmt: ox.RdfFormat, *, graph: ox.NamedNode | None = None) -> bytes:
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            out = self.store.dump(format=fmt)
        else:
            out = self.store.dump(
                format=fmt, from_graph=graph if graph is not None else ox.DefaultGraph()
            )
        return out if isinstance(out, bytes) else b""

    def __len__(self) -> int:
        return len(self.store)
