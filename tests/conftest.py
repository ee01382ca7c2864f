"""Run-wide reporting only (fixtures live in the *_support modules the tests import)."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One clear line when the browser tests were skipped: why, and how to enable them."""
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if "browser tests skipped" in reason:
            line = reason[reason.index("browser tests skipped") :]
            terminalreporter.write_line(line.upper()[:21] + line[21:], yellow=True, bold=True)
            return
