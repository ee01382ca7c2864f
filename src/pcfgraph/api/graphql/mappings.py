"""Mapping types: curated SSSOM mapping sets, mapping records (curated and derived, with the
chain a derived one comes from) and curated negative mappings."""

from __future__ import annotations

import strawberry

from pcfgraph import services
from pcfgraph.api.graphql.elements import Element, element_at
from pcfgraph.api.graphql.enums import InheritanceStatus, MappingDirection, MappingRelation
from pcfgraph.api.graphql.frameworks import Framework, framework_obj, framework_of
from pcfgraph.api.graphql.resolving import Ctx, charged, fast
from pcfgraph.api.graphql.resolving import framework_id as spelled_framework


@strawberry.type(description="A curated SSSOM mapping set (or the set of derived mappings).")
class MappingSet:
    id: strawberry.ID = strawberry.field(
        description="Mapping set id (its IRI path below mapping-set/)."
    )
    iri: str = strawberry.field(description="The mapping set's IRI.")
    title: str | None = strawberry.field(description="Title.")
    description: str | None = strawberry.field(description="What the set maps and how.")
    license: str | None = strawberry.field(description="Licence of the curation (IRI).")
    version: str | None = strawberry.field(description="Version of the set.")
    creator: str | None = strawberry.field(description="Who curated the set.")
    data: strawberry.Private[services.MappingSet]

    @strawberry.field(description="Frameworks the set's subjects come from.")
    async def source_frameworks(self, info: Ctx) -> list[Framework]:
        found = await info.context.loaders.framework.load_many(list(self.data.source_frameworks))
        return [framework_obj(f) for f in found if f is not None]

    @strawberry.field(description="Frameworks the set's objects come from.")
    async def target_frameworks(self, info: Ctx) -> list[Framework]:
        found = await info.context.loaders.framework.load_many(list(self.data.target_frameworks))
        return [framework_obj(f) for f in found if f is not None]


def mapping_set_obj(s: services.MappingSet) -> MappingSet:
    return MappingSet(
        id=strawberry.ID(s.id),
        iri=s.iri,
        title=s.title,
        description=s.description,
        license=s.license,
        version=s.version,
        creator=s.creator,
        data=s,
    )


@strawberry.type(
    description="A mapping record: subject --relation--> object between elements of two "
    "frameworks, with its SSSOM justification, confidence, author and comment. Derived records "
    "(inverses and chains computed by pcfgraph) name the curated records they come from."
)
class Mapping:
    id: strawberry.ID = strawberry.field(description="The record's id (its IRI path).")
    iri: str = strawberry.field(description="The record's IRI.")
    relation: MappingRelation = strawberry.field(description="The SKOS mapping relation.")
    justification: str | None = strawberry.field(
        description='SSSOM mapping justification as a CURIE, e.g. "semapv:ManualMappingCuration".'
    )
    confidence: float | None = strawberry.field(description="Confidence, 0 to 1.")
    comment: str | None = strawberry.field(description="Why the mapping holds (curator's note).")
    author: str | None = strawberry.field(description="Who made the mapping.")
    derived: bool = strawberry.field(
        description="True for mappings computed by pcfgraph, false for curated ones."
    )
    reviewers: list[str] = strawberry.field(
        description="Who reviewed the curated mapping (SSSOM reviewer_label); empty for derived "
        "ones."
    )
    mapping_date: str | None = strawberry.field(
        description="When the curated mapping was made or last decided (SSSOM mapping_date)."
    )
    data: strawberry.Private[services.Mapping]

    @strawberry.field(description="The subject element.")
    def subject(self, info: Ctx) -> Element | None:
        m = self.data
        return element_at(info, m.subject_iri, m.subject_framework)

    @strawberry.field(description="The object element.")
    def object(self, info: Ctx) -> Element | None:
        m = self.data
        return element_at(info, m.object_iri, m.object_framework)

    @strawberry.field(description="The mapping set the record belongs to.")
    def mapping_set(self, info: Ctx) -> MappingSet | None:
        iri = self.data.mapping_set_iri
        if iri is None:
            return None
        return fast(
            info,
            (("mapping-sets",),),
            lambda r: services.mapping_sets(r).get(iri),
            lambda: info.context.loaders.mapping_set.load(iri),
            lambda s: mapping_set_obj(s) if s is not None else None,
        )

    @strawberry.field(
        description="For a derived mapping: the curated mappings it was derived from, in order "
        "(empty for curated ones)."
    )
    def chain(self, info: Ctx) -> list[Mapping]:
        m = self.data
        if not m.derived:
            return []
        return fast(
            info,
            (("chains", m.subject_framework),),
            lambda r: services.chains_of(r, [m])[0],
            lambda: info.context.loaders.chain.load(m),
            charged(info, mapping_obj),
        )


def mapping_obj(m: services.Mapping) -> Mapping:
    return Mapping(
        id=strawberry.ID(m.id),
        iri=m.iri,
        relation=MappingRelation(m.relation),
        justification=m.justification,
        confidence=m.confidence,
        comment=m.comment,
        author=m.author,
        derived=m.derived,
        reviewers=list(m.reviewers),
        mapping_date=m.mapping_date,
        data=m,
    )


@strawberry.type(
    description="A curated negative mapping (SSSOM predicate_modifier Not): the reviewers "
    "decided that the subject is NOT related to the object by this relation. Never a mapping."
)
class NegativeMapping:
    id: strawberry.ID = strawberry.field(description="The record's id (its IRI path).")
    iri: str = strawberry.field(description="The record's IRI.")
    relation: MappingRelation = strawberry.field(
        description="The SKOS relation that does not hold."
    )
    justification: str | None = strawberry.field(
        description='SSSOM mapping justification as a CURIE, e.g. "semapv:ManualMappingCuration".'
    )
    comment: str | None = strawberry.field(description="Why the relation does not hold.")
    reviewers: list[str] = strawberry.field(description="Who decided it (SSSOM reviewer_label).")
    mapping_date: str | None = strawberry.field(description="When it was decided.")
    data: strawberry.Private[services.NegativeMapping]

    @strawberry.field(description="The subject element.")
    def subject(self, info: Ctx) -> Element | None:
        m = self.data
        return element_at(info, m.subject_iri, m.subject_framework)

    @strawberry.field(description="The object element.")
    def object(self, info: Ctx) -> Element | None:
        m = self.data
        return element_at(info, m.object_iri, m.object_framework)


def negative_mapping_obj(m: services.NegativeMapping) -> NegativeMapping:
    return NegativeMapping(
        id=strawberry.ID(m.id),
        iri=m.iri,
        relation=MappingRelation(m.relation),
        justification=m.justification,
        comment=m.comment,
        reviewers=list(m.reviewers),
        mapping_date=m.mapping_date,
        data=m,
    )


@strawberry.type(
    description="A curated mapping seen from an element of another APQC edition or version "
    "with the same PCF ID: inherited from the edition it was made on when the element is "
    "unchanged (same name, definition and parent), else marked as needing review."
)
class InheritedMapping:
    mapping: Mapping = strawberry.field(
        description="The curated record as it was made: `madeOn` is its subject (or its object, "
        "see `side`), not the element it is seen from."
    )
    status: InheritanceStatus = strawberry.field(description="Inherited, or needs review.")
    needs_review: bool = strawberry.field(description="True when status is NEEDS_REVIEW.")
    reasons: list[str] = strawberry.field(
        description='Why it needs review: "renamed", "redefined", "moved" (other parent PCF '
        'ID), "removed" (deprecated in a later version); empty when inherited.'
    )
    side: MappingDirection = strawberry.field(
        description="SUBJECT: `madeOn` is the record's subject; OBJECT: its object."
    )
    data: strawberry.Private[services.InheritedMapping]

    @strawberry.field(description="The element the mapping was made on (same PCF ID).")
    def made_on(self, info: Ctx) -> Element | None:
        m = self.data
        return element_at(info, m.made_on, m.made_on_framework)

    @strawberry.field(description="The framework edition the mapping was made on.")
    def inherited_from(self, info: Ctx) -> Framework:
        return framework_of(info, self.data.made_on_framework)


def inherited_mapping_obj(m: services.InheritedMapping) -> InheritedMapping:
    return InheritedMapping(
        mapping=mapping_obj(m.mapping),
        status=InheritanceStatus(m.status),
        needs_review=m.needs_review,
        reasons=list(m.reasons),
        side=MappingDirection(m.side),
        data=m,
    )


@strawberry.type(
    description="A curated decision that an element has no counterpart in a framework "
    "(pcfg:NoCounterpart, SSSOM sssom:NoTermFound), with why."
)
class NoCounterpart:
    id: strawberry.ID = strawberry.field(description="The record's id (its IRI path).")
    iri: str = strawberry.field(description="The record's IRI.")
    reason: str | None = strawberry.field(description="Why there is no counterpart.")
    data: strawberry.Private[services.NoCounterpart]

    @strawberry.field(description="The framework the element has no counterpart in.")
    def lacks_counterpart_in(self, info: Ctx) -> Framework:
        return framework_of(info, self.data.target_framework)


async def negatives_of(
    info: Ctx, e: services.Element, framework: object | None
) -> list[NegativeMapping]:
    """``Element.negativeMappings``: the curated negative mappings ``e`` is an end of (read
    once per release, then filtered), towards ``framework`` when given. GraphQL gave them
    between two frameworks only, so a client reading an element heard of none."""

    def read(r: services.Reader) -> list[services.NegativeMapping]:
        fid = _other_framework(r, framework)
        return [
            n
            for n in services.negative_mappings(r)
            if e.iri in (n.subject_iri, n.object_iri)
            and (fid is None or fid == (n.object_framework if n.subject_iri == e.iri
                                        else n.subject_framework))
        ]  # fmt: skip

    found = await info.context.loaders.run(read)
    info.context.charge(len(found))
    return [negative_mapping_obj(n) for n in found]


async def no_counterparts_of(
    info: Ctx, e: services.Element, framework: object | None
) -> list[NoCounterpart]:
    """``Element.noCounterparts``: ``e``'s curated no-counterpart decisions (read once per
    framework and release), towards ``framework`` when given; the element page and MCP
    get_element give them, GraphQL only as rows of ``gaps``."""

    def read(r: services.Reader) -> list[services.NoCounterpart]:
        fid = _other_framework(r, framework)
        return [
            n
            for n in services.no_counterparts(r, e.framework_id, target=fid)
            if n.element_iri == e.iri
        ]

    found = await info.context.loaders.run(read)
    info.context.charge(len(found))
    return [
        NoCounterpart(id=strawberry.ID(n.id), iri=n.iri, reason=n.reason, data=n) for n in found
    ]


def _other_framework(reader: services.Reader, framework: object | None) -> str | None:
    """A ``framework:`` argument as the data spells it, refused naming it when unknown."""
    if framework is None:
        return None
    fid = str(spelled_framework(reader, framework))
    services.check_framework(reader, fid, argument="framework")
    return fid
