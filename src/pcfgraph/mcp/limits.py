"""The largest MCP message, one rule for both transports: a line of stdin for ``pcfgraph mcp``
(:mod:`pcfgraph.mcp.stdio`), a request body at ``/mcp`` (:mod:`pcfgraph.api.mcp`).

It is room for an ``audit_model`` call of any model of ``max_upload_bytes`` (the limit of a
model everywhere, checked on the model itself once the call is read:
:func:`pcfgraph.mcp.sandboxed.audit_model`), JSON-escaped the longest way, and the rest of the
message. JSON may escape any character as ``\\uXXXX`` and must so escape a control character
other than ``\\b \\f \\n \\r \\t``: 6 bytes for one byte of the model (a non-ASCII character so
escaped takes at most 3 per byte: 2 UTF-8 bytes to 6, 4 to 12). The rule was twice
``max_upload_bytes``, room for quotes and newlines only: a model within the limit was refused
when its JSON took more (a model of control characters in a Turtle comment, or of accented
text from a client that escapes non-ASCII, as Python's ``json.dumps`` does by default).

Memory: a transport holds one message whole (the MCP SDK parses a whole message), so the most
one message can hold is now six times ``max_upload_bytes`` rather than twice (192 MiB rather
than 64 MiB at the default). An operator who wants less lowers ``max_upload_bytes``, which
bounds the model everywhere alike; a model that fits ``POST /validate`` fits ``audit_model``.
Every other argument keeps its own bound (the ``sparql`` tool's ``query``:
``max_body_bytes``). Light on purpose: the HTTP server imports it before anything imports
the MCP SDK.
"""

from __future__ import annotations

from pcfgraph.config import Settings

#: Room for the message around the model in an ``audit_model`` call.
ENVELOPE = 64 * 1024
#: The most bytes JSON takes for one byte of a model's text: ``\u0001`` for a control character.
ESCAPE_FACTOR = 6


def message_limit(settings: Settings) -> int:
    """The largest MCP message in bytes: :data:`ESCAPE_FACTOR` times ``max_upload_bytes``
    and :data:`ENVELOPE`."""
    return ESCAPE_FACTOR * settings.max_upload_bytes + ENVELOPE


def too_large(message: str, settings: Settings, *, done: str = "refused") -> str:
    """Why ``message`` (``"message line"``, ``"request body"``) was ``done`` (refused,
    discarded), naming the rule and its setting."""
    return (
        f"{message} of more than {message_limit(settings)} bytes {done} (the limit: "
        f"{ESCAPE_FACTOR} times max_upload_bytes, {settings.max_upload_bytes}, the most a model "
        f"at that limit takes JSON-escaped, and {ENVELOPE} bytes of message); send a smaller "
        "model or request"
    )
