"""Compare two editions or versions of a framework by stable ID.

Each side is either an APQC workbook (imported with :func:`pcfgraph.importers.apqc.import_workbook`)
or a framework edition already in the graph. Elements are matched by their stable ID (the
APQC PCF ID; the element IRI for frameworks without one) and compared on hierarchy code,
name and definition. Whitespace-only differences are not changes (the importer normalises
whitespace; values are normalised again here so graph editions compare the same way).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from pcfgraph import iris
from pcfgraph.cells import write_csv
from pcfgraph.codes import code_key
from pcfgraph.conneg import by_name
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import EmbeddedStore, GraphStore

#: Change kinds in report order.
KINDS: Final = ("added", "removed", "moved", "renamed", "definition changed")
COLUMNS: Final = ("change", "id", "old_code", "new_code", "name", "old_value", "new_value")


def _norm(value: str) -> str:
    return " ".join(value.split())


@dataclass(frozen=True)
class ElementVersion:
    key: str
    code: str
    name: str
    definition: str
    parent_code: str


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a label and its elements by stable ID."""

    label: str
    framework_id: str
    elements: Mapping[str, ElementVersion]
    #: The notice to cite with this edition's text (its rights and, for an APQC workbook, the
    #: workbook's own "Copyright and attribution" notice); empty when none is stated.
    rights: str = ""


@dataclass(frozen=True)
class Change:
    change: str
    id: str
    old_code: str
    new_code: str
    name: str
    old_value: str
    new_value: str


@dataclass(frozen=True)
class DiffResult:
    old: Side
    new: Side
    changes: list[Change]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for c in self.changes:
            out[c.change] += 1
        return out

    @property
    def unchanged(self) -> int:
        changed = {c.id for c in self.changes}
        return len(set(self.old.elements) & set(self.new.elements) - changed)


def side_from_store(
    store: GraphStore, catalog: QueryCatalog, framework_id: str, label: str | None = None
) -> Side:
    """A framework edition from a store (the served graph or an imported workbook), read with
    the shared domain reads (:func:`pcfgraph.services.framework_index`)."""
    from pcfgraph import services

    reader = services.Reader(store, catalog)
    index = services.framework_index(reader, framework_id)
    if not index.elements:
        if framework_id not in services.known_framework_ids(reader):
            # 404, as every other page and API naming an unknown one; naming only what diff
            # compares: "known frameworks: ..., prm-it, trim" offered ids refused next (400)
            editions = [f.id for f in services.frameworks(reader) if f.edition]
            raise NotFoundError(
                f"no framework {framework_id!r} in the graph; APQC editions in the graph: "
                f"{', '.join(editions) or 'none'} (or give an APQC workbook, .xlsx)"
            )
        raise InputError(f"framework {framework_id!r} has no elements in the graph")
    if all(e.pcf_id is None for e in index.elements.values()):
        # its elements would be keyed by IRI: every element of the other side "added"
        editions = [f.id for f in services.frameworks(reader) if f.edition]
        raise InputError(
            f"framework {framework_id!r} is not an APQC PCF edition (its elements have no PCF "
            "ID): diff compares APQC editions by PCF ID; APQC editions in the graph: "
            f"{', '.join(editions) or 'none'} (or give an APQC workbook, .xlsx)"
        )
    elements: dict[str, ElementVersion] = {}
    for e in index.elements.values():
        key = str(e.pcf_id) if e.pcf_id is not None else e.iri
        parent = index.elements.get(e.parent_iri or "")
        elements.setdefault(
            key,
            ElementVersion(
                key=key,
                code=_norm(e.code or ""),
                name=_norm(e.name),
                definition=_norm(e.definition or ""),
                parent_code=parent.code or "" if parent else "",
            ),
        )
    stated = services.framework(reader, framework_id)
    rights = (stated.attribution if stated is not None else None) or ""
    return Side(label or framework_id, framework_id, elements, rights)


def side_from_workbook(
    path: Path,
    catalog: QueryCatalog,
    *,
    edition: str | None = None,
    version: str | None = None,
    fallback_version: str = "0",
) -> Side:
    """An APQC workbook, imported as-is. Edition and version come from the workbook's own
    statement or its file name when not given; where nothing tells, edition "workbook"."""
    from pcfgraph.importers.apqc import import_workbook

    imported = import_workbook(
        path,
        edition=edition,
        version=version,
        progress=False,
        default=("workbook", fallback_version),  # only where neither name nor workbook tells
    )
    store = EmbeddedStore()
    store.add_quads(imported.quads())
    return side_from_store(store, catalog, imported.framework_id, label=path.name)


def under(old: Side, new: Side, code: str) -> tuple[Side, Side]:
    """Both sides cut to the element with hierarchy code ``code`` (or PCF ID: the element
    the diff keys by, under its code on each side) and the elements below it, on either
    side: one moved out of it or into it stays in both, a move, not a removal or an
    addition. Below is by each side's own parents (``8.0``'s children are ``8.1``...), never
    by the codes' text. :class:`NotFoundError` when neither side has it."""
    wanted = _named_pcf_id(code.strip(), old, new)
    # a PCF ID, what the diff itself compares by, was "no element with that code"
    roots = {
        id(side): {side.elements[wanted].code} if wanted in side.elements else {wanted}
        for side in (old, new)
    }
    if not any(e.code in roots[id(s)] for s in (old, new) for e in s.elements.values()):
        category = any(e.code == f"{wanted}.0" for s in (old, new) for e in s.elements.values())
        hint = f"did you mean {wanted + '.0'!r}? (APQC writes a category's code with .0)"
        raise NotFoundError(
            f"--under {wanted!r}: neither {old.label} nor {new.label} has an element with "
            "that code or PCF ID; "
            + (hint if category else "give a hierarchy code or PCF ID of either, e.g. 8.1")
        )
    keys: set[str] = set()
    for side in (old, new):
        parent = {e.code: e.parent_code for e in side.elements.values()}
        for e in side.elements.values():
            at, seen = e.code, set()
            while at and at not in seen:
                if at in roots[id(side)]:
                    keys.add(e.key)
                    break
                seen.add(at)
                at = parent.get(at, "")

    def cut(side: Side) -> Side:
        kept = {k: e for k, e in side.elements.items() if k in keys}
        return Side(side.label, side.framework_id, kept, side.rights)

    return cut(old), cut(new)


def _named_pcf_id(ref: str, old: Side, new: Side) -> str:
    """``ref`` as it is, or the PCF ID of the element an IRI or CURIE of either side's
    edition names (``pcf74:20638``, as the SSSOM files and ``mappings diff`` write it): what
    the diff keys by. :class:`InputError` for a CURIE or IRI that names neither side's."""
    if ":" not in ref:
        return ref
    editions = [e for s in (old, new) if (e := iris.apqc_edition_of(s.framework_id))]
    prefixes = sorted({iris.apqc_prefix(*e) for e in editions})
    try:
        iri = iris.element_iri(ref, lambda: [old.framework_id, new.framework_id])
    except InputError:
        iri = ref
    for edition in editions:
        pcf_id = iri.removeprefix(iris.apqc_namespace(*edition))
        if pcf_id != iri and pcf_id.isdigit():
            return pcf_id
    raise InputError(
        f"--under {ref!r} names no element of {old.label} or {new.label}: give its hierarchy "
        f"code, PCF ID, or its edition's prefix ({', '.join(prefixes) or 'none'}) and PCF ID"
    )


def side_to_dict(side: Side) -> dict[str, Any]:
    """Plain data for the sandbox protocol (see :func:`side_from_dict`)."""
    return {
        "label": side.label,
        "framework_id": side.framework_id,
        "rights": side.rights,
        "elements": [
            [e.key, e.code, e.name, e.definition, e.parent_code] for e in side.elements.values()
        ],
    }


def side_from_dict(doc: Mapping[str, Any]) -> Side:
    elements = {str(row[0]): ElementVersion(*(str(v) for v in row)) for row in doc["elements"]}
    return Side(str(doc["label"]), str(doc["framework_id"]), elements, str(doc.get("rights") or ""))


def compare(old: Side, new: Side) -> DiffResult:
    changes: list[Change] = []
    for key in sorted(set(old.elements) | set(new.elements), key=code_key):
        a, b = old.elements.get(key), new.elements.get(key)
        if a is None and b is not None:
            changes.append(Change("added", key, "", b.code, b.name, "", b.name))
            continue
        if b is None and a is not None:
            changes.append(Change("removed", key, a.code, "", a.name, a.name, ""))
            continue
        assert a is not None and b is not None
        if a.code != b.code:
            changes.append(Change("moved", key, a.code, b.code, b.name, a.code, b.code))
        if a.name != b.name:
            changes.append(Change("renamed", key, a.code, b.code, b.name, a.name, b.name))
        if a.definition != b.definition:
            changes.append(
                Change(
                    "definition changed", key, a.code, b.code, b.name, a.definition, b.definition
                )
            )
    order = {k: i for i, k in enumerate(KINDS)}
    changes.sort(key=lambda c: (order[c.change], code_key(c.new_code or c.old_code)))
    return DiffResult(old, new, changes)


def to_json(result: DiffResult) -> bytes:
    doc = {
        "old": {
            "label": result.old.label,
            "framework": result.old.framework_id,
            "rights": result.old.rights,
        },
        "new": {
            "label": result.new.label,
            "framework": result.new.framework_id,
            "rights": result.new.rights,
        },
        "counts": result.counts(),
        "unchanged": result.unchanged,
        "changes": [asdict(c) for c in result.changes],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def rights_of(result: DiffResult, change: Change) -> str:
    """The notice of the edition(s) a change quotes: the old one's for a removal, the new
    one's for an addition, both (once when the same) for the rest."""
    old, new = result.old.rights, result.new.rights
    if change.change == "removed":
        return old
    if change.change == "added" or old == new or not old:
        return new
    return f"{old} | {new}" if new else old


def to_csv(result: DiffResult) -> bytes:
    """One row per change, with the notice of the editions it quotes (``rights``, last);
    cells escaped against formula injection."""
    return write_csv(
        (*COLUMNS, "rights"),
        ([*(getattr(c, col) for col in COLUMNS), rights_of(result, c)] for c in result.changes),
    )


XLSX_TYPE: Final = by_name("xlsx").content_type


def to_xlsx(result: DiffResult) -> bytes:
    """The whole diff as a workbook: one row per change, every text cell a string that a
    spreadsheet never runs as a formula (:func:`pcfgraph.cells.safe_xlsx_sheet`)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from pcfgraph.cells import safe_xlsx_sheet

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Changes"
    ws.append(list(COLUMNS))
    for c in result.changes:
        ws.append([getattr(c, col) for col in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    safe_xlsx_sheet(ws)
    about = wb.create_sheet("About")
    about.append(["old", result.old.label])
    about.append(["new", result.new.label])
    about.append(["summary", summary(result)])
    about.append(["old rights", result.old.rights])
    about.append(["new rights", result.new.rights])
    safe_xlsx_sheet(about)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary(result: DiffResult) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items())
    return f"{result.old.label} -> {result.new.label}: {counts}, {result.unchanged} unchanged"
