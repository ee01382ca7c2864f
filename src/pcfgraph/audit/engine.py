"""Auditing an organisational model: parse, validate, check, label, coverage, maturity.

The data graph is the upload PLUS the ontology and framework graphs of the served release
(never the mapping graphs), so rules like "an observation refers to an existing APQC measure"
(``sh:class pcfg:Measure``) can only be satisfied by elements that really exist. Statements the
upload makes about pcfgraph's own IRIs are dropped first (see
:func:`pcfgraph.audit.parse.split_framework_statements`) and reported as warnings.

Engines: core SHACL by pySHACL (no inference, no owl:imports, no SHACL-SPARQL, no JS);
node-comparing checks by pyoxigraph on a throw-away store holding the same data. Nothing from the
upload is ever executed: shapes or SPARQL inside it are just data.

Fixed costs are paid once per :class:`AuditContext` (per served release or worker), not per
audit: the shapes are parsed once and every validation gets its own fresh graph built from the
parsed triples (pySHACL mutates the shapes graph it is given, pySHACL#314, so one graph is never
shared); the checks are read once; pySHACL is imported; and the framework triples pySHACL needs
are selected once (:func:`shacl_framework_subset`). The pyoxigraph store used by the checks and
the report keeps the whole ontology and framework graphs (labels, levels, notations).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, NamespaceManager
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.audit.parse import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TRIPLES,
    Upload,
    parse_upload,
    split_framework_statements,
)
from pcfgraph.audit.report import (
    AuditReport,
    AuditResult,
    Coverage,
    CoverageItem,
    MaturityAssessment,
    PracticeStatus,
    is_literal_text,
    literal_of,
    node_text,
    ox_literal_of,
)
from pcfgraph.audit.rules import Check, Rule, load_checks, load_shapes, shape_rules
from pcfgraph.errors import ParseError, PayloadTooLarge
from pcfgraph.queries import NamedQuery, parse_header
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import to_rdflib

UPLOAD_GRAPH = ox.NamedNode("urn:pcfgraph:audit:upload")
_SH = iris.SH
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LABEL_PROPS = tuple(
    ox.NamedNode(p)
    for p in (
        "http://www.w3.org/2000/01/rdf-schema#label",
        str(iris.FOAF.name),
        str(iris.SKOS.prefLabel),
        str(iris.DCTERMS.title),
    )
)
IGNORED_RULE = Rule(
    iri=str(iris.audit_rule("framework-statement-ignored")),
    name="audit/framework-statement-ignored",
    kind="audit",
    severity="Warning",
    message=(
        "The upload makes statements about a pcfgraph framework or vocabulary IRI (or types a "
        "node into the framework ontology); they were ignored: framework elements come from "
        "the framework graph only."
    ),
    source=None,
    passage=None,
    hint="Refer to framework elements by IRI only; describe your own nodes with orgm: terms.",
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_triples: int = DEFAULT_MAX_TRIPLES


Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class RuleSet:
    """The parsed shapes (as triples: each validation builds its own graph), their rules, and
    the checks. Read-only once built, so one instance may serve concurrent audits.

    Shapes a check evaluates on pyoxigraph (``# shape:``, see :mod:`pcfgraph.audit.rules`) are
    left out of the triples pySHACL gets; their rules stay in :attr:`rules`.
    """

    #: The shapes pySHACL validates with (every shape no check evaluates).
    shape_triples: tuple[Triple, ...]
    namespaces: tuple[tuple[str, URIRef], ...]
    rules: dict[str, Rule]
    checks: tuple[Check, ...]
    #: Every shape, including those evaluated by checks (for other SHACL engines).
    all_shape_triples: tuple[Triple, ...] = ()
    #: The predicates of the upload pySHACL can observe; None: all of them.
    observed_predicates: frozenset[str] | None = None

    @classmethod
    def load(
        cls, shapes: Sequence[Path] | None = None, checks: Sequence[Path] | None = None
    ) -> RuleSet:
        graph = load_shapes(shapes)
        rules = shape_rules(graph)
        loaded = []
        evaluated: set[URIRef] = set()
        for check in load_checks(checks):
            if check.shape is not None:
                check = _shape_check(graph, rules, check)
                evaluated.add(URIRef(check.rule.iri))
            loaded.append(check)
        everything = tuple(graph)
        triples = _without_shapes(graph, evaluated) if evaluated else everything
        return cls(
            shape_triples=triples,
            namespaces=tuple((p, URIRef(str(n))) for p, n in graph.namespaces()),
            rules=rules,
            checks=tuple(loaded),
            all_shape_triples=everything,
            observed_predicates=observed_predicates(triples),
        )

    def shapes_graph(self) -> Graph:
        """A fresh shapes graph for one validation (never shared: pySHACL#314)."""
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in self.namespaces:
            graph.bind(prefix, namespace, override=True, replace=True)
        graph.addN((s, p, o, graph) for s, p, o in self.shape_triples)
        return graph


def _shape_check(graph: Graph, rules: dict[str, Rule], check: Check) -> Check:
    """A check that evaluates a shape: the shape's rule and path are its own."""
    from dataclasses import replace

    shape = URIRef(check.shape or "")
    rule = rules.get(str(shape))
    if rule is None:
        raise ParseError(
            f"'# shape: {shape}' names no shape with a message in the shapes",
            source=str(check.query.path),
        )
    if any(True for _ in graph.subject_predicates(shape)):
        raise ParseError(
            f"'# shape: {shape}' is used by another shape; only shapes with their own targets "
            "can be evaluated by a check",
            source=str(check.query.path),
        )
    return replace(check, rule=rule, path=_path_text(graph, graph.value(shape, _SH.path)))


def _without_shapes(graph: Graph, shapes: set[URIRef]) -> tuple[Triple, ...]:
    """The shapes graph's triples minus the given shapes and the blank nodes only they use."""
    drop: set[Node] = set()
    todo: list[Node] = list(shapes)
    while todo:
        node = todo.pop()
        if node in drop:
            continue
        drop.add(node)
        todo.extend(o for o in graph.objects(node, None) if isinstance(o, BNode))
    return tuple(t for t in graph if t[0] not in drop)


@dataclass
class AuditContext:
    """The framework side of every audit, built once per served release (or worker)."""

    quads: list[ox.Quad]
    #: The framework triples pySHACL needs (see :func:`shacl_framework_subset`).
    shacl_triples: tuple[Triple, ...]
    rules: RuleSet
    #: Elements the coverage section reports on: (key, title, root IRI, deepest level).
    coverage_roots: list[tuple[str, str, str, int]] = field(default_factory=list)

    @classmethod
    def from_store(cls, store: EmbeddedStore | ox.Store) -> AuditContext:
        ox_store = store.store if isinstance(store, EmbeddedStore) else store
        keep = str(iris.ontology_graph())
        prefix = str(iris.framework_graph("x"))[:-1]
        quads = [
            q
            for q in ox_store
            if isinstance(q.graph_name, ox.NamedNode)
            and (q.graph_name.value == keep or q.graph_name.value.startswith(prefix))
        ]
        rules = RuleSet.load()
        _import_pyshacl()  # once per context (worker), not inside the first audit
        return cls(
            quads=quads,
            shacl_triples=shacl_framework_subset(quads, rules),
            rules=rules,
            coverage_roots=default_coverage_roots(),
        )


def _import_pyshacl() -> None:
    import pyshacl  # noqa: F401


_PATH_KEYS = (_SH.inversePath, _SH.alternativePath, _SH.zeroOrMorePath, _SH.oneOrMorePath)
_PREDICATE_KEYS = (
    _SH.targetSubjectsOf,
    _SH.targetObjectsOf,
    _SH.equals,
    _SH.disjoint,
    _SH.lessThan,
    _SH.lessThanOrEquals,
)


def observed_predicates(shape_triples: Iterable[Triple]) -> frozenset[str] | None:
    """The predicates core SHACL can observe in a data graph with these shapes; None when it
    can observe every triple.

    Core SHACL reads a data graph only through ``rdf:type`` and ``rdfs:subClassOf`` (targets,
    ``sh:class``), the predicates of property paths, target predicates
    (``sh:targetSubjectsOf``/``sh:targetObjectsOf``) and property-pair predicates
    (``sh:equals`` ...). A shape that looks at all of a node's properties (``sh:closed``) or at
    anything else (``sh:sparql``) observes everything.
    """
    graph = Graph(bind_namespaces="none")
    graph.addN((s, p, o, graph) for s, p, o in shape_triples)
    if any(True for _ in graph.triples((None, _SH.closed, None))) or any(
        True for _ in graph.triples((None, _SH.sparql, None))
    ):
        return None
    predicates: set[Node] = {RDF.type, RDFS.subClassOf}

    def walk(path: Node, depth: int = 0) -> None:
        if isinstance(path, URIRef):
            predicates.add(path)
            return
        if depth > 20:
            return
        for key in (*_PATH_KEYS, _SH.zeroOrOnePath):
            for inner in graph.objects(path, key):
                walk(inner, depth + 1)
        if (path, RDF.first, None) in graph:
            for item in graph.items(path):
                walk(item, depth + 1)

    for path in graph.objects(None, _SH.path):
        walk(path)
    for key in _PREDICATE_KEYS:
        predicates.update(graph.objects(None, key))
    return frozenset(str(p) for p in predicates if isinstance(p, URIRef))


def shacl_framework_subset(
    quads: Iterable[ox.Quad], rules: RuleSet, *, every_shape: bool = False
) -> tuple[Triple, ...]:
    """The framework and ontology triples core SHACL can observe with the shapes pySHACL
    validates with (``every_shape``: with all the shapes, as another SHACL engine would), so
    the findings are the same as with the whole framework graph (see
    :func:`observed_predicates`)."""
    keep = (
        observed_predicates(rules.all_shape_triples) if every_shape else rules.observed_predicates
    )
    cache: dict[Any, Node] = {}
    out: list[Triple] = []
    for q in quads:
        if _has_quoted(q):
            continue
        if keep is None or q.predicate.value in keep:
            out.append(_triple(q, cache))
    return tuple(out)


def default_coverage_roots() -> list[tuple[str, str, str, int]]:
    return [
        (
            "apqc-pcf-8.1",
            "APQC PCF 8.1 Develop and manage IT customer relationships (processes and activities)",
            str(iris.apqc_element("Cross-Industry", "7.4", 20608)),
            4,
        ),
        ("prm-it-a2", "PRM-IT A2 Customer Relationships (processes)", str(iris.prm_it("A2")), 3),
    ]


def _has_quoted(q: ox.Quad | ox.Triple) -> bool:
    return isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple)


def _triple(t: ox.Quad | ox.Triple, cache: dict[Any, Node]) -> tuple[Node, Node, Node]:
    s, p, o = t.subject, t.predicate, t.object
    sn = cache.get(s)
    if sn is None:
        sn = cache[s] = to_rdflib(s)
    pn = cache.get(p)
    if pn is None:
        pn = cache[p] = to_rdflib(p)
    on = cache.get(o)
    if on is None:
        on = cache[o] = to_rdflib(o)
    return sn, pn, on


def _query(name: str) -> NamedQuery:
    path = resource_dir("queries") / f"{name}.rq"
    return parse_header(name, path, path.read_text(encoding="utf-8"))


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _term_text(term: object) -> str | None:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return None


def _ox_term(text: str) -> ox.NamedNode | ox.BlankNode | None:
    """The node named by report text (:func:`~pcfgraph.audit.report.node_text`); None for a
    literal or for text that is not a valid IRI (nothing to look up)."""
    if is_literal_text(text):
        return None
    try:
        return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)
    except ValueError:
        return None


# --- the audit ---------------------------------------------------------------------------------


def parse_uploads(
    uploads: Sequence[Upload], limits: Limits
) -> tuple[list[ox.Triple], list[ox.Triple]]:
    kept: list[ox.Triple] = []
    ignored: list[ox.Triple] = []
    for upload in uploads:
        triples = parse_upload(
            upload, max_bytes=limits.max_bytes, max_triples=limits.max_triples - len(kept)
        )
        k, i = split_framework_statements(triples)
        kept.extend(k)
        ignored.extend(i)
    if len(kept) > limits.max_triples:
        raise PayloadTooLarge(f"more than {limits.max_triples} triples in total")
    return kept, ignored


def audit(
    uploads: Sequence[Upload],
    context: AuditContext,
    *,
    limits: Limits | None = None,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    parsed: tuple[list[ox.Triple], list[ox.Triple]] | None = None,
) -> AuditReport:
    """Audit one organisational model given as one or more files.

    ``parsed``: the result of :func:`parse_uploads` on the same uploads, when the caller has
    parsed them already (the CLI does, to fail fast on bad input); they are not parsed twice.
    """
    limits = limits or Limits()
    seconds: dict[str, float] = {}
    with gc_paused():
        started = time.perf_counter()
        triples, ignored = parsed if parsed is not None else parse_uploads(uploads, limits)
        seconds["parse"] = time.perf_counter() - started
        report = audit_triples(triples, context, shapes=shapes, checks=checks, seconds=seconds)
    report.results.extend(_ignored_results(ignored))
    report.results.sort(key=_sort_key)
    report.sources = [u.name for u in uploads]
    return report


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block.

    An audit allocates millions of small objects that live until it ends (terms, index sets,
    pySHACL's results); every few thousand allocations the collector scans them all again,
    which doubled the time to build the data graph and made it vary from run to run. Nothing
    is freed late by pausing except reference cycles, which the collector finds once it runs
    again. The state is restored as found (an outer pause stays in force)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def audit_triples(
    triples: Sequence[ox.Triple],
    context: AuditContext,
    *,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    seconds: dict[str, float] | None = None,
) -> AuditReport:
    seconds = seconds if seconds is not None else {}
    ruleset = context.rules if shapes is None and checks is None else RuleSet.load(shapes, checks)
    framework = (
        context.shacl_triples
        if ruleset is context.rules
        else shacl_framework_subset(context.quads, ruleset)
    )
    started = time.perf_counter()
    store = ox.Store()
    store.extend(context.quads)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, UPLOAD_GRAPH) for t in triples)
    data = data_graph(framework, triples, ruleset.observed_predicates)
    seconds["load"] = time.perf_counter() - started

    started = time.perf_counter()
    results = run_shacl(data, ruleset.shapes_graph(), ruleset.rules)
    seconds["shacl"] = time.perf_counter() - started

    started = time.perf_counter()
    embedded = EmbeddedStore(store)
    for check in ruleset.checks:
        results.extend(run_check(embedded, check))
    seconds["checks"] = time.perf_counter() - started

    started = time.perf_counter()
    labeller = Labeller(store)
    units = focus_units(embedded, labeller)
    results = [labeller.annotate(r, units) for r in results]
    results.sort(key=_sort_key)
    report = AuditReport(results=results, triples=len(triples))
    report.coverage = coverage(embedded, context.coverage_roots)
    report.maturity = maturity(embedded, labeller)
    report.organisation = labeller.organisation()
    seconds["report"] = time.perf_counter() - started
    report.seconds = seconds
    return report


def _sort_key(r: AuditResult) -> tuple[Any, ...]:
    from pcfgraph.audit.report import _rank

    return (_rank(r.severity), r.unit_label or "~", r.focus_label, r.rule, r.value or "")


# --- SHACL --------------------------------------------------------------------------------------


class _IriNames(NamespaceManager):
    """Writes IRIs as ``<iri>`` without looking for a prefix.

    pySHACL renders every result it makes, including the many nested ones inside ``sh:or``,
    ``sh:not`` and qualified value shapes that are thrown away, as description text; the audit
    never reads that text (messages come from ``sh:resultMessage``), so the prefix search is
    wasted work.
    """

    def normalizeUri(self, rdfTerm: str) -> str:  # rdflib's name
        return f"<{rdfTerm}>"


def data_graph(
    framework: Iterable[Triple],
    triples: Sequence[ox.Triple],
    observed: frozenset[str] | None = None,
) -> Graph:
    """The graph pySHACL validates: the framework subset plus the upload's triples whose
    predicate the shapes can observe (``observed``; None: all of them), in a
    :class:`~pcfgraph.audit.datagraph.DataGraphStore`."""
    from pcfgraph.audit.datagraph import DataGraphStore

    store = DataGraphStore()
    data = Graph(store=store, bind_namespaces="none")
    data.namespace_manager = _IriNames(data, bind_namespaces="none")
    store.set_graph(data)
    store.add_many(framework)
    cache: dict[Any, Node] = {}
    store.add_many(
        _triple(t, cache)  # quoted triples were rejected by the parser
        for t in triples
        if observed is None or t.predicate.value in observed
    )
    return data


def run_shacl(data: Graph, shapes: Graph, rules: dict[str, Rule]) -> list[AuditResult]:
    from pcfgraph.validation import shacl_report_graph

    graph = shacl_report_graph(data, shapes)
    out: list[AuditResult] = []
    # Only the report's own results: nested sh:detail results (from sh:node) are not findings.
    reports = list(graph.subjects(RDF.type, _SH.ValidationReport))
    for result in (r for report in reports for r in graph.objects(report, _SH.result)):
        shape = graph.value(result, _SH.sourceShape)
        shape_iri = _text(shape) or ""
        rule = rules.get(shape_iri)
        severity = _text(graph.value(result, _SH.resultSeverity)) or str(_SH.Violation)
        value = graph.value(result, _SH.value)
        focus = graph.value(result, _SH.focusNode)
        if value == focus and graph.value(result, _SH.resultPath) is None:
            value = None  # a node-shape result: the value is the focus node itself
        messages = [m for m in graph.objects(result, _SH.resultMessage) if isinstance(m, Literal)]
        en = [m for m in messages if m.language in (None, "en")]
        out.append(
            AuditResult(
                focus_node=node_text(focus) or "",
                # a literal focus node (a shape targets the objects of a property the upload
                # gave a literal) is labelled by its lexical form: no node to look up
                focus_label=str(focus) if isinstance(focus, Literal) else "",
                path=_path_text(graph, graph.value(result, _SH.resultPath)),
                value=_text(value),
                severity=severity.rsplit("#", 1)[-1],
                message=str((en or messages)[0]) if messages else (rule.message if rule else ""),
                shape=shape_iri,
                source=rule.source if rule else None,
                hint=rule.hint if rule else None,
                kind="shacl",
                value_is_iri=isinstance(value, URIRef),
                component=_text(graph.value(result, _SH.sourceConstraintComponent)),
                value_node=node_text(value),
            )
        )
    return out


def _path_text(graph: Graph, path: Node | None) -> str | None:
    """An IRI path as the IRI; ``^p`` for an inverse path; ``p1/p2`` for a sequence."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, _SH.inversePath)
    if inverse is not None:
        return "^" + (_path_text(graph, inverse) or "")
    first = graph.value(path, RDF.first)
    if first is not None:
        from rdflib.collection import Collection

        return "/".join(_path_text(graph, p) or "" for p in Collection(graph, path))
    return None


# --- SPARQL checks ------------------------------------------------------------------------------


def run_check(store: EmbeddedStore, check: Check) -> list[AuditResult]:
    """The check's rows as results; a check that evaluates a shape reports as that shape
    (its message, path, and the constraint component the query selects)."""
    rows = store.select(check.query)
    rule = check.rule
    shape = check.shape is not None
    out = []
    for row in rows:
        value = row.get("value")
        focus = row.get("focus")
        out.append(
            AuditResult(
                focus_node=node_text(focus) or "",
                focus_label=focus.value if isinstance(focus, ox.Literal) else "",
                path=check.path,
                value=_term_text(value),
                severity=rule.severity,
                message=(None if shape else _term_text(row.get("message"))) or rule.message,
                shape=rule.iri,
                source=(None if shape else _term_text(row.get("source"))) or rule.source,
                hint=rule.hint,
                kind="shacl" if shape else "check",
                value_is_iri=isinstance(value, ox.NamedNode),
                component=_term_text(row.get("component")) if shape else None,
                value_node=node_text(value),
            )
        )
    return out


def _ignored_results(ignored: Iterable[ox.Triple]) -> list[AuditResult]:
    subjects: dict[str, int] = {}
    for t in ignored:
        key = _term_text(t.subject) or ""
        subjects[key] = subjects.get(key, 0) + 1
    return [
        AuditResult(
            focus_node=s,
            focus_label=s,
            path=None,
            value=f"{n} statement{'s' if n != 1 else ''} ignored",
            severity=IGNORED_RULE.severity,
            message=IGNORED_RULE.message,
            shape=IGNORED_RULE.iri,
            source=None,
            hint=IGNORED_RULE.hint,
            kind="audit",
        )
        for s, n in sorted(subjects.items())
    ]


# --- labels and units ---------------------------------------------------------------------------


class Labeller:
    """Business labels for nodes: their name, else a description from type and referrer.

    Nodes are named as report text (:func:`~pcfgraph.audit.report.node_text`); a literal
    (a legal SHACL focus node) is labelled by its lexical form."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._cache: dict[str, str] = {}

    def _own(self, node: ox.NamedNode | ox.BlankNode) -> str | None:
        for prop in _LABEL_PROPS:
            best: str | None = None
            for q in self.store.quads_for_pattern(node, prop, None):
                if isinstance(q.object, ox.Literal):
                    if q.object.language in (None, "", "en"):
                        return q.object.value
                    best = best or q.object.value
            if best:
                return best
        return None

    def _type_label(self, node: ox.NamedNode | ox.BlankNode) -> str | None:
        for q in self.store.quads_for_pattern(node, _RDF_TYPE, None):
            if isinstance(q.object, ox.NamedNode):
                label = self._own(q.object)
                if label:
                    return label
        return None

    def label(self, text: str, depth: int = 0) -> str:
        if text in self._cache:
            return self._cache[text]
        node = _ox_term(text)
        if node is None:  # a literal: its lexical form (not an IRI: the text as it is)
            lexical = str(literal_of(text)) if is_literal_text(text) else text
            self._cache[text] = lexical
            return lexical
        label = self._own(node)
        if label is None:
            kind = self._type_label(node)
            if isinstance(node, ox.BlankNode) and depth < 3:
                referrer = next(iter(self.store.quads_for_pattern(None, None, node)), None)
                if referrer is not None and isinstance(
                    referrer.subject, ox.NamedNode | ox.BlankNode
                ):
                    prop = self._own(referrer.predicate) or _local(referrer.predicate.value)
                    owner = self.label(_term_text(referrer.subject) or "", depth + 1)
                    label = f"{kind or prop} of {owner}" if kind else f"{prop} of {owner}"
            if label is None:
                label = (
                    f"{kind} {_local(text)}"
                    if kind and not text.startswith("_:")
                    else (kind or _local(text))
                )
        self._cache[text] = label
        return label

    def _stored_literal(self, text: str) -> str:
        """A literal's text as the store holds it: pyoxigraph canonicalises some literals
        (``"12"^^xsd:int`` becomes ``"12"^^xsd:integer``), so a literal focus node from
        pySHACL is looked up among the units in that form."""
        literal = ox_literal_of(text)
        if literal is None:
            return text
        scratch = ox.Store()
        scratch.add(ox.Quad(_RDF_TYPE, _RDF_TYPE, literal))
        return node_text(next(iter(scratch)).object) or text

    def organisation(self) -> str | None:
        org_class = ox.NamedNode(str(iris.ORGM.Organisation))
        for q in self.store.quads_for_pattern(None, _RDF_TYPE, org_class, UPLOAD_GRAPH):
            return self.label(_term_text(q.subject) or "")
        return None

    def annotate(self, r: AuditResult, units: dict[str, tuple[str, str]]) -> AuditResult:
        from dataclasses import replace

        unit = units.get(r.focus_node)
        if unit is None and is_literal_text(r.focus_node):
            unit = units.get(self._stored_literal(r.focus_node))
        return replace(
            r,
            focus_label=r.focus_label or self.label(r.focus_node) if r.focus_node else "",
            unit=unit[0] if unit else None,
            unit_label=unit[1] if unit else None,
        )


def _local(iri: str) -> str:
    if iri.startswith("_:"):
        return "(unnamed node)"
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1] or iri


def focus_units(store: EmbeddedStore, labeller: Labeller) -> dict[str, tuple[str, str]]:
    """Node -> (unit IRI, unit label); a node in several units gets the first by label."""
    out: dict[str, tuple[str, str]] = {}
    for row in store.select(_query("reports/focus-units")):
        node = node_text(row.get("node"))  # the focus node's text, literals included
        unit = _term_text(row.get("unit"))
        if not node or not unit:
            continue
        candidate = (unit, labeller.label(unit))
        if node not in out or candidate[1] < out[node][1]:
            out[node] = candidate
    return out


# --- coverage and maturity ---------------------------------------------------------------------


def coverage(store: EmbeddedStore, roots: Sequence[tuple[str, str, str, int]]) -> list[Coverage]:
    query = _query("reports/coverage")
    out: list[Coverage] = []
    for key, title, root, max_level in roots:
        cov = Coverage(key=key, title=title, root=root)
        items: dict[str, CoverageItem] = {}
        for row in store.select(query, {"root": root, "maxLevel": max_level}):
            element = _term_text(row["element"]) or ""
            item = items.get(element)
            if item is None:
                level = row.get("level")
                item = items[element] = CoverageItem(
                    element=element,
                    notation=_term_text(row.get("notation")) or _local(element),
                    label=_term_text(row.get("label")) or "",
                    level=int(level.value) if isinstance(level, ox.Literal) else 0,
                )
            process = _term_text(row.get("process"))
            if process and process not in item.implemented_by:
                item.implemented_by.append(process)
                item.implemented_labels.append(
                    _term_text(row.get("processLabel")) or _local(process)
                )
        cov.items = sorted(items.values(), key=lambda i: (_notation_key(i.notation), i.element))
        out.append(cov)
    return out


def _notation_key(notation: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for p in notation.replace("-", ".").split("."):
        parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return tuple(parts)


def maturity(store: EmbeddedStore, labeller: Labeller) -> list[MaturityAssessment]:
    claims: dict[str, MaturityAssessment] = {}
    for row in store.select(_query("reports/maturity")):
        claim = _term_text(row["claim"]) or ""
        m = claims.get(claim)
        if m is None:
            claimed = row.get("claimed")
            try:
                level = int(claimed.value) if isinstance(claimed, ox.Literal) else None
            except ValueError:
                level = None
            block = _term_text(row["block"]) or ""
            m = claims[claim] = MaturityAssessment(
                claim=claim,
                claim_label=labeller.label(claim),
                building_block=block,
                building_block_label=_term_text(row.get("blockLabel")) or _local(block),
                claimed=level,
            )
        practice = _term_text(row.get("practice"))
        lvl = row.get("level")
        if practice and isinstance(lvl, ox.Literal):
            evidenced = row.get("evidenced")
            m.practices.append(
                PracticeStatus(
                    practice=practice,
                    notation=_term_text(row.get("notation")) or _local(practice),
                    label=_term_text(row.get("label")) or "",
                    level=int(lvl.value),
                    evidenced=isinstance(evidenced, ox.Literal) and evidenced.value == "true",
                )
            )
    return sorted(claims.values(), key=lambda m: (m.claim_label, m.claim))
