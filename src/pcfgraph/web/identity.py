"""The element page's view of identity across APQC editions: the timeline of its PCF ID
(every loaded edition and version, with the change from the version before) and the curated
mappings and "no counterpart" decisions it sees from the edition they were made on (inherited,
or needing review)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pyoxigraph as ox

from pcfgraph import services
from pcfgraph.errors import NotFoundError
from pcfgraph.iris import DCTERMS
from pcfgraph.services.page_model import ElementRef, MappingInfo
from pcfgraph.services.page_reads import Reads


@dataclass(frozen=True)
class TimelineEntry:
    pcf_id: int
    edition: str
    version: str
    element: ElementRef
    changes: tuple[str, ...]
    #: APQC's own change details for this version, in words, and the version they are against.
    stated: tuple[str, ...]
    compared_to: str | None
    #: Removed in the next loaded version of its edition.
    deprecated: bool
    #: The element the page is about.
    current: bool


@dataclass(frozen=True)
class InheritedInfo:
    #: The record from the element's point of view (``other``: the far end).
    mapping: MappingInfo
    made_on: ElementRef
    made_on_title: str
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class InheritedDecisionInfo:
    """A curated "no counterpart in ``other_framework``" decision made on another edition of
    the element's PCF ID (``services.inherited_decision``, as GraphQL, MCP and the CLI give it)."""

    other_framework: str
    reason: str | None
    made_on: ElementRef
    made_on_title: str
    status: str
    reasons: tuple[str, ...]


def timeline(reads: Reads, e: services.Element) -> list[TimelineEntry]:
    """Every loaded statement of the element's PCF ID, by edition then version."""
    if e.pcf_id is None:
        return []
    return [
        TimelineEntry(
            pcf_id=s.pcf_id,
            edition=s.edition,
            version=s.version,
            element=ElementRef(s.iri, s.code or "", s.name or "", s.framework_id),
            changes=s.changes,
            stated=s.stated_changes,
            compared_to=s.compared_to,
            deprecated=s.deprecated,
            current=s.iri == e.iri,
        )
        for s in services.statements_of(reads.reader, e.pcf_id)
    ]


def stable_timeline(reads: Reads, iri: str, triples: Iterable[ox.Triple]) -> list[TimelineEntry]:
    """The timeline of an edition-independent PCF ID resource (``apqc-pcf/element/{id}``):
    where its ``dcterms:hasVersion`` statements appear; empty for any other resource."""
    has_version = str(DCTERMS.hasVersion)
    versions = sorted(
        t.object.value
        for t in triples
        if isinstance(t.subject, ox.NamedNode)
        and t.subject.value == iri
        and t.predicate.value == has_version
        and isinstance(t.object, ox.NamedNode)
    )
    for version in versions:
        try:
            e = services.element_by(reads.reader, iri=version)
        except NotFoundError:
            continue
        return [replace(entry, current=False) for entry in timeline(reads, e)]
    return []


def inherited(reads: Reads, e: services.Element) -> list[InheritedInfo]:
    """Curated mappings made on another edition's element with the same PCF ID."""
    if e.pcf_id is None:
        return []
    out = []
    for m in services.inherited_mappings_of(reads.reader, [e])[0]:
        made_on = services.framework(reads.reader, m.made_on_framework)
        out.append(
            InheritedInfo(
                mapping=reads.mapping_info(m.made_on, m.mapping),
                made_on=ElementRef(m.made_on, m.made_on_code or "", "", m.made_on_framework),
                made_on_title=(made_on.title if made_on else None) or m.made_on_framework,
                status=m.status,
                reasons=m.reasons,
            )
        )
    return out


def inherited_decisions(reads: Reads, e: services.Element) -> list[InheritedDecisionInfo]:
    """Curated "no counterpart" decisions made on another edition's element with the same PCF
    ID, one per other framework (the one that holds first), from the shared computation."""
    if e.pcf_id is None:
        return []
    found = services.inherited_decision(reads.reader, [e.framework_id])
    out = []
    for (element, other), decided in sorted(found.items()):
        if element != e.iri:
            continue
        d = decided.first
        made_on = services.framework(reads.reader, d.made_on_framework)
        out.append(
            InheritedDecisionInfo(
                other_framework=other,
                reason=decided.reason,
                made_on=ElementRef(d.made_on, d.made_on_code or "", "", d.made_on_framework),
                made_on_title=(made_on.title if made_on else None) or d.made_on_framework,
                status=decided.status,
                reasons=decided.review_reasons,
            )
        )
    return out
