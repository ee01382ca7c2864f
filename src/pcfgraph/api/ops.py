"""Operations: ``/metrics`` (Prometheus text), ``POST /admin/reload``, request metrics and logs.

- :class:`OpsMiddleware` (pure ASGI) sets the request id (``X-Request-ID``), times every
  request and counts it by *route template*
  (``/queries/{name}``, never the raw path, so label cardinality stays bounded), method and
  status; problem responses are also counted by their ``code`` (timeouts, admission
  rejections and worker crashes are codes). It writes one access-log line per request
  (they leave in batches: ``Settings.access_log_flush_ms``, :class:`LineHandler`).
  A request whose task the server's stop cancels before its answer began (uvicorn, past its
  graceful stop's bound) is answered 503 ``server-stopping`` with ``Retry-After``
  (:func:`answer_cut_short`), not uvicorn's plain-text 500.
- ``/metrics`` renders those plus the release in service, reloads and whatever the sandbox pool
  reports through ``stats()`` (see :func:`_pool_stats`).
- ``POST /admin/reload`` exists only when ``Settings.admin_token`` is set (otherwise the path is
  a plain 404 and absent from the OpenAPI description); it needs ``Authorization: Bearer
  <token>`` and answers 403 ``forbidden`` without it.
- :func:`configure_logging` (:mod:`pcfgraph.log_lines`, re-exported): text or JSON lines
  (``Settings.log_format``); every record made while a request runs carries its ``request_id``.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import os
import random
import threading
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pcfgraph.api.errors import problem, refusal
from pcfgraph.api.metrics import PROMETHEUS_TEXT, Metrics, count_refused
from pcfgraph.config import Settings
from pcfgraph.errors import Forbidden, ServerStopping
from pcfgraph.log_lines import TEXT_FORMAT as TEXT_FORMAT
from pcfgraph.log_lines import LineHandler as LineHandler
from pcfgraph.log_lines import RequestIdFilter as RequestIdFilter
from pcfgraph.log_lines import TextFormatter as TextFormatter
from pcfgraph.log_lines import configure_logging as configure_logging
from pcfgraph.log_lines import request_id_var as request_id_var
from pcfgraph.release_reload import ReleaseManager, sighup_reloads
from pcfgraph.runtime import AppState
from pcfgraph.terminal_text import one_line

access_log = logging.getLogger("pcfgraph.access")
stop_log = logging.getLogger("pcfgraph.api")

UNMATCHED = "<unmatched>"

#: Fresh request ids come from here: ``os.urandom`` is a system call per request (a request id
#: correlates log lines, it guards nothing). Seeded from the OS, again in a forked child.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


class _Process:
    """This process's id, kept (``os.getpid`` is a system call; the access log's template
    is per process) and set again in a forked child."""

    pid = os.getpid()

    @classmethod
    def forked(cls) -> None:
        cls.pid = os.getpid()


os.register_at_fork(after_in_child=_Process.forked)


def new_request_id() -> str:
    """16 random hex digits (as ``uuid4().hex[:16]`` gave)."""
    return f"{_ids.getrandbits(64):016x}"


# --- middleware -----------------------------------------------------------------------------


class OpsMiddleware:
    """Request id, metrics and the access log for each HTTP request (one pure-ASGI layer).

    - ``request.state.request_id`` and the ``X-Request-ID`` response header: the client's
      ``X-Request-ID`` is kept when it is alphanumeric and at most 64 characters; otherwise a
      fresh id is made. Everything inside (problem bodies, logs) sees the id.
    - Counts and times the request by route template; one access-log line each.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = AccessLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id_of(scope)
        token = request_id_var.set(rid)
        status = 0  # until its answer begins
        self.metrics.begin()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = with_request_id(message.get("headers", ()), rid)
            await send(message)

        failed = False
        try:
            try:
                await self.app(scope, receive, send_wrapper)
            except asyncio.CancelledError:
                if status:
                    raise  # its answer began: nothing else can be sent
                await answer_cut_short(scope, receive, send_wrapper)
        except BaseException:
            failed = True
            raise
        finally:
            self.finished(scope, status or 500, started, failed)
            request_id_var.reset(token)

    def finished(
        self,
        scope: Scope,
        status: int,
        started: float,
        failed: bool = False,
        in_flight: bool = True,
        client: Any = None,
    ) -> None:
        """A request's metrics and access-log line (``in_flight``: its ``metrics.begin()``
        counted it in flight; ``client``: the request's, when ``scope`` is not the request's
        own): every HTTP request, through this layer or the protocol's fast path."""
        seconds = time.perf_counter() - started
        route = route_template(scope)
        code = scope["state"].get("problem_code") if status >= 400 else None
        if failed and not code:
            status, code = 500, "internal-error"
        method = scope.get("method", "")
        self.metrics.observe(route, method, status, seconds, code, in_flight)
        if access_log.isEnabledFor(logging.INFO):
            self.access_log.write(scope, route, status, seconds, code, method, client)


async def answer_cut_short(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a request whose task the server's stop cancelled before its answer began
    (uvicorn cancels the requests still running when its graceful stop's bound passes): 503
    ``server-stopping`` with ``Retry-After``, in the body form of the request's endpoint
    (problem+json, or what it chose: ``/mcp``'s JSON-RPC), and one warning line, no trace.
    The task then ends answered, not with uvicorn's plain-text 500 and its trace."""
    response = refusal(Request(scope), ServerStopping())
    stop_log.warning(
        "request %s: %s %s was cut short by the server's stop: %d",
        scope["state"]["request_id"],
        scope.get("method", ""),
        scope.get("path", ""),
        response.status_code,
    )
    await response(scope, receive, send)


def request_id_of(scope: Scope) -> str:
    """The request's id, also set as ``scope["state"]["request_id"]``: the client's
    ``X-Request-ID`` when alphanumeric and at most 64 characters, else a fresh one."""
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            return request_id_given(scope, value)
    return request_id_given(scope, None)


def request_id_given(scope: Scope, given: bytes | None) -> str:
    """:func:`request_id_of` a request whose first ``X-Request-ID`` is ``given`` (None: it
    has none), read with the other headers (the protocol's fast path)."""
    rid = client_request_id(given) or new_request_id()
    state = scope.get("state")
    if state is None:
        state = scope["state"] = {}
    state["request_id"] = rid
    return rid


#: Taken out before the check of a client's request id: the separators of the ids proxies
#: make (a UUID, ``9f1c2b7e-3d4a-...``: Envoy, Istio, Heroku), which are not alphanumeric.
_ID_SEPARATORS = str.maketrans("", "", "-_.")


def client_request_id(given: bytes | None) -> str | None:
    """The client's ``X-Request-ID`` (``given``: its first) when it is kept as the request's
    id: ASCII letters and digits, with ``-``, ``_`` or ``.`` between them, at most 64
    characters (a proxy's id, so its log and pcfgraph's name a request alike); None: a
    fresh one is made."""
    rid = given.decode("latin-1") if given is not None else ""
    ok = len(rid) <= 64 and rid.isascii() and rid[:1].isalnum()
    return rid if ok and rid.translate(_ID_SEPARATORS).isalnum() else None


def with_request_id(headers: Iterable[tuple[bytes, bytes]], rid: str) -> list[tuple[bytes, bytes]]:
    """A response's headers with its ``X-Request-ID`` (the request's id, replacing any the
    route set)."""
    kept = [h for h in headers if h[0].lower() != b"x-request-id"]
    kept.append((b"x-request-id", rid.encode("latin-1")))
    return kept


class AccessLog:
    """Writes the access-log record of each request to ``pcfgraph.access``.

    The record is made directly: ``Logger.info`` would first walk the stack for the caller's
    file and line, which no formatter here shows. And it is a copy of a template kept per
    (process, thread): ``LogRecord.__init__`` looks up the thread, process and file names for
    every record (a third of an access line's cost), which are the same for every line one
    thread writes; only the time fields, the message arguments and the request fields are
    set per record, as ``Logger.makeRecord`` sets them.
    """

    #: The message: method and path (``HEAD``, a request answered again keeps it made), then
    #: status, milliseconds and the client's address (``TAIL``; ``-``: none known).
    HEAD = "%s %s "
    TAIL = "%s %.1f ms from %s"
    FORMAT = HEAD + TAIL

    def __init__(self) -> None:
        self._templates: dict[tuple[int, int], dict[str, Any]] = {}
        #: Python 3.12+ names the asyncio task in each record: no template there.
        self._per_task = hasattr(logging, "logAsyncioTasks")

    def write(
        self,
        scope: Scope,
        route: str,
        status: int,
        seconds: float,
        code: Any,
        method: str | None = None,
        client: Any = None,
    ) -> None:
        """The record of a request (``method``: ``scope``'s, when the caller read it;
        ``client``: the request's ``(host, port)``, when ``scope`` is not the request's)."""
        if method is None:
            method = scope.get("method", "")
        path = one_line(scope.get("path", ""))  # decoded: "%0a" is a line break, "%1b" ESC
        address = client_address(client or scope.get("client"))
        args = (method, path, status, seconds * 1000, address or "-")
        handler = _text_line_handler()
        if handler is not None and _written(handler, request_id_var.get(), self.FORMAT % args):
            return
        self._record_handled(args, route, seconds, code, address)

    def write_again(
        self,
        scope: Scope,
        route: str,
        status: int,
        seconds: float,
        rid: str,
        head: str,
        client: Any = None,
    ) -> None:
        """:meth:`write` of a request without a problem code whose id (``rid``) is set as
        :data:`request_id_var` and whose message's first part (``head``: method and path, as
        :attr:`HEAD` writes them) the caller kept, from ``client``: the same line or record."""
        address = client_address(client)
        handler = _text_line_handler()
        if handler is not None and _written(
            handler, rid, head + self.TAIL % (status, seconds * 1000, address or "-")
        ):
            return
        args = (scope["method"], one_line(scope["path"]), status, seconds * 1000, address or "-")
        self._record_handled(args, route, seconds, None, address)

    def _record_handled(
        self, args: tuple[Any, ...], route: str, seconds: float, code: Any, client: str | None
    ) -> None:
        """The access record of a request (``args``: :attr:`FORMAT`'s), handled by the
        logger (the library's way)."""
        method, path, status, _, _ = args
        if self._per_task:
            record = access_log.makeRecord(
                access_log.name, logging.INFO, __file__, 0, self.FORMAT, args, None
            )
        else:
            record = self._record(args)
        fields = record.__dict__
        fields["method"] = method
        fields["path"] = path
        fields["route"] = route
        fields["status"] = status
        fields["ms"] = round(seconds * 1000, 2)
        fields["code"] = code
        fields["client"] = client
        access_log.handle(record)

    def _record(self, args: tuple[Any, ...]) -> logging.LogRecord:
        key = (_Process.pid, threading.get_ident())
        template = self._templates.get(key)
        if template is None:
            made = access_log.makeRecord(
                access_log.name, logging.INFO, __file__, 0, self.FORMAT, (), None
            )
            template = dict(made.__dict__)
            if len(self._templates) >= 64:
                self._templates.clear()  # threads come and go; the next line makes its own
            self._templates[key] = template
        record = logging.LogRecord.__new__(logging.LogRecord)
        fields = record.__dict__
        fields.update(template)
        now = time.time()  # as LogRecord.__init__ (Python 3.11)
        fields["created"] = now
        fields["msecs"] = int((now - int(now)) * 1000) + 0.0
        fields["relativeCreated"] = (now - logging._startTime) * 1000  # type: ignore[attr-defined]
        fields["args"] = args
        return record


def client_address(client: Any) -> str | None:
    """The address of a request's ``client`` (its scope's ``(host, port)``: the peer's, or
    from a proxy of ``forwarded_allow_ips`` the one its ``X-Forwarded-For`` names,
    :mod:`pcfgraph.http.forwarded`), as the access log writes it; None: none known (a Unix
    socket), made visible (a forged ``X-Forwarded-For`` from a trusted proxy is its text)."""
    if not client:
        return None
    return one_line(str(client[0])) or None


def _written(handler: LineHandler, request_id: object, message: str) -> bool:
    """The line the line handler would write for an access record of ``message`` (the text
    of :class:`TextFormatter` for it, at this time, with the request's id), written directly;
    False: it could not be, the record goes the library's way, which reports the error."""
    formatter = handler.formatter
    assert isinstance(formatter, TextFormatter)
    line = formatter.line(
        time.time(), logging.getLevelName(logging.INFO), access_log.name, request_id, message
    )
    try:
        handler.write_access_line(line + handler.terminator)
        return True
    except Exception:
        return False


def _text_line_handler() -> LineHandler | None:
    """The handler an access record would reach if it is the only one, and it would write the
    record as a text line (:func:`configure_logging` with the text format, nothing else
    added): then the line can be written directly (:meth:`AccessLog.write`), without a record."""
    if access_log.disabled or access_log.handlers or access_log.filters or not access_log.propagate:
        return None
    parent = access_log.parent
    if parent is None or parent.propagate or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if type(handler) is not LineHandler or handler.level > logging.INFO:
        return None
    filters = handler.filters
    if len(filters) != 1 or type(filters[0]) is not RequestIdFilter:
        return None
    formatter = handler.formatter
    if type(formatter) is not TextFormatter or formatter.datefmt or formatter._fmt != TEXT_FORMAT:
        return None
    return handler


#: The longest path (with its query) an access line of a refused request head shows.
REFUSED_PATH_CHARS = 200


@functools.cache
def _refusals() -> AccessLog:
    """The access log of refused request heads, made at the first refusal (none at import)."""
    return AccessLog()


def log_refused(client: Any, method: str, target: str, status: int, code: str, rid: str) -> None:
    """The access line of a request refused before the app saw it (414, 431, a malformed
    request's 400: :func:`pcfgraph.api.http_guard.problem_response`, from the HTTP protocol
    or the guard), under the id its answer names: a client quoting it found nothing in the
    log. ``target``: what was read of the path and query, cut at
    :data:`REFUSED_PATH_CHARS` (a refused URL is long). Counted in /metrics too
    (``pcfgraph_http_refused_total``), with the access log on or off."""
    count_refused(status, code)
    if not access_log.isEnabledFor(logging.INFO):
        return
    if len(target) > REFUSED_PATH_CHARS:
        target = target[:REFUSED_PATH_CHARS] + "..."
    token = request_id_var.set(rid)
    try:
        scope = {"method": method or "-", "path": target, "client": client}
        _refusals().write(scope, UNMATCHED, status, 0.0, code)
    finally:
        request_id_var.reset(token)


def route_template(scope: Scope) -> str:
    """The template of the request's route (metrics' and access lines' label)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    return UNMATCHED


# --- routes ---------------------------------------------------------------------------------


def _admin_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["operations"])
    token = settings.admin_token or ""

    @router.post(
        "/admin/reload",
        summary="Build and verify a candidate release, then switch to it",
        description=(
            "Needs `Authorization: Bearer <admin token>`. 200 with the new release id, or a "
            "problem (422 `bad-release`) naming why the candidate was refused; the old release "
            "keeps serving. 503 while another reload runs. With several server processes it "
            "answers for the server: 200 once every process serves the new release, else 503 "
            "`release-mismatch` naming each release and its process count "
            "(`reload_wait_seconds`)."
        ),
        responses={403: {"description": "No or wrong bearer token"}},
    )
    async def reload_release(request: Request) -> JSONResponse:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise Forbidden("POST /admin/reload needs 'Authorization: Bearer <admin token>'")
        manager = request.app.state.pcf.services.releases
        if manager is None:  # pragma: no cover - install() sets it with this route
            raise Forbidden("reloads are not available on this server")
        outcome = await manager.reload_server("POST /admin/reload")
        if outcome.ok:
            return JSONResponse({"status": "reloaded", **outcome.to_dict()})
        status = {"internal-error": 500, "release-mismatch": 503, "server-stopping": 503}.get(
            outcome.code or "", 422
        )
        return problem(
            request,
            status,
            outcome.code or "bad-release",
            outcome.detail or "the candidate release was refused",
            headers={"Retry-After": "5"} if status == 503 else None,
            extra={
                "serving_release_id": outcome.release_id,
                "candidate_release_id": outcome.candidate_release_id,
                "seconds": outcome.seconds,
                **({"processes": outcome.processes} if outcome.processes else {}),
            },
        )

    return router


def _metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter(tags=["operations"], lifespan=sighup_reloads)

    @router.get(
        "/metrics",
        summary="Prometheus metrics (text exposition format 0.0.4)",
        response_class=PlainTextResponse,
    )
    def metrics_text() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type=PROMETHEUS_TEXT)

    return router


def install(app: FastAPI) -> None:
    """Metrics middleware, release manager, ``/metrics`` and (with a token) ``/admin/reload``.

    The middleware also sets the request id (``X-Request-ID``); it is one layer, not two.
    """
    state: AppState = app.state.pcf
    metrics = Metrics(lambda: app.state.pcf)  # the live state: reloads replace its release
    state.services.releases = ReleaseManager(state, on_outcome=metrics.reload_outcome)
    app.state.metrics = metrics  # --http-workers: each process answers the others' scrapes
    app.add_middleware(OpsMiddleware, metrics=metrics)
    app.include_router(_metrics_router(metrics))
    if state.settings.admin_token:
        app.include_router(_admin_router(state.settings))
