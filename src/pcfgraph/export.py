"""Serialise the graph: the default graph of an export is the union of all named graphs."""

from __future__ import annotations

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.conneg import by_name
from pcfgraph.iris import PREFIXES
from pcfgraph.store import EmbeddedStore

#: The names ``pcfgraph export --format`` takes (formats of :mod:`pcfgraph.conneg`).
_NAMES = ("turtle", "ttl", "nt", "ntriples", "jsonld", "json-ld", "trig", "nq", "nquads", "rdfxml")
FORMATS: dict[str, ox.RdfFormat] = {name: by_name(name).rdf_format for name in (*_NAMES, "xml")}


def _quads(store: EmbeddedStore, derived: bool) -> list[ox.Quad]:
    """Every quad, without the derived-mappings graph unless ``derived``: a consumer of an
    export must be able to tell curated mappings from pcfgraph's derivations."""
    if derived:
        return list(store.store)
    skip = ox.NamedNode(str(iris.derived_mappings_graph()))
    return [q for q in store.store if q.graph_name != skip]


def union_triples(store: EmbeddedStore, *, derived: bool = True) -> list[ox.Triple]:
    """Every distinct triple of every graph (without the derived mappings unless
    ``derived``), in a stable order."""
    seen: set[tuple[object, object, object]] = set()
    out: list[ox.Triple] = []
    for q in _quads(store, derived):
        key = (q.subject, q.predicate, q.object)
        if key not in seen:
            seen.add(key)
            out.append(ox.Triple(q.subject, q.predicate, q.object))
    out.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return out


def export_bytes(store: EmbeddedStore, fmt: ox.RdfFormat, *, derived: bool = False) -> bytes:
    """TriG and N-Quads keep the named graphs; every other format writes their union.
    Derived mappings only when ``derived`` (in TriG/N-Quads in their own named graph)."""
    if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        data = ox.serialize(_quads(store, derived), format=fmt, prefixes=dict(PREFIXES))
    elif fmt == ox.RdfFormat.N_TRIPLES:
        data = ox.serialize(union_triples(store, derived=derived), format=fmt)
    else:
        data = ox.serialize(
            union_triples(store, derived=derived), format=fmt, prefixes=dict(PREFIXES)
        )
    return data if isinstance(data, bytes) else b""
