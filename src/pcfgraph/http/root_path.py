"""Served under a path prefix behind a reverse proxy (``root_path``, ``PCFGRAPH_ROOT_PATH``).

The routes, pages and answers of pcfgraph name their own paths root-relative (``/id/...``,
``/assets/app.css``, ``Link: </licences>``, ``Location: /id/graph/ontology``). Behind a proxy
that serves pcfgraph at ``https://example.org/pcf/`` (stripping ``/pcf`` before passing a
request on), uvicorn's ``root_path`` makes routing right but not those paths: every link,
asset, form, redirect and ``Link`` target would leave the prefix. :class:`RootPath`, the
app's innermost layer, puts the request's ``root_path`` in front of each of them:

- the ``Location``, ``Content-Location`` and ``Link`` headers' root-relative targets;
- in an HTML answer, every ``href``, ``src``, ``action``, ``formaction`` and ``data-*``
  attribute whose value is a root-relative path (the workbench's pages, the element and rule
  pages, GraphiQL's and Swagger UI's pages and their ``data-endpoint``/``data-openapi``; the
  pages' scripts take the prefix from ``<html data-root>``). Text and attribute values made
  from data are autoescaped, so a ``"`` in them is never the end of an attribute: only the
  markup's own attributes match.

Without a ``root_path`` the layer passes every message on untouched.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: An attribute of the markup holding a root-relative path (``//host`` is not one).
_ATTRIBUTE = re.compile(rb'(\s(?:href|src|action|formaction|data-[a-z0-9-]+)=")/(?!/)')
#: A root-relative target in a ``Link`` header (RFC 8288: ``<target>; rel=...``).
_LINK_TARGET = re.compile(rb"<(/(?!/))")
_LOCATIONS = (b"location", b"content-location")
_HTML = (b"text/html", b"application/xhtml+xml")


def rooted_html(body: bytes, root: str) -> bytes:
    """``body`` (HTML) with ``root`` in front of each root-relative path in its attributes."""
    prefix = root.encode("latin-1")
    return _ATTRIBUTE.sub(lambda m: m.group(1) + prefix + b"/", body)


def rooted_headers(
    headers: list[tuple[bytes, bytes]], root: str
) -> tuple[list[tuple[bytes, bytes]], bool]:
    """``headers`` with ``root`` in front of the root-relative targets of ``Location``,
    ``Content-Location`` and ``Link``; and whether the body is HTML."""
    prefix = root.encode("latin-1")
    out: list[tuple[bytes, bytes]] = []
    html = False
    for name, value in headers:
        key = name.lower()
        if key in _LOCATIONS and value.startswith(b"/") and not value.startswith(b"//"):
            value = prefix + value
        elif key == b"link":
            value = _LINK_TARGET.sub(lambda m: b"<" + prefix + m.group(1), value)
        elif key == b"content-type":
            html = value.split(b";", 1)[0].strip().lower() in _HTML
        out.append((name, value))
    return out, html


class RootPath:
    """Pure-ASGI layer: the answers of a request with a ``root_path`` name their paths under
    it (module docstring). An HTML body is held until complete and sent as one (with its
    ``Content-Length`` made right); everything else streams as it comes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "") if scope["type"] == "http" else ""
        if not root:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        held: list[bytes] = []

        async def send_rooted(message: Message) -> None:
            nonlocal start
            kind = message["type"]
            if kind == "http.response.start":
                headers, html = rooted_headers(list(message.get("headers", ())), root)
                message = {**message, "headers": headers}
                if html:
                    start = message  # sent with the body, once its length is known
                    return
            elif kind == "http.response.body" and start is not None:
                held.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = rooted_html(b"".join(held), root)
                headers = [
                    (k, str(len(body)).encode("latin-1") if k.lower() == b"content-length" else v)
                    for k, v in start["headers"]
                ]
                await send({**start, "headers": headers})
                message = {"type": "http.response.body", "body": body}
                start = None
            await send(message)

        await self.app(scope, receive, send_rooted)


class ServedUnder:
    """The ``root_path`` setting for a server given no root path of its own (``uvicorn
    --factory pcfgraph.serving:app_from_env`` without ``--root-path``): each request's scope
    as uvicorn's ``--root-path`` makes it (the root path set, and in front of the path), so
    that ``PCFGRAPH_ROOT_PATH`` means there what it means to ``pcfgraph serve``. A request
    that comes with a root path keeps it. A layer the fast path of ``/sparql`` does not know,
    so it steps aside, as it does under uvicorn's ``root_path``."""

    def __init__(self, app: ASGIApp, root: str) -> None:
        self.app = app
        self.root = root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not scope.get("root_path"):
            scope = {**scope, "root_path": self.root, "path": self.root + scope["path"]}
            if scope.get("raw_path") is not None:
                scope["raw_path"] = self.root.encode("latin-1") + scope["raw_path"]
        await self.app(scope, receive, send)
