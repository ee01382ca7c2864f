"""Without a browser the browser tests say so in one line (why, and how to enable them);
with ``CI`` set they fail instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent


def run_browser_tests(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(PCFGRAPH_TEST_CHROMIUM="/nonexistent/chromium", **env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            str(TESTS / "web" / "test_web_browser.py"),
        ],
        capture_output=True,
        text=True,
        env=environ,
        cwd=TESTS.parent,
        timeout=120,
    )


def test_skipped_with_one_line_saying_why_and_how() -> None:
    done = run_browser_tests()
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: this file collected none
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("BROWSER TESTS SKIPPED")]
    assert lines == [
        "BROWSER TESTS SKIPPED: /nonexistent/chromium not found; "
        "to run them: apt-get install chromium"
    ]


def test_ci_fails_instead_of_skipping() -> None:
    done = run_browser_tests(CI="true")
    assert done.returncode != 0
    assert "browser tests cannot run in CI: /nonexistent/chromium not found" in done.stdout
