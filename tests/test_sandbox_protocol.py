"""The sandbox wire protocol: plain data only, byte strings intact, no code run on decode."""

from __future__ import annotations

import pickle

import pytest

from pcfgraph.errors import ParseError, PcfgraphError
from pcfgraph.sandbox import protocol
from pcfgraph.sandbox.tasks import REGISTRY, lookup
from pcfgraph.sandbox.worker import WorkerContext, run_task


def roundtrip(value: object) -> object:
    data = protocol.encode(value)
    (n,) = protocol.HEADER.unpack_from(data)
    assert n == len(data) - protocol.HEADER.size
    return protocol.decode(data[protocol.HEADER.size :])


def test_plain_values_and_bytes_survive() -> None:
    value = {"body": b"\x00\x80binary", "files": [{"data": b"", "name": "m.ttl"}], "n": 3}
    assert roundtrip(value) == value
    assert roundtrip({"t": (1, "a")}) == {"t": [1, "a"]}


def test_objects_cannot_be_sent() -> None:
    with pytest.raises(TypeError):
        protocol.encode({"x": object()})
    with pytest.raises(TypeError):
        protocol.encode({1: "non-string key"})


def test_a_pickle_is_refused_not_loaded() -> None:
    """A worker that sends a pickle gets a ProtocolError; nothing is unpickled."""
    evil = pickle.dumps({"ok": 1})
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(evil)


def test_errors_are_rebuilt_by_class_and_plain_attributes() -> None:
    sent = protocol.error_message(ParseError("bad", line=3, column=7, source="query"))
    exc = protocol.rebuild_error(roundtrip(sent))
    assert type(exc) is ParseError
    assert (exc.line, exc.column, str(exc)) == (3, 7, "query, line 3, column 7: bad")
    unknown = protocol.rebuild_error({"error": "os.system", "message": "x", "attrs": {}})
    assert type(unknown) is PcfgraphError


def test_workers_run_only_registered_tasks() -> None:
    assert set(REGISTRY) >= {"sparql-query", "audit-upload"}
    with pytest.raises(PcfgraphError, match="no sandbox task"):
        lookup("pcfgraph.sparql_results:execute")
    reply = run_task(
        WorkerContext(store=None),  # type: ignore[arg-type]
        {"id": 1, "task": "os:system", "payload": {}},
    )
    assert reply["id"] == 1
    assert reply["error"]["attrs"]["code"] == "unknown-task"
