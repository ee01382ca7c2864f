"""Start a real Oxigraph server (the ``oxigraph`` PyPI package's binary) on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes] | None, *, deadline_s: float = 30) -> None:
    """Poll ``url`` until it answers 2xx; fail when ``proc`` exits or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if 200 <= r.status < 300:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """An Oxigraph server storing in ``location``; yields its base URL (no trailing slash)."""
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server binary (PyPI 'oxigraph') is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/query?query=ASK%7B%7D", proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
