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
