"""RDF terms as report text, and back."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from pcfgraph.validation import to_rdflib

# --- RDF terms as text ---------------------------------------------------------------------
#
# A report names nodes as text: an IRI as itself, a blank node as ``_:id``, a literal in its
# N-Triples form (``"fast"``, ``"99.5"^^<http://www.w3.org/2001/XMLSchema#decimal>``,
# ``"Payroll"@en``). The three never collide: an IRI never starts with ``"`` or ``_:``. A
# literal is a legal SHACL focus node (``sh:targetObjectsOf`` a property given a literal
# object), so every consumer of ``focusNode`` must expect one.


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


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)


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
