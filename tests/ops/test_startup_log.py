"""Every start-up line of ``pcfgraph serve`` reaches its configured log: the lines made before
the log is configured (the release's in-memory copy loads beside the app's imports,
pcfgraph.release_memory) are held and replayed into it (pcfgraph.startup_log). A small
release's "in-memory copy loaded" line was lost: its copy was in before the log existed."""

from __future__ import annotations

import io
import json
import logging
import threading
from pathlib import Path

import pytest
from ops_support import ServeProcess, publish

from pcfgraph import startup_log
from pcfgraph.api.ops import configure_logging
from pcfgraph.config import Settings


class OneProcess(ServeProcess):
    serve_args = ("--http-workers", "1")


def test_the_copy_line_of_a_small_release_reaches_the_configured_log(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    release_id = publish(rel)
    server = OneProcess(
        rel,
        tmp_path / "server.log",
        query_workers=1,
        log_format="json",
        worker_memory_store_quads=1,  # served from its on-disk store, with an in-memory copy
    ).start()
    try:
        log = server.log()
    finally:
        server.stop()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    copied = [r for r in records if "in-memory copy" in r["message"]]
    assert len(copied) == 1, log[-3000:]  # once, as a line of the configured (JSON) log
    assert copied[0]["message"].startswith(f"release {release_id}: in-memory copy (")
    assert copied[0]["level"] == "info" and copied[0]["logger"] == "pcfgraph.serving"


def test_held_records_are_replayed_once_in_order_and_later_ones_pass() -> None:
    """Records made before the log is configured, from any thread, reach it once each, in the
    order they were made; a record below the level is not held."""
    pcf = logging.getLogger("pcfgraph")
    before = (list(pcf.handlers), pcf.level, pcf.propagate)
    stream = io.StringIO()
    try:
        pcf.handlers = [h for h in pcf.handlers if not getattr(h, "_pcfgraph", False)]
        startup_log.hold("info")
        log = logging.getLogger("pcfgraph.test_startup")
        log.debug("not held")
        log.info("first")
        worker = threading.Thread(target=lambda: log.warning("from a thread"))
        worker.start()
        worker.join()
        configure_logging(Settings(log_format="text", log_level="info"), stream=stream)
        log.info("after")
        assert not any(isinstance(h, startup_log.HeldRecords) for h in pcf.handlers)
    finally:
        pcf.handlers, pcf.level, pcf.propagate = before
    messages = [line.rsplit("] ", 1)[1] for line in stream.getvalue().splitlines()]
    assert messages == ["first", "from a thread", "after"]


def test_with_json_logs_the_start_lines_are_json_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``pcfgraph serve`` printed the importer's warnings and its "serving release" line as
    plain text in the middle of the JSON lines of ``log_format=json``; a pipeline parsing
    each line as JSON broke on them. As text they stay the lines every command prints."""
    from pcfgraph.cli.serve import announce

    pcf = logging.getLogger("pcfgraph")
    before = (list(pcf.handlers), pcf.level, pcf.propagate)
    stream = io.StringIO()
    settings = Settings(log_format="json", log_level="info")
    try:
        handler = configure_logging(settings, stream=stream)
        announce(settings, ["book.xlsx: sheet 'Combined', row 3: odd"], "serving release r1")
        handler.flush()
    finally:
        pcf.handlers, pcf.level, pcf.propagate = before
    assert capsys.readouterr().err == ""
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["level"], r["message"]) for r in records] == [
        ("warning", "book.xlsx: sheet 'Combined', row 3: odd"),
        ("info", "serving release r1"),
    ]
    announce(Settings(), ["book.xlsx: odd"], "serving release r1")
    assert capsys.readouterr().err.splitlines() == [
        "pcfgraph: warning: book.xlsx: odd",
        "pcfgraph: serving release r1",
    ]
