"""Terminal tables: aligned columns that wrap long cells instead of cutting them.

A cut identifier hides the very element a reader is looking for, so no cell is ever shortened:
columns are narrowed to fit the terminal and their cells wrapped onto further lines at their
spaces, never inside a word (IRIs are shown as CURIEs first, where a known prefix fits): a
column is never narrower than its longest word, and when those do not fit the terminal the
lines run long (the terminal wraps them) rather than split ``pcf721-utili`` / ``ties:17040``.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, TypeVar

from pcfgraph import iris
from pcfgraph.codes import code_key
from pcfgraph.terminal_text import printable

__all__ = ["by_kind", "code_key", "curie", "render_table", "terminal_width", "wrapped"]


def curie(iri: str) -> str:
    """``iri`` as the tables write it: an APQC edition's element as the SSSOM files and
    ``mappings diff`` write it (``pcf74:20638``, ``pcf721-utilities:17040``,
    :func:`pcfgraph.iris.sssom_prefix`), any other with :func:`pcfgraph.iris.curie`
    (``prmit:A24``). The tables wrote ``apqc:cross-industry/7.4/20638``, which a curator
    could not find in the file beside them. Every edge reads both back as the element."""
    minted = iris.sssom_prefix(iri)
    if minted is not None and minted[1].startswith(iris.PREFIXES["apqc"]):  # an edition's
        return f"{minted[0]}:{iri[len(minted[1]) :]}"
    return iris.curie(iri)


#: A column is never narrowed below this many characters (or its header's width).
MIN_COLUMN = 12
GAP = "  "


class _Change(Protocol):
    @property
    def change(self) -> str: ...


C = TypeVar("C", bound=_Change)


def by_kind(counts: Mapping[str, int], changes: Iterable[C]) -> Iterator[tuple[str, int, list[C]]]:
    """A comparison's changes for its table (``diff``, ``mappings diff``): each kind of
    change that has any, in the order of ``counts``, with its count and its changes."""
    changes = list(changes)
    for kind, n in counts.items():
        items = [c for c in changes if c.change == kind]
        if items:
            yield kind, n, items


def wrapped(text: str, width: int, first: str, rest: str) -> list[str]:
    """``text`` wrapped at its spaces (never at a hyphen: codes and IRIs hold them) to
    ``width``, the first line after ``first`` and the others after ``rest``."""
    return textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first.rstrip()]


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` wins); 120 when output is not a terminal."""
    return max(40, shutil.get_terminal_size((120, 24)).columns)


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int, max_width: int | None
) -> list[int]:
    """Natural widths, capped at ``max_width``, then the widest narrowed until the row fits;
    never narrower than a column's longest word (an identifier is not broken)."""
    widths = [len(h) for h in header]
    words = [len(h) for h in header]
    for r in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, r, strict=True)]
        words = [max([w, *(len(x) for x in c.split())]) for w, c in zip(words, r, strict=True)]
    if max_width:
        widths = [min(w, max(max_width, n)) for w, n in zip(widths, words, strict=True)]
    budget = width - len(GAP) * (len(widths) - 1)
    floors = [min(w, max(MIN_COLUMN, n)) for w, n in zip(widths, words, strict=True)]
    while sum(widths) > budget:  # narrow the widest columns together, down to their floors
        room = [k for k in range(len(widths)) if widths[k] > floors[k]]
        if not room:
            break  # cannot fit: lines run long rather than cutting anything
        top = max(widths[k] for k in room)
        widest = [k for k in room if widths[k] == top]
        below = max([widths[k] for k in range(len(widths)) if widths[k] < top] + [0])
        step = min(
            top - max(below, max(floors[k] for k in widest)),
            -(-(sum(widths) - budget) // len(widest)),
        )
        for k in widest:
            widths[k] = max(floors[k], widths[k] - max(1, step))
    return widths


def _lines(cell: str, width: int) -> list[str]:
    """``cell`` wrapped at its spaces only: a word longer than ``width`` (an IRI, a CURIE, a
    framework id) stays whole on a line of its own, running past its column."""
    return (
        textwrap.wrap(cell, width, break_long_words=False, break_on_hyphens=False)
        if len(cell) > width
        else [cell]
    )


def render_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    max_width: int | None = None,
    *,
    width: int | None = None,
    count: bool = True,
) -> str:
    """Rows as an aligned table fitted to ``width`` (the terminal's), long cells wrapped.

    In a table of several columns, a row of one cell is a section heading: printed across the
    table, not in a column.
    """
    cells = [[" ".join(printable(c).split()) for c in r] for r in rows]  # widths as shown
    width = width or terminal_width()
    headings = len(header) > 1  # a one-column table's rows are rows (they wrapped at 20)
    columns = [r for r in cells if len(r) > 1 or not headings]
    widths = column_widths(header, columns, width, max_width)
    out = [
        GAP.join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        GAP.join("-" * w for w in widths),
    ]
    for r in cells:
        if headings and len(r) == 1:
            out.extend(_lines(r[0], max(sum(widths) + len(GAP) * (len(widths) - 1), 20)))
            continue
        wrapped = [_lines(c, w) for c, w in zip(r, widths, strict=True)]
        for i in range(max(len(x) for x in wrapped) if wrapped else 0):
            out.append(
                GAP.join(
                    (x[i] if i < len(x) else "").ljust(w)
                    for x, w in zip(wrapped, widths, strict=True)
                ).rstrip()
            )
    if count:
        out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
