"""The query root: frameworks, elements (by any identifier, or listed), search and mappings."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from pcfgraph import iris, services
from pcfgraph.api.graphql.arguments import (
    AfterArg,
    FirstArg,
    IndustrySpecificArg,
    KindArg,
    LevelArg,
    RelationArg,
    SearchFirstArg,
    SearchFrameworkArg,
    SearchKindArg,
    SearchTextArg,
    ToFrameworkArg,
)
from pcfgraph.api.graphql.elements import Element, element
from pcfgraph.api.graphql.frameworks import (
    ElementConnection,
    Framework,
    framework_obj,
    list_elements,
)
from pcfgraph.api.graphql.gaps import (
    Gap,
    GapRow,
    GapsUndecidedArg,
    GapsUnderArg,
    gap_obj,
    read_gaps,
)
from pcfgraph.api.graphql.mappings import (
    Mapping,
    MappingSet,
    NegativeMapping,
    mapping_obj,
    mapping_set_obj,
    negative_mapping_obj,
)
from pcfgraph.api.graphql.prefetch import prefetch
from pcfgraph.api.graphql.resolving import Ctx, framework_id
from pcfgraph.api.graphql.search import SearchHit, SearchResults, run_search
from pcfgraph.errors import InputError, NotFoundError, quoted
from pcfgraph.services.search.identifier_case import element_by_any_case
from pcfgraph.services.search.near import with_nearest


def _apqc_framework(framework: str | None, edition: str | None, version: str | None) -> str | None:
    """``edition`` + ``version`` name an APQC framework id; they must agree with ``framework``."""
    if edition is None and version is None:
        return framework
    if edition is None or version is None:
        raise InputError(
            'edition and version go together (e.g. edition: "Retail", version: "7.2.1")'
        )
    try:
        fid = iris.apqc_framework_id(edition, version)
    except ValueError:
        raise InputError(
            "edition must contain Latin letters or digits (its IRIs are made of them, accents "
            f"dropped), got {quoted(edition)}"
        ) from None
    if framework is not None and str(framework) != fid:
        raise InputError(
            f"framework {quoted(framework)} and edition/version ({quoted(fid)}) disagree"
        )
    return fid


@strawberry.type(
    description="Read access to the framework graph: frameworks, elements, mappings, search."
)
class Query:
    @strawberry.field(description="Every framework edition, ordered by id.")
    async def frameworks(self, info: Ctx) -> list[Framework]:
        return [framework_obj(f) for f in await info.context.loaders.run(services.frameworks)]

    @strawberry.field(
        description="One framework edition by id. An unknown id is an error (extensions.code "
        '"not-found") naming the known ids, as for `element` and every `framework:` argument.'
    )
    async def framework(
        self,
        info: Ctx,
        id: Annotated[
            strawberry.ID, strawberry.argument(description='Framework id, e.g. "prm-it".')
        ],
    ) -> Framework | None:
        spelled = await info.context.loaders.run(framework_id, id)  # PRM-IT is prm-it
        f = await info.context.loaders.framework.load(str(spelled))
        if f is None:  # null read as "exists, nothing to say" to a client that checks no errors
            known = [k.id for k in await info.context.loaders.run(services.frameworks)]
            raise NotFoundError(f"id: {services.no_framework(str(id), known)}")
        return framework_obj(f)

    @strawberry.field(
        description="One element by exactly one identifier: id, iri, pcfId or code. `code` "
        "needs `framework`; a pcfId stated by several framework editions needs `framework` "
        "too. An unknown or ambiguous lookup is an error naming the problem."
    )
    async def element(
        self,
        info: Ctx,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description='Element id, e.g. "prm-it/A24".'),
        ] = None,
        iri: Annotated[str | None, strawberry.argument(description="Element IRI.")] = None,
        pcf_id: Annotated[
            int | None, strawberry.argument(description="APQC PCF ID, e.g. 20635.")
        ] = None,
        code: Annotated[
            str | None,
            strawberry.argument(description='Code within `framework`, e.g. "8.1.5.3" or "A24".'),
        ] = None,
        framework: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Framework id to look in."),
        ] = None,
        edition: Annotated[
            str | None,
            strawberry.argument(
                description='APQC edition to look in, with `version` (e.g. "Retail"); '
                "the same as framework apqc-pcf-<edition>-<version>."
            ),
        ] = None,
        version: Annotated[
            str | None,
            strawberry.argument(description='APQC version to look in, with `edition` ("7.2.1").'),
        ] = None,
    ) -> Element | None:
        wanted = info.context.wanted(info)

        def read(r: services.Reader) -> services.Element:
            # identifiers matched ignoring case, as MCP's tools match them
            fid = _apqc_framework(framework_id(r, framework), edition, version)
            within = str(fid) if fid is not None else None
            ref = str(id) if id is not None else None
            try:
                found = element_by_any_case(
                    r,
                    info.context.search_index,
                    id=ref,
                    iri=iri,
                    pcf_id=pcf_id,
                    code=code,
                    framework=within,
                )
            except NotFoundError as exc:  # and what it is close to, as MCP's tools say
                given = ref or iri or code or str(pcf_id)
                index = info.context.search_index()
                raise NotFoundError(with_nearest(str(exc), r, index, given, within)) from None
            prefetch(r, wanted, elements=[found])
            return found

        return element(await info.context.loaders.run(read))

    @strawberry.field(
        description="Elements in framework and tree order, filtered, cursor-paginated."
    )
    async def elements(
        self,
        info: Ctx,
        framework: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this framework id.")
        ] = None,
        kind: KindArg = None,
        level: LevelArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
        industry_specific: IndustrySpecificArg = None,
    ) -> ElementConnection:
        return await list_elements(
            info,
            str(framework) if framework is not None else None,
            kind,
            level,
            first,
            after,
            industry_specific,
        )

    @strawberry.field(
        description="Search over every loaded framework edition: identifiers (PCF ID, code) "
        "first, then names, alternative labels, definitions and measure names; stemmed, "
        "accent-insensitive, British/American spelling, abbreviations and synonyms of the "
        "search vocabulary, typos corrected. Ranked: code, name, altLabel, definition, measure."
    )
    async def search(
        self,
        info: Ctx,
        text: SearchTextArg,
        framework: SearchFrameworkArg = None,
        first: SearchFirstArg = None,
        kind: SearchKindArg = None,
    ) -> list[SearchHit]:
        return (await run_search(info, text, framework, kind, first, 0)).hits

    @strawberry.field(
        description="The same search as `search`, with the total, facet counts by framework, "
        "family and kind, paging and did-you-mean."
    )
    async def search_results(
        self,
        info: Ctx,
        text: SearchTextArg,
        framework: SearchFrameworkArg = None,
        kind: SearchKindArg = None,
        first: SearchFirstArg = None,
        offset: Annotated[
            int, strawberry.argument(description="Hits to skip (for the next pages).")
        ] = 0,
    ) -> SearchResults:
        return await run_search(info, text, framework, kind, first, offset)

    @strawberry.field(
        description="Mapping records between frameworks, filtered; curated only unless "
        "includeDerived. Ordered by subject framework, subject, object framework, object."
    )
    async def mappings(
        self,
        info: Ctx,
        from_: Annotated[
            strawberry.ID | None,
            strawberry.argument(name="from", description="Framework id of the subjects."),
        ] = None,
        to: ToFrameworkArg = None,
        relation: RelationArg = None,
        min_confidence: Annotated[
            float | None,
            strawberry.argument(description="Only records with at least this confidence."),
        ] = None,
        include_derived: Annotated[
            bool, strawberry.argument(description="Also derived mappings (inverses, chains).")
        ] = False,
    ) -> list[Mapping]:
        wanted = info.context.wanted(info)
        relation_name = cast(str, relation.value) if relation else None

        def read(r: services.Reader) -> list[services.Mapping]:
            source, target = framework_id(r, from_), framework_id(r, to)  # PRM-IT is prm-it
            _refuse_unknown_frameworks(r, source, target)
            found = services.mappings(
                r,
                source=source,
                target=target,
                relation=relation_name,
                min_confidence=min_confidence,
                include_derived=include_derived,
            )
            prefetch(r, wanted, mappings=found)
            if source is not None and target is not None:
                _other_way(info, r, source, target, found)
            return found

        found = await info.context.loaders.run(read)
        info.context.charge(len(found))
        return [mapping_obj(m) for m in found]

    @strawberry.field(
        description="Curated negative mappings (SSSOM predicate_modifier Not) between "
        "frameworks, ordered by subject framework, subject, object framework, object. Stated "
        "one way, as the curated mappings: asked from: X, to: Y when they are stated from Y "
        "to X, the empty answer says so in extensions.warnings (negative-mappings-other-way)."
    )
    async def negative_mappings(
        self,
        info: Ctx,
        from_: Annotated[
            strawberry.ID | None,
            strawberry.argument(name="from", description="Framework id of the subjects."),
        ] = None,
        to: ToFrameworkArg = None,
    ) -> list[NegativeMapping]:
        def read(r: services.Reader) -> list[services.NegativeMapping]:
            source, target = framework_id(r, from_), framework_id(r, to)  # PRM-IT is prm-it
            _refuse_unknown_frameworks(r, source, target)
            found = services.negative_mappings(r, source=source, target=target)
            if source is not None and target is not None and not found and source != target:
                _negatives_other_way(info, r, source, target)
            return found

        found = await info.context.loaders.run(read)
        info.context.charge(len(found))
        return [negative_mapping_obj(m) for m in found]

    @strawberry.field(
        description="Elements of `framework` with no mapping of their own (curated or "
        "derived, either direction) to any element of another framework (or of `target`), "
        "one per element and other framework, with the curated decision and the mappings "
        "inherited from another APQC edition of their PCF ID; ordered by other framework, "
        "then code. The rows of `pcfgraph gaps` and MCP find_gaps."
    )
    async def gaps(
        self,
        info: Ctx,
        framework: Annotated[
            strawberry.ID, strawberry.argument(description="Framework id of the elements.")
        ],
        target: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only gaps towards this other framework id (not `framework`)."
            ),
        ] = None,
        kind: KindArg = None,
        under: GapsUnderArg = None,
        undecided: GapsUndecidedArg = False,
    ) -> list[Gap]:
        def read(r: services.Reader) -> list[GapRow]:
            found = read_gaps(
                r, str(framework), target, kind, under, undecided, info.context.search_index
            )
            if kind is not None and not found:  # a kind no element has, or no gaps of it?
                unknown = info.context.search_index().unknown_filter(
                    None, kind, empty_is_unknown=True
                )
                if unknown is not None:  # as elements(kind:) refuses it
                    raise NotFoundError(f"{unknown[0]}: {unknown[1]}")
            return found

        found = await info.context.loaders.run(read)
        info.context.charge(len(found))
        return [gap_obj(info, *g) for g in found]

    @strawberry.field(description="Every mapping set, ordered by IRI.")
    async def mapping_sets(self, info: Ctx) -> list[MappingSet]:
        found = await info.context.loaders.run(services.mapping_sets)
        return [mapping_set_obj(s) for s in found.values()]


def _other_way(
    info: Ctx, reader: services.Reader, source: str, target: str, found: list[services.Mapping]
) -> None:
    """Warn when no curated record is stated from ``source`` to ``target`` but some are the
    other way round: the curated sets map one direction (APQC to PRM-IT), and ``[]`` (or the
    derived inverses alone) read as "no curated mappings" (MCP get_mappings says so too)."""
    if source == target or any(not m.derived for m in found):
        return
    if services.mappings(reader, source=source, target=target):
        return  # stated this way, left out by relation or minConfidence
    count = len(services.mappings(reader, source=target, target=source))
    _warn_other_way(info, "mappings", "curated mapping", count, source, target)


def _negatives_other_way(info: Ctx, reader: services.Reader, source: str, target: str) -> None:
    """Warn when no negative mapping is stated from ``source`` to ``target`` but some are the
    other way round, as ``mappings`` says ``mappings-other-way``: the curated sets state their
    rejections one way too (APQC to PRM-IT), and ``negativeMappings(from: "prm-it", to:
    APQC)`` answered ``[]`` without a word, read as "nothing was rejected" (MCP get_mappings
    counts them, ``negativeMappingsOtherWay``)."""
    count = len(services.negative_mappings(reader, source=target, target=source))
    _warn_other_way(info, "negativeMappings", "negative mapping", count, source, target)


def _warn_other_way(
    info: Ctx, field: str, record: str, count: int, source: str, target: str
) -> None:
    """The warning that ``count`` records asked for from ``source`` to ``target`` are stated
    the other way round (none: no warning), naming the question that finds them: its code
    is the field's name in kebab case (``mappings-other-way``,
    ``negative-mappings-other-way``)."""
    if not count:
        return
    code = "".join(f"-{c.lower()}" if c.isupper() else c for c in field) + "-other-way"
    info.context.warnings.append(
        {
            "code": code,
            "message": f"no {record} is stated from {source} to {target}; {count} are stated "
            f'from {target} to {source}: ask {field}(from: "{target}", to: "{source}")',
            "count": count,
        }
    )


def _refuse_unknown_frameworks(reader: services.Reader, from_: object, to: object) -> None:
    """A ``from:``/``to:`` naming no loaded framework is an error that names the argument."""
    for argument, value in (("from", from_), ("to", to)):
        if value is not None:
            services.check_framework(reader, str(value), argument=argument)
