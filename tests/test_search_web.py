"""The workbench search box on the shared search index: as you type (``partial=true``) the
last word is completed; a submitted query searches whole words; identifiers and synonyms work
there too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from _webgraph import web_release
from fastapi.testclient import TestClient

from pcfgraph.config import Settings
from pcfgraph.serving import create_app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), web_release())) as c:
        yield c


def test_typing_completes_the_last_word(client: TestClient) -> None:
    typing = client.get("/search", params={"q": "service lev", "partial": "true"}).text
    assert (
        "<mark>Service Level</mark>" in typing
        or "<mark>Service</mark> <mark>Level</mark>" in typing
    )
    submitted = client.get("/search", params={"q": "service lev"}).text
    assert "<mark>Service Level</mark>" not in submitted  # "lev" is not a word of any name


def test_identifiers_and_synonyms_in_the_search_box(client: TestClient) -> None:
    assert "/id/prm-it/A24" in client.get("/search", params={"q": "A24"}).text
    sla = client.get("/search", params={"q": "SLA"}).text
    assert "ervice level agreement" in sla.lower() or "<mark>SLA</mark>" in sla


def test_typos_are_corrected_and_hits_say_what_matched(client: TestClient) -> None:
    typo = client.get("/search", params={"q": "custmer requirments"}).text
    assert (
        'Showing results for <a href="/search?q=customer%20requirements">'
        "customer requirements</a>" in typo
    )
    assert "<mark>" in typo  # the corrected words found and marked
    ids = client.get("/search", params={"q": "20641"}).text
    assert "matched on PCF ID 20641" in ids
    nothing = client.get("/search", params={"q": "zzqx"}).text
    assert "0 results" in nothing and "did-you-mean" not in nothing


def test_counts_by_framework_link_to_the_filtered_search(client: TestClient) -> None:
    html = client.get("/search", params={"q": "customer"}).text
    counts = dict(re.findall(r'framework=([\w.-]+)"[^>]*>[\w.-]+</a> \((\d+)\)', html))
    assert {"prm-it", "apqc-pcf-cross-industry-7.4"} <= set(counts)
    only = client.get("/search", params={"q": "customer", "framework": "prm-it"}).text
    shown = len(re.findall(r'<a href="/id/prm-it/', only))
    assert shown == int(counts["prm-it"])  # the count is what the filter shows


def test_the_framework_filter_takes_what_the_other_edges_take(client: TestClient) -> None:
    """A family (apqc-pcf: every APQC edition) filters as in the CLI, GraphQL and MCP; it
    was refused as 'no framework'. An unknown value is the HTML 404 page naming it (as
    /matrix?source=, the CLI and GraphQL's not-found; it was a 400)."""
    family = client.get("/search", params={"q": "customer", "framework": "apqc-pcf"})
    assert family.status_code == 200, family.text
    shown = set(re.findall(r'<a href="/id/([\w.-]+)/', family.text))
    assert shown and all(fid.startswith("apqc-pcf") for fid in shown), shown
    assert '<option value="apqc-pcf" selected>' in family.text
    for params in ({"q": "customer"}, {"q": ""}, {"q": "customer", "partial": "true"}):
        bad = client.get("/search", params={**params, "framework": "nope"})
        assert bad.status_code == 404 and bad.headers["content-type"].startswith("text/html")
        assert "framework: no framework or family &#39;nope&#39;; known: apqc-pcf," in bad.text


def test_the_framework_filter_is_matched_ignoring_case_as_the_apis(client: TestClient) -> None:
    """``framework=PRM-IT`` was the 404 "no framework or family 'PRM-IT'", where GraphQL's
    ``search(framework:)``, MCP's ``search`` and ``pcfgraph search --framework`` take it
    for ``prm-it`` (the one rule of identifiers): the same hits, the filter shown chosen as
    the data writes it, in the page and as you type."""
    exact = client.get("/search", params={"q": "customer", "framework": "prm-it"}).text
    hits = re.findall(r'<a href="/id/([^"]+)"', exact)
    assert hits and all(h.startswith("prm-it/") for h in hits)
    for written in ("PRM-IT", "Prm-It"):
        page = client.get("/search", params={"q": "customer", "framework": written})
        assert page.status_code == 200, page.text
        assert re.findall(r'<a href="/id/([^"]+)"', page.text) == hits
        assert '<option value="prm-it" selected>' in page.text
        typed = client.get(
            "/search", params={"q": "customer", "framework": written, "partial": "true"}
        )
        assert typed.status_code == 200 and re.findall(r'<a href="/id/([^"]+)"', typed.text) == hits
    family = client.get("/search", params={"q": "customer", "framework": "APQC-PCF"})
    assert '<option value="apqc-pcf" selected>' in family.text
    # a value that names nothing in any case is still the 404 naming it
    bad = client.get("/search", params={"q": "customer", "framework": "PRM-ITX"})
    assert bad.status_code == 404 and "no framework or family &#39;PRM-ITX&#39;" in bad.text
