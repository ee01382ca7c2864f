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


class Split:
    """The workbook graphs validated in their workers, and the rest of a store."""

    def __init__(self, store: ox.Store, validated: Iterable[str]) -> None:
        self.store = store
        self.done = {ox.NamedNode(g) for g in validated}
        self.predicates = [ox.NamedNode(p) for p in sorted(shape_predicates())]
        #: Subjects and objects of the validated graphs, with the graphs they are in.
        self.owners: dict[object, set[ox.NamedNode]] = {}
        self.subjects: set[str] = set()
        for g in self.done:
            for q in store.quads_for_pattern(None, None, None, g):
                self.owners.setdefault(q.subject, set()).add(g)
                self.subjects.add(to_text(q.subject))
                if not isinstance(q.object, ox.Literal):
                    self.owners.setdefault(q.object, set()).add(g)

    def local(self) -> bool:
        """Whether validating each graph alone (with the ontology) gives the union's findings
        for its nodes: every statement, in any graph but the ontology, about a subject or
        object of a validated graph, with a predicate the shapes read, is in that graph too."""
        if not self.predicates:
            return False
        ontology = ox.NamedNode(str(iris.ontology_graph()))
        store, owners = self.store, self.owners
        for p in self.predicates:
            for q in store.quads_for_pattern(None, p, None, None):
                if q.graph_name == ontology:
                    continue
                for g in owners.get(q.subject, ()):
                    if g != q.graph_name and ox.Quad(q.subject, p, q.object, g) not in store:
                        return False
        return True

    def validate_rest(self) -> list[Finding]:
        """The shapes over every other graph, plus what the shapes read from the validated
        graphs about the nodes those point at; findings on subjects of validated graphs
        (their workers reported them, :meth:`local` made that exact) are dropped."""
        store = self.store
        rest: list[ox.Quad] = []
        for graph in [ox.DefaultGraph(), *store.named_graphs()]:
            if graph not in self.done:
                rest.extend(store.quads_for_pattern(None, None, None, graph))
        pointed = {q.subject for q in rest}
        pointed.update(q.object for q in rest if not isinstance(q.object, ox.Literal))
        borrowed = [
            q
            for g in self.done
            for p in self.predicates
            for q in store.quads_for_pattern(None, p, None, g)
            if q.subject in pointed
        ]
        findings = run_shacl(rdflib_graph([*rest, *borrowed]), shapes_graph())
        return [f for f in findings if f.focus not in self.subjects]


def to_text(term: object) -> str:
    """A subject as :class:`~pcfgraph.validation.Finding` names its focus node."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))
