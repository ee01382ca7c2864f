"""The GraphQL schema: framework editions, their elements, measures, curated and derived mappings,
and search. The names here are the public contract (``tests/snapshots/schema.graphql``).

Types are thin views over :mod:`pcfgraph.services` dataclasses: scalar fields are filled in
when an object is made, relations are resolved through the per-request loaders.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, TypeVar, cast

import anyio.to_thread
import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from pcfgraph import iris, services
from pcfgraph.api.graphql.context import GraphQLContext
from pcfgraph.api.graphql.documents import DocumentCache, DocumentStore
from pcfgraph.api.graphql.errors import ErrorPolicy
from pcfgraph.api.graphql.fastpath import streamline
from pcfgraph.api.graphql.limits import query_limits_rule
from pcfgraph.api.graphql.prefetch import prefetch
from pcfgraph.config import Settings
from pcfgraph.errors import InputError

Ctx = Info[GraphQLContext, None]
T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")

#: ``first`` when a paginated field is not given one.
DEFAULT_PAGE_SIZE = 50
#: ``first`` of ``search`` when not given.
DEFAULT_SEARCH_SIZE = 20
#: Largest number of objects (elements, mappings, measures ...) list fields may return in one
#: request, unless ``Settings.graphql_max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 50_000
#: Operations in one batched request, when batching is allowed.
MAX_BATCH_OPERATIONS = 10

_FIRST_DOC = (
    "Page size: 0 to the server's maximum page size (graphql_max_page_size, default 500); "
    "larger values are rejected, not clamped. Defaults to 50."
)


def _check_first(first: int | None, default: int, settings: Settings) -> int:
    """Page size: ``first`` must be 0..graphql_max_page_size (rejected, never clamped)."""
    if first is None:
        return min(default, settings.graphql_max_page_size)
    if first < 0 or first > settings.graphql_max_page_size:
        raise InputError(
            f"first must be between 0 and {settings.graphql_max_page_size}, not {first}"
        )
    return first


def _fast(
    info: Ctx,
    keys: tuple[tuple[object, ...], ...],
    sync: Callable[[services.Reader], T],
    slow: Callable[[], Awaitable[T]],
    convert: Callable[[T], R],
) -> Any:
    """Resolve from the request's memo when the framework-wide read it needs is loaded already
    (no task, no thread, no loader round trip: most fields of a tree), else through the loader.
    The result is either the value or an awaitable of it; graphql-core accepts both."""
    if info.context.reader.has(*keys):
        return convert(sync(info.context.reader))

    async def later() -> R:
        return convert(await slow())

    return later()


def _index_key(framework_id: str) -> tuple[tuple[object, ...], ...]:
    return (("framework-index", framework_id),)


_FRAMEWORKS_KEY: tuple[tuple[object, ...], ...] = (("frameworks",),)


def _charged(info: Ctx, make: Callable[[V], R]) -> Callable[[list[V]], list[R]]:
    def convert(items: list[V]) -> list[R]:
        info.context.charge(len(items))
        return [make(x) for x in items]

    return convert


def _framework_of(info: Ctx, framework_id: str) -> Any:
    objects = info.context.objects
    cached = objects.get(("framework", framework_id))
    if cached is not None:
        return cached

    def convert(f: services.Framework | None) -> Framework:
        if f is None:  # an element's scheme always has a framework id (queries join on it)
            raise RuntimeError(f"framework {framework_id!r} vanished")
        obj = objects[("framework", framework_id)] = framework_obj(f)
        return obj

    return _fast(
        info,
        _FRAMEWORKS_KEY,
        lambda r: services.framework(r, framework_id),
        lambda: info.context.loaders.framework.load(framework_id),
        convert,
    )


def _cached_element(ctx: GraphQLContext, e: services.Element) -> Element:
    """The request's API object of ``e`` (made once per element and request)."""
    obj = ctx.objects.get(("element", e.iri))
    if obj is None or obj.data is not e:
        obj = ctx.objects[("element", e.iri)] = element(e)
    return cast(Element, obj)


def _element_at(info: Ctx, iri: str, framework_id: str) -> Any:
    ctx = info.context
    index = ctx.reader.peek(("framework-index", framework_id))
    if index is not None:  # the common case: no closure, no loader
        e = index.elements.get(iri)
        return _cached_element(ctx, e) if e is not None else None
    return _fast(
        info,
        _index_key(framework_id),
        lambda r: services.framework_index(r, framework_id).elements.get(iri),
        lambda: info.context.loaders.element.load((iri, framework_id)),
        lambda e: element(e) if e is not None else None,
    )


# --- enums -----------------------------------------------------------------------------------


@strawberry.enum(description="A SKOS mapping relation between elements of two frameworks.")
class MappingRelation(Enum):
    EXACT_MATCH = strawberry.enum_value(
        "exactMatch", description="skos:exactMatch: interchangeable meaning."
    )
    CLOSE_MATCH = strawberry.enum_value(
        "closeMatch", description="skos:closeMatch: similar enough to use either in most cases."
    )
    BROAD_MATCH = strawberry.enum_value(
        "broadMatch", description="skos:broadMatch: the object is broader than the subject."
    )
    NARROW_MATCH = strawberry.enum_value(
        "narrowMatch", description="skos:narrowMatch: the object is narrower than the subject."
    )
    RELATED_MATCH = strawberry.enum_value(
        "relatedMatch", description="skos:relatedMatch: associated, neither broader nor narrower."
    )


@strawberry.enum(description="Which end of a mapping record an element is at.")
class MappingDirection(Enum):
    SUBJECT = strawberry.enum_value(
        "subject", description="Records whose subject is the element (its outgoing mappings)."
    )
    OBJECT = strawberry.enum_value(
        "object", description="Records whose object is the element (its incoming mappings)."
    )
    EITHER = strawberry.enum_value("either", description="Both outgoing and incoming records.")


@strawberry.enum(description="Where a search matched.")
class SearchField(Enum):
    CODE = strawberry.enum_value("code", description="The element's code equals the query.")
    NAME = strawberry.enum_value("name", description="The element's name.")
    DEFINITION = strawberry.enum_value("definition", description="The element's definition.")
    ALT_LABEL = strawberry.enum_value(
        "altLabel", description="An alternative or hidden label (skos:altLabel, skos:hiddenLabel)."
    )
    MEASURE = strawberry.enum_value("measure", description="The name of one of its measures.")


# --- object types ----------------------------------------------------------------------------


@strawberry.type(
    description="One edition and version of a process or capability framework "
    "(a SKOS concept scheme), e.g. APQC PCF Cross-Industry 7.4 or IBM PRM-IT."
)
class Framework:
    id: strawberry.ID = strawberry.field(
        description='Short stable framework id ("prm-it", "apqc-pcf-cross-industry-7.4").'
    )
    iri: str = strawberry.field(description="The framework's IRI (dereferenceable).")
    title: str | None = strawberry.field(description="Title of the framework edition.")
    version: str | None = strawberry.field(description='Version, e.g. "7.4" or "V3".')
    edition: str | None = strawberry.field(
        description='Industry edition, e.g. "Cross-Industry" (APQC only).'
    )
    publisher: str | None = strawberry.field(description="Who publishes the framework.")
    license: str | None = strawberry.field(
        description="Licence of the framework content (IRI), when stated."
    )
    source: str | None = strawberry.field(description="What the data was derived from.")

    @strawberry.field(description="Number of elements in this framework.")
    def element_count(self, info: Ctx) -> int:
        fid = str(self.id)
        return _fast(
            info,
            (("element-counts",),),
            services.element_counts,
            lambda: info.context.loaders.run(services.element_counts),
            lambda counts: counts.get(fid, 0),
        )

    @strawberry.field(description="The top-level elements, in code order.")
    async def top_elements(self, info: Ctx) -> list[Element]:
        wanted = info.context.wanted(info)

        def read(r: services.Reader) -> services.FrameworkIndex:
            index = services.framework_index(r, str(self.id))
            prefetch(r, wanted, elements=index.top)
            return index

        index = await info.context.loaders.run(read)
        info.context.charge(len(index.top))
        return [element(e) for e in index.top]

    @strawberry.field(
        description="This framework's elements in tree order, filtered, cursor-paginated."
    )
    async def elements(
        self,
        info: Ctx,
        kind: Annotated[
            str | None, strawberry.argument(description='Only this kind, e.g. "activity".')
        ] = None,
        level: Annotated[
            int | None, strawberry.argument(description="Only this level (top = 1).")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST_DOC)] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to continue after.")
        ] = None,
    ) -> ElementConnection:
        return await _elements(info, str(self.id), kind, level, first, after)


def framework_obj(f: services.Framework) -> Framework:
    return Framework(
        id=strawberry.ID(f.id),
        iri=f.iri,
        title=f.title,
        version=f.version,
        edition=f.edition,
        publisher=f.publisher,
        license=f.license,
        source=f.source,
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
    def framework(self, info: Ctx) -> Framework:
        return _framework_of(info, self.data.framework_id)

    @strawberry.field(description="The parent element (null at the top).")
    def parent(self, info: Ctx) -> Element | None:
        e = self.data
        if e.parent_iri is None:
            return None
        return _element_at(info, e.parent_iri, e.framework_id)

    @strawberry.field(description="Direct children, in code order.")
    def children(self, info: Ctx) -> list[Element]:
        e = self.data
        ctx = info.context
        index = ctx.reader.peek(("framework-index", e.framework_id))
        if index is not None:  # services.children_of, without the closures
            kids = index.children.get(e.iri, [])
            ctx.charge(len(kids))
            return [_cached_element(ctx, k) for k in kids]
        return _fast(
            info,
            _index_key(e.framework_id),
            lambda r: services.children_of(r, [e])[0],
            lambda: info.context.loaders.children.load(e),
            _charged(info, element),
        )

    @strawberry.field(description="Ancestors from the top of the tree down to the parent.")
    def ancestors(self, info: Ctx) -> list[Element]:
        e = self.data
        return _fast(
            info,
            _index_key(e.framework_id),
            lambda r: services.ancestors_of(r, [e])[0],
            lambda: info.context.loaders.ancestors.load(e),
            _charged(info, element),
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
        return _fast(
            info,
            _index_key(e.framework_id),
            lambda r: services.descendants_of(r, [e], max_depth)[0],
            lambda: info.context.loaders.descendants.load((e, max_depth)),
            _charged(info, element),
        )

    @strawberry.field(
        description="Mapping records of this element to elements of other frameworks; "
        "curated only unless includeDerived."
    )
    def mappings(
        self,
        info: Ctx,
        relation: Annotated[
            MappingRelation | None, strawberry.argument(description="Only this relation.")
        ] = None,
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
                description="Outgoing (SUBJECT, default), incoming (OBJECT) or EITHER."
            ),
        ] = MappingDirection.SUBJECT,
    ) -> list[Mapping]:
        e = self.data
        key = (
            e,
            cast(str, direction.value),
            cast(str, relation.value) if relation else None,
            str(framework) if framework is not None else None,
            include_derived,
        )
        sides = ("subject", "object") if key[1] == "either" else (key[1],)
        return _fast(
            info,
            tuple(("mappings", side, e.framework_id) for side in sides),
            lambda r: services.mappings_of(
                r,
                [e],
                direction=key[1],
                relation=key[2],
                framework=key[3],
                include_derived=include_derived,
            )[0],
            lambda: info.context.loaders.mappings.load(key),
            _charged(info, mapping_obj),
        )

    @strawberry.field(description="APQC measures listed for this element.")
    def measures(self, info: Ctx) -> list[Measure]:
        e = self.data
        by_element = info.context.reader.peek(("measures", e.framework_id))
        if by_element is not None:  # services.measures_of, without the closures
            found = by_element.get(e.iri, [])
            info.context.charge(len(found))
            return [measure_obj(m) for m in found]
        return _fast(
            info,
            (("measures", e.framework_id),),
            lambda r: services.measures_of(r, [e])[0],
            lambda: info.context.loaders.measures.load(e),
            _charged(info, measure_obj),
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
            int | None, strawberry.argument(description="Only practices at this maturity level.")
        ] = None,
    ) -> list[Element]:
        st = await info.context.loaders.itcmf.load(self.data)
        found = [p for p, n in st.practices if level is None or n == level]
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


def _apqc_framework(
    framework: strawberry.ID | None, edition: str | None, version: str | None
) -> strawberry.ID | None:
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
        raise InputError(f"edition must contain letters or digits, got {edition!r}") from None
    if framework is not None and str(framework) != fid:
        raise InputError(f"framework {framework!r} and edition/version ({fid!r}) disagree")
    return strawberry.ID(fid)


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
        return _element_at(info, m.subject_iri, m.subject_framework)

    @strawberry.field(description="The object element.")
    def object(self, info: Ctx) -> Element | None:
        m = self.data
        return _element_at(info, m.object_iri, m.object_framework)

    @strawberry.field(description="The mapping set the record belongs to.")
    def mapping_set(self, info: Ctx) -> MappingSet | None:
        iri = self.data.mapping_set_iri
        if iri is None:
            return None
        return _fast(
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
        return _fast(
            info,
            (("chains", m.subject_framework),),
            lambda r: services.chains_of(r, [m])[0],
            lambda: info.context.loaders.chain.load(m),
            _charged(info, mapping_obj),
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
        return _element_at(info, m.subject_iri, m.subject_framework)

    @strawberry.field(description="The object element.")
    def object(self, info: Ctx) -> Element | None:
        m = self.data
        return _element_at(info, m.object_iri, m.object_framework)


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


@strawberry.type(description="An APQC benchmarking measure (metric) listed for a PCF element.")
class Measure:
    id: strawberry.ID = strawberry.field(description="The measure's id (its IRI path).")
    iri: str = strawberry.field(description="The measure's IRI.")
    metric_id: int | None = strawberry.field(description="APQC's numeric metric ID.")
    name: str = strawberry.field(description="Name of the measure.")
    category: str | None = strawberry.field(
        description='Measure category, e.g. "Cost Effectiveness", "Cycle Time".'
    )
    formula: str | None = strawberry.field(description="How the measure is computed.")
    units: str | None = strawberry.field(description='Units, lower case ("percent", "dollars").')
    description: str | None = strawberry.field(description="Further description.")
    data: strawberry.Private[services.Measure]

    @strawberry.field(description="The element the measure is listed for.")
    def element(self, info: Ctx) -> Element | None:
        m = self.data
        return _element_at(info, m.element_iri, m.framework_id)


def measure_obj(m: services.Measure) -> Measure:
    return Measure(
        id=strawberry.ID(m.id),
        iri=m.iri,
        metric_id=m.metric_id,
        name=m.name,
        category=m.category,
        formula=m.formula,
        units=m.units,
        description=m.description,
        data=m,
    )


@strawberry.type(description="One search result.")
class SearchHit:
    element: Element = strawberry.field(description="The matching element.")
    score: float = strawberry.field(
        description="Rank score, higher first: code 100, name 60-90, definition 30-40."
    )
    field: SearchField = strawberry.field(description="Where the text matched.")
    snippet: str = strawberry.field(
        description="HTML: the matched field, HTML-escaped, matches wrapped in <mark></mark>; "
        "long definitions cut around the match with an ellipsis (…)."
    )
    matched_on: str = strawberry.field(
        description='What matched, in words: "PCF ID 20641", "code A25", "name", '
        '"altLabel "SLA"", "definition", "measure"; with the search-vocabulary synonyms '
        "used, if any."
    )


@strawberry.type(description="How many matches one value of a facet has.")
class SearchFacetValue:
    value: str = strawberry.field(description="Framework id, framework family or kind.")
    count: int = strawberry.field(description="Matching elements with this value.")


@strawberry.type(description="A page of search hits with totals, facets and corrections.")
class SearchResults:
    hits: list[SearchHit] = strawberry.field(description="The hits of this page, best first.")
    total_count: int = strawberry.field(description="Matching elements across all pages.")
    framework_facet: list[SearchFacetValue] = strawberry.field(
        description="Matches per framework edition id (before the filters)."
    )
    family_facet: list[SearchFacetValue] = strawberry.field(
        description='Matches per framework family ("apqc-pcf" for every APQC edition).'
    )
    kind_facet: list[SearchFacetValue] = strawberry.field(
        description="Matches per element kind (before the filters)."
    )
    did_you_mean: str | None = strawberry.field(
        description="The query with misspelt words corrected, when there were any."
    )
    corrected: bool = strawberry.field(
        description="The hits were found with corrected words (see didYouMean)."
    )


@strawberry.type(description="Relay pagination state of a connection.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More elements follow the last edge.")
    has_previous_page: bool = strawberry.field(description="Elements precede the first edge.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass as `after`."
    )


@strawberry.type(description="An element with its cursor.")
class ElementEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")
    node: Element = strawberry.field(description="The element.")


@strawberry.type(description="A page of elements (Relay connection).")
class ElementConnection:
    edges: list[ElementEdge] = strawberry.field(description="The elements of this page.")
    nodes: list[Element] = strawberry.field(
        description="The elements of this page, without cursors."
    )
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Number of elements across all pages.")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"element:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "element":
            raise ValueError
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError(f"invalid cursor {cursor!r}") from None


async def _elements(
    info: Ctx,
    framework: str | None,
    kind: str | None,
    level: int | None,
    first: int | None,
    after: str | None,
) -> ElementConnection:
    size = _check_first(first, DEFAULT_PAGE_SIZE, info.context.state.settings)
    start = _offset(after) + 1 if after is not None else 0
    wanted = info.context.wanted(info)

    def read(r: services.Reader) -> list[services.Element]:
        found = services.list_elements(r, framework=framework, kind=kind, level=level)
        prefetch(r, wanted, elements=found[start : start + size])
        return found

    found = await info.context.loaders.run(read)
    page = found[start : start + size]
    info.context.charge(len(page))
    edges = [ElementEdge(cursor=_cursor(start + i), node=element(e)) for i, e in enumerate(page)]
    return ElementConnection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=start + len(page) < len(found),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(found),
    )


def _facet(counts: dict[str, int]) -> list[SearchFacetValue]:
    return [SearchFacetValue(value=k, count=v) for k, v in counts.items()]


async def _search(
    info: Ctx,
    text: str,
    framework: strawberry.ID | None,
    kind: str | None,
    first: int | None,
    offset: int,
) -> SearchResults:
    size = _check_first(first, DEFAULT_SEARCH_SIZE, info.context.state.settings)
    if len(text) > 200:
        raise InputError("search text is limited to 200 characters")
    if offset < 0 or offset > 10_000:
        raise InputError("offset must be between 0 and 10000")
    index = await anyio.to_thread.run_sync(info.context.search_index)
    result = index.query(
        text,
        framework=str(framework) if framework is not None else None,
        kind=kind,
        limit=size,
        offset=offset,
    )
    hits = result.hits
    wanted = info.context.wanted(info)
    if wanted.reads:
        await info.context.loaders.run(prefetch, wanted, elements=[h.element for h in hits])
    info.context.charge(len(hits))
    return SearchResults(
        hits=[
            SearchHit(
                element=element(h.element),
                score=h.score,
                field=SearchField(h.field),
                snippet=h.snippet,
                matched_on=h.matched_on,
            )
            for h in hits
        ],
        total_count=result.total,
        framework_facet=_facet(result.facets.get("framework", {})),
        family_facet=_facet(result.facets.get("family", {})),
        kind_facet=_facet(result.facets.get("kind", {})),
        did_you_mean=result.did_you_mean,
        corrected=result.corrected,
    )


# --- the query root --------------------------------------------------------------------------


@strawberry.type(
    description="Read access to the framework graph: frameworks, elements, mappings, search."
)
class Query:
    @strawberry.field(description="Every framework edition, ordered by id.")
    async def frameworks(self, info: Ctx) -> list[Framework]:
        return [framework_obj(f) for f in await info.context.loaders.run(services.frameworks)]

    @strawberry.field(description="One framework edition by id; null when there is none.")
    async def framework(
        self,
        info: Ctx,
        id: Annotated[
            strawberry.ID, strawberry.argument(description='Framework id, e.g. "prm-it".')
        ],
    ) -> Framework | None:
        f = await info.context.loaders.framework.load(str(id))
        return framework_obj(f) if f is not None else None

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
        framework = _apqc_framework(framework, edition, version)

        def read(r: services.Reader) -> services.Element:
            found = services.element_by(
                r,
                id=str(id) if id is not None else None,
                iri=iri,
                pcf_id=pcf_id,
                code=code,
                framework=str(framework) if framework is not None else None,
            )
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
        kind: Annotated[
            str | None, strawberry.argument(description='Only this kind, e.g. "activity".')
        ] = None,
        level: Annotated[
            int | None, strawberry.argument(description="Only this level (top = 1).")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST_DOC)] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to continue after.")
        ] = None,
    ) -> ElementConnection:
        return await _elements(
            info, str(framework) if framework is not None else None, kind, level, first, after
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
        text: Annotated[str, strawberry.argument(description="Words or a phrase to find.")],
        framework: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description='Only this framework id, or family ("apqc-pcf": every APQC edition).'
            ),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="Number of hits (default 20, at most the page size)."),
        ] = None,
        kind: Annotated[
            str | None,
            strawberry.argument(description='Only elements of this kind, e.g. "activity".'),
        ] = None,
    ) -> list[SearchHit]:
        return (await _search(info, text, framework, kind, first, 0)).hits

    @strawberry.field(
        description="The same search as `search`, with the total, facet counts by framework, "
        "family and kind, paging and did-you-mean."
    )
    async def search_results(
        self,
        info: Ctx,
        text: Annotated[str, strawberry.argument(description="Words or a phrase to find.")],
        framework: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description='Only this framework id, or family ("apqc-pcf": every APQC edition).'
            ),
        ] = None,
        kind: Annotated[
            str | None,
            strawberry.argument(description='Only elements of this kind, e.g. "activity".'),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="Number of hits (default 20, at most the page size)."),
        ] = None,
        offset: Annotated[
            int, strawberry.argument(description="Hits to skip (for the next pages).")
        ] = 0,
    ) -> SearchResults:
        return await _search(info, text, framework, kind, first, offset)

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
        to: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Framework id of the objects."),
        ] = None,
        relation: Annotated[
            MappingRelation | None, strawberry.argument(description="Only this relation.")
        ] = None,
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
            found = services.mappings(
                r,
                source=str(from_) if from_ is not None else None,
                target=str(to) if to is not None else None,
                relation=relation_name,
                min_confidence=min_confidence,
                include_derived=include_derived,
            )
            prefetch(r, wanted, mappings=found)
            return found

        found = await info.context.loaders.run(read)
        info.context.charge(len(found))
        return [mapping_obj(m) for m in found]

    @strawberry.field(
        description="Curated negative mappings (SSSOM predicate_modifier Not) between "
        "frameworks, ordered by subject framework, subject, object framework, object."
    )
    async def negative_mappings(
        self,
        info: Ctx,
        from_: Annotated[
            strawberry.ID | None,
            strawberry.argument(name="from", description="Framework id of the subjects."),
        ] = None,
        to: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Framework id of the objects."),
        ] = None,
    ) -> list[NegativeMapping]:
        found = await info.context.loaders.run(
            lambda r: services.negative_mappings(
                r,
                source=str(from_) if from_ is not None else None,
                target=str(to) if to is not None else None,
            )
        )
        info.context.charge(len(found))
        return [negative_mapping_obj(m) for m in found]

    @strawberry.field(description="Every mapping set, ordered by IRI.")
    async def mapping_sets(self, info: Ctx) -> list[MappingSet]:
        found = await info.context.loaders.run(services.mapping_sets)
        return [mapping_set_obj(s) for s in found.values()]


# --- schema ----------------------------------------------------------------------------------


class MarkExecuted(SchemaExtension):
    """Records in the context that execution started (parse and validation passed)."""

    def on_execute(self):  # type: ignore[no-untyped-def]
        context = self.execution_context.context
        if isinstance(context, GraphQLContext):
            context.executed = True
        yield


class PcfgraphSchema(strawberry.Schema):
    """Logs resolver errors with the request id (:mod:`.errors`) instead of strawberry's
    default traceback logging of every error."""

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:  # type: ignore[no-untyped-def]
        ErrorPolicy.log(errors, execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the limits of ``settings`` (defaults when None)."""
    settings = settings or Settings()
    rules: list[type] = [
        query_limits_rule(
            max_depth=settings.graphql_max_depth, max_aliases=settings.graphql_max_aliases
        )
    ]
    if not settings.graphql_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    config = StrawberryConfig(
        batching_config={"max_operations": MAX_BATCH_OPERATIONS}
        if settings.graphql_allow_batching
        else None,
    )
    documents = DocumentStore()
    schema = PcfgraphSchema(
        query=Query,
        config=config,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: AddValidationRules(rules),
            lambda: DocumentCache(documents),
            ErrorPolicy.configured(hide_suggestions=not settings.graphql_introspection),
            MarkExecuted,
        ],
    )
    streamline(schema)
    return schema


def schema_sdl() -> str:
    """The schema in SDL (what ``pcfgraph export-schema`` prints)."""
    return build_schema().as_str() + "\n"
