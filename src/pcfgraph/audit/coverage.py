"""Coverage of framework subtrees by the organisation's processes, and IT-CMF maturity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.report import Coverage, CoverageItem, MaturityAssessment, PracticeStatus
from pcfgraph.audit.terms import _local, _query, _term_text
from pcfgraph.store import EmbeddedStore

if TYPE_CHECKING:
    from pcfgraph.audit.labels import Labeller


def default_coverage_roots() -> list[tuple[str, str, str, int]]:
    return [
        (
            "apqc-pcf-8.1",
            "APQC PCF 8.1 Develop and manage IT customer relationships (processes and activities)",
            str(iris.apqc_element("Cross-Industry", "7.4", 20608)),
            4,
        ),
        ("prm-it-a2", "PRM-IT A2 Customer Relationships (processes)", str(iris.prm_it("A2")), 3),
    ]


def checked_frameworks(store: EmbeddedStore) -> list[dict[str, str | None]]:
    """The framework editions of the release (id, title, version, and the notice their content
    is quoted under as ``rights``), for the report's ``checkedAgainst``: what an auditor cites
    as the standard the model was checked against."""
    return [
        {
            "id": _term_text(row.get("id")),
            "title": _term_text(row.get("title")),
            "version": _term_text(row.get("version")),
            "rights": _term_text(row.get("rights")),
        }
        for row in store.select(_query("reports/frameworks-checked"))
    ]


def curated_equivalences(store: EmbeddedStore) -> dict[str, set[str]]:
    """Curated positive exact/close mappings of the release, both ways (element -> mapped)."""
    out: dict[str, set[str]] = {}
    for row in store.select(_query("reports/curated-equivalences")):
        s, o = _term_text(row.get("subject")), _term_text(row.get("object"))
        if s and o:
            out.setdefault(s, set()).add(o)
            out.setdefault(o, set()).add(s)
    return out


def _implementations(store: EmbeddedStore) -> dict[str, list[tuple[str, str, str]]]:
    """Element -> [(process, process label, element notation)] from the upload."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for row in store.select(_query("reports/implementations")):
        element, process = _term_text(row.get("element")), _term_text(row.get("process"))
        if element and process:
            out.setdefault(element, []).append(
                (
                    process,
                    _term_text(row.get("processLabel")) or _local(process),
                    _term_text(row.get("notation")) or _local(element),
                )
            )
    return out


def coverage(
    store: EmbeddedStore,
    roots: Sequence[tuple[str, str, str, int]],
    equivalences: Mapping[str, set[str]] | None = None,
) -> list[Coverage]:
    """Direct coverage (a process implements the element) and coverage via mapping (a process
    implements an element mapped to it by a curated positive exact/close mapping)."""
    query = _query("reports/coverage")
    implemented = _implementations(store) if equivalences else {}
    out: list[Coverage] = []
    for key, title, root, max_level in roots:
        cov = Coverage(key=key, title=title, root=root)
        items: dict[str, CoverageItem] = {}
        # what each item's lists hold, as sets: a list's ``in`` made 20,000 processes of one
        # element quadratic (seconds)
        direct: dict[str, set[str]] = {}
        for row in store.select(query, {"root": root, "maxLevel": max_level}):
            element = _term_text(row["element"]) or ""
            item = items.get(element)
            if item is None:
                level = row.get("level")
                item = items[element] = CoverageItem(
                    element=element,
                    notation=_term_text(row.get("notation")) or _local(element),
                    label=_term_text(row.get("label")) or "",
                    level=int(level.value) if isinstance(level, ox.Literal) else 0,
                )
            process = _term_text(row.get("process"))
            if process and process not in (seen := direct.setdefault(element, set())):
                seen.add(process)
                item.implemented_by.append(process)
                item.implemented_labels.append(
                    _term_text(row.get("processLabel")) or _local(process)
                )
        for item in items.values():
            if item.implemented_by or not equivalences:
                continue
            mapped: set[str] = set()
            via: set[str] = set()
            for other in sorted(equivalences.get(item.element, ())):
                for process, label, notation in implemented.get(other, ()):
                    if process not in mapped:
                        mapped.add(process)
                        item.mapped_by.append(process)
                        item.mapped_labels.append(label)
                    if notation not in via:
                        via.add(notation)
                        item.mapped_via.append(notation)
        for item in items.values():
            _processes_in_order(item)
        cov.items = sorted(items.values(), key=lambda i: (_notation_key(i.notation), i.element))
        out.append(cov)
    return out


def _processes_in_order(item: CoverageItem) -> None:
    """An element's processes by name, then IRI: the store's order depends on what the store
    held before (one store serves every audit of a context), and a report must not."""
    pairs = sorted(zip(item.implemented_labels, item.implemented_by, strict=True))
    item.implemented_labels = [label for label, _ in pairs]
    item.implemented_by = [process for _, process in pairs]
    pairs = sorted(zip(item.mapped_labels, item.mapped_by, strict=True))
    item.mapped_labels = [label for label, _ in pairs]
    item.mapped_by = [process for _, process in pairs]


def _notation_key(notation: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for p in notation.replace("-", ".").split("."):
        parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return tuple(parts)


def maturity(store: EmbeddedStore, labeller: Labeller) -> list[MaturityAssessment]:
    claims: dict[str, MaturityAssessment] = {}
    for row in store.select(_query("reports/maturity")):
        claim = _term_text(row["claim"]) or ""
        m = claims.get(claim)
        if m is None:
            claimed = row.get("claimed")
            try:
                level = int(claimed.value) if isinstance(claimed, ox.Literal) else None
            except ValueError:
                level = None
            block = _term_text(row["block"]) or ""
            m = claims[claim] = MaturityAssessment(
                claim=claim,
                claim_label=labeller.label(claim),
                building_block=block,
                building_block_label=_term_text(row.get("blockLabel")) or _local(block),
                claimed=level,
            )
        practice = _term_text(row.get("practice"))
        lvl = row.get("level")
        if practice and isinstance(lvl, ox.Literal):
            evidenced = row.get("evidenced")
            m.practices.append(
                PracticeStatus(
                    practice=practice,
                    notation=_term_text(row.get("notation")) or _local(practice),
                    label=_term_text(row.get("label")) or "",
                    level=int(lvl.value),
                    evidenced=isinstance(evidenced, ox.Literal) and evidenced.value == "true",
                )
            )
    return sorted(claims.values(), key=lambda m: (m.claim_label, m.claim))
