"""Reading a worker's replies in the pool: framing, decoding, resolving the task's future.

Called by the event loop whenever a worker's socket is readable. Replies are length-prefixed
plain data (:mod:`pcfgraph.sandbox.protocol`), never unpickled; a worker that sends anything
else is killed. What happens to a dead or misbehaving worker is the caller's business.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pcfgraph.sandbox import protocol
from pcfgraph.sandbox.process import WorkerProcess

log = logging.getLogger("pcfgraph.sandbox")

#: Bytes read per ``recv``; a message larger than this is received into its own buffer.
_CHUNK = 1 << 16

#: Called with a worker whose socket reached end of file (it died or exited).
OnDead = Callable[[WorkerProcess], None]
#: Called with a worker that sent a malformed message (to be killed and replaced).
OnMalformed = Callable[[WorkerProcess], None]


def on_readable(w: WorkerProcess, on_dead: OnDead, on_malformed: OnMalformed) -> None:
    """Read what ``w`` sent and act on every complete message."""
    if w.frame is not None:
        _receive_frame(w, on_dead, on_malformed)
        return
    try:
        chunk = w.sock.recv(_CHUNK)
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        chunk = b""
    if not chunk:
        on_dead(w)
        return
    w.buffer += chunk
    size = protocol.HEADER.size
    while len(w.buffer) >= size:
        (n,) = protocol.HEADER.unpack_from(w.buffer)
        if len(w.buffer) < size + n:
            if n > _CHUNK:
                # A large reply: the rest goes straight into a buffer of its size, so
                # megabytes of result are not appended chunk by chunk, then sliced.
                w.frame = bytearray(n)
                have = len(w.buffer) - size
                w.frame[:have] = memoryview(w.buffer)[size:]
                w.filled = have
                w.buffer.clear()
            break
        body = w.buffer[size : size + n]
        del w.buffer[: size + n]
        if not _deliver(w, body, on_malformed):
            return


def _receive_frame(w: WorkerProcess, on_dead: OnDead, on_malformed: OnMalformed) -> None:
    assert w.frame is not None
    try:
        got = w.sock.recv_into(memoryview(w.frame)[w.filled :])
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        got = 0
    if not got:
        on_dead(w)
        return
    w.filled += got
    if w.filled == len(w.frame):
        body, w.frame, w.filled = w.frame, None, 0
        _deliver(w, body, on_malformed)


def _deliver(w: WorkerProcess, body: bytearray, on_malformed: OnMalformed) -> bool:
    """Decode one message body and act on it; False when the worker was killed for it."""
    try:
        msg = protocol.decode(body)
    except protocol.ProtocolError:
        log.error("worker %s sent a malformed message: killing it", w.pid)
        on_malformed(w)
        return False
    _on_message(w, msg)
    return True


def _on_message(w: WorkerProcess, msg: Any) -> None:
    if not isinstance(msg, dict):
        return
    if "ready" in msg:
        w.isolated = bool(msg.get("isolated"))
        if not w.ready.done():
            w.ready.set_result(None)
        return
    fut = w.task
    if fut is None or fut.done() or msg.get("id") != w.task_id:
        return
    if msg.get("recycle"):
        w.must_recycle = True  # its memory grew past the mark: no further task runs there
    if "ok" in msg:
        fut.set_result(msg["ok"])
    else:
        fut.set_exception(protocol.rebuild_error(msg.get("error")))
