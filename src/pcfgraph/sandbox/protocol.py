"""The messages between the serving process and its workers, as plain data.

A worker has run untrusted input, so nothing it sends is unpickled: a message is JSON (dicts
with string keys, lists, strings, numbers, booleans, null) plus raw byte strings carried
beside it. On the wire::

    8 bytes  total length N (big-endian)
    4 bytes  length J of the JSON document
    J bytes  the JSON document (UTF-8), each ``bytes`` value replaced by {"$b": index}
    then, for each byte string in order: 8 bytes length, then the bytes

Tuples become lists. Errors travel as ``{"error": class name, "attrs": {...}, "message": ...}``
and are rebuilt in the caller only as :class:`~pcfgraph.errors.PcfgraphError` subclasses.
"""

from __future__ import annotations

import json
import logging
import struct
from typing import Any

from pcfgraph import errors
from pcfgraph.errors import PcfgraphError

log = logging.getLogger("pcfgraph.sandbox")

HEADER = struct.Struct("!Q")
_JSON_LEN = struct.Struct("!I")
_BYTES_KEY = "$b"


class ProtocolError(Exception):
    """A message that is not well-formed (a worker that misbehaves is killed)."""


def _strip(obj: Any, blobs: list[bytes]) -> Any:
    if isinstance(obj, bytes | bytearray | memoryview):
        blobs.append(bytes(obj))
        return {_BYTES_KEY: len(blobs) - 1}
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"message keys must be strings, not {type(key).__name__}")
            out[key] = _strip(value, blobs)
        return out
    if isinstance(obj, list | tuple):
        return [_strip(v, blobs) for v in obj]
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"{type(obj).__name__} cannot be sent to or from a worker")


def encode(obj: Any) -> bytes:
    """One framed message (see the module docstring)."""
    return b"".join(encode_parts(obj))


def encode_parts(obj: Any) -> list[bytes]:
    """One framed message as the pieces that follow each other on the wire: byte strings are
    not copied into one buffer (a worker hands the list to ``socket.sendmsg``; a result of
    megabytes was copied twice, each copy page-faulting fresh memory)."""
    blobs: list[bytes] = []
    doc = json.dumps(_strip(obj, blobs), separators=(",", ":"), allow_nan=False).encode()
    total = _JSON_LEN.size + len(doc) + sum(HEADER.size + len(b) for b in blobs)
    parts = [HEADER.pack(total) + _JSON_LEN.pack(len(doc)) + doc]
    for blob in blobs:
        parts.append(HEADER.pack(len(blob)))
        parts.append(blob)
    return parts


def decode(body: bytes | bytearray | memoryview) -> Any:
    """The value of one message body (without its 8-byte frame header)."""
    view = memoryview(body)
    try:
        (n,) = _JSON_LEN.unpack_from(view)
        doc = json.loads(bytes(view[_JSON_LEN.size : _JSON_LEN.size + n]))
        offset = _JSON_LEN.size + n
        blobs: list[bytes] = []
        while offset < len(view):
            (size,) = HEADER.unpack_from(view, offset)
            offset += HEADER.size
            if offset + size > len(view):
                raise ProtocolError("truncated byte string")
            blobs.append(bytes(view[offset : offset + size]))
            offset += size
    except (struct.error, ValueError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None
    return _restore(doc, blobs)


def _restore(obj: Any, blobs: list[bytes]) -> Any:
    if isinstance(obj, dict):
        if len(obj) == 1 and _BYTES_KEY in obj:
            index = obj[_BYTES_KEY]
            if not isinstance(index, int) or not 0 <= index < len(blobs):
                raise ProtocolError("bad byte-string reference")
            return blobs[index]
        return {k: _restore(v, blobs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_restore(v, blobs) for v in obj]
    return obj


# --- errors ----------------------------------------------------------------------------------

_PLAIN = str | int | float | bool | None


def error_message(exc: BaseException) -> dict[str, Any]:
    """What the caller learns of a failed task: a known error class and its plain attributes."""
    if isinstance(exc, PcfgraphError) and getattr(errors, type(exc).__name__, None) is type(exc):
        attrs = {k: v for k, v in vars(exc).items() if isinstance(v, _PLAIN)}
        return {"error": type(exc).__name__, "attrs": attrs, "message": str(exc)}
    if isinstance(exc, PcfgraphError):
        attrs = {"code": exc.code, "message": str(exc)}
        return {"error": "PcfgraphError", "attrs": attrs, "message": str(exc)}
    if isinstance(exc, MemoryError):
        msg = "the task ran out of memory (worker memory limit)"
        attrs = {"code": errors.OutOfMemory.code, "message": msg}
        return {"error": "OutOfMemory", "attrs": attrs, "message": msg}
    log.exception("task failed")
    msg = f"task failed: {type(exc).__name__}"
    return {
        "error": "PcfgraphError",
        "attrs": {"code": "internal-error", "message": msg},
        "message": msg,
    }


def rebuild_error(value: Any) -> PcfgraphError:
    """The caller-side exception for :func:`error_message`'s output (unknown names: the base)."""
    if not isinstance(value, dict):
        return PcfgraphError("a worker sent a malformed error")
    name = value.get("error")
    message = str(value.get("message") or "task failed")
    cls = getattr(errors, str(name), None)
    if not (isinstance(cls, type) and issubclass(cls, PcfgraphError)):
        cls = PcfgraphError
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.message = message
    attrs = value.get("attrs")
    if isinstance(attrs, dict):
        for key, attr in attrs.items():
            if isinstance(key, str) and not key.startswith("_") and isinstance(attr, _PLAIN):
                setattr(exc, key, attr)
    return exc
