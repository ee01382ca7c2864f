"""The fast path's response head made from kept, checked lines (``head_bytes``,
``around_id``) is byte for byte what the per-header way makes (``response_bytes`` of
``secured(with_request_id(...))``, uvicorn's own checks), or refused where that way refuses:
over statuses, default headers that change between calls, bodies of the right and the wrong
length, and headers uvicorn refuses or looks at (``Content-Length``, ``Connection``,
``Transfer-Encoding``, a bad name or value, a request id of the route's own)."""

from __future__ import annotations

import itertools

import pytest

from pcfgraph.api.http_guard import SECURITY_HEADERS, secured
from pcfgraph.api.http_head import Head, around_id, head_bytes, response_bytes, split_head
from pcfgraph.api.ops import with_request_id

Pairs = list[tuple[bytes, bytes]]

ANSWER: Pairs = [
    (b"content-type", b"application/sparql-results+json"),
    (b"vary", b"Accept"),
    (b"etag", b'W/"abc"'),
    (b"content-length", b"31"),
]
OWN_HEADERS: list[Pairs] = [
    ANSWER,
    ANSWER[:2] + ANSWER[3:],  # no ETag
    [(b"ETag", b'"x"'), (b"Vary", b"Accept")],  # a 304: no length
    [*ANSWER, (b"content-length", b"not a number")],  # a second length: written, not read
    [(b"content-length", b"3.0"), *ANSWER[:2]],  # unreadable length
    [*ANSWER, (b"connection", b"close")],
    [*ANSWER, (b"Transfer-Encoding", b"chunked")],
    [*ANSWER, (b"bad name", b"x")],
    [*ANSWER, (b"x-bad", b"line\r\nbreak")],
    [*ANSWER, (b"X-Request-ID", b"routesown")],
    [*ANSWER, SECURITY_HEADERS[0]],  # a security header the response sets itself
    [*ANSWER, (SECURITY_HEADERS[1][0].upper(), b"other")],
]
DEFAULTS: list[Pairs] = [
    [(b"date", b"Sat, 05 Dec 2026 10:00:00 GMT")],
    [(b"date", b"Sat, 05 Dec 2026 10:00:01 GMT")],
    [],
    [(b"date", b"x"), (b"content-length", b"31")],
    [(b"date", b"x"), (b"connection", b"keep-alive")],
    [(b"date", b"bad\x01value")],
]
BODIES = [b'{"head": {}, "boolean": true }\n', b"", b"short"]
RIDS = ["0123456789abcdef", "client42"]


def _reference(status: int, defaults: Pairs, own: Pairs, rid: str, body: bytes) -> bytes | None:
    return response_bytes(status, defaults, secured(with_request_id(own, rid)), body)


@pytest.mark.parametrize("own", OWN_HEADERS)
def test_head_bytes_are_response_bytes(own: Pairs) -> None:
    made = 0
    for status, defaults, body, rid in itertools.product(
        (200, 304, 204, 404, 799), DEFAULTS, BODIES, RIDS
    ):
        expected = _reference(status, defaults, own, rid, body)
        head = split_head(secured(with_request_id(own, rid)))
        assert head_bytes(status, defaults, head, body) == expected
        made += expected is not None
        # the same defaults list again (kept), then a new one equal to it
        assert head_bytes(status, defaults, head, body) == expected
        assert head_bytes(status, list(defaults), head, body) == expected
    assert made or own in OWN_HEADERS[5:9]  # refused only where uvicorn refuses


def test_a_kept_head_is_the_layers_head() -> None:
    """``around_id`` (kept per answer's own headers) places the request id and the security
    headers as ``with_request_id`` then ``secured`` do."""
    for own in OWN_HEADERS:
        if any(name.lower() == b"x-request-id" for name, _ in own):
            continue  # never an answer's (the fast path keeps only answers' heads)
        for rid in RIDS:
            before, after = around_id(tuple(own))
            head = Head(before, rid.encode(), after)
            assert head.headers() == secured(with_request_id(own, rid))
            assert around_id(tuple(own)) == (before, after)


def test_a_changed_request_id_or_length_is_seen() -> None:
    """What is checked per response, not kept: the request id's value and the body's length."""
    defaults = DEFAULTS[0]
    before, after = around_id(tuple(ANSWER))
    good = head_bytes(200, defaults, Head(before, b"abc", after), BODIES[0])
    assert good is not None and b"\r\nx-request-id: abc\r\n" in good
    assert head_bytes(200, defaults, Head(before, b"a\nb", after), BODIES[0]) is None
    assert head_bytes(200, defaults, Head(before, b"abc", after), BODIES[0] + b" ") is None
    assert head_bytes(204, defaults, Head((), b"abc", ()), b"") is not None
    assert head_bytes(200, defaults, Head((), b"abc", ()), b"") is None
