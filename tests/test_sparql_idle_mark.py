"""The idle mark of in-process SPARQL (issue 20): while the server process has nothing else in
flight, a query whose last run took a few milliseconds (between the ordinary mark and
``INLINE_IDLE_SECONDS``) runs on the event loop and is answered on the protocol's fast path;
with anything else in flight it runs in a thread as before (see ``api/sparql_local.py``).

Which path answered is read from the fast path's debug line and the evaluator's counters,
never from times: a query's last run time is set with the evaluator's own record of it
(the fixture's queries take microseconds)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from test_http_protocol_lifecycle import barrier, first_request, read_response, serving

from pcfgraph.api import sparql_local
from pcfgraph.api.sparql_local import LocalEvaluator
from pcfgraph.store import EmbeddedStore

JSON = "application/sparql-results+json"
QUERY = "SELECT ?c ?n WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n }"
#: A last run between the ordinary mark of a SELECT in memory (2 ms) and the idle mark.
BETWEEN = 0.004
assert sparql_local.INLINE_MEMORY_SECONDS < BETWEEN < sparql_local.INLINE_IDLE_SECONDS


def payload(query: str = "ASK { ?s ?p ?o }") -> dict[str, object]:
    return {"query": query, "media_type": JSON, "max_rows": 10, "has_dataset_clause": False}


def evaluator() -> LocalEvaluator:
    local = LocalEvaluator(max_work=1_000, threads=1)
    local.inline_work = 0  # not inline by its bound: by its measured time
    return local


def memory_store(on_disk: bool = False) -> EmbeddedStore:
    store = EmbeddedStore(ox.Store(), on_disk=on_disk)
    store.store.add(
        ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))
    )
    return store


def nothing_else() -> bool:
    return False


def something_else() -> bool:
    return True


@pytest.mark.parametrize(
    ("case", "on_the_loop"),
    [
        ("idle", True),
        ("on the ASGI way", False),  # no fast path: the ordinary mark
        ("another request in flight", False),
        ("a query thread busy", False),
        ("on disk", False),
        ("first run", False),  # nothing measured yet: today's rule
        ("over the idle mark", False),
    ],
)
def test_the_idle_mark_applies_only_with_nothing_else_in_flight(
    case: str, on_the_loop: bool
) -> None:
    local = evaluator()
    store = memory_store(on_disk=case == "on disk")
    query = payload()
    if case != "first run":
        last = 0.02 if case == "over the idle mark" else BETWEEN
        local._measured(str(query["query"]), last)
    if case != "on the ASGI way":
        others = something_else if case == "another request in flight" else nothing_else
        local.fast_request(others, "connection")
    if case == "a query thread busy":
        assert local._slots.try_take()  # a slot taken, as a query thread's run holds one
    assert local.runs_inline(store, query, work=10) is on_the_loop
    local.fast_request(None)
    assert not local.runs_inline(store, query, work=10)  # off the fast path: the ordinary mark
    local.close()


def test_a_request_on_another_connection_while_a_long_run_held_the_loop_turns_it_off() -> None:
    """A request read on another connection in the turn of the loop that ran a query over
    the ordinary mark, or the next, came while it ran: the idle mark is off (for
    ``IDLE_HOLD``) and that text runs in a thread. The same connection's next request (its
    answer was written before the run's bookkeeping ended) and a request two turns later
    are not such a sign."""
    store, query = memory_store(), payload()
    text = str(query["query"])

    async def scenario() -> list[bool]:
        seen = []
        local = evaluator()
        local.fast_request(nothing_else, "a")
        local._held_loop()  # a run on the fast path over the ordinary mark ended
        local.fast_request(None)
        local._measured(text, BETWEEN)
        local.fast_request(nothing_else, "a")  # the same connection, at once
        seen.append(local.runs_inline(store, query, work=10))
        local.fast_request(None)
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # two turns later: nothing held the loop since
        local.fast_request(nothing_else, "c")
        seen.append(local.runs_inline(store, query, work=10))
        local.fast_request(None)

        busy = evaluator()
        busy.fast_request(nothing_else, "a")
        busy._held_loop()
        busy.fast_request(None)
        busy._measured(text, BETWEEN)
        busy.fast_request(nothing_else, "b")  # another connection, in the same turn
        seen.append(busy.runs_inline(store, query, work=10))
        busy.fast_request(None)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        busy.fast_request(nothing_else, "c")  # still off: a sign of others in flight holds
        seen.append(busy.runs_inline(store, query, work=10))
        busy.fast_request(None)
        local.close()
        busy.close()
        return seen

    assert asyncio.run(scenario()) == [True, True, False, False]


def app_of(server: object) -> FastAPI:
    app = server.config.app  # type: ignore[attr-defined]
    assert isinstance(app, FastAPI)
    return app


def local_of(app: FastAPI) -> LocalEvaluator | None:
    local = app.state.pcf.caches.sparql_local.get(lambda: None)
    return local if isinstance(local, LocalEvaluator) else None


def rows(body: bytes) -> frozenset[frozenset[tuple[str, str]]]:
    """A JSON answer's solutions as a set (its rows' order is the engine's)."""
    bindings = json.loads(body)["results"]["bindings"]
    return frozenset(frozenset((k, v["value"]) for k, v in row.items()) for row in bindings)


def sparql_get(query: str) -> bytes:
    return (
        f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: pcfgraph.test\r\nAccept: {JSON}\r\n\r\n"
    ).encode()


def test_an_idle_server_answers_a_few_ms_query_on_the_fast_path_and_a_busy_one_in_a_thread() -> (
    None
):
    with serving() as (port, server, kept):
        app = app_of(server)
        first_request(port)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            answers: set[frozenset[frozenset[tuple[str, str]]]] = set()
            deadline = time.monotonic() + 120
            tries = 0
            while True:  # until the statistics are ready: answered in process
                local = local_of(app)
                before = local.counters["in_process"] if local else 0
                tries += 1  # a text of its own each time: never the response cache's answer
                sock.sendall(sparql_get(f"{QUERY} LIMIT {2000 + tries}"))
                status, _, body = read_response(sock)
                assert status == b"HTTP/1.1 200 OK"
                answers.add(rows(body))
                local = local_of(app)
                if local is not None and local.counters["in_process"] > before:
                    break
                assert time.monotonic() < deadline, "never answered in process"
                time.sleep(0.05)
            local.inline_work = 0  # on the loop only by its measured time
            tasks = app.state.pcf.pool.counters["tasks"]

            def asked(limit: int) -> tuple[int, int]:
                """(fast path answers, in-process answers) of one request of QUERY with this
                LIMIT (a text of its own: not a kept answer), its last run recorded as a few
                ms."""
                assert local is not None
                barrier(port)
                fast, in_process = kept.fast(), local.counters["in_process"]
                text = f"{QUERY} LIMIT {limit}"
                local._measured(text, BETWEEN)
                sock.sendall(sparql_get(text))
                status, _, body = read_response(sock)
                assert status == b"HTTP/1.1 200 OK"
                answers.add(rows(body))
                barrier(port)
                return kept.fast() - fast, local.counters["in_process"] - in_process

            assert asked(1001) == (1, 1)  # idle: on the event loop, answered on the fast path
            # another connection's request in flight (a POST whose body is still coming)
            body = b"ASK {}" + b" " * 20_000
            head = (
                "POST /sparql HTTP/1.1\r\nHost: pcfgraph.test\r\n"
                f"Content-Type: application/sparql-query\r\nAccept: {JSON}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            with socket.create_connection(("127.0.0.1", port), timeout=60) as other:
                other.sendall(head + body[:10])
                assert asked(1002) == (0, 1)  # in process, in a thread, the ASGI way
                assert app.state.pcf.pool.counters["tasks"] == tasks  # never a worker
                other.sendall(body[10:])
                assert read_response(other)[0] == b"HTTP/1.1 200 OK"
            assert len(answers) == 1  # the same answer every way (rows as a set)
