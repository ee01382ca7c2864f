"""The :class:`Reader`: a store, the query catalog and a per-lifetime memo of whole-framework
reads. Also the small term helpers every read uses."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import GraphStore, Row, SelectResult

T = TypeVar("T")


class Reader:
    """Runs named queries against one store and memoises whole-framework reads.

    Thread-safe: DataLoaders may call it from worker threads; a memo key is computed once
    (concurrent callers of the same key wait for the first), so the number of store queries
    is deterministic.
    """

    def __init__(self, store: GraphStore, catalog: QueryCatalog) -> None:
        self.store = store
        self.catalog = catalog
        self._memo: dict[Any, Any] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()
        #: Reads to take from elsewhere when first asked for (:meth:`preload_lazy`).
        self._pending: dict[Any, Callable[[Callable[[], Any]], Any]] = {}

    def select(self, name: str, params: Mapping[str, object] | None = None) -> SelectResult:
        """Run the named query ``name`` (e.g. ``api/scheme-elements``) with RDF-term params."""
        return self.store.select(self.catalog.get(name), params or {})

    def has(self, *keys: Any) -> bool:
        """Whether every memo key is computed already (reads of it cost no store query)."""
        return all(k in self._memo for k in keys)

    def peek(self, key: Any) -> Any:
        """The memoised value of ``key``, or None when it is not computed yet."""
        return self._memo.get(key)

    def memo_items(self) -> dict[Any, Any]:
        """A copy of every memoised read (what :mod:`pcfgraph.services.page_data` ships)."""
        with self._guard:
            return dict(self._memo)

    def preload(self, values: Mapping[Any, Any]) -> None:
        """Take reads computed elsewhere (the release's page data) as memoised; a key
        computed here already keeps its value."""
        with self._guard:
            for key, value in values.items():
                self._memo.setdefault(key, value)

    def preload_lazy(self, values: Mapping[Any, Callable[[Callable[[], Any]], Any]]) -> None:
        """Like :meth:`preload`, each value made only when its key is first asked for:
        ``make(compute)`` (it may fall back to the read's own ``compute``)."""
        with self._guard:
            for key, make in values.items():
                if key not in self._memo:
                    self._pending[key] = make

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per key for this reader's lifetime."""
        if key in self._memo:
            return cast(T, self._memo[key])
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                with self._guard:
                    make = self._pending.pop(key, None)
                self._memo[key] = compute() if make is None else make(compute)
        return cast(T, self._memo[key])


def element_id(iri: str) -> str:
    """The API id of a resource: its IRI path below ``iris.ID_BASE`` (else the IRI itself)."""
    return iri[len(iris.ID_BASE) :] if iri.startswith(iris.ID_BASE) else iri


def iri_from_element_id(identifier: str) -> str:
    """Inverse of :func:`element_id`."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", identifier):
        return identifier
    return iris.ID_BASE + identifier.lstrip("/")


def text(row: Row, key: str) -> str | None:
    term = row.get(key)
    if term is None or isinstance(term, ox.Triple):
        return None
    return term.value


def integer(row: Row, key: str) -> int | None:
    value = text(row, key)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def decimal(row: Row, key: str) -> float | None:
    value = text(row, key)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def boolean(row: Row, key: str) -> bool:
    return (text(row, key) or "").lower() in {"true", "1"}


def is_english_or_plain(row: Row, key: str) -> bool:
    """Prefer ``@en`` and language-less literals when a property has several values."""
    term = row.get(key)
    return not isinstance(term, ox.Literal) or term.language in (None, "en")


def value_rank(row: Row, key: str) -> tuple[bool, str] | None:
    """How a value ranks when a property has several (the lower wins): English or plain
    literals first, then the smallest text. Rows come in the answering store's order, which
    differs between stores, so a fold keeps the lowest-ranked value, never the first seen."""
    value = text(row, key)
    if value is None:
        return None
    return (not is_english_or_plain(row, key), value)


def in_rank_order(rows: Iterable[Row], columns: Sequence[str]) -> list[Row]:
    """Rows sorted by the :func:`value_rank` of ``columns`` in turn (a missing value last): a
    fold that keeps the first row of each thing then keeps the same row from any store. For
    small answers; a large fold keeps the lowest value of each column instead (:func:`lowest`)."""

    def key(row: Row) -> tuple[tuple[bool, bool, str], ...]:
        out = []
        for col in columns:
            rank = value_rank(row, col)
            out.append((True, True, "") if rank is None else (False, *rank))
        return tuple(out)

    return sorted(rows, key=key)


def lowest(current: T | None, candidate: T | None) -> T | None:
    """The lower of two values, either of which may be missing (the other then wins): what a
    fold keeps when a property it shows once has several values."""
    if candidate is None:
        return current
    if current is None:
        return candidate
    return candidate if candidate < current else current  # type: ignore[operator]


def curie(iri: str) -> str:
    """``https://w3id.org/semapv/vocab/ManualMappingCuration`` -> ``semapv:ManualMappingCuration``."""
    best = ""
    for prefix, ns in iris.PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best = ns
            name = prefix
    return f"{name}:{iri[len(best) :]}" if best else iri
