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

from pcfgraph.errors import PcfgraphError

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
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".archimate": "application/x-archimate",
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


_HEADING_RE = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def report_fragment(html: str) -> str:
    """The body of the API's HTML report, without scripts, styles or links to assets, its
    headings moved two levels down to sit under the page's "Report for ..." heading."""
    m = _BODY_RE.search(html)
    inner = _DROP_RE.sub("", m.group(1) if m else html)
    return _HEADING_RE.sub(lambda h: f"<{h.group(1)}h{min(int(h.group(2)) + 2, 6)}", inner)


async def _call(
    app: Any,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    query: str = "",
    client: tuple[str, int] = ("127.0.0.1", 0),
) -> tuple[int, dict[str, str], bytes]:
    """One in-process ASGI request to the same application (on behalf of ``client``, so the
    sandbox's per-client fairness counts it against the browser's address)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": client,
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
    """Validate an uploaded model through ``POST /validate``: HTML, JSON and Turtle reports
    (three requests, run concurrently; the API's own limits and deadline apply to each)."""
    import asyncio
    import json
    from urllib.parse import urlencode

    from pcfgraph.http.routes import route_paths

    app = request.app
    if VALIDATE_PATH not in route_paths(app.routes):
        raise PcfgraphError("the audit service (POST /validate) is not available on this server")
    media_type = media_type_for(filename, declared)
    rid = str(getattr(request.state, "request_id", "") or "")
    query = urlencode({"name": filename})
    client = (request.client.host, request.client.port) if request.client else ("127.0.0.1", 0)

    async def one(accept: str) -> tuple[int, dict[str, str], bytes]:
        headers = [("content-type", media_type), ("accept", accept)]
        if rid.isalnum():
            headers.append(("x-request-id", rid))
        return await _call(app, "POST", VALIDATE_PATH, headers, data, query, client)

    results = await asyncio.gather(*(one(accept) for accept, _e, _l in REPORT_FORMATS.values()))
    reports = AuditReports(filename=filename, status=200)
    for fmt, (status, headers, body) in zip(REPORT_FORMATS, results, strict=True):
        if status >= 400:
            detail = body.decode("utf-8", "replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(json.loads(detail).get("detail", detail))
            error = PcfgraphError(f"{filename}: {detail}")
            error.http_status = status
            raise error
        reports.bodies[fmt] = body
        if "x-audit-conforms" in headers:
            reports.summary["conforms"] = headers["x-audit-conforms"] == "true"
        if fmt == "json":
            with contextlib.suppress(ValueError):
                doc = json.loads(body)
                if isinstance(doc, dict):
                    reports.summary.update(doc)
    return reports
