"""The ``Framework`` type (one edition and version of a framework) and the cursor-paginated
element lists of a framework or of the whole graph."""

from __future__ import annotations

from typing import Any

import strawberry

from pcfgraph import cursors, services
from pcfgraph.api.graphql.arguments import (
    AfterArg,
    FirstArg,
    IndustrySpecificArg,
    KindArg,
    LevelArg,
)
from pcfgraph.api.graphql.elements import Element, element
from pcfgraph.api.graphql.prefetch import prefetch
from pcfgraph.api.graphql.resolving import (
    DEFAULT_PAGE_SIZE,
    FRAMEWORKS_KEY,
    Ctx,
    check_first,
    fast,
)
from pcfgraph.api.graphql.resolving import framework_id as spelled_framework
from pcfgraph.errors import InputError, NotFoundError, quoted


def framework_of(info: Ctx, framework_id: str) -> Any:
    objects = info.context.objects
    cached = objects.get(("framework", framework_id))
    if cached is not None:
        return cached

    def convert(f: services.Framework | None) -> Framework:
        if f is None:  # an element's scheme always has a framework id (queries join on it)
            raise RuntimeError(f"framework {framework_id!r} vanished")
        obj = objects[("framework", framework_id)] = framework_obj(f)
        return obj

    return fast(
        info,
        FRAMEWORKS_KEY,
        lambda r: services.framework(r, framework_id),
        lambda: info.context.loaders.framework.load(framework_id),
        convert,
    )


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
    rights: str | None = strawberry.field(
        description="The attribution to cite with this framework's content: the notice its "
        "source file states itself (an APQC workbook's own copyright notice, e.g. "
        '"©2025 APQC and IBM ..." for the industry editions developed with IBM), else its '
        "rights statement (dcterms:rights); null when neither is stated."
    )

    @strawberry.field(description="Number of elements in this framework.")
    def element_count(self, info: Ctx) -> int:
        fid = str(self.id)
        return fast(
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
        kind: KindArg = None,
        level: LevelArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
        industry_specific: IndustrySpecificArg = None,
    ) -> ElementConnection:
        return await list_elements(info, str(self.id), kind, level, first, after, industry_specific)


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
        rights=f.attribution,
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


def _industry_filter(
    r: services.Reader, found: list[services.Element], specific: bool
) -> list[services.Element]:
    frameworks = {e.framework_id for e in found if e.pcf_id is not None}
    iris = set().union(*(services.industry_specific_iris(r, fid) for fid in sorted(frameworks)))
    return [e for e in found if (e.iri in iris) == specific]


async def list_elements(
    info: Ctx,
    framework: str | None,
    kind: str | None,
    level: int | None,
    first: int | None,
    after: str | None,
    industry_specific: bool | None = None,
) -> ElementConnection:
    size = check_first(first, DEFAULT_PAGE_SIZE, info.context.state.settings)
    if framework is not None:  # PRM-IT is prm-it, one list with one cursor
        framework = await info.context.loaders.run(spelled_framework, framework)
    # The list's cursors are bound to it: a cursor of another framework's list, or of other
    # filters, is an error rather than an offset into this one (Query.elements(framework: X)
    # and Framework(X).elements are the same list).
    scope = {
        "framework": framework,
        "kind": kind,
        "level": level,
        "industrySpecific": industry_specific,
    }
    # ... and to its release: an offset into the list of another (a cursor given out before
    # a reload) continued somewhere else without a word, as MCP's tools refuse it too
    release = info.context.state.release.release_id
    start = (
        cursors.decode("elements", after, scope, argument="after", release=release) + 1
        if after is not None
        else 0
    )
    wanted = info.context.wanted(info)

    def read(r: services.Reader) -> list[services.Element]:
        found = services.list_elements(r, framework=framework, kind=kind, level=level)
        if kind is not None and not found:  # a kind no element has anywhere, or none here?
            index = info.context.search_index()  # ("" too: it answered 0, "none exist")
            unknown = index.unknown_filter(None, kind, empty_is_unknown=True)
            if unknown is not None:  # as search(kind:) refuses it
                raise NotFoundError(f"{unknown[0]}: {unknown[1]}")
        if industry_specific is not None:
            found = _industry_filter(r, found, industry_specific)
        prefetch(r, wanted, elements=found[start : start + size])
        return found

    found = await info.context.loaders.run(read)
    if start > len(found):  # no cursor given out points there: one made by hand
        raise InputError(
            f"cursor {quoted(str(after))} (after) points past the end of its list: after "
            f"item {start}, and the list has {len(found)}; leave after out to start at the "
            "beginning"
        )
    page = found[start : start + size]
    info.context.charge(len(page))
    edges = [
        ElementEdge(
            cursor=cursors.encode("elements", start + i, scope, release=release), node=element(e)
        )
        for i, e in enumerate(page)
    ]
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
