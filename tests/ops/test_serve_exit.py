"""``pcfgraph serve`` exits 0 after a graceful stop (``SIGTERM``, ``SIGINT``) with one server
process as with several (the supervisor, pcfgraph.http.prefork). With one, uvicorn re-raised
the stop signal once it had stopped, and its default action ended the process: -15, or a
KeyboardInterrupt trace for ``SIGINT`` (pcfgraph.http.stop_signals). With several, so did
each worker (-15, a trace): the supervisor read that as a stop, but a process monitor (or
``systemd``, which sees the workers) saw each worker killed by its signal. Each worker now
ends with 0, and the supervisor logs each worker's exit.

Every line the server writes is one record of its log format (``log_format``): uvicorn's
own (``Started server process``, ``Finished server process``) were uvicorn's plain text,
without a time, in the middle of the JSON lines of ``log_format=json``. The ``SIGINT``
cases run with ``json`` (and a ``PCFGRAPH_PORT`` that is not valid, which the ``--port``
flag overrides: warned of, naming the variable), the ``SIGTERM`` ones with ``text``."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import httpx
import pytest
from ops_support import ServeProcess, publish


class OneProcess(ServeProcess):
    serve_args = ("--http-workers", "1")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("server_class", [OneProcess, ServeProcess], ids=["one", "two"])
def test_serve_exits_0_after_a_graceful_stop(
    tmp_path: Path, stop: signal.Signals, server_class: type[ServeProcess]
) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    fmt = "json" if stop is signal.SIGINT else "text"
    bad_port = {"port": "abc"} if fmt == "json" else {}  # the --port flag wins
    server = server_class(
        rel, tmp_path / "server.log", query_workers=1, log_format=fmt, **bad_port
    ).start()
    try:
        assert httpx.get(server.url + "/health", timeout=60).status_code == 200
        server.signal(stop)
        assert server.proc is not None
        assert server.proc.wait(timeout=120) == 0, server.log()[-3000:]
    finally:
        server.stop()
    log = server.log()
    assert "Traceback" not in log
    if fmt == "json":
        records = [json.loads(line) for line in log.splitlines()]  # every line
        messages = [r["message"] for r in records]
        log = "\n".join(messages)
        (warning,) = [r for r in records if "PCFGRAPH_PORT" in r["message"]]
        assert warning["level"] == "warning"
        assert warning["message"].startswith("environment variable PCFGRAPH_PORT='abc' is not")
        assert any(r["logger"] == "uvicorn.error" for r in records)
        # each record names the process that wrote it (several are interleaved in one log)
        finished = [r for r in records if r["message"].startswith("Finished server process [")]
        assert finished and all(
            r["message"] == f"Finished server process [{r['pid']}]" for r in finished
        )
    else:  # uvicorn's lines as the server's: with the time, level and logger
        stamp = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO uvicorn\.error \[None\] "
        assert re.search(stamp + r"Finished server process", log, re.MULTILINE), log
    assert "Finished server process" in log  # uvicorn's graceful stop ran to its end
    # "serving release ... on URL" once it listens, once: it came before uvicorn had run the
    # app's start-up and bound the port, so a failure there followed a line saying it served
    assert log.count("serving release ") == 1, log
    assert log.index("Application startup complete.") < log.index("serving release "), log
    if server_class is ServeProcess:
        assert len(re.findall(r"worker \d \(pid \d+\) stopped$", log, re.MULTILINE)) == 2, log
        assert "while stopping" not in log  # it was "exited with -15 while stopping"
