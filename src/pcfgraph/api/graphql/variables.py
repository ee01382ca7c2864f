"""Bounded decoding of GraphQL request JSON: variables nested too deep or too large are a
400 naming the limit before ``json.loads`` (whose recursion would otherwise fail with a
500) or graphql-core's variable coercion sees them.

- depth: ``Settings.graphql_max_variables_depth`` levels of arrays/objects inside
  ``variables`` (and ``extensions``), counted on the raw bytes without recursion;
- size: ``Settings.graphql_max_variables_bytes`` of ``variables`` as JSON.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from cross_web import HTTPException

#: A JSON string, or one that never closes, to the end (``json.loads`` stops there with an
#: error): every quote outside a string starts a match, so no byte is read twice. With the
#: closing quote required, a body of ``"\"\"\"...`` failed at every quote after reading to
#: the end: 80 kB of request JSON cost 31 s of CPU before anything else ran.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(data: bytes) -> int:
    """Deepest array/object nesting of a JSON text (strings skipped); 0 for a scalar."""
    steps = (1 if b in b"[{" else -1 for b in _BRACKET.findall(_STRING.sub(b"", data)))
    return max(accumulate(steps, initial=0))


def decode_request_json(data: str | bytes, *, max_depth: int, max_bytes: int) -> Any:
    """The decoded request (or ``variables``/``extensions`` of a GET), within the limits."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    depth = json_depth(raw)
    # A POST body is an envelope {"query": ..., "variables": {...}}: one level more.
    if depth > max_depth + 1:
        raise _too_deep(max_depth)
    doc = json.loads(raw)
    envelope = isinstance(doc, dict) and "query" in doc
    if not envelope and depth > max_depth:
        raise _too_deep(max_depth)
    variables = doc.get("variables") if envelope else doc
    if variables is not None:
        size = len(raw) if not envelope else len(json.dumps(variables, separators=(",", ":")))
        if size > max_bytes:
            raise HTTPException(
                400,
                f"the GraphQL variables are {size} bytes of JSON, over the "
                f"graphql_max_variables_bytes limit of {max_bytes}",
            )
    return doc


#: How a request body's JSON value is named in a refusal.
_JSON_KINDS = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
}


def check_request_body(doc: Any, *, batching: bool, max_operations: int | None = None) -> None:
    """A POST body must be an operation (a JSON object) or, with batching, an array of them
    (at most ``max_operations``): anything else is a 400 naming what came. Strawberry read
    ``null``, a number, a string or a boolean (and a batch item that is none of its objects)
    with ``.get`` and answered 500, and refused a long batch with "Too many operations"."""
    if isinstance(doc, list):
        if batching and max_operations is not None and len(doc) > max_operations:
            raise HTTPException(
                400,
                f"the batch holds {len(doc)} operations; at most {max_operations} are taken "
                "per request (send the others in another request)",
            )
        if batching:  # else strawberry refuses the array itself ("Batching is not enabled")
            for at, item in enumerate(doc, start=1):
                if not isinstance(item, dict):
                    raise HTTPException(
                        400,
                        f"operation {at} of the batch is {_kind(item)}, not a JSON object "
                        '({"query": ...})',
                    )
        return
    if not isinstance(doc, dict):
        raise HTTPException(
            400,
            f'the GraphQL request body is {_kind(doc)}; it must be a JSON object ({{"query": ...}})',
        )
    name = doc.get("operationName")
    if name is not None and not isinstance(name, str):  # it was "Unknown operation named "5""
        raise HTTPException(400, f"operationName must be a string or null, not {_kind(name)}")
    extensions = doc.get("extensions")
    if doc.get("query") is None and isinstance(extensions, dict) and "persistedQuery" in extensions:
        # it was "No GraphQL query found in the request": a client sending only a hash (Apollo's
        # automatic persisted queries) learns there is no store of them, and sends the text
        raise HTTPException(
            400,
            "PersistedQueryNotSupported: this server keeps no persisted queries; send the "
            'query text in "query" (extensions.persistedQuery alone names no operation)',
        )


def _kind(value: Any) -> str:
    return "an array" if isinstance(value, list) else _JSON_KINDS.get(type(value), "a value")


def _too_deep(max_depth: int) -> HTTPException:
    return HTTPException(
        400,
        f"the GraphQL variables are nested more than {max_depth} levels deep "
        f"(graphql_max_variables_depth)",
    )
