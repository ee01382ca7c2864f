"""The rules pcfgraph checks, as a catalogue served at their IRIs (``/shapes/...``).

Every finding of ``pcfgraph audit`` and ``pcfgraph validate`` names its rule by IRI
(``sh:sourceShape``, ``https://w3id.org/pcfgraph/shapes/CustomerTeamServesShape``). An
auditor signing a report follows that IRI to read what the rule requires, why, at which
severity, which framework passage it comes from and a minimal model that breaks it: the same
facts ``pcfgraph audit --explain`` prints, from the same rule sets (the audit's
:meth:`RuleSet.load` and the framework graph's :func:`framework_rules`). A rule's RDF is its
shape as shipped: the shape's statements and, closed over, its blank nodes and the named
property shapes it uses (a check of organisational models is its SHACL-SPARQL twin in
``shapes/orgmodel-sparql.ttl``). Framework checks named ``checks/<stem>`` have no IRI and
are not served.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.errors import NotFoundError
from pcfgraph.rules.model import Rule
from pcfgraph.rules.ruleset import RuleSet

_SH = iris.SH
Triple = tuple[Node, Node, Node]

#: What a rule set checks, as a rule's page says it.
AUDIT = "organisational models (pcfgraph audit, POST /validate)"
FRAMEWORK = "the framework graph (pcfgraph validate, release checks)"


@dataclass(frozen=True)
class RuleEntry:
    """One rule with what its page shows."""

    rule: Rule
    #: What the rule checks (:data:`AUDIT` or :data:`FRAMEWORK`).
    checks: str
    #: The report section's label (``sh:group``), or None.
    section: str | None
    #: The shape's statements (see the module doc), blank nodes labelled by RDFC-1.0 and in
    #: one order: the same bytes from every server process (their ETag too).
    triples: tuple[ox.Triple, ...]
    #: A minimal model violating it (Turtle), for audit rules that have one.
    example: str | None


@dataclass(frozen=True)
class ShapesResource:
    """Anything else the shapes files name under :data:`pcfgraph.iris.SHAPES_BASE`: a report
    section (``sh:PropertyGroup``), a shapes document (``shp:orgmodel``), a helper shape."""

    iri: str
    label: str
    #: Its statements closed over blank nodes; a section's also say which rules are in it.
    triples: tuple[ox.Triple, ...]
    #: The rules in it (a report section), by name.
    rules: tuple[RuleEntry, ...] = ()


class RuleCatalogue:
    """Every rule with an IRI under :data:`pcfgraph.iris.SHAPES_BASE`, by IRI, and the other
    resources named there (read-only)."""

    def __init__(
        self,
        entries: Iterable[RuleEntry],
        others: Iterable[ShapesResource],
        statements: Iterable[Triple],
    ) -> None:
        self._entries = {e.rule.iri: e for e in entries}
        self._others = {o.iri: o for o in others if o.iri not in self._entries}
        #: Every rule's and resource's statements as read from the shapes (rdflib's triples,
        #: one blank node per blank node of the files: :meth:`triples`).
        self._statements = tuple(statements)

    @classmethod
    def build(
        cls, audit: RuleSet, framework: RuleSet, code_rules: Iterable[Rule] = ()
    ) -> RuleCatalogue:
        """The catalogue of two rule sets' rules and of ``code_rules``, the audit's rules
        written in code (model validity: a bad cell, an unknown key; statements ignored),
        which findings name as they name shapes."""
        from pcfgraph.audit.explain import minimal_example

        entries: list[RuleEntry] = []
        #: every statement of the catalogue, read once from the shapes (see :meth:`triples`)
        statements: list[Triple] = []
        sections = {g.iri: g.label for g in audit.groups}
        for rule in code_rules:
            group = rule.group or str(iris.SH_PCF.ModelValidityGroup)  # their section
            stated = list(_code_rule(rule, group))
            statements += stated
            entries.append(
                RuleEntry(
                    rule=replace(rule, group=group),
                    checks=AUDIT,
                    section=sections.get(group),
                    triples=canonical(stated),
                    example=None,
                )
            )
        graphs = [(audit, AUDIT, _graph(audit)), (framework, FRAMEWORK, _graph(framework))]
        for ruleset, checks, graph in graphs:
            sections = {g.iri: g.label for g in ruleset.groups}
            for rule in ruleset.rules.values():
                if not rule.iri.startswith(iris.SHAPES_BASE):
                    continue
                stated = list(_described(graph, URIRef(rule.iri)))
                statements += stated
                entries.append(
                    RuleEntry(
                        rule=rule,
                        checks=checks,
                        section=sections.get(rule.group or ""),
                        triples=canonical(stated),
                        example=minimal_example(ruleset, rule) if checks == AUDIT else None,
                    )
                )
        entries.sort(key=lambda e: (e.checks != AUDIT, e.rule.name))
        others = list(_others(graphs, entries, statements))  # adds their statements
        return cls(entries, others, statements)

    @classmethod
    def load(cls) -> RuleCatalogue:
        """The catalogue of the shipped rules (parses every shape file: ~0.6 s)."""
        from pcfgraph.audit.findings import code_rules
        from pcfgraph.audit.ruleset import RuleSet as AuditRuleSet
        from pcfgraph.validation import framework_rules

        return cls.build(AuditRuleSet.load(), framework_rules(), code_rules())

    def __iter__(self) -> Iterator[RuleEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, iri: str) -> RuleEntry:
        """The rule of ``iri``; NotFoundError naming it otherwise."""
        entry = self._entries.get(iri)
        if entry is None:
            raise self._unknown(iri)
        return entry

    def find(self, iri: str) -> RuleEntry | ShapesResource:
        """The rule or other resource of ``iri``; NotFoundError naming it otherwise."""
        found = self._entries.get(iri) or self._others.get(iri)
        if found is None:
            raise self._unknown(iri)
        return found

    def _unknown(self, iri: str) -> NotFoundError:
        return NotFoundError(
            f"no rule is named <{iri}>: the {len(self)} rules are listed at /shapes"
        )

    def triples(self) -> tuple[ox.Triple, ...]:
        """Every rule's statements: the whole catalogue as one graph, made from the shapes as
        read (:meth:`build`), not from the rules' own descriptions: those label their blank
        nodes each on its own (RDFC-1.0), so two rules' ``_:c14n0`` would be one node here,
        a property shape with every rule's ``sh:path`` that no SHACL engine loads. A named
        property shape two rules share is one shape with one set of blank nodes."""
        return canonical(self._statements)


def _graph(ruleset: RuleSet) -> Graph:
    """Every shape of ``ruleset`` as one graph (read once per catalogue)."""
    graph = Graph(bind_namespaces="none")
    for triple in ruleset.all_shape_triples:
        graph.add(triple)
    return graph


def _others(
    graphs: list[tuple[RuleSet, str, Graph]],
    entries: list[RuleEntry],
    statements: list[Triple],
) -> Iterator[ShapesResource]:
    """What else the shapes name under :data:`pcfgraph.iris.SHAPES_BASE`."""
    for ruleset, _, graph in graphs:
        for subject in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}):
            iri = str(subject)
            if not iri.startswith(iris.SHAPES_BASE) or iri in ruleset.rules:
                continue
            label = graph.value(subject, RDFS.label)
            members = tuple(e for e in entries if e.rule.group == iri)
            stated = list(_described(graph, subject))
            stated += ((URIRef(e.rule.iri), _SH.group, subject) for e in members)
            statements += stated
            yield ShapesResource(
                iri=iri,
                label=str(label) if label is not None else iri[len(iris.SHAPES_BASE) :],
                triples=canonical(stated),
                rules=members,
            )


def _code_rule(rule: Rule, group: str) -> Iterator[Triple]:
    """A rule written in code, in the shapes' terms (no shape: no targets, no constraints)."""
    iri = URIRef(rule.iri)
    yield iri, RDFS.label, Literal(rule.name)
    yield iri, _SH.message, Literal(rule.message, lang="en")
    yield iri, _SH.severity, _SH[rule.severity]
    yield iri, _SH.group, URIRef(group)
    yield (
        iri,
        RDFS.comment,
        Literal(
            "Checked by pcfgraph's model readers while reading a model (no SHACL shape): "
            + rule.message,
            lang="en",
        ),
    )
    if rule.hint:
        yield iri, iris.ORGM.remediationHint, Literal(rule.hint, lang="en")
    if rule.rationale:
        yield iri, iris.ORGM.severityRationale, Literal(rule.rationale, lang="en")


def _described(graph: Graph, shape: URIRef) -> Iterator[Triple]:
    """The statements of ``shape``, closed over its blank nodes and the named shapes it uses
    through ``sh:property``/``sh:node`` (their own statements), and the label of its group."""
    todo: list[Node] = [shape]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for _, p, o in graph.triples((node, None, None)):
            yield node, p, o
            if isinstance(o, BNode) or (
                p in (_SH.property, _SH.node)
                and isinstance(o, URIRef)
                and str(o).startswith(iris.SHAPES_BASE)
            ):
                todo.append(o)
            elif p == _SH.group:
                yield from graph.triples((o, RDFS.label, None))


def canonical(triples: Iterable[Triple | ox.Triple]) -> tuple[ox.Triple, ...]:
    """``triples`` (rdflib's or pyoxigraph's) as pyoxigraph triples, blank nodes labelled by
    RDFC-1.0, in N-Triples order."""
    graph = Graph(bind_namespaces="none")
    kept: list[ox.Triple] = []
    for triple in triples:
        if isinstance(triple, ox.Triple):
            kept.append(triple)
        else:
            graph.add(triple)
    if len(graph):
        kept += ox.parse(
            graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
        )
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in kept)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return tuple(sorted((q.triple for q in dataset), key=str))
