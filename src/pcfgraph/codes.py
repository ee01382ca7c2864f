"""The natural order of framework codes (``8.1.10`` after ``8.1.9``, ``A27`` after ``A3``).

Its own module, not :mod:`pcfgraph.services`: terminal tables and exports sort by it, and
importing the services package (every read of the graph, search included) cost a named query
in the CLI about 35 ms of its start.
"""

from __future__ import annotations

import re

_NUM_RE = re.compile(r"(\d+)")


def code_key(code: str | None) -> tuple[tuple[int, int | str], ...]:
    """Natural order of codes: 8.1.10 after 8.1.9, A27 after A3; no code sorts last."""
    if not code:
        return ((2, 0),)
    return tuple(
        (0, int(p)) if p.isdigit() else (1, p.lower()) for p in _NUM_RE.split(code) if p != ""
    )
