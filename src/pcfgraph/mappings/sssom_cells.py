"""A value as an SSSOM/TSV cell, the same for every writer of one (the export, ``mappings
suggest`` and ``mappings review``), so that what is written reads back as it was meant.

Two rules of the format decide it. A cell starting with ``"`` is a quoted one to SSSOM/TSV
readers (sssom-py, pandas, spreadsheets, pcfgraph's reader): quoted, it reads back as it is.
And ``|`` separates the values of a multivalued slot's cell with no escape for it: a value
holding one would read back as several, so a writer refuses it, naming it, rather than write
it (:func:`splits`).
"""

from __future__ import annotations

from pcfgraph.mappings.slots import Slot

#: What separates the values of a multivalued slot in an SSSOM/TSV cell.
SEPARATOR = "|"


def cell(text: str) -> str:
    """``text`` as one cell: tabs and line breaks made spaces (one record per line), and
    quoted (``"a ""b"" c"``) when it starts with ``"``."""
    text = " ".join(text.split("\t")).replace("\r", " ").replace("\n", " ")
    return '"' + text.replace('"', '""') + '"' if text.startswith('"') else text


def splits(slot: Slot, value: str) -> bool:
    """Whether ``value``, one value of ``slot``, would read back from a cell as several."""
    return slot.multivalued and SEPARATOR in value


__all__ = ["SEPARATOR", "cell", "splits"]
