"""Serialise the graph: the default graph of an export is the union of all named graphs."""

from __future__ import annotations

import pyoxigraph as ox

from pcfgraph.iris import PREFIXES
from pcfgraph.store import EmbeddedStore

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
}


def union_triples(store: EmbeddedStore) -> list[ox.Triple]:
    """Every distinct triple of every graph, in a stable order."""
    seen: set[tuple[object, object, object]] = set()
    out: list[ox.Triple] = []
    for q in store.store:
        key = (q.subject, q.predicate, q.object)
        if key not in seen:
            seen.add(key)
            out.append(ox.Triple(q.subject, q.predicate, q.object))
    out.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return out


def export_bytes(store: EmbeddedStore, fmt: ox.RdfFormat) -> bytes:
    """TriG and N-Quads keep the named graphs; every other format writes their union."""
    if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        data = ox.serialize(list(store.store), format=fmt, prefixes=dict(PREFIXES))
    elif fmt == ox.RdfFormat.N_TRIPLES:
        data = ox.serialize(union_triples(store), format=fmt)
    else:
        data = ox.serialize(union_triples(store), format=fmt, prefixes=dict(PREFIXES))
    return data if isinstance(data, bytes) else b""
