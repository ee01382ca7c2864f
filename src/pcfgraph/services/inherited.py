"""Curated mappings across APQC editions and versions (``api/inherited-mappings``).

A curated mapping is made on one edition's element (e.g. Cross-Industry 7.4). Every other
loaded statement of the same PCF ID sees it: *inherited* when that element is unchanged from
the one the mapping was made on (same name, definition and parent PCF ID, not removed), else
*needs review*, with the reasons (renamed, redefined, moved, removed), instead of carrying it
over silently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pcfgraph.services.base import Reader, boolean, text
from pcfgraph.services.elements import Element
from pcfgraph.services.mappings import Mapping, framework_mappings

#: Why an inherited mapping needs review, in the order they are reported.
REASONS = ("renamed", "redefined", "moved", "removed")


class Reviewed:
    """Inherited from the element it was made on, or needing review for ``reasons``."""

    reasons: tuple[str, ...]

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)

    @property
    def status(self) -> str:
        return "needs-review" if self.reasons else "inherited"


@dataclass(frozen=True)
class InheritedMapping(Reviewed):
    """A curated record seen from an element of another edition or version."""

    #: The element it is seen from (same PCF ID as ``made_on``).
    element_iri: str
    element_framework: str
    #: The curated record, as made: ``made_on`` is its subject (side "subject") or object.
    mapping: Mapping
    made_on: str
    made_on_framework: str
    side: str
    #: Empty when inherited; else why it needs review (a subset of :data:`REASONS`).
    reasons: tuple[str, ...] = ()
    #: The code of ``made_on`` in its edition.
    made_on_code: str | None = None


def inherited_mappings(reader: Reader, framework_id: str | None = None) -> list[InheritedMapping]:
    """Every curated mapping seen from elements of ``framework_id`` (all frameworks when None),
    ordered by framework, element code and record.

    One framework's are taken from the read of all of them: the store evaluates the query
    whole before it filters by framework, so each framework read cost as much as all of them
    (4-5 s each with every APQC workbook loaded, under load)."""
    if framework_id is not None:
        return reader.memo(
            ("inherited-mappings", framework_id),
            lambda: [m for m in inherited_mappings(reader) if m.element_framework == framework_id],
        )

    def load() -> list[InheritedMapping]:
        out: list[InheritedMapping] = []
        for row in reader.select("api/inherited-mappings", {}):
            made_on, made_on_fw = text(row, "madeOn"), text(row, "madeOnFramework")
            record, side = text(row, "record"), text(row, "side") or "subject"
            element, element_fw = text(row, "element"), text(row, "framework")
            if None in (made_on, made_on_fw, record, element, element_fw):
                continue
            records = framework_mappings(reader, str(made_on_fw), side).get(str(made_on), [])
            mapping = next((m for m in records if m.iri == record), None)
            if mapping is None:  # a record pcfgraph does not read as a mapping (no relation)
                continue
            out.append(
                InheritedMapping(
                    element_iri=str(element),
                    element_framework=str(element_fw),
                    mapping=mapping,
                    made_on=str(made_on),
                    made_on_framework=str(made_on_fw),
                    side=side,
                    reasons=tuple(r for r in REASONS if boolean(row, r)),
                    made_on_code=text(row, "madeOnCode"),
                )
            )
        return out

    return reader.memo(("inherited-mappings", None), load)


def inherited_mappings_of(
    reader: Reader, elements: Sequence[Element]
) -> list[list[InheritedMapping]]:
    """For each element, the curated mappings it sees from other editions and versions (one
    store query per framework of the elements)."""

    def grouped(framework_id: str) -> dict[str, list[InheritedMapping]]:
        def load() -> dict[str, list[InheritedMapping]]:
            out: dict[str, list[InheritedMapping]] = {}
            for m in inherited_mappings(reader, framework_id):
                out.setdefault(m.element_iri, []).append(m)
            return out

        return reader.memo(("inherited-mappings-by-element", framework_id), load)

    return [
        grouped(e.framework_id).get(e.iri, []) if e.pcf_id is not None else [] for e in elements
    ]


@dataclass(frozen=True)
class InheritedNoCounterpart(Reviewed):
    """A curated "no counterpart" decision (pcfg:NoCounterpart, SSSOM sssom:NoTermFound) made
    on one edition's element, seen from an element of another edition or version with its PCF
    ID: the same rule as :class:`InheritedMapping` (inherited when unchanged, else needs
    review, with why)."""

    element_iri: str
    element_framework: str
    #: The NoCounterpart record, the framework it says has no counterpart, and why.
    record: str
    other_framework: str
    reason: str | None
    made_on: str
    made_on_framework: str
    made_on_code: str | None = None
    #: Empty when inherited; else why it needs review (a subset of :data:`REASONS`).
    reasons: tuple[str, ...] = ()


def inherited_no_counterparts(
    reader: Reader, framework_id: str | None = None
) -> list[InheritedNoCounterpart]:
    """Every curated NoCounterpart decision seen from elements of ``framework_id`` (all
    frameworks when None), taken from one read of all of them (as :func:`inherited_mappings`)."""
    if framework_id is not None:
        return reader.memo(
            ("inherited-no-counterparts", framework_id),
            lambda: [
                d for d in inherited_no_counterparts(reader) if d.element_framework == framework_id
            ],
        )

    def load() -> list[InheritedNoCounterpart]:
        out: list[InheritedNoCounterpart] = []
        for row in reader.select("api/inherited-no-counterparts", {}):
            element, element_fw = text(row, "element"), text(row, "framework")
            record, other = text(row, "record"), text(row, "otherFramework")
            made_on, made_on_fw = text(row, "madeOn"), text(row, "madeOnFramework")
            if None in (element, element_fw, record, other, made_on, made_on_fw):
                continue
            out.append(
                InheritedNoCounterpart(
                    element_iri=str(element),
                    element_framework=str(element_fw),
                    record=str(record),
                    other_framework=str(other),
                    reason=text(row, "reason"),
                    made_on=str(made_on),
                    made_on_framework=str(made_on_fw),
                    made_on_code=text(row, "madeOnCode"),
                    reasons=tuple(r for r in REASONS if boolean(row, r)),
                )
            )
        return out

    return reader.memo(("inherited-no-counterparts", None), load)
