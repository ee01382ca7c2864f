"""What the pages show: the shared domain reads (:mod:`pcfgraph.services`, the same reads as
GraphQL and the CLI) shaped for the templates and exports (records in
:mod:`pcfgraph.services.page_model`).

There are no page-specific named queries: attribution text (``services.Framework.rights``) and
curated "no counterpart" records (``services.no_counterparts``) are domain reads too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from pcfgraph import iris, services
from pcfgraph.codes import code_key
from pcfgraph.errors import NotFoundError, quoted
from pcfgraph.queries import QueryCatalog
from pcfgraph.relation_names import inverse_relation_name
from pcfgraph.services.elements import all_indexes
from pcfgraph.services.page_data import load_page_data
from pcfgraph.services.page_model import (
    SKOS,
    ChainLink,
    DecidedElsewhere,
    ElementDetail,
    ElementRef,
    FrameworkInfo,
    MappingInfo,
    Matrix,
    MatrixCell,
    MeasureInfo,
    NegativeInfo,
    TreeNode,
    humanise_kind,
    inverse_relation,
    local_name,
)
from pcfgraph.services.page_search import SearchPage, search_page
from pcfgraph.services.search.identifier_case import naming_the_one_meant, spelled
from pcfgraph.services.search.release import served_index
from pcfgraph.store import GraphStore

if TYPE_CHECKING:
    from pcfgraph.runtime import AppState


class Reads:
    """The page reads: the shared domain reads of :mod:`pcfgraph.services` (the same ones the
    APIs use), shaped for templates. Its services Reader memoises whole-framework reads, so a
    page costs a fixed number of store queries; the server keeps one per served release
    (:func:`reads_for`), since a release never changes."""

    def __init__(self, store: GraphStore, catalog: QueryCatalog) -> None:
        self.store = store
        self.catalog = catalog
        self.reader = services.Reader(store, catalog)
        #: The served release's search index (set by :func:`reads_for`); None: build one.
        self.search_index: Callable[[], services.SearchIndex] | None = None
        #: Whether the whole-framework reads came with the release (its page data).
        self.shipped = False

    # frameworks

    def frameworks(self) -> list[FrameworkInfo]:
        def load() -> list[FrameworkInfo]:
            indexes = all_indexes(self.reader)  # one query for every framework's elements
            return [
                FrameworkInfo(
                    iri=f.iri,
                    id=f.id,
                    title=f.title or f.id,
                    version=f.version or "",
                    edition=f.edition or "",
                    publisher=f.publisher or "",
                    license=f.license or "",
                    rights=f.rights_statement or f.rights or "",
                    rights_label=f.attribution or "",
                    elements=len(indexes[f.id].elements) if f.id in indexes else 0,
                    notice=iris.framework_source_notice_text(f.id)
                    if f.source_rights
                    else (f.rights_statement or ""),
                )
                for f in services.frameworks(self.reader)
            ]

        return self.reader.memo(("web", "frameworks"), load)

    def framework(self, framework_id: str) -> FrameworkInfo:
        for f in self.frameworks():
            if f.id == framework_id:
                return f
        missing = NotFoundError(f"no framework {quoted(framework_id)}")
        raise naming_the_one_meant(missing, framework_id, (f.id for f in self.frameworks()))

    def sources(self, framework_ids: Iterable[str]) -> list[FrameworkInfo]:
        """The frameworks whose content a page shows, for its "Sources and rights" section:
        each edition's licence and attribution (its rights and the notice its source file
        states itself, :attr:`pcfgraph.services.Framework.attribution`), in id order."""
        wanted = set(framework_ids)
        return [f for f in self.frameworks() if f.id in wanted and (f.license or f.rights_label)]

    def _index(self, framework_id: str) -> services.FrameworkIndex:
        return services.framework_index(self.reader, framework_id)

    def ref(self, iri: str, framework_id: str) -> ElementRef:
        """An element of a known framework by IRI (the IRI's last segment when unknown)."""
        e = self._index(framework_id).elements.get(iri) if framework_id else None
        if e is None:
            return ElementRef(iri, "", local_name(iri), framework_id)
        return _ref(e)

    def framework_nodes(self, framework_id: str) -> dict[str, TreeNode]:
        """Every element of a framework as tree nodes (children linked, naturally sorted)."""
        index = self._index(framework_id)
        nodes = {
            e.iri: TreeNode(
                element=_ref(e),
                level=e.level,
                definition=e.definition or "",
                pcf_id=e.pcf_id,
                parent=e.parent_iri or "",
            )
            for e in index.elements.values()
        }
        for iri, node in nodes.items():
            node.children = [nodes[c.iri] for c in index.children.get(iri, [])]
        return nodes

    def framework_tree(self, framework_id: str) -> list[TreeNode]:
        nodes = self.framework_nodes(framework_id)
        return [nodes[e.iri] for e in self._index(framework_id).top]

    # elements

    def element(self, iri: str) -> ElementDetail:
        try:
            found = services.element_by(self.reader, iri=iri)
        except NotFoundError:
            raise NotFoundError(f"no framework element <{iri}>") from None
        index = self._index(found.framework_id)
        e = index.elements.get(iri, found)
        fw = services.framework(self.reader, e.framework_id)
        return ElementDetail(
            iri=iri,
            code=e.code or "",
            name=e.name,
            definition=e.definition or "",
            kind=e.kind or "",
            kind_label=humanise_kind(e.kind or ""),
            level=e.level,
            pcf_id=e.pcf_id,
            framework=e.framework_id,
            framework_title=(fw.title if fw else None) or e.framework_id,
            breadcrumb=[_ref(a) for a in index.ancestors(e)],
            children=[_ref(c) for c in index.children.get(iri, [])],
            measures=[
                MeasureInfo(
                    m.iri, m.name, m.metric_id, m.category or "", m.units or "", m.formula or ""
                )
                for m in services.measures_of(self.reader, [e])[0]
            ],
            mappings=self.mappings(e),
            no_counterparts=[
                (fw_id, reason)
                for element, fw_id, reason in self.no_counterparts(e.framework_id)
                if element == iri
            ],
            suggestions=self.suggestions(e),
            negatives=self.negatives(iri),
        )

    def negatives(self, iri: str) -> list[NegativeInfo]:
        """The curated negative mappings ``iri`` is an end of, each read from it (the inverse
        relation when it is the object): the page said nothing of them, where MCP get_element
        and GraphQL ``Element.negativeMappings`` say "8.1.2.2 is NOT related to A23", so a
        reader took a rejected pair for one not yet decided."""
        found = [
            n
            for n in services.negative_mappings(self.reader)
            if iri in (n.subject_iri, n.object_iri)
        ]
        ends = [
            (n.object_iri, n.object_framework)
            if n.subject_iri == iri
            else (n.subject_iri, n.subject_framework)
            for n in found
        ]
        others = services.elements_by_iris(self.reader, ends)
        return [
            NegativeInfo(
                relation=n.relation if n.subject_iri == iri else inverse_relation_name(n.relation),
                other=_ref(other) if other else ElementRef(end, "", end, framework or ""),
                comment=n.comment or "",
            )
            for n, (end, framework), other in zip(found, ends, others, strict=True)
        ]

    def suggestions(self, e: services.Element) -> list[tuple[str, ElementRef, float]]:
        """Read-only: what ``pcfgraph mappings suggest`` would propose for this element
        towards each framework a curated set maps its framework to (top 3, undecided)."""
        from pcfgraph.mappings import suggest as sg

        r = self.reader
        pairs = r.memo(("suggest", "pairs"), lambda: sg.framework_pairs(r.store, r.catalog))
        known = r.memo(("suggest", "decisions"), lambda: sg.decisions(r.store, r.catalog))
        out: list[tuple[str, ElementRef, float]] = []
        for source, target in pairs:
            if source != e.framework_id:
                continue
            src = r.memo(
                ("suggest", "items", source),
                functools.partial(sg.items, r.store, r.catalog, source),
            )
            tgt = r.memo(
                ("suggest", "items", target),
                functools.partial(sg.items, r.store, r.catalog, target),
            )
            me = next((i for i in src if i.iri == e.iri), None)
            if me is None or not tgt:
                continue
            for x in sg.pending(me, tgt, known):
                out.append(
                    (target, ElementRef(x.object.iri, "", x.object.name, target, ""), x.score)
                )
        return out

    def measures(self, framework_id: str, iri: str) -> list[MeasureInfo]:
        e = self._index(framework_id).elements.get(iri)
        if e is None:
            return []
        return [
            MeasureInfo(
                m.iri, m.name, m.metric_id, m.category or "", m.units or "", m.formula or ""
            )
            for m in services.measures_of(self.reader, [e])[0]
        ]

    def no_counterparts(
        self, framework: str, other: str | None = None
    ) -> list[tuple[str, str, str]]:
        """(element IRI, other framework id, reason) of curated no-counterpart records."""
        return sorted(
            {
                (n.element_iri, n.target_framework, n.reason or "")
                for n in services.no_counterparts(self.reader, framework, target=other or None)
            }
        )

    def _info(self, element_iri: str, m: services.Mapping, with_chain: bool) -> MappingInfo:
        out = m.subject_iri == element_iri
        other_iri, other_fw = (
            (m.object_iri, m.object_framework) if out else (m.subject_iri, m.subject_framework)
        )
        relation = SKOS + m.relation
        info = MappingInfo(
            record=m.iri,
            relation=relation if out else inverse_relation(relation),
            direction="out" if out else "in",
            other=self.ref(other_iri, other_fw),
            confidence=m.confidence,
            justification=(m.justification or "").rsplit(":", 1)[-1],
            comment=m.comment or "",
            author=m.author or "",
            derived=m.derived,
        )
        if with_chain and m.derived:
            info.chain = [
                ChainLink(
                    link.iri,
                    SKOS + link.relation,
                    link.subject_iri,
                    self.ref(link.subject_iri, link.subject_framework).code
                    or local_name(link.subject_iri),
                    link.object_iri,
                    self.ref(link.object_iri, link.object_framework).code
                    or local_name(link.object_iri),
                )
                for link in services.chains_of(self.reader, [m])[0]
            ]
        return info

    def mapping_info(self, element_iri: str, m: services.Mapping) -> MappingInfo:
        """One record as seen from ``element_iri`` (an end of it), without its chain."""
        return self._info(element_iri, m, with_chain=False)

    def mappings(self, e: services.Element) -> list[MappingInfo]:
        """Curated and derived mappings of an element, curated first, strongest first, by
        :func:`visible_mappings` (a record stated from the other side is shown inverted)."""
        records = services.mappings_of(self.reader, [e], direction="either", include_derived=True)
        by_iri = {m.iri: m for m in records[0]}
        # chains only for what is shown: derived records shown have this element as subject,
        # so one chain read (of this element's framework) serves them all
        shown = [
            self._info(e.iri, by_iri[m.record], with_chain=True) if m.derived else m
            for m in visible_mappings(
                self._info(e.iri, r, with_chain=False) for r in by_iri.values()
            )
        ]
        shown.sort(
            key=lambda m: (
                m.derived,
                m.other.framework,
                -m.strength,
                -(m.confidence or 0),
                code_key(m.other.code),
            )
        )
        return shown

    def record(self, e: services.Element, record: str) -> MappingInfo | None:
        """One record of ``e`` (either end, curated or derived) with its chain, listed by
        :meth:`mappings` or not (a derived inverse of a curated record is not): what a
        derived record's own page explains itself with."""
        (records,) = services.mappings_of(
            self.reader, [e], direction="either", include_derived=True
        )
        found = next((m for m in records if m.iri == record), None)
        return None if found is None else self._info(e.iri, found, with_chain=True)

    def framework_mappings(
        self, framework_id: str, *, derived: bool = True
    ) -> dict[str, list[MappingInfo]]:
        """Mappings of every element of a framework (derived ones without chains), by IRI, by
        :func:`visible_mappings`, derived ones only with ``derived``."""
        elements = list(self._index(framework_id).elements.values())
        found = services.mappings_of(
            self.reader, elements, direction="either", include_derived=derived
        )
        out: dict[str, list[MappingInfo]] = {}
        for e, records in zip(elements, found, strict=True):
            infos = {m.iri: self._info(e.iri, m, with_chain=False) for m in records}
            shown = visible_mappings(infos.values())
            if not shown:
                continue
            shown.sort(key=lambda m: (m.derived, m.other.framework, code_key(m.other.code)))
            out[e.iri] = shown
        return out

    # search

    def index(self) -> services.SearchIndex:
        """The served release's search index (built here, once, where none is served)."""
        return self._search_index()

    def _search_index(self) -> services.SearchIndex:
        if self.search_index is not None:
            return self.search_index()
        return self.reader.memo(
            ("web", "search-index"), lambda: services.SearchIndex.build(self.reader)
        )

    def search_families(self) -> list[str]:
        """The families the search's framework filter takes besides framework ids
        (``apqc-pcf``: every APQC edition), as the CLI, GraphQL and MCP take them."""
        ids = {f.id for f in self.frameworks()}
        return sorted(self._search_index().filter_values()[0] - ids)

    def search_framework(self, framework: str | None) -> str | None:
        """The search's framework filter (a framework id or a family) as the index spells
        it, matched ignoring case by the rule of every other edge (``PRM-IT`` is ``prm-it``,
        as GraphQL's ``search(framework:)``, MCP's and the CLI's: it was a 404 here); one
        the index does not know in any case is refused naming the parameter
        (:meth:`SearchIndex.unknown_filter`): no hits would read as "none exist". Not found
        (404), as the CLI, GraphQL and the matrix page's ``source`` say it."""
        index = self._search_index()
        framework = spelled(framework, index.filter_values()[0])
        unknown = index.unknown_filter(framework, None)
        if unknown is not None:
            raise NotFoundError(f"{unknown[0]}: {unknown[1]}")
        return framework

    def search(
        self, query: str, framework: str | None = None, limit: int = 50, *, prefix: bool = False
    ) -> SearchPage:
        """The search page; ``prefix`` (search as you type) completes the last word."""
        index = self._search_index()
        return search_page(
            index.query(query, framework=framework, limit=limit, prefix=prefix), _ref
        )

    # matrix

    def matrix(
        self,
        source: str,
        target: str,
        *,
        row_kinds: Iterable[str],
        column_kinds: Iterable[str],
        include_derived: bool,
        column_root: str | None = None,
    ) -> Matrix:
        rk, ck = set(row_kinds), set(column_kinds)
        row_nodes = self.framework_nodes(source)
        col_nodes = self.framework_nodes(target)
        rows = [n.element for n in row_nodes.values() if n.element.kind in rk]
        cols = [
            n.element
            for n in col_nodes.values()
            if n.element.kind in ck and (column_root is None or _under(n, column_root, col_nodes))
        ]
        rows.sort(key=lambda e: code_key(e.code))
        cols.sort(key=lambda e: (sorted(ck).index(e.kind), code_key(e.code)))
        row_set, col_set = {e.iri for e in rows}, {e.iri for e in cols}
        stated = [
            (m, forward)
            for forward, (a, b) in ((True, (source, target)), (False, (target, source)))
            for m in services.mappings(
                self.reader, source=a, target=b, include_derived=include_derived
            )
        ]
        cells: dict[tuple[str, str], MatrixCell] = {}
        for m, forward in stated:
            key = (m.subject_iri, m.object_iri) if forward else (m.object_iri, m.subject_iri)
            if key[0] not in row_set or key[1] not in col_set:
                continue
            relation = SKOS + m.relation
            new = MatrixCell(
                relation if forward else inverse_relation(relation), m.confidence, m.derived, 1
            )
            old = cells.get(key)
            if old is None:
                cells[key] = new
                continue
            old.records += 1
            if (not new.derived, new.strength, new.confidence or 0) > (
                not old.derived,
                old.strength,
                old.confidence or 0,
            ):
                old.relation, old.confidence, old.derived = (
                    new.relation,
                    new.confidence,
                    new.derived,
                )
        reasons = {element: reason for element, _fw, reason in self.no_counterparts(source, target)}
        matrix = Matrix(source, target, rows, cols, cells, include_derived, reasons)
        # rows with no mapping of their own but curated ones inherited from another edition
        # (as the element page and gaps show them): not gaps
        apqc = iris.is_apqc_framework_id(source)
        covers = services.inherited_cover(self.reader, [source]) if apqc else {}
        for r in rows:
            cover = covers.get((r.iri, target))
            if cover is None or any(key[0] == r.iri for key in cells):
                continue
            matrix.inherited[r.iri] = cover.status
            matrix.inherited_columns |= {
                m.mapping.object_iri if m.side == "subject" else m.mapping.subject_iri
                for m in cover.mappings
            } & col_set
        # rows with neither: a "no counterpart" decision made on another edition (as the
        # element page, gaps and GraphQL show it) is a decision, not an undecided gap
        decisions = services.inherited_decision(self.reader, [source]) if apqc else {}
        mapped_rows = {row for row, _ in cells}
        for r in rows:
            decided = decisions.get((r.iri, target))
            if decided is None or r.iri in reasons or r.iri in matrix.inherited:
                continue
            if r.iri in mapped_rows:
                continue
            first = decided.first
            made_on = services.framework(self.reader, first.made_on_framework)
            matrix.inherited_decisions[r.iri] = DecidedElsewhere(
                decided.status,
                decided.reason,
                (made_on.title if made_on else None) or first.made_on_framework,
                first.made_on_code,
                decided.review_reasons,
            )
        return matrix


def reads_for(state: AppState) -> Reads:
    """The page reads of the release ``state`` serves, shared by the requests on it.

    A release is immutable, so whole-framework reads stay valid for its lifetime; the object
    lives in ``AppState.caches`` next to the release it belongs to and is replaced when a
    reload switches the release (never module-level state).
    """
    release, caches = state.release, state.caches

    def build() -> Reads:
        fresh = Reads(state.store, state.catalog)
        fresh.shipped = load_page_data(fresh, release)  # built with the release, if it has it
        fresh.search_index = lambda: served_index(caches, release, fresh.reader)
        return fresh

    return caches.page_reads.get(release, build)


def _ref(e: services.Element) -> ElementRef:
    return ElementRef(e.iri, e.code or "", e.name, e.framework_id, e.kind or "")


def visible_mappings(records: Iterable[MappingInfo]) -> list[MappingInfo]:
    """Records as a reader sees them, as the mapping matrix picks them: every curated one,
    either way (one stated from the other side inverted), then the derived ones from the
    element to an element no curated record links it to; only mappings to framework
    elements.

    The curated record stated from the other side was hidden behind its derived inverse:
    PRM-IT A24's page listed the eight PCF mappings curated onto it as "Derived"
    (MappingInversion) and three curated ones, where MCP and the matrix gave eleven curated;
    a spreadsheet of PRM-IT without derived mappings dropped all of them."""
    ends = [m for m in records if m.other.framework]
    curated = [m for m in ends if not m.derived]
    linked = {m.other.iri for m in curated}
    return curated + [
        m for m in ends if m.derived and m.direction == "out" and m.other.iri not in linked
    ]


def _under(node: TreeNode, root_code: str, nodes: Mapping[str, TreeNode]) -> bool:
    seen: set[str] = set()
    current: TreeNode | None = node
    while current is not None and current.element.iri not in seen:
        if current.element.code == root_code:
            return True
        seen.add(current.element.iri)
        current = nodes.get(current.parent)
    return False
