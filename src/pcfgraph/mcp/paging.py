"""Paging of every MCP list: ``limit`` (default sized for an assistant's context, capped)
and an opaque ``cursor``; a cut answer says so (``truncated``, ``total``, ``nextCursor``).
Argument errors name the argument (the server turns them into JSON-RPC invalid params)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

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


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "o" or not number.isdigit():
            raise ValueError
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise ArgumentError("cursor", "not a cursor this server gave out") from None


def page(items: Sequence[Any], limit: int | None, cursor: str | None) -> dict[str, Any]:
    """A page of ``items``: the items, the total, and ``nextCursor`` when it was cut."""
    size = check_limit(limit)
    start = decode_cursor(cursor)
    chunk = list(items[start : start + size])
    out: dict[str, Any] = {"total": len(items), "returned": len(chunk)}
    if start + size < len(items):
        out["truncated"] = True
        out["nextCursor"] = encode_cursor(start + size)
    out["items"] = chunk
    return out


def bounded_page(items: Sequence[Any], limit: int | None, cursor: str | None) -> dict[str, Any]:
    """:func:`page` of ``sparql`` rows (dicts of strings) or N-Triples lines, also cut at
    :data:`MAX_ROWS_BYTES` (at least one row; the answer says ``truncated`` and gives the
    ``nextCursor`` of the first row left out), each value longer than
    :data:`MAX_VALUE_CHARS` cut and marked (``valuesCut`` counts them)."""
    out = page(items, limit, cursor)
    kept: list[Any] = []
    size = cut = 0
    for item in out["items"]:
        item, n = _cut_values(item)
        size += len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        if kept and size > MAX_ROWS_BYTES:
            out["truncated"] = True
            out["nextCursor"] = encode_cursor(decode_cursor(cursor) + len(kept))
            break
        kept.append(item)
        cut += n
    out["items"] = kept
    out["returned"] = len(kept)
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
