"""The page of any IRI under ``/id/`` that is not a framework element (frameworks, mapping
records and sets, measures, vocabulary terms...): the describe-resource triples shaped for
``resource.html``, the same site template as every other page.

Values show labels (and codes) instead of IRIs, link to their own pages when served here, and
blank nodes (rights statements, licences) are shown inline as nested tables, never as ids.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.iris import curie
from pcfgraph.mappings.export import DERIVED, export_paths
from pcfgraph.web.svg import RELATION_PHRASE

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDF_NIL = RDF + "nil"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = str(iris.SKOS)
DCTERMS = str(iris.DCTERMS)
OWL = "http://www.w3.org/2002/07/owl#"
PCFG = str(iris.PCFG)
SSSOM = str(iris.SSSOM)

#: Shown first, in this order, with these names; everything else follows by name.
FIRST: tuple[tuple[str, str], ...] = (
    (SKOS + "notation", "Code"),
    (RDF_TYPE, "Type"),
    (SKOS + "definition", "Definition"),
    (DCTERMS + "description", "Description"),
    (SKOS + "inScheme", "Framework"),
    (SKOS + "broader", "Parent"),
    (DCTERMS + "license", "Licence"),
    (DCTERMS + "rights", "Rights"),
    (DCTERMS + "publisher", "Publisher"),
)
#: Said by the heading already.
HIDDEN = {SKOS + "prefLabel", DCTERMS + "title", RDFS + "label", SKOS + "narrower"}

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class Value:
    text: str
    href: str | None = None
    code: str = ""
    iri: str = ""
    lang: str = ""
    node: NodeView | None = None
    #: The members of an RDF list (``rdf:first``/``rdf:rest``), shown as an ordered list.
    items: list[Value] | None = None


@dataclass
class Row:
    label: str
    predicate: str
    values: list[Value]


@dataclass
class NodeView:
    """The statements of one blank node, shown inline."""

    rows: list[Row]


@dataclass
class LinkedRecord:
    relation: str
    other: Value | None
    inverse: bool
    justification: str
    confidence: str
    comment: str
    href: str | None


@dataclass
class ResourceView:
    iri: str
    title: str
    curie: str
    path: str
    rows: list[Row]
    children: list[Value] = field(default_factory=list)
    records: list[LinkedRecord] = field(default_factory=list)
    measures: list[Value] = field(default_factory=list)
    #: The subject of a derived mapping record ("" for anything else): its page explains it.
    derived_source: str = ""
    #: A mapping set's SSSOM exports: (format label, href, with derived rows).
    exports: list[tuple[str, str, bool]] = field(default_factory=list)


def humanise(predicate: str) -> str:
    """``dcterms:isReplacedBy`` -> ``Is replaced by``; ``sssom:mapping_justification`` ->
    ``Mapping justification``."""
    name = re.split(r"[#/]", predicate.rstrip("/#"))[-1]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:] if words else predicate


class _Graph:
    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.inc: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            if isinstance(t.object, ox.Triple) or not isinstance(
                t.subject, ox.NamedNode | ox.BlankNode
            ):
                continue
            key = _key(t.subject)
            if t.object not in self.out[key][t.predicate.value]:
                self.out[key][t.predicate.value].append(t.object)
            if isinstance(t.object, ox.NamedNode):
                self.inc[t.object.value][t.predicate.value].append(key)

    def first(self, key: str, predicate: str) -> str | None:
        values = self.out.get(key, {}).get(predicate, [])
        english = [v for v in values if isinstance(v, ox.Literal) and v.language == "en"]
        chosen = english or [v for v in values if isinstance(v, ox.Literal)] or values
        return chosen[0].value if chosen else None

    def label(self, iri: str) -> str:
        return (
            self.first(iri, SKOS + "prefLabel")
            or self.first(iri, RDFS + "label")
            or self.first(iri, DCTERMS + "title")
            or curie(iri)
        )

    def link(self, iri: str) -> Value:
        return Value(
            text=self.label(iri),
            href=iris.page_path(iri) or (iri if iri.startswith(("http://", "https://")) else None),
            code=self.first(iri, SKOS + "notation") or "",
            iri=iri,
        )

    def value(self, term: Term, seen: frozenset[str]) -> Value:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.BlankNode):
            key = _key(term)
            members = self.list_members(key)
            if members is not None:
                return Value(text="", items=[self.value(m, seen | {key}) for m in members])
            if key in seen or key not in self.out:
                return Value(text="(a further description, not shown)")
            return Value(text="", node=NodeView(self.rows(key, seen | {key})))
        return Value(text=term.value, lang=term.language or "")

    def list_members(self, key: str) -> list[Term] | None:
        """The members of the RDF list starting at ``key``; None when it is not a whole list."""
        members: list[Term] = []
        seen: set[str] = set()
        while key != RDF_NIL:
            own = self.out.get(key, {})
            first, rest = own.get(RDF + "first", []), own.get(RDF + "rest", [])
            if key in seen or len(first) != 1 or len(rest) != 1 or len(own) != 2:
                return None
            seen.add(key)
            members.append(first[0])
            nxt = rest[0]
            if isinstance(nxt, ox.Literal):
                return None
            key = _key(nxt)
        return members

    def rows(self, key: str, seen: frozenset[str] = frozenset(), top: bool = False) -> list[Row]:
        """Statements of ``key``; the top resource leaves out what its heading says."""
        own = self.out.get(key, {})
        order = {p: i for i, (p, _) in enumerate(FIRST)}
        names = dict(FIRST)
        shown = sorted(
            (p for p in own if not (top and p in HIDDEN)),
            key=lambda p: (order.get(p, len(order)), humanise(p)),
        )
        return [
            Row(names.get(p, humanise(p)), p, [self.value(v, seen) for v in own[p]]) for p in shown
        ]


def _key(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else "_:" + term.value


def _title(g: _Graph, iri: str) -> str:
    """The resource's label; a mapping record without one is named by what it states."""
    label = g.label(iri)
    source = g.first(iri, OWL + "annotatedSource")
    target = g.first(iri, OWL + "annotatedTarget")
    if label != curie(iri) or not source or not target:
        return label

    def name(end: str) -> str:
        code = g.first(end, SKOS + "notation")
        return f"{code} {g.label(end)}" if code else g.label(end)

    prop = g.first(iri, OWL + "annotatedProperty") or ""
    relation = RELATION_PHRASE.get(prop) or humanise(prop).lower()
    return f"Mapping: {name(source)} {relation} {name(target)}"


def resource_view(iri: str, triples: Iterable[ox.Triple]) -> ResourceView:
    """What the page of ``iri`` shows, from its describe-resource triples."""
    g = _Graph(triples)
    inc = g.inc.get(iri, {})
    children = sorted(
        (g.link(c) for c in inc.get(SKOS + "broader", [])), key=lambda v: (v.code, v.text)
    )
    records: list[LinkedRecord] = []
    for r in sorted(
        {r for p in (OWL + "annotatedSource", OWL + "annotatedTarget") for r in inc.get(p, [])}
    ):
        source = g.first(r, OWL + "annotatedSource")
        target = g.first(r, OWL + "annotatedTarget")
        other = target if source == iri else source
        justification = g.first(r, SSSOM + "mapping_justification") or ""
        records.append(
            LinkedRecord(
                relation=curie(g.first(r, OWL + "annotatedProperty") or ""),
                other=g.link(other) if other else None,
                inverse=source != iri,
                justification=humanise(justification) if justification else "",
                confidence=g.first(r, SSSOM + "confidence") or "",
                comment=g.first(r, RDFS + "comment") or "",
                href=iris.id_path(r),
            )
        )
    measures = sorted((g.link(m) for m in inc.get(PCFG + "measureOf", [])), key=lambda v: v.text)
    return ResourceView(
        iri=iri,
        title=_title(g, iri),
        curie=curie(iri),
        path=iris.id_path(iri) or "",
        rows=g.rows(iri, top=True),
        children=children,
        records=records,
        measures=measures,
        derived_source=(g.first(iri, OWL + "annotatedSource") or "")
        if g.first(iri, PCFG + "derived") == "true"
        else "",
        exports=mapping_set_exports(iri),
    )


def mapping_set_exports(iri: str) -> list[tuple[str, str, bool]]:
    """The SSSOM exports of a mapping set's IRI (``GET /mappings/<set>.sssom.*``, and with
    ``?derived=true`` for a curated set); none for anything else."""
    base = str(iris.mapping_set(""))
    if not iri.startswith(base) or "/" in iri[len(base) :] or iri == base:
        return []
    set_id = iri[len(base) :]
    labels = {"sssom-tsv": "TSV", "sssom-json": "JSON", "sssom-rdf": "RDF Turtle"}
    kinds = (False, True) if set_id != DERIVED else (False,)  # the derived set is all derived
    return [
        (labels[name], path, derived)
        for derived in kinds
        for name, path in export_paths(set_id, derived=derived).items()
    ]


# --- named graphs (/id/graph/...) -----------------------------------------------------------


@dataclass
class GraphAbout:
    """A framework, mapping set or ontology described in a graph (its licence and rights)."""

    title: str
    href: str | None
    description: str
    license: str
    rights: str
    framework_page: str | None = None


@dataclass
class VocabularyTerm:
    """A class or property a vocabulary defines, listed on the ontology graph's page."""

    #: The fragment of its IRI (``Element`` of ``pcfg:Element``): the id of its row, so a
    #: browser sent from the term's IRI (``/ontology`` -> 303 here) shows it.
    anchor: str
    iri: str
    curie: str
    label: str
    definition: str


@dataclass
class VocabularyTerms:
    """The terms of one vocabulary (``pcfg:``, ``orgm:``), by kind (``Classes`` ...)."""

    iri: str
    kinds: list[tuple[str, list[VocabularyTerm]]]


@dataclass
class GraphView:
    iri: str
    title: str
    kind: str
    path: str
    file: str
    triples: int
    classes: list[tuple[str, str, int]]
    about: list[GraphAbout]
    #: The terms the graph's vocabularies define (the ontology graph's page), else empty.
    vocabularies: list[VocabularyTerms] = field(default_factory=list)


#: The kinds of term a vocabulary section lists, in this order, under these headings.
TERM_KINDS: tuple[tuple[str, str], ...] = (
    (OWL + "Class", "Classes"),
    (OWL + "ObjectProperty", "Object properties"),
    (OWL + "DatatypeProperty", "Datatype properties"),
    (OWL + "AnnotationProperty", "Annotation properties"),
)


def vocabulary_terms(rows: Iterable[Mapping[str, Any]]) -> list[VocabularyTerms]:
    """The ``api/vocabulary-terms`` rows as one section per vocabulary (the IRI before a
    term's ``#``), each term once (under its first kind of :data:`TERM_KINDS`), its English
    label and definition (the smallest when several), terms by label."""
    order = {kind: i for i, (kind, _) in enumerate(TERM_KINDS)}
    found: dict[str, tuple[int, str, str]] = {}
    for row in sorted(rows, key=lambda r: _rank(r, TERM_COLUMNS)):
        term, kind = row.get("term"), row.get("kind")
        if term is None or kind is None or kind.value not in order or "#" not in term.value:
            continue
        if term.value in found and found[term.value][0] <= order[kind.value]:
            continue
        label = row["label"].value if "label" in row else ""
        definition = row["definition"].value if "definition" in row else ""
        found[term.value] = (order[kind.value], label, definition)
    sections: dict[str, dict[int, list[VocabularyTerm]]] = defaultdict(lambda: defaultdict(list))
    for iri, (kind, label, definition) in found.items():
        vocabulary, _, anchor = iri.partition("#")
        term = VocabularyTerm(anchor, iri, curie(iri), label or anchor, definition)
        sections[vocabulary][kind].append(term)
    return [
        VocabularyTerms(
            iri=vocabulary,
            kinds=[
                (TERM_KINDS[k][1], sorted(terms, key=lambda t: (t.label.lower(), t.iri)))
                for k, terms in sorted(kinds.items())
            ],
        )
        for vocabulary, kinds in sorted(sections.items())
    ]


def graph_kind(iri: str) -> str:
    """What a graph of this server is, from its place under ``graph/``."""
    rest = iri[len(iris.ID_BASE + "graph/") :] if iri.startswith(iris.ID_BASE) else iri
    if rest.startswith("framework/"):
        return f"the statements of the framework {rest.split('/', 1)[1]}"
    if rest == "mappings/derived":
        return "the mappings pcfgraph derives (inverses and chains), always marked as derived"
    if rest.startswith("mappings/"):
        return f"the curated mapping set {rest.split('/', 1)[1]}"
    if rest == "ontology":
        return "the pcfgraph ontologies (framework and organisational-model vocabularies)"
    if rest.startswith("vocabulary/"):
        return f"the search vocabulary {rest.split('/', 1)[1]}"
    return rest


#: ``api/graph-summary`` columns in the order they rank its rows (:func:`graph_view`).
SUMMARY_COLUMNS = ("thing", "class", "classLabel", "title", "description", "license", "rights")


#: ``api/vocabulary-terms`` columns in the order they rank its rows (:func:`vocabulary_terms`).
TERM_COLUMNS = ("term", "kind", "label", "definition")


def _summary_rank(row: Mapping[str, Any]) -> tuple[tuple[bool, bool, str], ...]:
    return _rank(row, SUMMARY_COLUMNS)


def _rank(row: Mapping[str, Any], columns: Iterable[str]) -> tuple[tuple[bool, bool, str], ...]:
    """English or plain text before other languages, then the smallest; a missing value last."""
    out = []
    for col in columns:
        term = row.get(col)
        if term is None:
            out.append((True, True, ""))
        else:
            lang = getattr(term, "language", None)
            out.append((False, lang not in (None, "en"), str(term.value)))
    return tuple(out)


def graph_view(
    iri: str,
    triples: int,
    rows: Iterable[Mapping[str, Any]],
    terms: Iterable[Mapping[str, Any]] = (),
) -> GraphView:
    """The page of a named graph from its triple count, ``api/graph-summary`` rows and the
    ``api/vocabulary-terms`` rows of the vocabularies it defines (:func:`vocabulary_terms`)."""
    classes: dict[str, tuple[str, int]] = {}
    about: dict[str, GraphAbout] = {}
    # The first row of a class or a thing wins (a title or label stated twice): rows sorted,
    # so that the page is the same whatever order the store returns them in.
    for row in sorted(rows, key=_summary_rank):
        cls = row.get("class")
        if cls is not None and "count" in row and cls.value not in classes:
            label = row["classLabel"].value if "classLabel" in row else curie(cls.value)
            classes[cls.value] = (label, int(row["count"].value))
        thing = row.get("thing")
        if thing is not None and thing.value not in about:
            fw_path = None
            if thing.value.startswith(iris.ID_BASE + "framework/"):
                fw_path = "/frameworks/" + thing.value.rsplit("/", 1)[-1]
            about[thing.value] = GraphAbout(
                title=row["title"].value if "title" in row else curie(thing.value),
                href=iris.id_path(thing.value),
                description=row["description"].value if "description" in row else "",
                license=row["license"].value if "license" in row else "",
                rights=row["rights"].value if "rights" in row else "",
                framework_page=fw_path,
            )
    name = iri.rstrip("/").rsplit("/", 1)[-1]
    first = next(iter(about.values()), None)
    return GraphView(
        iri=iri,
        title=first.title if first and len(about) == 1 else f"Graph {name}",
        kind=graph_kind(iri),
        path=iris.id_path(iri) or "",
        file=iris.download_stem(iri),
        triples=triples,
        classes=sorted(
            ((lbl, c, n) for c, (lbl, n) in classes.items()), key=lambda x: (-x[2], x[0], x[1])
        ),
        about=list(about.values()),
        vocabularies=vocabulary_terms(terms),
    )
