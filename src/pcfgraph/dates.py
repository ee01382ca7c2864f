"""Calendar dates as clients type them: the one place ``YYYY-MM-DD`` is read.

Python's :meth:`datetime.date.fromisoformat` also takes ISO 8601's other forms since 3.11
(``20250715``, the week date ``2025-W28-1``), which every message of the product calls "not a
date YYYY-MM-DD" and JSON Schema's ``format: date`` (RFC 3339's ``full-date``) refuses. A week
date read as a day is a different day than the one the user may have meant, so only the
extended calendar form is a date here.
"""

from __future__ import annotations

import re
from datetime import date

_CALENDAR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def calendar_date(text: str) -> date:
    """The day ``text`` names as ``YYYY-MM-DD``; :class:`ValueError` for anything else (other
    ISO 8601 forms, an impossible day such as ``2025-02-31``)."""
    if not _CALENDAR_DATE.fullmatch(text):
        raise ValueError(f"not a date YYYY-MM-DD: {text!r}")
    return date.fromisoformat(text)


#: A day written in another form than ``YYYY-MM-DD``, as spreadsheets and people write one:
#: day and month in either order with a year (``15.03.2025``, ``03/15/2025``, ``1-3-25``), the
#: year first with other separators or no padding (``2025/03/15``, ``2025-3-5``), the basic
#: form (``20250315``), and a date with a time of day (``2025-03-15 00:00:00``, a date a
#: spreadsheet or database wrote out as text).
_YEAR_LAST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})([./-])(\d{1,2})\2(\d{1,2})")
_BASIC = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WITH_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def days_meant(text: str) -> list[tuple[date, str]]:
    """The days a date written in another form than ``YYYY-MM-DD`` can name, each with how
    it reads it ("day first", "month first", "" when there is one reading): nothing is taken
    for a day unsaid, a message names the day to type. With slashes or hyphens day and month
    may be either way round (``03/04/2025``); with dots the day comes first. A two-digit year
    is read as a spreadsheet reads it (00-29: 2000s, 30-99: 1900s)."""
    s = text.strip()
    if m := _WITH_TIME.fullmatch(s):
        day = _calendar_or_none(m.group(1))
        return [(day, "")] if day else []
    if m := _YEAR_FIRST.fullmatch(s):
        day = _day(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        return [(day, "")] if day else []
    if m := _BASIC.fullmatch(s):
        day = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return [(day, "")] if day else []
    if m := _YEAR_LAST.fullmatch(s):
        year = int(m.group(4))
        if len(m.group(4)) == 2:
            year += 2000 if year < 30 else 1900
        first, second = int(m.group(1)), int(m.group(3))
        ways = [(_day(year, second, first), "day first")]
        if m.group(2) != ".":  # 15.03.2025: dots are written day first only
            ways.append((_day(year, first, second), "month first"))
        readings = [(d, how) for d, how in ways if d is not None]
        if len(readings) == 2 and readings[0][0] == readings[1][0]:
            return [(readings[0][0], "")]
        return readings if len(readings) == 2 else [(d, "") for d, _ in readings]
    return []


def _calendar_or_none(text: str) -> date | None:
    try:
        return calendar_date(text)
    except ValueError:
        return None
