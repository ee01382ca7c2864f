"""The largest MCP message, one rule for both transports: a line of stdin for ``pcfgraph mcp``
(:mod:`pcfgraph.mcp.stdio`), a request body at ``/mcp`` (:mod:`pcfgraph.api.mcp`).

It is room for an ``audit_model`` call of a model of ``max_upload_bytes`` (the limit of a model
everywhere), JSON-escaped (a newline or quote takes two bytes), and the rest of the message.
Every other argument keeps its own bound (the ``sparql`` tool's ``query``: ``max_body_bytes``).
Light on purpose: the HTTP server imports it before anything imports the MCP SDK.
"""

from __future__ import annotations

from pcfgraph.config import Settings

#: Room for the message around the model in an ``audit_model`` call.
ENVELOPE = 64 * 1024


def message_limit(settings: Settings) -> int:
    """The largest MCP message in bytes: twice ``max_upload_bytes`` and :data:`ENVELOPE`."""
    return 2 * settings.max_upload_bytes + ENVELOPE


def too_large(message: str, settings: Settings, *, done: str = "refused") -> str:
    """Why ``message`` (``"message line"``, ``"request body"``) was ``done`` (refused,
    discarded), naming the rule and its setting."""
    return (
        f"{message} of more than {message_limit(settings)} bytes {done} (the limit: twice "
        f"max_upload_bytes, {settings.max_upload_bytes}, and {ENVELOPE} bytes of message); "
        "send a smaller model or request"
    )
