"""What every request handler can reach: settings, the served release, the query catalog and
the HTML pages an HTML edge contributes, typed.

Built by the composition root (:mod:`pcfgraph.serving`) and kept on ``app.state.pcf``; core
code, so it knows nothing of HTTP (the request type is only named for the type checker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.store import EmbeddedStore, GraphStore

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

#: ``(state, iri) -> html``: the page of a framework element, None when ``iri`` is not one.
ElementPage = Callable[["AppState", str], "str | None"]
#: ``(state, iri, triples) -> html``: the page of any other IRI under ``/id/``.
ResourcePage = Callable[["AppState", str, list[ox.Triple]], str]
#: ``(state, graph_iri) -> html``: the page of a named graph at ``/id/graph/...``.
GraphPage = Callable[["AppState", str], str]
#: ``detail -> html``: the "not found" page browsers get for an unknown IRI.
NotFoundPage = Callable[[str], str]
#: ``request -> response``: the query page browsers get for ``GET /sparql`` without a query.
SparqlPage = Callable[["Request"], "Response"]


@dataclass(frozen=True)
class Pages:
    """The HTML pages the web workbench draws for routes the API owns (``/id/...``,
    ``GET /sparql`` from a browser); each unset one falls back to the API's plain page."""

    element: ElementPage | None = None
    resource: ResourcePage | None = None
    graph: GraphPage | None = None
    not_found: NotFoundPage | None = None
    sparql: SparqlPage | None = None


@dataclass
class AppState:
    settings: Settings
    release: Release
    catalog: QueryCatalog
    pages: Pages = field(default_factory=Pages)
    #: Extension slots for edges (worker pool, metrics, ...), keyed by name.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> EmbeddedStore:
        return self.release.store

    @property
    def query_store(self) -> GraphStore:
        """The store trusted reads use: the remote one with ``--store``, else the embedded one."""
        store: GraphStore | None = self.extras.get("store")
        return store if store is not None else self.store


def app_state(request: Request) -> AppState:
    """The state as of the request's first call: the release stays the same for the request.

    A reload replaces ``AppState.release`` on the app's state; a request that already asked
    keeps the snapshot it got (same settings, catalog and extras), so it finishes on the
    release it started with.
    """
    pinned: AppState | None = getattr(request.state, "pcf_snapshot", None)
    if pinned is None:
        live: AppState = request.app.state.pcf
        pinned = replace(live)
        request.state.pcf_snapshot = pinned
    return pinned
