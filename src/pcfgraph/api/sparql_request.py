"""SPARQL 1.1 Protocol request parsing for ``/sparql`` and ``/queries``: form and query-string
parameters (UTF-8 required before and after percent-decoding), the request's media type, and
the one-or-many rules for protocol parameters. Kept apart from the endpoint so the parsing,
which sees every byte a client sends, can be read and fuzzed on its own."""

from __future__ import annotations

import codecs
import functools
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import Scope

from pcfgraph.conneg import base_media_type, media_type_params
from pcfgraph.errors import InputError

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


def decode_utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not valid UTF-8 (byte {exc.start}); SPARQL requests must be UTF-8",
            code="bad-encoding",
        ) from None


#: Raw parameter strings up to this long have their pairs kept (the last 256 of them).
PAIRS_KEPT_BYTES = 8192


def form_params(raw: bytes | str, what: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, as ``parse_qsl(keep_blank_values=True)``
    gives them, with UTF-8 required before and after percent-decoding.

    The pairs of a short query string are kept (:func:`_kept_pairs`): clients ask the same
    query again and again, and percent-decoding a query's text is a tenth of a cheap lookup's
    time in this process. What is refused is not kept (each one raises again)."""
    if isinstance(raw, bytes) and len(raw) <= PAIRS_KEPT_BYTES:
        return list(_kept_pairs(raw, what))
    return _pairs(raw, what)


@functools.lru_cache(maxsize=256)
def _kept_pairs(raw: bytes, what: str) -> tuple[tuple[str, str], ...]:
    return tuple(_pairs(raw, what))


def _pairs(raw: bytes | str, what: str) -> list[tuple[str, str]]:
    text = raw if isinstance(raw, str) else decode_utf8(raw, what)
    pairs: list[tuple[str, str]] = []
    try:
        for pair in text.encode("utf-8").split(b"&"):
            if pair:
                name, _, value = pair.partition(b"=")
                pairs.append((unquote_plus(name).decode(), unquote_plus(value).decode()))
    except UnicodeDecodeError:
        raise InputError(
            f"{what} has percent-encoded bytes that are not UTF-8", code="bad-encoding"
        ) from None
    return pairs


def unquote_plus(data: bytes) -> bytes:
    """Percent-decoding in C: ``%HH`` becomes ``\\xHH`` for the codec that unescapes pickle
    strings (backslashes doubled first, so nothing else is an escape). A query is hundreds of
    escapes; ``urllib.parse.unquote`` decodes them one by one in Python (~5x slower).
    Malformed escapes (``%zz``, a trailing ``%4``) are left as they are, like urllib does."""
    data = data.replace(b"+", b" ")
    if b"%" not in data:
        return data
    try:
        return bytes(codecs.escape_decode(data.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0])
    except ValueError:
        return unquote_to_bytes(data)


def content_media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = header(request.scope, b"content-type") or ""
    params = {key: value.lower() for key, value in media_type_params(raw)}
    return base_media_type(raw), params


def one_param(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise InputError(f"the request has {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


def many_params(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of the request header ``name`` (lower case), as
    ``Request.headers.get`` gives it, read from the scope without building a headers object."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
