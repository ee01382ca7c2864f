"""Keyboard, accessibility, dark mode and print, in a real browser: "/" focuses search, arrow
keys move through results, focus is visible, axe-core (vendored) finds no serious or
critical violation on any page in light or dark mode, and pages print without navigation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import (
    Served,
    axe_violations,
    new_page,
    require_browser,
    shot,
)

pytestmark = pytest.mark.browser
require_browser()

APQC = "apqc-pcf-cross-industry-7.4"
PAGES = [
    "/",
    f"/frameworks/{APQC}",
    "/id/apqc-pcf/cross-industry/7.4/20635",
    "/id/prm-it/A24",
    "/search?q=service+level",
    "/matrix",
    "/audit",
    f"/diff?old={APQC}&new={APQC}",
    "/sparql",
    "/id/graph/framework/prm-it",
]


@pytest.fixture
def dark(browser: Any, server: str) -> Iterator[Any]:
    yield from new_page(browser, server, color_scheme="dark")


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id"))


def test_slash_focuses_search_unless_typing(page: Any) -> None:
    page.goto(f"/frameworks/{APQC}")
    page.keyboard.press("/")
    assert focused_id(page) == "site-q"
    page.keyboard.type("abc/")  # typing a slash in the box stays in the box
    assert page.locator("#site-q").input_value() == "abc/"
    page.goto("/")
    page.keyboard.press("/")
    assert focused_id(page) == "home-q"


def test_arrow_keys_move_through_search_results(page: Any) -> None:
    page.goto("/search?q=service+level")
    links = page.locator("ol.hits > li a")
    assert links.count() > 2
    page.locator("#q").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.href") == links.nth(0).evaluate("a => a.href")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.href") == links.nth(1).evaluate("a => a.href")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert focused_id(page) == "q"


def test_focus_is_visible(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand link
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert style[0] != "none" and style[1] >= 2


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(page: Any, path: str) -> None:
    page.goto(path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", PAGES)
def test_dark_mode_follows_the_system_and_stays_accessible(dark: Any, path: str) -> None:
    dark.goto(path)
    rgb = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = [int(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    assert max(channels) < 60, rgb  # a dark background
    assert axe_violations(dark) == []
    if path.startswith("/id/apqc"):
        fill = dark.evaluate("getComputedStyle(document.querySelector('svg text.label')).fill")
        light = [int(x) for x in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]
        assert min(light) > 180, fill  # diagram labels light on the dark boxes
        shot(dark, "dark-element-page")


def test_element_page_prints_without_navigation_and_with_every_section(page: Any) -> None:
    page.goto(f"/frameworks/{APQC}")
    closed = page.locator("details:not([open])").count()
    assert closed > 0
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("details:not([open])").count() == 0
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("details:not([open])").count() == closed
    page.goto("/id/apqc-pcf/cross-industry/7.4/20635")
    page.emulate_media(media="print")
    assert page.locator("header.site nav").is_hidden()
    assert page.locator(".quick-search").is_hidden()
    assert page.locator("svg.mapping-diagram").is_visible()
    assert page.locator("h1").is_visible()
    shot(page, "print-element-page")


def test_audit_report_prints_without_the_form(page: Any, server: Served) -> None:
    from pcfgraph.resources import resource_dir

    if not server.has_validate:  # the audit API is part of the shipped app
        pytest.fail("the audit API (POST /validate) is not installed")
    model = resource_dir("data") / "examples" / "organisation-with-findings.ttl"
    page.goto("/audit")
    page.locator("#model").set_input_files(str(model))
    page.get_by_role("button", name="Audit").click()
    report = page.locator("#report")
    report.wait_for()
    page.emulate_media(media="print")
    for hidden in ("header.site nav", "#audit-form", "#report .actions", "main > p.no-print"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.locator("h1").is_visible()
    assert report.locator("#report-h").is_visible()
    assert "has findings" in report.inner_text()
    body = report.locator(".report-body")
    assert body.is_visible() and body.inner_text().strip()
    shot(page, "print-audit-report", full_page=False)
