"""Mapping sets out of the graph as SSSOM: TSV, JSON and RDF (Turtle) that sssom-py reads.

The graph is the one source: a set's statements and its records' statements
(``api/mapping-set-statements``) become one SSSOM mapping set document. Curated sets give
back their rows (negatives with ``predicate_modifier: Not``, NoTermFound rows, every slot the
file had); the derived set's rows carry ``mapping_justification`` ``semapv:MappingChaining``
or ``semapv:MappingInversion`` with the chain as ``see_also`` (the curated records' IRIs,
which are the ``record_id`` of the curated rows). Derived rows are only written on request.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox
import yaml
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef

from pcfgraph import iris
from pcfgraph.conneg import by_name
from pcfgraph.errors import InputError, NotAcceptable, NotFoundError, quoted
from pcfgraph.iris import DCTERMS, PCFG, SSSOM
from pcfgraph.mappings.notice import with_edition_notices, with_notice
from pcfgraph.mappings.slots import MAPPING_SET_SLOTS, MAPPING_SLOTS, PROPAGATABLE, Slot
from pcfgraph.mappings.sssom import IMPLIED_PREFIXES
from pcfgraph.mappings.sssom_cells import SEPARATOR, cell, splits
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import GraphStore as Store

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
PAV = Namespace("http://purl.org/pav/")
DERIVED = "derived"
NOT = "Not"
#: Prefixes every export declares (SSSOM built-ins plus the record namespace): the reader
#: does not record them as the file's own, so an export read back is the graph it came from.
BASE_PREFIXES: dict[str, str] = dict(IMPLIED_PREFIXES)
#: Where SSSOM's RDF puts a slot when it is not ``sssom:<slot>`` (the schema's slot_uri).
SLOT_URI: dict[str, URIRef] = {
    "subject_id": URIRef(OWL_NS + "annotatedSource"),
    "predicate_id": URIRef(OWL_NS + "annotatedProperty"),
    "object_id": URIRef(OWL_NS + "annotatedTarget"),
    "author_id": PAV.authoredBy,
    "creator_id": DCTERMS.creator,
    "license": DCTERMS.license,
    "mapping_date": DCTERMS.created,
    "publication_date": DCTERMS.issued,
    "see_also": URIRef(RDFS_NS + "seeAlso"),
    "comment": URIRef(RDFS_NS + "comment"),
    "mapping_set_version": URIRef(OWL_NS + "versionInfo"),
    "mapping_set_source": iris.PROV.wasDerivedFrom,
    "mapping_set_title": DCTERMS.title,
    "mapping_set_description": DCTERMS.description,
}
Value = str | list[str]


@dataclass
class SSSOMDocument:
    """One mapping set as SSSOM slots (IRIs in full; CURIEs are made when writing)."""

    metadata: dict[str, Value]
    prefixes: dict[str, str]
    rows: list[dict[str, Value]] = field(default_factory=list)


def set_iri(set_id: str) -> str:
    return str(iris.mapping_set(set_id))


def mapping_set_ids(store: Store, catalog: QueryCatalog) -> list[str]:
    """Ids (file stems, and ``derived``) of the mapping sets in the graph."""
    base = set_iri("")
    rows = store.select(catalog.get("api/mapping-set-ids"))
    return sorted({_text(r["mappingSet"]).removeprefix(base) for r in rows})


def export_paths(set_id: str, *, derived: bool = False) -> dict[str, str]:
    """The paths of a mapping set's SSSOM exports (``GET /mappings/<set>.sssom.*``, with its
    derived rows too when ``derived``), by format name (``sssom-tsv``...): the API's index and
    the workbench's set page link the same ones."""
    query = "?derived=true" if derived else ""
    return {f.name: f"/mappings/{set_id}{f.suffix}{query}" for f in FORMATS.values()}


def mapping_set_titles(store: Store, catalog: QueryCatalog) -> list[tuple[str, str, str | None]]:
    """(id, title, version) of each mapping set in the graph, by id (the title is the id when
    the set states none; the version None when it states none, as the derived set)."""
    out = []
    for set_id in mapping_set_ids(store, catalog):
        meta, _, _ = _statements(store, catalog, set_id)
        version = _first(meta, OWL_NS + "versionInfo") or None
        out.append((set_id, _first(meta, str(DCTERMS.title)) or set_id, version))
    return out


def _statements(
    store: Store, catalog: QueryCatalog, set_id: str
) -> tuple[dict[str, list[object]], dict[str, dict[str, list[object]]], dict[str, str]]:
    rows = store.select(
        catalog.get("api/mapping-set-statements"), {"mappingSet": ox.NamedNode(set_iri(set_id))}
    )
    meta: dict[str, list[object]] = {}
    records: dict[str, dict[str, list[object]]] = {}
    prefixes: dict[str, str] = {}
    declared: set[tuple[str, str]] = set()
    for r in rows:
        if "prefix" in r:
            declared.add((_text(r["prefix"]), _text(r["namespace"])))
            continue
        target = meta if "record" not in r else records.setdefault(_text(r["record"]), {})
        target.setdefault(_text(r["p"]), []).append(r["o"])
    for prefix, namespace in sorted(declared):  # declared twice: the smallest namespace
        prefixes.setdefault(prefix, namespace)
    return meta, records, prefixes


def _chains(store: Store, catalog: QueryCatalog) -> dict[str, list[str]]:
    links: dict[str, dict[int, str]] = {}
    for r in store.select(catalog.get("api/mapping-chain-links")):
        by_position = links.setdefault(_text(r["derivedRecord"]), {})
        by_position[int(_text(r["position"]))] = _text(r["record"])
    return {k: [v[i] for i in sorted(v)] for k, v in links.items()}


def _text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def _first(stmts: dict[str, list[object]], p: str) -> str | None:
    values = stmts.get(p)
    return _text(sorted(values, key=_text)[0]) if values else None


def _row(record: str, st: dict[str, list[object]], chain: list[str] | None) -> dict[str, Value]:
    types = {_text(t) for t in st.get(RDF_NS + "type", [])}
    row: dict[str, Value] = {"record_id": record}
    if str(PCFG.NoCounterpart) in types:
        row["subject_id"] = _first(st, str(PCFG.element)) or ""
        row["predicate_id"] = SKOS_NS + "mappingRelation"
        row["object_id"] = str(SSSOM.NoTermFound)
        row["object_source"] = _first(st, str(PCFG.noCounterpartIn)) or ""
    elif str(PCFG.NegativeMapping) in types:
        for slot in ("subject_id", "predicate_id", "object_id"):
            row[slot] = _first(st, str(SSSOM[slot])) or ""
        row["predicate_modifier"] = NOT
    else:
        row["subject_id"] = _first(st, OWL_NS + "annotatedSource") or ""
        row["predicate_id"] = _first(st, OWL_NS + "annotatedProperty") or ""
        row["object_id"] = _first(st, OWL_NS + "annotatedTarget") or ""
    row["subject_source"] = _first(st, str(PCFG.sourceFramework)) or ""
    row.setdefault("object_source", _first(st, str(PCFG.targetFramework)) or "")
    comment = _first(st, RDFS_NS + "comment")
    if comment:
        row["comment"] = comment
    for p, values in sorted(st.items()):  # slots in one order, not the store's
        if not p.startswith(str(SSSOM)):
            continue
        name = p.removeprefix(str(SSSOM))
        row_slot = MAPPING_SLOTS.get(name)
        if row_slot is None or name in row:
            continue
        texts = sorted({_text(v) for v in values})
        row[name] = texts if row_slot.multivalued else texts[0]
    if chain:
        row["see_also"] = chain
    return row


def document(
    store: Store, catalog: QueryCatalog, set_id: str, *, derived: bool = False
) -> SSSOMDocument:
    """The SSSOM document of one mapping set (``derived`` for the derived set itself). With
    ``derived``, a curated set also gets the derived rows between its frameworks (either
    direction: the inverses of its own rows are derived too)."""
    meta_st, records, prefixes = _statements(store, catalog, set_id)
    if not meta_st:
        known = ", ".join(mapping_set_ids(store, catalog))
        raise NotFoundError(f"no mapping set {set_id!r}; known: {known}")
    chains = _chains(store, catalog) if set_id == DERIVED or derived else {}
    meta = _metadata(set_id, meta_st)
    if meta.get("comment"):
        meta["comment"] = _with_edition_notices(store, catalog, str(meta["comment"]), meta_st)
    rows = [_row(r, st, chains.get(r)) for r, st in sorted(records.items())]
    if derived and set_id != DERIVED:
        sources = {_text(v) for v in meta_st.get(str(PCFG.sourceFramework), [])}
        targets = {_text(v) for v in meta_st.get(str(PCFG.targetFramework), [])}
        _, derived_records, _ = _statements(store, catalog, DERIVED)
        added = []
        for r, st in sorted(derived_records.items()):
            row = _row(r, st, chains.get(r))
            ends = (row["subject_source"], row["object_source"])
            if (ends[0] in sources and ends[1] in targets) or (
                ends[1] in sources and ends[0] in targets
            ):
                added.append(row)
        if added:
            _push_down(meta, rows)
        rows += added
    if set_id == DERIVED or derived:
        _label_derived_rows(store, catalog, rows)
    if set_id == DERIVED:  # no file declared prefixes: take every curated set's
        for other in mapping_set_ids(store, catalog):
            if other != DERIVED:
                prefixes.update(_statements(store, catalog, other)[2])
    rows.sort(key=lambda r: (str(r["subject_id"]), str(r["object_id"]), str(r["record_id"])))
    # A set that wrote an edition's IRIs in full is exported with a prefix for it.
    named = iris.with_sssom_prefixes({**BASE_PREFIXES, **prefixes}, _entities(meta, rows))
    return SSSOMDocument(metadata=meta, prefixes=named, rows=rows)


def _entities(meta: dict[str, Value], rows: Iterable[dict[str, Value]]) -> Iterable[str]:
    """Every IRI the document names in an entity slot (written as a CURIE)."""
    for slots, values in ((MAPPING_SET_SLOTS, meta), *((MAPPING_SLOTS, r) for r in rows)):
        for name, value in values.items():
            if slots[name].kind == "entity":
                yield from value if isinstance(value, list) else [value]


def _label_derived_rows(store: Store, catalog: QueryCatalog, rows: list[dict[str, Value]]) -> None:
    """Give the rows without labels (derived ones: a curated row has the labels of its source
    file) their ends' English names, so that a reader of the file sees what a derived row
    links, as on a curated row."""
    labels: dict[str, str] = {}
    for r in store.select(catalog.get("api/mapping-end-labels")):
        labels.setdefault(_text(r["element"]), _text(r["label"]))
    for row in rows:
        for end in ("subject", "object"):
            label = labels.get(str(row.get(f"{end}_id", "")))
            if label and not row.get(f"{end}_label"):
                row[f"{end}_label"] = label


def _push_down(meta: dict[str, Value], rows: list[dict[str, Value]]) -> None:
    """Move the set's propagatable slots (SSSOM: a set-level value holds for every mapping
    that leaves the slot empty) onto the set's own rows and off the set, before rows that the
    value does not describe join it: the curated set's ``mapping_date`` is not the date of a
    derived row."""
    for name in sorted(PROPAGATABLE & meta.keys()):
        value = meta.pop(name)
        for row in rows:
            if not row.get(name):
                row[name] = value


def _with_edition_notices(
    store: Store, catalog: QueryCatalog, comment: str, st: dict[str, list[object]]
) -> str:
    """The set's comment with the own notice of each APQC edition it maps (an IBM edition's
    "©2025 APQC and IBM ..."), which APQC's line in it does not say (notice.py)."""
    ends = {_text(v) for p in (PCFG.sourceFramework, PCFG.targetFramework)
            for v in st.get(str(p), [])}  # fmt: skip
    apqc = sorted(e for e in ends if iris.is_apqc_framework(e))
    if not apqc:
        return comment
    from pcfgraph import services

    by_iri = {f.iri: f for f in services.frameworks(services.Reader(store, catalog))}
    editions = [(f.id, f.source_rights) for e in apqc if (f := by_iri.get(e)) is not None]
    return with_edition_notices(comment, editions)


def _metadata(set_id: str, st: dict[str, list[object]]) -> dict[str, Value]:
    meta: dict[str, Value] = {"mapping_set_id": set_iri(set_id)}
    licences = sorted(_text(v) for v in st.get(str(DCTERMS.license), []))
    meta["license"] = licences[0] if licences else "https://creativecommons.org/licenses/by/4.0/"
    for key, prop in (
        ("mapping_set_title", DCTERMS.title),
        ("mapping_set_description", DCTERMS.description),
        ("mapping_set_version", URIRef(OWL_NS + "versionInfo")),
        ("mapping_date", DCTERMS.date),
        ("comment", URIRef(RDFS_NS + "comment")),
    ):
        value = _first(st, str(prop))
        if value:
            meta[key] = value
    if str(iris.apqc_notice()) in {_text(v) for v in st.get(str(DCTERMS.rights), [])}:
        # it quotes PCF names: the file carries APQC's notice, as the graph states its rights
        meta["comment"] = with_notice(str(meta.get("comment") or "") or None)
    creators = st.get(str(DCTERMS.creator), [])
    labels = sorted(_text(c) for c in creators if isinstance(c, ox.Literal))
    ids = sorted(_text(c) for c in creators if isinstance(c, ox.NamedNode))
    if labels:
        meta["creator_label"] = labels
    if ids:
        meta["creator_id"] = ids
    for p, values in sorted(st.items()):  # slots in one order, not the store's
        name = p.removeprefix(str(SSSOM))
        slot = MAPPING_SET_SLOTS.get(name) if p.startswith(str(SSSOM)) else None
        if slot is not None and name not in meta:
            texts = sorted({_text(v) for v in values})
            meta[name] = texts if slot.multivalued else texts[0]
    return meta


# --- writers ---------------------------------------------------------------------------------


class _Curies:
    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        # Longest namespace first; two prefixes of one namespace: the smaller prefix.
        self.by_length = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))

    def compress(self, iri: str) -> str:
        for prefix, ns in self.by_length:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri


def _shown(slot: Slot, value: str, curies: _Curies) -> str:
    return curies.compress(value) if slot.kind == "entity" else value


def _json_value(slot: Slot, value: Value, curies: _Curies) -> object:
    if isinstance(value, list):
        return [_shown(slot, v, curies) for v in value]
    if slot.kind == "double":
        return float(Decimal(value))
    return _shown(slot, value, curies)


def _columns(rows: Iterable[dict[str, Value]]) -> list[str]:
    used = {k for r in rows for k in r}
    return [name for name in MAPPING_SLOTS if name in used]


def _used_prefixes(doc: SSSOMDocument) -> dict[str, str]:
    return dict(sorted(doc.prefixes.items()))


def _refuse_separator(
    doc: SSSOMDocument, row: dict[str, Value], slot: str, values: list[str]
) -> None:
    """SSSOM/TSV separates a multivalued cell's values with ``|`` and has no escape for it: a
    value holding one (a JSON set may state it) would be read back as several values."""
    for value in values:
        if splits(MAPPING_SLOTS[slot], value):
            raise NotAcceptable(
                f"mapping set {str(doc.metadata['mapping_set_id'])!r} cannot be written as "
                f"SSSOM/TSV: the {slot} of record {row.get('record_id', '')} has the value "
                f"{quoted(value)}, which holds '|', the separator of a TSV cell's values (SSSOM "
                "has no escape for it: it would be read back as several values); take the "
                "SSSOM/JSON or SSSOM/RDF export (.sssom.json, .sssom.ttl), or change the value"
            )


def to_tsv(doc: SSSOMDocument) -> bytes:
    curies = _Curies(doc.prefixes)
    header: dict[str, object] = {"curie_map": _used_prefixes(doc)}
    for name, value in doc.metadata.items():
        header[name] = _json_value(MAPPING_SET_SLOTS[name], value, curies)
    text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=1 << 20)
    out = io.StringIO()
    out.write("".join(f"#{line}\n" for line in text.splitlines()))
    columns = _columns(doc.rows)
    out.write("\t".join(columns) + "\n")
    for row in doc.rows:
        cells = []
        for name in columns:
            value = row.get(name, "")
            slot = MAPPING_SLOTS[name]
            if isinstance(value, list):
                _refuse_separator(doc, row, name, value)
                cells.append(SEPARATOR.join(cell(_shown(slot, v, curies)) for v in value))
            else:
                cells.append(cell(_shown(slot, value, curies)))
        out.write("\t".join(cells) + "\n")
    return out.getvalue().encode("utf-8")


def to_json(doc: SSSOMDocument) -> bytes:
    curies = _Curies(doc.prefixes)
    body: dict[str, object] = {"@context": _used_prefixes(doc), "@type": "MappingSet"}
    for name, value in doc.metadata.items():
        body[name] = _json_value(MAPPING_SET_SLOTS[name], value, curies)
    body["mappings"] = [
        {name: _json_value(MAPPING_SLOTS[name], v, curies) for name, v in row.items()}
        for row in doc.rows
    ]
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _rdf_term(slot: Slot, value: str) -> URIRef | Literal:
    if slot.name == "predicate_modifier":
        return SSSOM.NegatedPredicate
    if slot.kind in ("entity", "uri"):
        return URIRef(value)
    if slot.kind == "date":
        return Literal(value, datatype=XSD.date)
    if slot.kind == "double":
        return Literal(float(Decimal(value)), datatype=XSD.double)
    return Literal(value)


def to_rdf(doc: SSSOMDocument) -> bytes:
    """SSSOM's RDF shape: the set a ``sssom:MappingSet``, each row an ``owl:Axiom`` blank node
    under ``sssom:mappings``, slots at their schema IRIs (``SLOT_URI``, else ``sssom:<slot>``)."""
    g = Graph()
    for prefix, ns in doc.prefixes.items():
        g.bind(prefix, ns, override=True)
    g.bind("dcterms", str(DCTERMS))
    g.bind("pav", str(PAV))
    s = URIRef(str(doc.metadata["mapping_set_id"]))
    g.add((s, RDF.type, SSSOM.MappingSet))
    for name, value in doc.metadata.items():
        if name == "mapping_set_id":
            continue
        slot = MAPPING_SET_SLOTS[name]
        for v in value if isinstance(value, list) else [value]:
            g.add((s, SLOT_URI.get(name, SSSOM[name]), _rdf_term(slot, v)))
    for number, row in enumerate(doc.rows):
        # labelled by the row's place: rdflib writes blank nodes in the order of their
        # labels, and random ones made the file other bytes at every export (a download's
        # strong ETag promises the same bytes)
        m = BNode(f"mapping{number:06d}")
        g.add((s, SSSOM.mappings, m))
        g.add((m, RDF.type, URIRef(OWL_NS + "Axiom")))
        for name, value in row.items():
            slot = MAPPING_SLOTS[name]
            for v in value if isinstance(value, list) else [value]:
                g.add((m, SLOT_URI.get(name, SSSOM[name]), _rdf_term(slot, v)))
    text = g.serialize(format="turtle")
    # rdflib declares only the prefixes it could use in a CURIE ("trim:output/x" is not a
    # Turtle prefixed name); SSSOM readers take the curie_map from the declarations: all.
    declared = "".join(
        f"@prefix {prefix}: <{ns}> .\n"
        for prefix, ns in sorted(doc.prefixes.items())
        if f"@prefix {prefix}: " not in text
    )
    return (declared + text).encode("utf-8")


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str
    media_type: str
    write: Callable[[SSSOMDocument], bytes]


def _sssom(name: str, base: str, write: Callable[[SSSOMDocument], bytes]) -> ExportFormat:
    """SSSOM in one of :mod:`pcfgraph.conneg`'s formats: ``.sssom`` before its suffix."""
    fmt = by_name(base)
    return ExportFormat(name, f".sssom{fmt.suffix}", fmt.content_type, write)


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        _sssom("sssom-tsv", "tsv", to_tsv),
        _sssom("sssom-json", "json", to_json),
        _sssom("sssom-rdf", "turtle", to_rdf),
    )
}


def export_bytes(
    store: Store, catalog: QueryCatalog, set_id: str, fmt: str, *, derived: bool = False
) -> bytes:
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return FORMATS[fmt].write(document(store, catalog, set_id, derived=derived))
