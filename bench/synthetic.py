"""A synthetic framework graph for benchmarks: many PCF-sized editions with mappings.

``synthetic_nquads(n_editions)`` returns N-Quads with, per edition, one named graph
(``iris.framework_graph``) holding a 5-level PCF-shaped hierarchy of :data:`ELEMENTS`
elements (``iris.apqc_element`` IRIs, PCF classes, notation, label, definition, level, PCF ID,
broader/narrower), and per pair of consecutive editions one mapping-set graph
(``iris.mapping_set_graph``) with ``skos:exactMatch``/``closeMatch`` statements and their
``pcfg:MappingRecord`` (owl:Axiom) records. About 18.5k triples per edition: 54 editions give
~1M triples. Deterministic (seeded), so every server loads exactly the same graph.
"""

from __future__ import annotations

import random

import pyoxigraph as ox

from pcfgraph import iris

#: Elements per edition (APQC PCF cross-industry 7.4 has about 1,900; we use 1,500).
ELEMENTS = 1500
LEVEL_CLASSES = ["PCFCategory", "PCFProcessGroup", "PCFProcess", "PCFActivity", "PCFTask"]
WORDS = [
    "customer",
    "service",
    "demand",
    "supply",
    "relationship",
    "portfolio",
    "strategy",
    "risk",
    "compliance",
    "vendor",
    "asset",
    "capacity",
    "incident",
    "change",
    "release",
    "knowledge",
    "finance",
    "budget",
    "forecast",
    "contract",
    "quality",
    "audit",
    "security",
    "architecture",
    "data",
    "analytics",
    "workforce",
    "training",
    "product",
    "market",
]
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def edition_id(i: int) -> tuple[str, str]:
    """(edition, version) of synthetic edition ``i``."""
    return f"synthetic-{i:03d}", "7.4"


def framework_id(i: int) -> str:
    return iris.apqc_framework_id(*edition_id(i))


def _n(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _int(v: int) -> ox.Literal:
    return ox.Literal(str(v), datatype=ox.NamedNode(XSD + "integer"))


def hierarchy(rng: random.Random) -> list[tuple[int, str, int, int | None]]:
    """(pcf_id, notation, level, parent pcf_id) for one edition, PCF-shaped (5 levels)."""
    out: list[tuple[int, str, int, int | None]] = []
    next_id = 10000
    frontier: list[tuple[int, str, int]] = []
    for c in range(1, 14):  # 13 categories, like the PCF
        out.append((next_id, f"{c}.0", 1, None))
        frontier.append((next_id, str(c), 1))
        next_id += 1
    while len(out) < ELEMENTS and frontier:
        parent, code, level = frontier.pop(0)
        if level >= 5:
            continue
        for k in range(1, rng.randint(3, 6) + 1):
            if len(out) >= ELEMENTS:
                break
            child_code = f"{code}.{k}"
            out.append((next_id, child_code, level + 1, parent))
            frontier.append((next_id, child_code, level + 1))
            next_id += 1
    return out


def _label(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(3)).capitalize()


def synthetic_quads(n_editions: int, *, seed: int = 74) -> list[ox.Quad]:
    rng = random.Random(seed)
    shape = hierarchy(rng)
    quads: list[ox.Quad] = []
    for i in range(n_editions):
        edition, version = edition_id(i)
        fid = framework_id(i)
        g = _n(iris.framework_graph(fid))
        scheme = _n(iris.framework(fid))

        def add(
            s: ox.NamedNode, p: object, o: ox.NamedNode | ox.Literal, g: ox.NamedNode = g
        ) -> None:
            quads.append(ox.Quad(s, _n(p), o, g))

        add(scheme, RDF_TYPE.value, _n(iris.SKOS.ConceptScheme))
        add(scheme, RDF_TYPE.value, _n(iris.PCFG.Framework))
        add(scheme, iris.PCFG.frameworkId, ox.Literal(fid))
        add(scheme, iris.SKOS.prefLabel, ox.Literal(f"Synthetic PCF {edition}", language="en"))
        for pcf_id, code, level, parent in shape:
            e = _n(iris.apqc_element(edition, version, pcf_id))
            add(e, RDF_TYPE.value, _n(iris.SKOS.Concept))
            add(e, RDF_TYPE.value, _n(iris.PCFG[LEVEL_CLASSES[level - 1]]))
            add(e, iris.SKOS.inScheme, scheme)
            add(e, iris.SKOS.notation, ox.Literal(code))
            add(e, iris.SKOS.prefLabel, ox.Literal(_label(rng), language="en"))
            add(
                e,
                iris.SKOS.definition,
                ox.Literal(_label(rng) + " and " + _label(rng).lower(), language="en"),
            )
            add(e, iris.PCFG.level, _int(level))
            add(e, iris.PCFG.pcfId, _int(pcf_id))
            if parent is None:
                add(e, iris.SKOS.topConceptOf, scheme)
            else:
                p = _n(iris.apqc_element(edition, version, parent))
                add(e, iris.SKOS.broader, p)
                add(p, iris.SKOS.narrower, e)
        if i == 0:
            continue
        prev_edition, prev_version = edition_id(i - 1)
        set_slug = f"{framework_id(i - 1)}-to-{fid}"
        mg = _n(iris.mapping_set_graph(set_slug))
        mset = _n(iris.mapping_set(set_slug))
        quads.append(ox.Quad(mset, RDF_TYPE, _n(iris.PCFG.MappingSet), mg))
        for pcf_id, _code, _level, _parent in shape:
            if rng.random() > 0.5:
                continue
            src = _n(iris.apqc_element(prev_edition, prev_version, pcf_id))
            tgt = _n(iris.apqc_element(edition, version, pcf_id))
            rel = iris.SKOS.exactMatch if rng.random() < 0.8 else iris.SKOS.closeMatch
            rec = _n(iris.mapping_record(set_slug, str(pcf_id)))
            for s, p, o in (
                (src, rel, tgt),
                (rec, RDF_TYPE.value, _n(iris.PCFG.MappingRecord)),
                (rec, OWL + "annotatedSource", src),
                (rec, OWL + "annotatedProperty", _n(rel)),
                (rec, OWL + "annotatedTarget", tgt),
                (rec, iris.SSSOM.mapping_justification, _n(iris.SEMAPV.ManualMappingCuration)),
                (rec, iris.PCFG.inMappingSet, mset),
            ):
                quads.append(ox.Quad(s, _n(p), o, mg))
            quads.append(
                ox.Quad(
                    rec,
                    _n(iris.SSSOM.confidence),
                    ox.Literal(f"{rng.uniform(0.6, 1):.2f}", datatype=ox.NamedNode(XSD + "double")),
                    mg,
                )
            )
    return quads


def synthetic_nquads(n_editions: int) -> bytes:
    """The synthetic graph as N-Quads (about 18.5k triples per edition)."""
    data = ox.serialize(synthetic_quads(n_editions), format=ox.RdfFormat.N_QUADS)
    return data if isinstance(data, bytes) else b""


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(synthetic_nquads(int(sys.argv[1]) if len(sys.argv) > 1 else 54))
