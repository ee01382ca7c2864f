"""Query parameters the HTTP edges read the same way."""

from __future__ import annotations

from pcfgraph.errors import InputError

#: The words a yes/no parameter may be written with (those FastAPI's ``bool`` accepts).
_YES = frozenset({"1", "on", "t", "true", "y", "yes"})
_NO = frozenset({"0", "off", "f", "false", "n", "no"})


def flag(value: str | None, name: str) -> bool:
    """A yes/no parameter read by the route itself (a page gets its HTML error page, an API
    route its problem+json naming the parameter; FastAPI's own check would answer before
    either, with its own words); absent is no."""
    if value is None or value.lower() in _NO:
        return False
    if value.lower() in _YES:
        return True
    raise InputError(f"{name} must be true or false, not {value[:40]!r}")
