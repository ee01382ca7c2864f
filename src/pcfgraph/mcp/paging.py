"""Paging of every MCP list: ``limit`` (default sized for an assistant's context, capped)
and an opaque ``cursor``; a cut answer says so (``truncated``, ``total``, ``nextCursor``).
Argument errors name the argument (the server answers them as tool execution errors,
``isError``, their message as it is)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pcfgraph import cursors
from pcfgraph.errors import InputError

#: Items a list tool returns when ``limit`` is not given (fits an assistant's context).
DEFAULT_LIMIT = 20
#: The most items one call returns.
MAX_LIMIT = 100
#: The most bytes (as JSON) of the rows of one ``sparql`` answer: a query can make rows of
#: any size (a GROUP_CONCAT of every definition was one 408 KB value on the shipped graph).
MAX_ROWS_BYTES = 64 * 1024
#: The longest value a ``sparql`` row quotes whole (the longest literal of the shipped graph
#: has 2,320 characters).
MAX_VALUE_CHARS = 4096


class ArgumentError(InputError):
    """A tool argument is wrong; the message starts with the argument's name."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"argument '{argument}': {problem}")
        self.argument = argument


def check_limit(limit: int | None, default: int = DEFAULT_LIMIT) -> int:
    if limit is None:
        return default
    if not 1 <= limit <= MAX_LIMIT:
        raise ArgumentError("limit", f"must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def check_page(limit: int | None, cursor: str | None, *, kind: str, scope: cursors.Scope) -> None:
    """Refuse a bad ``limit`` or a cursor of another list before the work whose result
    :func:`page` cuts (an ad-hoc query, an audit) is done."""
    check_limit(limit)
    decode_cursor(cursor, kind, scope)


def encode_cursor(offset: int, kind: str, scope: cursors.Scope) -> str:
    """The cursor of ``offset`` in the list of tool ``kind`` chosen by ``scope`` (its
    arguments): :mod:`pcfgraph.cursors`, as GraphQL's."""
    return cursors.encode(kind, offset, scope)


def decode_cursor(cursor: str | None, kind: str, scope: cursors.Scope) -> int:
    """The offset of a cursor of this very list; another list's cursor (another tool, or the
    same tool with other arguments) is an argument error naming both."""
    if not cursor:
        return 0
    try:
        return cursors.decode(kind, cursor, scope)
    except InputError as exc:
        raise ArgumentError("cursor", str(exc)) from None


def page(
    items: Sequence[Any],
    limit: int | None,
    cursor: str | None,
    *,
    kind: str,
    scope: cursors.Scope,
) -> dict[str, Any]:
    """A page of ``items``: the items, the total, and ``nextCursor`` when it was cut. ``kind``
    and ``scope`` name the list (tool and arguments) its cursors are bound to."""
    size = check_limit(limit)
    start = decode_cursor(cursor, kind, scope)
    chunk = list(items[start : start + size])
    out: dict[str, Any] = {"total": len(items), "returned": len(chunk)}
    if start + size < len(items):
        out["truncated"] = True
        out["nextCursor"] = encode_cursor(start + size, kind, scope)
    out["items"] = chunk
    return out


def bounded_page(
    items: Sequence[Any],
    limit: int | None,
    cursor: str | None,
    *,
    kind: str,
    scope: cursors.Scope,
    terms: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """:func:`page` of ``sparql`` rows (dicts of strings) or N-Triples lines, also cut at
    :data:`MAX_ROWS_BYTES` (at least one row; the answer says ``truncated`` and gives the
    ``nextCursor`` of the first row left out), each value longer than
    :data:`MAX_VALUE_CHARS` cut and marked (``valuesCut`` counts them).

    ``terms``: one entry per item (the term types of a row's values), given as ``termTypes``
    beside the items it belongs to, under the same bounds (its bytes count in the 64 KB, its
    strings are cut as values are)."""
    out = page(items, limit, cursor, kind=kind, scope=scope)
    start = decode_cursor(cursor, kind, scope)
    kept: list[Any] = []
    kept_terms: list[Any] = []
    size = cut = 0
    for at, item in enumerate(out["items"]):
        item, n = _cut_values(item)
        row_size = len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        if terms is not None:
            term, m = _cut_values(terms[start + at])
            n += m
            row_size += len(json.dumps(term, ensure_ascii=False).encode("utf-8"))
        size += row_size
        if kept and size > MAX_ROWS_BYTES:
            out["truncated"] = True
            out["nextCursor"] = encode_cursor(start + len(kept), kind, scope)
            break
        kept.append(item)
        if terms is not None:
            kept_terms.append(term)
        cut += n
    out["items"] = kept
    out["returned"] = len(kept)
    if terms is not None:
        out["termTypes"] = kept_terms
    if cut:
        out["valuesCut"] = cut
    return out


def _cut_values(item: Any) -> tuple[Any, int]:
    if isinstance(item, str):
        if len(item) <= MAX_VALUE_CHARS:
            return item, 0
        return f"{item[:MAX_VALUE_CHARS]}... [cut: {len(item)} characters in all]", 1
    if isinstance(item, dict):
        cut = 0
        values = {}
        for key, value in item.items():
            values[key], n = _cut_values(value)
            cut += n
        return values, cut
    return item, 0
