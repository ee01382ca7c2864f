"""Business labels for report nodes and the organisational unit each focus node belongs to."""

from __future__ import annotations

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.report import AuditResult, is_literal_text, literal_of, node_text, ox_literal_of
from pcfgraph.audit.terms import _RDF_TYPE, UPLOAD_GRAPH, _local, _ox_term, _query, _term_text
from pcfgraph.store import EmbeddedStore

_NOTATION = ox.NamedNode(str(iris.SKOS.notation))
_IN_SCHEME = ox.NamedNode(str(iris.SKOS.inScheme))
_METRIC_ID = ox.NamedNode(str(iris.PCFG.metricId))
_MEASURE_OF = ox.NamedNode(str(iris.PCFG.measureOf))
_LABEL_PROPS = tuple(
    ox.NamedNode(p)
    for p in (
        "http://www.w3.org/2000/01/rdf-schema#label",
        str(iris.FOAF.name),
        str(iris.SKOS.prefLabel),
        str(iris.DCTERMS.title),
    )
)


class Labeller:
    """Business labels for nodes: their name, else a description from type and referrer.

    Nodes are named as report text (:func:`~pcfgraph.audit.report.node_text`); a literal
    (a legal SHACL focus node) is labelled by its lexical form."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._cache: dict[str, str] = {}
        self._sources: dict[str, tuple[str | None, str | None, str | None]] = {}

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

    def source_info(self, iri: str | None) -> tuple[str | None, str | None, str | None]:
        """A rule's source element as (framework title, code, name), from the framework graph;
        Nones for what the graph does not say."""
        if not iri:
            return (None, None, None)
        cached = self._sources.get(iri)
        if cached is not None:
            return cached
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return (None, None, None)
        code = self._first(node, _NOTATION) or self._first(node, _METRIC_ID)
        name = self._own(node)
        framework = self._scheme(node)
        if framework is None:  # an APQC measure: the framework of the element it measures
            for q in self.store.quads_for_pattern(node, _MEASURE_OF, None):
                if isinstance(q.object, ox.NamedNode):
                    framework = self._scheme(q.object)
                    break
        info = (framework, code, name)
        self._sources[iri] = info
        return info

    def _scheme(self, node: ox.NamedNode) -> str | None:
        for q in self.store.quads_for_pattern(node, _IN_SCHEME, None):
            if isinstance(q.object, ox.NamedNode):
                return self._own(q.object)
        return None

    def _first(self, node: ox.NamedNode, prop: ox.NamedNode) -> str | None:
        for q in self.store.quads_for_pattern(node, prop, None):
            if isinstance(q.object, ox.Literal):
                return q.object.value
        return None

    def organisation(self) -> str | None:
        """The audited organisation's label; with several (a workbook and an ArchiMate model
        of another organisation audited together), each of them, in label order: the report's
        heading named one, picked by the store's order, and the others not at all."""
        org_class = ox.NamedNode(str(iris.ORGM.Organisation))
        labels = {
            self.label(_term_text(q.subject) or "")
            for q in self.store.quads_for_pattern(None, _RDF_TYPE, org_class, UPLOAD_GRAPH)
        }
        return ", ".join(sorted(labels, key=lambda t: (t.casefold(), t))) or None

    def annotate(self, r: AuditResult, units: dict[str, tuple[str, str]]) -> AuditResult:
        from dataclasses import replace

        unit = units.get(r.focus_node)
        if unit is None and is_literal_text(r.focus_node):
            unit = units.get(self._stored_literal(r.focus_node))
        framework, code, name = self.source_info(r.source)
        return replace(
            r,
            source_framework=framework,
            source_code=code,
            source_name=name,
            focus_label=r.focus_label or self.label(r.focus_node) if r.focus_node else "",
            unit=unit[0] if unit else None,
            unit_label=unit[1] if unit else None,
        )


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
