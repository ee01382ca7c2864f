"""A lean .xlsx reader: sheet names, and per row each cell's value and number format.

The workbook reader needs only that, and openpyxl's read-only parser spent about two thirds of
the time of reading a 10,000-row model building objects the reader never uses (rich text for
every inline string, a cell object per cell). This reads the sheet XML with lxml's iterparse
(C, no network, no entities: DTDs were refused by
:func:`~pcfgraph.audit.inputs.workbook_archive.check_archive` before), shared strings once, and the
styles' number formats once. Values are what a spreadsheet shows: shared, inline and formula
strings, numbers (``int`` when integral in the file), booleans, and dates as ``datetime`` when
the cell's number format is a date format (1900 and 1904 date systems). A cell that shows
something a model cannot take (a formula error such as ``#N/A``, a formula whose result was
never saved) has no value and says why (:attr:`Cell.problem`).

Merged cells: a cell merged down over several rows shows its value on each of them, so each of
those rows that has a value of its own reads it (in the range's first column; the other columns
a range spans are layout; a row with nothing else stays empty). Spreadsheet files keep the value
in the range's top-left cell only. Each cell that got a range's value so is recorded
(:attr:`LeanWorkbook.merged_copies`): the report says so (a statement no cell of that row holds).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from pcfgraph.cells import xstring
from pcfgraph.errors import ModelError

MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
#: Excel's "Strict Open XML Spreadsheet" (ISO 29500 strict) names the same parts otherwise.
STRICT_MAIN: Final = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_M = "{" + MAIN + "}"
_INT = re.compile(r"-?[0-9]+")
_COL = re.compile(r"[A-Z]+")
_MERGE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*"([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"'
)


@dataclass(slots=True)
class Cell:
    value: Any
    number_format: str | None = None
    #: Why a cell that holds something reads as empty (a formula with no saved value, a formula
    #: error), said after the column's header in the finding the workbook reader makes of it.
    problem: str | None = None


#: A formula whose result was never saved: a workbook written by a program (openpyxl, a
#: report generator) and never opened in a spreadsheet program holds only the formula.
NO_SAVED_VALUE: Final = (
    "is a formula{formula} with no saved value: open and save the file in Excel or "
    "LibreOffice, or type the value"
)
FORMULA_ERROR: Final = "shows the formula error {error}: correct the formula or type the value"


def _formula_problem(c: Any) -> str | None:
    """The problem of a cell with no value: None unless it holds a formula."""
    f = c.find(f"{_M}f")
    if f is None:
        return None
    text = (f.text or "").strip()
    shown = f" (={text[:60]}{'...' if len(text) > 60 else ''})" if text else ""
    return NO_SAVED_VALUE.format(formula=shown)


def _column_index(ref: str) -> int:
    letters = _COL.match(ref)
    n = 0
    for ch in letters.group() if letters else "":
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _merged_down(data: bytes) -> dict[int, list[tuple[int, int, str]]]:
    """Top row -> (column index, last row, range as A1 text) of each range merged over more
    than one row."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    for m in _MERGE.finditer(data):
        top, bottom = int(m.group(2)), int(m.group(4))
        if bottom > top:
            ref = b"%s%s:%s%s" % m.group(1, 2, 3, 4)
            out.setdefault(top, []).append(
                (_column_index(m.group(1).decode()), bottom, ref.decode())
            )
    return out


@dataclass(slots=True)
class MergedCopy:
    """A range merged down over rows whose top-left value rows below it read as their own."""

    ref: str  # "D2:D3"
    column: int
    top: int
    cell: Cell
    #: The rows below the top that read the value (each with values of its own).
    rows: list[int]


class PartError(ValueError):
    """An XML part of the workbook that is not well-formed: names the part and what the
    parser found, where (the reader said only "XMLSyntaxError")."""

    def __init__(self, part: str, exc: Exception) -> None:
        found = str(getattr(exc, "msg", "") or exc)
        depth = re.match(r"Excessive depth in document: (\d+), use XML_PARSE_HUGE option", found)
        if depth:  # lxml's words name its own option: say what the file does
            found = f"elements nested more than {depth.group(1)} deep" + found[depth.end() :]
        super().__init__(f"its part {part} is not well-formed XML: {found}")


@contextlib.contextmanager
def _reading(part: str) -> Iterator[None]:
    """Parse errors of ``part`` as :class:`PartError`."""
    from lxml import etree

    try:
        yield
    except etree.XMLSyntaxError as exc:
        raise PartError(part, exc) from None


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class LeanWorkbook:
    def __init__(self, data: bytes) -> None:
        from lxml import etree

        self._zip = zipfile.ZipFile(io.BytesIO(data))
        names = set(self._zip.namelist())
        with _reading("xl/workbook.xml"):
            wb = etree.fromstring(self._zip.read("xl/workbook.xml"), _parser())
        if wb.tag == f"{{{STRICT_MAIN}}}workbook":  # its sheets would read as missing
            raise ModelError(
                "saved as Strict Open XML Spreadsheet, which is not read: save it as Excel "
                "Workbook (.xlsx)"
            )
        pr = wb.find(f"{_M}workbookPr")
        date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self._epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            with _reading("xl/_rels/workbook.xml.rels"):
                relations = etree.fromstring(
                    self._zip.read("xl/_rels/workbook.xml.rels"), _parser()
                )
            for r in relations:
                target = r.get("Target", "")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                rels[r.get("Id", "")] = path
        self._paths: dict[str, str] = {}
        #: Sheets Excel does not show (hidden, or "very hidden": only VBA unhides those).
        self.hidden_sheets: set[str] = set()
        #: Sheet -> the rows read from it that Excel does not show (hidden or collapsed).
        self.hidden_rows: dict[str, set[int]] = {}
        #: Sheet -> the merged ranges whose value rows below their top read (the last read).
        self.merged_copies: dict[str, list[MergedCopy]] = {}
        for s in wb.iter(f"{_M}sheet"):
            path = rels.get(s.get(f"{{{REL}}}id", ""))
            if path and path in names:
                self._paths[s.get("name", "")] = path
                if s.get("state") in ("hidden", "veryHidden"):
                    self.hidden_sheets.add(s.get("name", ""))
        self.sheetnames = list(self._paths)
        self._shared = self._shared_strings() if "xl/sharedStrings.xml" in names else []
        self._formats = self._number_formats() if "xl/styles.xml" in names else []

    @property
    def epoch(self) -> dt.datetime:
        """Day 0 of the workbook's date serials (1900 or 1904 date system)."""
        return self._epoch

    def close(self) -> None:
        self._zip.close()

    def _shared_strings(self) -> list[str]:
        from lxml import etree

        out: list[str] = []
        with _reading("xl/sharedStrings.xml"):
            for _, si in etree.iterparse(
                io.BytesIO(self._zip.read("xl/sharedStrings.xml")),
                tag=f"{_M}si",
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
            ):
                out.append(_text_of(si))
                si.clear()
        return out

    def _number_formats(self) -> list[tuple[str, bool]]:
        """Per cell style index: (format code, whether it formats a date)."""
        from lxml import etree
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        with _reading("xl/styles.xml"):
            styles = etree.fromstring(self._zip.read("xl/styles.xml"), _parser())
        custom = {
            int(f.get("numFmtId", "0")): f.get("formatCode", "General")
            for f in styles.iter(f"{_M}numFmt")
        }
        out: list[tuple[str, bool]] = []
        xfs = styles.find(f"{_M}cellXfs")
        for xf in xfs if xfs is not None else ():
            fid = int(xf.get("numFmtId", "0"))
            code = custom.get(fid) or BUILTIN_FORMATS.get(fid, "General")
            out.append((code, bool(is_date_format(code))))
        return out

    def rows(
        self, sheet: str, *, min_row: int = 1, max_row: int | None = None
    ) -> Iterator[tuple[int, list[Cell | None]]]:
        """(row number, cells by column index) of every row that has a cell (or shows a
        merged cell's value)."""
        data = self._zip.read(self._paths[sheet])
        merged = _merged_down(data)
        # rows merged cells fill: row -> column -> the range (its top-left cell)
        fills: dict[int, dict[int, MergedCopy]] = {}
        hidden = self.hidden_rows.setdefault(sheet, set())
        copies: dict[str, MergedCopy] = {}
        self.merged_copies[sheet] = []
        rows = self._rows(data, 1 if merged else min_row, max_row, merged, fills, hidden)
        with _reading(self._paths[sheet]):
            for r, cells in rows:
                fill = fills.pop(r, None)
                if r < min_row:
                    continue
                if fill and any(c is not None and c.value not in (None, "") for c in cells):
                    cells = _filled(cells, fill, r, copies)  # a row of its own: empty stays
                yield r, cells
        self.merged_copies[sheet] = list(copies.values())

    def _rows(
        self,
        data: bytes,
        min_row: int,
        max_row: int | None,
        merged: dict[int, list[tuple[int, int, str]]],
        fills: dict[int, dict[int, MergedCopy]],
        hidden: set[int],
    ) -> Iterator[tuple[int, list[Cell | None]]]:
        from lxml import etree

        shared, formats, epoch = self._shared, self._formats, self._epoch
        next_row = 1
        for _, row in etree.iterparse(
            io.BytesIO(data),
            tag=f"{_M}row",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        ):
            r = int(row.get("r") or next_row)
            next_row = r + 1
            if max_row is not None and r > max_row:
                row.clear()
                break
            if r < min_row:
                row.clear()
                continue
            if row.get("hidden") in ("1", "true"):
                hidden.add(r)
            cells: list[Cell | None] = []
            col = 0
            for c in row.iter(f"{_M}c"):
                ref = c.get("r")
                col = _column_index(ref) if ref else col
                t = c.get("t", "n")
                style = c.get("s")
                fmt: tuple[str, bool] | None = (
                    formats[int(style)] if style and int(style) < len(formats) else None
                )
                v = c.findtext(f"{_M}v")
                value: Any
                if t == "s":
                    value = (
                        shared[int(v)]
                        if v is not None and v.isdigit() and int(v) < len(shared)
                        else None
                    )
                elif t == "inlineStr":
                    is_ = c.find(f"{_M}is")
                    value = _text_of(is_) if is_ is not None else None
                elif t == "str":
                    value = xstring(v) if v else v
                elif t == "e":  # #N/A, #REF!...: no value, said (it was read as the text)
                    value = None
                elif t == "b":
                    value = v in ("1", "true")
                elif t == "d":
                    try:
                        value = dt.datetime.fromisoformat(v) if v else None
                    except ValueError:
                        value = v
                elif v is None or v == "":
                    value = None
                else:
                    try:
                        value = int(v) if _INT.fullmatch(v) else float(v)
                    except ValueError:
                        value = v
                    if fmt is not None and fmt[1] and isinstance(value, int | float):
                        with contextlib.suppress(OverflowError):
                            value = epoch + dt.timedelta(days=float(value))
                problem = None
                if t == "e":
                    problem = FORMULA_ERROR.format(error=v or "#VALUE!")
                elif value is None:
                    problem = _formula_problem(c)
                while len(cells) < col:
                    cells.append(None)
                cells.append(Cell(value, fmt[0] if fmt else None, problem))
                col += 1
            row.clear()
            for col, bottom, ref in merged.get(r, ()):
                top_left = cells[col] if col < len(cells) else None
                if top_left is not None and top_left.value not in (None, ""):
                    copy = MergedCopy(ref, col, r, top_left, [])
                    for below in range(r + 1, bottom + 1):
                        fills.setdefault(below, {})[col] = copy
            yield r, cells


def _filled(
    cells: list[Cell | None], fill: dict[int, MergedCopy], row: int, copies: dict[str, MergedCopy]
) -> list[Cell | None]:
    """The row's cells with the values merged cells show in it (a cell of its own wins); each
    range whose value the row took records the row in ``copies``."""
    out = list(cells)
    for col, copy in fill.items():
        while len(out) <= col:
            out.append(None)
        current = out[col]
        if current is None or current.value in (None, ""):
            out[col] = copy.cell
            copies.setdefault(copy.ref, copy).rows.append(row)
    return out


def _text_of(node: Any) -> str:
    """The text of a string item: its ``t`` and its runs' ``t``, never phonetic runs."""
    parts = []
    for child in node:
        tag = child.tag
        if tag == f"{_M}t":
            parts.append(child.text or "")
        elif tag == f"{_M}r":
            parts.extend(t.text or "" for t in child.iter(f"{_M}t"))
    return xstring("".join(parts))  # Excel's _x000D_ for a carriage return, decoded
