"""The Content-Security-Policy breaks nothing: GraphiQL and the workbench pages run in a real
Chromium with no policy violation reported. A server of this module's own (it runs long
before the modules that share the shipped graph's server, tests/conftest.py, which need not be
kept through the rest of the run); the browser is the test process's one (a second Playwright
in the same process fails: "using Playwright Sync API inside the asyncio loop")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import Served, new_page, require_browser, serve, shipped_app

require_browser()

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    yield from serve(shipped_app())


@pytest.fixture
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    yield from new_page(browser, server)


def violations(pg: Any) -> list[str]:
    found: list[str] = []
    pg.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def test_graphiql_runs_a_query_under_the_policy(page: Any) -> None:
    seen = violations(page)
    response = page.goto("/graphql", wait_until="networkidle")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".graphiql-container").wait_for(timeout=20_000)
    page.locator(".graphiql-execute-button").click()
    page.get_by_text('"frameworks"').first.wait_for(timeout=20_000)
    assert seen == []


@pytest.mark.parametrize("path", ["/", "/search?q=service", "/frameworks", "/audit", "/matrix"])
def test_workbench_pages_report_no_violation(page: Any, path: str) -> None:
    seen = violations(page)
    response = page.goto(path, wait_until="networkidle")
    assert response.status < 500
    assert seen == []
