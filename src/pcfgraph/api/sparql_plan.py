"""How a ``/sparql`` query is answered, decided before it runs (:func:`plan_query`): the
guard's verdict, the negotiated media type, the evaluation's payload, the response cache and
ETag; and the plans of repeated ``GET`` requests kept (:class:`GetPlans`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request, Response
from starlette.types import Scope

from pcfgraph.api.sparql_cache import (
    CachedAnswer,
    CacheKey,
    CheckedText,
    CheckedTexts,
    ResponseCache,
    cache_key,
    deterministic,
    etag_for,
)
from pcfgraph.api.sparql_request import (
    PAIRS_KEPT_BYTES,
    form_params,
    header,
    many_params,
    one_param,
)
from pcfgraph.api.sparql_service import service_iri
from pcfgraph.conneg import negotiate
from pcfgraph.errors import Forbidden, InputError, StoreError
from pcfgraph.http.conditional import RecentlyUsed, matches
from pcfgraph.http.licence import LINK
from pcfgraph.runtime import AppState
from pcfgraph.sparql_guard import check_query_within
from pcfgraph.sparql_results import offers_for
from pcfgraph.store import GraphStore

if TYPE_CHECKING:
    from pcfgraph.sandbox.pool import WorkerPool


def query_store(state: AppState) -> GraphStore:
    """The store trusted reads use: the remote one with ``--store``, else the embedded one."""
    return state.query_store


def known_graphs(state: AppState) -> frozenset[str]:
    """Graph names of the served release (cached per release)."""
    return state.known_graphs()


def get_query(scope: Scope) -> tuple[str, list[tuple[str, str]]] | None:
    """The query text and the parameters of a ``GET /sparql`` (None: no ``query``, the
    service description); an ``update`` parameter is refused."""
    params = form_params(scope.get("query_string", b""), "the query string")
    if one_param(params, "update") is not None:
        raise Forbidden(
            "this endpoint is read-only: SPARQL updates are refused", code="update-forbidden"
        )
    query = one_param(params, "query")
    return None if query is None else (query, params)


@dataclass(slots=True)
class QueryPlan:
    """How one checked ``/sparql`` query is answered (:func:`plan_query`): already
    (``response``: a cached answer or 304), or from ``payload`` evaluated on ``pool``'s
    release (None: on the remote store), its answer kept under ``key`` (None: not cacheable)."""

    payload: dict[str, Any]
    pool: WorkerPool | None = None
    response: Response | None = None
    key: CacheKey | None = None
    etag: str | None = None
    cache: ResponseCache | None = None
    hit: bool = False
    conditional: bool = False

    def counted(self) -> None:
        """The cache lookup counted (once the plan is used: see ``ResponseCache.peek``)."""
        if self.cache is not None and self.key is not None:
            self.cache.record(self.key, self.hit)

    def answered(self, result: dict[str, Any]) -> Response:
        """The response of the evaluated answer, kept in the cache when cacheable."""
        if self.key is None or self.etag is None:
            return answer_response(result["body"], result["content_type"])
        body, content_type, etag = result["body"], result["content_type"], self.etag
        cache, pool = self.cache, self.pool
        if cache is not None and pool is not None and pool.release_id == self.key[0]:
            # only if the data did not change while it ran
            cache.put(self.key, CachedAnswer(body, content_type, etag))
        return answer_response(body, content_type, etag if self.conditional else None)


def plan_query(
    request: Request, state: AppState, query: str, params: list[tuple[str, str]]
) -> QueryPlan:
    """Everything before the evaluation of a ``/sparql`` query, without waiting: the guard's
    verdict (raises for a refused query), the negotiated media type (406), the payload of the
    evaluation, and the cache (a kept answer, or 304 for the client's copy)."""
    settings = state.settings
    default_graphs = many_params(params, "default-graph-uri")
    named_graphs = many_params(params, "named-graph-uri")
    query = query.removeprefix("\ufeff")  # a query file saved with a byte order mark
    if not query.strip():
        raise InputError("the query is empty", code="missing-query")
    checked = checked_text(state, query, default_graphs, named_graphs)
    scope = request.scope
    media = negotiate(
        header(scope, b"accept"), offers_for(checked.form), what=f"a {checked.form} query"
    )
    payload: dict[str, Any] = {
        "query": query,
        "media_type": media,
        "max_rows": settings.max_result_rows,
        "has_dataset_clause": checked.has_dataset_clause,
        # Relative IRIs in a query resolve against the service URL (as other servers do).
        "base_iri": service_iri(request, settings),
    }
    if default_graphs or named_graphs:
        payload["default_graphs"] = default_graphs
        payload["named_graphs"] = named_graphs
    if state.services.remote_store is not None:
        return QueryPlan(payload)
    pool = state.pool
    if pool is None:
        raise StoreError("the query sandbox is not running")
    release_id = pool.release_id
    if release_id is None or not checked.deterministic:
        return QueryPlan(payload, pool)
    key = cache_key(
        release_id,
        query,
        media,
        default_graphs,
        named_graphs,
        payload["base_iri"],
        settings.max_result_rows,
    )
    return _planned(state, scope, payload, pool, key)


def _planned(
    state: AppState,
    scope: Scope,
    payload: dict[str, Any],
    pool: WorkerPool,
    key: CacheKey,
    etag: str | None = None,
) -> QueryPlan:
    """The plan of a cacheable query: its kept answer, or 304 for the client's copy
    (``etag``: the key's, :func:`etag_for`, when known)."""
    cache = response_cache(state)
    answer = cache.peek(key) if cache is not None else None
    conditional = scope["method"] == "GET"
    # positional: a keyword call of the generated __init__ costs three times as much
    plan = QueryPlan(payload, pool, None, key, None, cache, answer is not None, conditional)
    given = header(scope, b"if-none-match") if conditional else None
    if answer is None:
        plan.etag = etag = etag or etag_for(key)
        if given and matches(given, etag):
            plan.response = not_modified(etag)
    elif given and matches(given, answer.etag):
        plan.response = not_modified(answer.etag)
    else:
        plan.response = answer_response(
            answer.body, answer.content_type, answer.etag if conditional else None
        )
    return plan


class AnswerResponse(Response):
    """A 200 answer whose header list is made directly (the same headers, in the same order,
    as ``Response(content=..., headers={...})`` would make: ``Content-Type``, ``Vary``, the
    optional ``ETag``, then ``Content-Length``), without the generic header handling."""

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = 200
        self.body = body
        self.background = None
        self.raw_headers = raw_headers


#: Every answer is made from the graph: it links the licences (:mod:`pcfgraph.http.licence`).
_LINK = (b"link", LINK.encode("latin-1"))


def answer_response(body: bytes, media_type: str, etag: str | None = None) -> Response:
    """The response of a query's answer (its ``Content-Type``, ``Vary: Accept``, the
    licences' ``Link``, the ETag of a cacheable GET)."""
    raw = [(b"content-type", media_type.encode("latin-1")), (b"vary", b"Accept"), _LINK]
    if etag is not None:
        raw.append((b"etag", etag.encode("latin-1")))
    raw.append((b"content-length", str(len(body)).encode("latin-1")))
    return AnswerResponse(body, raw)


def checked_text(
    state: AppState, query: str, default_graphs: list[str], named_graphs: list[str]
) -> CheckedText:
    """The guard's verdict on a query (:func:`pcfgraph.sparql_guard.check_query`: raises for
    a refused one), kept per text for the texts it accepted (:class:`CheckedTexts`)."""
    settings = state.settings
    known = known_graphs(state)
    key = (query, tuple(default_graphs), tuple(named_graphs), known)
    memo = state.caches.sparql_checks.get(CheckedTexts)
    assert isinstance(memo, CheckedTexts)
    found = memo.get(key)
    if found is not None:
        return found
    checked = check_query_within(settings, query, known, default_graphs, named_graphs)
    verdict = CheckedText(checked.form, checked.has_dataset_clause, deterministic(query))
    memo.put(key, verdict)
    return verdict


def response_cache(state: AppState) -> ResponseCache | None:
    """The app's cache of finished answers (None when ``sparql_cache_mb`` is 0)."""
    runtime = state.runtime
    size = runtime.settings.sparql_cache_mb * 1024 * 1024
    if size <= 0:
        return None
    cache = runtime.caches.sparql_answers.get(lambda: ResponseCache(size))
    assert isinstance(cache, ResponseCache)
    return cache


def not_modified(etag: str) -> Response:
    """304: the client's copy (``If-None-Match``) is the current answer."""
    return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})


#: The longest query string, ``Accept`` and ``Host`` whose ``GET`` plan is kept (as the
#: request parsing keeps pairs, :data:`~pcfgraph.api.sparql_request.PAIRS_KEPT_BYTES`,
#: conneg its Accept headers, and the service IRI its hosts).
KEPT_ACCEPT_CHARS = 512
KEPT_HOST_CHARS = 255

#: What a ``GET /sparql``'s plan depends on besides the app's fixed settings: the query
#: string, ``Accept``, the service URL's parts (``Host``, scheme, server, root path, path)
#: and the release the pool and the request's state serve. The headers as they came (bytes:
#: their text is their latin-1 decoding, one to one).
GetKey = tuple[bytes, bytes | None, bytes | None, str, Any, str, str, str]


@dataclass(frozen=True, slots=True)
class KeptPlan:
    """The request-independent part of a ``GET``'s plan: its payload, cache key and ETag."""

    payload: dict[str, Any]
    key: CacheKey | None
    etag: str | None


class GetPlans(RecentlyUsed[GetKey, KeptPlan]):
    """Plans of ``GET /sparql`` requests made before, by everything they depend on
    (:data:`GetKey`): a client asking the same query again gets the same parameters, guard
    verdict, media type, payload and cache key without parsing and deciding them again
    (about 4 us of a 70 us cheap lookup in this process). Only plans that were made are
    kept: a refused request (update, a bad parameter, the guard, 406) raises every time.
    What is per request stays per request: the response cache's lookup and ``If-None-Match``.
    Bounded in count, least recently used first out."""

    def __init__(self, entries: int = 256) -> None:
        super().__init__(entries)


def get_plan(request: Request, state: AppState) -> QueryPlan | None:
    """:func:`plan_query` of a ``GET /sparql`` (None: it has no ``query``: the service
    description), its request-independent part kept (:class:`GetPlans`)."""
    scope = request.scope
    runtime = state.runtime
    services = runtime.services
    pool = services.pool
    key = _get_key(scope, state, pool) if services.remote_store is None else None
    plans: GetPlans | None = None
    if key is not None:
        found = runtime.caches.sparql_plans.get(GetPlans)
        assert isinstance(found, GetPlans)
        plans = found
        kept = plans.get(key)
        if kept is not None and pool is not None:
            payload = dict(kept.payload)
            if kept.key is None:
                return QueryPlan(payload, pool)
            return _planned(state, scope, payload, pool, kept.key, kept.etag)
    asked = get_query(scope)
    if asked is None:
        return None
    plan = plan_query(request, state, *asked)
    if plans is not None and key is not None and plan.pool is not None:
        etag = etag_for(plan.key) if plan.key is not None else None
        plans.put(key, KeptPlan(dict(plan.payload), plan.key, etag))
    return plan


def _get_key(scope: Scope, state: AppState, pool: WorkerPool | None) -> GetKey | None:
    """The :data:`GetKey` of a ``GET`` answered from ``pool`` (the app's, without a remote
    store), or None: not kept (no pool yet, a reload between the pool and the request's
    state, a long query string or header)."""
    if pool is None:
        return None
    release_id = pool.release_id
    manifest = state.release.manifest
    served = manifest.get("release_id") if isinstance(manifest, dict) else None
    if release_id is None or not served or str(served) != release_id:
        return None
    query_string: bytes = scope.get("query_string", b"")
    accept = host = None  # the first of each, as header() reads them: one pass
    for name, value in scope["headers"]:
        if name == b"accept":
            if accept is None:
                accept = value
        elif name == b"host" and host is None:
            host = value
    if (
        len(query_string) > PAIRS_KEPT_BYTES
        or (accept is not None and len(accept) > KEPT_ACCEPT_CHARS)
        or (host is not None and len(host) > KEPT_HOST_CHARS)
    ):
        return None
    server = scope.get("server")
    return (
        query_string,
        accept,
        host,
        scope.get("scheme", "http"),
        tuple(server) if server else None,
        scope.get("root_path", ""),
        scope["path"],
        release_id,
    )


def get_plans(state: AppState) -> GetPlans:
    plans = state.caches.sparql_plans.get(GetPlans)
    assert isinstance(plans, GetPlans)
    return plans
