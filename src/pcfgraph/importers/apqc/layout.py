"""Where things are in an APQC workbook: which sheets hold elements, glossary and metrics, and
which row and columns of a sheet are its header.

Every APQC layout seen (Cross-Industry 7.4, 7.2.x, the industry editions, 7.2.2 comparison
workbooks) shares these traits, and only these are relied on: elements are in a sheet named
``Combined`` or in per-category sheets ``1.0``, ``2.0``, ..., a title maybe following the
number (``1.0 Develop Vision and Strategy``); failing both, in the sheets whose header names
the element columns, as in a user's copy, with a warning; a ``Combined`` sheet holding no
elements (emptied to its header, blank, or cut to its title row) gives way to per-category
sheets holding every category, with a warning; a header row within the
first ``HEADER_SCAN_ROWS`` rows names the columns, matched by their normalised wording
(case, spacing, line breaks, punctuation and the word for "ID" vary: "Change details" /
"Change Details", "Hierarchy ID" / "Hierarchy Number" / "hierarchy_no."); optional columns
come and go; definitions are either a column or a ``Glossary terms`` sheet; measures are in
``Metrics``. Rows above the header ("title rows") are kept as the workbook's statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from openpyxl.utils import get_column_letter

from pcfgraph.archive_guard import DEFAULT_LIMITS, ArchiveLimits, SheetBounds
from pcfgraph.cells import xstring
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc.cells import blank, normalise_space, numeric_category

#: How far down a header row is looked for. APQC's is row 1; a user's copy may put a cover block
#: above it (title, notes, disclaimer). A header is recognised only by two known column names,
#: so looking further costs a few streamed rows and cannot take a data row for it.
HEADER_SCAN_ROWS: Final = 100

Columns = dict[str, tuple[str, tuple[str, ...]]]

#: Words a header uses for "identifier" ("Hierarchy Number", "PCF No.", "Metric #"): one key.
_ID_WORDS: Final = frozenset({"id", "no", "nr", "num", "number", "identifier", "#"})

# Column key -> (display name, accepted header texts, as :func:`header_key` normalises them).
ELEMENT_COLUMNS: Final[Columns] = {
    "pcf_id": (
        "PCF ID",
        ("pcf id", "process element id", "element id", "pcf element id", "pcfid"),
    ),
    "hierarchy_id": ("Hierarchy ID", ("hierarchy id", "hierarchy")),
    "name": (
        "Name",
        ("name", "process element", "element name", "process element name", "pcf name"),
    ),
    "difference_index": ("Difference Index", ("difference index",)),
    "change_details": ("Change details", ("change details",)),
    "metrics_available": ("Metrics available?", ("metrics available",)),
    "description": (
        "Element Description",
        ("element description", "description", "definition", "element definition"),
    ),
}
ELEMENT_REQUIRED: Final = ("pcf_id", "hierarchy_id", "name")

GLOSSARY_COLUMNS: Final[Columns] = {
    "pcf_id": ("Process Element ID", ("process element id", "pcf id", "element id", "pcfid")),
    "hierarchy_id": ("Hierarchy ID", ("hierarchy id", "hierarchy")),
    "name": ("Process element", ("process element", "name", "element name")),
    "definition": ("Definition", ("definition", "element description", "element definition")),
}
GLOSSARY_REQUIRED: Final = ("pcf_id", "definition")

METRIC_COLUMNS: Final[Columns] = {
    "element_id": ("Process Element ID", ("process element id", "pcf id", "element id", "pcfid")),
    "hierarchy_id": ("Hierarchy ID", ("hierarchy id", "hierarchy")),
    "element_name": ("Process element", ("process element",)),
    "category": ("Metric Category", ("metric category", "measure category")),
    "metric_id": ("Metric ID", ("metric id", "measure id")),
    "name": ("Metric name", ("metric name", "measure name")),
    "formula": ("Formula", ("formula",)),
    "units": ("Units", ("units",)),
}
METRIC_REQUIRED: Final = ("element_id", "metric_id", "name")

_CATEGORY_SHEET_RE: Final = re.compile(r"([1-9][0-9]*)\.0")
#: A category sheet's name: its number, alone or followed by its title ("1.0", or as a copy
#: may name it "1.0 Develop Vision and Strategy"; Excel cuts a sheet name at 31 characters).
_CATEGORY_SHEET_NAME_RE: Final = re.compile(r"([1-9][0-9]*)\.0(?:\s.*)?", re.DOTALL)
_CAMEL_RE: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD_RE: Final = re.compile(r"[0-9a-z#]+")


def header_key(value: Any) -> str:
    """What a header cell says, whatever its wording: lower case, words only (spacing, line
    breaks, underscores, hyphens and punctuation dropped, camelCase split), and every word for
    "identifier" read as "id". "PCF ID", "pcf_id", "PcfId", " PCF\u00a0ID ", "PCF\nID" and
    "Hierarchy Number" / "Hierarchy No." / "hierarchy-id" alike."""
    if value is None:
        return ""
    text = _CAMEL_RE.sub(" ", str(value)).lower().replace("#", " # ")
    return " ".join("id" if w in _ID_WORDS else w for w in _WORD_RE.findall(text))


def _cell_list(values: Sequence[Any]) -> str:
    """The non-blank cells of a row as ``A 'PCF ID', B 'Hierarchy Number'`` (for messages)."""
    cells = [
        f"{get_column_letter(i + 1)} {normalise_space(v)!r}"
        for i, v in enumerate(values)
        if not blank(v)
    ]
    return ", ".join(cells) if cells else "none"


def _title(values: Sequence[Any]) -> str | None:
    """The text of a row that is a title (its one value, a text), else None."""
    cells = [v for v in values if not blank(v)]
    if len(cells) == 1 and isinstance(cells[0], str):
        return normalise_space(xstring(cells[0]))
    return None


def _held(rows: Sequence[tuple[int, Sequence[Any]]], count: int, whole: bool) -> str:
    """What a sheet without a header row holds: ``count`` rows with a value (of the sheet when
    ``whole``, else of the rows searched), the first of them ``rows``. A sheet that holds only
    a title says so, not only that there is no header."""
    if not count:
        return "the sheet is empty" if whole else "the rows searched are empty"
    if count == 1 and whole:
        row_no, values = rows[0]
        what = "a title" if _title(values) is not None else "naming no column"
        return (
            f"the sheet holds only row {row_no}, {_cell_list(values)}, {what}: no header row "
            "and no rows under it"
        )
    shown = "; ".join(f"row {n}: {_cell_list(values)}" for n, values in rows)
    more = f"; and {count - len(rows)} more" if count > len(rows) else ""
    counted = (
        f"the {count} rows with a value name" if count > 1 else "the one row with a value names"
    )
    return f"{counted} none of them ({shown}{more})"


class Table:
    """One sheet's data rows, streamed, with the header located and required columns checked."""

    def __init__(
        self,
        ws: Any,
        sheet: str,
        columns: Columns,
        required: Sequence[str],
        limits: ArchiveLimits = DEFAULT_LIMITS,
    ) -> None:
        self.sheet = sheet
        self.columns = columns
        self.bounds = SheetBounds(sheet, limits)
        self._rows: Iterator[tuple[int, tuple[Any, ...]]] = enumerate(
            ws.iter_rows(min_row=1, max_col=limits.columns + 1, values_only=True), start=1
        )
        #: Text of the cells above the header row (titles such as "VERSION NUMBER 7.2.2").
        self.title_texts: list[str] = []
        #: Cells a data row is cut to when all beyond are empty (the reader pads every row to
        #: ``limits.columns + 1`` cells: decoding them all was most of the cost of a row).
        self._width: int | None = None
        self.header_row, self.index = self._find_header(required)
        self._width = max(self.index.values(), default=0) + 1

    def _next(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        for row_no, values in self._rows:
            self.bounds.check_row(row_no)
            if len(values) > self.bounds.limits.columns and values[-1] is not None:
                self.bounds.check_width(len(values), row_no)  # readers pad rows to max_col
            if self._width is not None:
                rest = values[self._width :]
                if rest.count(None) == len(rest):
                    values = values[: self._width]
            yield row_no, tuple(xstring(v) if isinstance(v, str) else v for v in values)

    def _find_header(self, required: Sequence[str]) -> tuple[int, dict[str, int]]:
        last = 0
        held: list[tuple[int, Sequence[Any]]] = []  # the first rows with a value, and how many
        count = 0
        for row_no, values in self._next():
            last = row_no
            found: dict[str, int] = {}
            for idx, cell in enumerate(values):
                key = header_key(cell)
                for col, (_, names) in self.columns.items():
                    if key in names and col not in found:
                        found[col] = idx
            if len(found) >= 2 or any(k in found for k in required[:1]):
                self._check_required(required, row_no, values, found)
                return row_no, found
            self.title_texts.extend(normalise_space(v) for v in values if isinstance(v, str))
            if not all(blank(v) for v in values):
                count += 1
                if len(held) < 3:
                    held.append((row_no, values[: self.bounds.limits.columns]))
            if row_no >= HEADER_SCAN_ROWS:
                break
        searched = (
            f"rows 1 to {HEADER_SCAN_ROWS} (a header further down is not looked for)"
            if last >= HEADER_SCAN_ROWS
            else (f"its {last} row{'s' if last > 1 else ''}" if last else "it")
        )
        raise WorkbookError(
            "not an APQC PCF layout: no header row with "
            f"{', '.join(repr(self.columns[c][0]) for c in required)} "
            f"in {searched} (unknown layout): the importer looks for a row whose cells name "
            f"those columns, as APQC's row 1 does above the rows they head; "
            f"{_held(held, count, last < HEADER_SCAN_ROWS)}",
            sheet=self.sheet,
        )

    def _check_required(
        self, required: Sequence[str], row_no: int, values: Sequence[Any], found: dict[str, int]
    ) -> None:
        """Refuse a header row lacking a required column, naming what the row holds."""
        missing = [col for col in required if col not in found]
        if not missing:
            return
        recognised = ", ".join(
            f"{get_column_letter(idx + 1)} as {self.columns[col][0]!r}"
            for col, idx in sorted(found.items(), key=lambda item: item[1])
        )
        raise WorkbookError(
            f"required column {self.columns[missing[0]][0]!r} not found in header row "
            f"{row_no} (expected {', '.join(repr(self.columns[c][0]) for c in required)}; "
            f"missing {', '.join(repr(self.columns[c][0]) for c in missing)}); the row's "
            f"cells are {_cell_list(values)}, recognised {recognised}",
            sheet=self.sheet,
            row=row_no,
            column=self.columns[missing[0]][0],
        )

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Non-empty data rows as ``(row number, {column key: value})``."""
        for row_no, values in self._next():
            if all(blank(v) for v in values):
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


def find_sheet(sheetnames: Sequence[str], *wanted: str) -> str | None:
    keys = {normalise_space(n).lower(): n for n in sheetnames}
    for w in wanted:
        if w in keys:
            return keys[w]
    return None


#: Sheets APQC ships whose header looks like an element sheet's but that are not one
#: ("Categories" lists only the level-1 rows) or that are read for something else.
_NOT_ELEMENT_SHEETS: Final = (
    "categories",
    "glossary terms",
    "glossary",
    "metrics",
    "measures",
    "introduction",
    "about",
)
_METRIC_HEADERS: Final = frozenset(
    name for col in ("metric_id", "name", "category") for name in METRIC_COLUMNS[col][1]
) - frozenset(name for _, names in ELEMENT_COLUMNS.values() for name in names)


def header_sheets(wb: Any, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[str]:
    """Sheets under another name than APQC's whose header row names the element columns
    (a user's "PCF 7.4" or "Sheet1" holding the Combined table), in workbook order."""
    found: list[str] = []
    for name in wb.sheetnames:
        if find_sheet([name], *_NOT_ELEMENT_SHEETS) is not None:
            continue
        rows = wb[name].iter_rows(
            max_row=HEADER_SCAN_ROWS, max_col=limits.columns, values_only=True
        )
        for values in rows:
            keys = {header_key(xstring(v)) for v in values if isinstance(v, str)}
            cols = {c for c, (_, names) in ELEMENT_COLUMNS.items() if keys.intersection(names)}
            if cols:
                if set(ELEMENT_REQUIRED) <= cols and not keys & _METRIC_HEADERS:
                    found.append(name)
                break
    return found


def category_sheets(sheetnames: Sequence[str]) -> list[tuple[int, str]]:
    """The per-category sheets (``1.0``, ``2.0``, ..., each maybe followed by its title:
    ``1.0 Develop Vision and Strategy``) as ``(category number, sheet name)``, in category
    order."""
    return sorted(
        (int(m.group(1)), name)
        for name in sheetnames
        if (m := _CATEGORY_SHEET_NAME_RE.fullmatch(normalise_space(name)))
    )


def element_sheets(sheetnames: Sequence[str]) -> list[str]:
    """``Combined`` when present, else the per-category sheets in category order."""
    combined = find_sheet(sheetnames, "combined")
    if combined is not None:
        return [combined]
    categories = category_sheets(sheetnames)
    if not categories:
        raise WorkbookError(
            "not an APQC PCF layout: no 'Combined' sheet and no per-category sheets "
            f"('1.0', '2.0', ...); sheets are {', '.join(repr(n) for n in sheetnames)} "
            "(unknown layout)",
            sheet=sheetnames[0] if sheetnames else None,
        )
    return [name for _, name in categories]


def table_less(ws: Any, limits: ArchiveLimits = DEFAULT_LIMITS) -> tuple[str, ...] | None:
    """What a sheet without a table holds: nothing (``()``, a blank sheet) or only a title
    (``(title,)``: one row with a value, that value one text, as a ``Combined`` sheet cut to
    its title row); None when it holds more. Read until a second row with a value (to its end
    when there is none): call it on a refused sheet."""
    title: str | None = None
    for values in ws.iter_rows(max_col=limits.columns, values_only=True):
        if all(blank(v) for v in values):
            continue
        if title is not None:
            return None
        title = _title(values)
        if title is None:
            return None
    return () if title is None else (title,)


def incomplete_categories(
    wb: Any,
    numbered: list[tuple[int, str]],
    held: set[tuple[str, str]],
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> str | None:
    """Why the per-category sheets ``numbered`` (``category_sheets``), holding the elements
    ``held`` as ``(sheet, hierarchy ID)``, are not the whole PCF; None when they are: every
    category the ``Categories`` sheet lists (else 1.0 to the last) has its sheet, and each
    sheet holds its category row."""
    listed = _listed_categories(wb, limits)
    expected = listed or {f"{n}.0" for n in range(1, numbered[-1][0] + 1)}
    for n, name in numbered:
        if (name, f"{n}.0") not in held:
            return f"sheet {name!r} does not hold the row of category {n}.0"
    missing = sorted(expected - {f"{n}.0" for n, _ in numbered}, key=float)
    if not missing:
        return None
    span = sorted(expected, key=float)
    source = "the 'Categories' sheet lists" if listed else "the category sheets run over"
    return f"no sheet for category {', '.join(missing)} ({source} {span[0]} to {span[-1]})"


def _listed_categories(wb: Any, limits: ArchiveLimits) -> set[str]:
    """The category hierarchy IDs APQC's ``Categories`` sheet lists (empty when there is no
    such sheet or it does not read)."""
    sheet = find_sheet(wb.sheetnames, "categories")
    if sheet is None:
        return set()
    try:
        table = Table(wb[sheet], sheet, ELEMENT_COLUMNS, ELEMENT_REQUIRED, limits)
        hids = [
            numeric_category(v) or normalise_space(v)
            for _, cells in table.rows()
            if not blank(v := cells.get("hierarchy_id"))
        ]
    except WorkbookError:
        return set()
    return {h for h in hids if _CATEGORY_SHEET_RE.fullmatch(h)}
