"""``Element.mappings`` reads an element's outgoing records by default (``direction:
SUBJECT``), and the curated sets state one direction (APQC to PRM-IT, IT-CMF and TRIM): a
PRM-IT process asked for its mappings answered ``[]`` without a word while five curated
records map APQC elements to it, which a client read as "not mapped". Such an empty answer
now says so in ``extensions.warnings`` (``mappings-incoming-only``), once per request, naming
the elements (as ``mappings(from:, to:)`` says ``mappings-other-way``)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any, TypeVar

from pcfgraph import services
from pcfgraph.api.graphql.resolving import Ctx

T = TypeVar("T")

#: ``extensions.warnings[].code`` of the warning.
CODE = "mappings-incoming-only"
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
    "element answers [] and extensions.warnings says so (mappings-incoming-only). A record "
    "keeps its own subject and object whichever way it is read: compare subject.id with "
    "this element's id to tell its outgoing records from its incoming ones."
)


def said_when_only_incoming(
    info: Ctx, e: services.Element, key: tuple[Any, ...], found: list[T] | Awaitable[list[T]]
) -> list[T] | Awaitable[list[T]]:
    """``found`` (the element's outgoing records, ``key`` their loader key), warning when
    they are none and records of the same filters state the element as their object. A
    list that has records is returned as it is (no coroutine: the fast path of a long list)."""
    if not inspect.isawaitable(found) and found:
        return found

    async def checked() -> list[T]:
        got = await found if inspect.isawaitable(found) else found
        if not got:
            incoming = await info.context.loaders.mappings.load((e, "object", *key[2:]))
            if incoming:
                _warn(info, e, len(incoming))
        return got

    return checked()


def _warn(info: Ctx, e: services.Element, incoming: int) -> None:
    warnings = info.context.warnings
    warning = next((w for w in warnings if w.get("code") == CODE), None)
    if warning is None:
        warning = {"code": CODE, "count": 0, "elements": []}
        warnings.append(warning)
    warning["count"] += 1
    if len(warning["elements"]) < SHOWN:
        warning["elements"].append(e.id)
    shown = ", ".join(warning["elements"])
    more = f" and {warning['count'] - SHOWN} more" if warning["count"] > SHOWN else ""
    one = warning["count"] == 1
    warning["message"] = (
        f"{shown}{more}: no mapping states {'it' if one else 'them'} as subject (the "
        f"direction mappings reads by default, SUBJECT), but "
        + (f"{incoming} state it" if one else "some state each")
        + " as object (the curated sets map one way: APQC to PRM-IT, IT-CMF and TRIM): ask "
        "mappings(direction: EITHER), or OBJECT"
    )
