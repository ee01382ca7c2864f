"""gzip for the answers a client downloads: graphs, exports, SSSOM files, GraphQL, pages.

The Cross-Industry 7.4 graph is 3.8 MB of Turtle and 0.4 MB gzipped; its CSV export 1.1 MB
and 0.2 MB. :class:`Compression` is Starlette's ``GZipMiddleware`` (a body from
``compress_min_bytes`` up, when ``Accept-Encoding`` takes gzip; large bodies compressed in a
thread; ``Vary: Accept-Encoding``; partial content, event streams and already compressed
types left alone) with two more rules:

- an XLSX workbook is a ZIP archive already: left as it is;
- to a client that takes gzip, every ``ETag`` is weak (``W/"..."``, as nginx makes a
  compressed answer's): a strong tag promises the same bytes, and the gzipped bytes are not
  the identity's. Its 304s carry the same weak tag as its 200s would (RFC 9110 15.4.5: the
  layer cannot know whether a 304's answer would have been large enough to compress).
  Revalidation is unchanged: ``If-None-Match`` compares weakly
  (:func:`pcfgraph.http.conditional.matches`). A client that does not take gzip gets the
  strong tags as before.
- a 304 says ``Vary: Accept-Encoding`` as its 200 would (RFC 9110 15.4.5: a cache keeps the
  copy it revalidated under the same key); the layer cannot know whether the 200 was large
  enough to vary, and saying it of one that was not only costs a cache a second copy.

It sits inside the routing layers only (innermost, :func:`pcfgraph.api.app.create_api`).
``/sparql`` is left alone: its ``GET``/``POST`` are answered before this layer (by the
protocol's fast path or its own layer), so its ``HEAD`` (routed through here) is too, to keep
the same head as its ``GET``. Under a proxy's path prefix (``root_path``) the protocol's fast
path is off and its ``HEAD`` is routed through here like any path: it is recognised by its
route path (:func:`~pcfgraph.http.public_url.route_path`, ``/pcf/sparql`` is ``/sparql``) and
left alone all the same, so that its answers are the same with a prefix as without.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pcfgraph.conneg import XLSX_MEDIA_TYPE
from pcfgraph.http.public_url import route_path

#: zlib's default: level 9 took ~3x the time for ~2% less on the 7.4 graph's Turtle.
LEVEL = 6
EXCLUDED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, XLSX_MEDIA_TYPE)


class Compression:
    """gzip for answers of at least ``minimum_size`` bytes (see the module doc)."""

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        self.app = app
        self.gzip = GZipMiddleware(
            app, minimum_size=minimum_size, compresslevel=LEVEL, exclude_content_types=EXCLUDED
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) == "/sparql":
            await self.app(scope, receive, send)
            return
        # GZipMiddleware's test
        takes_gzip = "gzip" in Headers(scope=scope).get("accept-encoding", "")

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                if message["status"] == 304:  # its 200 varies on it (RFC 9110 15.4.5)
                    headers.add_vary_header("Accept-Encoding")
                etag = headers.get("etag") if takes_gzip else None
                if etag and etag[:2] != "W/":
                    headers["etag"] = "W/" + etag
            await send(message)

        await self.gzip(scope, receive, marked)
