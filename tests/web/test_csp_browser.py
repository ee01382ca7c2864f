"""The Content-Security-Policy breaks nothing: GraphiQL, the API docs and the workbench pages
run in a real Chromium with no policy violation reported (the shipped graph's server and the browser this
test process shares: tests/web/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import require_browser

require_browser()

pytestmark = pytest.mark.browser


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


def test_api_docs_render_the_description_under_the_policy(page: Any) -> None:
    # every request stays on this server (new_page asserts it when the page closes)
    seen = violations(page)
    response = page.goto("/docs", wait_until="networkidle")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock-summary-path", has_text="/sparql").first.wait_for(timeout=20_000)
    page.locator(".opblock-summary-path", has_text="/validate").first.wait_for(timeout=20_000)
    assert seen == []


@pytest.mark.parametrize("path", ["/", "/search?q=service", "/frameworks", "/audit", "/matrix"])
def test_workbench_pages_report_no_violation(page: Any, path: str) -> None:
    seen = violations(page)
    response = page.goto(path, wait_until="networkidle")
    assert response.status < 500
    assert seen == []
