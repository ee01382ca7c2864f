"""The framework shapes run graph by graph: each imported workbook in its import worker, the
rest of the release once, and a check that this gives exactly the findings of one run over
the union.

pySHACL over the union of every graph was half of ``pcfgraph build`` with every APQC workbook
(611k quads: converting them to rdflib, then the shapes). The framework shapes only read a
focus node's own statements (paths are single predicates) and, for ``sh:class`` and
``sh:node``, the statements of the nodes it points at. So a workbook graph ``G`` validated
with the ontology alone gives the union's findings for its nodes, provided no other graph
says anything about a node of ``G`` with a predicate the shapes read that ``G`` does not say
too (:func:`local_graphs` checks exactly that; when it fails, the union is validated as
before). The other graphs are then validated with, from the workbook graphs, only what the
shapes read about the nodes they point at; findings on workbook nodes are left to their
workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.resources import resource_dir
from pcfgraph.validation import Finding, framework_shapes, run_shacl, triples_to_graph

#: Shape properties whose objects are predicates the shapes read (besides ``rdf:type`` and
#: ``rdfs:subClassOf``, which targets and ``sh:class`` read).
_PREDICATE_PROPERTIES = (SH.path, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
                         SH.targetSubjectsOf, SH.targetObjectsOf)  # fmt: skip


def shapes_graph(paths: Sequence[str] | None = None) -> Graph:
    """A fresh graph of the framework shapes (pySHACL changes the shapes graph it is given)."""
    graph = Graph()
    for path in paths or [str(p) for p in framework_shapes()]:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises assorted errors for bad Turtle
            raise ParseError(f"shape file does not parse: {exc}", source=path) from None
    return graph


@cache
def shape_predicates() -> frozenset[str]:
    """Every predicate the framework shapes read; a path that is not a plain predicate (a
    sequence, inverse or alternative path) makes the split unsafe: then the empty set."""
    shapes = shapes_graph()
    if (None, SH.closed, None) in shapes:
        return frozenset()  # a closed shape reads every predicate of its focus nodes
    found = {str(RDF.type), str(RDFS.subClassOf)}
    for prop in _PREDICATE_PROPERTIES:
        for value in shapes.objects(None, prop):
            if not isinstance(value, URIRef):
                return frozenset()
            found.add(str(value))
    return frozenset(found)


@cache
def ontology_triples() -> tuple[ox.Triple, ...]:
    """The ontology's triples (``sh:targetClass`` sees subclasses through them)."""
    triples: list[ox.Triple] = []
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        triples.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE))
    return tuple(triples)


def rdflib_graph(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """Triples (or quads, graph names dropped) as one rdflib Graph: pySHACL's data graph,
    with only the statements whose predicate the shapes read (:func:`shape_predicates`; no
    shape is ``sh:closed``, so the others cannot change a finding). Converting to rdflib is
    most of the cost, and a third of a release's statements are read by no shape."""
    return triples_to_graph(triples, {ox.NamedNode(p) for p in shape_predicates()})


def validate_framework_triples(triples: Iterable[ox.Triple]) -> list[Finding]:
    """The framework shapes over one framework graph with the ontology (an import worker's
    share of :func:`pcfgraph.release_verify.verify_release`)."""
    data = rdflib_graph([*ontology_triples(), *triples])
    return run_shacl(data, shapes_graph())


def validate_split(store: ox.Store, validated: Iterable[str]) -> list[Finding] | None:
    """The findings of the framework shapes over the union, given that each of the
    ``validated`` graphs passed them alone in its worker; None when that does not carry over
    to the union (:func:`local`): the caller then validates the union."""
    split = Split(store, validated)
    return split.validate_rest() if split.local() else None


#: A subject or an object that is not a literal.
Node = ox.NamedNode | ox.BlankNode | ox.Triple


class Split:
    """The workbook graphs validated in their workers, and the rest of a store.

    One pass over the validated graphs finds which of them mention each node; the checks
    then read only the other graphs (a few thousand statements) and the nodes of more than
    one workbook graph, never the half million workbook statements again."""

    def __init__(self, store: ox.Store, validated: Iterable[str]) -> None:
        self.store = store
        self.done = {ox.NamedNode(g) for g in validated}
        self.predicates = [ox.NamedNode(p) for p in sorted(shape_predicates())]
        #: Subjects and objects of the validated graphs, with the graphs they are in.
        self.owners: dict[Node, set[ox.NamedNode]] = {}
        owners = self.owners
        for g in self.done:
            for q in store.quads_for_pattern(None, None, None, g):
                owners.setdefault(q.subject, set()).add(g)
                if not isinstance(q.object, ox.Literal):
                    owners.setdefault(q.object, set()).add(g)

    def _rest_graphs(self) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
        return [g for g in [ox.DefaultGraph(), *self.store.named_graphs()] if g not in self.done]

    def local(self) -> bool:
        """Whether validating each graph alone (with the ontology) gives the union's findings
        for its nodes: every statement, in any graph but the ontology, about a subject or
        object of a validated graph, with a predicate the shapes read, is in that graph too."""
        if not self.predicates:
            return False
        ontology = ox.NamedNode(str(iris.ontology_graph()))
        store, owners, read = self.store, self.owners, set(self.predicates)
        # statements of the other graphs about nodes of validated graphs
        for graph in self._rest_graphs():
            if graph == ontology:
                continue
            for q in store.quads_for_pattern(None, None, None, graph):
                if q.predicate in read:
                    for g in owners.get(q.subject, ()):
                        if ox.Quad(q.subject, q.predicate, q.object, g) not in store:
                            return False
        # a node that several validated graphs mention: each of them must say all that any
        # of them says about it (with a predicate the shapes read)
        for node, graphs in owners.items():
            if len(graphs) < 2:
                continue
            said: dict[object, set[tuple[object, object]]] = {g: set() for g in graphs}
            for q in store.quads_for_pattern(node, None, None, None):
                if q.graph_name in said and q.predicate in read:
                    said[q.graph_name].add((q.predicate, q.object))
            everything = set().union(*said.values())
            if any(len(statements) != len(everything) for statements in said.values()):
                return False
        return True

    def validate_rest(self) -> list[Finding]:
        """The shapes over every other graph, plus what the shapes read from the validated
        graphs about the nodes those point at; findings on subjects of validated graphs
        (their workers reported them, :meth:`local` made that exact) are dropped."""
        store, read = self.store, set(self.predicates)
        rest: list[ox.Quad] = []
        for graph in self._rest_graphs():
            rest.extend(store.quads_for_pattern(None, None, None, graph))
        pointed = {q.subject for q in rest}
        pointed.update(q.object for q in rest if not isinstance(q.object, ox.Literal))
        borrowed = [
            q
            for node in pointed
            for g in self.owners.get(node, ())
            for q in store.quads_for_pattern(node, None, None, g)
            if q.predicate in read
        ]
        findings = run_shacl(rdflib_graph([*rest, *borrowed]), shapes_graph())
        return [f for f in findings if not self._validated_subject(f.focus)]

    def _validated_subject(self, focus: str) -> bool:
        """Whether a finding's focus node is the subject of a statement of a validated graph."""
        try:
            term = ox.BlankNode(focus[2:]) if focus.startswith("_:") else ox.NamedNode(focus)
        except ValueError:
            return False
        return any(
            next(iter(self.store.quads_for_pattern(term, None, None, g)), None) is not None
            for g in self.owners.get(term, ())
        )
