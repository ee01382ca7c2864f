"""SPARQL 1.1 Protocol request parsing for ``/sparql`` and ``/queries``: form and query-string
parameters (UTF-8 required before and after percent-decoding), the request's media type, and
the one-or-many rules for protocol parameters. Kept apart from the endpoint so the parsing,
which sees every byte a client sends, can be read and fuzzed on its own."""

from __future__ import annotations

import codecs
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import Scope

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


def form_params(raw: bytes | str, what: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, as ``parse_qsl(keep_blank_values=True)``
    gives them, with UTF-8 required before and after percent-decoding."""
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
    main, *rest = [p.strip() for p in raw.split(";")]
    params = {}
    for p in rest:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"').lower()
    return main.lower(), params


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
