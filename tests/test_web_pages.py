"""The web workbench pages over a known graph (tests/_webgraph.py), without a browser.

Each page: status, the content a reader needs, and no asset or link to another host.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import rdflib
from _webgraph import APQC_ID, element_iri, web_release
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from pcfgraph import iris
from pcfgraph.config import Settings
from pcfgraph.http.routes import route_paths
from pcfgraph.serving import create_app


def web_app() -> FastAPI:
    # Uploads (diff, audit) wait for a worker that loads the whole default graph: a deadline a
    # loaded CI machine meets. The deadline itself is tested in tests/security.
    return create_app(Settings(validate_timeout=300), web_release())


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(web_app()) as c:
        yield c


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action") and value is not None:
                self.urls.append((tag, name, value))
            if name == "id" and value:
                self.ids.append(value)


def links(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def assert_self_contained(html: str) -> None:
    """Scripts, styles, images and forms only from this server; links to other hosts only
    as plain reference links (licences), never assets."""
    parsed = links(html)
    for tag, attr, url in parsed.urls:
        parts = urlsplit(url)
        if tag in ("script", "link", "img", "iframe", "form", "source", "image"):
            assert not parts.netloc and parts.scheme in ("", "data"), (tag, attr, url)
        if tag == "a" and parts.netloc:
            assert parts.netloc not in ("w3id.org",) or "/pcfgraph/" not in parts.path, url
    assert re.search(r"@import|url\(\s*['\"]?https?:", html) is None
    dupes = {i for i in parsed.ids if parsed.ids.count(i) > 1}
    assert not dupes, f"duplicate ids: {dupes}"


def test_home_lists_frameworks_with_edition_version_counts_and_licence(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert_self_contained(html)
    assert f'href="/frameworks/{APQC_ID}"' in html
    assert "Cross-Industry" in html and "7.4" in html
    assert re.search(r'<td class="num">\s*45\s*</td>', html)  # 45 APQC elements
    assert "©2024 APQC" in html
    assert 'action="/search"' in html


def test_framework_page_is_a_nested_tree_with_every_element(client: TestClient) -> None:
    html = client.get(f"/frameworks/{APQC_ID}").text
    assert_self_contained(html)
    assert 'id="tree"' in html and "<details" in html and "<summary>" in html
    tree = html[html.index('id="tree"') :]
    # 8.1.5 encloses 8.1.5.3, which links to its /id/ page
    branch = tree[tree.index('id="n-8.1.5"') :]
    branch = branch[: branch.index("</details>")]
    assert iris.id_path(element_iri(20635)) in branch
    assert tree.count('<li class="') == 45
    expanded = client.get(f"/frameworks/{APQC_ID}?expand=all").text
    assert expanded.count("<details open") == expanded.count("<details")


def test_unknown_framework_is_an_html_404_with_a_way_back(client: TestClient) -> None:
    r = client.get("/frameworks/no-such")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no framework &#39;no-such&#39;" in r.text and 'href="/"' in r.text
    assert client.get("/matrix?target=nope").status_code == 404
    # an unknown source too (it was a 200 page saying the frameworks are "not both loaded")
    source = client.get("/matrix?target=prm-it&source=nope")
    assert source.status_code == 404 and source.headers["content-type"].startswith("text/html")
    assert "source: no framework &#39;nope&#39;; known frameworks: " in source.text


def test_element_page_shows_facts_breadcrumb_children_measures(client: TestClient) -> None:
    html = client.get(iris.id_path(element_iri(20608)) or "").text
    assert_self_contained(html)
    assert "Develop and manage IT customer relationships" in html
    crumbs = html[html.index('class="breadcrumb"') : html.index("</nav>", html.index("breadcrumb"))]
    assert "8.0 Manage Information Technology (IT)" in crumbs
    assert "20608" in html  # PCF ID
    for pid in (20609, 20632, 20648):
        assert iris.id_path(element_iri(pid)) in html
    assert "100830" in html and "Process Efficiency" in html  # a measure and its category


def test_element_page_draws_curated_solid_and_derived_dashed_mappings(client: TestClient) -> None:
    html = client.get(iris.id_path(element_iri(20638)) or "").text
    assert_self_contained(html)
    svg = html[html.index("<svg") : html.index("</svg>")]
    curated = re.findall(r'<g class="edge curated[^"]*">\s*<title>([^<]*)</title>', svg)
    derived = re.findall(r'<g class="edge derived[^"]*">\s*<title>([^<]*)</title>', svg)
    assert len(curated) == 1 and "exactMatch A24" in curated[0]
    assert "Negotiating service level agreements" in curated[0]  # comment on hover
    assert (
        len(derived) == 1
        and "Derived: 8.1.5.6 is the same as A24, which is close to RM-3.2." in derived[0]
    )
    assert 'href="/id/prm-it/A24"' in svg
    # ... and below the diagram, with anchors the matrix links to
    assert 'id="to-prm-it-A24"' in html and "ManualMappingCuration" in html
    assert "0.95" in html
    # the derived comment is a sentence built from the chain, not the stored machine text
    assert "Derived: 8.1.5.6 is the same as A24, which is close to RM-3.2." in html


def test_element_of_another_framework_and_stated_from_the_other_side(client: TestClient) -> None:
    html = client.get("/id/prm-it/A24").text
    assert "Service Level Management" in html and "Customer Relationships" in html
    # the curated PCF->A24 record has no derived inverse in the fixture: shown inverted
    assert "stated by the other framework" in html and "8.1.5.6" in html


def test_a_curated_mapping_stated_from_the_other_side_is_listed_as_curated(
    client: TestClient,
) -> None:
    """A23's one mapping is curated from the PCF side (8.1.5.3 closeMatch A23) and has a
    derived inverse: the page listed only the inverse, under "Derived mappings"
    (MappingInversion), where MCP get_mappings and the matrix gave it as curated."""
    html = client.get("/id/prm-it/A23").text
    curated, _, derived = html.partition("<h3>Derived mappings</h3>")
    assert "<h3>Curated mappings</h3>" in curated
    row = re.search(r'<tr id="to-apqc-pcf-cross-industry-7.4-8.1.5.3" class="(\w+)">(.*?)</tr>',
                    curated, re.S)  # fmt: skip
    assert row is not None and row[1] == "curated"
    assert "ManualMappingCuration" in row[2] and "stated by the other framework" in row[2]
    assert "8.1.5.3" not in derived and "MappingInversion" not in html


def test_element_page_shows_recorded_no_counterpart(client: TestClient) -> None:
    html = client.get(iris.id_path(element_iri(20614)) or "").text
    assert "No counterpart in <strong>prm-it</strong>: Understanding the IT landscape" in html


def test_unknown_iri_is_404(client: TestClient) -> None:
    assert client.get("/id/prm-it/A99").status_code == 404


def test_unknown_iri_is_the_workbench_404_page_for_browsers(client: TestClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = client.get("/id/prm-it/A99", headers=browser)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert_self_contained(r.text)
    # the same page as the workbench's other 404s, with the IRI in the detail
    other = client.get("/frameworks/no-such").text
    head = other[: other.index('<main id="main">')]
    assert head in r.text and "<h1>Not found</h1>" in r.text and 'href="/"' in r.text
    assert f"&lt;{iris.ID_BASE}prm-it/A99&gt;" in r.text
    # API clients keep problem+json
    api = client.get("/id/prm-it/A99", headers={"Accept": "text/turtle"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["code"] == "not-found"


def test_an_unknown_iris_404_says_it_varies_by_accept(client: TestClient) -> None:
    """The 404 of /id/... is the HTML page or problem+json by the Accept header alone, and
    a 404 may be cached without being told to (RFC 9110, 15.1): it said only Vary: Origin,
    so a shared cache could answer an RDF client with the browser's page."""
    for accept in ("text/html", "text/turtle", "*/*"):
        for url in ("/id/prm-it/A99", "/id/prm-it/A%20B"):  # unknown; no IRI at all
            r = client.get(url, headers={"Accept": accept})
            assert r.status_code == 404
            vary = {v.strip().lower() for v in r.headers.get("vary", "").split(",")}
            assert "accept" in vary, (url, accept, r.headers.get("vary"))


def hit_links(html: str) -> list[str]:
    if '<ol class="hits">' not in html:
        return []
    ol = html[html.index('<ol class="hits">') : html.index("</ol>", html.index('class="hits"'))]
    return re.findall(r'<li><a href="([^"]+)">', ol)


def test_search_ranks_names_first_highlights_and_filters(client: TestClient) -> None:
    html = client.get("/search", params={"q": "service level"}).text
    assert_self_contained(html)
    hits = hit_links(html)
    assert hits[0] == "/id/prm-it/A24"  # name match ranks above definition matches
    assert "<mark>Service Level</mark>" in html
    assert iris.id_path(element_iri(20638)) in hits
    only = client.get("/search", params={"q": "service level", "framework": "prm-it"}).text
    only_hits = hit_links(only)
    assert only_hits and all(h.startswith("/id/prm-it/") for h in only_hits)
    partial = client.get("/search", params={"q": "service level", "partial": "true"}).text
    assert "<html" not in partial and "<mark>" in partial
    assert (
        "<script"
        not in client.get("/search", params={"q": "<script>x"})
        .text.split("</main>")[0]
        .split('<main id="main">')[1]
    )


def test_matrix_colours_cells_links_them_and_highlights_gaps(client: TestClient) -> None:
    html = client.get("/matrix").text
    assert_self_contained(html)
    cols = re.findall(r'<th scope="col" class="col[^"]*"><a href="([^"]+)"', html)
    assert cols == [f"/id/prm-it/A2{i}" for i in (1, 2, 3, 4, 5, 7)]
    row_link = iris.id_path(element_iri(20638))
    assert re.search(
        r'class="hit s4 c-hi">\s*<a href="' + re.escape(row_link) + '#to-prm-it-A24"', html
    )
    assert 'class="hit s3 c-hi"' in html and 'class="hit s1 c-mid"' in html
    assert html.count('<tr class="gap">') == 43 - 3  # rows without any counterpart
    assert html.count('class="col gap"') == 3  # A21, A22, A27
    # a recorded reason travels with the gap (8.1.2.2 has a NoCounterpart record)
    assert re.search(
        r'title="Understanding the IT landscape[^"]*">no counterpart \(recorded\)', html
    )
    # derived toggle: IT-CMF has only a derived mapping in the fixture
    assert (
        "derived"
        not in re.findall(
            r'<td class="hit[^"]*"', client.get("/matrix?target=it-cmf").text
        ).__str__()
    )
    with_derived = client.get("/matrix?target=it-cmf&derived=true").text
    assert re.search(r'<td class="hit s3 c-mid derived"', with_derived)
    trim = client.get("/matrix?target=trim").text
    assert "Business Relationship Manager" in trim and "Service Level Agreement" in trim


def test_static_assets_are_served_and_nothing_else(client: TestClient) -> None:
    css = client.get("/assets/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@media print" in css.text
    assert "ArrowRight" in client.get("/assets/tree.js").text
    js = client.get("/assets/search.js")
    assert js.status_code == 200 and "fetch(" in js.text and "http" not in js.text
    assert client.get("/assets/../views.py").status_code == 404
    assert client.get("/assets/nope.css").status_code == 404


def test_framework_and_element_downloads(client: TestClient) -> None:
    r = client.get(f"/frameworks/{APQC_ID}/export", params={"subtree": "8.1.5", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.text.splitlines()[1].startswith("8.1.5,20632,")
    x = client.get(f"/frameworks/{APQC_ID}/export", params={"format": "xlsx"})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert client.get(f"/frameworks/{APQC_ID}/export", params={"format": "pdf"}).status_code == 400
    page = client.get(iris.id_path(element_iri(20632)) or "").text
    assert f"/frameworks/{APQC_ID}/export?subtree=8.1.5&amp;format=xlsx" in page
    assert f"/frameworks/{APQC_ID}/export?subtree=8.1.5&amp;format=csv&amp;derived=true" in page
    # the decisions, which the flat CSV has no place for, have a CSV of their own
    decisions = f"/frameworks/{APQC_ID}/export?subtree=8.1.5&amp;format=csv&amp;table=decisions"
    assert decisions in page
    framework_page = client.get(f"/frameworks/{APQC_ID}").text
    assert f"/frameworks/{APQC_ID}/export?format=csv&amp;table=decisions" in framework_page
    got = client.get(decisions.replace("&amp;", "&"))
    assert got.status_code == 200 and got.text.startswith("code,pcf_id,name,decision,")


def test_framework_page_links_its_data_and_each_link_is_its_graph(client: TestClient) -> None:
    page = links(client.get(f"/frameworks/{APQC_ID}").text)
    scheme = iris.framework(APQC_ID)
    graph = iris.id_path(str(iris.framework_graph(APQC_ID))) or ""
    hrefs = {url for tag, _attr, url in page.urls if tag in ("a", "link")}
    assert iris.id_path(str(scheme)) in hrefs and graph in hrefs
    downloads = {f"{graph}?format={f}": f for f in ("ttl", "nt", "jsonld", "rdfxml")}
    assert set(downloads) <= hrefs
    graphs = []
    for href, fmt in downloads.items():
        r = client.get(href)
        assert r.status_code == 200 and "filename=" in r.headers["content-disposition"]
        parser = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
        graphs.append(rdflib.Graph().parse(data=r.content, format=parser))
    assert (scheme, rdflib.RDF.type, iris.SKOS.ConceptScheme) in graphs[0]
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])


def test_downloads_hold_derived_mappings_only_when_asked(client: TestClient) -> None:
    url = f"/frameworks/{APQC_ID}/export"

    def derived_column(**params: str) -> set[str]:
        r = client.get(url, params={"subtree": "8.1.5", "format": "csv", **params})
        assert r.status_code == 200, r.text
        return {row["derived"] for row in csv.DictReader(io.StringIO(r.text)) if row["relation"]}

    assert derived_column() == {"no"}
    assert derived_column(derived="true") == {"no", "yes"}
    bad = client.get(url, params={"format": "csv", "derived": "maybe"})
    assert bad.status_code == 400 and "derived must be true or false" in bad.text


def test_downloads_with_derived_mappings_are_saved_under_another_name(
    client: TestClient,
) -> None:
    # the framework page offers both side by side; its links name no file (the server does)
    page = links(client.get(f"/frameworks/{APQC_ID}").text)
    exports = [u for tag, _a, u in page.urls if tag == "a" and "/export?" in u]
    names = {client.get(u).headers["content-disposition"] for u in exports}
    assert len(exports) == 5 and len(names) == 5, names  # and the decisions CSV
    listed = client.get("/mappings").json()["mappingSets"]
    both = [(m["exports"], m["derivedExports"]) for m in listed if "derivedExports" in m]
    assert both
    for curated, derived in both:
        for kind in curated:
            plain = client.get(curated[kind]).headers["content-disposition"]
            with_derived = client.get(derived[kind]).headers["content-disposition"]
            assert plain != with_derived and "-with-derived." in with_derived


def test_audit_page_form_works_without_javascript(client: TestClient) -> None:
    html = client.get("/audit").text
    assert_self_contained(html)
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert 'src="/assets/audit.js"' in html


def test_diff_page_compares_editions_in_the_graph(client: TestClient) -> None:
    html = client.get("/diff").text
    assert_self_contained(html)
    same = re.sub(r"<[^>]+>", "", client.get("/diff", params={"old": APQC_ID, "new": APQC_ID}).text)
    assert "0 added" in same and "45 unchanged" in same and "No differences." in same
    csv_ = client.get("/diff", params={"old": APQC_ID, "new": APQC_ID, "format": "csv"})
    assert csv_.text.startswith("change,id,old_code")
    # a format no download has is the form's 400 naming it (it was the page, 200)
    for params in ({"old": APQC_ID, "new": APQC_ID}, {}):
        bad = client.get("/diff", params={**params, "format": "pdf"})
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
        assert "format must be one of html, csv, json, xlsx, not &#39;pdf&#39;" in bad.text


def _example(name: str) -> bytes:
    from pcfgraph.resources import resource_dir

    return (resource_dir("data") / "examples" / name).read_bytes()


def _audit_page_of(client: TestClient, filename: str) -> str:
    """The audit page after uploading the example with findings as ``filename``."""
    if "/validate" not in route_paths(client.app.routes):  # type: ignore[attr-defined]
        pytest.skip("the audit API (POST /validate) is not installed")
    model = _example("organisation-with-findings.ttl")
    r = client.post("/audit", files={"model": (filename, model)})
    assert r.status_code == 200, r.text[:500]
    return r.text


def test_audit_upload_shows_the_api_report_with_its_downloads(client: TestClient) -> None:
    """The page shows the API's report and offers it as HTML, JSON and Turtle, and the
    findings as CSV and XLSX (the same table ``POST /validate`` answers ``text/csv`` with)."""
    html = _audit_page_of(client, "organisation-with-findings.ttl")
    model = _example("organisation-with-findings.ttl")
    assert_self_contained(html)
    report = html[html.index('id="report"') :]
    assert "The model has findings." in report
    # the page embeds the report the API renders as HTML (Accept: text/html), headings demoted
    api = client.post(
        "/validate?name=organisation-with-findings.ttl",
        content=model,
        headers={"content-type": "text/turtle", "accept": "text/html"},
    ).text
    m = re.search(r"<h1[^>]*>(.*?)</h1>", api, re.S)
    assert m is not None and f"<h3>{m.group(1).strip()}</h3>" in report  # headings demoted
    downloads = re.findall(r'href="data:([^;]+);base64,[^"]+" download="([^"]+)"', report)
    assert downloads == [
        ("text/html", "organisation-with-findings-report.html"),
        ("application/json", "organisation-with-findings-report.json"),
        ("text/turtle", "organisation-with-findings-report.ttl"),
        ("text/csv", "organisation-with-findings-report.csv"),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "organisation-with-findings-report.xlsx",
        ),
    ]
    api_csv = client.post(
        "/validate?name=organisation-with-findings.ttl",
        content=model,
        headers={"content-type": "text/turtle", "accept": "text/csv"},
    ).content
    assert _download(report, "text/csv") == api_csv
    # the verdict is the API's (the fixture graph is not the shipped one, so no fixed answer)
    good = _example("conforming-organisation.ttl")
    ok = client.post("/audit", files={"model": ("ok.ttl", good)})
    verdict = client.post(
        "/validate?name=ok.ttl", content=good, headers={"content-type": "text/turtle"}
    ).headers["x-audit-conforms"]
    expected = "The model conforms." if verdict == "true" else "The model has findings."
    assert ok.status_code == 200 and expected in ok.text


def _pool_tasks(client: TestClient) -> float:
    """The sandbox pool's task counter, as /metrics publishes it."""
    m = re.search(r"^pcfgraph_pool_tasks_total (\S+)$", client.get("/metrics").text, re.M)
    assert m is not None, "the pool's task counter is not in /metrics"
    return float(m.group(1))


def _download(report: str, media_type: str) -> bytes:
    import base64

    m = re.search(rf'href="data:{re.escape(media_type)};base64,([^"]+)"', report)
    assert m is not None, media_type
    return base64.b64decode(m.group(1))


@pytest.mark.parametrize(
    ("uploaded", "stem"),
    [
        ("org\x07 <v2>: final?.ttl", "org_ _v2_ final"),
        ("../../etc/passwd", "passwd"),
        ("...ttl", "model"),
        ("\u200bmodel|2026*.xlsx", "model_2026"),
        ("org\u202egpj.ttl", "org_gpj"),  # not shown as orglmth.troper-jpg once saved
        ("x" * 300 + ".ttl", "x" * 100),
    ],
)
def test_report_downloads_are_named_without_what_no_file_name_should_hold(
    uploaded: str, stem: str
) -> None:
    """The download names kept the uploaded name's control characters and separators (inside
    an escaped attribute: safe for the page, not for the user's disk)."""
    from pcfgraph.web.forms import download_stem

    assert download_stem(uploaded) == stem


def test_report_downloads_of_an_upload_with_odd_characters(client: TestClient) -> None:
    html = _audit_page_of(client, "org <v2>: final.ttl")
    names = re.findall(r'href="data:[^;]+;base64,[^"]+" download="([^"]+)"', html)
    exts = ("html", "json", "ttl", "csv", "xlsx")
    assert names == [f"org _v2_ final-report.{ext}" for ext in exts]


def test_audit_page_runs_the_audit_once_and_renders_every_format_from_its_report(
    client: TestClient,
) -> None:
    import json
    from collections import Counter

    from rdflib import Graph, URIRef
    from rdflib.namespace import SH

    if "/metrics" not in route_paths(client.app.routes):  # type: ignore[attr-defined]
        pytest.skip("no /metrics on this app")
    model = _example("organisation-with-findings.ttl")
    before = _pool_tasks(client)
    r = client.post("/audit", files={"model": ("organisation-with-findings.ttl", model)})
    assert r.status_code == 200, r.text[:500]
    assert "<title>Audit report: organisation-with-findings.ttl · pcfgraph</title>" in r.text
    assert _pool_tasks(client) - before == 1  # one sandbox task: one audit, three formats
    report = r.text[r.text.index('id="report"') :]
    doc = json.loads(_download(report, "application/json"))
    assert doc["conforms"] is False and "The model has findings." in report
    # the Turtle download is the same report: one sh:result per JSON result (by source shape,
    # and by focus node where the focus node is an IRI)
    turtle = Graph().parse(data=_download(report, "text/turtle"), format="turtle")
    found = [
        (turtle.value(res, SH.focusNode), str(turtle.value(res, SH.sourceShape)))
        for res in turtle.objects(None, SH.result)
    ]
    assert Counter(shape for _f, shape in found) == Counter(f["shape"] for f in doc["results"])
    assert {(str(f), s) for f, s in found if isinstance(f, URIRef)} == {
        (f["focusNode"], f["shape"]) for f in doc["results"] if "://" in f["focusNode"][:12]
    }
    # ... and the HTML download holds every finding's message the page shows
    html = _download(report, "text/html").decode("utf-8")
    assert "<h1>" in html and "<h1>" not in report  # the file a document, the page a fragment
    for finding in doc["results"]:
        assert finding["rule"] in html and finding["rule"] in report
    # the form left the date empty: the day the model states (orgm:describedAsOf) decided
    assert (doc["asOf"], doc["asOfSource"]) == ("2025-07-15", "model")
    # the JSON download is what POST /validate answers for the same upload, given no date
    api = client.post(
        "/validate",
        params={"name": "organisation-with-findings.ttl"},
        content=model,
        headers={"content-type": "text/turtle", "accept": "application/json"},
    )
    assert api.status_code == 200

    def blank_ids_cleared(d: object) -> str:  # blank nodes are named anew on each parse
        return re.sub(r'"_:[A-Za-z0-9]+"', '"_:b"', json.dumps(d, sort_keys=True))

    assert blank_ids_cleared(api.json()) == blank_ids_cleared(doc)


def test_audit_form_offers_the_audit_date_and_the_shipped_profiles(client: TestClient) -> None:
    from pcfgraph.audit.profiles import BUILTIN

    html = client.get("/audit").text
    assert re.search(r'<input id="asOf" name="asOf" type="date" value=""', html)
    select = html[html.index('<select id="profile" name="profile">') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]+)"', select) == list(BUILTIN)
    assert re.findall(r'<option value="([^"]+)" selected', select) == [BUILTIN[0]]


def test_audit_upload_audits_as_of_the_chosen_date_under_the_chosen_profile(
    client: TestClient,
) -> None:
    import json
    from collections import Counter

    if "/validate" not in route_paths(client.app.routes):  # type: ignore[attr-defined]
        pytest.skip("the audit API (POST /validate) is not installed")
    model = _example("organisation-with-findings.ttl")
    r = client.post(
        "/audit",
        files={"model": ("organisation-with-findings.ttl", model)},
        data={"asOf": "2021-03-15", "profile": "strict"},
    )
    assert r.status_code == 200, r.text[:500]
    report = r.text[r.text.index('id="report"') :]
    doc = json.loads(_download(report, "application/json"))
    assert doc["asOf"] == "2021-03-15" and doc["profile"]["name"] == "strict"
    # the form keeps what was chosen
    assert 'name="asOf" type="date" value="2021-03-15"' in r.text
    assert '<option value="strict" selected>' in r.text
    # the same findings as POST /validate with the same options
    api = client.post(
        "/validate",
        params={
            "name": "organisation-with-findings.ttl",
            "asOf": "2021-03-15",
            "profile": "strict",
        },
        content=model,
        headers={"content-type": "text/turtle", "accept": "application/json"},
    ).json()

    def findings(d: dict[str, object]) -> Counter[tuple[str, str]]:  # blank nodes named anew
        return Counter(
            ("_:" if f["focusNode"].startswith("_:") else f["focusNode"], f["shape"])
            for f in d["results"]  # type: ignore[attr-defined]
        )

    assert findings(api) == findings(doc) and sum(findings(doc).values()) > 0


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("asOf", "15/03/2021", "asOf must be a date YYYY-MM-DD, not '15/03/2021'"),
        # other ISO 8601 forms, which Python 3.11 reads, are not the form asked for
        ("asOf", "20210315", "asOf must be a date YYYY-MM-DD, not '20210315'"),
        ("asOf", "2021-W11-1", "asOf must be a date YYYY-MM-DD, not '2021-W11-1'"),
        ("profile", "lenient", "profile must be one of default, strict, no-chargeback"),
    ],
)
def test_audit_upload_with_a_bad_option_says_which_and_keeps_the_form(
    client: TestClient, field: str, value: str, words: str
) -> None:
    before = _pool_tasks(client) if "/metrics" in route_paths(client.app.routes) else None  # type: ignore[attr-defined]
    r = client.post(
        "/audit",
        files={"model": ("m.ttl", _example("organisation-with-findings.ttl"))},
        data={field: value},
    )
    assert r.status_code == 400
    alert = r.text[r.text.index('role="alert"') :]
    assert words in html.unescape(alert[: alert.index("</p>")])
    assert 'type="file"' in r.text and 'id="report"' not in r.text
    # the field is marked and described by the error: a screen reader on it hears why
    [marked] = re.findall(r'<(?:input|select) id="(\w+)"[^>]*aria-invalid="true"', r.text)
    tag = r.text[r.text.index(f'id="{field}"') :]
    assert marked == field and "audit-error" in tag[: tag.index(">")]
    assert 'id="audit-error"' in r.text
    if before is not None:  # refused before any audit ran
        assert _pool_tasks(client) == before


def test_audit_upload_of_a_broken_file_shows_the_error_in_the_page(client: TestClient) -> None:
    if "/validate" not in route_paths(client.app.routes):  # type: ignore[attr-defined]
        pytest.skip("the audit API (POST /validate) is not installed")
    r = client.post("/audit", files={"model": ("bad.ttl", b"@prefix : <x> .\n:a :b")})
    assert r.status_code == 400
    assert 'role="alert"' in r.text and "bad.ttl" in r.text and 'type="file"' in r.text
    alert = r.text[r.text.index('role="alert"') :]
    alert = alert[: alert.index("</p>")]
    assert re.search(r"line 2, column \d+", alert)  # where it broke
    assert alert.count("bad.ttl") == 1, alert  # named once ("bad.ttl: bad.ttl, line 2" before)
    assert "aria-invalid" not in r.text  # about the file, not an option


@pytest.mark.parametrize(
    "files",
    [
        {"asOf": (None, b"2025-07-15")},  # a form with no file field (curl -F asOf=...)
        {"asOf": (None, b"2025-07-15"), "model": ("", b"", "application/octet-stream")},
    ],  # the second: a browser's empty file picker
    ids=["no-file-field", "empty-file-part"],
)
def test_audit_form_sent_without_a_file_is_the_page_asking_for_one(
    client: TestClient, files: dict[str, tuple[str | None, bytes, str] | tuple[None, bytes]]
) -> None:
    # The form without a file was 400 problem+json "body.model: Field required"; the page
    # answers it as it answers every other bad upload: its HTML, the error, the form kept.
    r = client.post("/audit", files=files)  # multipart/form-data, as curl -F sends
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    alert = html.unescape(r.text[r.text.index('role="alert"') :])
    alert = alert[: alert.index("</p>")]
    assert "choose a model file" in alert and "Field required" not in alert
    assert 'type="file"' in r.text and 'id="report"' not in r.text
    assert 'value="2025-07-15"' in r.text  # the chosen date is kept


def test_page_reads_are_kept_per_release_and_replaced_on_a_switch() -> None:
    from dataclasses import replace

    from pcfgraph.services.page_reads import reads_for

    app = web_app()
    state = app.state.pcf
    first = reads_for(state)
    assert reads_for(replace(state)) is first  # request snapshots share them
    state.release = web_release()  # what a reload does: one reference assignment
    second = reads_for(state)
    assert second is not first and second.store is state.release.store


def test_matrix_rows_by_category(client: TestClient) -> None:
    default = client.get("/matrix").text
    every = client.get("/matrix?category=all").text

    def row_codes(html: str) -> list[str]:
        return re.findall(r'<th scope="row"[^>]*><a href="[^"]+"><span class="code">([^<]+)<', html)

    # the fixture's rows all lie in the one category with mappings
    assert row_codes(default) == row_codes(every) and len(row_codes(every)) == 43
    assert re.search(r'<option value="8\.0" *>8\.0 [^<]+\(\d+ of 43 mapped\)</option>', default)
    assert '<option value="all" selected>every category</option>' in every
    assert row_codes(client.get("/matrix?category=8.0").text) == row_codes(every)
    missing = client.get("/matrix?category=42.0", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no category &#39;42.0&#39;" in missing.text


def test_a_pages_bad_parameter_is_an_html_400_naming_it(client: TestClient) -> None:
    # FastAPI's own parameter check answered these with problem+json (or not at all: strength 9
    # showed an empty matrix); a page's expected errors are HTML pages with the same status
    for url, says in (
        ("/matrix?strength=9", "strength must be a whole number from 1 (related) to 4 (exact)"),
        ("/matrix?strength=abc", "not &#39;abc&#39;"),
        ("/matrix?strength=4&strength=0", "not &#39;0&#39;"),
        ("/matrix?derived=maybe", "derived must be true or false, not &#39;maybe&#39;"),
        ("/search?q=service&partial=maybe", "partial must be true or false"),
    ):
        r = client.get(url)
        assert r.status_code == 400, url
        assert r.headers["content-type"].startswith("text/html"), url
        assert says in r.text and 'href="/"' in r.text, url


def test_matrix_strength_filter_and_yes_no_words(client: TestClient) -> None:
    def cell_strengths(html: str) -> set[str]:
        return set(re.findall(r'<td class="hit s(\d)', html))

    every = cell_strengths(client.get("/matrix").text)
    assert {"4", "3", "1"} <= every
    assert cell_strengths(client.get("/matrix?strength=4&strength=1").text) == {"4", "1"}
    checked = re.findall(
        r'name="strength" value="(\d)" checked', client.get("/matrix?strength=3").text
    )
    assert checked == ["3"]
    for yes in ("true", "1", "yes", "on"):
        html = client.get(f"/matrix?target=it-cmf&derived={yes}").text
        assert re.search(r'<td class="hit s3 c-mid derived"', html), yes
    assert "derived" not in str(
        re.findall(r'<td class="hit[^"]*"', client.get("/matrix?target=it-cmf&derived=no").text)
    )
    fragment = client.get("/search?q=service&partial=1").text
    assert "<html" not in fragment and "<html" in client.get("/search?q=service&partial=off").text


def test_derived_record_page_explains_itself_in_a_sentence(client: TestClient) -> None:
    html = client.get("/id/mapping/derived/20638-3.2", headers={"Accept": "text/html"}).text
    assert (
        "<h1>Mapping: 8.1.5.6 Negotiate and establish service level agreements is close to " in html
    )
    # the fixture's chain: 8.1.5.6 exactMatch A24 (curated), then A24 closeMatch RM-3.2
    assert (
        '<p class="derived-sentence">Derived: 8.1.5.6 is the same as A24, which is close to '
        "RM-3.2.</p>"
    ) in html
    chain = re.search(r'title="pcfg:chain">Chain</th><td><ol class="rdf-list">(.*?)</ol>', html)
    assert chain is not None
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', chain[1]) == [
        ("/id/mapping/apqc-pcf-to-prm-it/20638-A24", "8.1.5.6 is the same as A24"),
        ("/id/mapping/prm-it-to-it-cmf/A24-3.2", "A24 is close to RM-3.2"),
    ]
    assert "exactMatch then closeMatch gives closeMatch." in html  # the data's comment stays
    # an inverse: read from its own subject, saying what the curators stated
    inverse = client.get("/id/mapping/derived/A23-20635", headers={"Accept": "text/html"}).text
    assert (
        "Derived: A23 is close to 8.1.5.3 (the curated mapping states 8.1.5.3 is close to A23)."
    ) in inverse
    # a curated record has no derivation to explain
    curated = client.get(
        "/id/mapping/apqc-pcf-to-prm-it/20638-A24", headers={"Accept": "text/html"}
    ).text
    assert "derived-sentence" not in curated
    assert (
        "<h1>Mapping: 8.1.5.6 Negotiate and establish service level agreements is the same as A24"
        in curated
    )


def test_pages_of_pcf_content_cite_their_edition(client: TestClient) -> None:
    """An element page, a measure's page and search results show the licence and attribution
    of the framework editions whose content they show (Sources and rights)."""
    measure = "/id/apqc-pcf/cross-industry/7.4/measure/106448"
    for url in (iris.id_path(element_iri(20641)) or "", measure, "/search?q=service+levels"):
        r = client.get(url, headers={"accept": "text/html"})
        assert r.status_code == 200, url
        section = r.text.partition('id="sources-h"')[2]
        assert "©2024 APQC" in section, url
        assert f'href="/frameworks/{APQC_ID}"' in section, url
        assert r.text.count('id="sources-h"') == 1, url  # one section, whatever the page


def test_the_matrix_cites_its_two_frameworks(client: TestClient) -> None:
    r = client.get("/matrix", params={"target": "prm-it"})
    assert r.status_code == 200
    section = r.text.partition('id="sources-h"')[2].partition("</section>")[0]
    cited = set(re.findall(r'<dt><a href="/frameworks/([^"]+)"', section))
    assert cited == {APQC_ID, "prm-it"}
    assert "©2024 APQC" in section


def test_a_measure_page_links_its_class_to_the_served_ontology(client: TestClient) -> None:
    """The measure page linked its class to https://w3id.org/pcfgraph/ontology#Measure,
    leaving the site: pcfgraph's own vocabulary terms link the ontology graph's page here."""
    r = client.get(
        "/id/apqc-pcf/cross-industry/7.4/measure/106448", headers={"accept": "text/html"}
    )
    assert r.status_code == 200
    assert_self_contained(r.text)
    type_row = r.text.partition('title="rdf:type"')[2].partition("</tr>")[0]
    assert (
        '<a href="/id/graph/ontology#Measure" title="https://w3id.org/pcfgraph/ontology#Measure">'
        in type_row
    )
    page = client.get("/id/graph/ontology", headers={"accept": "text/html"})
    assert page.status_code == 200 and "pcfgraph framework ontology" in page.text


def test_page_path_serves_own_vocabulary_terms_from_the_ontology_graph() -> None:
    graph = iris.id_path(str(iris.ontology_graph()))
    assert graph == "/id/graph/ontology"
    assert iris.page_path(iris.ONTOLOGY_IRI) == iris.page_path(iris.ORG_ONTOLOGY_IRI) == graph
    # a term: its row on that page, at its IRI's fragment
    assert iris.page_path(str(iris.PCFG.Measure)) == graph + "#Measure"
    assert iris.page_path(str(iris.ORGM.Customer)) == graph + "#Customer"
    assert iris.page_path(str(iris.ID_BASE + "prm-it/A24")) == "/id/prm-it/A24"
    for other in (
        iris.ONTOLOGY_IRI + "#",
        iris.BASE + "ontologyX",
        "http://www.w3.org/2004/02/skos/core#Concept",
    ):
        assert iris.page_path(other) is None, other


@pytest.mark.parametrize(
    ("body", "media", "named"),
    [
        ({"data": {"asOf": "2025-07-15"}}, "application/x-www-form-urlencoded", None),
        ({"content": b"<a:b> <a:c> <a:d> ."}, "text/turtle", None),
        ({"content": b"x"}, None, "a body without a Content-Type"),
    ],
    ids=["urlencoded-form", "turtle-body", "no-content-type"],
)
def test_audit_post_that_is_not_the_form_is_415_saying_what_it_takes(
    client: TestClient, body: dict[str, object], media: str | None, named: str | None
) -> None:
    # It was 400 "body.model: Field required", a validation message about a field the
    # request could not have held; scripts are pointed at /validate.
    headers = {"Content-Type": media} if media else {}
    r = client.post("/audit", headers=headers, **body)  # type: ignore[arg-type]
    assert r.status_code == 415
    problem = r.json()
    assert problem["code"] == "unsupported-media-type"
    assert "multipart/form-data" in problem["detail"] and "/validate" in problem["detail"]
    assert f"not {named or media}" in problem["detail"]


def test_the_audit_page_compares_a_re_audit_with_an_earlier_report(client: TestClient) -> None:
    """The page took the model alone: an auditor re-auditing in the browser could not say which
    findings were fixed (POST /validate and the CLI take a baseline). The form's optional
    ``baseline`` file does it; none chosen (the browser's empty part) is no baseline, and an
    empty file is the page saying so."""
    import json

    if "/validate" not in route_paths(client.app.routes):  # type: ignore[attr-defined]
        pytest.skip("the audit API (POST /validate) is not installed")
    model = _example("organisation-with-findings.ttl")
    form = {"asOf": "2025-07-15"}
    assert 'name="baseline" type="file"' in client.get("/audit").text
    # the form as a browser sends it with no baseline chosen: the part with filename=""
    boundary = "----formboundary7MA4YWxk"
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="model"; '
            'filename="org.ttl"\r\nContent-Type: text/turtle\r\n\r\n'.encode(),
            model,
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="baseline"; '
            'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n'
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="asOf"\r\n\r\n'
            f"2025-07-15\r\n--{boundary}--\r\n".encode(),
        ]
    )
    first = client.post(
        "/audit",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert first.status_code == 200, first.text[:500]
    earlier = json.loads(_download(first.text, "application/json"))
    assert "baseline" not in earlier
    fixed = model + (  # the catalogue entry's price added: ServicePriceShape resolved
        b"\n<https://example.org/contoso/svc-crm> "
        b'<https://w3id.org/pcfgraph/orgmodel#price> "EUR 5 per user and month" .\n'
    )
    again = client.post(
        "/audit",
        files={
            "model": ("org.ttl", fixed),
            "baseline": ("q1.json", json.dumps(earlier).encode()),
        },
        data=form,
    )
    assert again.status_code == 200, again.text[:500]
    doc = json.loads(_download(again.text, "application/json"))
    assert doc["baseline"]["resolved"] == 1 and doc["baseline"]["new"] == 0
    [resolved] = doc["baseline"]["resolvedFindings"]
    assert resolved["focusNode"] == "https://example.org/contoso/svc-crm"
    assert "Against the baseline: 0 new," in again.text
    empty = client.post(
        "/audit", files={"model": ("org.ttl", model), "baseline": ("q1.json", b"")}, data=form
    )
    assert (
        empty.status_code == 400 and "the earlier report &#39;q1.json&#39; is empty" in empty.text
    )
