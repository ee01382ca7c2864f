"""Running the rules: pySHACL on an rdflib data graph, SPARQL checks on pyoxigraph, each
result turned into an :class:`~pcfgraph.audit.report.AuditResult`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, NamespaceManager
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.audit.report import AuditResult, node_text
from pcfgraph.audit.rules import Check, Rule
from pcfgraph.audit.terms import _SH, Triple, _path_text, _term_text, _text, _triple
from pcfgraph.store import EmbeddedStore

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
    group=str(iris.SH_PCF.ModelValidityGroup),
    comment="Framework elements come from the served framework graph, never from an upload.",
    rationale=(
        "Warning: nothing is wrong with the organisation, but the model says something the "
        "audit cannot use."
    ),
)


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
                group=rule.group if rule else None,
                passage=rule.passage if rule else None,
            )
        )
    return out


# --- SPARQL checks ------------------------------------------------------------------------------


def run_check(
    store: EmbeddedStore, check: Check, params: Mapping[str, ox.Literal] | None = None
) -> list[AuditResult]:
    """The check's rows as results; a check that evaluates a shape reports as that shape
    (its message, path, and the constraint component the query selects).

    ``params``: the audit's parameters (``asOf``, profile parameters); each check gets those
    it declares (``# param:``). The focus node is ``?focus`` or, in checks written to run as
    SHACL-SPARQL constraints too, ``?this``."""
    declared = {p.name for p in check.query.params}
    rows = store.select(check.query, {k: v for k, v in (params or {}).items() if k in declared})
    rule = check.rule
    shape = check.shape is not None
    out = []
    for row in rows:
        value = row.get("value")
        focus = row.get("focus") or row.get("this")
        out.append(
            AuditResult(
                focus_node=node_text(focus) or "",
                focus_label=focus.value if isinstance(focus, ox.Literal) else "",
                path=check.path or _term_text(row.get("path")),
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
                group=rule.group,
                passage=rule.passage,
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
            group=IGNORED_RULE.group,
        )
        for s, n in sorted(subjects.items())
    ]
