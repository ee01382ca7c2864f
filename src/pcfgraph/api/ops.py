"""Operations: ``/metrics`` (Prometheus text), ``POST /admin/reload``, request metrics and logs.

- :class:`OpsMiddleware` (pure ASGI) sets the request id (``X-Request-ID``), times every
  request and counts it by *route template*
  (``/queries/{name}``, never the raw path, so label cardinality stays bounded), method and
  status; problem responses are also counted by their ``code`` (timeouts, admission
  rejections and worker crashes are codes). It writes one access-log line per request.
- ``/metrics`` renders those plus the release in service, reloads and whatever the sandbox pool
  reports through ``stats()`` (see :func:`_pool_stats`).
- ``POST /admin/reload`` exists only when ``Settings.admin_token`` is set (otherwise the path is
  a plain 404 and absent from the OpenAPI description); it needs ``Authorization: Bearer
  <token>`` and answers 403 ``forbidden`` without it.
- :func:`configure_logging`: text or JSON lines (``Settings.log_format``); every record made
  while a request runs carries its ``request_id``.
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
import math
import os
import sys
import threading
import time
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pcfgraph import __version__
from pcfgraph.api.errors import problem
from pcfgraph.config import Settings
from pcfgraph.errors import Forbidden
from pcfgraph.release_reload import ReleaseManager, ReloadOutcome, sighup_reloads
from pcfgraph.runtime import AppState

access_log = logging.getLogger("pcfgraph.access")

#: The request id of the request being handled (for log records made anywhere below it).
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pcfgraph_request_id", default=None
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "<unmatched>"
#: Problem codes with their own counters (besides pcfgraph_problems_total).
REJECTED_CODES = frozenset({"overloaded"})
TIMEOUT_CODES = frozenset({"query-timeout"})
CRASH_CODES = frozenset({"worker-crashed"})
#: Keys of the pool's ``stats()`` that only grow (rendered as ``pcfgraph_pool_<key>_total``).
POOL_COUNTERS = frozenset({"tasks", "timeouts", "crashes", "rejected", "recycled"})
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


# --- metrics --------------------------------------------------------------------------------


class Metrics:
    """In-process counters and histograms for one app (thread-safe; no global registry)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.problems: dict[tuple[str, str], int] = {}
        self.reloads: dict[str, int] = {"success": 0, "failure": 0}
        self.in_flight = 0
        self.started = time.time()

    def begin(self) -> None:
        with self._lock:
            self.in_flight += 1

    def observe(
        self, route: str, method: str, status: int, seconds: float, code: str | None
    ) -> None:
        with self._lock:
            self.in_flight -= 1
            key = (route, method, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            counts = self.buckets.setdefault(route, [0] * len(LATENCY_BUCKETS))
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            self.sums[route] = self.sums.get(route, 0.0) + seconds
            self.counts[route] = self.counts.get(route, 0) + 1
            if code:
                pkey = (route, code)
                self.problems[pkey] = self.problems.get(pkey, 0) + 1

    def reload_outcome(self, outcome: ReloadOutcome) -> None:
        with self._lock:
            key = "success" if outcome.ok else "failure"
            self.reloads[key] += 1

    def render(self, state: AppState) -> str:
        out = _Exposition()
        with self._lock:
            out.family(
                "pcfgraph_http_requests_total",
                "counter",
                "HTTP requests by route template, method and status.",
                [
                    ({"route": r, "method": m, "status": s}, n)
                    for (r, m, s), n in sorted(self.requests.items())
                ],
            )
            out.header(
                "pcfgraph_http_request_duration_seconds",
                "histogram",
                "Request latency by route template (until the last body byte).",
            )
            for route in sorted(self.buckets):
                for bound, n in zip(LATENCY_BUCKETS, self.buckets[route], strict=True):
                    out.sample(
                        "pcfgraph_http_request_duration_seconds_bucket",
                        {"route": route, "le": _num(bound)},
                        n,
                    )
                out.sample(
                    "pcfgraph_http_request_duration_seconds_bucket",
                    {"route": route, "le": "+Inf"},
                    self.counts[route],
                )
                out.sample(
                    "pcfgraph_http_request_duration_seconds_sum", {"route": route}, self.sums[route]
                )
                out.sample(
                    "pcfgraph_http_request_duration_seconds_count",
                    {"route": route},
                    self.counts[route],
                )
            out.family(
                "pcfgraph_http_requests_in_flight",
                "gauge",
                "Requests being handled now.",
                [({}, self.in_flight)],
            )
            out.family(
                "pcfgraph_problems_total",
                "counter",
                "Error responses by route template and problem code.",
                [({"route": r, "code": c}, n) for (r, c), n in sorted(self.problems.items())],
            )
            problems = dict(self.problems)
            reloads = dict(self.reloads)

        def total(codes: frozenset[str]) -> int:
            return sum(n for (_, c), n in problems.items() if c in codes)

        out.family(
            "pcfgraph_rejected_requests_total",
            "counter",
            "Requests refused by admission control (503 overloaded).",
            [({}, total(REJECTED_CODES))],
        )
        out.family(
            "pcfgraph_query_timeouts_total",
            "counter",
            "Sandboxed queries or uploads stopped at their deadline.",
            [({}, total(TIMEOUT_CODES))],
        )
        out.family(
            "pcfgraph_worker_crashes_total",
            "counter",
            "Requests whose sandbox worker died.",
            [({}, total(CRASH_CODES))],
        )
        pool = _pool_stats(state)
        restarts = pool.pop("restarts", None)
        out.family(
            "pcfgraph_worker_restarts_total",
            "counter",
            "Sandbox workers replaced (after a timeout, a crash or a memory limit).",
            [({}, restarts if restarts is not None else total(TIMEOUT_CODES | CRASH_CODES))],
        )
        for key, value in sorted(pool.items()):
            if key in POOL_COUNTERS:
                name, kind = f"pcfgraph_pool_{key}_total", "counter"
            else:
                name, kind = f"pcfgraph_pool_{key}", "gauge"
            out.family(name, kind, f"Sandbox pool: {key}.", [({}, value)])
        release = state.release
        out.family(
            "pcfgraph_release_info",
            "gauge",
            "The release being served (value 1; its id is a label).",
            [({"release_id": release.release_id}, 1)],
        )
        out.family(
            "pcfgraph_release_quads",
            "gauge",
            "Quads in the served release.",
            [({}, len(release.store))],
        )
        manager = state.services.releases
        if manager is not None:
            out.family(
                "pcfgraph_release_loaded_timestamp_seconds",
                "gauge",
                "When the served release was switched in (Unix time).",
                [({}, manager.loaded_at)],
            )
        out.family(
            "pcfgraph_reloads_total",
            "counter",
            "Release reloads by outcome (a failure leaves the old release serving).",
            [({"outcome": k}, v) for k, v in sorted(reloads.items())],
        )
        out.family(
            "pcfgraph_build_info",
            "gauge",
            "pcfgraph version (value 1).",
            [({"version": __version__}, 1)],
        )
        out.family(
            "pcfgraph_process_start_time_seconds",
            "gauge",
            "When the serving process started its app (Unix time).",
            [({}, self.started)],
        )
        rss = resident_memory_bytes()
        if rss is not None:
            out.family(
                "pcfgraph_process_resident_memory_bytes",
                "gauge",
                "Resident memory of the serving process (workers not included).",
                [({}, rss)],
            )
        return out.text()


class _Exposition:
    """Prometheus text format 0.0.4."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def header(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, labels: dict[str, str], value: float) -> None:
        if labels:
            inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{inner}}} {_num(value)}")
        else:
            self.lines.append(f"{name} {_num(value)}")

    def family(
        self,
        name: str,
        kind: str,
        help_text: str,
        samples: list[tuple[dict[str, str], float]],
    ) -> None:
        self.header(name, kind, help_text)
        for labels, value in samples:
            self.sample(name, labels, value)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _pool_stats(state: AppState) -> dict[str, float]:
    """Numbers the sandbox pool reports through ``stats() -> dict`` (when it has one).

    Keys become ``pcfgraph_pool_<key>`` gauges, except ``restarts``, which is
    ``pcfgraph_worker_restarts_total``.
    """
    pool = state.pool
    stats = getattr(pool, "stats", None)
    if not callable(stats):
        return {}
    try:
        raw = stats()
    except Exception:
        logging.getLogger("pcfgraph.api").exception("pool.stats() failed")
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        _metric_name(str(k)): float(v) if isinstance(v, float) else int(v)
        for k, v in raw.items()
        if isinstance(v, int | float)
    }


def _metric_name(key: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in key).strip("_").lower() or "value"


def resident_memory_bytes(pid: int | None = None) -> int | None:
    """RSS of a process from ``/proc`` (None where there is no procfs)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = ""
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                rid = value.decode("latin-1")
                break
        if not (rid.isalnum() and len(rid) <= 64):
            rid = uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        header = (b"x-request-id", rid.encode("latin-1"))
        token = request_id_var.set(rid)
        status = 500
        self.metrics.begin()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", ()) if h[0].lower() != header[0]]
                headers.append(header)
                message["headers"] = headers
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            failed = True
            raise
        finally:
            seconds = time.perf_counter() - started
            route = _route_template(scope)
            code = state.get("problem_code") if status >= 400 else None
            if failed and not code:
                status, code = 500, "internal-error"
            self.metrics.observe(route, scope.get("method", ""), status, seconds, code)
            access_log.info(
                "%s %s %s %.1f ms",
                scope.get("method", ""),
                scope.get("path", ""),
                status,
                seconds * 1000,
                extra={
                    "method": scope.get("method", ""),
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "ms": round(seconds * 1000, 2),
                    "code": code,
                },
            )
            request_id_var.reset(token)


def _route_template(scope: Scope) -> str:
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
            "keeps serving. 503 while another reload runs."
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
        outcome = await manager.reload("POST /admin/reload")
        if outcome.ok:
            return JSONResponse({"status": "reloaded", **outcome.to_dict()})
        status = 500 if outcome.code == "internal-error" else 422
        return problem(
            request,
            status,
            outcome.code or "bad-release",
            outcome.detail or "the candidate release was refused",
            extra={
                "serving_release_id": outcome.release_id,
                "candidate_release_id": outcome.candidate_release_id,
                "seconds": outcome.seconds,
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
    def metrics_text(request: Request) -> PlainTextResponse:
        state: AppState = request.app.state.pcf
        text = metrics.render(state)
        return PlainTextResponse(text, media_type=PROMETHEUS_TEXT)

    return router


def install(app: FastAPI) -> None:
    """Metrics middleware, release manager, ``/metrics`` and (with a token) ``/admin/reload``.

    The middleware also sets the request id (``X-Request-ID``); it is one layer, not two.
    """
    state: AppState = app.state.pcf
    metrics = Metrics()
    state.services.releases = ReleaseManager(state, on_outcome=metrics.reload_outcome)
    app.add_middleware(OpsMiddleware, metrics=metrics)
    app.include_router(_metrics_router(metrics))
    if state.settings.admin_token:
        app.include_router(_admin_router(state.settings))


# --- logging --------------------------------------------------------------------------------

_RECORD_FIELDS = ("method", "path", "route", "status", "ms", "code")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, request fields."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key in _RECORD_FIELDS:
            if hasattr(record, key):
                doc[key] = getattr(record, key)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Route ``pcfgraph.*`` logs to stderr as text or JSON lines (``Settings.log_format``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    fmt = getattr(settings, "log_format", "text")
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("pcfgraph")
    for old in list(logger.handlers):
        if getattr(old, "_pcfgraph", False):
            logger.removeHandler(old)
    handler._pcfgraph = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(settings.log_level.upper())
    logger.propagate = False
    return handler
