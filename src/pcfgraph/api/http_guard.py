"""HTTP-level hardening of every request and response (one pure-ASGI layer, outermost).

- Requests whose target (path and query) is longer than ``Settings.max_url_bytes`` get 414,
  whose header block is larger than ``Settings.max_header_bytes`` or has more than
  ``Settings.max_header_count`` fields get 431, both as ``application/problem+json`` and
  before any route runs. (Under uvicorn the same limits are applied while the request is
  being parsed, by :mod:`pcfgraph.api.http_protocol`, so an oversized request is never
  buffered whole.)
- The bytes of request bodies the process holds at once are bounded by
  ``Settings.max_body_memory_bytes`` (:mod:`pcfgraph.http.body_memory`): 503
  ``body-memory-full`` past it.
- Every response carries the security headers of :data:`SECURITY_HEADERS` (unless the
  route set its own value): a strict Content-Security-Policy (scripts only from this
  origin, no inline script, no framing), ``X-Content-Type-Options: nosniff``,
  ``X-Frame-Options: DENY`` and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pcfgraph.http.body_memory import BodyMemory

if TYPE_CHECKING:
    from fastapi import FastAPI

    from pcfgraph.config import Settings

PROBLEM_JSON = b"application/problem+json"

#: Scripts, fonts, images and connections only from this origin; no inline or eval'd script.
#: Inline *styles* are allowed: the HTML audit report is self-contained (it is also saved and
#: opened from disk) and styles cannot run code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
_TITLES = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


def problem_response(
    status: int, code: str, detail: str
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of a problem+json answer built outside FastAPI (no request object)."""
    rid = uuid.uuid4().hex[:16]
    body = json.dumps(
        {
            "type": f"https://w3id.org/pcfgraph/problems/{code}",
            "title": _TITLES.get(status, "Error"),
            "status": status,
            "code": code,
            "detail": detail,
            "request_id": rid,
        }
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", rid.encode()),
        *SECURITY_HEADERS,
    ]
    return headers, body


def check_request(
    target_bytes: int, header_bytes: int, header_count: int, settings: Settings
) -> tuple[int, str, str] | None:
    """``(status, code, detail)`` when a request head is over a limit, else None."""
    if target_bytes > settings.max_url_bytes:
        return (
            414,
            "uri-too-long",
            f"the request URL is {target_bytes} bytes, over the max_url_bytes limit of "
            f"{settings.max_url_bytes}; send long queries in a POST body",
        )
    if header_count > settings.max_header_count:
        return (
            431,
            "headers-too-large",
            f"the request has {header_count} header fields, over the max_header_count "
            f"limit of {settings.max_header_count}",
        )
    if header_bytes > settings.max_header_bytes:
        return (
            431,
            "headers-too-large",
            f"the request headers are {header_bytes} bytes, over the max_header_bytes limit "
            f"of {settings.max_header_bytes}",
        )
    return None


class HttpGuardMiddleware:
    """Request-head limits and security headers (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.body_memory = BodyMemory(settings.max_body_memory_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = head_refusal(scope, self.settings)
        if refused is not None:
            hdrs, body = problem_response(*refused)
            from pcfgraph.api.ops import log_refused  # a refusal only: ops is the app's

            query = scope.get("query_string", b"")[:400].decode("latin-1")
            target = scope["path"] + (f"?{query}" if query else "")
            rid = dict(hdrs)[b"x-request-id"].decode()
            log_refused(scope.get("client"), scope["method"], target, refused[0], refused[1], rid)
            await send({"type": "http.response.start", "status": refused[0], "headers": hdrs})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": secured(message.get("headers", []))}
            await send(message)

        memory = self.body_memory
        held = 0

        async def receive_counted() -> Message:
            nonlocal held
            message = await receive()
            size = len(message.get("body", b""))
            if size:
                memory.take(size, held)
                held += size
            return message

        try:
            await self.app(scope, receive_counted, send_secured)
        finally:
            memory.give_back(held)


def head_refusal(scope: Scope, settings: Settings) -> tuple[int, str, str] | None:
    """:func:`check_request` on a request's scope: its target and header block."""
    target = len(scope.get("raw_path") or scope["path"].encode()) + len(
        scope.get("query_string", b"")
    )
    headers = scope.get("headers", [])
    size = 4 * len(headers)  # ": " and CRLF of each field
    for name, value in headers:
        size += len(name) + len(value)
    return check_request(target, size, len(headers), settings)


def secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's headers with the security headers it does not set itself after them
    (every response, through :class:`HttpGuardMiddleware` or the protocol's fast path)."""
    return [*headers, *_missing_security(headers)]


def _missing_security(headers: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    """The security headers a response does not set itself (usually all of them: the names
    are looked at one by one, a set of them is made only when the response sets one)."""
    for name, _ in headers:
        if name.lower() in _SECURITY_NAMES:
            present = {k.lower() for k, _ in headers}
            return tuple(h for h in SECURITY_HEADERS if h[0] not in present)
    return SECURITY_HEADERS


def install(app: FastAPI, settings: Settings) -> None:
    """Add the layer; call last so it is the outermost middleware."""
    app.add_middleware(HttpGuardMiddleware, settings=settings)
