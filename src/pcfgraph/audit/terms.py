"""RDF term helpers shared by the audit modules: report text for terms, rdflib conversion with
a per-run cache, named queries, SHACL path text."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.audit.report import is_literal_text
from pcfgraph.queries import NamedQuery, parse_header
from pcfgraph.resources import resource_dir
from pcfgraph.rules.terms import to_rdflib

#: Where an audit's store holds the upload: the default graph (every framework quad is in a
#: named graph), so the parsed statements go into the store as they are.
UPLOAD_GRAPH = ox.DefaultGraph()
_SH = iris.SH
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

Triple = tuple[Node, Node, Node]


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


def _local(iri: str) -> str:
    if iri.startswith("_:"):
        return "(unnamed node)"
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1] or iri
