"""Read an SSSOM/JSON mapping set (``*.sssom.json``: pcfgraph's JSON export, sssom-py's).

One reader for every format: the JSON becomes the metadata and the table of cells the
SSSOM/TSV reader (:mod:`pcfgraph.mappings.sssom`) reads, and that reader checks and builds
it, with the same rules and messages. Only JSON types are checked here (a record must be an
object; a value a string, a number in a numeric slot, a list of those in a multivalued
slot). A message names the file, the line and column in the JSON, and the record and field
(``mappings[3].subject_id``); each row's line is its record's opening ``{``.

The prefixes are the ``curie_map`` of the document and the string entries of its JSON-LD
``@context`` (sssom-py writes the prefixes there, with the schema's term definitions, which
are objects and are not prefixes); a prefix both declare must have one IRI in both, or one
of them would be lost. A multivalued slot's values are a list's items, or a string as one
value: ``|``, which separates values in SSSOM/TSV only, may be part of one (the export
refuses to write such a value as TSV, :mod:`.export`).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import URIRef

from pcfgraph.errors import ParseError
from pcfgraph.mappings.slots import MAPPING_SET_SLOTS, MAPPING_SLOTS, Slot
from pcfgraph.mappings.sssom import READERS, REQUIRED_COLUMNS, MappingRow, _Reader
from pcfgraph.mappings.sssom_header import HeaderProblem, checked_prefixes

#: Keys of the document that are JSON-LD or the records, not mapping set slots.
_NOT_SLOTS = ("@context", "@type", "mappings")


class _DuplicateKey(ValueError):
    pass


class _Located:
    """The JSON document with where each object starts and ends in the text."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.spans: dict[int, tuple[int, int]] = {}
        self._objects: list[object] = []  # keeps each object alive: spans are keyed by id()

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in items:
                if key in out:
                    raise _DuplicateKey(key)
                out[key] = value
            return out

        decoder = json.JSONDecoder(object_pairs_hook=pairs, parse_float=Decimal)

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
            start = s_and_end[1] - 1
            try:
                obj, end = json.decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
            except _DuplicateKey as exc:
                line, column = self.position(start)
                raise ParseError(
                    f"not valid SSSOM/JSON: the object has key {exc.args[0]!r} twice",
                    line=line,
                    column=column,
                    source=source,
                ) from None
            self.spans[id(obj)] = (start, end)
            self._objects.append(obj)
            return obj, end

        # the pure-Python scanner calls parse_object (the C one does not): objects' places
        decoder.parse_object = parse_object  # type: ignore[attr-defined]
        decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
        try:
            self.doc = decoder.decode(text)
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno, source=source
            ) from None
        except RecursionError:
            raise ParseError("not valid SSSOM/JSON: nested too deeply", source=source) from None

    def position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - self.text.rfind("\n", 0, offset)

    def key(self, obj: object, key: str | None) -> tuple[int, int]:
        """Line and column of ``key`` in ``obj`` (of ``obj`` itself when not found)."""
        start, end = self.spans.get(id(obj), (0, len(self.text)))
        if key is not None:
            pattern = re.compile(r'"' + re.escape(key) + r'"\s*:')
            nested = [s for i, s in self.spans.items() if i != id(obj) and start < s[0] < end]
            for match in pattern.finditer(self.text, start, end):
                if not any(a <= match.start() < b for a, b in nested):
                    return self.position(match.start())
        return self.position(start)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _one(slot: Slot, value: object) -> str:
    """One value as the TSV reader reads its text; a JSON type the slot cannot take raises
    ValueError with what is wrong."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and slot.kind == "double":
        return str(value)
    wanted = "a number" if slot.kind == "double" else "a string"
    raise ValueError(f"{slot.name} must be {wanted}, not {_kind(value)}")


def _cell(slot: Slot, value: object) -> str:
    """A record's value as a TSV cell (a list ``|``-separated, as the TSV export writes it;
    its values are read from the list itself, :meth:`JsonReader.slot_values`)."""
    if value is None:
        return ""
    if not isinstance(value, list):
        return _one(slot, value)
    if not slot.multivalued:
        raise ValueError(f"{slot.name} takes one value, not a list")
    return "|".join(_one(slot, v) for v in value)


class JsonReader(_Reader):
    """The SSSOM/TSV reader fed from an SSSOM/JSON document."""

    def __init__(self, path: Path, text: str, *, curated: bool = True) -> None:
        super().__init__(path, "", curated=curated)
        self.json = _Located(text, self.source)
        self.records: list[dict[str, Any]] = []
        self.columns: list[str] = []
        self.current: int | None = None  # the record whose row is being read

    def at(self, index: int, field: str | None, message: str) -> ParseError:
        line, column = self.json.key(self.records[index], field)
        where = f"mappings[{index}]" + (f".{field}" if field else "")
        return ParseError(f"{where}: {message}", line=line, column=column, source=self.source)

    def error(self, message: str, line: int | None = None, column: int | None = None) -> ParseError:
        if self.current is None:  # the metadata: line is where the key is (header_line)
            return super().error(message, line)
        field = self.columns[column - 1] if column else None
        return self.at(self.current, field, message)

    def header(self) -> tuple[dict[str, Any], int]:
        doc = self.json.doc
        if not isinstance(doc, dict):
            raise self.error(f"an SSSOM/JSON mapping set is an object, not {_kind(doc)}", 1)
        meta: dict[str, Any] = {}
        for key, value in doc.items():
            if key in _NOT_SLOTS:
                continue
            slot = MAPPING_SET_SLOTS.get(key)
            if slot is not None and key != "curie_map" and isinstance(value, bool | dict):
                raise self.error(
                    f"{key} must be a value, not {_kind(value)}", self.header_line(key)
                )
            meta[key] = value
        context = doc.get("@context", {})
        if not isinstance(context, dict):
            line = self.header_line("@context")
            raise self.error(f"@context must be an object of prefixes, not {_kind(context)}", line)
        prefixes = {k: v for k, v in context.items() if isinstance(v, str) and k[:1] != "@"}
        try:
            checked_prefixes(prefixes, "@context")
        except HeaderProblem as problem:
            raise self.error(problem.message, self.header_line("@context")) from None
        self.refuse_two_expansions(meta.get("curie_map"), prefixes)
        if prefixes or "curie_map" in meta:
            cmap = meta.get("curie_map", {})
            meta["curie_map"] = {**prefixes, **cmap} if isinstance(cmap, dict) else cmap
        records = doc.get("mappings")
        if not isinstance(records, list):
            shown = "there is none" if records is None else f"not {_kind(records)}"
            raise self.error(
                f"mappings must be a list of records; {shown}", self.header_line("mappings")
            )
        self.records = records
        return meta, 0

    def refuse_two_expansions(self, cmap: object, context: dict[str, str]) -> None:
        """A prefix that ``curie_map`` and ``@context`` declare with two IRIs: one would be
        taken and the other dropped, and the CURIEs read with the one taken."""
        if not isinstance(cmap, dict):
            return  # the TSV reader's check names what curie_map must be
        for prefix in sorted(cmap.keys() & context.keys()):
            if cmap[prefix] != context[prefix]:
                raise self.error(
                    f"prefix {prefix!r} has two expansions: {cmap[prefix]!r} in curie_map and "
                    f"{context[prefix]!r} in @context; its CURIEs would be read with one of them "
                    "and the other dropped: make them the same, or declare it in one place",
                    self.header_line("curie_map"),
                )

    def header_line(self, key: str) -> int:
        return self.json.key(self.json.doc, key)[0]

    def slot_values(
        self, slot: Slot, raw: object, line: int, column: int | None = None
    ) -> tuple[str, ...]:
        """A multivalued slot's values as JSON gives them: a list's items (the cell joined them
        with ``|`` for the TSV reader; an item may hold a ``|`` of its own), a string one value
        (as sssom-py reads it: ``|`` separates values in a TSV cell only)."""
        if slot.multivalued and isinstance(raw, str):
            value = raw if self.current is None else self.records[self.current].get(slot.name)
            if isinstance(value, list):
                raw = [_one(slot, v) for v in value]
            elif isinstance(value, str):
                raw = [value]
        return super().slot_values(slot, raw, line, column)

    def table(self, first: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
        used: set[str] = set()
        for index, record in enumerate(self.records):
            if not isinstance(record, dict):
                raise ParseError(
                    f"mappings[{index}]: a record is an object, not {_kind(record)}",
                    line=self.header_line("mappings"),
                    source=self.source,
                )
            for field in record:
                if field not in MAPPING_SLOTS:
                    raise self.at(
                        index, field, f"unknown field {field!r}: not an SSSOM mapping slot"
                    )
            for field in REQUIRED_COLUMNS:
                value = record.get(field)
                if value is None or (isinstance(value, str) and not value.strip()):
                    raise self.at(index, None, f"the record has no {field}")
            used.update(record)
        self.columns = [name for name in MAPPING_SLOTS if name in used]
        numbered: list[tuple[int, list[str]]] = []
        for index, record in enumerate(self.records):
            cells = []
            for name in self.columns:
                try:
                    cells.append(_cell(MAPPING_SLOTS[name], record.get(name)))
                except ValueError as exc:
                    raise self.at(index, name, str(exc)) from None
            numbered.append((self.json.key(record, None)[0], cells))
        return self.columns, numbered

    def row(
        self,
        cells: dict[str, str],
        line: int,
        columns: list[str],
        set_subject: URIRef | None,
        set_object: URIRef | None,
        propagated: Mapping[str, tuple[str, ...]],
    ) -> MappingRow:
        # rows() reads every record in order (none is empty: each has its required fields)
        self.current = 0 if self.current is None else self.current + 1
        return super().row(cells, line, columns, set_subject, set_object, propagated)


READERS[".json"] = JsonReader
