"""Other libraries' log records in the server's log: one record a line, in its format (JSON
lines stay JSON lines), whatever a library configures when the app is built."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from pcfgraph.config import Settings
from pcfgraph.log_lines import configure_logging


@pytest.fixture
def bare_root() -> Iterator[logging.Logger]:
    """The root logger as in a server process: no handlers (the test run's capture handlers
    set aside meanwhile), put back afterwards with the MCP SDK logger's level."""
    root = logging.getLogger()
    pcf = logging.getLogger("pcfgraph")
    saved = (list(root.handlers), root.level, list(pcf.handlers), logging.getLogger("mcp").level)
    try:
        yield root
    finally:
        root.handlers, _, pcf.handlers, mcp_level = saved
        root.setLevel(saved[1])
        logging.getLogger("mcp").setLevel(mcp_level)


def test_the_mcp_sdk_logs_json_lines_not_rich_text(bare_root: logging.Logger) -> None:
    from mcp.server.mcpserver import MCPServer

    bare_root.handlers = []  # pytest's capture handlers are added once the test runs
    stream = io.StringIO()
    handler = configure_logging(Settings(log_format="json", log_level="info"), stream=stream)
    MCPServer("pcfgraph")  # the app builds one (api/mcp.py): it ran logging.basicConfig(rich)
    assert bare_root.handlers == [handler]
    sdk = logging.getLogger("mcp.server.streamable_http_manager")
    sdk.info("StreamableHTTP session manager started")  # chatter, once per session
    sdk.warning("session %s ended badly", "s1")
    logging.getLogger("some.library").error("a library's error")
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["logger"], x["level"], x["message"]) for x in lines] == [
        ("mcp.server.streamable_http_manager", "warning", "session s1 ended badly"),
        ("some.library", "error", "a library's error"),
    ]
