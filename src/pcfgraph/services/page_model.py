"""What the pages and exports show: the plain records the page reads
(:mod:`pcfgraph.services.page_reads`) return, and the small helpers every edge and export
shares (mapping relation names and strengths).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

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


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] if iri else ""


def relation_name(iri: str) -> str:
    """``skos:closeMatch`` -> ``closeMatch``."""
    return local_name(iri)


def inverse_relation(iri: str) -> str:
    return _INVERSE.get(iri, iri)


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
    #: The IRI of the notice to keep with this edition's content (dereferenceable): the one
    #: its source file states itself when there is one, else its rights statement; "" if none.
    notice: str = ""

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


@dataclass(frozen=True)
class NegativeInfo:
    """A curated negative mapping read from one of its ends: ``relation`` (its local name, the
    inverse when that end is the object) does NOT hold between that end and ``other``."""

    relation: str
    other: ElementRef
    comment: str


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
    #: Pending (unreviewed) lexical suggestions: (target framework, target, score).
    suggestions: list[tuple[str, ElementRef, float]] = field(default_factory=list)
    #: Curated negative mappings ("NOT a match") it is an end of, read from it.
    negatives: list[NegativeInfo] = field(default_factory=list)

    @property
    def ref(self) -> ElementRef:
        return ElementRef(self.iri, self.code, self.name, self.framework, self.kind)


@dataclass
class MatrixCell:
    relation: str
    confidence: float | None
    derived: bool
    records: int

    @property
    def strength(self) -> int:
        return RELATION_STRENGTH.get(self.relation, 0)


@dataclass(frozen=True)
class DecidedElsewhere:
    """A "no counterpart" decision a matrix row inherits: where it was made and whether it
    holds (``inherited``) or needs review (and why)."""

    status: str
    reason: str | None
    made_on_title: str
    made_on_code: str | None
    review_reasons: tuple[str, ...]


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
    #: Rows covered only by curated mappings inherited from another APQC edition of their PCF
    #: ID (services.inherited_cover): row IRI -> "inherited" or "needs-review".
    inherited: dict[str, str] = field(default_factory=dict)
    #: Columns those inherited mappings reach.
    inherited_columns: set[str] = field(default_factory=set)
    #: Rows with no mapping and no decision of their own but a curated "no counterpart"
    #: decision made on another APQC edition of their PCF ID (services.inherited_decision):
    #: row IRI -> the decision, in the words every edge gives it.
    inherited_decisions: dict[str, DecidedElsewhere] = field(default_factory=dict)

    def cell(self, row: ElementRef, column: ElementRef) -> MatrixCell | None:
        return self.cells.get((row.iri, column.iri))

    @property
    def gap_rows(self) -> set[str]:
        used = {r for r, _ in self.cells} | set(self.inherited)
        return {r.iri for r in self.rows if r.iri not in used}

    @property
    def gap_columns(self) -> set[str]:
        used = {c for _, c in self.cells} | self.inherited_columns
        return {c.iri for c in self.columns if c.iri not in used}


# --- reads ----------------------------------------------------------------------------------


def humanise_kind(kind: str) -> str:
    """``processGroup`` -> ``process group``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).lower()
