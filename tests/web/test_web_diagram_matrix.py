"""The element diagram and the mapping matrix as a person sees them, in a real browser:
labels wrap inside their boxes, derived mappings read as sentences, matrix headers are
readable with names on hover, stay in view while scrolling, filter by strength, and show the
categories with mappings unless another category (or every row) is chosen."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import (
    axe_violations,
    require_browser,
    shot,
)

pytestmark = pytest.mark.browser
require_browser()


INSIDE = """svg => [...svg.querySelectorAll('a.node, g.node.self')].map(n => {
  const r = n.querySelector('rect').getBoundingClientRect();
  const t = n.querySelector('text').getBoundingClientRect();
  return {label: n.querySelector('text').textContent, inside:
    t.left >= r.left - 0.5 && t.right <= r.right + 0.5 &&
    t.top >= r.top - 0.5 && t.bottom <= r.bottom + 0.5};
})"""


@pytest.mark.parametrize("path", ["/id/prm-it/A24", "/id/apqc-pcf/cross-industry/7.4/20638"])
def test_every_diagram_label_lies_inside_its_box(page: Any, path: str) -> None:
    page.goto(path)
    svg = page.locator("svg.mapping-diagram")
    boxes = svg.evaluate(INSIDE)
    assert len(boxes) > 2
    assert [b["label"] for b in boxes if not b["inside"]] == []
    # nothing is cut: each box's label is the whole "code name" of the element it links to
    for node in svg.locator("a.node").all()[:8]:
        title = node.locator("title").first.text_content()
        lines = node.locator("text > tspan").all_text_contents()  # one per wrapped line
        assert " ".join(" ".join(lines).split()) == " ".join(title.split())
    assert "…" not in svg.text_content()
    shot(page, "diagram-" + path.rsplit("/", 1)[-1])


def test_derived_mappings_read_as_sentences(page: Any) -> None:
    page.goto("/id/prm-it/A24")
    sentences = page.locator("tr.derived .derived-sentence").all_inner_texts()
    assert sentences and all(s.startswith("Derived") for s in sentences)
    chained = [s for s in sentences if ", which " in s]
    assert chained, sentences
    assert "mapping/" not in " ".join(sentences)  # no record ids or machine text


def test_matrix_headers_sticky_and_strength_filter(page: Any) -> None:
    page.goto("/matrix?target=it-cmf")
    table = page.locator("table.matrix")
    header = table.locator("thead th.col").first
    name = header.locator(".colname").inner_text()
    assert name and header.locator("a").get_attribute("title").endswith(name)
    # the header text is rotated, not cut: its box is taller than wide and fully visible
    box = header.locator(".vertical").bounding_box()
    assert box["height"] > box["width"]
    outside = table.evaluate(
        """t => [...t.querySelectorAll('thead th.col')].filter(th => {
          const r = th.getBoundingClientRect(), v = th.querySelector('.vertical').getBoundingClientRect();
          return v.left < r.left - 0.5 || v.right > r.right + 0.5 || v.top < r.top - 0.5 ||
                 v.bottom > r.bottom + 0.5;
        }).map(th => th.textContent)"""
    )
    assert outside == []  # every header's whole text lies inside its cell
    shot(page, "matrix-01-it-cmf", full_page=False)
    # sticky: after scrolling the matrix, the header row and the first column stay in view
    wrap = page.locator(".matrix-wrap")
    top0 = header.bounding_box()["y"]
    first_col = table.locator("tbody th").first
    left0 = first_col.bounding_box()["x"]
    wrap.evaluate("w => { w.scrollTop = 400; w.scrollLeft = 400; }")
    assert abs(header.bounding_box()["y"] - top0) < 1
    assert abs(table.locator("tbody th").nth(12).bounding_box()["x"] - left0) < 1
    shot(page, "matrix-02-scrolled", full_page=False)
    # strength filter (PRM-IT has every strength): only related cells
    page.goto("/matrix?target=prm-it")
    all_hits = table.locator("td.hit").count()
    for label in ("exact", "close", "broad / narrow"):
        page.get_by_label(label).uncheck()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**strength=1**")
    hits = page.locator("table.matrix td.hit")
    assert 0 < hits.count() < all_hits
    assert hits.count() == page.locator("table.matrix td.hit.s1").count()
    assert axe_violations(page) == []


def test_matrix_rows_are_the_mapped_categories_unless_another_is_chosen(page: Any) -> None:
    page.goto("/matrix?target=prm-it")
    rows = page.locator("table.matrix tbody th .code")

    def categories() -> set[str]:
        return {code.split(".")[0] for code in rows.all_inner_texts()}

    # PRM-IT's curated mappings are all from category 8.0 (Manage IT) of the whole PCF
    assert categories() == {"8"}
    legend = page.locator("p.legend").inner_text()
    assert "under 8.0 Manage Information Technology" in legend
    pairs = int(legend.split(" mapped pairs")[0].rsplit(" ", 1)[-1])
    assert pairs == page.locator("table.matrix td.hit").count() > 0
    page.get_by_label("Rows").select_option("1.0")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**category=1.0**")
    assert categories() == {"1"}
    assert page.locator("table.matrix td.hit").count() == 0
    assert "0 mapped pairs" in page.locator("p.legend").inner_text()
    # every row of the framework when asked for
    page.get_by_label("Rows").select_option("all")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**category=all**")
    assert {"1", "8", "13"} <= categories()
