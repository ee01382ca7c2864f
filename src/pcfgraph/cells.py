"""Spreadsheet cells that are safe to open: the one place formula injection is handled.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel and LibreOffice when a CSV/TSV file is opened (``=HYPERLINK(...)``,
DDE payloads such as ``=cmd|' /C calc'!A0``). Following the OWASP CSV-injection rule such text
is prefixed with a single quote, which spreadsheets show as text. So is text whose first
visible character is one of them after leading spaces or control characters (``" =1+1"``,
``"\n@SUM(A1)"``: spreadsheets that trim spaces on import run it), text starting with any
control character, and the fullwidth forms ``＝ ＋ － ＠`` (U+FF1D, U+FF0B, U+FF0D, U+FF20),
which spreadsheets in East Asian locales take as formula starts. Numbers are left alone
(``-3`` stays a number).

In XLSX files text is always written as a string cell (never a formula) and risky text gets
the ``quotePrefix`` style instead of a changed value. Every CSV/TSV/XLSX writer of the product
goes through :func:`safe_cell`, :func:`write_csv` or :func:`safe_xlsx_cell`.

Reading, :func:`xstring` is the one decoder of the ``_xHHHH_`` escapes OOXML writes in cell
text (the APQC importer's cells and the auditor's lean workbook reader).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: First characters that make a spreadsheet treat a cell as a formula (OWASP), with their
#: fullwidth forms.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: Risky text, as a regular expression that Python and JavaScript read alike (the SPARQL
#: page's CSV download uses this very pattern, given to it by the page): leading spaces or
#: control characters, then a formula trigger; or a control character first.
RISKY_PATTERN = (
    r"^[\x00-\x20\x7f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*"
    r"[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\x00-\x1f\x7f]"
)
_RISKY = re.compile(RISKY_PATTERN)


def is_risky(value: object) -> bool:
    """True for text a spreadsheet would evaluate."""
    return isinstance(value, str) and _RISKY.match(value) is not None


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV/TSV cell: risky text gets a leading ``'``; anything else unchanged."""
    return "'" + value if is_risky(value) else value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def write_csv(
    header: Sequence[Any] | None,
    rows: Iterable[Iterable[Any]],
    *,
    delimiter: str = ",",
    lineterminator: str = "\n",
) -> bytes:
    """A UTF-8 CSV (or TSV with ``delimiter="\\t"``) with every cell passed through
    :func:`safe_cell` (quoted where the dialect needs it)."""
    out = io.StringIO()
    row_buf = io.StringIO()
    # With "\r\n" as the writer's terminator every field holding a CR or LF is quoted (a
    # bare CR inside an unquoted field would start a new row, and a new formula, in Excel).
    w = csv.writer(row_buf, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        w.writerow(safe_row(header))
    for row in rows:
        w.writerow(safe_row(row))
        if row_buf.tell() > 1 << 16:
            out.write(_terminated(row_buf, lineterminator))
    out.write(_terminated(row_buf, lineterminator))
    return out.getvalue().encode("utf-8")


def _terminated(row_buf: io.StringIO, lineterminator: str) -> str:
    """The rows written so far with ``lineterminator`` between them (buffer emptied)."""
    text = row_buf.getvalue()
    row_buf.seek(0)
    row_buf.truncate()
    if lineterminator == "\r\n" or not text:
        return text
    # Split only on the row terminators: CR LF inside quoted fields stays as written.
    rows, quoted, start = [], False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "\r" and text.startswith("\r\n", i):
            rows.append(text[start:i])
            start = i + 2
    return "".join(r + lineterminator for r in rows)


def safe_xlsx_cell(cell: Any) -> None:
    """Make an openpyxl cell inert: text stays a string (openpyxl turns ``=...`` into a
    formula on assignment) and risky text is marked ``quotePrefix`` (shown as typed text)."""
    value = cell.value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_risky(value):
            cell.quotePrefix = True


def safe_xlsx_sheet(ws: Any) -> None:
    """:func:`safe_xlsx_cell` over every cell of an openpyxl worksheet."""
    for row in ws.iter_rows():
        for cell in row:
            safe_xlsx_cell(cell)


_XSTRING_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xstring(text: str) -> str:
    """A cell's text as the spreadsheet meant it: OOXML writes characters XML cannot hold as
    ``_xHHHH_`` (Excel saves a carriage return pasted into a cell as ``_x000D_``, a literal
    ``_x`` as ``_x005F_x``), and neither openpyxl nor lxml decodes them. Control characters
    other than whitespace stay escaped (an RDF literal or XML export could not carry them)."""
    if "_x" not in text:
        return text

    def decode(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char.isprintable() or char.isspace() else m.group(0)

    return _XSTRING_RE.sub(decode, text)
