"""A small blocking HTTP/1.1 client on the standard library, for talking to remote stores.

The remote store (:mod:`pcfgraph.remote_store`) needs only POST/PUT/GET with a body, a
timeout and keep-alive. ``http.client`` does that with no third-party dependency (so
``pcfgraph push`` and ``serve --store`` work from a plain install) and costs less per request
than a full-featured client. One persistent connection per thread; a connection the server
closed while idle is reopened once and the request sent again (every request the remote store
makes is idempotent: queries, and Graph Store Protocol ``PUT``).

A URL's user information (``https://user:password@store.example/query``: a store behind
HTTP Basic authentication, Fuseki's users) is sent as ``Authorization: Basic``, never as part
of the host; and what is said about a URL (errors, logs, ``/ready``) shows it without the
password (:func:`shown`).
"""

from __future__ import annotations

import base64
import http.client
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

#: Errors that mean the kept-alive connection went stale (retried once on a new connection).
_STALE = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    http.client.ResponseNotReady,
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)


def shown(url: str) -> str:
    """``url`` as it may be shown (an error, a log line, an answer): its password, if any,
    replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}").geturl()


def _origin(parts: SplitResult) -> tuple[str, str | None]:
    """The ``host[:port]`` to connect to, without user information, and the ``Authorization``
    value that information makes (None: it has none)."""
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return parts.netloc, None
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return host, f"Basic {token}"


class HttpError(Exception):
    """The request did not get an HTTP answer (refused, reset, bad URL)."""


class HttpTimeout(HttpError):
    """No answer within the timeout."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content: bytes
    content_type: str
    #: Every response header as (name, value), in order (a name may repeat).
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        """The first value of a header (names compare case-insensitively), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


class HttpClient:
    """Keep-alive HTTP/1.1 connections to one or more origins, one set per thread."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        conns: dict[tuple[str, str], http.client.HTTPConnection] | None = getattr(
            self._local, "conns", None
        )
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get((scheme, netloc))
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(netloc, timeout=self.timeout)
            elif scheme == "http":
                conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
            else:
                raise HttpError(f"unsupported URL scheme {scheme!r} (http or https)")
            conns[(scheme, netloc)] = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _drop(self, scheme: str, netloc: str) -> None:
        conns = getattr(self._local, "conns", {})
        conn = conns.pop((scheme, netloc), None)
        if conn is not None:
            conn.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request and read the whole answer; redirects are not followed."""
        parts = urlsplit(url)
        if not parts.netloc:
            raise HttpError(f"not an absolute http(s) URL: {shown(url)!r}")
        netloc, credentials = _origin(parts)
        if credentials is not None and not any(k.lower() == "authorization" for k in headers or {}):
            headers = {**(headers or {}), "Authorization": credentials}
        url = shown(url)  # from here on, only for what is said about it
        target = parts.path or "/"
        query = parts.query
        if params:
            extra = urlencode(params)
            query = f"{query}&{extra}" if query else extra
        if query:
            target = f"{target}?{query}"
        for attempt in (0, 1):
            conn = self._connection(parts.scheme, netloc)
            try:
                conn.request(method, target, body=content, headers=headers or {})
                response = conn.getresponse()
                body = response.read()
            except TimeoutError:
                self._drop(parts.scheme, netloc)
                raise HttpTimeout(f"no answer from {url} within {self.timeout:g} s") from None
            except _STALE as exc:
                self._drop(parts.scheme, netloc)
                if attempt == 0:
                    continue
                raise HttpError(f"{url}: {type(exc).__name__}: {exc}") from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts.scheme, netloc)
                raise HttpError(f"{url}: {type(exc).__name__}: {exc}") from None
            if response.will_close:
                self._drop(parts.scheme, netloc)
            return HttpResponse(
                status=response.status,
                content=body,
                content_type=response.getheader("Content-Type", "") or "",
                headers=tuple(response.getheaders()),
            )
        raise HttpError(f"{url}: no answer")  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
