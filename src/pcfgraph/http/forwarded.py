"""Behind a trusted reverse proxy: the client's address, scheme and host as the proxy states
them (``X-Forwarded-For``, ``X-Forwarded-Proto``, ``X-Forwarded-Host``), believed only when
the request's peer is one of the proxies of ``forwarded_allow_ips``.

uvicorn's proxy-headers layer reads the first two and ignores ``X-Forwarded-Host``. Behind a
proxy that passes its own upstream address in ``Host`` (Apache's ``ProxyPass`` without
``ProxyPreserveHost``, nginx's default ``Host: $proxy_host``) and the public one in
``X-Forwarded-Host``, every absolute URL written without ``public_url`` (the SPARQL and VoID
descriptions, a query's base IRI, ``/mcp`` page URLs: :mod:`pcfgraph.http.public_url`)
named the internal address. :class:`ForwardedHeaders` is uvicorn's layer, the same rules and
trust list for those two, that also makes the forwarded host the request's ``Host``, from a
trusted peer only: a client's own ``X-Forwarded-*`` is ignored, or it could name any host
in an answer a cache keeps and hands to others.

``X-Forwarded-Prefix`` (Traefik's ``StripPrefix``, Spring and ingress controllers) and RFC
7239's ``Forwarded`` are not read: the prefix is the ``root_path`` setting, one per
deployment, which the fast path of ``/sparql`` and every cache key see as well; a header
read per request would not reach them. A trusted proxy's ``X-Forwarded-Prefix`` that is not
``root_path`` is logged once (a warning naming the setting to set), since every link, asset
and redirect then leaves the prefix the browser came through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import cast

from starlette.types import ASGIApp
from uvicorn._types import ASGI3Application, ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

#: A ``Host`` value (RFC 9110 7.2): a registered name, IPv4 address or bracketed IP literal,
#: with an optional port. Anything else a proxy forwards is not written into answers.
_HOST = re.compile(
    r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+;=%]+)(?::[0-9]{1,5})?\Z", re.ASCII
)
#: The most distinct ``X-Forwarded-Prefix`` values warned of (a proxy sends one).
_PREFIXES_WARNED = 8

log = logging.getLogger("pcfgraph.http.forwarded")


def forwarded_host(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The host an ``X-Forwarded-Host`` names: its last value (the one the proxy next to
    pcfgraph set or appended; values before it came from farther away), when it is a host;
    None when there is none or it is not one."""
    values = [value for name, value in headers if name == b"x-forwarded-host"]
    if not values:
        return None
    last = b",".join(values).split(b",")[-1].strip()
    text = last.decode("latin-1")
    return last if text and _HOST.match(text) else None


class ForwardedHeaders(ProxyHeadersMiddleware):
    """uvicorn's proxy-headers layer, and ``X-Forwarded-Host`` as ``Host`` for a request from
    a trusted proxy (see the module doc)."""

    def __init__(self, app: ASGIApp, trusted_hosts: Sequence[str]) -> None:
        super().__init__(cast(ASGI3Application, app), trusted_hosts=list(trusted_hosts))
        self._prefixes_seen: set[str] = set()

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "lifespan":
            client = scope.get("client")
            # the peer, before the layer below makes the client the one the proxy names
            if client and client[0] in self.trusted_hosts:
                host = forwarded_host(scope["headers"])
                if host is not None:
                    kept = [(k, v) for k, v in scope["headers"] if k != b"host"]
                    scope["headers"] = [(b"host", host), *kept]
                self._check_prefix(scope["headers"], scope.get("root_path", ""), client[0])
        await super().__call__(scope, receive, send)

    def _check_prefix(self, headers: Iterable[tuple[bytes, bytes]], root: str, proxy: str) -> None:
        """Warn, once per value, of a trusted proxy's ``X-Forwarded-Prefix`` that is not the
        root path pcfgraph is served under (``root``; module doc)."""
        values = [value for name, value in headers if name == b"x-forwarded-prefix"]
        if not values:
            return
        stated = values[-1].split(b",")[-1].strip().rstrip(b"/")[:200].decode("latin-1")
        seen = self._prefixes_seen
        if stated == root or stated in seen or len(seen) >= _PREFIXES_WARNED:
            return
        seen.add(stated)
        log.warning(
            "the proxy at %s states X-Forwarded-Prefix %r but pcfgraph is served with %s: "
            "its links, assets and redirects leave that prefix. X-Forwarded-Prefix is not "
            "read; set root_path %s (PCFGRAPH_ROOT_PATH, pcfgraph serve --root-path) if the "
            "proxy strips it (docs/settings.md, Behind a reverse proxy)",
            proxy,
            stated,
            f"root_path {root}" if root else "no root_path",
            stated or "/",
        )
