"""A reverse proxy serving a backend under a path prefix, as nginx's ``location /pcf/ {
proxy_pass http://127.0.0.1:8000/; }`` does: a request for ``/pcf/x`` is passed on as ``/x``
(the prefix stripped), with ``Host`` kept and ``X-Forwarded-Proto``/``-For`` set; anything
outside the prefix is the proxy's own 404. ``keep=True``: passed on as it came (``/pcf/x``),
as ``proxy_pass http://127.0.0.1:8000;`` (no slash after the port) does. ``upstream_host=True``:
``Host`` is the backend's address and the client's goes in ``X-Forwarded-Host``, as Apache's
``ProxyPass`` (without ``ProxyPreserveHost``) does. The answer comes
back as the backend made it (status, headers, body): what a browser behind such a proxy
sees."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Hop-by-hop headers (RFC 9110 7.6.1) a proxy does not pass on.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


@contextmanager
def prefix_proxy(
    backend_port: int,
    prefix: str,
    *,
    keep: bool = False,
    proto: str = "http",
    upstream_host: bool = False,
) -> Iterator[str]:
    """A proxy on a free loopback port passing ``prefix/...`` to the backend's ``/...`` (with
    ``keep``, to its ``prefix/...``), saying ``X-Forwarded-Proto: proto`` (``https``: as a
    proxy that ends TLS); yields its base URL (with the prefix)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _pass(self) -> None:
            if not (self.path == prefix or self.path.startswith(prefix + "/")):
                self._answer(404, [("Content-Type", "text/plain")], b"not under the prefix")
                return
            path = self.path if keep else self.path[len(prefix) :] or "/"
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["X-Forwarded-Proto"] = proto
            headers["X-Forwarded-For"] = self.client_address[0]
            if upstream_host:
                headers["X-Forwarded-Host"] = headers.pop("Host", "")
                headers["Host"] = f"127.0.0.1:{backend_port}"
            conn = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=120)
            try:
                conn.request(self.command, path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP]
                length = answer.getheader("Content-Length") if self.command == "HEAD" else None
                self._answer(answer.status, kept, data, length)
            finally:
                conn.close()

        def _answer(
            self,
            status: int,
            headers: list[tuple[str, str]],
            body: bytes,
            length: str | None = None,
        ) -> None:
            self.send_response_only(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", length or str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
