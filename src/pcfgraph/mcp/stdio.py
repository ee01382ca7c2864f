"""``pcfgraph mcp``: the MCP server over stdio, with its own sandbox pool (so ad-hoc SPARQL
and audits run under the same deadlines and caps as on the HTTP server).

A message is one line of stdin (the MCP stdio transport). The SDK's transport read each line
whole however long, before anything checked ``max_upload_bytes`` (a 50 MB line took the
server's peak memory from 137 to 499 MB), and answered a line it could not parse with
nothing. Here stdin is read by :class:`BoundedLines`: a line of more than
:func:`line_limit` bytes is dropped as it arrives, never held whole, and answered with a
JSON-RPC Invalid Request error naming the limit (with the line's ``id`` when the id comes
before anything nested, as the SDK's clients write it, else ``id`` null); the session goes
on. Everything else is the SDK's transport (:func:`mcp.server.stdio.stdio_server`, given
these lines as its ``stdin``): the framing, the parsing, the replies on stdout, which it
owns while it serves (fd 1 pointed at stderr, so stray output misses the wire). As it would
for its own stdin, fd 0 points at the null device meanwhile (handlers and children read
EOF, not the wire).
"""

from __future__ import annotations

import json
import logging
import os
import select
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import anyio

from pcfgraph.config import Settings
from pcfgraph.mcp import envelope
from pcfgraph.mcp.limits import message_limit, too_large
from pcfgraph.mcp.server import build_server
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.release import Release

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

logger = logging.getLogger(__name__)

#: How much of stdin one read takes.
CHUNK = 64 * 1024
#: How much of a dropped line is kept to find its ``id``.
HEAD = 4096
#: How often the wait at EOF looks whether the client still reads stdout.
WATCH_SECONDS = 0.25


def line_limit(settings: Settings) -> int:
    """The longest message line (bytes): the largest MCP message, the same at ``/mcp``
    (:func:`pcfgraph.mcp.limits.message_limit`)."""
    return message_limit(settings)


class BoundedLines:
    """The lines of file descriptor ``fd`` as text (the ``stdin`` of the SDK's transport), at
    most ``limit`` bytes each: a longer line is dropped as it is read, and ``refuse(head)``
    (set once the transport runs) answers it from its first bytes."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd = fd
        self.limit = limit
        self.refuse: Any = None  # async (head: bytes) -> None
        self.answer: Any = None  # async (refusal: envelope.Refusal) -> None
        self.session = envelope.Session()
        self._buffer = bytearray()
        self._scanned = 0  # no newline in _buffer[:_scanned]
        self._eof = False
        #: At EOF, how long to wait for the answers of the requests passed on (:meth:`_drain`).
        self.drain_seconds = 0.0
        #: Whether the client stopped reading the server's answers (its end of stdout closed).
        self.reader_gone: Any = lambda: False
        self._settled: anyio.Event | None = None

    def __aiter__(self) -> BoundedLines:
        return self

    async def __anext__(self) -> str:
        """The next line for the SDK: a blank line is skipped, one that is no JSON-RPC
        message it would read is answered here (:mod:`pcfgraph.mcp.envelope`; the SDK's
        transport dropped it without a word)."""
        while True:
            try:
                line = await self._next_line()
            except StopAsyncIteration:
                await self._drain()
                raise
            except UnicodeDecodeError as exc:  # as envelope.read answers such a body at /mcp
                if self.answer is not None:
                    problem = f"Parse error: the message is not JSON ({exc})"
                    await self.answer(envelope.Refusal(None, envelope.PARSE_ERROR, problem))
                continue
            if not line.strip():
                continue
            if len(line) > envelope.CHECKED:  # a long call: decoded off the event loop
                refusal = await anyio.to_thread.run_sync(self.session.check, line)
            else:
                refusal = self.session.check(line)
            if refusal is None:
                return line
            if self.answer is not None:
                await self.answer(refusal)

    async def _drain(self) -> None:
        """At EOF, wait (at most :attr:`drain_seconds`) until every request passed on is
        answered: the SDK's loop ends with its input and cancels the calls still running
        (some answered "Connection closed", others nothing), so a client that wrote its
        requests and closed stdin, as the MCP spec's shutdown has it, lost their answers."""
        with anyio.move_on_after(self.drain_seconds):
            # a client that is gone (its end of stdout closed too) reads no answer: not waited for
            while self.session.pending and not self.reader_gone():
                self._settled = anyio.Event()
                with anyio.move_on_after(WATCH_SECONDS):
                    await self._settled.wait()
        self._settled = None

    def answered(self, rid: Any) -> None:
        """The server sent the answer to the request ``rid``."""
        self.session.answered(rid)
        if self._settled is not None and not self.session.pending:
            self._settled.set()

    async def _next_line(self) -> str:
        """The next line as text; UnicodeDecodeError for one that is not UTF-8 (it was
        decoded with replacement characters: a Latin-1 ``café`` was searched as ``caf\ufffd``,
        found nothing, and said nothing, where ``/mcp`` answers a parse error), the line
        consumed."""
        while True:
            end = self._buffer.find(b"\n", self._scanned)
            if end >= 0 and end <= self.limit:
                # decoded from the buffer itself: no copy of the line's bytes besides its text
                failed = None
                with memoryview(self._buffer) as view, view[: end + 1] as part:
                    try:
                        text = str(part, "utf-8")
                    except UnicodeDecodeError as exc:
                        failed = exc
                del self._buffer[: end + 1]
                self._scanned = 0
                if failed is not None:
                    raise failed
                return text
            if end > self.limit or len(self._buffer) > self.limit:
                await self._drop_line()
                continue
            self._scanned = len(self._buffer)
            if self._eof:
                if not self._buffer:
                    raise StopAsyncIteration
                line = bytes(self._buffer)
                self._buffer.clear()
                self._scanned = 0
                return line.decode("utf-8")
            await self._read()

    async def _read(self) -> bytes:
        chunk: bytes = await anyio.to_thread.run_sync(
            os.read, self.fd, CHUNK, abandon_on_cancel=True
        )
        if chunk:
            self._buffer += chunk
        else:
            self._eof = True
        return chunk

    async def _drop_line(self) -> None:
        """Drop the line at the start of the buffer, reading on to its end (at most one
        chunk held at a time), then answer it."""
        head = bytes(self._buffer[:HEAD])
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                del self._buffer[: end + 1]
                break
            self._buffer.clear()
            if not await self._read():
                break
        self._scanned = 0
        if self.refuse is not None:
            await self.refuse(head)


def leading_id(head: bytes) -> int | str | None:
    """The ``id`` of the JSON object ``head`` begins, when it is one of the members before
    the first nested one (``{"jsonrpc": "2.0", "id": 7, "method": ..., "params": {...``);
    else None."""
    text = head.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    try:
        at = _skip(text, 0)
        if text[at] != "{":
            return None
        at += 1
        while True:
            at = _skip(text, at)
            key, at = decoder.raw_decode(text, at)
            at = _skip(text, at)
            if not isinstance(key, str) or text[at] != ":":
                return None
            at = _skip(text, at + 1)
            if text[at] in "{[":
                return None
            value, at = decoder.raw_decode(text, at)
            at = _skip(text, at)
            if text[at] not in ",}":  # cut off (the number may go on) or not JSON
                return None
            if key == "id":
                ok = isinstance(value, int | str) and not isinstance(value, bool)
                return value if ok else None
            at += 1
    except (IndexError, ValueError):
        return None


def _skip(text: str, at: int) -> int:
    while text[at] in " \t\r\n":
        at += 1
    return at


@contextmanager
def wire_stdin() -> Iterator[int]:
    """The wire's stdin on a descriptor of its own; fd 0 the null device meanwhile."""
    wire = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
        yield wire
    finally:
        os.dup2(wire, 0)
        os.close(null)
        os.close(wire)


async def serve_lines(
    server: MCPServer, lines: BoundedLines, settings: Settings, stdout: Any = None
) -> None:
    """Run ``server`` over the SDK's stdio transport reading ``lines`` (``stdout``: the SDK's
    own, the process's stdout, unless given), until EOF; a client that closed its end of
    stdout ends it too, quietly (it was an "internal error ... This is a bug", exit 3)."""
    # the wire's stdout, watched at EOF (the SDK's stdio_server takes fd 1 for its own)
    watched = os.dup(1) if stdout is None else stdout.wrapped.fileno()
    lines.reader_gone = lambda: reader_gone(watched)
    try:
        await _serve_lines(server, lines, settings, stdout)
    except* BrokenPipeError:  # the client closed stdout with answers due: it asked no more
        logger.warning("the client closed the connection; answers it did not read were dropped")
    finally:
        if stdout is None:
            os.close(watched)


def reader_gone(fd: int) -> bool:
    """Whether nothing reads the pipe (or socket) ``fd`` writes to any longer."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT)  # POLLERR and POLLHUP are reported whatever is asked
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


async def _serve_lines(
    server: MCPServer, lines: BoundedLines, settings: Settings, stdout: Any
) -> None:
    from mcp.server.stdio import stdio_server
    from mcp.shared.message import SessionMessage
    from mcp.types import INVALID_REQUEST, ErrorData, JSONRPCError

    async with stdio_server(stdin=lines, stdout=stdout) as (read_stream, write_stream):  # type: ignore[arg-type]

        async def refuse(head: bytes) -> None:
            error = ErrorData(
                code=INVALID_REQUEST, message=too_large("message line", settings, done="discarded")
            )
            reply = JSONRPCError(jsonrpc="2.0", id=leading_id(head), error=error)
            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                await write_stream.send(SessionMessage(reply))  # unless the session ended

        async def answer(refusal: envelope.Refusal) -> None:
            reply = JSONRPCError.model_validate(refusal.reply())
            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                await write_stream.send(SessionMessage(reply))

        lines.refuse = refuse
        lines.answer = answer
        lines.drain_seconds = drain_seconds(settings)
        # What MCPServer.run_stdio_async runs, on these streams (it takes none).
        lowlevel = server._lowlevel_server
        answers = Answers(write_stream, lines)
        await lowlevel.run(read_stream, answers, lowlevel.create_initialization_options())


def drain_seconds(settings: Settings) -> float:
    """How long ``pcfgraph mcp`` waits at EOF for the answers still due: the longest a call
    runs (an audit's deadline after a query's), and some."""
    return settings.query_timeout + settings.validate_timeout + 10.0


class Answers:
    """The server's write stream, telling :class:`BoundedLines` of each answer it sends."""

    def __init__(self, stream: Any, lines: BoundedLines) -> None:
        self._stream = stream
        self._lines = lines

    async def send(self, item: Any, /) -> None:
        await self._stream.send(item)
        message = getattr(item, "message", None)
        rid = getattr(message, "id", None)
        if rid is not None and getattr(message, "method", None) is None:  # no request of its own
            self._lines.answered(rid)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> Answers:
        await self._stream.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        result: bool | None = await self._stream.__aexit__(*exc)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


async def serve_stdio(settings: Settings, release: Release) -> None:
    from pcfgraph.sandbox import WorkerPool

    state = StandaloneState(settings=settings, release=release)
    pool = WorkerPool(
        release,
        workers=max(1, min(2, settings.query_workers)),
        memory_mb=settings.worker_memory_mb,
        max_pending=settings.max_concurrent_expensive,
        max_tasks=settings.worker_max_tasks,
    )
    await pool.start()
    state.services.pool = pool
    try:
        # Page URLs only at a server the settings say serves them: with no request to name
        # one, a link to where `pcfgraph serve` would listen was handed to the user as a
        # source whether or not such a server ran (null instead: the IRI is what to cite).
        server = build_server(lambda: state, base_url=settings.public_base_url() or "")
        with wire_stdin() as wire:
            await serve_lines(server, BoundedLines(wire, line_limit(settings)), settings)
    finally:
        await pool.stop()


def run(settings: Settings, release: Release) -> None:
    anyio.run(serve_stdio, settings, release)
