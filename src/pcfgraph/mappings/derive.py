"""Derived mappings: inverses and two-step chains across three frameworks.

Derived mappings live in their own graph (``iris.derived_mappings_graph()``), so a query
over the curated graphs never sees them. Every derived record is a ``pcfg:MappingRecord``
with ``pcfg:derived true`` and ``pcfg:chain``, the ordered RDF list of the curated records
it follows from.

* Inverse: ``S p O`` gives ``O inv(p) S`` (exact, close and related are symmetric; broad and
  narrow swap), justification ``semapv:MappingInversion``, same confidence.
* Chain: ``S p1 M`` and ``M p2 T`` (each step a curated record, read forwards or inverted)
  with S, M and T in three different frameworks give ``S p T``, justification
  ``semapv:MappingChaining``, confidence the product of the two. ``p`` is composed
  conservatively (:data:`COMPOSE`); where the two steps do not imply any SKOS relation
  between S and T (e.g. S and T merely share a broader M) nothing is derived.

Nothing is derived for a pair (S, T) that already has a curated mapping or a curated
negative mapping (``predicate_modifier: Not``) in either direction, nor where S (or T) is curated as having no counterpart in the other's framework
(``pcfg:NoCounterpart``): a curator's word is never second-guessed by arithmetic. Where several chains
give the same pair, the one with the highest confidence wins (then the more specific
predicate, then the record IRIs, so the result is deterministic).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.iris import DCTERMS, PCFG, SEMAPV, SKOS, SSSOM

EXACT, CLOSE, BROAD, NARROW, RELATED = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
INVERSE: dict[URIRef, URIRef] = {
    EXACT: EXACT,
    CLOSE: CLOSE,
    RELATED: RELATED,
    BROAD: NARROW,
    NARROW: BROAD,
}
#: ``COMPOSE[(p1, p2)]``: the strongest relation that ``S p1 M`` and ``M p2 T`` guarantee
#: between S and T (the table in docs/mappings.md). Only exact keeps a relation as it is and
#: only a chain that keeps one direction (broad, broad / narrow, narrow) stays hierarchical;
#: any chain with close or related, or that turns from narrow to broad, gives at most
#: ``relatedMatch``. Missing pairs imply nothing and are not derived: broad∘narrow (S and T
#: only share a broader M), broad∘related (T relates to some part of M that may not be S),
#: related∘narrow (S relates to M, T is only a part of M) and related∘related (relatedness is
#: not transitive).
COMPOSE: dict[tuple[URIRef, URIRef], URIRef] = {}
for _p in (EXACT, CLOSE, BROAD, NARROW, RELATED):
    COMPOSE[(EXACT, _p)] = _p
    COMPOSE[(_p, EXACT)] = _p
COMPOSE.update(
    {
        (BROAD, BROAD): BROAD,
        (NARROW, NARROW): NARROW,
        (CLOSE, CLOSE): RELATED,  # closeness is not transitive (SKOS)
        (CLOSE, BROAD): RELATED,
        (BROAD, CLOSE): RELATED,
        (CLOSE, NARROW): RELATED,
        (NARROW, CLOSE): RELATED,
        (CLOSE, RELATED): RELATED,
        (RELATED, CLOSE): RELATED,
        (NARROW, BROAD): RELATED,  # S and T both contain M: they overlap
        (NARROW, RELATED): RELATED,  # S contains M, which relates to T
        (RELATED, BROAD): RELATED,  # S relates to M, which is part of T
    }
)
#: Most specific first; used to break ties between chains of equal confidence.
STRENGTH = {EXACT: 0, CLOSE: 1, BROAD: 2, NARROW: 2, RELATED: 3}
LOCAL = {EXACT: "exactMatch", CLOSE: "closeMatch", BROAD: "broadMatch", NARROW: "narrowMatch",
         RELATED: "relatedMatch"}  # fmt: skip
DERIVED_SET = "derived"


@dataclass(frozen=True)
class MappingRecordData:
    """What derivation needs of one curated mapping record."""

    record: URIRef
    subject: URIRef
    predicate: URIRef
    object: URIRef
    subject_framework: URIRef
    object_framework: URIRef
    confidence: Decimal | None = None


@dataclass(frozen=True)
class _Step:
    """One curated record read forwards or inverted."""

    start: URIRef
    predicate: URIRef
    end: URIRef
    start_fw: URIRef
    end_fw: URIRef
    record: MappingRecordData
    inverted: bool


def records_from_graph(g: Graph) -> list[MappingRecordData]:
    """The curated (``pcfg:derived false``) mapping records of a curated set's graph."""
    out: list[MappingRecordData] = []
    for r in g.subjects(RDF.type, PCFG.MappingRecord):
        if not isinstance(r, URIRef) or g.value(r, PCFG.derived) == Literal(True):
            continue
        s, p, o = (g.value(r, OWL.annotatedSource), g.value(r, OWL.annotatedProperty),
                   g.value(r, OWL.annotatedTarget))  # fmt: skip
        sf, of = g.value(r, PCFG.sourceFramework), g.value(r, PCFG.targetFramework)
        if not all(isinstance(x, URIRef) for x in (s, p, o, sf, of)) or p not in INVERSE:
            continue
        conf = g.value(r, SSSOM.confidence)
        out.append(
            MappingRecordData(
                record=r,
                subject=URIRef(str(s)),
                predicate=URIRef(str(p)),
                object=URIRef(str(o)),
                subject_framework=URIRef(str(sf)),
                object_framework=URIRef(str(of)),
                confidence=Decimal(str(conf)) if isinstance(conf, Literal) else None,
            )
        )
    return sorted(out, key=lambda d: str(d.record))


def no_counterparts_from_graph(g: Graph) -> set[tuple[URIRef, URIRef]]:
    """``(element, framework)`` pairs a curated set records as having no counterpart."""
    out: set[tuple[URIRef, URIRef]] = set()
    for nc in g.subjects(RDF.type, PCFG.NoCounterpart):
        element, fw = g.value(nc, PCFG.element), g.value(nc, PCFG.noCounterpartIn)
        if isinstance(element, URIRef) and isinstance(fw, URIRef):
            out.add((element, fw))
    return out


def negatives_from_graph(g: Graph) -> set[tuple[URIRef, URIRef]]:
    """``(subject, object)`` pairs a curated set records a negative mapping for
    (``predicate_modifier: Not``)."""
    out: set[tuple[URIRef, URIRef]] = set()
    for r in g.subjects(RDF.type, PCFG.NegativeMapping):
        s, o = g.value(r, SSSOM.subject_id), g.value(r, SSSOM.object_id)
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            out.add((s, o))
    return out


def _records(
    curated: Iterable[Graph | MappingRecordData],
) -> tuple[list[MappingRecordData], set[tuple[URIRef, URIRef]], set[tuple[URIRef, URIRef]]]:
    out: list[MappingRecordData] = []
    none: set[tuple[URIRef, URIRef]] = set()
    negatives: set[tuple[URIRef, URIRef]] = set()
    for item in curated:
        if isinstance(item, Graph):
            out.extend(records_from_graph(item))
            none |= no_counterparts_from_graph(item)
            negatives |= negatives_from_graph(item)
        else:
            out.append(item)
    return out, none, negatives


def _of_curated_sets(curated: Iterable[Graph | MappingRecordData], prop: URIRef) -> set[Node]:
    """What the curated set graphs among ``curated`` state as ``prop`` of their sets."""
    return {
        value
        for item in curated
        if isinstance(item, Graph)
        for ms in item.subjects(RDF.type, PCFG.MappingSet)
        for value in item.objects(ms, prop)
    }


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


def _product(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a * b


def derive_mappings(
    curated: Iterable[Graph | MappingRecordData],
    no_counterparts: Iterable[tuple[URIRef, URIRef]] = (),
    negatives: Iterable[tuple[URIRef, URIRef]] = (),
) -> Graph:
    """All derived mappings of the curated records (or curated set graphs) as one graph.

    ``no_counterparts`` are ``(element, framework)`` pairs curated as having no counterpart,
    ``negatives`` ``(subject, object)`` pairs curated as *not* mapping (both read
    automatically from graphs); nothing is derived against them.
    """
    curated = list(curated)
    records, none, negated = _records(curated)
    none |= set(no_counterparts)
    negated |= set(negatives)
    # The derived rows state the curated sets' identifiers: the derived set carries their
    # licences, their rights (APQC's notice, on sets of PCF elements) and their notes (the
    # notice in words, what the licence covers).
    licences = sorted(_of_curated_sets(curated, DCTERMS.license), key=str)
    rights = sorted(_of_curated_sets(curated, DCTERMS.rights), key=str)
    notes = sorted({str(note) for note in _of_curated_sets(curated, RDFS.comment)})
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    derived_set = iris.mapping_set(DERIVED_SET)
    if notes:  # one note (SSSOM's comment of a set is single-valued)
        g.add((derived_set, RDFS.comment, Literal(" ".join(notes), lang="en")))
    g.add((derived_set, RDF.type, PCFG.MappingSet))
    g.add((derived_set, DCTERMS.title, Literal("Mappings derived by pcfgraph", lang="en")))
    for lic in licences:  # derived from the curated sets, so under their licences
        g.add((derived_set, DCTERMS.license, lic))
    for statement in rights:
        g.add((derived_set, DCTERMS.rights, statement))
    g.add(
        (
            derived_set,
            DCTERMS.description,
            Literal(
                "Inverses of the curated mappings and two-step chains across three frameworks, "
                "computed when the graph is assembled. Each record lists the curated records it "
                "follows from (pcfg:chain).",
                lang="en",
            ),
        )
    )

    curated_pairs = (
        {(r.subject, r.object) for r in records}
        | {(r.object, r.subject) for r in records}
        | negated
        | {(o, s) for s, o in negated}
    )

    # (a) inverses
    stated = {(r.subject, r.object) for r in records}
    for r in records:
        if (r.object, r.subject) in stated:
            continue  # the curators stated this direction themselves
        if (r.object, r.subject) in negated or (r.subject, r.object) in negated:
            continue  # a curator also said some relation does not hold: do not restate
        inv = INVERSE[r.predicate]
        _emit(
            g,
            derived_set,
            subject=r.object,
            predicate=inv,
            obj=r.subject,
            subject_fw=r.object_framework,
            object_fw=r.subject_framework,
            confidence=r.confidence,
            justification=SEMAPV.MappingInversion,
            chain=[r.record],
            key=_key("inverse", r.record),
            comment=(
                f"Inverse of the curated mapping {_short(r.subject)} "
                f"skos:{LOCAL[r.predicate]} {_short(r.object)} ({_short(r.record)})."
            ),
        )

    # (b) chains S -> M -> T over curated records read either way
    steps_from: dict[URIRef, list[_Step]] = {}
    for r in records:
        for step in (
            _Step(r.subject, r.predicate, r.object, r.subject_framework, r.object_framework, r,
                  False),
            _Step(r.object, INVERSE[r.predicate], r.subject, r.object_framework,
                  r.subject_framework, r, True),
        ):  # fmt: skip
            steps_from.setdefault(step.start, []).append(step)

    best: dict[tuple[URIRef, URIRef], tuple[tuple[object, ...], _Step, _Step, URIRef]] = {}
    for start in sorted(steps_from):
        for first in steps_from[start]:
            for second in steps_from.get(first.end, []):
                if second.record == first.record:
                    continue
                fws = {first.start_fw, first.end_fw, second.end_fw}
                if len(fws) != 3 or second.start_fw != first.end_fw:
                    continue
                pair = (first.start, second.end)
                if pair in curated_pairs:
                    continue
                if (first.start, second.end_fw) in none or (second.end, first.start_fw) in none:
                    continue  # curated as having no counterpart there
                composed = COMPOSE.get((first.predicate, second.predicate))
                if composed is None:
                    continue
                conf = _product(first.record.confidence, second.record.confidence)
                rank = (
                    -(conf if conf is not None else Decimal(-1)),
                    STRENGTH[composed],
                    str(first.record.record),
                    str(second.record.record),
                )
                if pair not in best or rank < best[pair][0]:
                    best[pair] = (rank, first, second, composed)

    for (s, t), (_rank, first, second, composed) in sorted(best.items()):
        _emit(
            g,
            derived_set,
            subject=s,
            predicate=composed,
            obj=t,
            subject_fw=first.start_fw,
            object_fw=second.end_fw,
            confidence=_product(first.record.confidence, second.record.confidence),
            justification=SEMAPV.MappingChaining,
            chain=[first.record.record, second.record.record],
            key=_key("chain", s, composed, t, first.record.record, second.record.record),
            comment=(
                f"Chained through {_short(first.end)}: {_describe(first)}, then {_describe(second)}. "
                f"skos:{LOCAL[first.predicate]} followed by skos:{LOCAL[second.predicate]} "
                f"gives skos:{LOCAL[composed]}; confidence is the product of the two."
            ),
        )
    return g


def _short(iri: URIRef) -> str:
    """``prm-it/A24`` for a minted IRI: readable comments without repeating the base."""
    return str(iri).removeprefix(iris.ID_BASE)


def _describe(step: _Step) -> str:
    how = "inverse of curated record" if step.inverted else "curated record"
    return (
        f"{_short(step.start)} skos:{LOCAL[step.predicate]} {_short(step.end)} "
        f"({how} {_short(step.record.record)})"
    )


def _emit(
    g: Graph,
    derived_set: URIRef,
    *,
    subject: URIRef,
    predicate: URIRef,
    obj: URIRef,
    subject_fw: URIRef,
    object_fw: URIRef,
    confidence: Decimal | None,
    justification: URIRef,
    chain: list[URIRef],
    key: str,
    comment: str,
) -> None:
    r = iris.mapping_record(DERIVED_SET, key)
    g.add((subject, predicate, obj))
    g.add((r, RDF.type, PCFG.MappingRecord))
    g.add((r, RDF.type, OWL.Axiom))
    g.add((r, OWL.annotatedSource, subject))
    g.add((r, OWL.annotatedProperty, predicate))
    g.add((r, OWL.annotatedTarget, obj))
    g.add((r, SSSOM.mapping_justification, justification))
    if confidence is not None:
        g.add((r, SSSOM.confidence, Literal(confidence, datatype=XSD.decimal)))
    g.add((r, PCFG.derived, Literal(True)))
    g.add((r, PCFG.inMappingSet, derived_set))
    g.add((r, PCFG.sourceFramework, subject_fw))
    g.add((r, PCFG.targetFramework, object_fw))
    g.add((r, RDFS.comment, Literal(comment, lang="en")))
    head = BNode()
    Collection(g, head, list(chain))
    g.add((r, PCFG.chain, head))
