"""APQC measures (``api/scheme-measures``): one query per framework of measured elements, or
per subtree read on its own (``api/subtree-measures``, :mod:`.subtree`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pcfgraph.codes import code_key
from pcfgraph.services.base import (
    Reader,
    element_id,
    integer,
    lowest,
    text,
    value_rank,
)
from pcfgraph.services.elements import Element, covering_subtree
from pcfgraph.store import Row


@dataclass(frozen=True)
class Measure:
    """An APQC benchmarking measure listed for an element."""

    iri: str
    element_iri: str
    framework_id: str
    name: str
    metric_id: int | None = None
    category: str | None = None
    formula: str | None = None
    units: str | None = None
    description: str | None = None

    @property
    def id(self) -> str:
        return element_id(self.iri)


#: Text columns of a measure row and the :class:`Measure` fields they fill.
_TEXT_COLUMNS = (
    ("element_iri", "element"),
    ("category", "category"),
    ("formula", "formula"),
    ("units", "units"),
    ("description", "description"),
)


def _measure(iri: str, row: Row, framework_id: str) -> Measure:
    return Measure(
        iri=iri,
        element_iri=text(row, "element") or "",
        framework_id=framework_id,
        name=text(row, "name") or "",
        metric_id=integer(row, "metricId"),
        category=text(row, "category"),
        formula=text(row, "formula"),
        units=text(row, "units"),
        description=text(row, "description"),
    )


def _lowest_of(kept: Measure, other: Measure) -> Measure:
    """``kept`` with each field the lower of its and ``other``'s (the name is chosen by the
    caller)."""
    fields = {key: lowest(getattr(kept, key), getattr(other, key)) for key, _ in _TEXT_COLUMNS}
    return replace(kept, metric_id=lowest(kept.metric_id, other.metric_id), **fields)  # type: ignore[arg-type]


def measures_by_element(rows: Iterable[Row], framework_id: str) -> dict[str, list[Measure]]:
    """Fold ``api/scheme-measures``-shaped rows into measures by element IRI, each list ordered
    by metric id, then name, then IRI. A column with several values for one measure (two
    categories, two descriptions) gives the same one from any store: the English or plain
    name first, else the smallest value (:func:`~pcfgraph.services.base.lowest`)."""
    seen: dict[str, Measure] = {}
    name_rank: dict[str, tuple[bool, str]] = {}  # of the name kept, once a measure repeats
    first_row: dict[str, Row] = {}
    for row in rows:
        iri = text(row, "measure")
        if iri is None:
            continue
        m = _measure(iri, row, framework_id)
        prev = seen.get(iri)
        if prev is None:  # the usual case: one row per measure
            seen[iri], first_row[iri] = m, row
            continue
        kept = name_rank.get(iri) or value_rank(first_row[iri], "name") or (True, "")
        rank = value_rank(row, "name") or (True, "")
        merged = _lowest_of(prev, m)
        if rank < kept:
            merged, name_rank[iri] = replace(merged, name=m.name), rank
        else:
            name_rank[iri] = kept
        seen[iri] = merged
    by_element: dict[str, list[Measure]] = {}
    for m in seen.values():
        by_element.setdefault(m.element_iri, []).append(m)
    for ms in by_element.values():
        ms.sort(key=lambda m: (m.metric_id is None, m.metric_id or 0, code_key(m.name), m.iri))
    return by_element


def framework_measures(reader: Reader, framework_id: str) -> dict[str, list[Measure]]:
    """Measures of one framework's elements, by element IRI, ordered by metric id."""

    def load() -> dict[str, list[Measure]]:
        rows = reader.select("api/scheme-measures", {"framework": framework_id})
        return measures_by_element(rows, framework_id)

    return reader.memo(("measures", framework_id), load)


def loaded_measures(reader: Reader, e: Element) -> list[Measure] | None:
    """``e``'s measures when a read of them is loaded already (its framework's, or its
    subtree's), else None."""
    full = reader.peek(("measures", e.framework_id))
    if full is not None:
        return full.get(e.iri, [])  # type: ignore[no-any-return]
    sub = covering_subtree(reader, e.framework_id, e.iri)
    if sub is not None and sub.measures is not None:
        return sub.measures.get(e.iri, [])
    return None


def measures_of(reader: Reader, elements: Sequence[Element]) -> list[list[Measure]]:
    out: list[list[Measure]] = []
    for e in elements:
        found = loaded_measures(reader, e)
        if found is None:
            found = framework_measures(reader, e.framework_id).get(e.iri, [])
        out.append(found)
    return out
