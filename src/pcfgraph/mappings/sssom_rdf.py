"""Curated SSSOM mapping sets as RDF (read by :mod:`pcfgraph.mappings.sssom`).

RDF shape of a set (graph ``iris.mapping_set_graph(stem)``):

* the set ``iris.mapping_set(stem)``: ``pcfg:MappingSet`` with title, description, licence,
  creators, version, date, source/target frameworks and ``prov:wasDerivedFrom`` its file;
* per mapping row: the bare SKOS triple ``S pred O`` plus a record
  ``iris.mapping_record(stem, key)`` typed ``pcfg:MappingRecord`` / ``owl:Axiom`` carrying
  justification, confidence, authors, comment and ``pcfg:derived false``;
* per negative row (``predicate_modifier: Not``, "S is *not* a p-match of O"): a
  ``pcfg:NegativeMapping`` record with ``sssom:subject_id``/``predicate_id``/``object_id`` and
  ``sssom:predicate_modifier "Not"``, never a SKOS triple and never a ``pcfg:MappingRecord``;
* every other slot of a row (reviewers, dates, labels, cardinality, ...) as ``sssom:<slot>``
  on its record, so an export can give the row back;
* per ``sssom:NoTermFound`` row: a ``pcfg:NoCounterpart`` record (element, framework, reason)
  and no SKOS triple. Such rows must use ``skos:mappingRelation``, the super-property of all
  SKOS mapping properties: "no mapping of any kind" is what pcfgraph records. A narrower
  statement ("no exact match") would claim less than ``pcfg:NoCounterpart`` says.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL

from pcfgraph import iris
from pcfgraph.iris import DCTERMS, PCFG, PROV, SH, SSSOM
from pcfgraph.mappings.notice import names_pcf
from pcfgraph.mappings.slots import MAPPING_SET_SLOTS, MAPPING_SLOTS, Slot
from pcfgraph.mappings.sssom import NOT, MappingRow, MappingSet


def slot_literal(slot: Slot, value: str) -> URIRef | Literal:
    """The RDF term of one checked slot value (IRIs already expanded by the reader)."""
    if slot.kind in ("entity", "uri"):
        return URIRef(value)
    if slot.kind == "date":
        return Literal(value, datatype=XSD.date)
    if slot.kind == "double":
        return Literal(Decimal(value), datatype=XSD.decimal)
    return Literal(value)


def mapping_set_graph(ms: MappingSet) -> Graph:
    """The RDF of one curated set, for ``iris.mapping_set_graph(ms.stem)``."""
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    s = iris.mapping_set(ms.stem)
    g.add((s, RDF.type, PCFG.MappingSet))
    g.add((s, DCTERMS.title, Literal(ms.title or ms.stem, lang="en")))
    if ms.description:
        g.add((s, DCTERMS.description, Literal(ms.description, lang="en")))
    if ms.comment:
        g.add((s, RDFS.comment, Literal(ms.comment, lang="en")))
    g.add((s, DCTERMS.license, ms.license))
    if names_pcf((*ms.subject_sources, *ms.object_sources)):
        # its rows name PCF elements (labels, identifiers): derived from the PCF, APQC's notice
        # as on the framework graphs (the comment says it in words too)
        g.add((s, DCTERMS.rights, iris.apqc_notice()))
    for creator in ms.creator_ids:
        g.add((s, DCTERMS.creator, creator))
    for label in ms.creator_labels:
        g.add((s, DCTERMS.creator, Literal(label)))
    if ms.version:
        g.add((s, OWL.versionInfo, Literal(ms.version)))
    if ms.mapping_date:
        g.add((s, DCTERMS.date, Literal(ms.mapping_date.isoformat(), datatype=XSD.date)))
    for fw in ms.subject_sources:
        g.add((s, PCFG.sourceFramework, fw))
    for fw in ms.object_sources:
        g.add((s, PCFG.targetFramework, fw))
    for name, values in ms.extra:
        for value in values:
            g.add((s, SSSOM[name], slot_literal(MAPPING_SET_SLOTS[name], value)))
    for prefix, expansion in sorted(ms.own_prefixes.items()):
        decl = BNode()
        g.add((s, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(expansion, datatype=XSD.anyURI)))
    source = iris.mapping_set_source(ms.stem, ms.path.name)
    g.add((s, PROV.wasDerivedFrom, source))
    g.add((source, RDF.type, PROV.Entity))
    g.add((source, DCTERMS.title, Literal(ms.path.name)))
    for row in ms.rows:
        _add_row(g, ms.stem, s, row)
    return g


def _add_row(g: Graph, stem: str, set_iri: URIRef, row: MappingRow) -> None:
    r = iris.mapping_record(stem, row.key)
    if row.no_term_found:
        g.add((r, RDF.type, PCFG.NoCounterpart))
        g.add((r, PCFG.element, row.subject))
        g.add((r, PCFG.noCounterpartIn, row.object_source))
    elif row.negated:
        # Never the SKOS triple, never a pcfg:MappingRecord: nothing that reads positive
        # mappings can mistake it for one.
        g.add((r, RDF.type, PCFG.NegativeMapping))
        g.add((r, SSSOM.subject_id, row.subject))
        g.add((r, SSSOM.predicate_id, row.predicate))
        g.add((r, SSSOM.object_id, row.object))
        g.add((r, SSSOM.predicate_modifier, Literal(NOT)))
    else:
        g.add((row.subject, row.predicate, row.object))
        g.add((r, RDF.type, PCFG.MappingRecord))
        g.add((r, RDF.type, OWL.Axiom))
        g.add((r, OWL.annotatedSource, row.subject))
        g.add((r, OWL.annotatedProperty, row.predicate))
        g.add((r, OWL.annotatedTarget, row.object))
        g.add((r, PCFG.derived, Literal(False)))
    if row.confidence is not None and not row.no_term_found:
        g.add((r, SSSOM.confidence, Literal(row.confidence, datatype=XSD.decimal)))
    g.add((r, PCFG.inMappingSet, set_iri))
    g.add((r, SSSOM.mapping_justification, row.justification))
    g.add((r, PCFG.sourceFramework, row.subject_source))
    g.add((r, PCFG.targetFramework, row.object_source))
    for author in row.author_ids:
        g.add((r, SSSOM.author_id, author))
    for label in row.author_labels:
        g.add((r, SSSOM.author_label, Literal(label)))
    if row.comment:
        g.add((r, RDFS.comment, Literal(row.comment, lang="en")))
    for name, values in row.extra:
        for value in values:
            g.add((r, SSSOM[name], slot_literal(MAPPING_SLOTS[name], value)))
