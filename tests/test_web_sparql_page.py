"""The /sparql query page in a real browser: what a person sees and can do.

Served by a real uvicorn (sandbox pool running) with a small ``max_result_rows`` so the
endpoint's limit shows on the page as it does for protocol clients.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    Served,
    axe_violations,
    expect,
    new_page,
    require_browser,
    serve,
    shot,
)

pytestmark = pytest.mark.browser
require_browser()

MAX_ROWS = 500


@pytest.fixture(scope="module")
def server(shipped_release: Any) -> Iterator[Served]:
    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    yield from serve(create_app(Settings(max_result_rows=MAX_ROWS), shipped_release))


@pytest.fixture
def browser(chromium: Any) -> Any:
    return chromium  # the browser this test process shares (tests/conftest.py)


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    yield from new_page(browser, server, accept_downloads=True)


def editor_text(page: Any) -> str:
    return str(page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()"))


def set_editor(page: Any, text: str) -> None:
    page.evaluate(
        "t => { const cm = document.querySelector('.CodeMirror').CodeMirror;"
        " cm.setValue(t); cm.focus(); cm.setCursor(cm.lineCount(), 0); }",
        text,
    )


def endpoint_json(page: Any, query: str) -> dict[str, Any]:
    r = page.request.post(
        "/sparql",
        form={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.ok
    return dict(r.json())


def test_query_page_runs_the_example_with_a_sortable_linked_table(page: Any) -> None:
    page.goto("/sparql")
    assert page.locator("h1").inner_text() == "SPARQL query"
    # syntax highlighting: keywords and variables are styled tokens of the editor
    keywords = {k.upper() for k in page.locator(".CodeMirror .cm-keyword").all_inner_texts()}
    assert {"SELECT", "WHERE", "PREFIX"} <= keywords
    assert page.locator(".CodeMirror .cm-variable-2").count() > 0
    page.get_by_role("button", name="Run query").click()
    table = page.locator("table.results")
    table.wait_for()
    expected = endpoint_json(page, editor_text(page))["results"]["bindings"]
    assert table.locator("tbody tr").count() == len(expected) > 0
    assert page.locator("#status").inner_text().startswith(f"{len(expected)} row")
    ids = [b["id"]["value"] for b in expected]
    col = [c.inner_text() for c in table.locator("thead th").all()].index("id")
    header = table.locator("thead th").nth(col).get_by_role("button")

    def column() -> list[str]:
        return table.locator(f"tbody tr td:nth-child({col + 1})").all_inner_texts()

    header.click()
    assert column() == sorted(ids, key=str.lower)
    header.click()
    assert column() == sorted(ids, key=str.lower, reverse=True)
    assert table.locator("thead th").nth(col).get_attribute("aria-sort") == "descending"
    shot(page, "sparql-01-results")
    # IRIs of this graph link to their pages, shown as CURIEs with the IRI on hover
    link = table.locator("tbody a[href^='/id/']").first
    assert ":" in link.inner_text() and link.get_attribute("title").startswith(
        "https://w3id.org/pcfgraph/id/"
    )
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").inner_text()


def test_examples_prefix_completion_and_errors(page: Any) -> None:
    page.goto("/sparql")
    page.locator("#example").select_option("api/gaps")
    assert "SELECT ?framework ?element" in editor_text(page)
    # prefix completion: typing "sk" offers skos:, picking it adds the PREFIX line
    set_editor(page, "SELECT ?c WHERE { ?c a ")
    page.keyboard.type("sk")
    hint = page.locator("ul.CodeMirror-hints li.CodeMirror-hint-active")
    hint.wait_for()
    assert hint.inner_text().startswith("skos:")
    shot(page, "sparql-02-prefix-completion")
    page.keyboard.press("Enter")
    page.keyboard.type("Concept } LIMIT 3")
    text = editor_text(page)
    assert text.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    assert text.endswith("?c a skos:Concept } LIMIT 3")
    page.keyboard.press("Control+Enter")
    page.locator("table.results tbody tr").nth(2).wait_for()
    assert page.locator("table.results tbody tr").count() == 3
    # a syntax error: the endpoint's message, with its position, in an alert
    set_editor(page, "SELECT * WHERE { ?s ?p }")
    page.get_by_role("button", name="Run query").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    problem = page.request.post(
        "/sparql", form={"query": "SELECT * WHERE { ?s ?p }"}, headers={"Accept": "*/*"}
    )
    assert problem.status == 400
    assert json.loads(problem.text())["detail"] in alert.inner_text()
    assert "line 1" in alert.inner_text()
    shot(page, "sparql-03-error")
    # the endpoint's result cap, the same message as protocol clients get
    set_editor(page, "SELECT * WHERE { ?s ?p ?o }")
    page.get_by_role("button", name="Run query").click()
    expect(page.locator("#error")).to_contain_text(f"more than {MAX_ROWS}")
    expect(alert).to_be_visible()


def test_downloads_csv_and_json(page: Any) -> None:
    page.goto("/sparql")
    page.get_by_role("button", name="Run query").click()
    page.locator("table.results").wait_for()
    expected = endpoint_json(page, editor_text(page))
    with page.expect_download() as info:
        page.get_by_role("button", name="JSON").click()
    got = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert got == expected
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV").click()
    assert info.value.suggested_filename == "results.csv"
    lines = Path(info.value.path()).read_bytes().decode("utf-8").split("\r\n")
    assert lines[0].split(",") == expected["head"]["vars"]
    assert len([ln for ln in lines[1:] if ln]) == len(expected["results"]["bindings"])


def test_csv_download_is_formula_safe(page: Any) -> None:
    page.goto("/sparql")
    set_editor(page, 'SELECT ?x WHERE { VALUES ?x { "=HYPERLINK(1)" "+1" "-1" "@a" "ok" } }')
    page.get_by_role("button", name="Run query").click()
    page.locator("table.results").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV").click()
    rows = Path(info.value.path()).read_bytes().decode("utf-8").split("\r\n")
    assert set(rows[1:6]) == {"'=HYPERLINK(1)", "'+1", "'-1", "'@a", "ok"}


def test_keyboard_and_accessibility(page: Any) -> None:
    page.goto("/sparql")
    page.get_by_role("button", name="Run query").click()
    page.locator("table.results").wait_for()
    assert axe_violations(page) == []


A2 = "https://w3id.org/pcfgraph/id/prm-it/A2"


def named_json(page: Any, name: str, **params: str) -> dict[str, Any]:
    r = page.request.get(
        f"/queries/{name}", params=params, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.ok, r.text()
    return dict(r.json())


def column_of(page: Any, var: str) -> list[str]:
    table = page.locator("table.results")
    col = [c.inner_text() for c in table.locator("thead th").all()].index(var)
    return table.locator(f"tbody tr td:nth-child({col + 1}) a").evaluate_all(
        "links => links.map(a => a.title)"
    )


def test_an_example_with_parameters_runs_with_them_bound(page: Any) -> None:
    # Before, a parameter stayed an unbound variable of the text: api/descendants ran over
    # every element of the graph until the deadline.
    page.goto("/sparql")
    page.locator("#example").select_option("api/descendants")
    box = page.get_by_role("group", name="Parameters of api/descendants")
    expect(box).to_be_visible()
    field = box.get_by_label("element")
    example = field.input_value()
    assert example.startswith("https://w3id.org/pcfgraph/id/")
    shot(page, "sparql-04-parameters")
    assert axe_violations(page) == []
    with page.expect_request(lambda r: "/queries/api/descendants?" in r.url):
        page.get_by_role("button", name="Run query").click()
    page.locator("table.results").wait_for()
    expected = named_json(page, "api/descendants", element=example)["results"]["bindings"]
    assert sorted(column_of(page, "descendant")) == sorted(
        b["descendant"]["value"] for b in expected
    )
    assert len(expected) > 0
    # another value in the field: the rows of that element
    field.fill(A2)
    page.get_by_role("button", name="Run query").click()
    want = named_json(page, "api/descendants", element=A2)["results"]["bindings"]
    expect(page.locator("#status")).to_contain_text(f"{len(want)} row")
    assert sorted(column_of(page, "descendant")) == sorted(b["descendant"]["value"] for b in want)
    # a required field left empty (Ctrl+Enter skips the form's check): the endpoint's message
    field.fill("")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("alert")).to_contain_text("needs parameter 'element'")


def test_an_edited_example_runs_as_written_without_its_parameters(page: Any) -> None:
    page.goto("/sparql")
    page.locator("#example").select_option("api/descendants")
    box = page.locator("#params")
    field = box.get_by_label("element")
    expect(field).to_be_enabled()
    text = f"SELECT ?descendant WHERE {{ ?descendant <{SKOS_BROADER}> <{A2}> }}"
    set_editor(page, text)
    expect(field).to_be_disabled()  # by its fieldset
    expect(page.locator("#params-note")).to_contain_text("runs as written")
    with page.expect_request(lambda r: r.url.endswith("/sparql") and r.method == "POST"):
        page.get_by_role("button", name="Run query").click()
    page.locator("table.results").wait_for()
    children = endpoint_json(page, text)["results"]["bindings"]
    assert sorted(column_of(page, "descendant")) == sorted(
        b["descendant"]["value"] for b in children
    )
    assert len(children) == 7  # A21-A27
    # choosing an example without parameters hides the fields
    page.locator("#example").select_option("api/frameworks")
    expect(box).to_be_hidden()


SKOS_BROADER = "http://www.w3.org/2004/02/skos/core#broader"


def test_without_javascript_the_form_answers_with_a_table_and_keeps_the_query(
    browser: Any, server: str
) -> None:
    """With JavaScript off, submitting the form sent the browser to GET /sparql: the raw
    results document (XML), and on a query error a problem document, the query typed lost.
    The page now comes back with the query in its box and the answer as a table, or the
    error with its line and column."""
    for nojs in new_page(browser, server, java_script_enabled=False):
        nojs.goto("/sparql", wait_until="domcontentloaded")
        typed = 'SELECT ?x WHERE { VALUES ?x { "<i>a</i>" "b" } } ORDER BY ?x'
        nojs.fill("#query", typed)
        nojs.click("#run")
        nojs.wait_for_load_state("domcontentloaded")
        assert nojs.url.split("?")[0].endswith("/sparql/results")
        assert nojs.locator("#query").input_value() == typed
        table = nojs.locator("#answer table")
        assert table.locator("thead th").all_inner_texts() == ["x"]
        assert table.locator("tbody td").all_inner_texts() == ["<i>a</i>", "b"]  # as text
        assert nojs.locator("#answer i").count() == 0
        broken = "SELECT * WHERE {\n  ?s ?p }"
        nojs.fill("#query", broken)
        nojs.click("#run")
        nojs.wait_for_load_state("domcontentloaded")
        assert nojs.locator("#query").input_value() == broken
        error = nojs.locator("#error")
        expect(error).to_be_visible()
        assert "line 2, column 3" in error.inner_text()
