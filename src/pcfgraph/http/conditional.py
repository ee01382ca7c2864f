"""Conditional requests (RFC 9110 13) for answers that are the same bytes on one release.

A release never changes, so what a route makes from it (an ``/id`` description, a mapping
set's SSSOM file, a framework's spreadsheet) is the same bytes every time: its ETag is
strong (the body's digest), and the tags of answers made are kept per release so that a
client's copy asked about again (``If-None-Match``) is answered 304 without making it.
``Cache-Control`` lets caches keep an answer a while without asking (``/admin/reload`` may
switch the release), then revalidate with the ETag.

Beside its ETag an answer carries ``Last-Modified``, the served release's build time (its
manifest's ``created``), for clients that revalidate by date (``If-Modified-Since``: curl
``-z``, wget ``-N``). ``If-None-Match`` wins when both are sent (RFC 9110 13.2.2). A date is
304 only when it is the served release's own date: a reload or a restart may serve a release
built earlier than the one a client's copy came from (rolling back), and a copy dated later
is not that release's (the rule nginx calls ``if_modified_since exact``).
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from pcfgraph import __version__
from pcfgraph.http.licence import LINK
from pcfgraph.runtime import AppState, PerRelease

K = TypeVar("K")
V = TypeVar("V")

#: How long a cache may reuse an answer without revalidating it (its ETag): a release never
#: changes, but ``/admin/reload`` may switch the server to another one.
CACHE_CONTROL = "public, max-age=300"


def strong_etag(body: bytes) -> str:
    """The strong ETag of a response body that is the same bytes whenever it is made (an
    ``/id`` answer: one release, one IRI, one media type): its digest, so equal tags promise
    equal bytes whatever code or release made them."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` against ``etag`` by weak comparison (RFC 9110 13.1.2): ``*`` or any
    listed tag with the same opaque value, ``W/`` or not."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        if candidate.strip().removeprefix("W/") == opaque:
            return True
    return False


def last_modified(state: AppState) -> str | None:
    """The ``Last-Modified`` of answers made from the served release: its build time (the
    manifest's ``created``) as an HTTP date; None on a remote store (its data may change under
    one release) or for a release that does not say when it was built."""
    if state.services.remote_store is not None:
        return None
    created = state.release.manifest.get("created")
    return _http_date(created) if isinstance(created, str) else None


@functools.lru_cache(maxsize=16)
def _http_date(created: str) -> str | None:
    """A manifest's ISO 8601 ``created`` as an HTTP date (IMF-fixdate, RFC 9110 5.6.7);
    memoised: a release's one date, asked by every answer made from it."""
    try:
        built = datetime.fromisoformat(created)
    except ValueError:
        return None
    if built.tzinfo is None:
        built = built.replace(tzinfo=UTC)
    return format_datetime(built.astimezone(UTC), usegmt=True)


def unmodified(request: Request, modified: str | None) -> bool:
    """True when the request's ``If-Modified-Since`` names ``modified`` (the served release's
    date) and counts: a ``GET`` or ``HEAD`` with no ``If-None-Match`` (which wins, RFC 9110
    13.2.2). A date that is not the release's own (later, or not a date) is not its copy."""
    given = request.headers.get("if-modified-since")
    if modified is None or not given or request.method not in ("GET", "HEAD"):
        return False
    if request.headers.get("if-none-match") is not None:
        return False
    try:
        return parsedate_to_datetime(given) == parsedate_to_datetime(modified)
    except (TypeError, ValueError):
        return False


class RecentlyUsed(Generic[K, V]):
    """At most ``entries`` values by key, least recently used first out: the memo of work
    done per request that a request asked again need not do again (the ``/sparql`` guard's
    verdicts and plans, the ETags of answers made)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.entries:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


#: The ETags of downloads made on the served release, by route and what names the file.
DownloadTags = RecentlyUsed[Hashable, str]


def download_tags(state: AppState) -> DownloadTags | None:
    """The ETags of downloads made on the served release (:func:`release_tags`, 1,024)."""
    return release_tags(state, state.caches.download_etags, 1024)


def release_tags(
    state: AppState, holder: PerRelease[object], entries: int
) -> RecentlyUsed[Any, str] | None:
    """The ETags of answers made on the served release, kept in ``holder`` (at most
    ``entries``, least recently used first out; a reload starts afresh). None on a remote
    store: its data may change under the same release, so each answer is made again and its
    digest compared."""
    if state.services.remote_store is not None:
        return None
    found = holder.get(state.release, lambda: RecentlyUsed[Any, str](entries))
    assert isinstance(found, RecentlyUsed)
    return found


def weak_tag(state: AppState, key: Hashable) -> str | None:
    """The weak ETag of a download that is equivalent, not the same bytes, each time it is
    made on one release (an XLSX file: its zip entries and properties carry the time it was
    written): from the release, this code's version and ``key``, so every server process
    gives the same tag. None on a remote store (its data may change under the release)."""
    if state.services.remote_store is not None:
        return None
    text = repr((state.release.release_id, __version__, key))
    return f'W/"{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"'


def not_modified(
    request: Request,
    state: AppState,
    key: Hashable,
    *,
    same_bytes: bool = True,
    vary: str | None = None,
) -> Response | None:
    """304 when the client's copy (``If-None-Match``) is the download ``key`` made before on
    the served release (its tag was kept; or, not ``same_bytes``, its weak tag is named), or
    the copy's date (``If-Modified-Since``) is the release's and the download was made on it,
    without making it again; else None (make it: :func:`download`)."""
    given = request.headers.get("if-none-match")
    if not given:
        if "if-modified-since" not in request.headers:
            return None
        tags = download_tags(state)
        sent = tags.get(key) if tags is not None else None
        modified = last_modified(state)
        if sent is not None and unmodified(request, modified):
            return Response(status_code=304, headers=validators(sent, vary, modified))
        return None
    tags = download_tags(state)
    sent = tags.get(key) if tags is not None else None
    if sent is None and not same_bytes and given.strip() != "*":
        # another process of the server made it (the same tag): not for '*', which would
        # be 304 for a file no one could make (an unknown framework)
        sent = weak_tag(state, key)
    if sent is None or not matches(given, sent):
        return None
    return Response(status_code=304, headers=validators(sent, vary, last_modified(state)))


def download(
    request: Request,
    state: AppState,
    key: Hashable,
    body: bytes,
    media_type: str,
    headers: Mapping[str, str],
    *,
    same_bytes: bool = True,
    vary: str | None = None,
    licensed: bool = True,
) -> Response:
    """200 with ``body`` (with ``headers``, e.g. its ``Content-Disposition``) and its ETag,
    or 304 when the client's copy is it. ``same_bytes``: the body is the same bytes whenever
    it is made on the release, its ETag strong (its digest, kept under ``key``); else weak
    (:func:`weak_tag`). ``licensed``: made from the graph's content, so it links the
    licences (:mod:`pcfgraph.http.licence`)."""
    if licensed:
        headers = {"Link": LINK, **headers}
    etag = strong_etag(body) if same_bytes else weak_tag(state, key)
    tags = download_tags(state)
    if tags is not None and etag is not None:
        tags.put(key, etag)
    if etag is None:
        varies = {"Vary": vary} if vary else {}
        return Response(body, media_type=media_type, headers={**headers, **varies})
    modified = last_modified(state)
    kept = validators(etag, vary, modified)
    if matches(request.headers.get("if-none-match"), etag) or unmodified(request, modified):
        return Response(status_code=304, headers=kept)
    return Response(body, media_type=media_type, headers={**headers, **kept})


def validators(etag: str, vary: str | None = None, modified: str | None = None) -> dict[str, str]:
    """What a 200 and a 304 of one answer both carry (RFC 9110 15.4.5): its ETag,
    Last-Modified (:func:`last_modified`), Cache-Control and (an answer chosen by a request
    header) Vary."""
    out = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if modified is not None:
        out["Last-Modified"] = modified
    if vary:
        out["Vary"] = vary
    return out
