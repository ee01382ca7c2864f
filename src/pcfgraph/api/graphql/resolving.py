"""What every resolver of the schema shares: the ``Info`` type, page-size checks, and the fast
path that answers a field from the request's memo instead of a loader round trip."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.types import Info

from pcfgraph import services
from pcfgraph.api.graphql.context import GraphQLContext
from pcfgraph.config import Settings
from pcfgraph.errors import InputError
from pcfgraph.services.search.identifier_case import spelled

Ctx = Info[GraphQLContext, None]
T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")

#: ``first`` when a paginated field is not given one.
DEFAULT_PAGE_SIZE = 50
#: ``first`` of ``search`` when not given.
DEFAULT_SEARCH_SIZE = 20
#: Largest number of objects (elements, mappings, measures ...) list fields may return in one
#: request, unless ``Settings.graphql_max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 50_000

FIRST_DOC = (
    "Page size: 0 to the server's maximum page size (graphql_max_page_size, default 500); "
    "larger values are rejected, not clamped. Defaults to 50."
)


def check_first(first: int | None, default: int, settings: Settings) -> int:
    """Page size: ``first`` must be 0..graphql_max_page_size (rejected, never clamped)."""
    if first is None:
        return min(default, settings.graphql_max_page_size)
    if first < 0 or first > settings.graphql_max_page_size:
        raise InputError(
            f"first must be between 0 and {settings.graphql_max_page_size}, not {first}"
        )
    return first


def framework_id(reader: services.Reader, value: object) -> str | None:
    """A framework id argument as the data spells it, matched ignoring case (``PRM-IT`` is
    ``prm-it``) as MCP's tools match it (:mod:`pcfgraph.services.search.identifier_case`);
    any other value as given, for the field's own check to refuse. It reads the framework
    list (one store query per reader): call it where store queries run, off the event loop."""
    if value is None:
        return None
    return spelled(str(value), services.known_framework_ids(reader))


def fast(
    info: Ctx,
    keys: tuple[tuple[object, ...], ...],
    sync: Callable[[services.Reader], T],
    slow: Callable[[], Awaitable[T]],
    convert: Callable[[T], R],
) -> Any:
    """Resolve from the request's memo when the framework-wide read it needs is loaded already
    (no task, no thread, no loader round trip: most fields of a tree), else through the loader.
    The result is either the value or an awaitable of it; graphql-core accepts both."""
    return fast_when(info, info.context.reader.has(*keys), sync, slow, convert)


def fast_when(
    info: Ctx,
    ready: bool,
    sync: Callable[[services.Reader], T],
    slow: Callable[[], Awaitable[T]],
    convert: Callable[[T], R],
) -> Any:
    """:func:`fast` for a field that knows itself whether ``sync`` costs no store query
    (``ready``): an element's subtree or its framework read already."""
    if ready:
        return convert(sync(info.context.reader))

    async def later() -> R:
        return convert(await slow())

    return later()


def index_key(framework_id: str) -> tuple[tuple[object, ...], ...]:
    return (("framework-index", framework_id),)


FRAMEWORKS_KEY: tuple[tuple[object, ...], ...] = (("frameworks",),)


def charged(info: Ctx, make: Callable[[V], R]) -> Callable[[list[V]], list[R]]:
    def convert(items: list[V]) -> list[R]:
        info.context.charge(len(items))
        return [make(x) for x in items]

    return convert
