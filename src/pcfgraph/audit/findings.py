"""The audit's use of the rule engine (:mod:`pcfgraph.rules.engine`: pySHACL on an rdflib data
graph, SPARQL checks on pyoxigraph): each finding turned into an
:class:`~pcfgraph.audit.report.AuditResult` with its rule's citation, hint and report section."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.audit.report import AuditResult
from pcfgraph.audit.rules import AUDIT_ORIGIN, FRAMEWORK_ORIGIN, Check, Rule
from pcfgraph.audit.terms import Triple, _term_text
from pcfgraph.rules.engine import check_findings, shacl_findings
from pcfgraph.rules.model import Finding
from pcfgraph.rules.ruleset import RuleSet
from pcfgraph.rules.terms import is_literal_text, to_rdflib
from pcfgraph.store import EmbeddedStore

if TYPE_CHECKING:
    from pcfgraph.audit.labels import Labeller
    from pcfgraph.audit.profiles import Profile

_NO_MESSAGE = "(no message)"

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


def code_rules() -> list[Rule]:
    """The audit's rules written in code, not in a shape (model validity: a bad cell, an
    unknown term or key; statements ignored in an upload), in their report section (model
    validity): findings name them as they name shapes."""
    from pcfgraph.audit.inputs.model import MODEL_RULES

    group = str(iris.SH_PCF.ModelValidityGroup)
    return [replace(r, group=r.group or group) for r in (*MODEL_RULES.values(), IGNORED_RULE)]


class _IriNames(NamespaceManager):
    """Writes IRIs as ``<iri>`` without looking for a prefix.

    pySHACL renders every result it makes, including the many nested ones inside ``sh:or``,
    ``sh:not`` and qualified value shapes that are thrown away, as description text; the audit
    never reads that text (messages come from ``sh:resultMessage``), so the prefix search is
    wasted work.
    """

    def normalizeUri(self, rdfTerm: str) -> str:  # rdflib's name
        return f"<{rdfTerm}>"


class _IllTypedLiteral(logging.Filter):
    """Drops rdflib's warning about an ill-typed literal (``"31/12/2025"^^xsd:date``): it
    comes with a stack trace, which Python's last-resort handler printed on the auditor's
    terminal (``pcfgraph audit``, and the server's log for every upload). The value is the
    audit's to report, and it is: a model-validity finding of the shape naming the value."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


def rules_of(ruleset: RuleSet) -> set[Rule]:
    """Every rule an audit with ``ruleset`` applies: its shapes, its checks and
    :func:`code_rules`."""
    return {*ruleset.rules.values(), *(c.rule for c in ruleset.checks), *code_rules()}


def rules_applied(ruleset: RuleSet, profile: Profile, labeller: Labeller) -> list[dict[str, Any]]:
    """Every rule the audit applied (the profile's severities), for the report's appendix;
    ``origin`` tells the audit's own rules (no framework source by design) from the rules
    derived from a framework, whose ``source`` is null only where a citation is missing."""
    out = []
    for rule in sorted(rules_of(ruleset), key=_by_name):
        if rule.iri in profile.deactivated:
            continue
        rule = profile.apply(rule)
        framework, code, name = labeller.source_info(rule.source)
        out.append(
            {
                "rule": rule.name,
                "iri": rule.iri,
                "severity": rule.severity,
                "group": rule.group,
                "message": rule.message,
                "rationale": rule.rationale,
                "source": {
                    "framework": framework,
                    "code": code,
                    "name": name,
                    "passage": rule.passage,
                    "iri": rule.source,
                }
                if rule.source
                else None,
                "origin": AUDIT_ORIGIN if rule.kind == "audit" else FRAMEWORK_ORIGIN,
            }
        )
    return out


def _by_name(rule: Rule) -> str:
    return rule.name


def _quiet_ill_typed_literals() -> None:
    logger = logging.getLogger("rdflib.term")
    if not any(isinstance(f, _IllTypedLiteral) for f in logger.filters):
        logger.addFilter(_IllTypedLiteral())


def data_graph(
    framework: Iterable[Triple],
    triples: Sequence[ox.Triple | ox.Quad],
    observed: frozenset[str] | None = None,
) -> Graph:
    """The graph pySHACL validates: the framework subset plus the upload's triples whose
    predicate the shapes can observe (``observed``; None: all of them), in a
    :class:`~pcfgraph.audit.datagraph.DataGraphStore`."""
    from pcfgraph.audit.datagraph import DataGraphStore

    _quiet_ill_typed_literals()  # the upload's literals become rdflib terms here
    store = DataGraphStore()
    data = Graph(store=store, bind_namespaces="none")
    data.namespace_manager = _IriNames(data, bind_namespaces="none")
    store.set_graph(data)
    store.add_many(framework)
    store.add_many(_observed_triples(triples, observed))
    return data


def _observed_triples(
    triples: Iterable[ox.Triple | ox.Quad], observed: frozenset[str] | None
) -> Iterator[Triple]:
    """The statements whose predicate is observed, as rdflib terms (each distinct term
    converted once; quoted triples were rejected by the parser). One pass that reads each
    statement's predicate once: this is on the critical path of the audit's SHACL child."""
    cache: dict[Any, Node] = {}
    get = cache.get
    for t in triples:
        p = t.predicate
        if observed is not None and p.value not in observed:
            continue
        s, o = t.subject, t.object
        sn, pn, on = get(s), get(p), get(o)
        if sn is None:
            sn = cache[s] = to_rdflib(s)
        if pn is None:
            pn = cache[p] = to_rdflib(p)
        if on is None:
            on = cache[o] = to_rdflib(o)
        yield sn, pn, on


def run_shacl(data: Graph, shapes: Graph, rules: dict[str, Rule]) -> list[AuditResult]:
    """pySHACL's results (:func:`pcfgraph.rules.engine.shacl_findings`) as audit results;
    ``shapes`` (a graph of this validation's own) loses its numeric ``sh:or`` lists, which are
    evaluated directly with the same results (:mod:`pcfgraph.audit.datatype_or`)."""
    from pcfgraph.audit.datatype_or import datatype_ors, evaluate, take_out

    ors = datatype_ors(shapes)
    take_out(shapes, ors)
    direct = evaluate(data, shapes, ors)  # before pySHACL, which changes the shapes graph
    found = [*shacl_findings(data, shapes), *direct]
    return [_shape_result(f, rules.get(f.source_shape)) for f in found]


def _shape_result(f: Finding, rule: Rule | None) -> AuditResult:
    node_result = f.path is None and f.value_node is not None and f.value_node == f.focus_node
    # a node-shape result's value is the focus node itself: not shown as a value
    value, value_node = (None, None) if node_result else (f.value, f.value_node)
    return AuditResult(
        focus_node=f.focus_node,
        # a literal focus node (a shape targets the objects of a property the upload gave a
        # literal) is labelled by its lexical form: no node to look up
        focus_label=f.focus if is_literal_text(f.focus_node) else "",
        path=f.path,
        value=value,
        severity=f.severity,
        message=f.message if f.message != _NO_MESSAGE else (rule.message if rule else ""),
        shape=f.source_shape,
        source=rule.source if rule else None,
        hint=rule.hint_for(f.component) if rule else None,
        kind="shacl",
        value_is_iri=value is not None and f.value_type == "iri",
        component=f.component,
        value_node=value_node,
        group=rule.group if rule else None,
        passage=rule.passage if rule else None,
    )


# --- SPARQL checks ------------------------------------------------------------------------------


def run_check(
    store: EmbeddedStore, check: Check, params: Mapping[str, ox.Literal] | None = None
) -> list[AuditResult]:
    """The check's rows (:func:`pcfgraph.rules.engine.check_findings`) as audit results."""
    rule = check.rule
    return [
        AuditResult(
            focus_node=f.focus_node,
            focus_label=f.focus if is_literal_text(f.focus_node) else "",
            path=f.path,
            value=f.value,
            severity=f.severity,
            message=f.message,
            shape=f.source_shape,
            source=f.source or rule.source,
            hint=rule.hint_for(f.component),
            kind=f.kind,
            value_is_iri=f.value_type == "iri",
            component=f.component,
            value_node=f.value_node,
            group=rule.group,
            passage=rule.passage,
        )
        for f in check_findings(store, check, params)
    ]


def _ignored_results(ignored: Iterable[ox.Triple | ox.Quad]) -> list[AuditResult]:
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
