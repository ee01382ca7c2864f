"""Access-log lines leave in batches (``Settings.access_log_flush_ms``, as nginx's
``access_log ... buffer= flush=``): a busy server wrote (a system call, and a wake-up of
whatever reads its stderr) for every request. Every line still arrives, in order, within the
bound with no further request, and on a stop; every other record is written at once, after
the access lines before it; 0 writes each line at once, as before."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from ops_support import ServeProcess, publish

from pcfgraph.api import ops
from pcfgraph.config import Settings
from pcfgraph.log_lines import BATCH_CHARS, LineHandler, configure_logging, flush_lines

BOUND_MS = 50

Configure = Callable[[str, int], tuple[LineHandler, io.StringIO]]


@pytest.fixture
def log_to() -> Iterator[Configure]:
    """``configure_logging`` of a format and bound, writing to a fresh stream, as the only
    handler of ``pcfgraph.*`` (the test run's own capture handlers set aside meanwhile)."""
    pcf = logging.getLogger("pcfgraph")
    others = list(pcf.handlers)

    def configure(fmt: str, flush_ms: int) -> tuple[LineHandler, io.StringIO]:
        stream = io.StringIO()
        settings = Settings(log_format=fmt, log_level="info", access_log_flush_ms=flush_ms)
        handler = configure_logging(settings, stream=stream)
        assert isinstance(handler, LineHandler)
        pcf.handlers = [handler]
        return handler, stream

    try:
        yield configure
    finally:
        for handler in pcf.handlers:
            handler.flush()
        pcf.handlers = others


def access(number: int) -> None:
    """The access line of request ``reqN`` (``GET /sparqlN``), as the middleware writes it."""
    token = ops.request_id_var.set(f"req{number}")
    try:
        path = f"/sparql{number}"
        ops.AccessLog().write({"method": "GET", "path": path}, "/sparql", 200, 0.001, None)
    finally:
        ops.request_id_var.reset(token)


def written(stream: io.StringIO, fmt: str) -> list[str]:
    """What each record written says: the request id of an access line, else its message."""
    out = []
    for line in stream.getvalue().splitlines():
        if fmt == "json":
            doc = json.loads(line)
            is_access = doc["logger"] == "pcfgraph.access"
            out.append(doc["request_id"] if is_access else doc["message"])
        elif re.match(r"\d{4}-\d\d-\d\d ", line):  # not a traceback's line
            m = re.search(r" pcfgraph\.access \[(\w+)\] GET /sparql\d+ 200 1\.0 ms from -$", line)
            out.append(m[1] if m else line.rsplit("] ", 1)[-1])
    return out


FORMATS = pytest.mark.parametrize("fmt", ["text", "json"])


@FORMATS
def test_a_burst_leaves_whole_and_in_order_within_the_bound(log_to: Configure, fmt: str) -> None:
    _, stream = log_to(fmt, BOUND_MS)

    async def burst() -> None:
        for n in range(40):
            access(n)
        # the loop has not run since: every line waits, none was written one by one
        assert stream.getvalue() == ""
        # no further request: the bound's timer writes them (it is due before this sleep's end)
        await asyncio.sleep(BOUND_MS / 1000)
        assert written(stream, fmt) == [f"req{n}" for n in range(40)]
        access(40)  # the next batch has a bound of its own
        assert written(stream, fmt)[-1] == "req39"
        await asyncio.sleep(BOUND_MS / 1000)
        assert written(stream, fmt)[-1] == "req40"

    asyncio.run(burst())


@FORMATS
def test_the_size_bound_writes_before_the_time_bound(log_to: Configure, fmt: str) -> None:
    handler, stream = log_to(fmt, 10_000)

    async def burst() -> None:
        line = len(stream.getvalue())
        access(0)
        handler.flush()
        line = len(stream.getvalue()) - line
        count = 3 * BATCH_CHARS // line
        for n in range(1, count):
            access(n)
        # a bound of 10 s, and no await: only the size bound wrote these, in order, whole
        lines = written(stream, fmt)
        assert len(lines) >= count - BATCH_CHARS // line - 1
        assert lines == [f"req{n}" for n in range(len(lines))]
        handler.flush()
        assert written(stream, fmt) == [f"req{n}" for n in range(count)]

    asyncio.run(burst())


@FORMATS
def test_other_records_are_written_at_once_after_the_lines_before_them(
    log_to: Configure, fmt: str
) -> None:
    _, stream = log_to(fmt, 10_000)
    other = logging.getLogger("pcfgraph.test_batches")

    async def requests() -> None:
        access(0)
        access(1)
        other.warning("a warning")
        assert written(stream, fmt) == ["req0", "req1", "a warning"]
        access(2)
        other.info("a startup line")
        access(3)
        try:
            raise ValueError("boom")
        except ValueError:
            other.exception("an error")
        assert written(stream, fmt)[-5:] == [
            "a warning",
            "req2",
            "a startup line",
            "req3",
            "an error",
        ]

    asyncio.run(requests())


@FORMATS
def test_0_writes_each_line_at_once(log_to: Configure, fmt: str) -> None:
    _, stream = log_to(fmt, 0)

    async def requests() -> None:
        for n in range(3):
            access(n)
            assert written(stream, fmt) == [f"req{m}" for m in range(n + 1)]

    asyncio.run(requests())


def test_lines_made_without_a_running_loop_are_written_at_once(log_to: Configure) -> None:
    _, stream = log_to("text", 10_000)
    access(0)  # no loop runs here: nothing would end a wait
    assert written(stream, "text") == ["req0"]

    async def on_loop() -> None:
        access(1)
        # another thread's line: the one waiting for this loop's timer goes first
        thread = threading.Thread(target=access, args=(2,))
        thread.start()
        thread.join()
        assert written(stream, "text") == ["req0", "req1", "req2"]
        access(3)

    asyncio.run(on_loop())
    # that loop ended with req3 waiting (a test client's per-request loop): the next line,
    # made on another loop, writes it first
    asyncio.run(asyncio.to_thread(access, 4))
    assert written(stream, "text") == ["req0", "req1", "req2", "req3", "req4"]


def test_flush_lines_writes_what_waits(log_to: Configure) -> None:
    """What a worker process calls before ``os._exit``, the lifespan at its end and a fork
    before forking."""
    _, stream = log_to("text", 10_000)

    async def requests() -> None:
        access(0)
        access(1)
        assert stream.getvalue() == ""
        flush_lines()
        assert written(stream, "text") == ["req0", "req1"]

    asyncio.run(requests())


class OneProcess(ServeProcess):
    serve_args = ("--http-workers", "1")


@pytest.mark.parametrize("server_class", [OneProcess, ServeProcess], ids=["one", "two"])
def test_a_stopped_server_has_written_every_access_line(
    tmp_path: Path, server_class: type[ServeProcess]
) -> None:
    """``pcfgraph serve`` (one process; a supervisor and two workers) with a bound far
    off: the stop (``SIGTERM``) writes every line waiting, each once, in order."""
    rel = tmp_path / "rel"
    publish(rel)
    server = server_class(
        rel, tmp_path / "server.log", query_workers=1, access_log_flush_ms=10_000
    ).start()
    sent = [f"batched{n}" for n in range(30)]
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for rid in sent:
                r = client.get("/sparql", params={"query": "ASK {}"}, headers={"X-Request-ID": rid})
                assert r.status_code == 200
        server.signal(signal.SIGTERM)
        assert server.proc is not None
        assert server.proc.wait(timeout=120) == 0, server.log()[-3000:]
    finally:
        server.stop()
    log = server.log()
    found = re.findall(r"pcfgraph\.access \[(batched\d+)\] GET /sparql 200 ", log)
    if server_class is OneProcess:
        assert found == sent, log[-3000:]
    else:  # two processes' lines: each process's in order
        assert sorted(found) == sorted(sent), log[-3000:]
        assert len(set(found)) == len(sent)
