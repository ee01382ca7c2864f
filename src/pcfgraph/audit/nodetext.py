"""RDF terms as report text, and back."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef

from pcfgraph.rules.terms import (
    is_literal_text,
    literal_text,
    node_text,
    ox_literal_of,
    to_rdflib,
)

# RDF terms as report text: one definition, in the rule engine (:mod:`pcfgraph.rules.terms`).
__all__ = [
    "is_literal_text",
    "literal_of",
    "literal_text",
    "node_of",
    "node_text",
    "ox_literal_of",
]


def literal_of(text: str) -> Literal:
    """The rdflib literal named by its N-Triples form; text that does not parse as one is
    taken as a plain string (never an error: this reads reports, not uploads)."""
    obj = ox_literal_of(text)
    if obj is None:
        return Literal(text)
    term = to_rdflib(obj)
    assert isinstance(term, Literal)
    return term


def node_of(text: str, bnodes: dict[str, BNode]) -> URIRef | BNode | Literal:
    """The rdflib term named by report text; ``bnodes`` keeps one blank node per ``_:id``."""
    if is_literal_text(text):
        return literal_of(text)
    if text.startswith("_:"):
        return bnodes.setdefault(text, BNode())
    return URIRef(text)
