"""``HEAD`` wherever ``GET`` is served, and a 405's ``Allow`` naming every method of the path.

FastAPI registers a ``GET`` route for ``GET`` only (Starlette's own routes add ``HEAD``): every
page, IRI, ``/ready`` and ``/sparql`` answered ``HEAD`` with 405, where RFC 9110 (9.1) has
general-purpose servers support it and link checkers, uptime probes and ``curl -I`` use it.
And the router's 405 names the methods of the first route whose path matched (``Allow: GET``
on ``PUT /sparql``, which takes ``POST`` too), where RFC 9110 (15.5.6) wants the target
resource's.

:class:`HeadAsGet` routes a ``HEAD`` that no route takes itself as the ``GET`` of the same
target, in a copy of the scope: the endpoint and every layer inside run as for ``GET`` (the
same status and headers, ``Content-Length`` included), and the server, whose scope still says
``HEAD``, sends no body (uvicorn's rule). The layers outside it (metrics, access log) count a
``HEAD``, under the ``GET`` route's template. :func:`path_methods` gives the methods for the
405's ``Allow``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

#: What routing sets in the scope, copied back from the ``GET`` scope of a ``HEAD``.
_ROUTED = ("route", "endpoint", "path_params")


#: The methods :func:`path_methods` asks the routes about.
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def takes(routes: Iterable[Any], scope: Scope, method: str) -> bool:
    """Whether a route takes ``method`` on the scope's path (the router's own matching, so
    FastAPI's included routers and mounts are asked as routing asks them)."""
    asked = {**scope, "method": method}
    return any(route.matches(asked)[0] is Match.FULL for route in routes)


def path_methods(routes: Iterable[Any], scope: Scope) -> set[str]:
    """The methods the routes take on the scope's path (``HEAD`` wherever ``GET``)."""
    kept = list(routes)
    methods = {method for method in _METHODS if takes(kept, scope, method)}
    if "GET" in methods:
        methods.add("HEAD")
    return methods


def allow_header(methods: set[str]) -> str:
    """The ``Allow`` value of these methods (in a fixed order)."""
    return ", ".join(sorted(methods))


class HeadAsGet:
    """``HEAD`` answered as ``GET`` where no route takes ``HEAD`` itself (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or not self._as_get(scope):
            await self.app(scope, receive, send)
            return
        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, send)
        finally:
            for key in _ROUTED:  # the route's template for metrics and the access line
                if key in inner:
                    scope[key] = inner[key]

    @staticmethod
    def _as_get(scope: Scope) -> bool:
        """Whether no route takes this ``HEAD`` itself (Starlette's add it to ``GET``; a
        mount takes any method) and one takes its ``GET``."""
        routes = scope["app"].router.routes
        return not takes(routes, scope, "HEAD") and takes(routes, scope, "GET")
