"""The version diff page in a real browser: counts first, changes grouped by PCF category,
whole old and new text side by side with the changed words marked, a filter by kind of
change, and an Excel download of the whole diff that a spreadsheet opens safely."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    axe_violations,
    new_page,
    require_browser,
    shot,
)
from openpyxl import load_workbook
from test_diff import SHIPPED, modified_copy

pytestmark = pytest.mark.browser
require_browser()

EVIL = "@cmd|' /C calc'!A0"


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A page that takes downloads (the diff's workbook)."""
    yield from new_page(browser, server, accept_downloads=True)


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("wb")
    old = d / "apqc-pcf-cross-industry-7.4.xlsx"
    old.write_bytes(SHIPPED.read_bytes())
    (d / "new").mkdir()
    new = modified_copy(d / "new" / "apqc-pcf-cross-industry-7.5.xlsx")
    wb = load_workbook(new)
    ws = wb["Combined"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == 20641)
    ws.cell(row, 3).value = EVIL  # a name a spreadsheet would run as a formula
    wb.save(new)
    return old, new


def test_uploaded_workbooks_diff(page: Any, workbooks: tuple[Path, Path]) -> None:
    old, new = workbooks
    page.goto("/diff")
    page.locator("#old_workbook").set_input_files(str(old))
    page.locator("#new_workbook").set_input_files(str(new))
    # importing two workbooks takes a while on a busy machine: wait for the page, not 30 s
    page.locator("form[method=post] button[type=submit]").click(no_wait_after=True)
    result = page.locator("#result")
    result.wait_for(timeout=180_000)
    counts = result.locator("ul.diff-counts").inner_text()
    assert "2 renamed" in counts and "1 definition changed" in counts and "unchanged" in counts
    # counts come before the changes
    assert result.evaluate(
        "r => r.querySelector('ul.diff-counts').compareDocumentPosition("
        "r.querySelector('details.diff-group')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    group = result.locator("details.diff-group").first
    assert group.locator("summary").inner_text().startswith("8.0 Manage Information Technology")
    renamed = group.locator("tr[data-kind=renamed]", has_text="20635")
    assert renamed.locator("td.old-text del").all_inner_texts() == ["services", "catalog"]
    assert renamed.locator("td.new-text ins").all_inner_texts() == ["service", "catalogue"]
    definition = group.locator("tr[data-kind=definition-changed]")
    old_text = definition.locator("td.old-text").inner_text()
    assert old_text.startswith("Create mechanisms for effective public relationship")
    assert old_text.endswith("through the process.") and "…" not in old_text  # whole text
    shot(page, "diff-01-grouped")
    # filter: hide the renamed ones; the group's count follows
    before = int(group.locator(".group-count").inner_text())
    page.get_by_label("renamed (2)").uncheck()
    assert renamed.is_hidden()
    assert int(group.locator(".group-count").inner_text()) == before - 2
    shot(page, "diff-02-filtered")
    assert axe_violations(page) == []
    # the Excel download: every change, the risky name kept as text
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["Changes"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("change", "id", "old_code")
    assert len(rows) - 1 == sum(
        int(li.split()[0]) for li in counts.splitlines() if "unchanged" not in li
    )
    risky = [c for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)
