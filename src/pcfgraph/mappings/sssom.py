"""Read curated SSSOM/TSV mapping sets and turn them into RDF.

The reader is deliberately small: a YAML header (lines starting with ``#``) and a
tab-separated table read with :mod:`csv` (no quoting, one record per line, so every row has
a line number). CURIEs are expanded with the file's ``curie_map`` plus the SSSOM built-in
prefixes. Anything wrong raises :class:`~pcfgraph.errors.ParseError` naming file and line.

RDF shape of a set (graph ``iris.mapping_set_graph(stem)``):

* the set ``iris.mapping_set(stem)``: ``pcfg:MappingSet`` with title, description, licence,
  creators, version, date, source/target frameworks and ``prov:wasDerivedFrom`` its file;
* per mapping row: the bare SKOS triple ``S pred O`` plus a record
  ``iris.mapping_record(stem, key)`` typed ``pcfg:MappingRecord`` / ``owl:Axiom`` carrying
  justification, confidence, authors, comment and ``pcfg:derived false``;
* per ``sssom:NoTermFound`` row: a ``pcfg:NoCounterpart`` record (element, framework, reason)
  and no SKOS triple. Such rows must use ``skos:mappingRelation``, the super-property of all
  SKOS mapping properties: "no mapping of any kind" is what pcfgraph records. A narrower
  statement ("no exact match") would claim less than ``pcfg:NoCounterpart`` says.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import OWL

from pcfgraph import iris
from pcfgraph.errors import InputError, ParseError
from pcfgraph.iris import DCTERMS, PCFG, PROV, SKOS, SSSOM

SUFFIX = ".sssom.tsv"
NO_TERM_FOUND = SSSOM.NoTermFound
#: The SKOS mapping properties a curated row may use.
MATCH_PREDICATES: frozenset[URIRef] = frozenset(
    {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}
)
#: The only predicate allowed with ``sssom:NoTermFound``: "no SKOS mapping of any kind".
NO_MATCH_PREDICATE = SKOS.mappingRelation
#: SSSOM built-in prefixes (always known; a file must not redefine them differently).
BUILTIN_PREFIXES: Mapping[str, str] = {
    k: iris.PREFIXES[k] for k in ("owl", "rdf", "rdfs", "skos", "semapv", "sssom", "xsd")
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
REQUIRED_HEADER = ("curie_map", "mapping_set_id", "license")
#: Slugs that belong to pcfgraph itself, not to a curated file.
RESERVED_STEMS = frozenset({"derived"})
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class MappingRow:
    """One data row of a mapping set, with CURIEs expanded."""

    line: int
    subject: URIRef
    predicate: URIRef
    object: URIRef
    justification: URIRef
    subject_source: URIRef
    object_source: URIRef
    confidence: Decimal | None = None
    subject_label: str | None = None
    object_label: str | None = None
    author_ids: tuple[URIRef, ...] = ()
    author_labels: tuple[str, ...] = ()
    comment: str | None = None

    @property
    def no_term_found(self) -> bool:
        return self.object == NO_TERM_FOUND

    @property
    def key(self) -> str:
        """Stable record key: a short hash of what the row states (not of its position)."""
        target = self.object_source if self.no_term_found else self.object
        text = f"{self.subject}|{self.predicate}|{self.object}|{target}"
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class MappingSet:
    """A parsed SSSOM/TSV file."""

    path: Path
    stem: str
    iri: URIRef
    license: URIRef
    curie_map: Mapping[str, str]
    rows: tuple[MappingRow, ...]
    title: str | None = None
    description: str | None = None
    version: str | None = None
    comment: str | None = None
    mapping_date: dt.date | None = None
    creator_ids: tuple[URIRef, ...] = ()
    creator_labels: tuple[str, ...] = ()
    subject_sources: tuple[URIRef, ...] = field(default=())
    object_sources: tuple[URIRef, ...] = field(default=())


def stem_of(path: Path) -> str:
    """``pcf-8.1-to-prm-it-a2`` for ``.../pcf-8.1-to-prm-it-a2.sssom.tsv``."""
    name = path.name
    if not name.endswith(SUFFIX):
        raise InputError(f"{path}: a mapping set file must be named <stem>{SUFFIX}")
    stem = name[: -len(SUFFIX)]
    if not stem or stem in RESERVED_STEMS or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", stem):
        raise InputError(
            f"{path}: mapping set stem {stem!r} must be lower-case letters, digits, '.' and '-'"
            + (" and not a reserved name" if stem in RESERVED_STEMS else "")
        )
    return stem


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.source = str(path)
        self.lines = text.splitlines()
        self.prefixes: dict[str, str] = dict(BUILTIN_PREFIXES)

    def error(self, message: str, line: int | None = None, column: int | None = None) -> ParseError:
        return ParseError(message, line=line, column=column, source=self.source)

    # -- CURIEs ----------------------------------------------------------------------------

    def expand(self, value: str, line: int, what: str) -> URIRef:
        value = value.strip()
        if not value:
            raise self.error(f"{what} is empty", line)
        if _ABSOLUTE_IRI.match(value):
            return URIRef(value)
        prefix, sep, local = value.partition(":")
        if not sep:
            raise self.error(f"{what} {value!r} is neither a CURIE nor an absolute IRI", line)
        if prefix not in self.prefixes:
            raise self.error(
                f"{what} {value!r} uses unknown prefix {prefix!r} (not in curie_map)", line
            )
        if any(c in local for c in ' \t<>"{}|\\^`'):
            raise self.error(f"{what} {value!r} has characters not allowed in an IRI", line)
        return URIRef(self.prefixes[prefix] + local)

    # -- header ----------------------------------------------------------------------------

    def header(self) -> tuple[dict[str, Any], int]:
        """The YAML header and the index of the first non-header line."""
        n = 0
        while n < len(self.lines) and self.lines[n].startswith("#"):
            n += 1
        yaml_text = "\n".join(line[1:] for line in self.lines[:n])
        try:
            doc = yaml.safe_load(yaml_text) if yaml_text.strip() else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise self.error(f"metadata header is not valid YAML: {exc}", line) from None
        if not isinstance(doc, dict):
            raise self.error("metadata header must be a YAML mapping", 1)
        return doc, n

    def header_line(self, key: str) -> int:
        for i, line in enumerate(self.lines, start=1):
            if not line.startswith("#"):
                break
            if line[1:].startswith(f"{key}:"):
                return i
        return 1

    def read_prefixes(self, doc: Mapping[str, Any]) -> None:
        cmap = doc.get("curie_map")
        line = self.header_line("curie_map")
        if not isinstance(cmap, dict):
            raise self.error("curie_map must be a mapping of prefix to IRI", line)
        for prefix, expansion in cmap.items():
            if not isinstance(prefix, str) or not _PREFIX.match(prefix):
                raise self.error(f"curie_map: {prefix!r} is not a valid prefix", line)
            if not isinstance(expansion, str) or not _ABSOLUTE_IRI.match(expansion):
                raise self.error(f"curie_map: prefix {prefix!r} maps to {expansion!r}", line)
            builtin = BUILTIN_PREFIXES.get(prefix)
            if builtin is not None and builtin != expansion:
                raise self.error(
                    f"curie_map: built-in prefix {prefix!r} must expand to {builtin}", line
                )
            self.prefixes[prefix] = expansion

    def iri_list(self, doc: Mapping[str, Any], key: str) -> tuple[URIRef, ...]:
        value = doc.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        line = self.header_line(key)
        return tuple(self.expand(str(v), line, key) for v in items)

    def text_list(self, doc: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = doc.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        return tuple(str(v) for v in items)

    # -- the whole file --------------------------------------------------------------------

    def read(self) -> MappingSet:
        stem = stem_of(self.path)
        doc, first = self.header()
        for key in REQUIRED_HEADER:
            if key not in doc:
                raise self.error(f"metadata header lacks required {key!r}", 1)
        self.read_prefixes(doc)
        set_iri = self.expand(
            str(doc["mapping_set_id"]), self.header_line("mapping_set_id"), "mapping_set_id"
        )
        if set_iri != iris.mapping_set(stem):
            raise self.error(
                f"mapping_set_id is {set_iri}, expected {iris.mapping_set(stem)} for a file "
                f"named {self.path.name}",
                self.header_line("mapping_set_id"),
            )
        license_iri = self.expand(str(doc["license"]), self.header_line("license"), "license")
        set_subject = self.iri_list(doc, "subject_source")
        set_object = self.iri_list(doc, "object_source")
        if len(set_subject) > 1 or len(set_object) > 1:
            raise self.error("subject_source and object_source take one value each", 1)
        mapping_date = doc.get("mapping_date")
        if mapping_date is not None and not isinstance(mapping_date, dt.date):
            try:
                mapping_date = dt.date.fromisoformat(str(mapping_date))
            except ValueError:
                raise self.error(
                    f"mapping_date {mapping_date!r} is not an ISO date (YYYY-MM-DD)",
                    self.header_line("mapping_date"),
                ) from None
        rows = tuple(
            self.rows(
                first,
                set_subject[0] if set_subject else None,
                set_object[0] if set_object else None,
            )
        )
        return MappingSet(
            path=self.path,
            stem=stem,
            iri=set_iri,
            license=license_iri,
            curie_map=dict(self.prefixes),
            rows=rows,
            title=_opt_str(doc.get("mapping_set_title")),
            description=_opt_str(doc.get("mapping_set_description")),
            version=_opt_str(doc.get("mapping_set_version")),
            comment=_opt_str(doc.get("comment")),
            mapping_date=mapping_date,
            creator_ids=self.iri_list(doc, "creator_id"),
            creator_labels=self.text_list(doc, "creator_label"),
            subject_sources=tuple(dict.fromkeys(r.subject_source for r in rows)) or set_subject,
            object_sources=tuple(dict.fromkeys(r.object_source for r in rows)) or set_object,
        )

    def rows(
        self, first: int, set_subject: URIRef | None, set_object: URIRef | None
    ) -> Iterable[MappingRow]:
        if first >= len(self.lines) or not self.lines[first].strip():
            raise self.error("no column header line after the metadata", first + 1)
        header_line = first + 1
        columns = self.lines[first].split("\t")
        for name in REQUIRED_COLUMNS:
            if name not in columns:
                raise self.error(f"missing required column {name!r}", header_line)
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        if dupes:
            raise self.error(f"duplicate column(s) {', '.join(dupes)}", header_line)
        body = "\n".join(self.lines[first + 1 :])
        reader = csv.reader(io.StringIO(body), delimiter="\t", quoting=csv.QUOTE_NONE)
        seen: dict[str, int] = {}
        for offset, cells in enumerate(reader, start=1):
            line = header_line + offset
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                raise self.error(
                    f"row has {len(cells)} cells, the header has {len(columns)} columns", line
                )
            row = self.row(
                dict(zip(columns, cells, strict=True)), line, columns, set_subject, set_object
            )
            if row.key in seen:
                raise self.error(f"duplicate of the mapping on line {seen[row.key]}", line)
            seen[row.key] = line
            yield row

    def row(
        self,
        cells: dict[str, str],
        line: int,
        columns: list[str],
        set_subject: URIRef | None,
        set_object: URIRef | None,
    ) -> MappingRow:
        def col(name: str) -> int:
            return columns.index(name) + 1

        def get(name: str) -> str:
            return cells.get(name, "").strip()

        subject = self.expand(get("subject_id"), line, "subject_id")
        predicate = self.expand(get("predicate_id"), line, "predicate_id")
        obj = self.expand(get("object_id"), line, "object_id")
        if subject == NO_TERM_FOUND:
            raise self.error(
                "sssom:NoTermFound as subject is not supported; put the element in subject_id",
                line,
                col("subject_id"),
            )
        if obj == NO_TERM_FOUND:
            if predicate != NO_MATCH_PREDICATE:
                raise self.error(
                    f"a sssom:NoTermFound row must use predicate skos:mappingRelation "
                    f"(no mapping of any kind), not {get('predicate_id')!r}",
                    line,
                    col("predicate_id"),
                )
        elif predicate not in MATCH_PREDICATES:
            raise self.error(
                f"unknown predicate {get('predicate_id')!r}; use skos:exactMatch, closeMatch, "
                "broadMatch, narrowMatch or relatedMatch",
                line,
                col("predicate_id"),
            )
        if subject == obj:
            raise self.error("subject and object are the same", line)
        justification = self.expand(get("mapping_justification"), line, "mapping_justification")
        confidence: Decimal | None = None
        raw = get("confidence")
        if not raw and obj != NO_TERM_FOUND:
            column = col("confidence") if "confidence" in columns else None
            raise self.error("confidence is required for a mapping", line, column)
        if raw:
            try:
                confidence = Decimal(raw)
            except InvalidOperation:
                confidence = None
            if confidence is None or not confidence.is_finite():
                raise self.error(f"confidence {raw!r} is not a number", line, col("confidence"))
            if not Decimal(0) <= confidence <= Decimal(1):
                raise self.error(f"confidence {raw} is not in [0, 1]", line, col("confidence"))
        subject_source = (
            self.expand(get("subject_source"), line, "subject_source")
            if get("subject_source")
            else set_subject
        )
        object_source = (
            self.expand(get("object_source"), line, "object_source")
            if get("object_source")
            else set_object
        )
        if subject_source is None or object_source is None:
            missing = "subject_source" if subject_source is None else "object_source"
            raise self.error(f"no {missing}: give it in the metadata header or as a column", line)
        if subject_source == object_source:
            raise self.error("subject_source and object_source are the same framework", line)
        author_ids = tuple(self.expand(v, line, "author_id") for v in _multi(get("author_id")))
        return MappingRow(
            line=line,
            subject=subject,
            predicate=predicate,
            object=obj,
            justification=justification,
            subject_source=subject_source,
            object_source=object_source,
            confidence=confidence,
            subject_label=get("subject_label") or None,
            object_label=get("object_label") or None,
            author_ids=author_ids,
            author_labels=_multi(get("author_label")),
            comment=get("comment") or None,
        )


def _multi(value: str) -> tuple[str, ...]:
    """SSSOM multi-valued TSV cells are separated by ``|``."""
    return tuple(v.strip() for v in value.split("|") if v.strip())


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def read_mapping_set(path: Path) -> MappingSet:
    """Parse one ``<stem>.sssom.tsv`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8: {exc.reason}", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return _Reader(path, text).read()


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
    else:
        g.add((row.subject, row.predicate, row.object))
        g.add((r, RDF.type, PCFG.MappingRecord))
        g.add((r, RDF.type, OWL.Axiom))
        g.add((r, OWL.annotatedSource, row.subject))
        g.add((r, OWL.annotatedProperty, row.predicate))
        g.add((r, OWL.annotatedTarget, row.object))
        g.add((r, PCFG.derived, Literal(False)))
        if row.confidence is not None:
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
