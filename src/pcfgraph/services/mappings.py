"""Mapping records (``api/mapping-records``, ``api/mapping-chain-links``, ``api/mapping-sets``)
and curated no-counterpart records (``api/no-counterparts``).

A record is a ``pcfg:MappingRecord`` (an ``owl:Axiom``) from a curated SSSOM mapping set or
derived by pcfgraph (inverses, chains; ``pcfg:derived true``, with ``pcfg:chain`` listing the
curated records it comes from). Reads are per framework of the subject (or of the object).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from pcfgraph.errors import InputError
from pcfgraph.relation_names import RELATION_NAMES, SKOS
from pcfgraph.services.base import (
    Reader,
    boolean,
    curie,
    decimal,
    element_id,
    integer,
    text,
    value_rank,
)
from pcfgraph.services.elements import Element, check_framework, covering_subtree
from pcfgraph.store import Row

#: The SKOS mapping relations, by local name.
RELATIONS: dict[str, str] = {name: SKOS + name for name in RELATION_NAMES}
_BY_IRI = {v: k for k, v in RELATIONS.items()}


@dataclass(frozen=True)
class Mapping:
    """One mapping record: subject --relation--> object with its SSSOM metadata."""

    iri: str
    subject_iri: str
    subject_framework: str
    relation: str  # local name: exactMatch, closeMatch, ...
    object_iri: str
    object_framework: str
    justification: str | None = None
    confidence: float | None = None
    comment: str | None = None
    author: str | None = None
    mapping_set_iri: str | None = None
    derived: bool = False
    #: Who reviewed the curated record (SSSOM reviewer_label) and when it was made.
    reviewers: tuple[str, ...] = ()
    mapping_date: str | None = None

    @property
    def id(self) -> str:
        return element_id(self.iri)


@dataclass(frozen=True)
class NegativeMapping:
    """A curated negative mapping (SSSOM ``predicate_modifier: Not``): the subject is *not*
    related to the object by ``relation``."""

    iri: str
    subject_iri: str
    subject_framework: str
    relation: str
    object_iri: str
    object_framework: str
    justification: str | None = None
    comment: str | None = None
    reviewers: tuple[str, ...] = ()
    mapping_date: str | None = None
    mapping_set_iri: str | None = None

    @property
    def id(self) -> str:
        return element_id(self.iri)


@dataclass(frozen=True)
class MappingSet:
    iri: str
    title: str | None = None
    description: str | None = None
    license: str | None = None
    version: str | None = None
    creator: str | None = None
    #: Its ``dcterms:rights`` (the notice of the framework texts its rows quote, APQC's for
    #: the PCF names) and that notice's text: the set's licence covers the curation only.
    rights: str | None = None
    rights_label: str | None = None
    source_frameworks: tuple[str, ...] = ()
    target_frameworks: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return element_id(self.iri).removeprefix("mapping-set/")


def _mapping(row: Row, *, subject_framework_col: str = "subjectFramework") -> Mapping | None:
    predicate = text(row, "predicate") or ""
    relation = _BY_IRI.get(predicate)
    record = text(row, "record")
    if relation is None or record is None:
        return None  # not a SKOS mapping relation: not something the API can type
    justification = text(row, "justification")
    return Mapping(
        iri=record,
        subject_iri=text(row, "subject") or "",
        subject_framework=text(row, subject_framework_col) or "",
        relation=relation,
        object_iri=text(row, "object") or "",
        object_framework=text(row, "objectFramework") or "",
        justification=curie(justification) if justification else None,
        confidence=decimal(row, "confidence"),
        comment=text(row, "comment"),
        author=text(row, "author"),
        mapping_set_iri=text(row, "mappingSet"),
        derived=boolean(row, "derived"),
        reviewers=tuple(filter(None, [text(row, "reviewer")])),
        mapping_date=text(row, "mappingDate"),
    )


def _sorted(ms: list[Mapping]) -> list[Mapping]:
    return sorted(
        ms, key=lambda m: (m.derived, -(m.confidence or 0.0), m.object_iri, m.relation, m.iri)
    )


def _records(reader: Reader, params: dict[str, object]) -> list[Mapping]:
    return records_from_rows(reader.select("api/mapping-records", params))


def _rank(m: Mapping) -> tuple[object, ...]:
    """Which of two rows of one record wins when a column has several values (two comments,
    two confidences...): the smallest values, whatever order the store returns the rows in."""
    return (
        m.subject_iri,
        m.subject_framework,
        m.relation,
        m.object_iri,
        m.object_framework,
        m.justification or "",
        m.confidence is None,
        m.confidence or 0.0,
        m.comment or "",
        m.author or "",
        m.mapping_set_iri or "",
        m.derived,
        m.mapping_date or "",
    )


def records_from_rows(rows: Iterable[Row]) -> list[Mapping]:
    """Fold ``api/mapping-records``-shaped rows (one per reviewer) into records, ordered by
    IRI; a record's reviewers gathered, its other columns from its lowest row (:func:`_rank`)."""
    seen: dict[str, Mapping] = {}
    for row in rows:
        m = _mapping(row)
        if m is None:
            continue
        prev = seen.get(m.iri)
        if prev is None:
            seen[m.iri] = m
            continue
        reviewers = tuple(sorted({*prev.reviewers, *m.reviewers}))
        kept = m if _rank(m) < _rank(prev) else prev
        seen[m.iri] = replace(kept, reviewers=reviewers)
    return [seen[k] for k in sorted(seen)]


def _check_frameworks(reader: Reader, *framework_ids: str | None) -> None:
    """A framework filter naming no loaded framework is an error naming it, as
    ``elements(framework:)`` and MCP ``get_mappings`` refuse it: no records would read as
    "none exist"."""
    for framework_id in framework_ids:
        if framework_id is not None:
            check_framework(reader, framework_id)


def negative_mappings(
    reader: Reader, *, source: str | None = None, target: str | None = None
) -> list[NegativeMapping]:
    """Curated negative mappings between frameworks (ids), ordered by subject and object.

    Read once per reader (the served release's shared reader keeps them for the release's
    lifetime; a reload brings a new one) and filtered here: MCP ``get_mappings`` ran the query
    on every call."""

    def load() -> list[NegativeMapping]:
        found: dict[str, NegativeMapping] = {}
        for row in reader.select("api/negative-mappings", {}):
            relation = _BY_IRI.get(text(row, "predicate") or "")
            record = text(row, "record")
            if relation is None or record is None:
                continue
            reviewer = text(row, "reviewer")
            if record in found:
                prev = found[record]
                if reviewer and reviewer not in prev.reviewers:
                    found[record] = replace(
                        prev, reviewers=tuple(sorted((*prev.reviewers, reviewer)))
                    )
                continue
            justification = text(row, "justification")
            found[record] = NegativeMapping(
                iri=record,
                subject_iri=text(row, "subject") or "",
                subject_framework=text(row, "subjectFramework") or "",
                relation=relation,
                object_iri=text(row, "object") or "",
                object_framework=text(row, "objectFramework") or "",
                justification=curie(justification) if justification else None,
                comment=text(row, "comment"),
                reviewers=(reviewer,) if reviewer else (),
                mapping_date=text(row, "mappingDate"),
                mapping_set_iri=text(row, "mappingSet"),
            )
        return list(found.values())

    _check_frameworks(reader, source, target)
    records = reader.memo(("negative-mappings",), load)
    return [
        n
        for n in records
        if (source is None or n.subject_framework == source)
        and (target is None or n.object_framework == target)
    ]


@dataclass
class _FrameworkMappings:
    by_subject: dict[str, list[Mapping]] = field(default_factory=dict)
    by_object: dict[str, list[Mapping]] = field(default_factory=dict)


def framework_mappings(reader: Reader, framework_id: str, side: str) -> dict[str, list[Mapping]]:
    """Every record (curated and derived) whose subject (side="subject") or object is in the
    framework, by that element's IRI."""

    def load() -> dict[str, list[Mapping]]:
        key = "subjectFramework" if side == "subject" else "objectFramework"
        return by_end(_records(reader, {key: framework_id, "includeDerived": True}), side)

    return reader.memo(("mappings", side, framework_id), load)


def by_end(records: Iterable[Mapping], side: str) -> dict[str, list[Mapping]]:
    """Records by the IRI of their subject (``side="subject"``) or object, each list in the
    order the API shows."""
    out: dict[str, list[Mapping]] = {}
    for m in records:
        out.setdefault(m.subject_iri if side == "subject" else m.object_iri, []).append(m)
    return {k: _sorted(v) for k, v in out.items()}


def _loaded_side(reader: Reader, e: Element, side: str) -> list[Mapping] | None:
    full = reader.peek(("mappings", side, e.framework_id))
    if full is not None:
        return full.get(e.iri, [])  # type: ignore[no-any-return]
    sub = covering_subtree(reader, e.framework_id, e.iri)
    if sub is not None and side in sub.mappings:
        return sub.mappings[side].get(e.iri, [])
    return None


def _side(reader: Reader, e: Element, side: str) -> list[Mapping]:
    found = _loaded_side(reader, e, side)
    if found is None:
        found = framework_mappings(reader, e.framework_id, side).get(e.iri, [])
    return found


def mappings_loaded(reader: Reader, e: Element, direction: str) -> bool:
    """Whether ``e``'s records in ``direction`` (subject, object, either) are read already
    (its framework's, or its subtree's): :func:`mappings_of` then costs no query."""
    sides = ("subject", "object") if direction == "either" else (direction,)
    return all(_loaded_side(reader, e, side) is not None for side in sides)


def mappings_of(
    reader: Reader,
    elements: Sequence[Element],
    *,
    direction: str = "subject",
    relation: str | None = None,
    framework: str | None = None,
    include_derived: bool = False,
) -> list[list[Mapping]]:
    """For each element, its mapping records where it is the subject (``direction="subject"``),
    the object (``"object"``) or either; filtered by relation (local name), the framework at
    the other end and whether derived records count."""
    if direction not in ("subject", "object", "either"):
        raise InputError(f"direction must be subject, object or either, not {direction!r}")
    if relation is not None and relation not in RELATIONS:
        raise InputError(f"unknown mapping relation {relation!r}; known: {', '.join(RELATIONS)}")
    if framework is not None:  # the same name as GraphQL Element.mappings's argument
        check_framework(reader, framework, argument="framework")
    out: list[list[Mapping]] = []
    for e in elements:
        found: list[Mapping] = []
        if direction in ("subject", "either"):
            found.extend(_side(reader, e, "subject"))
        if direction in ("object", "either"):
            found.extend(_side(reader, e, "object"))
        selected = []
        for m in found:
            if m.derived and not include_derived:
                continue
            if relation is not None and m.relation != relation:
                continue
            other = m.object_framework if m.subject_iri == e.iri else m.subject_framework
            if framework is not None and other != framework:
                continue
            selected.append(m)
        out.append(selected)
    return out


def mappings(
    reader: Reader,
    *,
    source: str | None = None,
    target: str | None = None,
    relation: str | None = None,
    min_confidence: float | None = None,
    include_derived: bool = False,
) -> list[Mapping]:
    """Mapping records between frameworks (ids), filtered; curated only unless asked."""
    if relation is not None and relation not in RELATIONS:
        raise InputError(f"unknown mapping relation {relation!r}; known: {', '.join(RELATIONS)}")
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise InputError(f"minConfidence must be between 0 and 1, not {min_confidence}")
    _check_frameworks(reader, source, target)
    params: dict[str, object] = {
        "subjectFramework": source,
        "objectFramework": target,
        "predicate": RELATIONS[relation] if relation else None,
        "minConfidence": min_confidence,
        "includeDerived": include_derived,
    }
    found = _records(reader, params)
    return sorted(
        found,
        key=lambda m: (m.subject_framework, m.subject_iri, m.object_framework, m.object_iri, m.iri),
    )


def chains_of(reader: Reader, records: Sequence[Mapping]) -> list[list[Mapping]]:
    """The curated records each derived record was derived from, in chain order (one query
    per framework of the derived records' subjects); empty for curated records."""
    out: list[list[Mapping]] = []
    for m in records:
        if not m.derived:
            out.append([])
            continue
        out.append(_framework_chains(reader, m.subject_framework).get(m.iri, []))
    return out


def _framework_chains(reader: Reader, framework_id: str) -> dict[str, list[Mapping]]:
    def load() -> dict[str, list[Mapping]]:
        links: dict[str, dict[int, Mapping]] = {}
        for row in reader.select("api/mapping-chain-links", {"subjectFramework": framework_id}):
            derived_record = text(row, "derivedRecord")
            position = integer(row, "position")
            link = _mapping(row, subject_framework_col="linkSubjectFramework")
            if derived_record is None or position is None or link is None:
                continue
            at = links.setdefault(derived_record, {})
            if position not in at or _rank(link) < _rank(at[position]):
                at[position] = link  # a link's columns with several values: its lowest row
        return {k: [v[i] for i in sorted(v)] for k, v in links.items()}

    return reader.memo(("chains", framework_id), load)


def _ranked_text(rank: object) -> str | None:
    return rank[1] if isinstance(rank, tuple) else None


def mapping_sets(reader: Reader) -> dict[str, MappingSet]:
    """Every mapping set by IRI (one query per reader)."""

    def load() -> dict[str, MappingSet]:
        acc: dict[str, dict[str, object]] = {}
        for row in reader.select("api/mapping-sets"):
            iri = text(row, "mappingSet")
            if iri is None:
                continue
            cur = acc.setdefault(iri, {"sources": set(), "targets": set()})
            for key in (
                "title",
                "description",
                "license",
                "version",
                "creator",
                "rights",
                "rightsLabel",
            ):
                rank = value_rank(row, key)  # stated twice: English or plain, then smallest
                if rank is not None and (cur.get(key) is None or rank < cur[key]):  # type: ignore[operator]
                    cur[key] = rank
            for key, col in (("sources", "sourceFramework"), ("targets", "targetFramework")):
                value = text(row, col)
                if value:
                    cur[key].add(value)  # type: ignore[attr-defined]
        return {
            iri: MappingSet(
                iri=iri,
                title=_ranked_text(cur.get("title")),
                description=_ranked_text(cur.get("description")),
                license=_ranked_text(cur.get("license")),
                version=_ranked_text(cur.get("version")),
                creator=_ranked_text(cur.get("creator")),
                rights=_ranked_text(cur.get("rights")),
                rights_label=_ranked_text(cur.get("rightsLabel")),
                source_frameworks=tuple(sorted(cur["sources"])),  # type: ignore[call-overload]
                target_frameworks=tuple(sorted(cur["targets"])),  # type: ignore[call-overload]
            )
            for iri, cur in sorted(acc.items())
        }

    return reader.memo(("mapping-sets",), load)


@dataclass(frozen=True)
class NoCounterpart:
    """A curated ``pcfg:NoCounterpart`` record: the element has no counterpart in
    ``target_framework``, for ``reason``."""

    iri: str
    element_iri: str
    framework_id: str
    target_framework: str
    reason: str | None = None

    @property
    def id(self) -> str:
        return element_id(self.iri)


def no_counterparts(
    reader: Reader, framework_id: str, *, target: str | None = None
) -> list[NoCounterpart]:
    """Curated no-counterpart records of the elements of a framework (one store query per
    framework and reader), optionally only those towards the ``target`` framework id; ordered
    by element, target framework and reason. A record with several reasons is listed once per
    reason."""

    def load() -> list[NoCounterpart]:
        found = {
            NoCounterpart(
                iri=text(row, "record") or "",
                element_iri=text(row, "element") or "",
                framework_id=framework_id,
                target_framework=text(row, "otherFramework") or "",
                reason=text(row, "reason"),
            )
            for row in reader.select("api/no-counterparts", {"framework": framework_id})
        }
        return sorted(
            found, key=lambda n: (n.element_iri, n.target_framework, n.reason or "", n.iri)
        )

    records = reader.memo(("no-counterparts", framework_id), load)
    return [n for n in records if target is None or n.target_framework == target]
