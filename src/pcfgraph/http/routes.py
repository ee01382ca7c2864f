"""Walking an app's routes as FastAPI keeps them (one place for its layout quirks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def walk_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(full path, route)`` for every route with a path, mounts and included routers too.

    FastAPI 0.16x keeps ``include_router`` as a wrapper holding ``original_router`` (and its
    prefix in ``include_context``) instead of copying the routes into ``app.routes``.
    """
    for route in routes:
        router = getattr(route, "original_router", None)
        if router is not None:
            context = getattr(route, "include_context", None)
            yield from walk_routes(router.routes, prefix + (getattr(context, "prefix", "") or ""))
            continue
        path = getattr(route, "path", None)
        if isinstance(path, str) and path:
            yield prefix + path, route
        if getattr(route, "routes", None):
            yield from walk_routes(route.routes, prefix + (path or ""))


def route_paths(routes: Iterable[Any], prefix: str = "") -> set[str]:
    """Every path an app answers, including included routers and mounts."""
    return {path for path, _ in walk_routes(routes, prefix)}
