"""Gaps (``api/gaps``) and the curated mappings an element inherits from another APQC edition.

``api/gaps`` lists an element with no mapping of its own to another framework. An element of
an industry edition (Banking 7.2.2) may still see curated mappings made on Cross-Industry 7.4
for its PCF ID (:mod:`pcfgraph.services.inherited`: *inherited* when it is unchanged, else
*needs review*), which GraphQL, the element page, the spreadsheet and MCP show. Such an element
is not a plain gap: :func:`inherited_cover` says, for each (element, other framework), what
inherited mappings cover it, from that one computation, so ``pcfgraph gaps`` and MCP
``find_gaps`` set it apart instead of asking for a mapping that already exists.

Curated "no counterpart" decisions follow the same rule: an industry element whose PCF ID has
a NoCounterpart record into the other framework on another edition (Cross-Industry 7.4 8.1.2.2
into PRM-IT) sees that decision, with its reason and where it was made, *inherited* when it is
unchanged, else *needs review* (:func:`gap_decisions`, the one computation every edge
renders). One that holds is a decision (``--undecided`` leaves it out); one needing review is
not yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pcfgraph import iris
from pcfgraph.services.base import Reader, text
from pcfgraph.services.inherited import (
    InheritedMapping,
    InheritedNoCounterpart,
    inherited_mappings,
    inherited_no_counterparts,
)
from pcfgraph.store import Row

#: Statuses of an inherited cover, as the inherited mappings state them.
INHERITED = "inherited"
NEEDS_REVIEW = "needs-review"


@dataclass(frozen=True)
class InheritedCover:
    """The inherited mappings from one element into one other framework."""

    mappings: tuple[InheritedMapping, ...]

    @property
    def status(self) -> str:
        """``inherited`` when at least one holds (the element is unchanged from the one it was
        made on), else ``needs-review``."""
        return INHERITED if any(not m.needs_review for m in self.mappings) else NEEDS_REVIEW

    @property
    def made_on_frameworks(self) -> tuple[str, ...]:
        return tuple(sorted({m.made_on_framework for m in self.mappings}))


def _other_framework(m: InheritedMapping) -> str:
    """The framework of the mapping's far end, seen from the element that inherits it."""
    return m.mapping.object_framework if m.side == "subject" else m.mapping.subject_framework


def _cover(
    reader: Reader,
    framework_ids: Iterable[str],
    key: Callable[[InheritedMapping], tuple[str, str]],
) -> dict[tuple[str, str], InheritedCover]:
    """The inherited mappings of elements of ``framework_ids`` (read once per reader),
    grouped by ``key``."""
    found: dict[tuple[str, str], list[InheritedMapping]] = {}
    for fid in sorted(set(framework_ids)):
        for m in inherited_mappings(reader, fid):
            found.setdefault(key(m), []).append(m)
    return {k: InheritedCover(tuple(ms)) for k, ms in found.items()}


def inherited_cover(
    reader: Reader, framework_ids: Iterable[str]
) -> dict[tuple[str, str], InheritedCover]:
    """For elements of ``framework_ids``: (element IRI, other framework id) -> the inherited
    mappings that link them (the same records ``Element.inheritedMappings`` lists)."""
    return _cover(reader, framework_ids, lambda m: (m.element_iri, _other_framework(m)))


def far_end_cover(
    reader: Reader, framework_ids: Iterable[str]
) -> dict[tuple[str, str], InheritedCover]:
    """The same inherited mappings seen from their far end: (IRI of the element a mapping
    made on another edition leads to, the APQC edition of ``framework_ids`` whose element
    inherits it) -> those mappings. PRM-IT A24 is linked to Utilities 7.2.1's 8.1.5.6 by the
    curated 8.1.5.6 exactMatch A24 made on Cross-Industry 7.4, as 8.1.5.6 is to A24."""

    def far(m: InheritedMapping) -> tuple[str, str]:
        end = m.mapping.object_iri if m.side == "subject" else m.mapping.subject_iri
        return end, m.element_framework

    return _cover(reader, framework_ids, far)


def gap_covers(reader: Reader, rows: Iterable[Row]) -> list[InheritedCover | None]:
    """For each ``api/gaps`` row, the inherited mappings from its element into its other
    framework (None: a plain gap). Read only when a row is an APQC edition's element, or
    towards one (:func:`far_end_cover`: every PRM-IT process was an undecided gap towards
    an industry edition, those whose mappings its elements inherit too)."""
    keys = [(text(r, "element"), text(r, "framework"), text(r, "otherFramework")) for r in rows]
    apqc = {fw for _, fw, _ in keys if fw and iris.is_apqc_framework_id(fw)}
    towards = {
        other
        for _, fw, other in keys
        if other and fw and iris.is_apqc_framework_id(other) and not iris.is_apqc_framework_id(fw)
    }
    covers = inherited_cover(reader, apqc) if apqc else {}
    if towards:
        covers = {**far_end_cover(reader, towards), **covers}
    return [covers.get((e, other)) if e and other else None for e, _, other in keys]


@dataclass(frozen=True)
class InheritedDecision:
    """The curated NoCounterpart decisions from one element into one other framework made on
    other APQC editions of its PCF ID."""

    decisions: tuple[InheritedNoCounterpart, ...]

    @property
    def status(self) -> str:
        """``inherited`` when at least one holds (the element is unchanged from the one it was
        made on), else ``needs-review``."""
        return INHERITED if any(not d.needs_review for d in self.decisions) else NEEDS_REVIEW

    @property
    def decision(self) -> str:
        """The decision inherited, in the words of ``api/gaps``' ``decision``."""
        return "no counterpart"

    @property
    def first(self) -> InheritedNoCounterpart:
        """The one to show first: one that holds, else the first (in edition order)."""
        return next((d for d in self.decisions if not d.needs_review), self.decisions[0])

    @property
    def reason(self) -> str | None:
        return self.first.reason

    @property
    def made_on_frameworks(self) -> tuple[str, ...]:
        return tuple(sorted({d.made_on_framework for d in self.decisions}))

    @property
    def made_on(self) -> tuple[str, ...]:
        """The elements the decisions were made on (IRIs, in edition order)."""
        return tuple(dict.fromkeys(d.made_on for d in self.decisions))

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Why it needs review (empty when one holds)."""
        if self.status == INHERITED:
            return ()
        return tuple(dict.fromkeys(r for d in self.decisions for r in d.reasons))


def inherited_decision(
    reader: Reader, framework_ids: Iterable[str]
) -> dict[tuple[str, str], InheritedDecision]:
    """For elements of ``framework_ids``: (element IRI, other framework id) -> the curated
    NoCounterpart decisions made on other APQC editions of its PCF ID."""
    found: dict[tuple[str, str], list[InheritedNoCounterpart]] = {}
    for fid in sorted(set(framework_ids)):
        for d in inherited_no_counterparts(reader, fid):
            found.setdefault((d.element_iri, d.other_framework), []).append(d)
    ordered = {
        key: sorted(ds, key=lambda d: (d.made_on_framework, d.made_on, d.record))
        for key, ds in found.items()
    }
    return {key: InheritedDecision(tuple(ds)) for key, ds in ordered.items()}


def gap_decisions(reader: Reader, rows: Iterable[Row]) -> list[InheritedDecision | None]:
    """For each ``api/gaps`` row, the curated NoCounterpart decisions its element inherits
    into its other framework from another APQC edition (None: none, or the element has a
    NoCounterpart record of its own, which is its decision)."""
    keys = [
        (
            text(r, "element"),
            text(r, "framework"),
            text(r, "otherFramework"),
            bool(text(r, "noCounterpart")),
        )
        for r in rows
    ]
    apqc = {fw for _, fw, _, _ in keys if fw and iris.is_apqc_framework_id(fw)}
    found = inherited_decision(reader, apqc) if apqc else {}
    return [found.get((e, other)) if e and other and not own else None for e, _, other, own in keys]


def is_undecided(row: Row, cover: InheritedCover | None, decided: InheritedDecision | None) -> bool:
    """Whether an ``api/gaps`` row (with its :func:`gap_covers` and :func:`gap_decisions`
    entries) is an undecided gap, the one rule of ``pcfgraph gaps --undecided``, GraphQL
    ``gaps(undecided: true)`` and MCP ``find_gaps(undecided=true)``: no curated decision of its
    own (a NoCounterpart record, negative mappings), no inherited mapping that holds and no
    inherited no-counterpart decision that holds (one needing review is still undecided)."""
    return (
        not text(row, "decision")
        and (cover is None or cover.status != INHERITED)
        and (decided is None or decided.status != INHERITED)
    )


def target_is_itself(framework: str | None, target: str | None) -> str | None:
    """The words for gaps asked towards the framework itself, or towards another APQC edition
    of it (the query answers no gap, read as "the framework covers itself"), the same on every
    edge (each puts its own name for the target before them); None for any other target.

    Another edition's elements are this edition's by PCF ID, not counterparts to be mapped:
    with Utilities 7.2.1 loaded, every Cross-Industry 7.4 element was an undecided gap towards
    it (1,921), curated 8.1 included."""
    if target is None or framework is None:
        return None
    if target == framework:
        return (
            f"is the framework itself ({framework}): gaps are towards another framework; give "
            "another, or leave it out for every other"
        )
    if iris.is_apqc_framework_id(framework) and iris.is_apqc_framework_id(target):
        return (
            f"is another edition of the same framework ({target}, APQC PCF like {framework}): "
            "its elements are these by PCF ID (pcfgraph history, pcfgraph diff), not "
            "counterparts; gaps are towards another framework; give another, or leave it out "
            "for every other"
        )
    return None
