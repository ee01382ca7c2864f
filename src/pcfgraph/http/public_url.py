"""The one rule for the absolute URLs pcfgraph writes into its answers (the VoID description,
the SPARQL service description and the base IRI of queries, the ``/mcp`` tools' page URLs,
the OpenAPI ``servers``): with the ``public_url`` setting, every one is under it; without
it, under the address the request came to (its scheme, ``Host`` and root path).

Behind a reverse proxy the request's own address is rarely the public one: nginx passes
``Host: 127.0.0.1:8000`` unless told otherwise, and TLS ends at the proxy. And ``Host`` is
the client's to write: without ``public_url`` a forged one is what a document names. With
``public_url`` nothing of the request's address is read. Paths handed out root-relative
(links, ``Location``, ``Link``) are :mod:`pcfgraph.http.root_path`'s.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from starlette.datastructures import URL
from starlette.types import Scope

from pcfgraph.config import Settings

#: A ``Host`` header longer than this is no name of a deployment: not memoised.
_MEMO_HOST_CHARS = 255


def public_base(scope: Scope, settings: Settings) -> str:
    """The URL the app's root is reached at, without a slash at the end:
    :meth:`~pcfgraph.config.Settings.public_base_url` (``public_url``), or the request's
    scheme, ``Host`` (else the server's address) and root path."""
    public = settings.public_base_url()
    if public is not None:
        return public
    host = ""
    for key, value in scope["headers"]:
        if key == b"host":
            host = value.decode("latin-1")
            break
    server = scope.get("server")
    args = (scope.get("scheme", "http"), host, tuple(server) if server else None)
    root = scope.get("root_path", "")
    if len(host) > _MEMO_HOST_CHARS:
        return _request_base.__wrapped__(*args, root)
    return _request_base(*args, root)


def public_url(scope: Scope, settings: Settings, path: str) -> str:
    """The absolute URL of the app's ``path`` (``/sparql``: a path as the routes name it,
    without the root path) by :func:`public_base`."""
    return public_base(scope, settings) + path


def root_path_mismatch(settings: Settings) -> str | None:
    """What is wrong when ``public_url`` names a path that is not ``root_path``: the
    absolute URLs would be under one and the pages' links, redirects and ``Link`` targets
    under the other; None when they agree (or ``public_url`` names no path)."""
    public = settings.public_url
    if public is None:
        return None
    path = urlsplit(public).path
    if not path or path == settings.root_path:
        return None
    root = f"root_path {settings.root_path}" if settings.root_path else "no root_path"
    return (
        f"public_url {public} names the path {path} but pcfgraph is served with {root}: the "
        "absolute URLs (VoID, SPARQL service description, /mcp page URLs) are under "
        f"{path}, the pages' links, redirects and Link headers are not; set root_path "
        f"{path} if the proxy in front strips that prefix"
    )


def route_path(scope: Scope) -> str:
    """The request's path as the routes see it (Starlette's routing reads it so): without the
    root path uvicorn puts in front, ``/pcf/search`` -> ``/search``, ``/pcf/`` -> ``/``. The
    bare root path, ``/pcf`` (a server passing it on without a slash), is ``""``: no route
    answers it, and the slash redirect sends it to ``/pcf/`` (``api/errors.py``), as nginx
    and Starlette do; ``/pcfx`` is not under ``/pcf`` and is itself."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :]
    return path


@functools.lru_cache(maxsize=64)
def _request_base(scheme: str, host: str, server: tuple[str, int] | None, root: str) -> str:
    """Memoised (a handful of distinct values per deployment): Starlette's URL building from
    a scope is a noticeable share of a small query's time."""
    scope: Scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "root_path": root,
        "path": root,
        "query_string": b"",
        "headers": [(b"host", host.encode("latin-1"))] if host else [],
    }
    return str(URL(scope=scope)).rstrip("/")
