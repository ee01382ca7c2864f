"""The letter case part of the one rule for identifiers
(:mod:`pcfgraph.services.search.identifier_case`): which spellings differ by case alone,
and the known value one stands for. Its own module, without the services: a named query's
parameters are checked by the CLI's fast path too (:mod:`pcfgraph.queries`)."""

from __future__ import annotations

from collections.abc import Iterable

from pcfgraph.errors import quoted


def same_but_case(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by the case of their letters alone: each character's
    lower and upper case are the other's. Not :meth:`str.casefold`'s caseless matching, by
    which the long s, the Kelvin sign and ligatures are the letters they stand for
    (``trim/role/\u017fervice-owner`` and ``\u212a`` met ``service-owner`` and ``k``): a crafted
    identifier of other characters named a real one."""
    return a.lower() == b.lower() and a.upper() == b.upper()


def spelled(value: str | None, known: Iterable[str]) -> str | None:
    """``value`` (a framework id or family) as ``known`` spells it when it differs by case
    alone from exactly one of them; otherwise as given (the edges' own checks refuse it)."""
    if value is None:
        return None
    known = list(known)
    if value in known:
        return value
    folded = [k for k in known if same_but_case(k, value)]
    return folded[0] if len(folded) == 1 else value


def taken_as_written(value: str, values: Iterable[str]) -> str:
    """The words to add when an enumerated ``value`` (a kind, ``one of x|y``: not an
    identifier, so taken as written) is refused being one of ``values`` in another case: it
    said only "not 'Process'", and a caller who knows identifiers are matched ignoring case
    read the list as a bug. "" when it is none of them in any case."""
    meant = [v for v in values if same_but_case(v, value)]
    return f" (values are taken as written: {quoted(meant[0])})" if len(meant) == 1 else ""


def no_kind(kind: str, kinds: Iterable[str]) -> str:
    """The words for ``kind`` naming no element kind of ``kinds``, the same on every edge
    (each puts its own argument's name before them: ``--kind``, ``kind``): MCP and GraphQL
    listed the kinds without the hint the CLI and a named query's ``kind`` gave, so
    ``Process`` read as a bug to a caller who knows identifiers are matched ignoring case."""
    kinds = sorted(kinds)
    return (
        f"no kind {quoted(kind)}{taken_as_written(kind, kinds)}; "
        f"known: {', '.join(kinds) or 'none'}"
    )
