"""Paging of every MCP list: ``limit`` (default sized for an assistant's context, capped)
and an opaque ``cursor``; a cut answer says so (``truncated``, ``total``, ``nextCursor``).
Argument errors name the argument (the server answers them as tool execution errors,
``isError``, their message as it is)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pcfgraph import cursors
from pcfgraph.errors import InputError, quoted

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


#: The tools' arguments by the names their cursors carry them under (any other: the same).
SCOPE_ARGUMENTS = {"includeDerived": "include_derived", "asOf": "as_of"}


def check_page(
    limit: int | None, cursor: str | None, *, kind: str, scope: cursors.Scope, release: str
) -> None:
    """Refuse a bad ``limit`` or a cursor of another list before the work whose result
    :func:`page` cuts (an ad-hoc query, an audit) is done."""
    check_limit(limit)
    decode_cursor(cursor, kind, scope, release=release)


def encode_cursor(offset: int, kind: str, scope: cursors.Scope, *, release: str) -> str:
    """The cursor of ``offset`` in the list of tool ``kind`` chosen by ``scope`` (its
    arguments) on the served release ``release`` (its id): :mod:`pcfgraph.cursors`, as
    GraphQL's."""
    return cursors.encode(kind, offset, scope, release=release)


def decode_cursor(cursor: str | None, kind: str, scope: cursors.Scope, *, release: str) -> int:
    """The offset of a cursor of this very list on the served release (``release``).

    A cursor given out on another release (before the server reloaded its data) is an error
    naming ``cursor`` that says so; one of another tool, an error naming ``cursor`` and both
    lists; one given with other arguments than its list's, an error naming the first
    argument that differs (``framework``, ``text`` ...), as ``audit_model`` names its own:
    that argument is what to correct, or the cursor to leave out."""
    if not cursor:
        return 0
    offset, carried = _carried(cursor, kind, release)
    try:
        cursors.check_arguments(kind, carried, scope, f"cursor {quoted(cursor)}")
    except InputError as exc:
        raise ArgumentError("cursor", str(exc)) from None
    differ = cursors.differing(carried, scope)
    if differ:
        argument = SCOPE_ARGUMENTS.get(differ[0], differ[0])
        raise ArgumentError(
            argument,
            f"is not the {argument} of the list the cursor pages (the cursor belongs to "
            f"another list: {cursors.other_list(kind, carried, scope)}): give the same "
            f"{argument}, or leave cursor out to start this list from its first page",
        )
    return offset


def carried_by(cursor: str | None, kind: str, *, release: str) -> dict[str, Any]:
    """The arguments a cursor of the ``kind`` list on the served release carries
    (:func:`pcfgraph.cursors.read`; none without a cursor); an invalid one, or one of
    another release, is an argument error naming ``cursor``."""
    if not cursor:
        return {}
    return _carried(cursor, kind, release)[1]


def _carried(cursor: str, kind: str, release: str) -> tuple[int, dict[str, Any]]:
    try:
        offset, carried, given_release = cursors.read(kind, cursor, f"cursor {quoted(cursor)}")
        cursors.check_release(given_release, release)
    except InputError as exc:
        raise ArgumentError("cursor", str(exc)) from None
    return offset, carried


def check_within(cursor: str | None, start: int, length: int) -> None:
    """Refuse a cursor past the end of its list (``length`` items): none this server gives
    out is (a ``nextCursor`` is given only while items are left, and one of the release
    before a reload is refused as such), so it was made by hand. It was answered with an
    empty page, read as "nothing more" without a word."""
    if cursor and start > 0 and start >= length:
        raise ArgumentError(
            "cursor",
            f"points past the end of its list: to item {start + 1}, and the list has "
            f"{length} (not a cursor this server gave out: no nextCursor points there); "
            "leave cursor out to start at the beginning",
        )


def page(
    items: Sequence[Any],
    limit: int | None,
    cursor: str | None,
    *,
    kind: str,
    scope: cursors.Scope,
    release: str,
    length: int | None = None,
) -> dict[str, Any]:
    """A page of ``items``: the items, the total, and ``nextCursor`` when it was cut. ``kind``
    and ``scope`` name the list (tool and arguments) its cursors are bound to, ``release``
    the served release (its id) they are given out on; ``length``: how far its cursors
    reach, when longer than ``items`` (lists paged beside them)."""
    size = check_limit(limit)
    start = decode_cursor(cursor, kind, scope, release=release)
    check_within(cursor, start, len(items) if length is None else length)
    chunk = list(items[start : start + size])
    out: dict[str, Any] = {"total": len(items), "returned": len(chunk)}
    if start + size < len(items):
        out["truncated"] = True
        out["nextCursor"] = encode_cursor(start + size, kind, scope, release=release)
    out["items"] = chunk
    return out


def bounded_page(
    items: Sequence[Any],
    limit: int | None,
    cursor: str | None,
    *,
    kind: str,
    scope: cursors.Scope,
    release: str,
    terms: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """:func:`page` of ``sparql`` rows (dicts of strings) or N-Triples lines, also cut at
    :data:`MAX_ROWS_BYTES` (at least one row; the answer says ``truncated`` and gives the
    ``nextCursor`` of the first row left out), each value longer than
    :data:`MAX_VALUE_CHARS` cut and marked (``valuesCut`` counts them).

    ``terms``: one entry per item (the term types of a row's values), given as ``termTypes``
    beside the items it belongs to, under the same bounds (its bytes count in the 64 KB, its
    strings are cut as values are)."""
    out = page(items, limit, cursor, kind=kind, scope=scope, release=release)
    start = decode_cursor(cursor, kind, scope, release=release)
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
            out["nextCursor"] = encode_cursor(start + len(kept), kind, scope, release=release)
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
