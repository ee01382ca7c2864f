"""Spreadsheet export of a framework subtree: CSV or XLSX, with measures and mappings.

Per element: code, PCF ID, name, definition, level, parent code, measures, and its mappings
(relation, target framework, target code and name, confidence, justification), and the
curated mappings made on another APQC edition of its PCF ID, marked with the framework they are
inherited from and, when the element changed since, why they need review. CSV is one
flat table (one row per element and mapping; an element without mappings has one row with
empty mapping columns). XLSX has an ``Elements`` sheet, one sheet per framework pair for the
mappings, a ``Decisions`` sheet with the curated decisions that are no mapping (no
counterpart in a framework, with its reason; a negative mapping, "not" a relation; a no
counterpart decision inherited from another APQC edition) and a ``Sources`` sheet with the
licence and attribution of every framework that appears, each with a bold header row, frozen
panes, filters and sensible column widths. The decisions as CSV are a table of their own
(``table="decisions"``: :data:`DECISION_COLUMNS`), the flat table's columns being a contract.
Reads go through the same named queries as the web pages.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pcfgraph import services
from pcfgraph.cells import safe_xlsx_sheet, write_csv
from pcfgraph.codes import code_key
from pcfgraph.conneg import by_name
from pcfgraph.errors import InputError, NotFoundError, quoted
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.page_model import (
    SKOS,
    ElementRef,
    FrameworkInfo,
    MappingInfo,
    MeasureInfo,
    TreeNode,
    inverse_relation,
    relation_name,
)
from pcfgraph.services.page_reads import Reads
from pcfgraph.services.search.identifier_case import (
    element_named_any_case,
    elsewhere,
    naming_the_one_meant,
    spelled,
)
from pcfgraph.store import GraphStore

CSV_TYPE = by_name("csv").content_type
XLSX_TYPE = by_name("xlsx").content_type

ELEMENT_COLUMNS = (
    "code",
    "pcf_id",
    "name",
    "definition",
    "level",
    "parent_code",
    "measures",
)
MAPPING_COLUMNS = (
    "relation",
    "target_framework",
    "target_code",
    "target_name",
    "confidence",
    "justification",
    "derived",
    "inherited_from",
    "needs_review",
)
#: The CSV of the curated decisions that are no mapping (``--table decisions``,
#: ``?table=decisions``): the XLSX's ``Decisions`` sheet, for which the one flat table has no
#: place (an element decided to have no counterpart read there as undecided), with the same
#: ``rights`` and ``notice`` on every row.
DECISION_COLUMNS = (
    "code",
    "pcf_id",
    "name",
    "decision",
    "target_framework",
    "target_code",
    "target_name",
    "reason",
    "inherited_from",
    "needs_review",
)
#: The CSV tables of a subtree: its elements and mappings (the default), or its decisions.
TABLES = ("mappings", "decisions")
#: CSV column: the IRI of the notice of the element's framework edition (APQC's licence
#: asks every copy and derivative work to carry it; the XLSX has its text on "Sources").
RIGHTS_COLUMN = "rights"
#: Last CSV column: that notice's text itself, on every row. A CSV has no other place for it,
#: and an IRI is not "a copy of this notice" (APQC's words); a reader that keeps some rows
#: (a filter, a spreadsheet's sort) keeps the notice with them.
NOTICE_COLUMN = "notice"


@dataclass(frozen=True)
class Inherited:
    """A mapping made on another edition's element of the same PCF ID."""

    mapping: MappingInfo
    made_on_framework: str
    #: Why it needs review (renamed, redefined, moved, removed); empty when inherited.
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """A curated decision about an element that is no mapping: it has no counterpart in
    ``framework`` (``target`` None), or is *not* related to ``target`` by ``relation``."""

    relation: str
    framework: str
    target: ElementRef | None
    reason: str
    #: The APQC edition the decision was made on, when it is inherited ("" for its own).
    made_on_framework: str = ""
    #: Why an inherited decision needs review (empty when it holds, or is its own).
    reasons: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        return "no counterpart" if self.target is None else f"not {relation_name(self.relation)}"


@dataclass
class SubtreeRow:
    node: TreeNode
    parent_code: str
    measures: list[MeasureInfo]
    mappings: list[MappingInfo]
    inherited: list[Inherited] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def all_mappings(self) -> list[tuple[MappingInfo, Inherited | None]]:
        """Its own mappings, then the inherited ones."""
        own: list[tuple[MappingInfo, Inherited | None]] = [(m, None) for m in self.mappings]
        return own + [(i.mapping, i) for i in self.inherited]


@dataclass
class Subtree:
    framework: FrameworkInfo
    root_code: str | None
    rows: list[SubtreeRow]
    frameworks: dict[str, FrameworkInfo]


def read_subtree(
    store: GraphStore,
    catalog: QueryCatalog,
    framework_id: str,
    code: str | None,
    *,
    reads: Reads | None = None,
    derived: bool = False,
) -> Subtree:
    """The elements of a framework below (and including) ``code``, in hierarchy order, with
    their curated mappings (and the derived ones too if ``derived``: they are kept apart
    from curated ones everywhere unless asked for, as ``pcfgraph export`` says)."""
    reads = reads if reads is not None else Reads(store, catalog)
    all_frameworks = {f.id: f for f in reads.frameworks()}
    code = subtree_code(reads, framework_id, code)
    nodes = reads.framework_nodes(framework_id)
    if code is None:
        roots = sorted(
            (n for n in nodes.values() if n.parent not in nodes),
            key=lambda n: code_key(n.element.code),
        )
    else:
        roots = [n for n in nodes.values() if n.element.code == code]
    mappings = reads.framework_mappings(framework_id, derived=derived)
    index = services.framework_index(reads.reader, framework_id).elements
    decisions = _decisions(reads, framework_id)
    rows: list[SubtreeRow] = []
    seen: set[str] = set()

    def walk(n: TreeNode) -> None:
        if n.element.iri in seen:
            return
        seen.add(n.element.iri)
        parent = nodes.get(n.parent)
        here = index.get(n.element.iri)
        rows.append(
            SubtreeRow(
                node=n,
                parent_code=parent.element.code if parent else "",
                measures=reads.measures(framework_id, n.element.iri),
                mappings=mappings.get(n.element.iri, []),
                inherited=[
                    i
                    for i in (
                        Inherited(
                            reads.mapping_info(i.made_on, i.mapping), i.made_on_framework, i.reasons
                        )
                        for i in services.inherited_mappings_of(reads.reader, [here])[0]
                    )
                    if derived or not i.mapping.derived
                ]
                if here is not None
                else [],
                decisions=decisions.get(n.element.iri, []),
            )
        )
        for c in n.children:
            walk(c)

    for r in roots:
        walk(r)
    used = {framework_id} | {m.other.framework for row in rows for m, _ in row.all_mappings()}
    used |= {i.made_on_framework for row in rows for i in row.inherited}
    used |= {d.framework for row in rows for d in row.decisions if d.target is not None}
    used |= {d.made_on_framework for row in rows for d in row.decisions if d.made_on_framework}
    return Subtree(
        framework=all_frameworks[framework_id],
        root_code=code,
        rows=rows,
        frameworks={k: v for k, v in all_frameworks.items() if k in used},
    )


def subtree_code(reads: Reads, framework_id: str, code: str | None) -> str | None:
    """``code`` as framework ``framework_id`` writes it, matched ignoring case (a24 is A24,
    as every edge matches identifiers): what the file is of, so its name and its ETag are
    the same whichever spelling asked for it (``?subtree=a2`` and ``A2`` were two weak tags
    for one file). :class:`NotFoundError` for a framework the release does not hold (naming
    the one meant in another case: an id in a path is case-sensitive) or a code none of its
    elements has."""
    known = [f.id for f in reads.frameworks()]
    if framework_id not in known:
        missing = NotFoundError(services.no_framework(framework_id, known))
        raise naming_the_one_meant(missing, framework_id, known)
    if code is None:
        return None
    if not code.strip():  # a form or script that left it blank: no element, not "not found"
        raise InputError(
            "subtree is empty: give an element's code, PCF ID, id or IRI, or leave subtree "
            "out for the whole framework"
        )
    elements = services.framework_index(reads.reader, framework_id).elements.values()
    codes = {e.code for e in elements if e.code}
    meant = spelled(code, codes)
    if meant in codes:
        return meant
    ref = code.strip()
    if ref.isdigit() or "/" in ref or ":" in ref:
        # a PCF ID, an element id, IRI or CURIE (pcf74:20638, as the SSSOM files write it),
        # as ``gaps --under`` and GraphQL take an element:
        # the subtree of the element it names in this framework (it was "no element with
        # code '20609'; in other frameworks it names ..." for the PCF ID of this edition's
        # own element, and the element's IRI, given where an element is asked for, named none)
        if ref.isdigit() and f"{ref}.0" in codes and not _has_pcf_id(elements, int(ref)):
            raise NotFoundError(
                f"framework {framework_id!r} has no element with PCF ID {ref}; did you mean "
                f"code {quoted(ref + '.0')}? (APQC writes a category's code with .0)"
            )
        found = element_named_any_case(reads.reader, reads.index, ref, framework_id)
        if found.code:
            return found.code
    # and where it is, when it is another framework's (a code of PRM-IT given with APQC ...)
    missing = NotFoundError(f"framework {framework_id!r} has no element with code {code!r}")
    raise elsewhere(reads.index(), code, framework_id, missing)


def _has_pcf_id(elements: Iterable[services.Element], pcf_id: int) -> bool:
    return any(e.pcf_id == pcf_id for e in elements)


def _decisions(reads: Reads, framework_id: str) -> dict[str, list[Decision]]:
    """The curated decisions that are no mapping, by element IRI: its own no-counterpart
    records, the negative mappings either end of which it is (seen from it: broad and narrow
    swap when it is the object), and the no-counterpart decisions it inherits from another
    APQC edition of its PCF ID. A review board read an element with none of its mappings to
    PRM-IT as undecided where the curators had recorded why there is none."""
    reader = reads.reader
    out: dict[str, list[Decision]] = {}
    for n in services.no_counterparts(reader, framework_id):
        out.setdefault(n.element_iri, []).append(
            Decision("", n.target_framework, None, n.reason or "")
        )
    for neg in services.negative_mappings(reader):
        for here, fw, there, there_fw, relation in (
            (neg.subject_iri, neg.subject_framework, neg.object_iri, neg.object_framework,
             SKOS + neg.relation),
            (neg.object_iri, neg.object_framework, neg.subject_iri, neg.subject_framework,
             inverse_relation(SKOS + neg.relation)),
        ):  # fmt: skip
            if fw == framework_id:
                target = reads.ref(there, there_fw)
                out.setdefault(here, []).append(
                    Decision(relation, there_fw, target, neg.comment or "")
                )
    for d in services.inherited_no_counterparts(reader, framework_id):
        out.setdefault(d.element_iri, []).append(
            Decision("", d.other_framework, None, d.reason or "", d.made_on_framework, d.reasons)
        )
    return out


def _measures_text(measures: Sequence[MeasureInfo]) -> str:
    return "; ".join(
        f"{m.metric_id} {m.name}" if m.metric_id is not None else m.name for m in measures
    )


def _element_cells(row: SubtreeRow) -> list[object]:
    n = row.node
    return [
        n.element.code,
        n.pcf_id if n.pcf_id is not None else "",
        n.element.name,
        n.definition,
        n.level if n.level is not None else "",
        row.parent_code,
        _measures_text(row.measures),
    ]


def _inherited_cells(i: Inherited | None) -> list[object]:
    if i is None:
        return ["", ""]
    return [i.made_on_framework, "; ".join(i.reasons)]


def _mapping_cells(m: MappingInfo, i: Inherited | None = None) -> list[object]:
    return [
        relation_name(m.relation),
        m.other.framework,
        m.other.code,
        m.other.name,
        m.confidence if m.confidence is not None else "",
        m.justification,
        "yes" if m.derived else "no",
        *_inherited_cells(i),
    ]


def _rights(subtree: Subtree) -> list[object]:
    framework = subtree.framework
    return [framework.notice or framework.license, framework.rights_label]


def _decision_cells(row: SubtreeRow, d: Decision) -> list[object]:
    """A decision as the ``Decisions`` sheet and the decisions CSV give it, from its code."""
    return [
        row.node.element.code,
        row.node.element.name,
        d.words,
        d.framework,
        d.target.code if d.target is not None else "",
        d.target.name if d.target is not None else "",
        d.reason,
        d.made_on_framework,
        "; ".join(d.reasons),
    ]


def decisions_csv(subtree: Subtree) -> bytes:
    """One row per curated decision that is no mapping (:data:`DECISION_COLUMNS`), each
    with its edition's notice; a header alone when there is none."""
    rights = _rights(subtree)

    def rows() -> Iterator[list[object]]:
        for row in subtree.rows:
            pcf_id = row.node.pcf_id if row.node.pcf_id is not None else ""
            for d in row.decisions:
                code, *rest = _decision_cells(row, d)
                yield [code, pcf_id, *rest, *rights]

    header = [*DECISION_COLUMNS, RIGHTS_COLUMN, NOTICE_COLUMN]
    return write_csv(header, rows(), lineterminator="\r\n")


def to_csv(subtree: Subtree) -> bytes:
    """One row per element and mapping, each with its edition's notice (IRI and text); cells
    escaped against formula injection."""
    rights = _rights(subtree)

    def rows() -> Iterator[list[object]]:
        for row in subtree.rows:
            cells = _element_cells(row)
            listed = row.all_mappings()
            if not listed:
                yield [*cells, *([""] * len(MAPPING_COLUMNS)), *rights]
            for m, inherited in listed:
                yield [*cells, *_mapping_cells(m, inherited), *rights]

    header = [*ELEMENT_COLUMNS, *MAPPING_COLUMNS, RIGHTS_COLUMN, NOTICE_COLUMN]
    return write_csv(header, rows(), lineterminator="\r\n")


def short_name(framework_id: str) -> str:
    """A short framework label for sheet names: ``apqc-pcf-cross-industry-7.4`` -> ``pcf-7.4``."""
    return framework_id.replace("apqc-pcf-", "pcf-").replace("cross-industry-", "")


def _sheet_name(text: str, taken: set[str]) -> str:
    clean = "".join("-" if c in "[]:*?/\\" else c for c in text)[:31]
    name, i = clean, 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name, i = clean[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def to_xlsx(subtree: Subtree) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    taken: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def sheet(
        title: str, header: Sequence[str], widths: Sequence[int], rows: list[list[object]]
    ) -> Any:
        ws = wb.create_sheet(_sheet_name(title, taken))
        ws.append(list(header))
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for r in rows:
            ws.append(r)
        safe_xlsx_sheet(ws)  # text stays text: never a formula
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        wrap = Alignment(wrap_text=True, vertical="top")
        for col, w in enumerate(widths, start=1):
            if w >= 40:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.alignment = wrap
        ws.freeze_panes = "B2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
        return ws

    wb.remove(wb.active)
    fid = subtree.framework.id
    sheet(
        "Elements",
        ["code", "PCF ID", "name", "definition", "level", "parent code", "measures", "mappings"],
        [12, 9, 45, 70, 7, 12, 50, 9],
        [[*_element_cells(r), len(r.all_mappings())] for r in subtree.rows],
    )
    pairs: dict[str, list[list[object]]] = {}
    for r in subtree.rows:
        for m, inherited in r.all_mappings():
            pairs.setdefault(m.other.framework, []).append(
                [
                    r.node.element.code,
                    r.node.element.name,
                    relation_name(m.relation),
                    m.other.code,
                    m.other.name,
                    m.confidence if m.confidence is not None else None,
                    m.justification,
                    m.comment,
                    "yes" if m.derived else "no",
                    *_inherited_cells(inherited),
                ]
            )
    for target in sorted(pairs):
        sheet(
            f"{short_name(fid)} to {short_name(target)}",
            [
                f"{short_name(fid)} code",
                f"{short_name(fid)} name",
                "relation",
                f"{short_name(target)} code",
                f"{short_name(target)} name",
                "confidence",
                "justification",
                "comment",
                "derived",
                "inherited from",
                "needs review",
            ],
            [12, 40, 13, 14, 40, 11, 24, 70, 8, 28, 16],
            pairs[target],
        )
    decided = [_decision_cells(r, d) for r in subtree.rows for d in r.decisions]
    if decided:
        sheet(
            "Decisions",
            [
                "code",
                "name",
                "decision",
                "framework",
                "target code",
                "target name",
                "reason",
                "inherited from",
                "needs review",
            ],
            [12, 40, 18, 28, 14, 40, 70, 28, 16],
            decided,
        )
    sheet(
        "Sources",
        ["framework id", "title", "edition", "version", "publisher", "licence", "attribution"],
        [28, 45, 16, 9, 14, 40, 90],
        [
            [f.id, f.title, f.edition, f.version, f.publisher, f.license, f.rights_label]
            for f in subtree.frameworks.values()
        ],
    )
    props = wb.properties
    props.title = f"{subtree.framework.title}" + (
        f" – subtree {subtree.root_code}" if subtree.root_code else ""
    )
    props.creator = "pcfgraph"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_subtree(
    store: GraphStore,
    catalog: QueryCatalog,
    framework_id: str,
    code: str | None,
    fmt: str,
    *,
    reads: Reads | None = None,
    derived: bool = False,
    table: str = TABLES[0],
) -> bytes:
    """The subtree (or the whole framework when ``code`` is None) as ``csv`` or ``xlsx``,
    derived mappings only if ``derived``; a CSV of its ``table`` (:data:`TABLES`)."""
    check_table(fmt, table)
    subtree = read_subtree(store, catalog, framework_id, code, reads=reads, derived=derived)
    if fmt == "xlsx":
        return to_xlsx(subtree)
    return decisions_csv(subtree) if table == "decisions" else to_csv(subtree)


def check_table(fmt: str, table: str) -> None:
    """:class:`InputError` for a table that is none of :data:`TABLES`, or one given for an
    XLSX, which holds them all (as sheets)."""
    if table not in TABLES:
        raise InputError(f"table must be one of {', '.join(TABLES)}, not {quoted(table)}")
    if fmt != "csv" and table != TABLES[0]:
        raise InputError(
            f"table {quoted(table)} is a CSV of its own: an XLSX holds every table as a sheet "
            "(give format csv, or leave table out)"
        )
