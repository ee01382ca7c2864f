"""Large worker replies: sent as pieces without joining, received in place, intact.

A result of megabytes crosses the worker socket in a buffer of its own size
(:meth:`WorkerPool._receive_frame`) after being sent with ``sendmsg`` from the pieces of
:func:`protocol.encode_parts`; small replies before and after it still work.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import pyoxigraph as ox

from pcfgraph.release import Release
from pcfgraph.sandbox import WorkerPool, protocol
from pcfgraph.sandbox.tasks import SPARQL_QUERY
from pcfgraph.sandbox.worker import send_parts
from pcfgraph.store import EmbeddedStore

JSON = "application/sparql-results+json"


def test_the_pieces_are_the_message() -> None:
    value = {"id": 7, "ok": {"body": b"\x00" * 70_001, "more": [b"a", b""], "t": "x"}}
    parts = protocol.encode_parts(value)
    assert b"".join(parts) == protocol.encode(value)
    assert any(p is value["ok"]["body"] for p in parts)  # the body itself, not a copy
    data = b"".join(parts)
    assert protocol.decode(data[protocol.HEADER.size :]) == {
        "id": 7,
        "ok": {"body": b"\x00" * 70_001, "more": [b"a", b""], "t": "x"},
    }


def test_send_parts_delivers_every_byte_in_order() -> None:
    blobs = [bytes([i % 251]) * (1_000_003 + i) for i in range(20)]  # more than _IOV_MAX
    parts = protocol.encode_parts({"ok": blobs})
    expected = b"".join(parts)
    left, right = socket.socketpair()
    received = bytearray()

    def read() -> None:
        while len(received) < len(expected):
            chunk = right.recv(1 << 16)  # slower than the writer: partial sends happen
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        send_parts(left, parts)
        reader.join(60)
    finally:
        left.close()
        right.close()
    assert bytes(received) == expected


def release(n: int) -> Release:
    store = EmbeddedStore()
    g = ox.NamedNode("urn:g")
    store.store.extend(
        ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(f"v{i} " * 20), g)
        for i in range(n)
    )
    return Release(store=store, manifest={"release_id": "large", "graphs": {}}, path=None)


def rows(body: bytes) -> set[tuple[str, str]]:
    res = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(res, ox.QuerySolutions)
    return {(str(s["s"]), str(s["o"])) for s in res}


def test_a_reply_of_megabytes_comes_back_whole_between_small_ones() -> None:
    rel = release(20_000)
    expected = {
        (str(q.subject), str(q.object)) for q in rel.store.store.quads_for_pattern(None, None, None)
    }

    def payload(query: str) -> dict[str, object]:
        return {
            "query": query,
            "media_type": JSON,
            "max_rows": 10**6,
            "has_dataset_clause": False,
            "base_iri": "http://localhost/sparql",
        }

    async def run() -> None:
        pool = WorkerPool(rel, workers=1, memory_mb=2048, max_pending=4)
        await pool.start()
        try:
            for _ in range(2):
                small = await pool.run(SPARQL_QUERY, payload("ASK { ?s ?p ?o }"), timeout=120)
                assert b"true" in small["body"]
                big = await pool.run(
                    SPARQL_QUERY, payload("SELECT ?s ?o WHERE { ?s ?p ?o }"), timeout=120
                )
                assert len(big["body"]) > 1 << 20
                assert rows(big["body"]) == expected
            assert pool.counters["crashes"] == 0 and pool.counters["restarts"] == 0
        finally:
            await pool.stop()

    asyncio.run(run())


def test_a_small_release_is_loaded_into_each_workers_memory(tmp_path: Path) -> None:
    """``memory_store_quads``: at or under it workers load ``graph.nq`` into memory; above it
    (or 0) they share the release's on-disk store. Answers are the same either way."""
    from ops_support import publish

    from pcfgraph.release import load_release

    publish(tmp_path / "rel")
    rel = load_release(tmp_path / "rel")
    assert rel.store_path is not None  # an on-disk store that could be shared
    quads = int(rel.manifest["quads"])
    query = {
        "query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
        "media_type": JSON,
        "max_rows": 10**6,
        "has_dataset_clause": False,
        "base_iri": "http://localhost/sparql",
    }

    async def answer(memory_store_quads: int) -> tuple[Path, bool, bytes]:
        pool = WorkerPool(rel, workers=1, memory_store_quads=memory_store_quads)
        await pool.start()
        try:
            data = pool.data_file
            body = (await pool.run(SPARQL_QUERY, query, timeout=120))["body"]
            return data, data.is_file(), body
        finally:
            await pool.stop()

    def triples(body: bytes) -> set[tuple[str, str, str]]:
        res = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(res, ox.QuerySolutions)
        return {(str(s["s"]), str(s["p"]), str(s["o"])) for s in res}

    in_memory, was_file, a = asyncio.run(answer(quads))
    shared, _, b = asyncio.run(answer(quads - 1))
    never, _, c = asyncio.run(answer(0))
    assert was_file and in_memory.suffix == ".nq"
    assert shared == never == rel.store_path and shared.is_dir()
    assert triples(a) == triples(b) == triples(c) and len(triples(a)) > 0
