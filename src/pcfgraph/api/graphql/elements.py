"""The ``Element`` type: one element of a framework edition, its tree, its mappings and
measures, and the IT-CMF relations of practices.

The GraphQL types refer to each other (an element has a framework and mappings, a framework
and a mapping have elements). The modules of those types import this one; this module refers
back to them only through :func:`strawberry.lazy` and :func:`_types_of` at resolve time, so
the modules form no import cycle.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from pcfgraph import services
from pcfgraph.api.graphql.arguments import OtherFrameworkArg, RelationArg
from pcfgraph.api.graphql.context import GraphQLContext
from pcfgraph.api.graphql.enums import MappingDirection
from pcfgraph.api.graphql.incoming import MAPPINGS_DOC, said_when_only_incoming
from pcfgraph.api.graphql.resolving import Ctx, charged, fast, fast_when, index_key
from pcfgraph.api.graphql.resolving import framework_id as spelled_framework
from pcfgraph.errors import InputError

if TYPE_CHECKING:
    from pcfgraph.api.graphql.frameworks import Framework
    from pcfgraph.api.graphql.history import ElementChange, ElementHistoryEntry
    from pcfgraph.api.graphql.mappings import (
        InheritedMapping,
        Mapping,
        NegativeMapping,
        NoCounterpart,
    )
    from pcfgraph.api.graphql.measures import Measure

_FRAMEWORKS = "pcfgraph.api.graphql.frameworks"
_MAPPINGS = "pcfgraph.api.graphql.mappings"
_MEASURES = "pcfgraph.api.graphql.measures"
_HISTORY = "pcfgraph.api.graphql.history"
FrameworkType = Annotated["Framework", strawberry.lazy(_FRAMEWORKS)]
MappingType = Annotated["Mapping", strawberry.lazy(_MAPPINGS)]
InheritedMappingType = Annotated["InheritedMapping", strawberry.lazy(_MAPPINGS)]
NegativeMappingType = Annotated["NegativeMapping", strawberry.lazy(_MAPPINGS)]
NoCounterpartType = Annotated["NoCounterpart", strawberry.lazy(_MAPPINGS)]
MeasureType = Annotated["Measure", strawberry.lazy(_MEASURES)]
HistoryEntryType = Annotated["ElementHistoryEntry", strawberry.lazy(_HISTORY)]
ElementChangeType = Annotated["ElementChange", strawberry.lazy(_HISTORY)]


def _types_of(module: str) -> ModuleType:
    """A module of types that refers back to ``Element`` (loaded when the schema is built;
    looked up in ``sys.modules`` first: resolvers ask for it once per field)."""
    return sys.modules.get(module) or importlib.import_module(module)


def cached_element(ctx: GraphQLContext, e: services.Element) -> Element:
    """The request's API object of ``e`` (made once per element and request)."""
    obj = ctx.objects.get(("element", e.iri))
    if obj is None or obj.data is not e:
        obj = ctx.objects[("element", e.iri)] = element(e)
    return cast(Element, obj)


def element_at(info: Ctx, iri: str, framework_id: str) -> Any:
    ctx = info.context
    index = services.loaded_index(ctx.reader, framework_id, iri)
    if index is not None:  # the common case: no closure, no loader
        e = index.elements.get(iri)
        return cached_element(ctx, e) if e is not None else None
    return fast(
        info,
        index_key(framework_id),
        lambda r: services.framework_index(r, framework_id).elements.get(iri),
        lambda: info.context.loaders.element.load((iri, framework_id)),
        lambda e: element(e) if e is not None else None,
    )


@strawberry.type(description="An IT-CMF maturity level a practice is at.")
class MaturityLevel:
    number: int | None = strawberry.field(description="Maturity level number, 1 (initial) to 5.")
    name: str = strawberry.field(description="Name of the maturity level.")
    element: Element = strawberry.field(description="The maturity level as an element.")


@strawberry.type(
    description="An element of a framework: a category, process, activity, practice, role ... "
    "Identified by `id` (its IRI path, stable), its `iri`, and within its framework by `code`."
)
class Element:
    id: strawberry.ID = strawberry.field(
        description='Stable id: the IRI path below https://w3id.org/pcfgraph/id/ (e.g. "prm-it/A24").'
    )
    iri: str = strawberry.field(description="The element's IRI (dereferenceable).")
    code: str | None = strawberry.field(
        description='Code within its framework (skos:notation), e.g. "8.1.5.3" or "A24".'
    )
    pcf_id: int | None = strawberry.field(
        description="APQC PCF ID (stable across PCF versions); APQC elements only."
    )
    name: str = strawberry.field(description="Name (skos:prefLabel).")
    definition: str | None = strawberry.field(description="Definition (skos:definition).")
    kind: str | None = strawberry.field(
        description='Kind of element: "category", "processGroup", "process", "activity", '
        '"practice", "role" ... (pcfg:kind of its class).'
    )
    level: int | None = strawberry.field(description="Depth in its framework's tree (top = 1).")
    data: strawberry.Private[services.Element]

    @strawberry.field(description="The framework this element belongs to.")
    def framework(self, info: Ctx) -> FrameworkType:
        return _types_of(_FRAMEWORKS).framework_of(info, self.data.framework_id)

    @strawberry.field(description="The parent element (null at the top).")
    def parent(self, info: Ctx) -> Element | None:
        e = self.data
        if e.parent_iri is None:
            return None
        return element_at(info, e.parent_iri, e.framework_id)

    @strawberry.field(description="Direct children, in code order.")
    def children(self, info: Ctx) -> list[Element]:
        e = self.data
        ctx = info.context
        index = services.loaded_index(ctx.reader, e.framework_id, e.iri)
        if index is not None:  # services.children_of, without the closures
            kids = index.children.get(e.iri, [])
            ctx.charge(len(kids))
            return [cached_element(ctx, k) for k in kids]
        return fast(
            info,
            index_key(e.framework_id),
            lambda r: services.children_of(r, [e])[0],
            lambda: info.context.loaders.children.load(e),
            charged(info, element),
        )

    @strawberry.field(description="Ancestors from the top of the tree down to the parent.")
    def ancestors(self, info: Ctx) -> list[Element]:
        e = self.data
        return fast(
            info,
            index_key(e.framework_id),
            lambda r: services.ancestors_of(r, [e])[0],
            lambda: info.context.loaders.ancestors.load(e),
            charged(info, element),
        )

    @strawberry.field(description="Every element below this one, in tree order.")
    def descendants(
        self,
        info: Ctx,
        max_depth: Annotated[
            int | None,
            strawberry.argument(description="Levels below this element (1 = children only)."),
        ] = None,
    ) -> list[Element]:
        if max_depth is not None and max_depth < 1:
            raise InputError(f"maxDepth must be at least 1, not {max_depth}")
        e = self.data
        return fast_when(
            info,
            services.loaded_index(info.context.reader, e.framework_id, e.iri) is not None,
            lambda r: services.descendants_of(r, [e], max_depth)[0],
            lambda: info.context.loaders.descendants.load((e, max_depth)),
            charged(info, element),
        )

    @strawberry.field(description=MAPPINGS_DOC)
    def mappings(
        self,
        info: Ctx,
        relation: RelationArg = None,
        framework: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only mappings to (from) this framework id."),
        ] = None,
        include_derived: Annotated[
            bool,
            strawberry.argument(
                description="Also derived mappings (inverses of curated ones, chains)."
            ),
        ] = False,
        direction: Annotated[
            MappingDirection,
            strawberry.argument(
                description="Outgoing (SUBJECT, the default), incoming (OBJECT) or both (EITHER)."
            ),
        ] = MappingDirection.SUBJECT,
    ) -> list[MappingType]:
        e = self.data
        fid = str(framework) if framework is not None else None
        reader = info.context.reader
        if fid is not None and reader.has(("frameworks",)):  # else spelled by the loader
            fid = spelled_framework(reader, fid)  # PRM-IT is prm-it, as in every argument
        key = (
            e,
            cast(str, direction.value),
            cast(str, relation.value) if relation else None,
            fid,
            include_derived,
        )
        found = fast_when(
            info,
            services.mappings_loaded(reader, e, key[1])
            and (fid is None or reader.has(("frameworks",))),
            lambda r: services.mappings_of(
                r,
                [e],
                direction=key[1],
                relation=key[2],
                framework=key[3],
                include_derived=include_derived,
            )[0],
            lambda: info.context.loaders.mappings.load(key),
            charged(info, _types_of(_MAPPINGS).mapping_obj),
        )
        if direction is not MappingDirection.SUBJECT:
            return found
        return said_when_only_incoming(info, e, key, found)  # type: ignore[return-value]

    @strawberry.field(
        description="Curated mappings made on another APQC edition or version of this "
        "element's PCF ID (e.g. on Cross-Industry 7.4, seen from Banking): inherited when this "
        "element is unchanged from the one they were made on, else marked as needing review. "
        "Not part of `mappings`, whose records are this element's own."
    )
    async def inherited_mappings(
        self,
        info: Ctx,
        needs_review: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only those needing review; false: only inherited ones."
            ),
        ] = None,
    ) -> list[InheritedMappingType]:
        e = self.data
        if e.pcf_id is None:
            return []
        found = await info.context.loaders.inherited_mappings.load(e)
        if needs_review is not None:
            found = [m for m in found if m.needs_review == needs_review]
        info.context.charge(len(found))
        make = _types_of(_MAPPINGS).inherited_mapping_obj
        return [make(m) for m in found]

    @strawberry.field(
        description="Curated negative mappings (SSSOM predicate_modifier Not) with this element "
        "at either end: the reviewers decided it is NOT related to the other end by its relation."
    )
    async def negative_mappings(
        self, info: Ctx, framework: OtherFrameworkArg = None
    ) -> list[NegativeMappingType]:
        return await _types_of(_MAPPINGS).negatives_of(info, self.data, framework)

    @strawberry.field(
        description="Curated decisions that this element has no counterpart in a framework "
        "(pcfg:NoCounterpart, SSSOM sssom:NoTermFound), with why: decided, not unmapped."
    )
    async def no_counterparts(
        self, info: Ctx, framework: OtherFrameworkArg = None
    ) -> list[NoCounterpartType]:
        return await _types_of(_MAPPINGS).no_counterparts_of(info, self.data, framework)

    @strawberry.field(description="APQC measures listed for this element.")
    def measures(self, info: Ctx) -> list[MeasureType]:
        e = self.data
        measure_obj = _types_of(_MEASURES).measure_obj
        found = services.loaded_measures(info.context.reader, e)
        if found is not None:  # services.measures_of, without the closures
            info.context.charge(len(found))
            return [measure_obj(m) for m in found]
        return fast(
            info,
            (("measures", e.framework_id),),
            lambda r: services.measures_of(r, [e])[0],
            lambda: info.context.loaders.measures.load(e),
            charged(info, measure_obj),
        )

    @strawberry.field(description="IT-CMF practices: the maturity level the practice is at.")
    async def maturity_level(self, info: Ctx) -> MaturityLevel | None:
        st = await info.context.loaders.itcmf.load(self.data)
        if st.maturity_level is None:
            return None
        link = st.maturity_level
        return MaturityLevel(
            number=link.level_number, name=link.element.name, element=element(link.element)
        )

    @strawberry.field(description="IT-CMF practices: the capability building block.")
    async def building_block(self, info: Ctx) -> Element | None:
        st = await info.context.loaders.itcmf.load(self.data)
        return element(st.building_block.element) if st.building_block else None

    @strawberry.field(
        description="IT-CMF building blocks and maturity levels: their practices, by level."
    )
    async def practices(
        self,
        info: Ctx,
        level: Annotated[
            int | None,
            strawberry.argument(description="Only practices at this maturity level (1-5)."),
        ] = None,
    ) -> list[Element]:
        st = await info.context.loaders.itcmf.load(self.data)
        found = services.practices_at(st, level)
        info.context.charge(len(found))
        return [element(e) for e in found]

    @strawberry.field(description="IT-CMF practices: the outcomes they achieve.")
    async def outcomes(self, info: Ctx) -> list[Element]:
        st = await info.context.loaders.itcmf.load(self.data)
        info.context.charge(len(st.outcomes))
        return [element(e) for e in st.outcomes]

    @strawberry.field(description="IT-CMF practices: the metrics that measure them.")
    async def metrics(self, info: Ctx) -> list[Element]:
        st = await info.context.loaders.itcmf.load(self.data)
        info.context.charge(len(st.metrics))
        return [element(e) for e in st.metrics]

    @strawberry.field(
        description="Every loaded statement of this element's APQC PCF ID, itself included: one "
        "element per edition and version, by edition then version (oldest first). The PCF ID "
        "is the identity, not the code: codes may differ. Empty without a PCF ID."
    )
    async def versions(self, info: Ctx) -> list[Element]:
        if self.data.pcf_id is None:
            return []
        steps = await info.context.loaders.history.load(self.data)
        info.context.charge(len(steps))
        return [element(step.element) for step in steps]

    @strawberry.field(
        description="What became of this element's PCF ID across the loaded editions and "
        "versions: `versions` with the change from the version before (moved, renamed, "
        "redefined, new, removed) as in `pcfgraph history`. Empty without a PCF ID."
    )
    async def history(self, info: Ctx) -> list[HistoryEntryType]:
        if self.data.pcf_id is None:
            return []
        steps = await info.context.loaders.history.load(self.data)
        info.context.charge(len(steps))
        entry = _types_of(_HISTORY).history_entry
        return [entry(step) for step in steps]

    @strawberry.field(
        description="What differs between this element and the statement of its PCF ID in "
        "another APQC edition or version (e.g. Cross-Industry 7.4, seen from an industry "
        'edition), as `pcfgraph diff` says: "moved" (other hierarchy code), "renamed", '
        '"definition changed", with the value there (oldValue) and here (newValue); "added" '
        "when that edition does not state the PCF ID; empty when they are the same. Empty "
        "without a PCF ID. An unknown framework id is an error."
    )
    async def changes_from(
        self,
        info: Ctx,
        framework: Annotated[
            strawberry.ID,
            strawberry.argument(description="The framework id to compare with."),
        ],
    ) -> list[ElementChangeType]:
        def known(r: services.Reader) -> str:
            fid = str(spelled_framework(r, framework))  # PRM-IT is prm-it, as in every argument
            services.check_framework(r, fid, argument="framework")
            return fid

        checked = ("framework-checked", str(framework))
        if checked not in info.context.objects:  # once per request, not per element
            info.context.objects[checked] = await info.context.loaders.run(known)
        fid = info.context.objects[checked]
        if self.data.pcf_id is None:
            return []
        steps = await info.context.loaders.history.load(self.data)
        found = _types_of(_HISTORY).changes_between(steps, self.data, fid)
        info.context.charge(len(found))
        return cast(list[Any], found)


def element(e: services.Element) -> Element:
    return Element(
        id=strawberry.ID(e.id),
        iri=e.iri,
        code=e.code,
        pcf_id=e.pcf_id,
        name=e.name,
        definition=e.definition,
        kind=e.kind,
        level=e.level,
        data=e,
    )
