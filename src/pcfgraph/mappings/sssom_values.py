"""A value checked against its SSSOM slot's kind (ISO date, number, enum value), as
:mod:`.sssom` reads a cell or a header value (IRIs and CURIEs it expands itself).

Stewards edit the sets in spreadsheets, which rewrite what looks like something else: ``1:1``
typed or pasted into a column not formatted as text is a time of day, saved as ``01:01`` or
``01:01:00``. Such a value is refused saying so, with the cardinality it was and how to keep
it (format the column as text), not only that it is no cardinality.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pcfgraph.dates import calendar_date
from pcfgraph.mappings.slots import ENUMS, Slot

#: Slots whose numbers are proportions.
_PROPORTIONS = frozenset({"confidence", "reviewer_agreement", "mapping_set_confidence"})
#: A time of day as spreadsheets write one: ``1:01``, ``01:01:00``, ``1:01:00 AM``.
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(?:([AaPp])\.?\s*[Mm]\.?)?")


def checked_literal(slot: Slot, value: str) -> str:
    """``value`` when it fits ``slot``'s kind (dates, numbers, enums; any text otherwise),
    else ValueError saying what is wrong."""
    kind = slot.kind
    if kind == "date":
        try:
            calendar_date(value)
        except ValueError:
            raise ValueError(f"{slot.name} {value!r} is not an ISO date (YYYY-MM-DD)") from None
        return value
    if kind == "double":
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(f"{slot.name} {value!r} is not a number")
        if slot.name in _PROPORTIONS and not Decimal(0) <= number <= Decimal(1):
            raise ValueError(f"{slot.name} {value} is not in [0, 1]")
        return value
    if kind.startswith("enum:"):
        allowed = ENUMS[kind.removeprefix("enum:")]
        if value in allowed:
            return value
        was = cardinality_made_a_time(value) if kind == "enum:mapping_cardinality" else None
        if was is not None:
            raise ValueError(
                f"{slot.name} {value!r} is the time of day a spreadsheet made of {was} (a "
                f"column not formatted as text reads {was} as a time): write {was} in this "
                f"cell and format the {slot.name} column as text (select the column, Format "
                "Cells, Text) before typing or pasting, so that the spreadsheet saves what is "
                "typed"
            )
        raise ValueError(f"{slot.name} {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def cardinality_made_a_time(value: str) -> str | None:
    """The cardinality (``1:1``, ``1:0``, ``0:1``, ``0:0``) a spreadsheet wrote as ``value``, a
    time of day (``01:01:00``, ``1:01``, ``1:01:00 AM``, ``12:01 AM``), or None."""
    match = _TIME.fullmatch(value.strip())
    if match is None or (match[3] is not None and int(match[3])):
        return None
    hours, minutes = int(match[1]), int(match[2])
    if match[4] is not None:  # a 12-hour clock: 12:01 AM is 00:01
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if match[4] in "Pp" else 0)
    if hours > 1 or minutes > 1:
        return None
    return f"{hours}:{minutes}"


__all__ = ["cardinality_made_a_time", "checked_literal"]
