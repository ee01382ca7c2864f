"""What the pages show, read from the store with named queries (``queries/web/*.rq``).

A thin adapter kept apart from the views so the pages can switch to the shared domain reads
in ``pcfgraph.services`` without touching templates. Everything here is a pure function of
the store and the query catalog; nothing is cached between requests.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
from markupsafe import Markup, escape

from pcfgraph.errors import NotFoundError
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import GraphStore, Row

SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Strength of a mapping relation, strongest first (matrix colour, diagram order).
RELATION_STRENGTH: Mapping[str, int] = {
    SKOS + "exactMatch": 4,
    SKOS + "closeMatch": 3,
    SKOS + "broadMatch": 2,
    SKOS + "narrowMatch": 2,
    SKOS + "relatedMatch": 1,
}
_INVERSE = {SKOS + "broadMatch": SKOS + "narrowMatch", SKOS + "narrowMatch": SKOS + "broadMatch"}


def text(row: Row, key: str, default: str = "") -> str:
    term = row.get(key)
    if term is None or isinstance(term, ox.Triple):
        return default
    return term.value


def number(row: Row, key: str) -> float | None:
    value = text(row, key)
    try:
        return float(value) if value else None
    except ValueError:
        return None


def integer(row: Row, key: str) -> int | None:
    value = number(row, key)
    return int(value) if value is not None else None


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] if iri else ""


def relation_name(iri: str) -> str:
    """``skos:closeMatch`` -> ``closeMatch``."""
    return local_name(iri)


def inverse_relation(iri: str) -> str:
    return _INVERSE.get(iri, iri)


_NUM_RE = re.compile(r"(\d+)")


def code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of codes: 8.1.10 after 8.1.9, A27 after A3."""
    return tuple(
        (0, int(p)) if p.isdigit() else (1, p.lower()) for p in _NUM_RE.split(code) if p != ""
    )


# --- the things pages show ----------------------------------------------------------------


@dataclass(frozen=True)
class FrameworkInfo:
    iri: str
    id: str
    title: str
    version: str
    edition: str
    publisher: str
    license: str
    rights: str
    rights_label: str
    elements: int

    @property
    def is_apqc(self) -> bool:
        return self.id.startswith("apqc-pcf")


@dataclass(frozen=True)
class ElementRef:
    iri: str
    code: str
    name: str
    framework: str = ""
    kind: str = ""


@dataclass
class TreeNode:
    element: ElementRef
    level: int | None
    definition: str
    pcf_id: int | None
    parent: str
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True)
class MeasureInfo:
    iri: str
    name: str
    metric_id: int | None
    category: str
    units: str
    formula: str


@dataclass(frozen=True)
class ChainLink:
    record: str
    relation: str
    source: str
    source_code: str
    target: str
    target_code: str


@dataclass
class MappingInfo:
    record: str
    relation: str
    #: "out": the element is the record's source; "in": the other side stated it (inverted here).
    direction: str
    other: ElementRef
    confidence: float | None
    justification: str
    comment: str
    author: str
    derived: bool
    chain: list[ChainLink] = field(default_factory=list)

    @property
    def strength(self) -> int:
        return RELATION_STRENGTH.get(self.relation, 0)


@dataclass
class ElementDetail:
    iri: str
    code: str
    name: str
    definition: str
    kind: str
    kind_label: str
    level: int | None
    pcf_id: int | None
    framework: str
    framework_title: str
    breadcrumb: list[ElementRef]
    children: list[ElementRef]
    measures: list[MeasureInfo]
    mappings: list[MappingInfo]
    #: Curated "no counterpart in <framework>" records: (framework id, reason).
    no_counterparts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ref(self) -> ElementRef:
        return ElementRef(self.iri, self.code, self.name, self.framework, self.kind)


@dataclass(frozen=True)
class SearchHit:
    element: ElementRef
    score: float
    name_html: Markup
    snippet_html: Markup


@dataclass
class MatrixCell:
    relation: str
    confidence: float | None
    derived: bool
    records: int

    @property
    def strength(self) -> int:
        return RELATION_STRENGTH.get(self.relation, 0)


@dataclass
class Matrix:
    source: str
    target: str
    rows: list[ElementRef]
    columns: list[ElementRef]
    cells: dict[tuple[str, str], MatrixCell]
    include_derived: bool
    #: Curated "no counterpart" reasons of row elements towards the column framework.
    reasons: dict[str, str] = field(default_factory=dict)

    def cell(self, row: ElementRef, column: ElementRef) -> MatrixCell | None:
        return self.cells.get((row.iri, column.iri))

    @property
    def gap_rows(self) -> set[str]:
        used = {r for r, _ in self.cells}
        return {r.iri for r in self.rows if r.iri not in used}

    @property
    def gap_columns(self) -> set[str]:
        used = {c for _, c in self.cells}
        return {c.iri for c in self.columns if c.iri not in used}


# --- reads ----------------------------------------------------------------------------------


class Reads:
    """The page reads over one store and catalog (both passed in by the caller)."""

    def __init__(self, store: GraphStore, catalog: QueryCatalog) -> None:
        self.store = store
        self.catalog = catalog

    def _select(self, name: str, **params: object) -> list[Row]:
        return self.store.select(self.catalog.get(name), params).rows

    # frameworks

    def frameworks(self) -> list[FrameworkInfo]:
        out: dict[str, FrameworkInfo] = {}
        for r in self._select("web/frameworks"):
            fid = text(r, "id")
            if fid in out:  # several rights/licence values: keep the first
                continue
            out[fid] = FrameworkInfo(
                iri=text(r, "framework"),
                id=fid,
                title=text(r, "title", fid),
                version=text(r, "version"),
                edition=text(r, "edition"),
                publisher=text(r, "publisher"),
                license=text(r, "license"),
                rights=text(r, "rights"),
                rights_label=text(r, "rightsLabel") or _literal_rights(r),
                elements=integer(r, "elements") or 0,
            )
        return list(out.values())

    def framework(self, framework_id: str) -> FrameworkInfo:
        for f in self.frameworks():
            if f.id == framework_id:
                return f
        raise NotFoundError(f"no framework {framework_id!r}")

    def framework_nodes(self, framework_id: str) -> dict[str, TreeNode]:
        """Every element of a framework as tree nodes (children linked, naturally sorted)."""
        nodes: dict[str, TreeNode] = {}
        for r in self._select("web/framework-elements", framework=framework_id):
            iri = text(r, "element")
            node = nodes.get(iri)
            if node is None:
                nodes[iri] = TreeNode(
                    element=ElementRef(
                        iri, text(r, "code"), text(r, "name"), framework_id, text(r, "kind")
                    ),
                    level=integer(r, "level"),
                    definition=text(r, "definition"),
                    pcf_id=integer(r, "pcfId"),
                    parent=text(r, "parent"),
                )
            elif not node.element.kind and text(r, "kind"):
                node.element = ElementRef(
                    iri, node.element.code, node.element.name, framework_id, text(r, "kind")
                )
        for node in nodes.values():
            if node.parent in nodes:
                nodes[node.parent].children.append(node)
        for node in nodes.values():
            node.children.sort(key=lambda n: code_key(n.element.code))
        return nodes

    def framework_tree(self, framework_id: str) -> list[TreeNode]:
        nodes = self.framework_nodes(framework_id)
        roots = [n for n in nodes.values() if n.parent not in nodes]
        return sorted(roots, key=lambda n: code_key(n.element.code))

    # elements

    def element(self, iri: str) -> ElementDetail:
        rows = self._select("web/element", element=iri)
        if not rows:
            raise NotFoundError(f"no framework element <{iri}>")
        r = rows[0]
        kind = next((text(x, "kind") for x in rows if text(x, "kind")), "")
        kind_label = next((text(x, "kindLabel") for x in rows if text(x, "kindLabel")), kind)
        framework = text(r, "framework")
        return ElementDetail(
            iri=iri,
            code=text(r, "code"),
            name=text(r, "name"),
            definition=text(r, "definition"),
            kind=kind,
            kind_label=kind_label,
            level=integer(r, "level"),
            pcf_id=integer(r, "pcfId"),
            framework=framework,
            framework_title=text(r, "frameworkTitle", framework),
            breadcrumb=self.ancestors(iri, framework),
            children=self.children(iri, framework),
            measures=self.measures(iri),
            mappings=self.mappings(iri),
            no_counterparts=[
                (fw, reason)
                for element, fw, reason in self.no_counterparts(framework)
                if element == iri
            ],
        )

    def no_counterparts(
        self, framework: str, other: str | None = None
    ) -> list[tuple[str, str, str]]:
        """(element IRI, other framework id, reason) of curated no-counterpart records."""
        params: dict[str, object] = {"framework": framework}
        if other:
            params["otherFramework"] = other
        rows = self._select("web/no-counterparts", **params)
        return sorted(
            {(text(r, "element"), text(r, "otherFramework"), text(r, "reason")) for r in rows}
        )

    def ancestors(self, iri: str, framework: str = "") -> list[ElementRef]:
        """Root first, parent last."""
        rows = self._select("web/ancestors", element=iri)
        by_iri = {text(r, "ancestor"): r for r in rows}
        parent_of = {a: text(r, "parent") for a, r in by_iri.items()}
        depth: dict[str, int] = {}

        def d(a: str, seen: frozenset[str] = frozenset()) -> int:
            if a not in depth:
                p = parent_of.get(a, "")
                depth[a] = 0 if p not in by_iri or a in seen else d(p, seen | {a}) + 1
            return depth[a]

        ordered = sorted(by_iri, key=d)
        return [
            ElementRef(a, text(by_iri[a], "code"), text(by_iri[a], "name"), framework)
            for a in ordered
        ]

    def children(self, iri: str, framework: str = "") -> list[ElementRef]:
        seen: dict[str, ElementRef] = {}
        for r in self._select("web/children", element=iri):
            c = text(r, "child")
            if c not in seen or (not seen[c].kind and text(r, "kind")):
                seen[c] = ElementRef(
                    c, text(r, "code"), text(r, "name"), framework, text(r, "kind")
                )
        return sorted(seen.values(), key=lambda e: code_key(e.code))

    def measures(self, iri: str) -> list[MeasureInfo]:
        out: dict[str, MeasureInfo] = {}
        for r in self._select("web/measures", element=iri):
            m = text(r, "measure")
            out.setdefault(
                m,
                MeasureInfo(
                    m,
                    text(r, "name"),
                    integer(r, "metricId"),
                    text(r, "category"),
                    text(r, "units"),
                    text(r, "formula"),
                ),
            )
        return list(out.values())

    def mappings(self, iri: str) -> list[MappingInfo]:
        """Curated and derived mappings of an element, strongest first.

        A record stating the mapping from the other side ("in") is shown inverted, unless a
        derived inverse of exactly that record is already listed.
        """
        records: dict[str, MappingInfo] = {}
        for r in self._select("web/element-mappings", element=iri):
            rec = text(r, "record")
            if rec not in records:
                records[rec] = mapping_from_row(r)
        chains: dict[str, list[tuple[int, ChainLink]]] = defaultdict(list)
        for r in self._select("web/mapping-chains", element=iri):
            chains[text(r, "record")].append(
                (
                    integer(r, "position") or 0,
                    ChainLink(
                        text(r, "link"),
                        text(r, "relation"),
                        text(r, "source"),
                        text(r, "sourceCode", local_name(text(r, "source"))),
                        text(r, "target"),
                        text(r, "targetCode", local_name(text(r, "target"))),
                    ),
                )
            )
        for rec, links in chains.items():
            if rec in records:
                records[rec].chain = [link for _, link in sorted(links, key=lambda x: x[0])]
        shown = visible_mappings(records.values())
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

    def framework_mappings(self, framework_id: str) -> dict[str, list[MappingInfo]]:
        """Mappings of every element of a framework (no chains), by element IRI."""
        by_element: dict[str, dict[str, MappingInfo]] = defaultdict(dict)
        for r in self._select("web/framework-mappings", framework=framework_id):
            element, rec = text(r, "element"), text(r, "record")
            if rec not in by_element[element]:
                by_element[element][rec] = mapping_from_row(r)
        out: dict[str, list[MappingInfo]] = {}
        for element, records in by_element.items():
            shown = visible_mappings(records.values())
            shown.sort(key=lambda m: (m.derived, m.other.framework, code_key(m.other.code)))
            out[element] = shown
        return out

    # search

    def search(self, query: str, framework: str | None = None, limit: int = 50) -> list[SearchHit]:
        phrase = " ".join(query.split()).lower()
        if not phrase:
            return []
        params: dict[str, object] = {"q": phrase}
        if framework:
            params["framework"] = framework
        hits: dict[str, SearchHit] = {}
        for r in self._select("web/search", **params):
            iri = text(r, "element")
            if iri in hits:
                continue
            name, definition, code = text(r, "name"), text(r, "definition"), text(r, "code")
            hits[iri] = SearchHit(
                element=ElementRef(iri, code, name, text(r, "framework"), text(r, "kind")),
                score=_score(phrase, name, definition, code),
                name_html=highlight(name, phrase),
                snippet_html=snippet(definition, phrase),
            )
        ranked = sorted(hits.values(), key=lambda h: (-h.score, code_key(h.element.code)))
        return ranked[:limit]

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
        cells: dict[tuple[str, str], MatrixCell] = {}
        for r in self._select("web/mappings-between", source=source, target=target):
            key = (text(r, "row"), text(r, "column"))
            if key[0] not in row_set or key[1] not in col_set:
                continue
            derived = text(r, "derived").lower() in {"true", "1"}
            if derived and not include_derived:
                continue
            relation = text(r, "relation")
            if text(r, "direction") == "in":
                relation = inverse_relation(relation)
            new = MatrixCell(relation, number(r, "confidence"), derived, 1)
            old = cells.get(key)
            if old is None:
                cells[key] = new
                continue
            old.records += 1
            better = (not new.derived, new.strength, new.confidence or 0) > (
                not old.derived,
                old.strength,
                old.confidence or 0,
            )
            if better:
                old.relation, old.confidence, old.derived = (
                    new.relation,
                    new.confidence,
                    new.derived,
                )
        reasons = {element: reason for element, _fw, reason in self.no_counterparts(source, target)}
        return Matrix(source, target, rows, cols, cells, include_derived, reasons)


def mapping_from_row(r: Row) -> MappingInfo:
    direction = text(r, "direction")
    relation = text(r, "relation")
    return MappingInfo(
        record=text(r, "record"),
        relation=relation if direction == "out" else inverse_relation(relation),
        direction=direction,
        other=ElementRef(
            text(r, "other"),
            text(r, "otherCode"),
            text(r, "otherName", local_name(text(r, "other"))),
            text(r, "otherFramework"),
        ),
        confidence=number(r, "confidence"),
        justification=local_name(text(r, "justification")),
        comment=text(r, "comment"),
        author=text(r, "author"),
        derived=text(r, "derived").lower() in {"true", "1"},
    )


def visible_mappings(records: Iterable[MappingInfo]) -> list[MappingInfo]:
    """Records as a reader sees them: stated-from-the-other-side ones only when no derived
    inverse of exactly that record is listed, and only mappings to framework elements."""
    records = list(records)
    derived_out = [m for m in records if m.direction == "out" and m.derived]
    covered = {m.chain[0].record for m in derived_out if len(m.chain) == 1}
    covered_pairs = {(m.other.iri, m.relation) for m in derived_out}
    return [
        m
        for m in records
        if m.other.framework
        and (
            m.direction == "out"
            or (
                not m.derived
                and m.record not in covered
                and (m.other.iri, m.relation) not in covered_pairs
            )
        )
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


def _literal_rights(row: Row) -> str:
    term = row.get("rights")
    return term.value if isinstance(term, ox.Literal) else ""


def _score(phrase: str, name: str, definition: str, code: str) -> float:
    n, d = name.lower(), definition.lower()
    score = 0.0
    if code.lower() == phrase:
        score += 100
    if phrase in n:
        score += 20 + (10 if n.startswith(phrase) else 0) + 10 * len(phrase) / max(len(n), 1)
    if phrase in d:
        score += 5 + min(d.count(phrase), 5)
    return score


def highlight(value: str, phrase: str) -> Markup:
    """``value`` HTML-escaped with every case-insensitive occurrence of ``phrase`` in <mark>."""
    if not phrase:
        return escape(value)
    parts = re.split(f"({re.escape(phrase)})", value, flags=re.IGNORECASE)
    out = Markup("")
    for i, part in enumerate(parts):
        out += Markup("<mark>{}</mark>").format(part) if i % 2 else escape(part)
    return out


def snippet(value: str, phrase: str, width: int = 160) -> Markup:
    """A window of ``value`` around the first match, highlighted."""
    if not value:
        return Markup("")
    at = value.lower().find(phrase) if phrase else -1
    if at < 0 or len(value) <= width:
        cut = value if len(value) <= width else value[:width].rsplit(" ", 1)[0] + " …"
        return highlight(cut, phrase)
    start = max(0, at - width // 3)
    end = min(len(value), start + width)
    text_ = ("… " if start else "") + value[start:end] + (" …" if end < len(value) else "")
    return highlight(text_, phrase)
