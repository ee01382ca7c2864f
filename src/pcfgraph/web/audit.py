"""The audit page's bridge to the audit API (``POST /validate``).

The page shows exactly what the API returns: the upload is sent, in process, to the
application's own ``POST /validate`` once per report format (HTML, JSON, Turtle), so the
page and the API cannot drift apart and nothing about the upload is stored.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from pcfgraph.errors import InputError, PcfgraphError

#: format -> (media type, file extension, label)
REPORT_FORMATS: Mapping[str, tuple[str, str, str]] = {
    "html": ("text/html", "html", "HTML"),
    "json": ("application/json", "json", "JSON"),
    "turtle": ("text/turtle", "ttl", "Turtle"),
}
_MEDIA_BY_SUFFIX = {
    ".ttl": "text/turtle",
    ".turtle": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml",
    ".trig": "application/trig",
    ".nq": "application/n-quads",
}
VALIDATE_PATH = "/validate"


@dataclass
class AuditReports:
    filename: str
    status: int
    bodies: dict[str, bytes] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def html_fragment(self) -> str:
        return report_fragment(self.bodies.get("html", b"").decode("utf-8", "replace"))

    @property
    def conforms(self) -> bool | None:
        value = self.summary.get("conforms")
        return value if isinstance(value, bool) else None


def media_type_for(filename: str, declared: str) -> str:
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if suffix in _MEDIA_BY_SUFFIX:
        return _MEDIA_BY_SUFFIX[suffix]
    if declared and declared not in ("application/octet-stream", "text/plain"):
        return declared
    return "text/turtle"


_BODY_RE = re.compile(r"<body[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)
_DROP_RE = re.compile(r"<(script|style|link|meta|title)\b[^>]*>(?:.*?</\1>)?", re.I | re.S)


def report_fragment(html: str) -> str:
    """The body of the API's HTML report, without scripts, styles or links to assets."""
    m = _BODY_RE.search(html)
    inner = m.group(1) if m else html
    return _DROP_RE.sub("", inner)


async def _call(
    app: Any, method: str, path: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One in-process ASGI request to the same application."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 0),
        "server": ("pcfgraph-web", 80),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    status = 500
    out_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            out_headers.update(
                (k.decode("latin-1").lower(), v.decode("latin-1"))
                for k, v in message.get("headers", [])
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


async def run_audit(request: Request, filename: str, declared: str, data: bytes) -> AuditReports:
    """Validate an uploaded model through ``POST /validate``; every report format."""
    import json

    app = request.app
    if not any(getattr(r, "path", None) == VALIDATE_PATH for r in app.routes):
        raise PcfgraphError("the audit service (POST /validate) is not available on this server")
    media_type = media_type_for(filename, declared)
    reports = AuditReports(filename=filename, status=200)
    rid = getattr(request.state, "request_id", "")
    for fmt, (accept, _ext, _label) in REPORT_FORMATS.items():
        headers = [("content-type", media_type), ("accept", accept)]
        if rid:
            headers.append(("x-request-id", str(rid)))
        status, _hdrs, body = await _call(app, "POST", VALIDATE_PATH, headers, data)
        if status >= 400 and status != 422:
            detail = body.decode("utf-8", "replace")
            with contextlib.suppress(ValueError):
                detail = str(json.loads(detail).get("detail", detail))
            raise InputError(f"{filename}: {detail}")
        reports.status = status
        reports.bodies[fmt] = body
        if fmt == "json":
            try:
                doc = json.loads(body)
                if isinstance(doc, dict):
                    reports.summary = doc
            except ValueError:
                pass
    return reports
