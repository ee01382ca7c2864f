"""Shared pieces of the browser tests: Debian's chromium driven by Playwright (no browser
download), a real uvicorn on a loopback port serving the shipped graph, screenshots and the
axe-core accessibility check (vendored in tests/vendor/, run inside the page).

Without chromium (or Playwright) the browser tests are skipped with :data:`SKIP_REASON`, and
the run's summary says so in one line (``tests/conftest.py``); with ``CI`` set they fail.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Override with PCFGRAPH_TEST_CHROMIUM (e.g. to check what a run without a browser prints).
CHROMIUM = Path(os.environ.get("PCFGRAPH_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts" / "browser"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ENABLE_HINT = "apt-get install chromium"
#: Waits sized for a loaded 2-core machine (a slow page is not what these tests check).
ACTION_TIMEOUT_MS = 90_000
NAVIGATION_TIMEOUT_MS = 120_000


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


MISSING = _missing()
#: The reason browser tests are skipped; ``tests/conftest.py`` prints it once per run.
SKIP_REASON = f"browser tests skipped: {MISSING}; to run them: {ENABLE_HINT}" if MISSING else ""


def require_browser() -> None:
    """Skip the calling module without a browser; in CI (``CI`` set) fail instead."""
    if MISSING is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {MISSING}", pytrace=False)
    pytest.skip(SKIP_REASON, allow_module_level=True)


class Served(str):
    """The server's base URL, plus whether the audit API is installed and the app served."""

    has_validate: bool = False
    app: Any = None


def serve(app: Any) -> Iterator[Served]:
    """Run ``app`` on a free loopback port until the generator is closed."""
    import uvicorn

    from pcfgraph.http.routes import route_paths

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    served = Served(f"http://127.0.0.1:{port}")
    served.has_validate = "/validate" in route_paths(app.routes)
    served.app = app
    try:
        yield served
    finally:
        srv.should_exit = True
        thread.join(timeout=15)
        sock.close()


def shipped_app(release: Any) -> Any:
    """The app over ``release``, the shipped graph (the session's ``shipped_release``)."""
    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    # Uploads wait for a worker that loads the whole default graph: a deadline a loaded CI
    # machine meets (the deadline itself is tested in tests/security).
    return create_app(Settings(validate_timeout=300), release)


def launch() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def new_page(browser: Any, server: str, **options: Any) -> Iterator[Any]:
    """A page that may only fetch from ``server`` (asserted when it closes)."""
    context = browser.new_context(
        base_url=server, viewport={"width": 1366, "height": 900}, **options
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    pg = context.new_page()
    yield pg
    foreign = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    context.close()
    assert not foreign, f"the page fetched from another host: {foreign}"


def expect(target: Any) -> Any:
    """Playwright's retrying assertions (``expect(locator).to_contain_text(...)``) with the
    same generous wait. Use these, never ``page.wait_for_function``: its string predicate is
    evaluated in the page, which the pages' CSP (no 'unsafe-eval') forbids."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=ACTION_TIMEOUT_MS)
    return playwright_expect(target)


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the current page with one of ``impacts``, as readable lines."""
    # evaluated by the driver, not as an inline <script>: the pages' CSP forbids those
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in impacts
    ]
