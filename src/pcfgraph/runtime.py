"""What every request handler can reach, typed: the served release and the frozen
:class:`Runtime` (settings, query catalog, the HTML pages an HTML edge contributes, the
services the app's lifespan starts, the per-release caches).

Built by the composition root (:mod:`pcfgraph.serving`) and kept on ``app.state.pcf``; core
code, so it knows nothing of HTTP (the request type is only named for the type checker).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pyoxigraph as ox

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.store import EmbeddedStore, GraphStore

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from pcfgraph.release_reload import ReleaseManager
    from pcfgraph.remote_store import RemoteStore
    from pcfgraph.sandbox import WorkerPool
    from pcfgraph.server_processes import ServerProcesses
    from pcfgraph.services.page_reads import Reads
    from pcfgraph.services.search import SearchIndex

T = TypeVar("T")

#: ``(state, iri) -> html``: the page of a framework element, None when ``iri`` is not one.
ElementPage = Callable[["AppState", str], "str | None"]
#: ``(state, iri, triples) -> html``: the page of any other IRI under ``/id/``.
ResourcePage = Callable[["AppState", str, list[ox.Triple]], str]
#: ``(state, graph_iri) -> html``: the page of a named graph at ``/id/graph/...``.
GraphPage = Callable[["AppState", str], str]
#: ``detail -> html``: the "not found" page browsers get for an unknown IRI.
NotFoundPage = Callable[[str], str]
#: ``(status, detail) -> html``: the error page browsers get for a bad request to a page
#: the API serves (a wrong ``?format=`` of an ``/id`` IRI or a download).
ErrorPage = Callable[[int, str], str]
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
    error: ErrorPage | None = None


@dataclass
class Services:
    """What the app's lifespan starts and stops (empty outside it: embedded use, tests)."""

    #: The sandbox worker pool (ad-hoc SPARQL, uploads); None: run in a thread.
    pool: WorkerPool | None = None
    #: With ``--store``: the remote store that trusted reads use.
    remote_store: RemoteStore | None = None
    #: The reload procedure (installed with the app's operations routes).
    releases: ReleaseManager | None = None
    #: With ``pcfgraph serve --http-workers N`` (N > 1): what the server's processes share
    #: (admission counts, the split of sandbox workers, the metrics sockets).
    processes: ServerProcesses | None = None


class PerRelease(Generic[T]):
    """One value for the served release, built on first use and rebuilt after a reload
    switches release (a release is immutable, so the value stays valid while it serves)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[object, T] | None = None

    def get(self, release: object, build: Callable[[], T]) -> T:
        """The value for ``release`` (compared by identity), built by ``build`` if needed."""
        entry = self._entry  # read without the lock: one tuple, replaced in one assignment
        if entry is not None and entry[0] is release:
            return entry[1]
        with self._lock:
            if self._entry is not None and self._entry[0] is release:
                return self._entry[1]
            value = build()
            self._entry = (release, value)
            return value

    def clear(self) -> None:
        """Forget the value (the next use builds it again; benchmarks of cold reads)."""
        with self._lock:
            self._entry = None


class Lazy(Generic[T]):
    """One value for the app's lifetime, built on first use (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self, build: Callable[[], T]) -> T:
        value = self._value  # built: read without the lock (set once, one assignment)
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                self._value = build()
            return self._value

    def peek(self) -> T | None:
        """The value if built, else None (never builds it)."""
        return self._value


@dataclass(frozen=True)
class Caches:
    """Values derived from the served release, shared by every request on it."""

    graph_names: PerRelease[frozenset[str]] = field(default_factory=PerRelease)
    #: The served release's quads (``/ready``, ``/metrics``): counted once per release, not
    #: at every call (a full scan of an on-disk store; a release never changes while served).
    quads: PerRelease[int] = field(default_factory=PerRelease)
    search_index: PerRelease[SearchIndex] = field(default_factory=PerRelease)
    page_reads: PerRelease[Reads] = field(default_factory=PerRelease)
    #: What audits run in-process (no pool) keep between uploads (the audit context).
    audit: dict[str, Any] = field(default_factory=dict)
    #: Finished ``/sparql`` answers (the HTTP API's response cache, keyed by release itself).
    sparql_answers: Lazy[object] = field(default_factory=Lazy)
    #: In-process evaluation of proven-bounded ``/sparql`` queries (its statistics per release).
    sparql_local: Lazy[object] = field(default_factory=Lazy)
    #: Query texts the ``/sparql`` guard accepted (its verdict per text).
    sparql_checks: Lazy[object] = field(default_factory=Lazy)
    #: Plans of ``GET /sparql`` requests made before (by query string, Accept, service URL).
    sparql_plans: Lazy[object] = field(default_factory=Lazy)
    #: ETags of ``/id`` answers made on the served release (a client's copy: 304 unmade).
    id_etags: PerRelease[object] = field(default_factory=PerRelease)
    #: The rules served at their IRIs (``/shapes``): shipped with pcfgraph, not per release.
    rules: Lazy[object] = field(default_factory=Lazy)
    #: ETags of downloads (SSSOM files, spreadsheets) made on the served release.
    download_etags: PerRelease[object] = field(default_factory=PerRelease)
    #: The vocabularies each named graph uses (``/.well-known/void``: a scan of the store).
    void_vocabularies: PerRelease[dict[str, frozenset[str]]] = field(default_factory=PerRelease)

    def release_quads(self, release: Release) -> int:
        """``release``'s quads, counted on its first use after it is switched in."""
        return self.quads.get(release, lambda: len(release.store))


@dataclass(frozen=True)
class Runtime:
    """A server's long-lived parts, built once by the composition root; what changes while
    it runs (services started by the lifespan, caches) changes inside typed holders."""

    settings: Settings
    catalog: QueryCatalog
    pages: Pages = field(default_factory=Pages)
    services: Services = field(default_factory=Services)
    caches: Caches = field(default_factory=Caches)


@dataclass
class AppState:
    """The runtime and the release it serves; a reload replaces ``release`` (one assignment)."""

    runtime: Runtime
    release: Release

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def catalog(self) -> QueryCatalog:
        return self.runtime.catalog

    @property
    def pages(self) -> Pages:
        return self.runtime.pages

    @property
    def services(self) -> Services:
        return self.runtime.services

    @property
    def caches(self) -> Caches:
        return self.runtime.caches

    @property
    def pool(self) -> WorkerPool | None:
        return self.runtime.services.pool

    @property
    def store(self) -> EmbeddedStore:
        return self.release.store

    @property
    def query_store(self) -> GraphStore:
        """The store trusted reads use: the remote one with ``--store``, else the embedded one."""
        remote = self.runtime.services.remote_store
        return remote if remote is not None else self.store

    def known_graphs(self) -> frozenset[str]:
        """Graph names of the served release (cached per release): what a query's ``FROM``,
        ``GRAPH`` and dataset parameters may name (:func:`pcfgraph.sparql_guard.check_query`)."""
        return self.caches.graph_names.get(
            self.release, lambda: frozenset(self.query_store.graph_names())
        )

    def quads(self) -> int:
        """The served release's quads (:meth:`Caches.release_quads`)."""
        return self.caches.release_quads(self.release)


def app_state(request: Request) -> AppState:
    """The state as of the request's first call: the release stays the same for the request.

    A reload replaces ``AppState.release`` on the app's state; a request that already asked
    keeps the snapshot it got (same runtime), so it finishes on the release it started with.
    """
    fields = request.scope.setdefault("state", {})  # what ``request.state`` reads and sets
    pinned: AppState | None = fields.get("pcf_snapshot")
    if pinned is None:
        pinned = pin_state(fields, request.scope["app"].state.pcf)
    return pinned


def pin_state(fields: dict[str, Any], live: AppState) -> AppState:
    """Pin the snapshot of the app's ``live`` state in a request's state ``fields`` (what
    :func:`app_state` returns for the request from then on)."""
    # ``dataclasses.replace(live)``, without its introspection of the fields
    pinned = AppState(live.runtime, live.release)
    fields["pcf_snapshot"] = pinned
    return pinned
