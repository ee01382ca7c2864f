"""``pcfgraph mcp`` takes its settings as ``pcfgraph serve`` does: the ``PCFGRAPH_*``
environment (:meth:`pcfgraph.config.Settings.from_env`), its own options winning. It built
``Settings(release=...)``, so every other setting was its default whatever the environment
said. The real command, in a subprocess, over stdio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from mcp_support import INITIALIZE, tool_call
from ops_support import SLOW_QUERY, publish

from pcfgraph.mcp.limits import ENVELOPE

COMMAND = [sys.executable, "-c", "from pcfgraph.cli import entry; entry()", "mcp"]


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCFGRAPH_")}
    env.update({"PCFGRAPH_" + k.upper(): v for k, v in settings.items()})
    return env


def _call(stdin: IO[bytes], stdout: IO[bytes], message: bytes) -> dict[str, Any]:
    stdin.write(message + b"\n")
    stdin.flush()
    reply: dict[str, Any] = json.loads(stdout.readline())
    return reply


@contextmanager
def mcp_process(release: Path, env: dict[str, str], stderr: Any) -> Iterator[Any]:
    """``pcfgraph mcp --release RELEASE`` over stdio (pipes for stdin and stdout); killed if
    the test leaves it running, its pipes closed."""
    proc = subprocess.Popen(
        [*COMMAND, "--release", str(release)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()


def test_mcp_reads_the_environment_and_its_release_option_wins(tmp_path: Path) -> None:
    publish(tmp_path / "rel")
    env = _env(
        max_upload_bytes="1000",  # the stdin line limit: 6 * 1000 + ENVELOPE bytes
        query_workers="1",
        release=str(tmp_path / "no-such-release"),  # --release wins over it
    )
    with mcp_process(tmp_path / "rel", env, subprocess.PIPE) as proc:
        initialized = _call(proc.stdin, proc.stdout, json.dumps(INITIALIZE).encode())
        assert initialized["result"]["serverInfo"]["name"] == "pcfgraph"
        line = json.dumps(tool_call("search", {"text": "x" * (6 * 1000 + ENVELOPE)}))
        refused = _call(proc.stdin, proc.stdout, line.encode())
        assert refused["error"]["code"] == -32600, refused
        assert "max_upload_bytes, 1000" in refused["error"]["message"]
        answer = _call(
            proc.stdin,
            proc.stdout,
            json.dumps(tool_call("sparql", {"query": "ASK { ?s ?p ?o }"})).encode(),
        )
        assert answer["result"]["structuredContent"] == {"form": "ASK", "boolean": True}
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0


def test_mcp_names_a_bad_environment_variable(tmp_path: Path) -> None:
    publish(tmp_path / "rel")
    done = subprocess.run(
        [*COMMAND, "--release", str(tmp_path / "rel")],
        env=_env(query_timeout="soon"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "PCFGRAPH_QUERY_TIMEOUT='soon' is not valid" in err
    assert "Traceback" not in err


def test_mcp_logs_as_its_settings_say(tmp_path: Path) -> None:
    """``pcfgraph mcp`` writes its log on stderr as ``pcfgraph serve`` does: in
    ``PCFGRAPH_LOG_FORMAT`` at ``PCFGRAPH_LOG_LEVEL``. Its log was never configured: a warning
    reached stderr in the MCP SDK's console format (``[12/05/26 19:23:43] WARNING  task
    sparql-query exceeded 1.0 s: ... pool.py:301``), never JSON, whatever the settings said;
    its warnings about its settings and its release were plain ``pcfgraph: warning:`` lines
    among the JSON ones (a workbook a release makes of no use, here)."""
    publish(tmp_path / "rel")
    env = _env(log_format="json", log_level="info", query_workers="1", query_timeout="1")
    env["PCFGRAPH_ADD_WORKBOOKS"] = "more.xlsx"  # not used with --release: warned of
    with open(tmp_path / "stderr", "wb") as err, mcp_process(tmp_path / "rel", env, err) as proc:
        _call(proc.stdin, proc.stdout, json.dumps(INITIALIZE).encode())
        slow = _call(
            proc.stdin, proc.stdout, json.dumps(tool_call("sparql", {"query": SLOW_QUERY})).encode()
        )
        assert slow["result"]["isError"], slow  # past its deadline: the worker is killed
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
    lines = (tmp_path / "stderr").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line
    (note,) = [r for r in records if "PCFGRAPH_ADD_WORKBOOKS is not used" in r["message"]]
    assert note["level"] == "warning"
    killed = [r for r in records if "exceeded" in r["message"]]
    assert killed and killed[0]["level"] == "warning", records
    assert killed[0]["logger"].startswith("pcfgraph."), records
