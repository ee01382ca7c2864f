"""``Element.mappings`` reads an element's outgoing records by default (``direction:
SUBJECT``), and the curated sets state one direction (APQC to PRM-IT, IT-CMF and TRIM): a
PRM-IT process asked for its mappings answered ``[]`` without a word while five curated
records map APQC elements to it, which a client read as "not mapped". Such an empty answer
now says so in ``extensions.warnings`` (``mappings-incoming-only``), once per request, naming
the elements (as ``mappings(from:, to:)`` says ``mappings-other-way``).

An element with records both ways answered its outgoing ones alone, without a word either:
PRM-IT A24 gave 3 where its page lists 15 curated (and 4 derived) and MCP get_element 15,
the other 12 stated by APQC's sets with A24 as object. Left to its default, ``direction``
now says so too (``mappings-incoming-left-out``); a query that writes ``direction: SUBJECT``
asked for the outgoing ones and is answered without it."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any, TypeVar

from pcfgraph import services
from pcfgraph.api.graphql.fastpath import raw_info
from pcfgraph.api.graphql.resolving import Ctx

T = TypeVar("T")

#: ``extensions.warnings[].code`` of the warning.
CODE = "mappings-incoming-only"
#: ``extensions.warnings[].code`` when the default read found some and left incoming ones out.
LEFT_OUT = "mappings-incoming-left-out"
#: The most element ids the warning lists (``count`` counts them all).
SHOWN = 10
#: ``Element.mappings``' description: what the default leaves out, said where a client
#: reading the schema (GraphiQL, codegen) sees it, not only in an empty answer's warning.
MAPPINGS_DOC = (
    "Mapping records of this element to elements of other frameworks; "
    "curated only unless includeDerived. By default (direction: SUBJECT) only the records "
    "stating this element as their subject: the curated sets state APQC to PRM-IT, IT-CMF "
    "and TRIM, so a PRM-IT, IT-CMF or TRIM element's curated records state it as object "
    "and are read with direction: EITHER (both ends) or OBJECT; asked by default, such an "
    "element answers [] and extensions.warnings says so (mappings-incoming-only); one with "
    "records both ways answers its outgoing ones and, direction left to its default, says "
    "how many incoming ones are left out (mappings-incoming-left-out). A record "
    "keeps its own subject and object whichever way it is read: compare subject.id with "
    "this element's id to tell its outgoing records from its incoming ones."
)


def said_when_only_incoming(
    info: Ctx, e: services.Element, key: tuple[Any, ...], found: list[T] | Awaitable[list[T]]
) -> list[T] | Awaitable[list[T]]:
    """``found`` (the element's outgoing records, ``key`` their loader key), warning when
    they are none and records of the same filters state the element as their object, or,
    ``direction`` left to its default, when they are some and such records are left out. A
    list returned at once stays a list (no coroutine: the fast path of a long list) when
    the incoming side is read already or not asked about."""
    defaulted = not _direction_written(info)
    if not inspect.isawaitable(found) and found:
        if not defaulted:
            return found
        incoming = _loaded_incoming(info, e, key)
        if incoming is not None:
            if incoming:
                _warn_left_out(info, e, len(found), len(incoming))
            return found

    async def checked() -> list[T]:
        got = await found if inspect.isawaitable(found) else found
        if got and not defaulted:
            return got
        incoming = await info.context.loaders.mappings.load((e, "object", *key[2:]))
        if incoming and got:
            _warn_left_out(info, e, len(got), len(incoming))
        elif incoming:
            _warn(info, e, len(incoming))
        return got

    return checked()


def _direction_written(info: Ctx) -> bool:
    """Whether the query writes ``direction`` on this field (else its default, SUBJECT)."""
    return any(
        a.name.value == "direction"
        for node in raw_info(info).field_nodes
        for a in node.arguments or ()
    )


def _loaded_incoming(
    info: Ctx, e: services.Element, key: tuple[Any, ...]
) -> list[services.Mapping] | None:
    """The records of ``key``'s filters stating ``e`` as object when read already, else None."""
    reader = info.context.reader
    if not services.mappings_loaded(reader, e, "object"):
        return None
    if key[3] is not None and not reader.has(("frameworks",)):
        return None  # the framework is spelled by the loader
    return services.mappings_of(
        reader, [e], direction="object", relation=key[2], framework=key[3], include_derived=key[4]
    )[0]


def _entry(info: Ctx, code: str, e: services.Element) -> dict[str, Any]:
    """The request's warning ``code``, counting ``e`` (named among the first SHOWN)."""
    warnings = info.context.warnings
    warning = next((w for w in warnings if w.get("code") == code), None)
    if warning is None:
        warning = {"code": code, "count": 0, "elements": []}
        warnings.append(warning)
    warning["count"] += 1
    if len(warning["elements"]) < SHOWN:
        warning["elements"].append(e.id)
    return warning


def _named(warning: dict[str, Any]) -> str:
    shown = ", ".join(warning["elements"])
    more = f" and {warning['count'] - SHOWN} more" if warning["count"] > SHOWN else ""
    return shown + more


def _warn_left_out(info: Ctx, e: services.Element, outgoing: int, incoming: int) -> None:
    warning = _entry(info, LEFT_OUT, e)
    one = warning["count"] == 1
    warning["message"] = (
        f"{_named(warning)}: mappings gave only the "
        + (
            f"{outgoing} records stating it as subject"
            if one
            else "records stating each as subject"
        )
        + " (direction left to its default, SUBJECT); "
        + (f"{incoming} more state it" if one else "more state each")
        + " as object (the curated sets map one way: APQC to PRM-IT, IT-CMF and TRIM) and "
        "are left out: ask mappings(direction: EITHER) for both, or write direction: SUBJECT "
        "for the outgoing ones alone"
    )


def _warn(info: Ctx, e: services.Element, incoming: int) -> None:
    warning = _entry(info, CODE, e)
    one = warning["count"] == 1
    warning["message"] = (
        f"{_named(warning)}: no mapping states {'it' if one else 'them'} as subject (the "
        f"direction mappings reads by default, SUBJECT), but "
        + (f"{incoming} state it" if one else "some state each")
        + " as object (the curated sets map one way: APQC to PRM-IT, IT-CMF and TRIM): ask "
        "mappings(direction: EITHER), or OBJECT"
    )
