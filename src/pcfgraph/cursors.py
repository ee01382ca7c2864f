"""Page cursors: opaque to clients and bound to the list they page through.

A cursor says where a page ended *in one list*: the kind of list (GraphQL ``elements``, an
MCP tool's items ...), the arguments that chose its items (framework, kind, level,
filters) and the release it was given out on. A cursor handed to another list (another
framework, other filters) would be a bare offset into it, continuing somewhere arbitrary;
:func:`decode` refuses it with an :class:`~pcfgraph.errors.InputError` naming what differs.
So is a cursor of another release (given out before the server reloaded its data): its
offset counted items of a list that may have changed since, and pages of two releases read
as one list. GraphQL and MCP both page with these.

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
#: The most arguments a list is chosen by (a cursor carrying more was made by hand).
MOST_ARGUMENTS = 16
#: Numbers (an offset, a level) a cursor may carry stay below this (a 4,000-digit one was
#: echoed whole in the message refusing it).
LARGEST = 2**63


def _bound(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in sorted(scope.items()):
        if isinstance(v, str) and len(v) > LONGEST_KEPT:
            v = "sha256:" + hashlib.sha256(v.encode("utf-8")).hexdigest()[:16]
        if v is not None:
            out[k] = v
    return out


def encode(kind: str, offset: int, scope: Scope, *, release: str | None = None) -> str:
    """The cursor of position ``offset`` in the ``kind`` list chosen by ``scope``, on the
    release ``release`` (its id; None: a list no release changes)."""
    payload: list[Any] = [kind, offset, _bound(scope)]
    if release is not None:
        payload.append(release)
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def _describe(scope: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {json.dumps(v)}" for k, v in sorted(scope.items())) or "no filter"


def decode(
    kind: str,
    cursor: str,
    scope: Scope,
    *,
    argument: str | None = None,
    release: str | None = None,
) -> int:
    """The offset ``cursor`` stands for in the ``kind`` list chosen by ``scope`` on the
    release ``release`` (its id, when the list's cursors carry one).

    An undecodable text is an "invalid cursor"; a cursor of another release is an error
    saying the release changed (:func:`check_release`); a cursor of another list (another
    kind, or the same kind chosen by other arguments) is an error naming both lists'
    arguments. ``argument``: the name of the argument the cursor came in, for the message."""
    what = f"cursor {quoted(cursor)}" + (f" ({argument})" if argument else "")
    offset, given, given_release = read(kind, cursor, what)
    check_release(given_release, release, what)
    check_arguments(kind, given, scope, what)
    wanted = _bound(scope)
    if given != wanted:
        raise InputError(
            f"{what} belongs to another list: {other_list(kind, given, scope)}; "
            "pass a cursor from a page of this list, or none to start at the beginning"
        )
    return offset


def check_release(given: str | None, served: str | None, what: str = "the cursor") -> None:
    """Refuse a cursor given out on another release than the one ``served`` (None: a list
    whose cursors carry none). Its offset counted the list as it was on that release: one
    that still fell inside the new list went on silently, mixing pages of two releases."""
    if served is not None and given != served:
        was = f"release {_named(given)}" if given is not None else "an earlier release"
        raise InputError(
            f"{what} was given out on {was} of the data, and the server now serves release "
            f"{served} (it reloaded its data since): the release changed, so the list may "
            "have too; start the list again from its first page (leave the cursor out)"
        )


#: How many of a forged cursor's arguments its refusal names (the rest are counted).
MOST_NAMED = 3


def check_arguments(
    kind: str, carried: Mapping[str, Any], scope: Scope, what: str = "the cursor"
) -> None:
    """Refuse a cursor carrying an argument the ``kind`` list is not chosen by (``scope``
    has every argument of its list, None for one not given): none this server gives out
    does, so it was edited. It was said to belong to "another list" chosen by that
    argument, a list that does not exist (MCP named the argument as the one to correct)."""
    foreign = sorted(set(carried) - set(scope))
    if not foreign:
        return
    names = ", ".join(quoted(k, 40) for k in foreign[:MOST_NAMED])
    if len(foreign) > MOST_NAMED:
        names += f" and {len(foreign) - MOST_NAMED} more"
    raise InputError(
        f"invalid {what}: not a cursor this server gave out (it carries {names}, which no "
        f"{kind} list is chosen by); pass a cursor from a page of this list, or none to start "
        "at the beginning"
    )


def _named(text: str) -> str:
    """``text`` (a release id or list kind a cursor carries: client-supplied) as a message
    names it: as it is when it is short and printable, as one this server gives out is, else
    quoted, cut and escaped (a forged one echoed a megabyte, or a terminal escape, back)."""
    return text if len(text) <= LONGEST_KEPT and text.isprintable() else quoted(text)


def _scope_ok(given: object) -> bool:
    """Whether ``given`` is the arguments of a list as :func:`encode` writes them: a few,
    each a short name with a short text, a number, a truth value (what :func:`_bound`
    keeps); anything else was not given out here, and a message naming it would echo it."""
    return (
        isinstance(given, dict)
        and len(given) <= MOST_ARGUMENTS
        and all(
            len(k) <= LONGEST_KEPT
            and k.isprintable()
            and (
                isinstance(v, bool)
                or (isinstance(v, int) and abs(v) < LARGEST)
                or (isinstance(v, str) and len(v) <= LONGEST_KEPT)
            )
            for k, v in given.items()
        )
    )


def other_list(kind: str, carried: Mapping[str, Any], scope: Scope) -> str:
    """The words for a cursor carrying ``carried`` (as :func:`read` gives it) handed to the
    ``kind`` list chosen by ``scope``: both lists' arguments."""
    return (
        f"it was given out for {kind} with {_describe(carried)}, and this request asks for "
        f"{kind} with {_describe(_bound(scope))}"
    )


def differing(carried: Mapping[str, Any], scope: Scope) -> list[str]:
    """The keys whose values differ between a cursor's list (``carried``, as :func:`read`
    gives it) and the one ``scope`` chooses, compared as the cursor keeps them (a long text
    by its digest; a key left out is None), in ``scope``'s order, then the cursor's."""
    wanted = _bound(scope)
    keys = [*scope, *(k for k in sorted(carried) if k not in scope)]
    return [k for k in keys if wanted.get(k) != carried.get(k)]


def scope_of(kind: str, cursor: str) -> dict[str, Any]:
    """The arguments ``cursor`` (of a ``kind`` list) was given out for, as it carries them
    (a long text as its digest): what a list whose pages depend on more than its arguments
    say (an audit's day, today when not given) takes from its cursor. An undecodable text
    or a cursor of another kind is the :class:`InputError` :func:`decode` gives."""
    return read(kind, cursor, f"cursor {quoted(cursor)}")[1]


def contradicted(carried: Mapping[str, Any], scope: Scope) -> list[str]:
    """The keys of ``scope`` whose values differ from those a cursor carries (``carried``,
    :func:`scope_of`), compared as the cursor keeps them; a key the cursor lacks is none."""
    wanted = _bound({k: v for k, v in scope.items() if k in carried})
    return [k for k in sorted(carried) if k in scope and wanted.get(k) != carried[k]]


def read(kind: str, cursor: str, what: str = "cursor") -> tuple[int, dict[str, Any], str | None]:
    """What a cursor of the ``kind`` list carries: its offset, its list's arguments (a long
    text as its digest) and the id of the release it was given out on (None when it carries
    none). An undecodable text, or a cursor of another kind, is an :class:`InputError`
    naming ``what``."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8"))
        given_kind, offset, given, *rest = payload
        release = rest[0] if rest else None
        if (
            not isinstance(given_kind, str)
            or not _scope_ok(given)
            or isinstance(offset, bool)
            or not isinstance(offset, int)
            or not 0 <= offset < LARGEST
            or len(rest) > 1
            or not isinstance(release, str | None)
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
            f"{what} belongs to another list ({_named(given_kind)}), not to {kind}: "
            "pass a cursor from a page of this list, or none to start at the beginning"
        )
    return offset, given, release
