"""Finished ``/sparql`` answers kept by (release, query, media type), with ETags.

A release never changes, so the answer to a deterministic query over it never changes either:
the same request can be answered from memory, and a client that already holds the answer
(``If-None-Match`` with the ``ETag`` it got) gets ``304 Not Modified`` without the query
running at all.

- The key is everything the answer depends on: the release id of the data the sandbox pool
  runs on, the query text, the negotiated media type, ``default-graph-uri`` /
  ``named-graph-uri``, the base IRI (relative IRIs resolve against the service URL) and the
  row cap. A new release gives new keys; entries of the old one are dropped at the switch.
- The ETag is a weak validator derived from the key (``W/"..."``): engines may order the rows
  of an unordered SELECT differently between worker processes, so equal bytes are not
  promised, an equivalent answer is.
- Queries whose answer may differ between runs (``RAND``, ``NOW``, ``UUID``, ``STRUUID``,
  ``BNODE``) are never cached and get no ETag; nor do errors, or answers from a remote store
  (it can change under us).
- Memory is bounded (``sparql_cache_mb``, least recently used first out), answers and keys
  (query texts) counted; an entry larger than a quarter of it is not kept. ``0`` turns the memory off; ETags and 304 stay.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

from pcfgraph.http.conditional import RecentlyUsed

#: SPARQL functions whose value may change from one evaluation to the next.
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)

CacheKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str, int]


def deterministic(query: str) -> bool:
    """Whether the query calls no function whose value may change between runs (checked on
    the whole text, strings and comments included: a false alarm only costs a cache miss)."""
    return _VOLATILE.search(query) is None


def cache_key(
    release_id: str,
    query: str,
    media_type: str,
    default_graphs: list[str],
    named_graphs: list[str],
    base_iri: str,
    max_rows: int,
) -> CacheKey:
    return (
        release_id,
        query,
        media_type,
        tuple(default_graphs),
        tuple(named_graphs),
        base_iri,
        max_rows,
    )


def etag_for(key: CacheKey) -> str:
    """The weak ETag of the answer to ``key`` (the same for every worker and restart); kept
    for keys of short query texts (:func:`_recent_etag`): a repeated GET computed it again."""
    if len(key[1]) <= ETAG_KEPT_CHARS:
        return _recent_etag(key)
    return _etag(key)


#: Query texts up to this long have their ETag kept (at most 1,024 keys: ~2 MB of texts).
ETAG_KEPT_CHARS = 2048


@functools.lru_cache(maxsize=1024)
def _recent_etag(key: CacheKey) -> str:
    return _etag(key)


def _etag(key: CacheKey) -> str:
    text = "".join(f"{part!r}\x00" for part in key)  # one update: the same digest, cheaper
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
    return f'W/"{digest.hexdigest()}"'


def entry_size(key: CacheKey, answer: CachedAnswer) -> int:
    """Bytes an entry holds: the answer and the key's texts (a query may be megabytes long
    and its answer tiny, so keys count against the budget too)."""
    texts = sum(len(part) for part in key[1:3]) + len(key[5])
    texts += sum(len(g) for g in key[3]) + sum(len(g) for g in key[4])
    return len(answer.body) + texts + len(answer.content_type) + len(answer.etag)


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    body: bytes
    content_type: str
    etag: str


class ResponseCache:
    """Least recently used answers of one release, at most ``max_bytes`` of bodies."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.release_id: str | None = None
        self._entries: OrderedDict[CacheKey, CachedAnswer] = OrderedDict()
        self.size = 0
        #: Counters for tests and metrics.
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> CachedAnswer | None:
        entry = self._entries.get(key)
        self.record(key, entry is not None)
        return entry

    def peek(self, key: CacheKey) -> CachedAnswer | None:
        """The entry of ``key``, neither counted nor moved (:meth:`record` does that once the
        lookup is used: the protocol's fast path may hand the request on to the ASGI app)."""
        return self._entries.get(key)

    def record(self, key: CacheKey, hit: bool) -> None:
        """Count a lookup of ``key``; a hit becomes the most recently used entry."""
        if hit:
            self._entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        """Keep ``answer`` for ``key``; a key of another release than the cache holds drops
        every entry first (a release switch)."""
        if key[0] != self.release_id:
            self.clear()
            self.release_id = key[0]
        size = entry_size(key, answer)
        if size > self.max_bytes // 4:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= entry_size(key, old)
        self._entries[key] = answer
        self.size += size
        while self.size > self.max_bytes:
            dropped_key, dropped = self._entries.popitem(last=False)
            self.size -= entry_size(dropped_key, dropped)

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class CheckedText:
    """What ``/sparql`` needs from the guard's verdict on one query text (it accepted it)."""

    form: str
    has_dataset_clause: bool
    deterministic: bool


CheckKey = tuple[str, tuple[str, ...], tuple[str, ...], frozenset[str]]


class CheckedTexts(RecentlyUsed[CheckKey, CheckedText]):
    """Query texts the guard accepted, by text, dataset parameters and the release's graph
    names (everything its verdict depends on besides the app's fixed limits), so a text
    asked again is not tokenised again (8-100 us per request on the bench's lookups).

    Refusals are not kept (each is checked again and gets its own error). Bounded in count
    and in the length of a kept text, least recently used first out."""

    def __init__(self, entries: int = 1024, max_chars: int = 16_384) -> None:
        super().__init__(entries)
        self.max_chars = max_chars

    def put(self, key: CheckKey, value: CheckedText) -> None:
        if len(key[0]) <= self.max_chars:
            super().put(key, value)
