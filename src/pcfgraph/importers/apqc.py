"""APQC Process Classification Framework workbooks (APQC's own ``.xlsx`` layout) to RDF.

One workbook is one industry edition and version of the PCF and becomes one named graph:
a ``skos:ConceptScheme`` (``pcfg:Framework``) with one ``skos:Concept`` per PCF element and one
``pcfg:Measure`` per row of the "Metrics" sheet. Identity comes from the PCF ID only (see
:mod:`pcfgraph.iris`); hierarchy IDs are labels and give the ``skos:broader`` tree.

Layouts understood (headers matched case-insensitively, whitespace-normalised):

* 7.4: sheet ``Combined`` (PCF ID, Hierarchy ID, Name, Difference Index, Change details,
  Metrics available?, Element Description) and ``Metrics``.
* 7.2.x: ``Combined`` without descriptions; definitions in ``Glossary terms``.
* industry editions: a 14th category, a sixth level, only some optional columns.
* no ``Combined`` sheet: the per-category sheets ``1.0``, ``2.0``, ... concatenated.

Every failure is a :class:`~pcfgraph.errors.WorkbookError` naming sheet, row and column.
"""

from __future__ import annotations

import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from tqdm import tqdm

from pcfgraph import iris
from pcfgraph.errors import WorkbookError
from pcfgraph.iris import DCTERMS, PCFG, PROV, SKOS

#: APQC's required attribution notice; every resource derived from the PCF points to it.
APQC_NOTICE: Final = (
    "©2024 APQC. ALL RIGHTS RESERVED. The APQC Process Classification Framework® (PCF) is used "
    "with permission of APQC. APQC encourages the wide distribution, discussion, and use of the "
    "PCF for classifying and defining processes and grants permission to use the PCF for both "
    "internal and external purposes."
)
APQC_LICENSE: Final = URIRef("https://www.apqc.org/pcf")

#: Element kind and class by level (number of hierarchy ID components; "8.0" is level 1).
KINDS: Final[tuple[tuple[str, URIRef], ...]] = (
    ("category", PCFG.PCFCategory),
    ("processGroup", PCFG.PCFProcessGroup),
    ("process", PCFG.PCFProcess),
    ("activity", PCFG.PCFActivity),
    ("task", PCFG.PCFTask),
    ("step", PCFG.PCFStep),
)

_HEADER_SCAN_ROWS: Final = 20

# Column key -> (display name, accepted normalised header texts).
_ELEMENT_COLUMNS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "pcf_id": ("PCF ID", ("pcf id",)),
    "hierarchy_id": ("Hierarchy ID", ("hierarchy id",)),
    "name": ("Name", ("name",)),
    "difference_index": ("Difference Index", ("difference index",)),
    "change_details": ("Change details", ("change details",)),
    "metrics_available": ("Metrics available?", ("metrics available?", "metrics available")),
    "description": ("Element Description", ("element description", "description")),
}
_ELEMENT_REQUIRED: Final = ("pcf_id", "hierarchy_id", "name")

_GLOSSARY_COLUMNS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "pcf_id": ("Process Element ID", ("process element id", "pcf id")),
    "hierarchy_id": ("Hierarchy ID", ("hierarchy id",)),
    "name": ("Process element", ("process element", "name")),
    "definition": ("Definition", ("definition", "element description")),
}
_GLOSSARY_REQUIRED: Final = ("pcf_id", "definition")

_METRIC_COLUMNS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "element_id": ("Process Element ID", ("process element id", "pcf id")),
    "hierarchy_id": ("Hierarchy ID", ("hierarchy id",)),
    "element_name": ("Process element", ("process element",)),
    "category": ("Metric Category", ("metric category", "measure category")),
    "metric_id": ("Metric ID", ("metric id", "measure id")),
    "name": ("Metric name", ("metric name", "measure name")),
    "formula": ("Formula", ("formula",)),
    "units": ("Units", ("units",)),
}
_METRIC_REQUIRED: Final = ("element_id", "metric_id", "name")

_FILE_NAME_RE: Final = re.compile(
    r"^(?:apqc-)?pcf-(?P<edition>[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(?P<version>\d+(?:\.\d+)+)"
    r"(?:-.*)?\.xlsx$",
    re.IGNORECASE,
)
_VERSION_RE: Final = re.compile(r"\d+(?:\.\d+)*")
_HIERARCHY_RE: Final = re.compile(r"[1-9][0-9]*(?:\.[0-9]+)+")
_CATEGORY_SHEET_RE: Final = re.compile(r"([1-9][0-9]*)\.0")
_RENAME_RE: Final = re.compile(r"\bRENAME\b\s*(?:,\s*WAS\s*:(?P<old>.*))?\Z", re.DOTALL)
_TOKEN_RE: Final = re.compile(r"(?P<op>[+\-cC])\s*(?P<id>[0-9]+)|(?P<new>NEW)")
_CHANGE_CLASSES: Final = {"+": PCFG.ChildAdded, "-": PCFG.ChildRemoved, "c": PCFG.ChildChanged}


@dataclass
class ApqcImport:
    """The result of importing one workbook: this edition's named-graph content and counts."""

    framework_id: str
    edition: str
    version: str
    graph: Graph
    counts: dict[str, int]
    elements: int
    metrics: int
    #: Tolerated oddities (e.g. an unreadable change token); the import still succeeded.
    warnings: list[str] = field(default_factory=list)

    @property
    def scheme(self) -> URIRef:
        return iris.framework(self.framework_id)

    @property
    def graph_name(self) -> URIRef:
        return iris.framework_graph(self.framework_id)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
        return (
            f"{self.framework_id}: {self.elements} elements ({kinds}), {self.metrics} metrics, "
            f"{len(self.graph)} triples"
        )


@dataclass
class _Element:
    sheet: str
    row: int
    pcf_id: int
    hierarchy_id: str
    parent_id: str | None
    level: int
    name: str
    definition: str | None = None
    difference_index: int | None = None
    change_details: str | None = None
    metrics_available: bool | None = None


@dataclass
class _Change:
    cls: URIRef
    changed_pcf_id: int | None = None
    previous_name: str | None = None


# --- small parsers ------------------------------------------------------------------------------


def normalise_space(value: Any) -> str:
    """Strip and collapse whitespace runs (incl. non-breaking spaces) to single spaces."""
    return " ".join(str(value).split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: Any) -> str:
    return normalise_space(value).lower() if value is not None else ""


def _int_cell(value: Any, what: str, sheet: str, row: int, column: str) -> int:
    if isinstance(value, bool):
        raise WorkbookError(
            f"{what} must be an integer, got {value!r}", sheet=sheet, row=row, column=column
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
        return int(value)
    raise WorkbookError(
        f"{what} must be an integer, got {value!r}", sheet=sheet, row=row, column=column
    )


def parse_hierarchy_id(text: str) -> tuple[int, str | None]:
    """``(level, parent hierarchy ID)`` of an APQC hierarchy ID; ValueError when malformed.

    ``"8.0"`` is level 1 with no parent; ``"8.1"`` is level 2 with parent ``"8.0"``;
    ``"8.1.5.3"`` is level 4 with parent ``"8.1.5"``. Components are split, never stripped.
    """
    if not _HIERARCHY_RE.fullmatch(text):
        raise ValueError("expected dot-separated numbers such as '8.0' or '8.1.5.3'")
    parts = text.split(".")
    if len(parts) == 2 and parts[1] == "0":
        return 1, None
    if any(p == "0" or p.startswith("0") for p in parts[1:]):
        raise ValueError("only a category ('8.0') may have a 0 component")
    level = len(parts)
    if level > len(KINDS):
        raise ValueError(f"deeper than {len(KINDS)} levels")
    parent = parts[:-1]
    return level, (f"{parent[0]}.0" if len(parent) == 1 else ".".join(parent))


def parse_changes(text: str) -> tuple[list[_Change], list[str]]:
    """Parse APQC's "Change details" cell into changes and the tokens that could not be read.

    ``RENAME, WAS:<old name>`` takes everything after ``WAS:`` to the end as the old name,
    commas included. Other tokens are comma-separated: ``+ID``, ``-ID``, ``cID``, ``NEW``.
    """
    changes: list[_Change] = []
    unreadable: list[str] = []
    rename: _Change | None = None
    head = text
    match = _RENAME_RE.search(text)
    if match:
        head = text[: match.start()]
        old = match.group("old")
        rename = _Change(PCFG.ElementRenamed, previous_name=normalise_space(old) if old else None)
    for raw in head.split(","):
        token = raw.strip()
        if not token:
            continue
        tok = _TOKEN_RE.fullmatch(token)
        if tok is None:
            unreadable.append(token)
        elif tok.group("new"):
            changes.append(_Change(PCFG.ElementNew))
        else:
            cls = _CHANGE_CLASSES[tok.group("op").lower()]
            changes.append(_Change(cls, changed_pcf_id=int(tok.group("id"))))
    if rename is not None:
        changes.append(rename)
    return changes, unreadable


def _bool_cell(value: Any, sheet: str, row: int, column: str) -> bool:
    if isinstance(value, bool):
        return value
    key = normalise_space(value).lower()
    if key in ("y", "yes", "true", "1"):
        return True
    if key in ("n", "no", "false", "0"):
        return False
    raise WorkbookError(f"expected Y or N, got {value!r}", sheet=sheet, row=row, column=column)


def edition_version_from_name(file_name: str) -> tuple[str, str] | None:
    """``("Cross-Industry", "7.4")`` from ``apqc-pcf-cross-industry-7.4.xlsx`` and similar."""
    match = _FILE_NAME_RE.match(file_name)
    if not match:
        return None
    edition = "-".join(w.capitalize() for w in match.group("edition").split("-"))
    return edition, match.group("version")


# --- sheet reading ------------------------------------------------------------------------------


class _Table:
    """One sheet's data rows with the header located and required columns checked."""

    def __init__(
        self,
        ws: Any,
        sheet: str,
        columns: dict[str, tuple[str, tuple[str, ...]]],
        required: Sequence[str],
    ) -> None:
        self.sheet = sheet
        self.columns = columns
        self._rows: Iterator[tuple[int, tuple[Any, ...]]] = enumerate(
            ws.iter_rows(min_row=1, values_only=True), start=1
        )
        self.max_row: int | None = ws.max_row
        self.header_row, self.index = self._find_header(required)

    def _find_header(self, required: Sequence[str]) -> tuple[int, dict[str, int]]:
        for row_no, values in self._rows:
            found: dict[str, int] = {}
            for idx, cell in enumerate(values):
                key = _header_key(cell)
                for col, (_, names) in self.columns.items():
                    if key in names and col not in found:
                        found[col] = idx
            if len(found) >= 2 or any(k in found for k in required[:1]):
                for col in required:
                    if col not in found:
                        raise WorkbookError(
                            f"required column {self.columns[col][0]!r} not found in the header "
                            f"row (expected {', '.join(repr(self.columns[c][0]) for c in required)})",
                            sheet=self.sheet,
                            row=row_no,
                            column=self.columns[col][0],
                        )
                return row_no, found
            if row_no >= _HEADER_SCAN_ROWS:
                break
        first = self.columns[required[0]][0]
        raise WorkbookError(
            "unknown layout: no header row with "
            f"{', '.join(repr(self.columns[c][0]) for c in required)} "
            f"in the first {_HEADER_SCAN_ROWS} rows",
            sheet=self.sheet,
            row=1,
            column=first,
        )

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Non-empty data rows as ``(row number, {column key: value})``."""
        for row_no, values in self._rows:
            if all(_blank(v) for v in values):
                continue
            yield (
                row_no,
                {
                    col: (values[idx] if idx < len(values) else None)
                    for col, idx in self.index.items()
                },
            )

    def name(self, col: str) -> str:
        return self.columns[col][0]


def _find_sheet(sheetnames: Sequence[str], *wanted: str) -> str | None:
    keys = {normalise_space(n).lower(): n for n in sheetnames}
    for w in wanted:
        if w in keys:
            return keys[w]
    return None


def _element_sheets(sheetnames: Sequence[str]) -> list[str]:
    combined = _find_sheet(sheetnames, "combined")
    if combined is not None:
        return [combined]
    categories = [
        (int(m.group(1)), name)
        for name in sheetnames
        if (m := _CATEGORY_SHEET_RE.fullmatch(normalise_space(name)))
    ]
    if not categories:
        raise WorkbookError(
            "unknown layout: no 'Combined' sheet and no per-category sheets ('1.0', '2.0', ...); "
            f"sheets are {', '.join(repr(n) for n in sheetnames)}",
            sheet=sheetnames[0] if sheetnames else None,
        )
    return [name for _, name in sorted(categories)]


# --- the importer -------------------------------------------------------------------------------


def _resolve_edition_version(
    path: Path, edition: str | None, version: str | None
) -> tuple[str, str]:
    guessed = edition_version_from_name(path.name)
    if edition is None or version is None:
        if guessed is None:
            raise WorkbookError(
                f"cannot tell the PCF edition and version from the file name {path.name!r} "
                "(expected e.g. 'apqc-pcf-cross-industry-7.4.xlsx'); pass --edition and --version"
            )
        edition = edition if edition is not None else guessed[0]
        version = version if version is not None else guessed[1]
    edition = normalise_space(edition)
    version = version.strip()
    if not _VERSION_RE.fullmatch(version):
        raise WorkbookError(f"version must look like '7.4' or '7.2.1', got {version!r}")
    try:
        iris.slug(edition)
    except ValueError:
        raise WorkbookError(f"edition must contain letters or digits, got {edition!r}") from None
    return edition, version


def import_workbook(
    path: Path,
    *,
    edition: str | None = None,
    version: str | None = None,
    progress: bool | None = None,
) -> ApqcImport:
    """Import one APQC PCF workbook; see the module docstring for the layouts understood.

    ``progress``: True shows a progress bar on stderr for imports taking over a second, False
    never does, None shows it only when stderr is a terminal.
    """
    path = Path(path)
    edition, version = _resolve_edition_version(path, edition, version)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise WorkbookError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    bar = tqdm(
        total=None,
        desc=f"importing {path.name}",
        unit=" rows",  # read, then written as RDF
        delay=1.0,
        file=sys.stderr,
        disable=None if progress is None else not progress,
        leave=False,
    )
    try:
        return _Importer(path, wb, edition, version, bar).run()
    finally:
        bar.close()
        wb.close()


class _Importer:
    def __init__(self, path: Path, wb: Any, edition: str, version: str, bar: Any) -> None:
        self.path = path
        self.wb = wb
        self.edition = edition
        self.version = version
        self.framework_id = iris.apqc_framework_id(edition, version)
        self.scheme = iris.framework(self.framework_id)
        self.bar = bar
        self.warnings: list[str] = []
        self.by_hid: dict[str, int] = {}
        self.categories: set[URIRef] = set()
        self.graph = Graph()
        for prefix, ns in iris.PREFIXES.items():
            self.graph.bind(prefix, ns)

    def run(self) -> ApqcImport:
        elements = self._read_elements()
        self._check_tree(elements)
        self._read_glossary(elements)
        by_id = {e.pcf_id: e for e in elements}
        self.by_hid = {e.hierarchy_id: e.pcf_id for e in elements}
        self._emit_scheme()
        counts = {kind: 0 for kind, _ in KINDS}
        for e in elements:
            counts[KINDS[e.level - 1][0]] += 1
            self._emit_element(e)
            self.bar.update(1)
        metrics = self._read_metrics(by_id)
        return ApqcImport(
            framework_id=self.framework_id,
            edition=self.edition,
            version=self.version,
            graph=self.graph,
            counts=counts,
            elements=len(elements),
            metrics=metrics,
            warnings=self.warnings,
        )

    # -- reading --

    def _read_elements(self) -> list[_Element]:
        elements: list[_Element] = []
        seen_ids: dict[int, tuple[str, int]] = {}
        seen_hids: dict[str, tuple[str, int]] = {}
        for sheet in _element_sheets(self.wb.sheetnames):
            table = _Table(self.wb[sheet], sheet, _ELEMENT_COLUMNS, _ELEMENT_REQUIRED)
            for row_no, cells in table.rows():
                self.bar.update(1)
                e = self._element(table, row_no, cells)
                for key, seen, what, col in (
                    (e.pcf_id, seen_ids, "PCF ID", "pcf_id"),
                    (e.hierarchy_id, seen_hids, "hierarchy ID", "hierarchy_id"),
                ):
                    if key in seen:
                        other_sheet, other_row = seen[key]  # type: ignore[index]
                        other = (
                            f"row {other_row}"
                            if other_sheet == sheet
                            else f"sheet {other_sheet!r} row {other_row}"
                        )
                        raise WorkbookError(
                            f"duplicate {what} {key!r} (also in {other})",
                            sheet=sheet,
                            row=row_no,
                            column=table.name(col),
                        )
                    seen[key] = (sheet, row_no)  # type: ignore[index]
                elements.append(e)
        if not elements:
            raise WorkbookError("the workbook has no PCF elements")
        return elements

    def _element(self, table: _Table, row_no: int, cells: dict[str, Any]) -> _Element:
        sheet = table.sheet
        for col in _ELEMENT_REQUIRED:
            if _blank(cells.get(col)):
                raise WorkbookError(
                    "missing value", sheet=sheet, row=row_no, column=table.name(col)
                )
        pcf_id = _int_cell(cells["pcf_id"], "PCF ID", sheet, row_no, table.name("pcf_id"))
        raw_hid = cells["hierarchy_id"]
        hid = normalise_space(raw_hid)
        try:
            if not isinstance(raw_hid, str):
                raise ValueError("a hierarchy ID must be text, not a number (8.10 would read 8.1)")
            level, parent = parse_hierarchy_id(hid)
        except ValueError as exc:
            raise WorkbookError(
                f"bad hierarchy ID {raw_hid!r}: {exc}",
                sheet=sheet,
                row=row_no,
                column=table.name("hierarchy_id"),
            ) from None
        e = _Element(
            sheet=sheet,
            row=row_no,
            pcf_id=pcf_id,
            hierarchy_id=hid,
            parent_id=parent,
            level=level,
            name=normalise_space(cells["name"]),
        )
        if not _blank(cells.get("description")):
            e.definition = normalise_space(cells["description"])
        if not _blank(cells.get("difference_index")):
            e.difference_index = _int_cell(
                cells["difference_index"],
                "Difference Index",
                sheet,
                row_no,
                table.name("difference_index"),
            )
        if not _blank(cells.get("change_details")):
            e.change_details = str(cells["change_details"]).strip()
        if not _blank(cells.get("metrics_available")):
            e.metrics_available = _bool_cell(
                cells["metrics_available"], sheet, row_no, table.name("metrics_available")
            )
        return e

    def _check_tree(self, elements: list[_Element]) -> None:
        hids = {e.hierarchy_id for e in elements}
        for e in elements:
            if e.parent_id is not None and e.parent_id not in hids:
                raise WorkbookError(
                    f"the parent {e.parent_id!r} of hierarchy ID {e.hierarchy_id!r} "
                    "is not in the workbook",
                    sheet=e.sheet,
                    row=e.row,
                    column=_ELEMENT_COLUMNS["hierarchy_id"][0],
                )

    def _read_glossary(self, elements: list[_Element]) -> None:
        sheet = _find_sheet(self.wb.sheetnames, "glossary terms", "glossary")
        if sheet is None:
            return
        by_id = {e.pcf_id: e for e in elements}
        table = _Table(self.wb[sheet], sheet, _GLOSSARY_COLUMNS, _GLOSSARY_REQUIRED)
        for row_no, cells in table.rows():
            self.bar.update(1)
            if _blank(cells.get("pcf_id")) or (
                "hierarchy_id" in table.index and _blank(cells.get("hierarchy_id"))
            ):
                continue  # the "Root" row (10001) has no hierarchy ID
            pcf_id = _int_cell(cells["pcf_id"], "PCF ID", sheet, row_no, table.name("pcf_id"))
            e = by_id.get(pcf_id)
            if e is None:
                self.warnings.append(
                    f"sheet {sheet!r}, row {row_no}: PCF ID {pcf_id} is not an element; skipped"
                )
                continue
            if e.definition is None and not _blank(cells.get("definition")):
                e.definition = normalise_space(cells["definition"])

    def _read_metrics(self, by_id: dict[int, _Element]) -> int:
        sheet = _find_sheet(self.wb.sheetnames, "metrics", "measures")
        if sheet is None:
            return 0
        table = _Table(self.wb[sheet], sheet, _METRIC_COLUMNS, _METRIC_REQUIRED)
        seen: dict[int, int] = {}
        for row_no, cells in table.rows():
            self.bar.update(1)
            for col in _METRIC_REQUIRED:
                if _blank(cells.get(col)):
                    raise WorkbookError(
                        "missing value", sheet=sheet, row=row_no, column=table.name(col)
                    )
            element_id = _int_cell(
                cells["element_id"], "Process Element ID", sheet, row_no, table.name("element_id")
            )
            metric_id = _int_cell(
                cells["metric_id"], "Metric ID", sheet, row_no, table.name("metric_id")
            )
            element = by_id.get(element_id)
            if element is None:
                raise WorkbookError(
                    f"metric {metric_id} is listed for PCF ID {element_id}, "
                    "which is not an element of this workbook",
                    sheet=sheet,
                    row=row_no,
                    column=table.name("element_id"),
                )
            if metric_id in seen:
                raise WorkbookError(
                    f"duplicate Metric ID {metric_id} (also in row {seen[metric_id]})",
                    sheet=sheet,
                    row=row_no,
                    column=table.name("metric_id"),
                )
            seen[metric_id] = row_no
            self._emit_measure(metric_id, element, cells)
        return len(seen)

    # -- writing --

    def _emit_scheme(self) -> None:
        g, s = self.graph, self.scheme
        notice = iris.apqc_notice()
        family = iris.apqc_family()
        source = iris.framework_source(self.framework_id, self.path.name)
        g.add((s, RDF.type, SKOS.ConceptScheme))
        g.add((s, RDF.type, PCFG.Framework))
        g.add((s, PCFG.frameworkId, Literal(self.framework_id)))
        title = f"APQC Process Classification Framework (PCF) – {self.edition} {self.version}"
        g.add((s, DCTERMS.title, Literal(title, lang="en")))
        g.add((s, SKOS.prefLabel, Literal(title, lang="en")))
        g.add((s, OWL.versionInfo, Literal(self.version)))
        g.add((s, PCFG.edition, Literal(self.edition)))
        g.add((s, DCTERMS.publisher, Literal("APQC")))
        g.add((s, DCTERMS.source, Literal(self.path.name)))
        g.add((s, DCTERMS.license, APQC_LICENSE))
        g.add((s, DCTERMS.rights, notice))
        g.add((s, PROV.wasDerivedFrom, source))
        g.add((s, DCTERMS.isVersionOf, family))
        g.add((source, RDF.type, PROV.Entity))
        g.add((source, DCTERMS.title, Literal(self.path.name)))
        g.add((source, DCTERMS.publisher, Literal("APQC")))
        g.add((family, RDF.type, PCFG.FrameworkFamily))
        g.add(
            (
                family,
                SKOS.prefLabel,
                Literal("APQC Process Classification Framework (PCF)", lang="en"),
            )
        )
        g.add((family, DCTERMS.rights, notice))
        g.add((notice, RDF.type, DCTERMS.RightsStatement))
        g.add((notice, RDFS.label, Literal(APQC_NOTICE, lang="en")))
        g.add((notice, DCTERMS.source, APQC_LICENSE))

    def _element_iri(self, pcf_id: int) -> URIRef:
        return iris.apqc_element(self.edition, self.version, pcf_id)

    def _emit_element(self, e: _Element) -> None:
        g, s = self.graph, self._element_iri(e.pcf_id)
        add = g.add
        add((s, RDF.type, KINDS[e.level - 1][1]))
        add((s, RDF.type, SKOS.Concept))
        add((s, RDF.type, PCFG.PCFElement))
        add((s, SKOS.notation, Literal(e.hierarchy_id)))
        add((s, PCFG.hierarchyId, Literal(e.hierarchy_id)))
        add((s, PCFG.pcfId, Literal(e.pcf_id, datatype=XSD.integer)))
        add((s, PCFG.level, Literal(e.level, datatype=XSD.integer)))
        add((s, SKOS.prefLabel, Literal(e.name, lang="en")))
        if e.definition is not None:
            add((s, SKOS.definition, Literal(e.definition, lang="en")))
        if e.metrics_available is not None:
            add((s, PCFG.metricsAvailable, Literal(e.metrics_available, datatype=XSD.boolean)))
        if e.difference_index is not None:
            add((s, PCFG.differenceIndex, Literal(e.difference_index, datatype=XSD.integer)))
        if e.change_details is not None:
            add((s, PCFG.changeDetails, Literal(e.change_details)))
            changes, unreadable = parse_changes(e.change_details)
            for index, change in enumerate(changes, start=1):
                c = iris.apqc_change(self.edition, self.version, e.pcf_id, index)
                add((s, PCFG.change, c))
                add((c, RDF.type, change.cls))
                if change.changed_pcf_id is not None:
                    add(
                        (c, PCFG.changedPcfId, Literal(change.changed_pcf_id, datatype=XSD.integer))
                    )
                if change.previous_name is not None:
                    add((c, PCFG.previousName, Literal(change.previous_name)))
            for token in unreadable:
                self.warnings.append(
                    f"sheet {e.sheet!r}, row {e.row}, column 'Change details': "
                    f"unreadable change token {token!r} kept only in pcfg:changeDetails"
                )
        add((s, SKOS.inScheme, self.scheme))
        if e.parent_id is None:
            add((s, SKOS.topConceptOf, self.scheme))
            add((self.scheme, SKOS.hasTopConcept, s))
        else:
            parent = self._element_iri(self.by_hid[e.parent_id])
            add((s, SKOS.broader, parent))
            add((parent, SKOS.narrower, s))
        add((s, DCTERMS.rights, iris.apqc_notice()))
        stable = iris.apqc_stable_element(e.pcf_id)
        add((s, DCTERMS.isVersionOf, stable))
        add((stable, RDF.type, PCFG.PCFStableElement))
        add((stable, PCFG.pcfId, Literal(e.pcf_id, datatype=XSD.integer)))

    def _emit_measure(self, metric_id: int, element: _Element, cells: dict[str, Any]) -> None:
        g = self.graph
        m = iris.apqc_measure(self.edition, self.version, metric_id)
        g.add((m, RDF.type, PCFG.Measure))
        g.add((m, PCFG.metricId, Literal(metric_id, datatype=XSD.integer)))
        g.add((m, SKOS.prefLabel, Literal(normalise_space(cells["name"]), lang="en")))
        g.add((m, PCFG.measureOf, self._element_iri(element.pcf_id)))
        g.add((m, DCTERMS.rights, iris.apqc_notice()))
        if not _blank(cells.get("formula")):
            g.add((m, PCFG.formula, Literal(normalise_space(cells["formula"]))))
        if not _blank(cells.get("units")):
            g.add((m, PCFG.units, Literal(normalise_space(cells["units"]).lower())))
        if not _blank(cells.get("category")):
            name = normalise_space(cells["category"])
            cat = iris.apqc_measure_category(name)
            g.add((m, PCFG.measureCategory, cat))
            if cat in self.categories:
                return  # described once, with the first spelling of its name
            self.categories.add(cat)
            g.add((cat, RDF.type, PCFG.MeasureCategory))
            g.add((cat, RDF.type, SKOS.Concept))
            g.add((cat, SKOS.prefLabel, Literal(name, lang="en")))
            g.add((cat, DCTERMS.rights, iris.apqc_notice()))
