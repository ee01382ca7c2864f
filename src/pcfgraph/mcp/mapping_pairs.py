"""``get_mappings`` between two frameworks: the records from ``source`` to ``target`` as
compact dicts, their negative mappings, and what is stated the other way round; the dicts of
an element's mappings (seen from it), of negative mappings and of no-counterpart decisions.

The curated records between two frameworks are stated in one direction (a set maps its
subjects' framework to its objects'). Asked the other way round, the answer was empty (or
held only the derived inverses) with nothing saying the curated ones exist: an assistant
reported "no curated mappings" between PRM-IT and APQC. The answer now counts the records
stated from ``target`` to ``source`` and says to swap the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pcfgraph import services
from pcfgraph.mcp.paging import ArgumentError
from pcfgraph.mcp.results import element_ref
from pcfgraph.relation_names import inverse_relation_name


@dataclass(frozen=True)
class PairMappings:
    items: list[dict[str, Any]]
    negatives: list[services.NegativeMapping]
    #: The curated "no counterpart in target" decisions of source's elements, each naming it.
    decided: list[dict[str, Any]] = field(default_factory=list)
    #: Keys added to the answer: ``curatedOtherWay``, ``negativeMappingsOtherWay``, ``note``.
    other_way: dict[str, Any] = field(default_factory=dict)


def pair_mappings(
    reader: services.Reader,
    source: str | None,
    target: str | None,
    *,
    include_derived: bool,
    base_url: str,
) -> PairMappings:
    if source is None or target is None:
        raise ArgumentError(
            "source" if source is None else "target",
            "give two frameworks (source and target) or one element",
        )
    if source == target:
        raise ArgumentError(
            "target",
            f"is the source framework itself ({source}): mappings are between two "
            "frameworks; give another framework, or an element",
        )
    records = services.mappings(
        reader, source=source, target=target, include_derived=include_derived
    )
    ends: list[tuple[str, str | None]] = sorted(
        {(m.subject_iri, m.subject_framework) for m in records}
        | {(m.object_iri, m.object_framework) for m in records}
    )
    by_iri = {o.iri: o for o in services.elements_by_iris(reader, ends) if o}

    def ref(iri: str) -> dict[str, Any]:
        return element_ref(by_iri[iri], base_url) if iri in by_iri else {"iri": iri}

    items = [
        {
            "subject": ref(m.subject_iri),
            "relation": m.relation,
            "object": ref(m.object_iri),
            "confidence": m.confidence,
            "justification": m.justification,
            "comment": m.comment,
            "derived": m.derived,
            "record": m.iri,
            **provenance(m),
        }
        for m in records
    ]
    curated = len(services.mappings(reader, source=target, target=source))
    negated = len(services.negative_mappings(reader, source=target, target=source))
    other_way: dict[str, Any] = {
        "curatedOtherWay": curated,
        "negativeMappingsOtherWay": negated,
    }
    if curated or negated:
        other_way["note"] = (
            f"{curated} curated mappings and {negated} negative mappings between these "
            f"frameworks are stated from {target} to {source}, so they are not among these "
            "items"
            + (
                " (their derived inverses are, marked derived)"
                if include_derived and curated
                else ""
            )
            + ": call get_mappings with source and target swapped to read them"
        )
    decisions = services.no_counterparts(reader, source, target=target)
    named = services.elements_by_iris(reader, [(n.element_iri, source) for n in decisions])
    decided = [
        {
            "element": element_ref(e, base_url) if e else {"iri": n.element_iri},
            "lacksCounterpartIn": n.target_framework,
            "reason": n.reason,
            "record": n.iri,
        }
        for n, e in zip(decisions, named, strict=True)
    ]
    return PairMappings(
        items=items,
        negatives=services.negative_mappings(reader, source=source, target=target),
        decided=decided,
        other_way=other_way,
    )


def negative_dicts(
    reader: services.Reader, negatives: list[services.NegativeMapping], base_url: str
) -> list[dict[str, Any]]:
    """Negative mappings (SSSOM predicate_modifier Not: two elements are NOT related) as
    ``get_mappings`` lists them, apart from the mappings. Their ``subject`` and ``object``
    are IRIs (with ``subjectCode``/``subjectName`` and ``objectCode``/``objectName``), where a
    mapping's ends are element references: a client read a rejected pair's element id,
    framework and page from other calls. ``subjectElement`` and ``objectElement`` are those
    references (a mapping's ``subject`` and ``object``); the IRIs stay as they were."""
    keys = sorted(
        {(n.subject_iri, n.subject_framework) for n in negatives}
        | {(n.object_iri, n.object_framework) for n in negatives}
    )
    named = {x.iri: x for x in services.elements_by_iris(reader, keys) if x}

    def ends(n: services.NegativeMapping) -> dict[str, Any]:
        refs: dict[str, Any] = {}
        for end, iri, fid in (
            ("subject", n.subject_iri, n.subject_framework),
            ("object", n.object_iri, n.object_framework),
        ):
            e = named.get(iri)
            if e is not None:
                refs[f"{end}Code"], refs[f"{end}Name"] = e.code, e.name
            refs[f"{end}Element"] = (
                element_ref(e, base_url) if e is not None else {"iri": iri, "framework": fid}
            )
        return refs

    return [
        {
            "subject": n.subject_iri,
            "notRelation": n.relation,
            "object": n.object_iri,
            **ends(n),
            "justification": n.justification,
            "comment": n.comment,
            "record": n.iri,
            "reviewers": list(n.reviewers),
            "mappingDate": n.mapping_date,
            "mappingSet": n.mapping_set_iri,
        }
        for n in negatives
    ]


def element_negatives(
    reader: services.Reader, e: services.Element, target: str | None = None
) -> list[services.NegativeMapping]:
    """The curated negative mappings ``e`` is an end of, towards ``target`` (the framework of
    their other end) when given, as GraphQL ``Element.negativeMappings(framework:)`` reads
    them. ``get_mappings`` kept those with ``target`` at either end, so asked towards the
    element's own framework it listed its negatives with PRM-IT (its own end is always of its
    own framework) where it refuses that target; get_element gave none at all."""
    return [
        n
        for n in services.negative_mappings(reader)
        if e.iri in (n.subject_iri, n.object_iri)
        and (
            target is None
            or target == (n.object_framework if n.subject_iri == e.iri else n.subject_framework)
        )
    ]


def no_counterpart_dicts(
    reader: services.Reader, e: services.Element, target: str | None = None
) -> list[dict[str, Any]]:
    """The curated "no counterpart" decisions of ``e`` (pcfg:NoCounterpart, SSSOM
    sssom:NoTermFound), towards ``target`` only when given: the framework it has none in, why,
    and the record to cite. An element the curators decided has no PRM-IT counterpart came
    as "total": 0 and no more (the element page and find_gaps say it), which an assistant
    reported as "not mapped yet"."""
    return [
        {"lacksCounterpartIn": n.target_framework, "reason": n.reason, "record": n.iri}
        for n in services.no_counterparts(reader, e.framework_id, target=target)
        if n.element_iri == e.iri
    ]


def provenance(m: services.Mapping) -> dict[str, Any]:
    """Who made and reviewed a record, when, and the set it is in (GraphQL ``Mapping``'s
    author, reviewers, mappingDate and mappingSet): MCP gave a record's justification and
    comment only, so an assistant could not say who decided a mapping, or when."""
    return {
        "author": m.author,
        "reviewers": list(m.reviewers),
        "mappingDate": m.mapping_date,
        "mappingSet": m.mapping_set_iri,
    }


def element_mapping_dicts(
    reader: services.Reader, own: str, records: Sequence[services.Mapping], base_url: str
) -> list[dict[str, Any]]:
    """``records`` seen from the element ``own`` (the IRI of one of their ends). An
    incoming record's ``relation`` is the record's, from the other end: ``relationToOther``
    reads it from ``own`` (8.1.5.2 broadMatch A25 is A25 narrowMatch 8.1.5.2), as the
    element page and the spreadsheet show it; a client read "A25 broadMatch 8.1.5.2"."""
    others = {
        (m.object_iri, m.object_framework)
        if m.subject_iri == own
        else (m.subject_iri, m.subject_framework)
        for m in records
    }
    keys: list[tuple[str, str | None]] = sorted(others)
    by_iri = {o.iri: o for o in services.elements_by_iris(reader, keys) if o}
    out = []
    for m in records:
        outgoing = m.subject_iri == own
        other_iri = m.object_iri if outgoing else m.subject_iri
        other = by_iri.get(other_iri)
        out.append(
            {
                "relation": m.relation,
                "direction": "outgoing" if outgoing else "incoming",
                # read from this element: the inverse of an incoming record's relation
                "relationToOther": m.relation if outgoing else inverse_relation_name(m.relation),
                "other": element_ref(other, base_url)
                if other
                else {
                    "iri": other_iri,
                    "framework": m.object_framework if outgoing else m.subject_framework,
                },
                "confidence": m.confidence,
                "justification": m.justification,
                "comment": m.comment,
                "derived": m.derived,
                "record": m.iri,
                **provenance(m),
            }
        )
    return out
