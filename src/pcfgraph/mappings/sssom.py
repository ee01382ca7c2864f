"""Read curated SSSOM/TSV mapping sets (their RDF: :mod:`pcfgraph.mappings.sssom_rdf`).

The reader follows the SSSOM specification: a YAML header (lines starting with ``#``) and a
tab-separated table read with :mod:`csv` (one record per line, so every row has a line
number; a cell quoted as spreadsheets and sssom-py do, ``"a ""b"" c"``, is unquoted). Every
header key and column must be an SSSOM slot (:mod:`.slots`); a value must fit its slot
(CURIE with a known prefix, ISO date, number, enum value; several values, ``|``-separated in
the table or a YAML list in the header, only where the slot is multivalued: a YAML scalar
there is split on ``|`` as a cell is, as sssom-py reads it). CURIEs are
expanded with the file's ``curie_map`` plus the SSSOM built-in prefixes. Anything wrong
raises :class:`~pcfgraph.errors.ParseError` naming file, line and the slot. The header's YAML
and ``curie_map`` are checked by :mod:`.sssom_header`, a value's kind by :mod:`.sssom_values`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from rdflib import URIRef

from pcfgraph import iris
from pcfgraph.errors import InputError, ParseError
from pcfgraph.iris import SKOS
from pcfgraph.mappings.slots import (
    JUSTIFICATIONS,
    MAPPING_SET_SLOTS,
    MAPPING_SLOTS,
    PROPAGATABLE,
    Slot,
)
from pcfgraph.mappings.sssom_header import (
    ABSOLUTE_IRI,
    HeaderProblem,
    checked_prefixes,
    load_header,
)
from pcfgraph.mappings.sssom_sources import SourceEvidence, explained
from pcfgraph.mappings.sssom_types import (
    BUILTIN_PREFIXES,
    IMPLIED_PREFIXES,
    NO_TERM_FOUND,
    NOT,
    MappingRow,
    MappingSet,
    SlotValues,
)
from pcfgraph.mappings.sssom_values import checked_literal

SUFFIX = ".sssom.tsv"
#: The files a mapping set is read from: SSSOM/TSV and SSSOM/JSON (:mod:`.sssom_json`).
SUFFIXES = (SUFFIX, ".sssom.json")
#: The SKOS mapping properties a curated row may use.
MATCH_PREDICATES: frozenset[URIRef] = frozenset(
    {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}
)
#: The only predicate allowed with ``sssom:NoTermFound``: "no SKOS mapping of any kind".
NO_MATCH_PREDICATE = SKOS.mappingRelation
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
REQUIRED_HEADER = ("curie_map", "mapping_set_id", "license")
#: Slots a row's record states in its own way (SKOS/OWL/pcfg terms); all others are kept
#: as ``sssom:<slot>`` on the record (:data:`MappingRow.extra`). ``record_id`` is the record's
#: IRI, made from what the row states: a cell is checked but not kept, so a re-read export
#: gives the same graph and an id copied from another row or left stale by an edit states
#: nothing false.
ROW_CORE_SLOTS = frozenset(
    {
        "record_id",
        "subject_id",
        "predicate_id",
        "object_id",
        "predicate_modifier",
        "mapping_justification",
        "confidence",
        "subject_source",
        "object_source",
        "author_id",
        "author_label",
        "comment",
    }
)
#: Header keys the set states in its own way; other set slots become ``sssom:<slot>``.
SET_CORE_SLOTS = frozenset(
    {
        "curie_map",
        "mapping_set_id",
        "license",
        "mapping_set_title",
        "mapping_set_description",
        "mapping_set_version",
        "comment",
        "mapping_date",
        "creator_id",
        "creator_label",
        "subject_source",
        "object_source",
    }
)
#: Slugs that belong to pcfgraph itself, not to a curated file.
RESERVED_STEMS = frozenset({"derived"})


def stem_of(path: Path) -> str:
    """``pcf-8.1-to-prm-it-a2`` for ``.../pcf-8.1-to-prm-it-a2.sssom.tsv``."""
    name = path.name
    suffix = next((s for s in SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        named = " or <stem>".join(SUFFIXES)
        raise InputError(f"{path}: a mapping set file must be named <stem>{named}")
    stem = name[: -len(suffix)]
    if not stem or stem in RESERVED_STEMS or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", stem):
        raise InputError(
            f"{path}: mapping set stem {stem!r} must be lower-case letters, digits, '.' and '-'"
            + (" and not a reserved name" if stem in RESERVED_STEMS else "")
        )
    return stem


class _Reader:
    def __init__(self, path: Path, text: str, *, curated: bool = True) -> None:
        self.curated = curated
        self.path = path
        self.source = str(path)
        self.lines = text.splitlines()
        self.prefixes: dict[str, str] = dict(BUILTIN_PREFIXES)
        self.declared: dict[str, str] = {}
        self.used: set[str] = set()
        self.unpropagated: set[str] = set()
        self.evidence = SourceEvidence()

    def error(self, message: str, line: int | None = None, column: int | None = None) -> ParseError:
        return ParseError(message, line=line, column=column, source=self.source)

    # -- CURIEs ----------------------------------------------------------------------------

    def expand(self, value: str, line: int, what: str, column: int | None = None) -> URIRef:
        value = value.strip()
        if not value:
            raise self.error(f"{what} is empty", line, column)
        if ABSOLUTE_IRI.match(value):
            return URIRef(self.iri_text(value, line, what, column))
        prefix, sep, local = value.partition(":")
        if not sep:
            raise self.error(
                f"{what} {value!r} is neither a CURIE nor an absolute IRI", line, column
            )
        if prefix not in self.prefixes:
            raise self.error(
                f"{what} {value!r} uses unknown prefix {prefix!r} (not in curie_map)", line, column
            )
        self.iri_text(local, line, what, column, value)
        self.used.add(prefix)
        return URIRef(self.prefixes[prefix] + local)

    def iri_text(
        self, text: str, line: int, what: str, column: int | None, shown: str | None = None
    ) -> str:
        """``text`` (an IRI, or a CURIE's local part) when no character of it is one an IRI
        cannot hold (a JSON list item may hold a '|', which no TSV cell splits off)."""
        if any(c in text for c in ' \t<>"{}|\\^`'):
            raise self.error(
                f"{what} {shown or text!r} has characters not allowed in an IRI", line, column
            )
        return text

    def quiet_expand(self, value: str) -> URIRef | None:
        """A CURIE's IRI, or None (empty, unknown prefix: the row is refused when read)."""
        try:
            return self.expand(value, 0, "") if value.strip() else None
        except ParseError:
            return None

    def curie(self, iri: str) -> str:
        """``iri`` as a CURIE of the file's prefixes (the longest namespace), else itself."""
        known = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        return next((f"{p}:{iri[len(ns) :]}" for p, ns in known if iri.startswith(ns)), iri)

    def slot_values(
        self, slot: Slot, raw: object, line: int, column: int | None = None
    ) -> tuple[str, ...]:
        """Check one slot's value(s) against its kind; IRIs come back expanded."""
        if isinstance(raw, list):
            if not slot.multivalued:
                raise self.error(f"{slot.name} takes one value, not a list", line, column)
            items = [str(v) for v in raw]
        elif isinstance(raw, dict):
            raise self.error(f"{slot.name} must be a value, not a mapping", line, column)
        elif isinstance(raw, str) and slot.multivalued:
            items = [v.strip() for v in raw.split("|")]
        else:
            text = raw.isoformat() if isinstance(raw, dt.date) else str(raw)
            if isinstance(raw, str) and "|" in raw and slot.kind in ("entity", "uri"):
                raise self.error(
                    f"{slot.name} takes one value; '|' separates values only in multivalued slots",
                    line,
                    column,
                )
            items = [text]
        out: list[str] = []
        for item in items:
            item = item.strip()
            if not item:
                raise self.error(f"{slot.name} has an empty value", line, column)
            out.append(self.check_value(slot, item, line, column))
        return tuple(out)

    def check_value(self, slot: Slot, value: str, line: int, column: int | None) -> str:
        kind = slot.kind
        if kind == "entity":
            return str(self.expand(value, line, slot.name, column))
        if kind == "uri":
            if not ABSOLUTE_IRI.match(value):
                # SSSOM allows a CURIE where an IRI is expected only for entity references;
                # accept a CURIE here too (sssom-py does) but store the expansion.
                return str(self.expand(value, line, slot.name, column))
            return self.iri_text(value, line, slot.name, column)
        try:
            return checked_literal(slot, value)
        except ValueError as exc:
            raise self.error(str(exc), line, column) from None

    # -- header ----------------------------------------------------------------------------

    def header(self) -> tuple[dict[str, Any], int]:
        """The YAML header and the index of the first non-header line."""
        n = 0
        while n < len(self.lines) and self.lines[n].startswith(("#", '"#')):
            if self.lines[n].startswith('"'):  # a spreadsheet quoted it: it holds a '"'
                self.lines[n] = next(csv.reader([self.lines[n]], delimiter="\t"))[0]
            n += 1
        # a spreadsheet saves each header line as a row of the table: padded with tabs
        yaml_text = "\n".join(line[1:].rstrip("\t") for line in self.lines[:n])
        try:
            doc = load_header(yaml_text) if yaml_text.strip() else {}
        except HeaderProblem as problem:
            raise self.error(problem.message, problem.line) from None
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
        try:
            declared = checked_prefixes(doc.get("curie_map"))
        except HeaderProblem as problem:
            raise self.error(problem.message, self.header_line("curie_map")) from None
        self.prefixes.update(declared)
        self.declared.update(declared)

    def header_slots(self, doc: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        """Every header key checked against the mapping-set slots (curie_map aside)."""
        out: dict[str, tuple[str, ...]] = {}
        for key, raw in doc.items():
            line = self.header_line(str(key))
            if key == "extension_definitions":
                raise self.error(
                    "extension_definitions (SSSOM extension slots) are not supported", line
                )
            slot = MAPPING_SET_SLOTS.get(str(key))
            if slot is None:
                raise self.error(
                    f"unknown metadata key {key!r}: not an SSSOM mapping set slot", line
                )
            if key == "curie_map":
                continue
            if raw is None:
                raise self.error(f"metadata {key!r} has no value", line)
            out[str(key)] = self.slot_values(slot, raw, line)
        return out

    # -- the whole file --------------------------------------------------------------------

    def read(self) -> MappingSet:
        stem = stem_of(self.path) if self.curated else "suggested"
        doc, first = self.header()
        for key in REQUIRED_HEADER:
            if key not in doc:
                raise self.error(f"metadata header lacks required {key!r}", 1)
        self.read_prefixes(doc)
        slots = self.header_slots(doc)
        set_iri = URIRef(slots["mapping_set_id"][0])
        if self.curated and set_iri != iris.mapping_set(stem):
            raise self.error(
                f"mapping_set_id is {set_iri}, expected {iris.mapping_set(stem)} for a file "
                f"named {self.path.name}",
                self.header_line("mapping_set_id"),
            )
        license_iri = URIRef(slots["license"][0])
        set_subject = URIRef(slots["subject_source"][0]) if "subject_source" in slots else None
        set_object = URIRef(slots["object_source"][0]) if "object_source" in slots else None
        mapping_date = (
            dt.date.fromisoformat(slots["mapping_date"][0]) if "mapping_date" in slots else None
        )
        propagated = {k: v for k, v in slots.items() if k in PROPAGATABLE}
        rows = tuple(self.rows(first, set_subject, set_object, propagated))
        one = {k: v[0] for k, v in slots.items()}
        return MappingSet(
            path=self.path,
            stem=stem,
            iri=set_iri,
            license=license_iri,
            curie_map=dict(self.prefixes),
            rows=rows,
            title=one.get("mapping_set_title"),
            description=one.get("mapping_set_description"),
            version=one.get("mapping_set_version"),
            comment=one.get("comment"),
            mapping_date=mapping_date,
            creator_ids=tuple(URIRef(v) for v in slots.get("creator_id", ())),
            creator_labels=slots.get("creator_label", ()),
            subject_sources=tuple(dict.fromkeys(r.subject_source for r in rows))
            or ((set_subject,) if set_subject else ()),
            object_sources=tuple(dict.fromkeys(r.object_source for r in rows))
            or ((set_object,) if set_object else ()),
            extra=tuple(sorted((k, v) for k, v in slots.items() if k not in SET_CORE_SLOTS)),
            declared_prefixes=dict(self.declared),
            used_prefixes=frozenset(self.used),
        )

    def rows(
        self,
        first: int,
        set_subject: URIRef | None,
        set_object: URIRef | None,
        propagated: Mapping[str, tuple[str, ...]],
    ) -> Iterable[MappingRow]:
        columns, numbered = self.table(first)
        table = [cells for _, cells in numbered]
        # SSSOM: a header value propagates only when no row has its own value in that slot;
        # if one row sets it, the header's value reaches no row (sssom-py reads it so too).
        own = {
            name
            for index, name in enumerate(columns)
            if any(len(cells) > index and cells[index].strip() for cells in table)
        }
        propagated = {k: v for k, v in propagated.items() if k not in own}
        self.unpropagated = own & {"subject_source", "object_source"}
        lines = [line for line, _ in numbered]
        self.evidence = SourceEvidence.gather(table, columns, lines, self.quiet_expand)
        for slot, value in (("subject_source", set_subject), ("object_source", set_object)):
            if value is not None:
                self.evidence.header[slot] = (value, self.header_line(slot))
        set_subject = None if "subject_source" in own else set_subject
        set_object = None if "object_source" in own else set_object
        seen: dict[str, int] = {}
        for line, cells in numbered:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                text = self.lines[line - 1]
                quoted = len(cells) < len(columns) and (text.startswith('"') or '\t"' in text)
                hint = (
                    "; a cell starting with '\"' must end with '\"' on its line" if quoted else ""
                )
                raise self.error(
                    f"row has {len(cells)} cells, the header has {len(columns)} columns{hint}",
                    line,
                )
            row = self.row(
                dict(zip(columns, cells, strict=True)),
                line,
                columns,
                set_subject,
                set_object,
                propagated,
            )
            if row.key in seen:
                raise self.error(f"duplicate of the mapping on line {seen[row.key]}", line)
            seen[row.key] = line
            yield row

    def table(self, first: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
        """The columns and each row's line and cells."""
        if first >= len(self.lines) or not self.lines[first].strip():
            raise self.error("no column header line after the metadata", first + 1)
        header_line = first + 1
        columns = self.lines[first].split("\t")
        for index, name in enumerate(columns, start=1):
            if name not in MAPPING_SLOTS:
                raise self.error(
                    f"unknown column {name!r}: not an SSSOM mapping slot", header_line, index
                )
        for name in REQUIRED_COLUMNS:
            if name not in columns:
                raise self.error(f"missing required column {name!r}", header_line)
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        if dupes:
            raise self.error(f"duplicate column(s) {', '.join(dupes)}", header_line)
        # a cell a spreadsheet quoted ("a ""b"" c": it held a '"') is read as sssom-py reads
        # it; still one record per line (a line break inside a cell is no SSSOM/TSV)
        table = [next(csv.reader([text], delimiter="\t"), []) for text in self.lines[first + 1 :]]
        return columns, list(enumerate(table, start=header_line + 1))

    def row(
        self,
        cells: dict[str, str],
        line: int,
        columns: list[str],
        set_subject: URIRef | None,
        set_object: URIRef | None,
        propagated: Mapping[str, tuple[str, ...]],
    ) -> MappingRow:
        def col(name: str) -> int:
            return columns.index(name) + 1

        def get(name: str) -> str:
            return cells.get(name, "").strip()

        values: dict[str, tuple[str, ...]] = {}
        for name in columns:
            if get(name) and name not in ("subject_id", "predicate_id", "object_id"):
                values[name] = self.slot_values(MAPPING_SLOTS[name], get(name), line, col(name))
        for name, value in propagated.items():
            values.setdefault(name, value)

        subject = self.expand(get("subject_id"), line, "subject_id", col("subject_id"))
        predicate = self.expand(get("predicate_id"), line, "predicate_id", col("predicate_id"))
        obj = self.expand(get("object_id"), line, "object_id", col("object_id"))
        modifier = values.get("predicate_modifier", (None,))[0]
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
            if modifier is not None:
                raise self.error(
                    "predicate_modifier Not with sssom:NoTermFound would be a double negative; "
                    "leave predicate_modifier empty",
                    line,
                    col("predicate_modifier"),
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
        justification = (
            URIRef(values["mapping_justification"][0])
            if get("mapping_justification")
            else self.expand("", line, "mapping_justification", col("mapping_justification"))
        )
        semapv = BUILTIN_PREFIXES["semapv"]
        if not justification.startswith(semapv) or (
            justification[len(semapv) :] not in JUSTIFICATIONS
        ):
            raise self.error(
                f"mapping_justification {get('mapping_justification')!r} is not an SSSOM "
                "justification; use one of semapv:" + ", semapv:".join(sorted(JUSTIFICATIONS)),
                line,
                col("mapping_justification"),
            )
        confidence: Decimal | None = None
        raw = get("confidence")
        if not raw and obj != NO_TERM_FOUND and modifier is None:
            column = col("confidence") if "confidence" in columns else None
            raise self.error("confidence is required for a mapping", line, column)
        if raw:
            confidence = Decimal(raw)
        subject_source = URIRef(values["subject_source"][0]) if "subject_source" in values else None
        object_source = URIRef(values["object_source"][0]) if "object_source" in values else None
        # an empty source where other rows set theirs: the one the file names for that end
        no_term_found = obj == NO_TERM_FOUND
        ends = {  # slot -> the CURIE whose prefix tells, and whether by the subject's targets
            "subject_source": (get("subject_id"), False),
            "object_source": (get("subject_id" if no_term_found else "object_id"), no_term_found),
        }
        sources = {"subject_source": subject_source or set_subject}
        sources["object_source"] = object_source or set_object
        for slot, (curie, by_subject) in ends.items():
            if sources[slot] is None and slot in self.unpropagated:
                found = self.evidence.candidates(slot, curie, by_subject)
                if len(found) != 1:
                    raise self.error(
                        f"no {slot}: other rows set it, so the metadata header's value (SSSOM "
                        "propagation) reaches no row, and "
                        + explained(slot, curie, by_subject, found, self.curie),
                        line,
                        col(slot),
                    )
                sources[slot] = next(iter(found))
            if sources[slot] is None:
                raise self.error(f"no {slot}: give it in the metadata header or as a column", line)
        subject_source, object_source = sources["subject_source"], sources["object_source"]
        assert subject_source is not None and object_source is not None
        if subject_source == object_source:
            raise self.error("subject_source and object_source are the same framework", line)
        extra = tuple(sorted((k, v) for k, v in values.items() if k not in ROW_CORE_SLOTS))
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
            author_ids=tuple(URIRef(v) for v in values.get("author_id", ())),
            author_labels=values.get("author_label", ()),
            comment=get("comment") or None,
            predicate_modifier=modifier,
            extra=extra,
        )


#: The reader of each other serialisation by file suffix: :mod:`.sssom_json` (imported by the
#: package, so always there) adds ``.json``; it feeds this module's reader.
READERS: dict[str, type[_Reader]] = {}


def read_mapping_set(path: Path, *, curated: bool = True) -> MappingSet:
    """Parse one ``<stem>.sssom.tsv`` (or ``.sssom.json``) file (``curated=False``: any file
    name and set id, for suggestion files)."""
    path = Path(path)
    try:
        # utf-8-sig: a spreadsheet or editor that saves "UTF-8 with BOM" puts U+FEFF before
        # the first '#', which would hide the whole metadata header.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8: {exc.reason}", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    reader = READERS.get(path.suffix.lower(), _Reader)  # .json: any name when not curated
    return reader(path, text, curated=curated).read()


__all__ = [
    "BUILTIN_PREFIXES",
    "IMPLIED_PREFIXES",
    "NOT",
    "NO_TERM_FOUND",
    "MappingRow",
    "MappingSet",
    "SlotValues",
    "read_mapping_set",
    "stem_of",
]
