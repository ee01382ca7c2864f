"""``/sparql`` answered by the HTTP protocol itself, without an ASGI request cycle (issue 20).

Under uvicorn every request gets a ``RequestResponseCycle``, an asyncio task (its first step
on the next turn of the event loop), and its response passes as ASGI messages through each
middleware layer. Most ``/sparql`` answers are made without waiting for anything: a query the
in-process evaluator runs on the event loop (:mod:`pcfgraph.api.sparql_local`), a kept answer,
a 304, a refusal. For those, :class:`FastPath` makes the response in one synchronous call
from the protocol (:class:`pcfgraph.api.http_protocol.GuardedHttpToolsProtocol`), with the
same functions each layer calls per response, in the same order:

- the guard's head limits and security headers (:mod:`pcfgraph.api.http_guard`:
  :func:`head_refusal`'s limits, :func:`secured`);
- CORS (when ``cors_origins`` are set): Starlette's layer's own ``send``;
- the request id, metrics and access-log line (:mod:`pcfgraph.api.ops`: :func:`request_id_of`'s
  rule (:func:`request_id_given`),
  :func:`with_request_id`, :meth:`OpsMiddleware.finished`, the same instance's metrics);
- the route set as routing sets it and the endpoint's own work up to the evaluation, then the
  evaluation on the event loop (:func:`pcfgraph.api.sparql.sparql_get_now` and
  :func:`~pcfgraph.api.sparql.sparql_post_now`: the same parameter and body rules,
  :func:`~pcfgraph.api.sparql_plan.get_plan` or :func:`~pcfgraph.api.sparql_plan.plan_query`
  and :func:`evaluate_now` as :func:`sparql_get` and :func:`sparql_post`);
  errors answered by the app's own exception handlers (:meth:`SparqlFastPath.handled_now`).

Anything else is handed on, before anything a client or ``/metrics`` could see was done, and
goes the ASGI way: another path or method (``HEAD``, ``OPTIONS``), a ``GET`` with a body or
a ``POST`` whose body is larger or not sized (the protocol's rule), ``X-Forwarded-*``
(the proxy headers, http.forwarded), a body over ``max_body_bytes`` (413), a query that needs a
thread or a sandbox worker, a remote store, a response that is not a plain one, an
unexpected error (the ASGI way answers it with its 500), and every app whose layers are not
exactly the known ones (:meth:`FastPath.of`: another middleware, OpenTelemetry, a
``root_path``, a body limit). ``Settings.http_fast_path`` turns it off.

A request answered by evaluating its query in process (no response cache on the way: it is
off, or the query is not cacheable) is kept by its exact bytes (:class:`Kept`): the same
bytes again, while the same release and pool serve, skip everything that depends on them
alone (the header checks, the scopes, the plan: parameters, guard verdict, media type,
ETag) and go straight to the evaluation (every time: not a cache of answers), then the
same layers' functions, metrics and access line (a cheap lookup's server CPU in process:
``ASK {}`` 35 -> 27 us).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Scope

from pcfgraph.api.http_guard import HttpGuardMiddleware, check_request, secured
from pcfgraph.api.http_head import Head, Pairs, around_id, split_head
from pcfgraph.api.ops import (
    AccessLog,
    OpsMiddleware,
    access_log,
    client_request_id,
    new_request_id,
    request_id_given,
    request_id_var,
    route_template,
    with_request_id,
)
from pcfgraph.api.sparql import (
    SparqlFastPath,
    local_evaluator,
    sparql_get_now,
    sparql_post_now,
)
from pcfgraph.api.sparql_plan import AnswerResponse, QueryPlan, answer_response
from pcfgraph.runtime import AppState, pin_state
from pcfgraph.sparql_results import query_kwargs

if TYPE_CHECKING:
    from pcfgraph.api.sparql_local import LocalEvaluator
    from pcfgraph.sandbox.pool import WorkerPool

log = logging.getLogger("pcfgraph.http")

#: Request headers that hand a request on to the ASGI app (see the module doc).
#: ``X-Forwarded-Host`` too: from a trusted proxy it is the request's ``Host``, the base of
#: its query's IRIs (:mod:`pcfgraph.http.forwarded`), which this path does not read.
HANDED_ON = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})

#: ``deliver(status, head, body)``: the protocol writes the response, or says it cannot
#: (False: nothing was written).
Deliver = Callable[[int, Head, bytes], bool]

#: A request as the fast path answered it: its method, query string, header fields (as they
#: came, in order), body, scheme and server address (everything of its scope the answer
#: depends on; its path is ``/sparql``, its HTTP version 1.1).
RequestKey = tuple[str, bytes, Pairs, bytes, Any, Any]

#: What the debug line of an answer adds when its request's read was not parsed
#: (:meth:`FastPath.respond`'s ``unparsed``).
UNPARSED = ", its read unparsed"

#: Requests whose answer's making is kept (:class:`Kept`), least recently kept out first, and
#: the longest one kept (its query string, header fields and body, in bytes).
KEPT_REQUESTS = 256
KEPT_REQUEST_BYTES = 8192


#: What the kept requests were planned on: the live release and the sandbox pool (weakly: a
#: kept entry never keeps either alive) and the release the pool serves.
Marks = tuple["weakref.ref[Any]", "weakref.ref[WorkerPool]", str]


class Kept(NamedTuple):
    """What answering a request again needs besides evaluating its query, for a request
    answered by evaluating its query in process (a query's answer, no cache: its plan's
    ``response`` and ``cache`` None): everything :func:`sparql_get_now` (or
    :func:`sparql_post_now`) and the layers worked out from the request's bytes and the
    release, which are the same for the same bytes on the same release (its plan, guard
    verdict and media type: the payload; the answer's ETag; the client's request id; the
    route the metrics and the access line count). The query is evaluated every time
    (:func:`evaluate_now`, as :func:`~pcfgraph.api.sparql.answer_now`): this is not a cache
    of answers."""

    #: The client's request id the answer carries (None: a fresh one each time).
    rid: str | None
    payload: dict[str, Any]
    #: The answer's ``ETag`` (:meth:`QueryPlan.answered`'s).
    etag: str | None
    #: What :meth:`OpsMiddleware.finished` reads of a 200's request: method, path, route.
    finished: Scope
    #: Its query's text (the payload's: the evaluator's bound is looked up by it) and the
    #: keyword arguments of its evaluation (:func:`query_kwargs` of the payload).
    query: str
    kwargs: dict[str, Any]
    #: The route's template the metrics and the access line count, and the access line's
    #: message up to its status (``"GET /sparql "``: :attr:`AccessLog.HEAD`).
    route: str
    line_head: str
    #: Made once and used again (:meth:`FastPath._again`): ``[answer headers, observer]``,
    #: the answer's headers around its request id for the last (content type, length), and
    #: the metrics' observer of its 200s.
    made: list[Any]
    #: What it was planned on (:data:`Marks`: the same object while it may be used).
    marks: Marks


def _framework_layers() -> tuple[type, ...]:
    """FastAPI's own layers outside the user middlewares, which pass a request without a body
    through untouched when telemetry is off and there is no body limit; empty when the
    installed FastAPI has others (then there is no fast path: :meth:`FastPath.of`)."""
    try:
        from fastapi._body_limit import AppBodyLimitMiddleware
        from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
    except ImportError:  # pragma: no cover - another FastAPI than the pinned one
        return ()
    return (ServerErrorMiddleware, ExceptionTelemetryMiddleware, AppBodyLimitMiddleware)


class FastPath:
    """The synchronous answer of ``GET``/``POST /sparql`` for one app (see the module doc)."""

    def __init__(
        self,
        app: FastAPI,
        guard: HttpGuardMiddleware,
        ops: OpsMiddleware,
        sparql: SparqlFastPath,
        cors: CORSMiddleware | None = None,
    ) -> None:
        self.app = app
        #: The app's live state (set once when the app is made; a reload replaces its release)
        self.live: AppState = app.state.pcf
        self.guard = guard
        self.ops = ops
        self.sparql = sparql
        self.cors = cors
        #: Requests answered before, by their bytes (:class:`Kept`), all planned on ``_marks``.
        self._kept: dict[RequestKey, Kept] = {}
        self._marks: Marks | None = None

    @classmethod
    def of(cls, served: Any) -> FastPath | None:
        """The fast path of ``served`` (uvicorn's loaded app: the pcfgraph app, maybe inside
        the start-up report and uvicorn's proxy-headers layers), or None: turned off, or a layer it does not know of
        (it answers only what the known layers would answer the same way). Known only once
        the app built its middleware stack (its first request)."""
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        from pcfgraph.http.startup_failure import StartupReport

        app = served
        while isinstance(app, (StartupReport, ProxyHeadersMiddleware)):  # in either order
            app = app.app  # the report hands every request on unchanged
        if not isinstance(app, FastAPI) or app.root_path:
            return None
        state = getattr(app.state, "pcf", None)  # another app under pcfgraph's protocol
        if state is None:
            return None
        settings = state.settings
        if not settings.http_fast_path or settings.opentelemetry:
            return None
        if getattr(app, "max_body_size", None) is not None:
            return None
        layer: Any = app.middleware_stack
        framework = _framework_layers()
        for expected in framework:
            if type(layer) is not expected:
                return None
            layer = cast(Any, layer).app
        if not framework or type(layer) is not HttpGuardMiddleware:
            return None
        guard, layer = layer, layer.app
        cors = None
        if type(layer) is CORSMiddleware:  # its headers are added (_through_cors)
            cors, layer = layer, layer.app
        if type(layer) is not OpsMiddleware:
            return None
        ops, layer = layer, layer.app
        if type(layer) is not SparqlFastPath:
            return None
        return cls(app, guard, ops, layer, cors)

    def respond(
        self,
        request_scope: Scope,
        body: bytes,
        deliver: Deliver,
        others: Callable[[], bool] | None = None,
        connection: object = None,
        unparsed: Kept | None = None,
    ) -> bool:
        """Answer the request of ``request_scope`` (uvicorn's scope of a complete ``GET`` or
        ``POST /sparql``, not changed; ``body``: its whole body) through ``deliver`` now;
        False: nothing was done that the ASGI way would not do again, the request goes that
        way. A request answered before by evaluating its query is answered again from what
        was kept of it (:meth:`_again`) while the release and pool it was planned on serve.
        ``others()``: whether the protocol sees other requests in flight in this process
        (None: not known, no idle mark: :meth:`LocalEvaluator.idle`); ``connection``: the
        request's (the protocol). ``unparsed``: what was kept of this request (:meth:`kept_for`)
        when the protocol did not parse its read, the same bytes as a request's it answered
        here before on the connection (:data:`UNPARSED`): answered from it while what it was
        planned on serves (nothing done, False, otherwise)."""
        local = local_evaluator(self.live) if others is not None else None
        if local is None:
            return self._respond(request_scope, body, deliver, None, unparsed)
        local.fast_request(others, connection)
        try:
            return self._respond(request_scope, body, deliver, local, unparsed)
        finally:
            local.fast_request(None)

    def _respond(
        self,
        request_scope: Scope,
        body: bytes,
        deliver: Deliver,
        local: LocalEvaluator | None,
        unparsed: Kept | None = None,
    ) -> bool:
        if unparsed is not None:
            pool = self._kept_pool()
            if pool is None or unparsed.marks is not self._marks:
                return False
            return self._again(unparsed, pool, request_scope, deliver, local, True)
        headers = request_scope["headers"]
        key = _request_key(request_scope, body)
        kept = self._kept.get(key)
        if kept is not None:
            pool = self._kept_pool()
            if pool is not None:
                return self._again(kept, pool, request_scope, deliver, local)
        # one pass: the headers that hand it on, the head's size as the guard counts it
        # (head_refusal) and the client's request id (request_id_of: the first)
        size = 4 * len(headers)
        given = None
        for name, value in headers:
            if name in HANDED_ON:
                return False
            if name == b"x-request-id" and given is None:
                given = value
            size += len(name) + len(value)
        target = len(request_scope.get("raw_path") or request_scope["path"].encode()) + len(
            request_scope.get("query_string", b"")
        )
        if check_request(target, size, len(headers), self.guard.settings) is not None:
            return False  # the guard's 414/431 (the protocol refuses these while parsing)
        started = time.perf_counter()
        scope = self._scope(request_scope)
        rid = request_id_given(scope, given)
        token = request_id_var.set(rid)
        try:
            answer = self._answer(scope, rid, body, key)
            if answer is None or not deliver(*answer):
                return False
            status = answer[0]
            # answered within this call: never in flight for a scrape on the event loop
            self.ops.finished(scope, status, started, False, False)  # failed, in_flight: no
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "answered on the protocol's fast path: %s /sparql %d", scope["method"], status
                )
            return True
        finally:
            request_id_var.reset(token)

    def kept_for(self, request_scope: Scope, body: bytes) -> Kept | None:
        """What is kept of the request of ``request_scope`` and ``body`` to answer it again
        (None: nothing, or planned on what no longer serves)."""
        kept = self._kept.get(_request_key(request_scope, body))
        if kept is None or self._kept_pool() is None or kept.marks is not self._marks:
            return None
        return kept

    def _scope(self, request_scope: Scope) -> Scope:
        """The scope the app's layers see (uvicorn's is left as it is, for the ASGI way)."""
        scope = {**request_scope, "state": dict(request_scope["state"]), "app": self.app}
        pin_state(scope["state"], self.live)  # as app_state(request) would, without app.state
        return scope

    def _answer(
        self, scope: Scope, rid: str, body: bytes, key: RequestKey
    ) -> tuple[int, Head, bytes] | None:
        """Status, headers and body of the response, as the layers pass it to uvicorn: the
        endpoint's (:func:`sparql_get_now` or :func:`sparql_post_now`, or the app's handler
        of its error), then the
        request id's layer, CORS, the guard's security headers."""
        try:
            if self.sparql.target(scope) is None:
                return None
            request = Request(scope, _no_body)
            plan = None
            try:
                if scope["method"] == "GET":
                    response, plan = sparql_get_now(request)
                else:
                    response, plan = sparql_post_now(request, body)
            except Exception as exc:
                response = SparqlFastPath.handled_now(request, exc)
            answer = self._made(scope, rid, response)
            if answer is not None and plan is not None and type(response) is AnswerResponse:
                self._keep(key, scope, plan)
            return answer
        except Exception:  # a bug on this path: the ASGI way answers it (and logs its 500)
            log.debug("the fast path handed a request on after an error", exc_info=True)
            return None

    def _made(
        self, scope: Scope, rid: str, response: Response | None
    ) -> tuple[int, Head, bytes] | None:
        """The endpoint's ``response`` as the request id's layer, CORS and the guard's
        security headers pass it on (None: not a plain response, the ASGI way answers)."""
        if response is None or not _plain(response) or not isinstance(response.body, bytes):
            return None
        status = response.status_code
        if self.cors is None and type(response) is AnswerResponse:
            # with_request_id then secured (an answer's own headers have no request id)
            before, after = around_id(tuple(response.raw_headers))
            return status, Head(before, rid.encode("latin-1"), after), response.body
        headers = with_request_id(response.raw_headers, rid)
        if self.cors is not None:
            headers = _through_cors(self.cors, scope, status, headers)
        return status, split_head(secured(headers)), response.body

    # --- requests answered before -----------------------------------------------------------

    def _keep(self, key: RequestKey, scope: Scope, plan: QueryPlan) -> None:
        """Keep what answering the request of ``key`` again needs (:class:`Kept`), when its
        answer was its query evaluated in process (``plan``'s answer: no response made
        before the evaluation, no cache) and the request is short."""
        pool = plan.pool
        if plan.response is not None or pool is None or plan.cache is not None:
            return
        if pool.release_id is None or scope["state"]["pcf_snapshot"].release is not (
            self.live.release
        ):
            return
        size = len(key[1]) + len(key[3]) + sum(len(n) + len(v) for n, v in key[2])
        if size > KEPT_REQUEST_BYTES:
            return
        marks = self._marks
        if marks is None or self._kept_pool() is not pool:  # none kept yet, or another release
            self._kept.clear()
            marks = (weakref.ref(self.live.release), weakref.ref(pool), pool.release_id)
            self._marks = marks
        given = next((value for name, value in key[2] if name == b"x-request-id"), None)
        etag = plan.etag if plan.key is not None and plan.conditional else None
        method, path = scope["method"], scope["path"]
        finished = {"method": method, "path": path, "route": scope["route"], "state": {}}
        kept = self._kept
        if len(kept) >= KEPT_REQUESTS:
            del kept[next(iter(kept))]
        kept[key] = Kept(
            client_request_id(given),
            plan.payload,
            etag,
            finished,
            plan.payload["query"],
            query_kwargs(plan.payload),
            route_template(finished),
            AccessLog.HEAD % (method, path),
            [None, None],
            marks,
        )

    def _kept_pool(self) -> WorkerPool | None:
        """The pool the kept requests were planned with, if it and the release they were
        planned on still serve; else None, and nothing is kept any more (a reload)."""
        marks = self._marks
        if marks is not None:
            release, pool_ref, release_id = marks
            pool = pool_ref()
            if (
                release() is self.live.release
                and pool is not None
                and pool is self.live.runtime.services.pool
                and pool.release_id == release_id
            ):
                return pool
            self._kept.clear()
            self._marks = None
        return None

    def _again(
        self,
        kept: Kept,
        pool: WorkerPool,
        request_scope: Scope,
        deliver: Deliver,
        local: LocalEvaluator | None,
        unparsed: bool = False,
    ) -> bool:
        """:meth:`respond` for a request answered before (:meth:`_keep`): its query evaluated
        again (:meth:`_evaluated`: :func:`evaluate_now`'s steps), the answer made and passed
        on as :meth:`_answer` makes it (its headers around the request id made once per
        content type and length); an error of the evaluation is answered by the app's handler
        as there. Its metrics and access line as :meth:`OpsMiddleware.finished` counts and
        writes a 200 of its route, from what was kept."""
        started = time.perf_counter()
        rid = kept.rid or new_request_id()
        token = request_id_var.set(rid)
        try:
            scope = kept.finished
            try:
                try:
                    result = self._evaluated(kept, pool, local)
                except Exception as exc:
                    scope = self._scope(request_scope)  # as _answer's, for the handler
                    scope["state"]["request_id"] = rid
                    self.sparql.target(scope)
                    response = SparqlFastPath.handled_now(Request(scope, _no_body), exc)
                    answer = self._made(request_scope, rid, response)
                else:
                    if result is None:
                        return False
                    answer = self._answered(kept, request_scope, rid, result)
            except Exception:  # as in _answer
                log.debug("the fast path handed a request on after an error", exc_info=True)
                return False
            if answer is None or not deliver(*answer):
                return False
            status = answer[0]
            if scope is kept.finished and status == 200:
                self._counted(kept, started, rid, request_scope)
            else:  # the kept scope is no client's: the request's is named
                self.ops.finished(scope, status, started, False, False, request_scope.get("client"))
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "answered on the protocol's fast path%s: %s /sparql %d",
                    UNPARSED if unparsed else "",
                    request_scope["method"],
                    status,
                )
            return True
        finally:
            request_id_var.reset(token)

    def _evaluated(
        self, kept: Kept, pool: WorkerPool, local: LocalEvaluator | None
    ) -> dict[str, Any] | None:
        """:func:`evaluate_now` of the kept payload, with what :meth:`_kept_pool` checked
        (the release it was planned on serves, and the pool serves that release: the
        release's id is the pool's): the evaluator, the query's bound (looked up again: a
        fall back to the worker forgets it), whether it runs here, its evaluation."""
        state = self.live
        if local is None:
            local = local_evaluator(state)
        if local is None:
            return None
        release = state.release
        store = release.store
        payload = kept.payload
        release_id = pool.release_id
        if not release_id:
            return None
        work = local.bound(release_id, store, kept.query, release)
        if work is None or not local.runs_inline(store, payload, work):
            return None
        return local.run_inline(store, payload, work, state.settings.query_timeout, kept.kwargs)

    def _answered(
        self, kept: Kept, request_scope: Scope, rid: str, result: dict[str, Any]
    ) -> tuple[int, Head, bytes] | None:
        """The answer of ``result`` (:func:`answer_response` with the kept ETag, passed on
        as :meth:`_made` passes it); without CORS, its headers around the request id are
        those of the last answer of the same content type and length (the same headers)."""
        body, media_type = result["body"], result["content_type"]
        if self.cors is not None or type(body) is not bytes:
            response = answer_response(body, media_type, kept.etag)
            return self._made(request_scope, rid, response)
        made = kept.made
        head = made[0]
        if head is None or head[0] != media_type or head[1] != len(body):
            raw = answer_response(body, media_type, kept.etag).raw_headers
            head = made[0] = (media_type, len(body), *around_id(tuple(raw)))
        return 200, Head(head[2], rid.encode("latin-1"), head[3]), body

    def _counted(self, kept: Kept, started: float, rid: str, request_scope: Scope) -> None:
        """:meth:`OpsMiddleware.finished` of a 200 answered again (never in flight for a
        scrape, no problem code): its metrics (the observer kept) and access line (naming
        ``request_scope``'s client: the kept scope is no client's)."""
        seconds = time.perf_counter() - started
        made = kept.made
        observer = made[1]
        if observer is None:
            observer = made[1] = self.ops.metrics.observer(kept.route, kept.finished["method"], 200)
        observer.observe(seconds)
        if access_log.isEnabledFor(logging.INFO):
            self.ops.access_log.write_again(
                kept.finished,
                kept.route,
                200,
                seconds,
                rid,
                kept.line_head,
                request_scope.get("client"),
            )


def _request_key(request_scope: Scope, body: bytes) -> RequestKey:
    """The request as :class:`Kept` entries are found by (:data:`RequestKey`)."""
    return (
        request_scope["method"],
        request_scope.get("query_string", b""),
        tuple(request_scope["headers"]),
        body,
        request_scope.get("scheme"),
        request_scope.get("server"),
    )


def _through_cors(
    cors: CORSMiddleware, scope: Scope, status: int, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The response's headers as the CORS layer passes them on (its own ``send``, which
    never waits: ``Vary: Origin``, the allowed origin's headers)."""
    passed: list[Message] = []

    async def keep(message: Message) -> None:
        passed.append(message)

    start: Message = {"type": "http.response.start", "status": status, "headers": headers}
    made = cors.send(start, send=keep, request_headers=Headers(scope=scope))
    try:
        made.send(None)
    except StopIteration:
        return list(passed[0]["headers"])
    made.close()
    raise RuntimeError("the CORS layer waited")


def _plain(response: Response) -> bool:
    """A response whose ASGI call sends its headers and body as they are (no stream, file or
    background task)."""
    return type(response).__call__ is Response.__call__ and response.background is None


async def _no_body() -> Message:
    """The ``receive`` of the request (never called: the body is passed whole)."""
    return {"type": "http.request", "body": b"", "more_body": False}
