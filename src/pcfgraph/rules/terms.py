"""RDF terms as report text (both engines' results), pyoxigraph -> rdflib conversion, and
SHACL property paths as text."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from pcfgraph import iris

_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})

# A report names nodes as text: an IRI as itself, a blank node as ``_:id``, a literal in its
# N-Triples form (``"fast"``, ``"99.5"^^<http://www.w3.org/2001/XMLSchema#decimal>``,
# ``"Payroll"@en``). The three never collide: an IRI never starts with ``"`` or ``_:``. A
# literal is a legal SHACL focus node (``sh:targetObjectsOf`` a property given a literal
# object), so every consumer of a focus node must expect one.


def node_text(term: object) -> str | None:
    """An rdflib or pyoxigraph term as report text (see above); None for no term."""
    if term is None:
        return None
    if isinstance(term, Literal):
        dt = term.datatype
        return literal_text(str(term), None if dt is None else str(dt), term.language or None)
    if isinstance(term, ox.Literal):
        return literal_text(term.value, term.datatype.value, term.language)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def literal_text(lexical: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal in N-Triples form; ``xsd:string`` (and a language string's datatype) is
    left implicit."""
    quoted = '"' + lexical.translate(_ESCAPES) + '"'
    if language:
        return f"{quoted}@{language}"
    if datatype and datatype not in (_XSD_STRING, _LANG_STRING):
        return f"{quoted}^^<{datatype}>"
    return quoted


def is_literal_text(text: str) -> bool:
    """Whether report text names a literal (an IRI or ``_:id`` never starts with ``"``)."""
    return text.startswith('"')


def value_text(term: object) -> str | None:
    """A term as people read a value: an IRI, ``_:id`` for a blank node, a literal's lexical
    form (rdflib or pyoxigraph)."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def term_type(term: object) -> str | None:
    """``iri``, ``bnode`` or ``literal`` (how to show a value); None for no term."""
    if term is None:
        return None
    if isinstance(term, URIRef | ox.NamedNode):
        return "iri"
    return "bnode" if isinstance(term, BNode | ox.BlankNode) else "literal"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """One pyoxigraph term as the equal rdflib term.

    Quoted triples (RDF-star) have no rdflib equivalent; callers filter them out first.
    """
    if isinstance(term, ox.Triple):
        raise TypeError("quoted triples (RDF-star) cannot be converted to rdflib terms")
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    dt = term.datatype.value
    if dt == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(dt))


def path_text(graph: Graph, path: Node | None) -> str | None:
    """An IRI path as the IRI; ``^p`` for an inverse path; ``p1/p2`` for a sequence."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, iris.SH.inversePath)
    if inverse is not None:
        return "^" + (path_text(graph, inverse) or "")
    first = graph.value(path, RDF.first)
    if first is not None:
        from rdflib.collection import Collection

        return "/".join(path_text(graph, p) or "" for p in Collection(graph, path))
    return None


def ox_literal_of(text: str) -> ox.Literal | None:
    """The pyoxigraph literal named by its N-Triples form; None when the text is not one."""
    try:
        triple = next(
            iter(
                ox.parse(
                    input=f"<urn:x:s> <urn:x:p> {text} .".encode(),
                    format=ox.RdfFormat.N_TRIPLES,
                )
            )
        )
    except (SyntaxError, ValueError, StopIteration):
        return None
    return triple.object if isinstance(triple.object, ox.Literal) else None


def literal_lexical(text: str) -> str:
    """The lexical form of a literal given as report text (:func:`literal_text`)."""
    literal = ox_literal_of(text)
    return text if literal is None else literal.value
