"""Page cursors: opaque to clients and bound to the list they page through.

A cursor says where a page ended *in one list*: the kind of list (GraphQL ``elements``, an
MCP tool's items ...) and the arguments that chose its items (framework, kind, level,
filters). A cursor handed to another list (another framework, other filters) would be a bare
offset into it, continuing somewhere arbitrary; :func:`decode` refuses it with an
:class:`~pcfgraph.errors.InputError` naming what differs. GraphQL and MCP both page with these.

The text is URL-safe base64 of a small JSON array; clients must treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pcfgraph.errors import InputError, quoted

#: Scope values a cursor may carry (the arguments that choose a list's items).
Scope = Mapping[str, str | int | bool | None]
#: Longer texts (a SPARQL query, a model) are carried as a digest, which the cursor's check
#: compares the same way.
LONGEST_KEPT = 64


def _bound(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in sorted(scope.items()):
        if isinstance(v, str) and len(v) > LONGEST_KEPT:
            v = "sha256:" + hashlib.sha256(v.encode("utf-8")).hexdigest()[:16]
        if v is not None:
            out[k] = v
    return out


def encode(kind: str, offset: int, scope: Scope) -> str:
    """The cursor of position ``offset`` in the ``kind`` list chosen by ``scope``."""
    payload = [kind, offset, _bound(scope)]
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def _describe(scope: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {json.dumps(v)}" for k, v in sorted(scope.items())) or "no filter"


def decode(kind: str, cursor: str, scope: Scope, *, argument: str | None = None) -> int:
    """The offset ``cursor`` stands for in the ``kind`` list chosen by ``scope``.

    An undecodable text is an "invalid cursor"; a cursor of another list (another kind, or
    the same kind chosen by other arguments) is an error naming both lists' arguments.
    ``argument``: the name of the argument the cursor came in, for the message."""
    what = f"cursor {quoted(cursor)}" + (f" ({argument})" if argument else "")
    offset, given = _read(kind, cursor, what)
    wanted = _bound(scope)
    if given != wanted:
        raise InputError(
            f"{what} belongs to another list: it was given out for {kind} with "
            f"{_describe(given)}, and this request asks for {kind} with {_describe(wanted)}; "
            "pass a cursor from a page of this list, or none to start at the beginning"
        )
    return offset


def scope_of(kind: str, cursor: str) -> dict[str, Any]:
    """The arguments ``cursor`` (of a ``kind`` list) was given out for, as it carries them
    (a long text as its digest): what a list whose pages depend on more than its arguments
    say (an audit's day, today when not given) takes from its cursor. An undecodable text
    or a cursor of another kind is the :class:`InputError` :func:`decode` gives."""
    return _read(kind, cursor, f"cursor {quoted(cursor)}")[1]


def contradicted(carried: Mapping[str, Any], scope: Scope) -> list[str]:
    """The keys of ``scope`` whose values differ from those a cursor carries (``carried``,
    :func:`scope_of`), compared as the cursor keeps them; a key the cursor lacks is none."""
    wanted = _bound({k: v for k, v in scope.items() if k in carried})
    return [k for k in sorted(carried) if k in scope and wanted.get(k) != carried[k]]


def _read(kind: str, cursor: str, what: str) -> tuple[int, dict[str, Any]]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8"))
        given_kind, offset, given = payload
        if (
            not isinstance(given_kind, str)
            or not isinstance(given, dict)
            or isinstance(offset, bool)
            or not isinstance(offset, int)
            or offset < 0
        ):
            raise ValueError
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError):
        # RecursionError: JSON arrays 100,000 deep (was "Error executing tool search")
        raise InputError(
            f"invalid {what}: not a cursor this server gave out "
            "(pass a cursor from a page of this list, or none to start at the beginning)"
        ) from None
    if given_kind != kind:
        raise InputError(
            f"{what} belongs to another list ({given_kind}), not to {kind}: "
            "pass a cursor from a page of this list, or none to start at the beginning"
        )
    return offset, given
