"""A response's head and bytes as uvicorn writes them, for the protocol's fast path
(:mod:`pcfgraph.api.http_protocol`, :mod:`pcfgraph.api.fast_path`): a fast answer's headers
around its request id (:class:`Head`, the parts kept per kind of answer: :func:`around_id`);
:func:`response_bytes` checks every header line as uvicorn does and refuses what uvicorn
would do more with; :func:`head_bytes` writes a fast answer from kept, checked lines."""

from __future__ import annotations

import functools
from typing import NamedTuple

from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE

from pcfgraph.api.http_guard import secured
from pcfgraph.api.ops import with_request_id

Pairs = tuple[tuple[bytes, bytes], ...]


class Head(NamedTuple):
    """A response's headers as the layers pass them to uvicorn, around its request id: the
    headers before ``X-Request-ID``, its value, the headers after it (the security headers
    the response does not set itself). The parts that are the same for every answer of a
    kind (:func:`around_id`) are the same tuples from one answer to the next, which the
    protocol writes from kept, checked bytes (:func:`head_bytes`)."""

    before: Pairs
    rid: bytes
    after: Pairs

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The header list (as the layers pass it on)."""
        return [*self.before, (b"x-request-id", self.rid), *self.after]


def split_head(headers: list[tuple[bytes, bytes]]) -> Head:
    """``headers`` (with one ``X-Request-ID``: :func:`~pcfgraph.api.ops.with_request_id`'s)
    as a :class:`Head`."""
    for i, (name, value) in enumerate(headers):
        if name == b"x-request-id":
            return Head(tuple(headers[:i]), value, tuple(headers[i + 1 :]))
    raise ValueError("no X-Request-ID")  # pragma: no cover - with_request_id adds it


@functools.lru_cache(maxsize=1024)
def around_id(raw: Pairs) -> tuple[Pairs, Pairs]:
    """The headers before and after the request id of a response whose own headers are
    ``raw``, as :func:`~pcfgraph.api.ops.with_request_id` then
    :func:`~pcfgraph.api.http_guard.secured` place them (without CORS): they depend on
    nothing else, and an answer's are those of the answers before it to the same
    query (the same type, ``Vary``, ETag and length), so they are kept (least recently used
    out; only for a query's answer, ``AnswerResponse``, whose own headers never hold a
    request id to make each key new)."""
    head = split_head(secured(with_request_id(raw, "")))
    return head.before, head.after


def response_bytes(
    status: int,
    default_headers: list[tuple[bytes, bytes]],
    headers: list[tuple[bytes, bytes]],
    body: bytes,
) -> bytes | None:
    """The bytes uvicorn's ``RequestResponseCycle.send`` writes for this complete response to
    a kept-alive ``GET`` or ``POST`` (the status line, uvicorn's default headers then the response's,
    names in lower case, then the body), or None where it would do anything else (a header
    it refuses, no ``Content-Length`` where a body needs one, a body of another length, a
    ``Connection`` or ``Transfer-Encoding`` of the app's): such a response goes the ASGI way."""
    line = STATUS_LINE.get(status)
    if line is None:
        return None
    content = [line]
    length: int | None = None
    for name, value in (*default_headers, *headers):
        if name == b"x-request-id":  # new on every response: checked, not kept (_header_line)
            if HEADER_VALUE_RE.search(value):
                return None
            content.append(b"x-request-id: " + value + b"\r\n")
            continue
        checked = _header_line(name, value)
        if checked is None:
            return None
        name, text = checked
        if name == b"content-length" and length is None:
            try:
                length = int(value)  # bytes, as int(value.decode()) reads them
            except ValueError:
                return None
        elif name in (b"connection", b"transfer-encoding"):
            return None
        content.append(text)
    if length is None:
        if body or status not in (204, 304):
            return None
    elif length != len(body):
        return None
    content.append(b"\r\n")
    content.append(body)
    return b"".join(content)


def head_bytes(
    status: int, default_headers: list[tuple[bytes, bytes]], head: Head, body: bytes
) -> bytes | None:
    """:func:`response_bytes` of ``head``'s headers (``head.headers()``), made from kept,
    checked lines: uvicorn's default headers' (:func:`_default_lines`), and those before and after the request id
    (:func:`_lines_around`, kept per status and parts); only the request id and the body's
    length are checked per response. The two regular expressions, the loop and the lookups
    per header line were about a tenth of a fast ``ASK {}``'s Python work."""
    defaults = _default_lines(tuple(default_headers))
    around = _lines_around(status, head.before, head.after)
    rid = head.rid
    if defaults is None or around is None or HEADER_VALUE_RE.search(rid):
        return response_bytes(status, default_headers, head.headers(), body)
    line, before, after, length = around
    if length is None:
        if body or status not in (204, 304):
            return None
    elif length != len(body):
        return None
    return b"".join((line, defaults, before, b"x-request-id: ", rid, b"\r\n", after, body))


@functools.lru_cache(maxsize=8)
def _default_lines(default_headers: tuple[tuple[bytes, bytes], ...]) -> bytes | None:
    """The lines of uvicorn's default headers (a new list each second, for its ``Date``: kept
    by value, a few at a time); None where one of them is a header :func:`response_bytes` does
    more with than write it (``Content-Length`` and the like)."""
    lines = []
    for name, value in default_headers:
        checked = _header_line(name, value)
        if checked is None or checked[0] in _LOOKED_AT:
            return None
        lines.append(checked[1])
    return b"".join(lines)


#: Header names :func:`response_bytes` does more with than write them.
_LOOKED_AT = frozenset({b"x-request-id", b"content-length", b"connection", b"transfer-encoding"})


@functools.lru_cache(maxsize=1024)
def _lines_around(
    status: int, before: tuple[tuple[bytes, bytes], ...], after: tuple[tuple[bytes, bytes], ...]
) -> tuple[bytes, bytes, bytes, int | None] | None:
    """The status line, the lines before and after the request id (the blank line after the
    headers included) and the ``Content-Length`` of a response with these headers around its
    request id, as :func:`response_bytes` writes and reads them; None where it would not
    write them (then :func:`head_bytes` asks it, and it says so)."""
    line = STATUS_LINE.get(status)
    if line is None:
        return None
    parts: list[list[bytes]] = [[], []]
    length: int | None = None
    for part, headers in zip(parts, (before, after), strict=True):
        for name, value in headers:
            checked = _header_line(name, value)
            if checked is None:
                return None
            lower, text = checked
            if lower in _LOOKED_AT and lower != b"content-length":
                return None
            if lower == b"content-length" and length is None:
                try:
                    length = int(value)
                except ValueError:
                    return None
            part.append(text)
    return line, b"".join(parts[0]), b"".join(parts[1]) + b"\r\n", length


@functools.lru_cache(maxsize=1024)
def _header_line(name: bytes, value: bytes) -> tuple[bytes, bytes] | None:
    """A header's name in lower case and its line, checked as uvicorn checks it (None: it
    refuses it). Kept: most of a response's headers are the same on every response (the
    security headers, ``server``, ``vary``, the ``date`` of this second), and the two
    regular expressions per header were a tenth of a fast answer's time."""
    if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
        return None
    name = name.lower()
    return name, b"".join([name, b": ", value, b"\r\n"])
