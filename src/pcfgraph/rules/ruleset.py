"""A rule set loaded once: the parsed shapes (as triples: each validation builds its own graph),
their rules and report sections, and the checks (:class:`RuleSet`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Self

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.rules.load import parse_shapes, rule_groups, shape_rules
from pcfgraph.rules.model import Check, Rule, RuleGroup
from pcfgraph.rules.terms import path_text

_SH = iris.SH
Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class RuleSet:
    """The parsed shapes, their rules, and the checks. Read-only once built, so one instance
    may serve concurrent validations.

    Shapes a check evaluates on pyoxigraph (``# shape:``) and the SHACL-SPARQL twins of
    checks are left out of the triples pySHACL gets; their rules stay in :attr:`rules`.
    """

    #: The shapes pySHACL validates with (every shape no check evaluates).
    shape_triples: tuple[Triple, ...]
    namespaces: tuple[tuple[str, URIRef], ...]
    rules: dict[str, Rule]
    checks: tuple[Check, ...]
    #: Every shape, including those evaluated by checks (for other SHACL engines).
    all_shape_triples: tuple[Triple, ...] = ()
    #: The predicates of the data pySHACL can observe; None: all of them.
    observed_predicates: frozenset[str] | None = None
    #: The report sections (sh:PropertyGroup), in sh:order.
    groups: tuple[RuleGroup, ...] = ()
    #: Every core-SHACL shape: all shapes minus the checks' SHACL-SPARQL twins (what a core
    #: SHACL engine such as pyrudof runs; the shape checks are held to it).
    core_shape_triples: tuple[Triple, ...] = ()

    @classmethod
    def build(cls, shapes: Sequence[Path], checks: Iterable[Check]) -> Self:
        """The rule set of these shape files and checks."""
        graph = parse_shapes(shapes)
        rules = shape_rules(graph)
        loaded = []
        evaluated: set[URIRef] = set()
        twins: set[URIRef] = set()
        for check in checks:
            if check.shape is not None:
                check = _shape_check(graph, rules, check)
                evaluated.add(URIRef(check.rule.iri))
            elif (URIRef(check.rule.iri), _SH.sparql, None) in graph:
                # the check's SHACL-SPARQL twin (for other SHACL engines): the check runs on
                # pyoxigraph instead, its header is the rule
                evaluated.add(URIRef(check.rule.iri))
                twins.add(URIRef(check.rule.iri))
            loaded.append(check)
        rules.update((c.rule.iri, c.rule) for c in loaded)
        everything = tuple(graph)
        triples = _without_shapes(graph, evaluated) if evaluated else everything
        return cls(
            shape_triples=triples,
            namespaces=tuple((p, URIRef(str(n))) for p, n in graph.namespaces()),
            rules=rules,
            checks=tuple(loaded),
            all_shape_triples=everything,
            observed_predicates=observed_predicates(triples),
            groups=tuple(rule_groups(graph)),
            core_shape_triples=_without_shapes(graph, twins) if twins else everything,
        )

    def shapes_graph(self, deactivated: Iterable[str] = ()) -> Graph:
        """A fresh shapes graph for one validation (never shared: pySHACL#314), with the
        given shapes switched off (``sh:deactivated true``, a profile's choice)."""
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in self.namespaces:
            graph.bind(prefix, namespace, override=True, replace=True)
        graph.addN((s, p, o, graph) for s, p, o in self.shape_triples)
        for shape in deactivated:
            graph.add((URIRef(shape), _SH.deactivated, Literal(True)))
        return graph


def _shape_check(graph: Graph, rules: dict[str, Rule], check: Check) -> Check:
    """A check that evaluates a shape: the shape's rule and path are its own."""
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
    return replace(check, rule=rule, path=path_text(graph, graph.value(shape, _SH.path)))


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
