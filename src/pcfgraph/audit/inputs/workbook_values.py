"""A workbook cell's value as the RDF literal it means: numbers as a spreadsheet shows them
(percentages, places a number format keeps), dates; and what a number in a date column would
be as a date (:func:`date_serial_hint`), what a number typed as text was meant to be
(:func:`number_hint`), and what a spreadsheet rewrote: a date typed in another form
(:func:`date_form_hint`), a decimal or a month it made a date of (:func:`made_a_date`)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import pyoxigraph as ox

from pcfgraph.audit.inputs.sheets import XSD
from pcfgraph.audit.inputs.workbook_layout import cell_text
from pcfgraph.dates import calendar_date, days_meant

XSD_INTEGER: Final = ox.NamedNode(XSD + "integer")
_XSD_DECIMAL: Final = ox.NamedNode(XSD + "decimal")
_XSD_DATE: Final = ox.NamedNode(XSD + "date")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_PLACES = re.compile(r"0\.(0+)")
#: A number typed as text with a decimal comma (``99,9``), and with a percent sign (``97.2%``).
_DECIMAL_COMMA = re.compile(r"([+-]?[0-9]+),([0-9]+)")
_WITH_PERCENT = re.compile(r"([+-]?[0-9]+(?:[.,][0-9]+)?)\s*%")
#: A level typed with words around its one digit ("Level 3", "3 - Defined", "L3").
_WORDED_LEVEL = re.compile(r"[^\d]*([1-5])[^\d]*")
#: A level written as a decimal ("3.10", "3.1", "3,5"): numbered as IT-CMF numbers practices.
_DECIMAL_LEVEL = re.compile(r"([1-5])[.,][0-9]+")
_PERCENT_PLACES = re.compile(r"0(?:\.(0+))?%")
#: What a number format shows literally: quoted text and backslash-escaped characters.
_FORMAT_LITERAL = re.compile(r'"[^"]*"|\\.')
#: Excel's last date serial (9999-12-31 in the 1900 date system).
_LAST_SERIAL: Final = 2_958_465
EXCEL_EPOCH: Final = dt.datetime(1899, 12, 30)
#: The significant digits a spreadsheet shows and computes to (Excel's precision).
_SHOWN_DIGITS: Final = 15


def _shown(value: int | float) -> Decimal:
    """The number a spreadsheet shows for a cell's value: files keep a formula's result to 17
    significant digits, and a sum of percentages Excel shows as 100% is 1.0000000000000002
    there (read as 100.00000000000002, out of [0, 100]); spreadsheets show and compute to 15,
    so the digits beyond them are binary noise, not a value anyone typed or saw."""
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(format(value, f".{_SHOWN_DIGITS}g"))


def _percent(value: int | float, number_format: str) -> ox.Literal:
    """A cell formatted as a percentage shows (and Excel's user typed) a hundred times what it
    stores: ``97.2%`` is stored as 0.972 and means the number 97.2 of a percent column. The
    value is scaled exactly (decimal arithmetic, no binary rounding) and keeps at least the
    places its format shows (``0.0%`` of 0.99 is 99.0)."""
    scaled = (_shown(value) * 100).normalize()
    m = _PERCENT_PLACES.search(_FORMAT_LITERAL.sub("", number_format))
    exponent = scaled.as_tuple().exponent
    places = max(-exponent if isinstance(exponent, int) else 0, len(m.group(1) or "") if m else 0)
    if places <= 0:
        return ox.Literal(str(int(scaled)), datatype=XSD_INTEGER)
    return ox.Literal(f"{scaled:.{places}f}", datatype=_XSD_DECIMAL)


def read_number(value: Any, number_format: str | None) -> ox.Literal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and "%" in _FORMAT_LITERAL.sub("", number_format or ""):
        return _percent(value, number_format or "")
    if isinstance(value, int | float):
        # a number format with decimals ("0.0") keeps a decimal's places ("99.0" stays decimal)
        m = _PLACES.fullmatch(number_format or "")
        if m:
            return ox.Literal(f"{value:.{len(m.group(1))}f}", datatype=_XSD_DECIMAL)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD_INTEGER)
    if isinstance(value, float):
        shown = _shown(value)
        if shown.is_finite() and shown == shown.to_integral_value():
            return ox.Literal(str(int(shown)), datatype=XSD_INTEGER)
        return ox.Literal(format(shown, "f"), datatype=_XSD_DECIMAL)
    if isinstance(value, str):
        s = value.strip()
        if _INTEGER.fullmatch(s):
            return ox.Literal(str(int(s)), datatype=XSD_INTEGER)
        if _DECIMAL.fullmatch(s):
            try:
                Decimal(s)
            except InvalidOperation:
                return None
            return ox.Literal(s, datatype=_XSD_DECIMAL)
    return None


def read_date(value: Any) -> ox.Literal | None:
    if isinstance(value, dt.datetime):
        return ox.Literal(value.date().isoformat(), datatype=_XSD_DATE)
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=_XSD_DATE)
    if isinstance(value, str):
        try:
            return ox.Literal(calendar_date(value.strip()).isoformat(), datatype=_XSD_DATE)
        except ValueError:
            return None
    return None


def date_serial_hint(value: Any, epoch: dt.datetime = EXCEL_EPOCH) -> str:
    """What a number in a date column is as an Excel date serial ("; 45292 is 2024-01-01 as an
    Excel date serial: ..."), or "" for anything else. A date typed in a cell formatted
    General (or pasted as a number) is stored as its serial and shows as one; the number is
    not taken for that date unsaid (a plain number in a date column may mean anything), the
    finding says which date it would be."""
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if not 1 <= value <= _LAST_SERIAL:
        return ""
    try:
        day = (epoch + dt.timedelta(days=int(value))).date().isoformat()
    except OverflowError:
        return ""
    return (
        f"; {cell_text(value)} is {day} as an Excel date serial: format the cell as a date "
        f"or type {day}"
    )


def number_hint(text: str) -> str:
    """What a number typed as text (a cell formatted Text, a value pasted from a report) was
    meant to be: ``99,9`` (a decimal comma) or ``97.2%`` (the sign typed); "" otherwise. The
    text is not taken for the number unsaid (``1,500`` may be fifteen hundred)."""
    s = text.strip()
    if m := _WITH_PERCENT.fullmatch(s):
        number = m.group(1).replace(",", ".")
        return f": type {number} without the % sign"
    if m := _DECIMAL_COMMA.fullmatch(s):
        if len(m.group(2)) == 3:  # 1,500: a thousands separator or three decimals
            return (
                f": type {m.group(1)}{m.group(2)} (no thousands separator) or "
                f"{m.group(1)}.{m.group(2)} (a point before the decimals)"
            )
        return f": type {m.group(1)}.{m.group(2)} (a point before the decimals)"
    return ""


def level_hint(text: str) -> str:
    """How the message on a level that is none ends: "; did you mean 3?" for one typed with
    words around its one digit; for one written as a decimal ('3.10', which was told nothing),
    the level it lies in, and where the practices numbered so go; else a full stop."""
    found = _WORDED_LEVEL.fullmatch(text.strip())
    if found:
        return f"; did you mean {found.group(1)}?"
    decimal = _DECIMAL_LEVEL.fullmatch(text.strip())
    if decimal:
        level = decimal.group(1)
        return (
            f"; did you mean {level}? (a level is a whole number; the practices of level "
            f"{level}, numbered {level}.1, {level}.2 ..., go on the Evidence sheet)"
        )
    return "."


def date_form_hint(text: str) -> str:
    """Which day to type for a date written in another form (``15.03.2025``, ``03/04/2025``,
    ``2025-03-15 00:00:00``: a cell formatted Text keeps a date as the spreadsheet's locale
    shows it): ": type 2025-03-15", both days when the order of day and month is not known,
    "" when it names no day. The text is not taken for that day unsaid."""
    days = days_meant(text)
    if len(days) == 2:
        (first, how_first), (second, how_second) = days
        return (
            f": type {first.isoformat()} (read {how_first}) or {second.isoformat()} "
            f"(read {how_second})"
        )
    if days:
        return f": type {days[0][0].isoformat()}"
    return ""


#: Month names, for a date said as people say it ("1 May"); not the locale's (calendar's):
#: the same workbook gives the same report on every machine.
_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def made_a_date(value: Any, header: str, kind: str = "number", note: str = "") -> str:
    """What a date in a cell of a number, period or code column (``kind``; ``note``: the
    column's note, what it holds) was typed as, said ("" when the value is no date). A spreadsheet makes a date of what looks like one:
    where the decimal separator is a comma, ``1.5`` (and ``1.05``) typed with a point is the
    1st of May of the year it was typed in; where dates are written with dots, so is a
    hierarchy number such as ``8.1.1``; anywhere, ``2025-01`` (a month, as periods are
    written) is 2025-01-01. None is taken for what it may have been unsaid."""
    if not isinstance(value, dt.datetime):
        return ""
    shown = f"{header} {cell_text(value)!r}"
    if value.time() != dt.time() or value.year < 1910:  # a time of day, or a date and time
        return (
            f"{shown} is a time of day or a date and time (the cell is formatted as one), not "
            f"what the column holds: format the cell as "
            f"{'a number' if kind == 'number' else 'text'} and type the value"
        )
    if kind in ("code", "codes"):
        return (
            f"{shown} is a date, not a code: a spreadsheet where dates are written with dots "
            "makes a date of a hierarchy number such as 8.1.1 typed in a cell not formatted as "
            f"text; type the code in a cell formatted as text ({note.rstrip('.')})"
        )
    if kind == "period":
        if value.day != 1:
            return (
                f"{shown} is a date, not a period: write the period as YYYY, YYYY-Qn, "
                "YYYY-Hn or YYYY-MM in a cell formatted as text"
            )
        month = f"{value.year}-{value.month:02d}"
        return (
            f"{shown} is a date, not a period: a spreadsheet makes the date "
            f"{cell_text(value)} of the month {month} typed in a cell not formatted as text; "
            f"format the cell as text (Format Cells, Text) and type {month}"
        )
    d, m = value.day, value.month
    typed = f"{d}.{m}" + (f" or {d}.{m:02d}" if m < 10 else "")
    comma = f"{d},{m}" + (f" (or {d},{m:02d})" if m < 10 else "")
    return (
        f"{header} {cell_text(value)!r} is a date, not a number: a spreadsheet whose decimal "
        f"separator is a comma reads {typed}, typed with a point, as {d} {_MONTHS[m - 1]}; "
        f"if that was the number, type {comma} in a cell formatted as a number"
    )
