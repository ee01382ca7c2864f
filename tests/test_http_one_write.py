"""Responses leave in one write (pcfgraph.api.http_protocol.OneWriteTransport): the head is
held until its body's first bytes in the same turn of the event loop, never longer."""

from __future__ import annotations

import asyncio
import socket

import httpx
import uvicorn
from starlette.responses import Response, StreamingResponse

from pcfgraph.api.http_protocol import GuardedHttpToolsProtocol, OneWriteTransport


class RecordingTransport(asyncio.Transport):
    """A real asyncio transport interface that keeps what is written."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def test_head_and_body_in_the_same_turn_are_one_write() -> None:
    async def run() -> list[bytes]:
        raw = RecordingTransport()
        one = OneWriteTransport(raw, asyncio.get_running_loop())
        one.write(b"HEAD\r\n\r\n")
        assert raw.writes == []  # held for its body
        one.write(b"body")
        one.write(b"more")
        await asyncio.sleep(0)
        return raw.writes

    assert asyncio.run(run()) == [b"HEAD\r\n\r\nbody", b"more"]


def test_a_head_whose_body_comes_later_is_sent_on_the_next_turn() -> None:
    async def run() -> list[list[bytes]]:
        raw = RecordingTransport()
        one = OneWriteTransport(raw, asyncio.get_running_loop())
        one.write(b"HEAD\r\n\r\n")
        await asyncio.sleep(0)
        after_turn = list(raw.writes)
        one.write(b"event")
        return [after_turn, raw.writes]

    after_turn, writes = asyncio.run(run())
    assert after_turn == [b"HEAD\r\n\r\n"]
    assert writes == [b"HEAD\r\n\r\n", b"event"]


def test_close_sends_a_held_head_first_and_the_rest_is_the_transports() -> None:
    async def run() -> RecordingTransport:
        raw = RecordingTransport()
        one = OneWriteTransport(raw, asyncio.get_running_loop())
        one.write(b"HEAD\r\n\r\n")
        assert one.get_extra_info("peername") == ("127.0.0.1", 1)
        one.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left to send
        return raw

    raw = asyncio.run(run())
    assert raw.writes == [b"HEAD\r\n\r\n"] and raw.closed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_server_answers_whole_and_streams_unchanged() -> None:
    """Under uvicorn with the protocol: a plain response, an empty 304, a HEAD, and a stream
    whose parts come on later turns arrive complete and in order over keep-alive."""

    async def app(scope: dict, receive: object, send: object) -> None:
        if scope["type"] == "lifespan":
            return
        path = scope["path"]
        if path == "/stream":

            async def parts():  # type: ignore[no-untyped-def]
                for i in range(3):
                    await asyncio.sleep(0.01)
                    yield f"part{i};".encode()

            response: Response = StreamingResponse(parts(), media_type="text/plain")
        elif path == "/empty":
            response = Response(status_code=304, headers={"ETag": '"x"'})
        else:
            response = Response(
                b"x" * 100_000 if path == "/big" else b"hello", media_type="text/plain"
            )
        await response(scope, receive, send)  # type: ignore[arg-type]

    async def run() -> None:
        port = _free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            http=GuardedHttpToolsProtocol,
            lifespan="off",
            log_level="warning",
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                await asyncio.sleep(0.02)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(3):  # one keep-alive connection, several responses in turn
                    small = await client.get("/small")
                    assert (small.status_code, small.content) == (200, b"hello")
                    big = await client.get("/big")
                    assert big.content == b"x" * 100_000
                    empty = await client.get("/empty")
                    assert (empty.status_code, empty.content) == (304, b"")
                    head = await client.head("/small")
                    assert head.status_code == 200 and head.content == b""
                    stream = await client.get("/stream")
                    assert stream.content == b"part0;part1;part2;"
        finally:
            server.should_exit = True
            await task

    asyncio.run(run())
