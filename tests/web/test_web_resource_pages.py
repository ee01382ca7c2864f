"""Every IRI under /id/ gets the site's page: header and navigation, labels instead of IRIs,
blank nodes as nested tables, RDF lists as lists, derived mapping records explained in a
sentence, and each named graph a page with counts, licence and downloads.
In a real browser (Debian chromium) against a real uvicorn serving the shipped graph."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import (
    Served,
    axe_violations,
    expect,
    require_browser,
    shot,
)
from rdflib import Graph

pytestmark = pytest.mark.browser
require_browser()


@pytest.fixture
def app(server: Served) -> Any:
    return server.app


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def test_framework_resource_page_has_labels_and_inline_rights(page: Any) -> None:
    page.goto("/id/framework/prm-it")
    assert page.locator("header.site nav").get_by_role("link", name="Frameworks").is_visible()
    assert page.locator("h1").inner_text() == "IBM Process Reference Model for IT (PRM-IT)"
    rights = page.locator("main table.facts tr", has=page.locator("th", has_text="Rights"))
    nested = rights.locator("table.nested")
    assert nested.is_visible()  # the blank node, inline
    assert "© Copyright IBM Corporation" in nested.inner_text()
    text = main_text(page)
    assert "_:" not in text
    # values are labels (linked where served here), not IRIs
    assert "https://w3id.org/pcfgraph/id/" not in text
    top = page.locator("main table.facts tr", has=page.locator("th", has_text="Has top concept"))
    assert (
        top.get_by_role("link", name="A0").count() + top.locator("a", has_text="Manage IT").count()
    )
    shot(page, "id-01-framework-prm-it")
    assert axe_violations(page) == []


def test_mapping_record_page(page: Any) -> None:
    page.goto("/id/prm-it/A24")
    page.goto("/id/prm-it/A24?format=html")
    records = page.request.get("/id/prm-it/A24?format=nt").text()
    record = next(
        line.split()[0][1:-1]
        for line in records.splitlines()
        if "annotatedSource" in line and "/id/mapping/" in line
    )
    page.goto(record.replace("https://w3id.org/pcfgraph", ""))
    assert page.locator("header.site").is_visible()
    heading = page.locator("h1").inner_text()
    assert not heading.startswith("http")
    text = main_text(page)
    assert "Annotated source" in text and "Annotated target" in text
    assert "_:" not in text
    shot(page, "id-02-mapping-record")


def test_derived_record_page_reads_as_a_sentence(page: Any) -> None:
    records = page.request.get("/id/prm-it/A24?format=nt").text()
    derived = sorted(
        {
            line.split()[0][1:-1]
            for line in records.splitlines()
            if "annotatedSource> <https://w3id.org/pcfgraph/id/prm-it/A24>" in line
            and "/id/mapping/derived/" in line
        }
    )
    assert derived
    page.goto(derived[0].replace("https://w3id.org/pcfgraph", ""))
    sentence = page.locator("p.derived-sentence")
    assert sentence.is_visible()
    assert sentence.inner_text().startswith("Derived: A24 ")
    chain = page.locator("main table.facts tr", has=page.locator("th", has_text="Chain"))
    links = chain.locator("ol.rdf-list > li > a")
    assert links.count() >= 1
    assert "https://" not in chain.inner_text() and "skos:" not in chain.inner_text()
    shot(page, "id-04-derived-record")
    assert axe_violations(page) == []
    # each curated record of the chain is a page of its own, named by what it states
    links.first.click()
    expect(page.locator("h1")).to_contain_text("Mapping: ")
    assert page.locator("p.derived-sentence").count() == 0


def test_named_graph_page_with_counts_licence_and_downloads(page: Any, app: Any) -> None:
    graphs = app.state.pcf.release.manifest["graphs"]
    iri = "https://w3id.org/pcfgraph/id/graph/framework/prm-it"
    page.goto("/id/graph/framework/prm-it")
    assert page.locator("h1").inner_text() == "IBM Process Reference Model for IT (PRM-IT)"
    text = main_text(page)
    assert f"{graphs[iri]:,} statements" in text
    assert "© Copyright IBM Corporation" in text  # its rights statement
    counts = {
        r.locator("td").nth(0).inner_text(): int(r.locator("td").nth(1).inner_text())
        for r in page.locator("table.counts tbody tr").all()
    }
    assert counts["PRM-IT process"] == 7
    shot(page, "id-03-graph-prm-it")
    assert axe_violations(page) == []
    href = page.get_by_role("link", name="Turtle").get_attribute("href")
    turtle = page.request.get(href).text()
    assert len(Graph().parse(data=turtle, format="turtle")) == graphs[iri]
    # every named graph of the release has a page
    for g in graphs:
        r = page.request.get(
            g.replace("https://w3id.org/pcfgraph", ""), headers={"Accept": "text/html"}
        )
        assert r.status == 200, g
        assert "<h1>" in r.text()
    missing = page.request.get("/id/graph/nope", headers={"Accept": "text/html"})
    assert missing.status == 404
