"""The JSON-RPC envelope of an MCP message, checked before the MCP SDK reads it, one rule for
both transports (a line of ``pcfgraph mcp``, a request body at ``/mcp``).

What the SDK did with a message it could not take as JSON-RPC 2.0: over stdio it dropped it
without a word (a line that is not JSON, a batch, ``"jsonrpc": "1.0"``, a request whose
``id`` is null, an object or a fraction: the client waited for an answer that never came);
at ``/mcp`` it answered 400 with pydantic's dump of four to six validation errors ("For
further information visit https://errors.pydantic.dev/...") under the code of *invalid
params*, or, for a request with such an ``id``, 202 and nothing (taken for a notification).
A ``tools/call`` whose ``arguments`` is no object, or whose ``name`` is no string, was
"Invalid request parameters" naming nothing; over stdio a request before ``initialize`` was
the same. Each is now a JSON-RPC error naming the problem: *parse error* (-32700), *invalid
request* (-32600) with the request's ``id`` when it has a usable one, else null; *invalid
params* (-32602) for a ``tools/call`` whose name or arguments are of the wrong kind (a
malformed request: a protocol error, while a bad value of one argument is the tool's
execution error, :mod:`pcfgraph.mcp.arguments`).

Every message is read here, whatever its size (each transport bounds it first:
:func:`pcfgraph.mcp.limits.message_limit`). Only those of at most :data:`CHECKED` bytes were:
a larger one (an ``audit_model`` or ``sparql`` call of a long text) went to the SDK
unchecked, so the same fault was answered two ways by size: a request whose ``id`` is null
was 202 and nothing at ``/mcp`` (taken for a notification: the client waited), a
``'jsonrpc': '1.0'`` pydantic's dump, ``arguments`` that were no object "Invalid request
parameters" naming nothing, a line that was not JSON dropped without a word over stdio. The
decoded message is let go before the SDK parses the text, so a message is held decoded once
at a time; a transport checks one of more than :data:`CHECKED` bytes in a worker thread
(``json.loads`` of a 36 MB call takes about 50 ms). Light on purpose: no MCP SDK import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pcfgraph.mcp.limits import ENVELOPE

#: The longest message (bytes, or characters of a line) a transport checks on its event loop.
CHECKED = ENVELOPE
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
#: What a request may be sent before ``initialize`` (stdio; ``/mcp`` is stateless).
BEFORE_INITIALIZE = frozenset({"initialize", "ping"})

_KINDS = {type(None): "null", bool: "a boolean", int: "an integer", float: "a number"}


@dataclass(frozen=True)
class Refusal:
    """The error reply to a message the server will not read."""

    id: int | str | None
    code: int
    message: str

    def reply(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        return {"jsonrpc": "2.0", "id": self.id, "error": error}


def kind(value: object) -> str:
    """``value`` (decoded JSON) named for a message: ``an array``, ``the string 'x'``."""
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return _KINDS.get(type(value), "a value")


def usable_id(message: dict[str, Any]) -> int | str | None:
    value = message.get("id")
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def check(text: str | bytes, *, initialized: bool = True) -> Refusal | None:
    """Why the server will not read ``text`` (one JSON-RPC message), or None to read it.
    ``initialized``: the session has seen ``initialize`` (stdio)."""
    return read(text, initialized=initialized)[0]


def read(text: str | bytes, *, initialized: bool) -> tuple[Refusal | None, Any]:
    """:func:`check`, and the message decoded (None when it was not read)."""
    try:
        message = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:  # UnicodeDecodeError too
        return Refusal(None, PARSE_ERROR, f"Parse error: the message is not JSON ({exc})"), None
    except RecursionError:  # 100,000 nested arrays: was a 500 at /mcp, an ended stdio reader
        return Refusal(None, PARSE_ERROR, _TOO_DEEP), None
    where = _lone_surrogate(text, message)
    if where is not None:
        rid = usable_id(message) if isinstance(message, dict) else None
        return Refusal(rid, PARSE_ERROR, f"Parse error: {where}"), None
    refusal: Refusal | None
    if isinstance(message, list):
        refusal = Refusal(
            None,
            INVALID_REQUEST,
            "a batch (JSON array) is not accepted: send each JSON-RPC message on its own",
        )
    elif not isinstance(message, dict):
        refusal = Refusal(
            None, INVALID_REQUEST, f"a JSON-RPC message is a JSON object, not {kind(message)}"
        )
    else:
        refusal = check_object(message, initialized=initialized)
    return refusal, message


#: A message nested deeper than Python's ``json`` reads (about 1,000 levels; the SDK's own
#: parser refuses past about 200 with "recursion limit exceeded").
_TOO_DEEP = (
    "Parse error: the message nests arrays and objects too deep to read "
    "(a JSON-RPC message needs a few levels)"
)


def _no_constant(name: str) -> object:
    """Python's ``json`` reads ``NaN``, ``Infinity`` and ``-Infinity``, which are no JSON
    (RFC 8259): a call's ``"limit": NaN`` was read, and refused as an argument "not nan"."""
    raise ValueError(f"{name} is no JSON value (JSON has no NaN or Infinity)")


#: A JSON escape of a UTF-16 surrogate (``\\ud800``): JSON's grammar allows one alone, which
#: decodes to no Unicode character. Python's ``json`` takes it, the SDK's parser does not: over
#: stdio it dropped such a line without a word (the caller waited for ever); at ``/mcp`` it
#: answered a parse error.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(text: str | bytes, message: object) -> str | None:
    """Where the decoded ``message`` holds a lone surrogate (the text escaped one that no
    other completes), said for a parse error; None when it holds none."""
    raw = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    if not _SURROGATE_ESCAPE.search(raw):
        return None
    stack: list[tuple[str, object]] = [("", message)]
    while stack:
        path, value = stack.pop()
        bad = None
        if isinstance(value, dict):
            for key, item in value.items():
                if not _is_unicode(key):
                    bad = f"a member name of {f'{path!r}' if path else 'the message'}"
                    break
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, str) and not _is_unicode(value):
            bad = repr(path) if path else "the message"
        if bad is not None:
            return (
                f"{bad} holds a lone surrogate (an escape \\ud800-\\udfff that no other "
                "completes), which is no Unicode character"
            )
    return None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_object(message: dict[str, Any], *, initialized: bool) -> Refusal | None:
    rid = usable_id(message)
    if message.get("jsonrpc") != "2.0":
        problem = f"not {kind(message['jsonrpc'])}" if "jsonrpc" in message else "it is missing"
        return Refusal(rid, INVALID_REQUEST, f"'jsonrpc' must be the string '2.0': {problem}")
    if "id" in message and rid is None:
        return Refusal(
            None, INVALID_REQUEST, f"'id' must be a string or an integer, not {kind(message['id'])}"
        )
    if "method" not in message:
        if "id" in message and ("result" in message or "error" in message):
            return None  # a response (to a request of the server)
        return Refusal(
            rid,
            INVALID_REQUEST,
            "a JSON-RPC message has a 'method' (a request or notification), or an 'id' and "
            "a 'result' or 'error' (a response)",
        )
    method = message["method"]
    if not isinstance(method, str):
        return Refusal(rid, INVALID_REQUEST, f"'method' must be a string, not {kind(method)}")
    params = message.get("params")
    if params is not None and not isinstance(params, dict):
        return Refusal(rid, INVALID_PARAMS, f"'params' must be an object, not {kind(params)}")
    if rid is None:
        return None  # a notification: never answered
    if not initialized and method not in BEFORE_INITIALIZE:
        return Refusal(
            rid,
            INVALID_REQUEST,
            f"{method} before initialize: the session starts with an 'initialize' request "
            "(then the 'notifications/initialized' notification)",
        )
    if method == "tools/call":
        return check_tool_call(rid, params or {})
    if method == "prompts/get":
        return check_prompt_get(rid, params or {})
    if method == "resources/read":
        uri = (params or {}).get("uri")
        if not isinstance(uri, str):
            problem = f"not {kind(uri)}" if "uri" in (params or {}) else "it is missing"
            return Refusal(rid, INVALID_PARAMS, f"'params.uri' must be a string: {problem}")
    return None


def check_prompt_get(rid: int | str, params: dict[str, Any]) -> Refusal | None:
    refusal = _name_and_arguments(rid, params, "prompt")
    if refusal is not None:
        return refusal
    for key, value in (params.get("arguments") or {}).items():
        if not isinstance(value, str):
            return Refusal(
                rid, INVALID_PARAMS, f"argument {key!r}: must be a string, not {kind(value)}"
            )
    return None


def check_tool_call(rid: int | str, params: dict[str, Any]) -> Refusal | None:
    return _name_and_arguments(rid, params, "tool")


def _name_and_arguments(rid: int | str, params: dict[str, Any], what: str) -> Refusal | None:
    """A ``tools/call`` or ``prompts/get`` whose ``name`` is no string, or whose
    ``arguments`` (when given) is no object."""
    name = params.get("name")
    if not isinstance(name, str):
        problem = f"not {kind(name)}" if "name" in params else "it is missing"
        return Refusal(
            rid, INVALID_PARAMS, f"'params.name' must be the {what}'s name, a string: {problem}"
        )
    arguments = params.get("arguments")
    if arguments is not None and not isinstance(arguments, dict):
        return Refusal(
            rid,
            INVALID_PARAMS,
            f"'params.arguments' must be an object of {name}'s arguments, not {kind(arguments)}",
        )
    return None


class Session:
    """The checks of one stdio session, which starts with ``initialize`` (or a bare
    ``notifications/initialized``, as the SDK accepts)."""

    def __init__(self) -> None:
        self.initialized = False
        #: The requests passed on and not answered yet, by id (how many of each).
        self.pending: dict[Any, int] = {}

    def check(self, text: str) -> Refusal | None:
        refusal, message = read(text, initialized=self.initialized)
        if refusal is None and isinstance(message, dict):
            method = message.get("method")
            if method in ("initialize", "notifications/initialized"):
                self.initialized = True
            if method is not None and "id" in message:  # a request: it will be answered
                self.pending[message["id"]] = self.pending.get(message["id"], 0) + 1
            elif method == "notifications/cancelled":  # the spec: no answer to it comes
                params = message.get("params")
                if isinstance(params, dict):
                    self.answered(params.get("requestId"))
        return refusal

    def answered(self, rid: Any) -> None:
        """The request ``rid`` was answered (or cancelled)."""
        try:
            left = self.pending[rid] - 1
        except (KeyError, TypeError):  # not a request of ours, or no usable id
            return
        if left:
            self.pending[rid] = left
        else:
            del self.pending[rid]
