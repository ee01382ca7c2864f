"""The model vocabulary's JSON-LD context, served locally and never fetched.

The context is built from ``ontology/orgmodel.ttl`` (so it cannot drift from the vocabulary):
every ``orgm:`` class and property as a short key (object properties typed ``@id``, dated
properties typed ``xsd:date``), plus the prefixes a model needs (``org``, ``foaf``, ``rdfs``,
``xsd``, ``orgm``) and ``name``/``label`` for ``foaf:name``/``rdfs:label``.

It is served at :data:`CONTEXT_PATH` and has the stable IRI :data:`CONTEXT_IRI`. A JSON-LD
upload whose ``@context`` names either (or the served path on any host) gets the context
inlined before parsing (:func:`inline_known_contexts`), so no network is ever used; any other
remote context is still refused by the parser.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Final

from pcfgraph import iris
from pcfgraph.errors import ParseError

#: The stable IRI of the context and the local path the server publishes it at.
CONTEXT_IRI: Final = iris.BASE + "orgmodel.context.jsonld"
CONTEXT_PATH: Final = "/contexts/orgmodel.jsonld"
_PREFIXES: Final = {
    "orgm": str(iris.ORGM),
    "org": str(iris.ORG),
    "foaf": str(iris.FOAF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": str(iris.SKOS),
    "pcfg": str(iris.PCFG),
}


@cache
def orgmodel_context() -> dict[str, Any]:
    """The ``{"@context": {...}}`` document for the model vocabulary."""
    from rdflib import Graph
    from rdflib.namespace import OWL, RDF, RDFS, XSD

    from pcfgraph.resources import resource_dir

    g = Graph().parse(resource_dir("ontology") / "orgmodel.ttl", format="turtle")
    ctx: dict[str, Any] = dict(_PREFIXES)
    ctx["label"] = {"@id": str(RDFS.label)}
    ctx["comment"] = {"@id": str(RDFS.comment)}
    ctx["name"] = {"@id": str(iris.FOAF.name)}
    ns = str(iris.ORGM)
    for s in sorted({str(x) for x in g.subjects(RDF.type, None) if str(x).startswith(ns)}):
        term = s[len(ns) :]
        node = g.resource(s).identifier
        types = set(g.objects(node, RDF.type))
        if OWL.ObjectProperty in types:
            ctx[term] = {"@id": f"orgm:{term}", "@type": "@id"}
        elif OWL.DatatypeProperty in types and (node, RDFS.range, XSD.date) in g:
            ctx[term] = {"@id": f"orgm:{term}", "@type": "xsd:date"}
        else:
            ctx[term] = f"orgm:{term}"
    return {"@context": ctx}


def _is_ours(ref: object) -> bool:
    return isinstance(ref, str) and (ref == CONTEXT_IRI or ref.endswith(CONTEXT_PATH))


def _inline(value: Any) -> tuple[Any, bool]:
    """The @context value with references to our context replaced by the context itself."""
    if _is_ours(value):
        return orgmodel_context()["@context"], True
    if isinstance(value, list):
        out, changed = [], False
        for item in value:
            new, did = _inline(item)
            out.append(new)
            changed = changed or did
        return out, changed
    return value, False


def _walk(node: Any) -> bool:
    changed = False
    if isinstance(node, dict):
        if "@context" in node:
            node["@context"], did = _inline(node["@context"])
            changed = did
        for key, value in node.items():
            if key != "@context":
                changed = _walk(value) or changed
    elif isinstance(node, list):
        for item in node:
            changed = _walk(item) or changed
    return changed


def inline_known_contexts(data: bytes, name: str) -> bytes:
    """The JSON-LD document with our context inlined wherever it is referenced (the bytes as
    given when it is not referenced, so parse errors keep their positions)."""
    if CONTEXT_PATH.encode() not in data and CONTEXT_IRI.encode() not in data:
        return data
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise ParseError(
            f"not valid JSON-LD: {getattr(exc, 'msg', exc)}", line=line, column=column, source=name
        ) from None
    if not _walk(doc):
        return data
    return json.dumps(doc).encode("utf-8")


def _references(node: Any) -> list[str]:
    """The context IRIs a JSON-LD document refers to (``@context`` values, ``@import``), in
    document order; scoped contexts included."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@import" and isinstance(value, str):
                found.append(value)
            elif key == "@context":
                for item in value if isinstance(value, list) else [value]:
                    found.extend([item] if isinstance(item, str) else _references(item))
            else:
                found.extend(_references(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_references(item))
    return found


def remote_context_error(data: bytes, name: str) -> ParseError:
    """The refusal of a JSON-LD document whose context is not inline (pyoxigraph's parser says
    only 'No LoadDocumentCallback has been set'): the first such context named, at its line
    and column, and what to do instead."""
    try:
        refs = [r for r in _references(json.loads(data)) if not _is_ours(r)]
    except (ValueError, UnicodeDecodeError, RecursionError):
        refs = []
    what = f"the context {refs[0]!r}" if refs else "a context"
    line = column = None
    if refs and (at := data.find(json.dumps(refs[0]).encode())) >= 0:
        line = data.count(b"\n", 0, at) + 1
        column = len(data[data.rfind(b"\n", 0, at) + 1 : at].decode("utf-8", "replace")) + 1
    return ParseError(
        f"remote JSON-LD context refused: {what} is not in the file, and pcfgraph never "
        f"fetches one; put the context itself in the file, or name {CONTEXT_IRI} for the "
        "model vocabulary",
        line=line,
        column=column,
        source=name,
    )
