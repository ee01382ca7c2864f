"""Parsers for single APQC cell values: IDs, hierarchy IDs, Y/N flags, "Change details"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from rdflib import URIRef

from pcfgraph.errors import WorkbookError
from pcfgraph.iris import PCFG

#: Element kind and class by level (number of hierarchy ID components; "8.0" is level 1).
KINDS: Final[tuple[tuple[str, URIRef], ...]] = (
    ("category", PCFG.PCFCategory),
    ("processGroup", PCFG.PCFProcessGroup),
    ("process", PCFG.PCFProcess),
    ("activity", PCFG.PCFActivity),
    ("task", PCFG.PCFTask),
    ("step", PCFG.PCFStep),
)

_HIERARCHY_RE: Final = re.compile(r"[1-9][0-9]*(?:\.[0-9]+)+")
_RENAME_RE: Final = re.compile(r"\bRENAME\b\s*(?:,\s*WAS\s*:(?P<old>.*))?\Z", re.DOTALL)
_TOKEN_RE: Final = re.compile(r"(?P<op>[+\-cC])\s*(?P<id>[0-9]+)|(?P<new>NEW)")
_CHANGE_CLASSES: Final = {"+": PCFG.ChildAdded, "-": PCFG.ChildRemoved, "c": PCFG.ChildChanged}


@dataclass
class Change:
    """One token of a "Change details" cell."""

    cls: URIRef
    changed_pcf_id: int | None = None
    previous_name: str | None = None


def normalise_space(value: Any) -> str:
    """Strip and collapse whitespace runs (incl. non-breaking spaces) to single spaces."""
    return " ".join(str(value).split())


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def int_cell(value: Any, what: str, sheet: str, row: int, column: str) -> int:
    """An integer cell (APQC stores IDs as numbers or as digit text)."""
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


def bool_cell(value: Any, sheet: str, row: int, column: str) -> bool:
    if isinstance(value, bool):
        return value
    key = normalise_space(value).lower()
    if key in ("y", "yes", "true", "1"):
        return True
    if key in ("n", "no", "false", "0"):
        return False
    raise WorkbookError(f"expected Y or N, got {value!r}", sheet=sheet, row=row, column=column)


def numeric_category(value: Any) -> str | None:
    """``"8.0"`` for a whole number ``8`` or ``8.0`` in a hierarchy ID cell, else None.

    Spreadsheet programs store "8.0" or "10" typed into a cell as numbers: a whole number can
    only have been a category. Any other number cannot be read back (8.10 is stored as 8.1).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return f"{int(value)}.0" if value >= 1 else None


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


def parse_changes(text: str) -> tuple[list[Change], list[str]]:
    """Parse APQC's "Change details" cell into changes and the tokens that could not be read.

    ``RENAME, WAS:<old name>`` takes everything after ``WAS:`` to the end as the old name,
    commas included. Other tokens are comma-separated: ``+ID``, ``-ID``, ``cID``, ``NEW``.
    """
    changes: list[Change] = []
    unreadable: list[str] = []
    rename: Change | None = None
    head = text
    match = _RENAME_RE.search(text)
    if match:
        head = text[: match.start()]
        old = match.group("old")
        rename = Change(PCFG.ElementRenamed, previous_name=normalise_space(old) if old else None)
    for raw in head.split(","):
        token = raw.strip()
        if not token:
            continue
        tok = _TOKEN_RE.fullmatch(token)
        if tok is None:
            unreadable.append(token)
        elif tok.group("new"):
            changes.append(Change(PCFG.ElementNew))
        else:
            cls = _CHANGE_CLASSES[tok.group("op").lower()]
            changes.append(Change(cls, changed_pcf_id=int(tok.group("id"))))
    if rename is not None:
        changes.append(rename)
    return changes, unreadable
