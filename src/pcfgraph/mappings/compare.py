"""Compare two states of the mapping sets: which mappings were added, removed or changed.

A curator who receives a new release (or a colleague's edited SSSOM file) needs to see what it
claims differently before trusting it: a mapping that appeared, one that went, a confidence
lowered, a justification or author changed. Each side is read into the SSSOM rows that
``pcfgraph mappings export`` writes (:func:`pcfgraph.mappings.export.document`), from a release
directory (every curated set, ``derived`` too on request) or from an SSSOM/TSV file (read and
turned into its RDF as ``pcfgraph build`` does, then exported the same way), so both sides say
the same thing the same way.

A mapping is identified by what it states: subject, predicate (with ``Not`` for a negative
mapping), object, and for a ``sssom:NoTermFound`` row the framework it found nothing in; a
side that states it in several sets keeps each. Its record id (a hash of the same) is not
compared; a mapping found once on each side in different sets was moved: one change of its
``mapping_set_id``. Every other slot is compared as written (multivalued slots as sets); a
slot set on one side only is a change from or to nothing. A negative mapping and the positive
one it denies are two mappings: turning one into the other is a removal and an addition.

The sets themselves are compared too (:class:`SetChange`): a set added or removed, and each
slot of a set's own (``mapping_set_version``, ``license``, title, description, comment...)
that changed; the slots SSSOM propagates to the rows are compared there, on each row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Final

from pcfgraph import iris
from pcfgraph.cells import write_csv
from pcfgraph.importers.apqc.emit import APQC_NOTICE
from pcfgraph.letter_case import spelled
from pcfgraph.mappings.export import DERIVED, SSSOMDocument, Value, document, mapping_set_ids
from pcfgraph.mappings.slots import PROPAGATABLE
from pcfgraph.mappings.sssom import NO_TERM_FOUND, read_mapping_set
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import EmbeddedStore

KINDS: Final = ("added", "removed", "changed")
#: Slots that name a row rather than state something about it.
NOT_COMPARED: Final = frozenset({"record_id"})
ENDS: Final = ("subject_id", "object_id")
#: The slots that identify a mapping (with ``object_source`` for a NoTermFound row).
IDENTITY: Final = ("subject_id", "predicate_modifier", "predicate_id", "object_id")
COLUMNS: Final = (
    "change",
    "subject_id",
    "subject_label",
    "predicate_modifier",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_set_id",
    "slot",
    "old_value",
    "new_value",
    "rights",
)
#: The IRIs of APQC PCF elements: a change that quotes one carries APQC's notice.
APQC_ELEMENTS: Final = iris.PREFIXES["apqc"]

Key = tuple[str, ...]


@dataclass(frozen=True)
class MappingSide:
    """The rows of one side by their identity, and where they were read from."""

    label: str
    rows: Mapping[Key, Mapping[str, Value]]
    #: The CURIE prefixes its sets declare (and those pcfgraph mints for the rest).
    prefixes: Mapping[str, str] = field(default_factory=dict)
    #: Each set's own slots (not those it propagates to its rows) by its ``mapping_set_id``.
    sets: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)


@dataclass(frozen=True)
class SlotChange:
    slot: str
    old: str
    new: str


@dataclass(frozen=True)
class MappingChange:
    change: str
    subject_id: str
    predicate_id: str
    object_id: str
    predicate_modifier: str = ""
    subject_label: str = ""
    object_label: str = ""
    mapping_set_id: str = ""
    slots: tuple[SlotChange, ...] = field(default=())
    #: APQC's notice when an end is an APQC PCF element (its label quotes the PCF).
    rights: str = ""


@dataclass(frozen=True)
class SetChange:
    """A set added, removed, or changed in its own slots (a new ``mapping_set_version``, a
    new ``license``): what a release says about a set as a whole."""

    change: str
    mapping_set_id: str
    slots: tuple[SlotChange, ...] = field(default=())


@dataclass(frozen=True)
class MappingDiff:
    old: str
    new: str
    changes: tuple[MappingChange, ...]
    unchanged: int
    #: NEW's prefixes, then OLD's: how the files name what changed.
    prefixes: Mapping[str, str] = field(default_factory=dict)
    sets: tuple[SetChange, ...] = field(default=())

    def curie(self, iri: str) -> str:
        """``iri`` as the compared files write it (``pcf74:20609``, as the curated sets;
        ``pcf721-utilities:17040``; the CLI's other tables name an edition's elements the
        same way): a curator reads the change next to the file."""
        for prefix, ns in sorted(self.prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iris.curie(iri)

    def counts(self) -> dict[str, int]:
        return {k: sum(c.change == k for c in self.changes) for k in KINDS}


def _text(value: Value | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(sorted(value))
    return value


def key_of(row: Mapping[str, Value]) -> Key:
    key = tuple(_text(row.get(slot)) for slot in IDENTITY)
    if _text(row.get("object_id")) == str(NO_TERM_FOUND):
        key += (_text(row.get("object_source")),)
    return key


def side_of(label: str, docs: Iterable[tuple[str, SSSOMDocument]]) -> MappingSide:
    """The rows of ``docs`` (each with its set's ``mapping_set_id``) by the mapping and its
    set (and its record id if a set states a mapping twice, as two derivation chains may), so
    none hides another; :func:`compare` pairs a mapping that changed set."""
    rows: dict[Key, Mapping[str, Value]] = {}
    prefixes: dict[str, str] = {}
    sets: dict[str, Mapping[str, Value]] = {}
    for set_id, doc in docs:
        sets[set_id] = {
            k: v for k, v in doc.metadata.items() if k not in PROPAGATABLE and k != "mapping_set_id"
        }
        for prefix, ns in doc.prefixes.items():
            if ns not in prefixes.values():
                prefixes.setdefault(prefix, ns)
        for row in doc.rows:
            # a set-level slot the set holds for every row is the row's own (SSSOM propagation)
            merged = {**_propagated(doc.metadata), **row, "mapping_set_id": set_id}
            key = (*key_of(row), set_id)
            if key in rows:
                key += (_text(row.get("record_id")),)
            rows[key] = merged
    return MappingSide(label, rows, prefixes, sets)


def _propagated(metadata: Mapping[str, Value]) -> dict[str, Value]:
    return {k: v for k, v in metadata.items() if k in PROPAGATABLE}


def side_from_store(
    label: str, store: EmbeddedStore, catalog: QueryCatalog, *, derived: bool = False
) -> MappingSide:
    """Every curated mapping set of a graph (and the derived one with ``derived``)."""
    ids = [s for s in mapping_set_ids(store, catalog) if derived or s != DERIVED]
    docs = (document(store, catalog, s) for s in ids)
    return side_of(label, ((_text(d.metadata.get("mapping_set_id")), d) for d in docs))


def side_from_sssom(path: Path, catalog: QueryCatalog) -> MappingSide:
    """One SSSOM/TSV (or JSON) file, read as ``pcfgraph build`` reads a curated set (any file
    name)."""
    from pcfgraph.assemble import rdflib_to_quads
    from pcfgraph.mappings.sssom_rdf import mapping_set_graph

    ms = read_mapping_set(path, curated=False)
    if ms.title is None:  # a release titles such a set by its name, not by the stem used here
        ms = replace(ms, title=set_name(str(ms.iri)))
    store = EmbeddedStore()
    store.add_quads(rdflib_to_quads(mapping_set_graph(ms), str(iris.mapping_set_graph(ms.stem))))
    # the set as its header names it (a file read as any file is filed under one stem)
    return side_of(str(path), [(str(ms.iri), document(store, catalog, ms.stem))])


def set_name(set_iri: str) -> str:
    """A pcfgraph set's stem (``pcf-8.1-to-prm-it-a2``); any other set's IRI as it is."""
    base = str(iris.mapping_set(""))
    return set_iri.removeprefix(base) if set_iri.startswith(base) else set_iri


def _held(sides: Iterable[MappingSide]) -> set[str]:
    """The sets ``sides`` hold: those with rows, and those without (a set just begun)."""
    sides = list(sides)
    held = {_text(r.get("mapping_set_id")) for side in sides for r in side.rows.values()}
    return held | {s for side in sides for s in side.sets}


def set_named(set_id: str, sides: Iterable[MappingSide]) -> str | None:
    """The mapping set ``set_id`` names (its ``mapping_set_id`` IRI, or the stem of a
    pcfgraph set) as ``sides`` write it, matched ignoring case as every identifier
    (``PCF-8.1-TO-PRM-IT-A2``); None when no side holds it (compared as given, such a set
    matched no row, and the answer said "no differences")."""
    base = str(iris.mapping_set(""))
    held = _held(sides)
    names = held | {h.removeprefix(base) for h in held if h.startswith(base)}
    meant = spelled(set_id, names)
    return meant if meant in names else None


def set_names(sides: Iterable[MappingSide]) -> list[str]:
    """The sets ``sides`` hold, as ``--set`` takes them (a pcfgraph set by its stem)."""
    base = str(iris.mapping_set(""))
    held = _held(sides)
    return sorted(h.removeprefix(base) for h in held if h)


def only_set(side: MappingSide, set_id: str) -> MappingSide:
    """The mappings of one set (its ``mapping_set_id`` IRI, or the stem of a pcfgraph set)."""
    wanted = {set_id, str(iris.mapping_set(set_id))} if "/" not in set_id else {set_id}
    rows = {k: r for k, r in side.rows.items() if _text(r.get("mapping_set_id")) in wanted}
    sets = {k: v for k, v in side.sets.items() if k in wanted}
    return MappingSide(side.label, rows, side.prefixes, sets)


def compare(old: MappingSide, new: MappingSide) -> MappingDiff:
    """Added, removed and changed mappings; a mapping found on both sides in different sets,
    once on each, is one mapping whose ``mapping_set_id`` changed."""
    gone = sorted(old.rows.keys() - new.rows.keys())
    came = sorted(new.rows.keys() - old.rows.keys())
    pairs = [(k, k) for k in sorted(old.rows.keys() & new.rows.keys())]
    gone_by = _by_mapping(gone, old)
    came_by = _by_mapping(came, new)
    for mapping in sorted(gone_by.keys() & came_by.keys()):
        if len(gone_by[mapping]) == 1 and len(came_by[mapping]) == 1:
            pairs.append((gone_by[mapping][0], came_by[mapping][0]))
    paired_old = {a for a, _ in pairs}
    paired_new = {b for _, b in pairs}
    changes = [_change("removed", old.rows[k], ()) for k in gone if k not in paired_old]
    changes += [_change("added", new.rows[k], ()) for k in came if k not in paired_new]
    unchanged = 0
    for a, b in pairs:
        slots = _slot_changes(old.rows[a], new.rows[b])
        if slots:
            changes.append(_change("changed", new.rows[b], slots))
        else:
            unchanged += 1
    order = {k: i for i, k in enumerate(KINDS)}
    changes.sort(key=lambda c: (order[c.change], _identity(c)))
    prefixes = dict(new.prefixes)
    for prefix, ns in old.prefixes.items():
        if ns not in prefixes.values():
            prefixes.setdefault(prefix, ns)
    return MappingDiff(
        old.label, new.label, tuple(changes), unchanged, prefixes, _set_changes(old, new)
    )


def _slot_changes(
    before: Mapping[str, Value], after: Mapping[str, Value]
) -> tuple[SlotChange, ...]:
    return tuple(
        SlotChange(slot, _text(before.get(slot)), _text(after.get(slot)))
        for slot in sorted((before.keys() | after.keys()) - NOT_COMPARED)
        if _text(before.get(slot)) != _text(after.get(slot))
    )


def _set_changes(old: MappingSide, new: MappingSide) -> tuple[SetChange, ...]:
    out = [SetChange("removed", s) for s in sorted(old.sets.keys() - new.sets.keys())]
    out += [SetChange("added", s) for s in sorted(new.sets.keys() - old.sets.keys())]
    for s in sorted(old.sets.keys() & new.sets.keys()):
        slots = _slot_changes(old.sets[s], new.sets[s])
        if slots:
            out.append(SetChange("changed", s, slots))
    return tuple(out)


def _by_mapping(keys: Iterable[Key], side: MappingSide) -> dict[Key, list[Key]]:
    out: dict[Key, list[Key]] = {}
    for k in keys:
        out.setdefault(key_of(side.rows[k]), []).append(k)
    return out


def _identity(c: MappingChange) -> tuple[str, ...]:
    return (c.subject_id, c.predicate_modifier, c.predicate_id, c.object_id, c.mapping_set_id)


def _change(kind: str, row: Mapping[str, Value], slots: tuple[SlotChange, ...]) -> MappingChange:
    return MappingChange(
        change=kind,
        subject_id=_text(row.get("subject_id")),
        predicate_id=_text(row.get("predicate_id")),
        object_id=_text(row.get("object_id")),
        predicate_modifier=_text(row.get("predicate_modifier")),
        subject_label=_text(row.get("subject_label")),
        object_label=_text(row.get("object_label")),
        mapping_set_id=_text(row.get("mapping_set_id")),
        slots=slots,
        rights=APQC_NOTICE
        if any(_text(row.get(end)).startswith(APQC_ELEMENTS) for end in ENDS)
        else "",
    )


def summary(result: MappingDiff) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items())
    text = f"{result.old} -> {result.new}: {counts}, {result.unchanged} unchanged"
    if result.sets:
        kinds = [k for k in KINDS if any(s.change == k for s in result.sets)]
        sets = ", ".join(f"{sum(s.change == k for s in result.sets)} {k}" for k in kinds)
        text += f"; sets: {sets}"
    return text


def to_json(result: MappingDiff) -> bytes:
    doc = {
        "old": result.old,
        "new": result.new,
        "counts": result.counts(),
        "unchanged": result.unchanged,
        "changes": [asdict(c) for c in result.changes],
        "sets": [asdict(s) for s in result.sets],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_csv(result: MappingDiff) -> bytes:
    """One row per added or removed mapping and per changed slot (first those of the sets
    themselves: ``set added``, ``set removed``, ``set changed``), with APQC's notice where it
    quotes the PCF (``rights``, last); cells escaped against formula injection."""

    def rows() -> Iterable[list[str]]:
        for changed in result.sets:  # a set's own slots: no mapping, no PCF text quoted
            head = [f"set {changed.change}", "", "", "", "", "", "", changed.mapping_set_id]
            if not changed.slots:
                yield [*head, "", "", "", ""]
            for slot in changed.slots:
                yield [*head, slot.slot, slot.old, slot.new, ""]
        for c in result.changes:
            head = [getattr(c, col) for col in COLUMNS[:8]]
            if not c.slots:
                yield [*head, "", "", "", c.rights]
            for s in c.slots:
                yield [*head, s.slot, s.old, s.new, c.rights]

    return write_csv(COLUMNS, rows())
