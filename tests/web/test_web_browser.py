"""End to end in a real headless Chromium (Debian's ``chromium``, driven by Playwright; no
browser download) against a real uvicorn serving the shipped graph on 127.0.0.1.

Walks what a person does: open home, walk the tree to 8.1.5.3, follow a mapping to A23,
search "service level" (results as you type, and the plain form without JavaScript), open the
matrix and click a cell, upload the example organisation with findings and read its report.
Screenshots of every step go to ``tests/artifacts/browser/`` (git-ignored).

Skipped only when /usr/bin/chromium or Playwright is missing and the ``CI`` variable is not
set (one line in the run's summary says why and how to enable them); in CI that is a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    Served,
    expect,
    require_browser,
    shot,
)

pytestmark = pytest.mark.browser
require_browser()

APQC = "apqc-pcf-cross-industry-7.4"


def test_home_tree_element_and_mapping_to_a23(page: Any) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text() == "Frameworks"
    shot(page, "01-home")
    page.get_by_role("link", name=re.compile("APQC Process Classification Framework")).click()
    page.wait_for_url(f"**/frameworks/{APQC}")
    branch = page.locator("details#n-8\\.1\\.5")
    assert branch.get_attribute("open") is None  # collapsed below two levels
    # keyboard only: Tab to the tree, arrow down to 8.1.5, open it with Enter, then
    # ArrowDown x3 to 8.1.5.3 (arrow keys are tree.js; Tab and Enter are native)
    page.locator("details#n-8\\.0 > summary").focus()
    for _ in range(6):  # 8.0 -> 8.1 -> 8.1.1 ... 8.1.5
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent").strip().startswith("8.1.5")
    page.keyboard.press("Enter")
    assert branch.get_attribute("open") is not None
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert "Maintain IT services catalog" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowLeft")  # back to the parent branch
    assert page.evaluate("document.activeElement.textContent").strip().startswith("8.1.5")
    target = branch.get_by_role("link", name="Maintain IT services catalog")
    assert target.is_visible()
    shot(page, "02-tree-8.1.5-open")
    target.click()
    page.wait_for_url("**/id/apqc-pcf/cross-industry/7.4/20635")
    assert "Maintain IT services catalog" in page.locator("h1").inner_text()
    assert "8.1.5 Develop and manage IT service levels" in page.locator(".breadcrumb").inner_text()
    diagram = page.locator("svg.mapping-diagram")
    assert diagram.is_visible()
    shot(page, "03-element-8.1.5.3")
    diagram.locator('a[href="/id/prm-it/A23"]').click()
    page.wait_for_url("**/id/prm-it/A23")
    assert "Service Catalog Management" in page.locator("h1").inner_text()
    assert page.locator('a[href="/id/apqc-pcf/cross-industry/7.4/20635"]').count() > 0
    shot(page, "04-element-A23")


def test_search_as_you_type_and_without_javascript(page: Any, browser: Any, server: str) -> None:
    page.goto("/search")
    page.locator("#q").press_sequentially("service level", delay=20)
    # search.js puts the query in the address bar only once its results are in the page, so
    # this waits for the results of the whole query (not of a prefix typed on a slow machine)
    expect(page).to_have_url(re.compile(r"/search\?q=service\+level$"))
    hits = page.locator("ol.hits > li")
    assert hits.count() > 0
    marks = {m.lower() for m in page.locator("ol.hits mark").all_inner_texts()}
    assert "service level" in marks
    # each highlight is a query word (the search matches word forms: levels, services)
    assert all(re.fullmatch(r"services?( levels?)?|levels?", m) for m in marks), marks
    # the element named for it is among the suggestions (which others depend on the graph)
    assert page.locator('ol.hits a[href="/id/prm-it/A24"]').count() == 1
    shot(page, "05-search-as-you-type")
    page.locator("#framework").select_option("prm-it")
    expect(page).to_have_url(re.compile(r"/search\?q=service\+level&framework=prm-it$"))
    links = page.locator("ol.hits > li a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert links and all(href.startswith("/id/prm-it/") for href in links), links
    assert "/id/prm-it/A24" in links
    shot(page, "06-search-filtered")

    nojs = browser.new_context(base_url=server, java_script_enabled=False)
    try:
        p2 = nojs.new_page()
        p2.goto("/")
        p2.locator("#home-q").fill("service level")
        p2.locator("#home-q").press("Enter")
        p2.wait_for_url("**/search?q=service+level")
        assert p2.locator("ol.hits > li").count() > 0
        shot(p2, "07-search-without-javascript")
    finally:
        nojs.close()


def test_matrix_cell_click_through(page: Any) -> None:
    page.goto("/matrix")
    table = page.locator("table.matrix")
    assert table.is_visible()
    # the summary above the table counts what the table highlights
    summary = page.get_by_text(re.compile(r"rows and \d+ columns without counterpart")).inner_text()
    found = re.search(r"(\d+) rows and (\d+) columns without", summary)
    assert found
    rows, cols = int(found[1]), int(found[2])
    assert (page.locator("tr.gap").count(), page.locator("th.col.gap").count()) == (rows, cols)
    assert page.locator("td.hit a").count() > 0
    shot(page, "08-matrix-prm-it")
    cell = page.locator("td.hit a").first
    href = cell.get_attribute("href") or ""
    element_path, anchor = href.split("#")
    cell.click()
    page.wait_for_url(f"**{element_path}#{anchor}")
    row = page.locator(f"tr[id='{anchor}']")
    assert row.is_visible()
    assert row.evaluate("r => r.matches(':target')")
    shot(page, "09-matrix-cell-target")
    page.goto("/matrix")
    page.get_by_label("include derived mappings").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/matrix?*derived=true*")
    shot(page, "10-matrix-with-derived")


def _example_with_findings() -> Path | None:
    from pcfgraph.resources import resource_dir

    root = resource_dir("data") / "examples"
    files = sorted(p for p in root.rglob("*") if p.suffix in {".ttl", ".jsonld", ".nt"})
    for p in files:
        if re.search(r"finding|gap|invalid|violat|fail|bad", p.name, re.I):
            return p
    return None


def test_audit_upload_shows_the_report(page: Any, server: Served) -> None:
    example = _example_with_findings()
    missing = (
        "no example organisation with findings in data/examples/"
        if example is None
        else "the audit API (POST /validate) is not installed"
        if not server.has_validate
        else ""
    )
    if missing:  # the audit issue's pieces; in CI they must be there
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    assert example is not None
    page.goto("/audit")
    shot(page, "11-audit-form")
    page.locator("#model").set_input_files(str(example))
    page.get_by_role("button", name="Audit").click()
    report = page.locator("#report")
    report.wait_for()
    assert example.name in report.locator("#report-h").inner_text()
    assert "has findings" in report.inner_text()
    assert report.locator(".report-body").inner_text().strip()
    downloads = report.locator("a[download]")
    names = [downloads.nth(i).get_attribute("download") or "" for i in range(downloads.count())]
    # the report as HTML, JSON and Turtle, and the findings as CSV and XLSX
    assert [n.rsplit(".", 1)[-1] for n in names] == ["html", "json", "ttl", "csv", "xlsx"]
    shot(page, "12-audit-report")
