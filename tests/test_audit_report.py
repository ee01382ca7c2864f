"""Audit reports: JSON keys, Turtle sh:ValidationReport, self-contained HTML with business
labels, and coverage / maturity numbers computed on small models."""

from __future__ import annotations

import json
import re

import pytest
from audit_support import CONFORMING, FINDINGS, audit_path, audit_text
from rdflib import RDF, Graph

from pcfgraph import iris
from pcfgraph.audit.html import render_html
from pcfgraph.audit.report import RESULT_KEYS, AuditReport

HEAD = """
@prefix : <https://example.org/t/> .
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix apqc: <https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/> .
@prefix prmit: <https://w3id.org/pcfgraph/id/prm-it/> .
@prefix itcmf: <https://w3id.org/pcfgraph/id/it-cmf/SRP/> .
@prefix rmp: <https://w3id.org/pcfgraph/id/it-cmf/SRP/A2/practice/> .
:it a orgm:Organisation ; rdfs:label "Test IT" .
"""
PCF = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/"


@pytest.fixture(scope="module")
def findings() -> AuditReport:
    return audit_path(FINDINGS)


def test_json_report_keys(findings: AuditReport) -> None:
    doc = json.loads(findings.to_json())
    assert set(doc) >= {"conforms", "counts", "results", "coverage", "maturity"}
    assert set(doc["counts"]) == {"Violation", "Warning", "Info"}
    assert doc["counts"]["Violation"] == sum(
        1 for r in doc["results"] if r["severity"] == "Violation"
    )
    assert doc["results"]
    for r in doc["results"]:
        assert tuple(r) == RESULT_KEYS
        assert r["focusLabel"] and not r["focusLabel"].startswith("_:")
        assert r["shape"].startswith(iris.SHAPES_BASE)
    target = next(r for r in doc["results"] if r["shape"].endswith("/ServicePriceShape"))
    assert target["focusNode"] == "https://example.org/contoso/svc-crm"
    assert target["focusLabel"] == "CRM"
    assert target["path"] == str(iris.ORGM.price)
    assert target["sourceIri"] == PCF + "20635"
    assert target["source"]["iri"] == PCF + "20635"
    assert target["source"]["code"] == "8.1.5.3"
    assert target["source"]["passage"]
    assert target["hint"]


def test_report_round_trips_through_the_worker_dict(findings: AuditReport) -> None:
    again = AuditReport.from_dict(json.loads(json.dumps(findings.to_dict())))
    assert again.to_json_dict() == findings.to_json_dict()


def test_turtle_report(findings: AuditReport) -> None:
    g = Graph().parse(data=findings.to_turtle(), format="turtle")
    sh = iris.SH
    (report,) = list(g.subjects(RDF.type, sh.ValidationReport))
    assert str(g.value(report, sh.conforms)) == "false"
    results = list(g.objects(report, sh.result))
    assert len(results) == len(findings.results)
    pairs = {(str(g.value(r, sh.sourceShape)), str(g.value(r, sh.focusNode))) for r in results}
    assert (
        iris.SHAPES_BASE + "checks/orgmodel/agreement-drawn-up-by-brm",
        "https://example.org/contoso/sla-sales",
    ) in pairs
    # inverse paths are real SHACL paths, not strings
    inv = [
        g.value(r, sh.resultPath)
        for r in results
        if g.value(g.value(r, sh.resultPath), sh.inversePath)
    ]
    assert inv


def test_turtle_report_names_the_notice_of_each_framework_it_quotes(
    findings: AuditReport,
) -> None:
    """The findings quote framework names and cite framework elements (``dcterms:source``);
    JSON ``checkedAgainst.frameworks``, the text and HTML reports, the XLSX ``Notices`` sheet
    and the CSV ``notice`` column give each framework's notice, the Turtle report gave none.
    Each framework checked against is now ``dcterms:references`` of the report, with the
    notice as ``dcterms:rights``, and the statements are the ones ``report_graph`` makes."""
    from rdflib import DCTERMS, OWL
    from rdflib.compare import isomorphic

    from pcfgraph.audit.render_turtle import report_graph

    g = Graph().parse(data=findings.to_turtle(), format="turtle")
    (report,) = list(g.subjects(RDF.type, iris.SH.ValidationReport))

    def value(node: object, predicate: object) -> str | None:
        found = g.value(node, predicate)  # type: ignore[arg-type]
        return None if found is None else str(found)

    stated = {
        value(f, DCTERMS.identifier): (
            value(f, DCTERMS.title),
            value(f, OWL.versionInfo),
            value(f, DCTERMS.rights),
        )
        for f in g.objects(report, DCTERMS.references)
    }
    frameworks = json.loads(findings.to_json())["checkedAgainst"]["frameworks"]
    assert stated == {f["id"]: (f["title"], f["version"], f["rights"]) for f in frameworks}
    assert "APQC" in stated["apqc-pcf-cross-industry-7.4"][2]
    assert isomorphic(g, report_graph(findings))


def test_html_report_keeps_the_notice_of_each_framework_it_quotes(findings: AuditReport) -> None:
    """The HTML report, the one handed to the organisation, quotes PCF names and definitions
    (a finding's source passage, the coverage tables) and gave no notice at all: its "Sources
    and rights" section now gives each framework's, as JSON ``checkedAgainst`` does."""
    import html as html_lib

    page = render_html(findings)
    section = page[page.index('<section class="sources">') :]
    shown = {
        html_lib.unescape(title): " ".join(html_lib.unescape(notice).split())
        for title, notice in re.findall(
            r"<dt>(.*?)</dt><dd class=\"rights\">(.*?)</dd>", section, re.DOTALL
        )
    }
    frameworks = json.loads(findings.to_json())["checkedAgainst"]["frameworks"]
    expected = {f["title"] or f["id"]: f["rights"] for f in frameworks if f["rights"]}
    assert shown == expected and any("APQC" in n for n in shown.values())
    assert 'href="#sources"' in page


def test_html_report_embedded_in_a_page_is_the_files_content_with_headings_two_levels_down(
    findings: AuditReport,
) -> None:
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.text: list[str] = []
            self.skip = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self.skip = tag in ("style", "title")

        def handle_endtag(self, tag: str) -> None:
            self.skip = False

        def handle_data(self, data: str) -> None:
            if not self.skip and data.strip():
                self.text.append(data.strip())

    def parsed(html: str) -> Text:
        p = Text()
        p.feed(html)
        return p

    document = parsed(render_html(findings, served=True))
    embedded = parsed(render_html(findings, served=True, embedded=True))
    assert not {"html", "head", "body", "style", "title", "meta"} & set(embedded.tags)
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # when each was rendered

    def words(p: Text) -> list[str]:
        return [stamp.sub("(time)", t) for t in p.text]

    assert words(embedded) == words(document)  # the same report, word for word
    demoted = {f"h{n}": f"h{n + 2}" for n in range(1, 5)}
    body = document.tags[document.tags.index("main") + 1 :]  # the file's one landmark
    assert embedded.tags == [demoted.get(t, t) for t in body]


def test_html_is_self_contained_printable_and_uses_business_labels(findings: AuditReport) -> None:
    html = render_html(findings)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    # nothing loaded from elsewhere; the only links out are to cited elements' and the
    # applied rules' pages
    assert not re.search(r"""(?i)src\s*=\s*["']?\s*(https?:|//)""", html)
    outside = re.findall(r"""(?i)href\s*=\s*["']?\s*((?:https?:)?//[^"' >]*)""", html)
    assert outside and all(
        u.startswith(("https://w3id.org/pcfgraph/id/", "https://w3id.org/pcfgraph/shapes/"))
        for u in outside
    )
    assert not re.search(r"(?i)<link\b", html)
    assert "@import" not in html and "url(" not in html
    assert "@media print" in html
    # summary, then findings, then coverage, then maturity
    order = [
        html.index(h)
        for h in ("<h2>Summary", "<h2>Findings", "<h2>Framework coverage", "<h2>IT-CMF maturity")
    ]
    assert order == sorted(order)
    # grouped by unit, labelled by business names, never blank-node ids
    assert "<h3>Customer team Operations</h3>" in html
    assert "<h3>Organisation-wide</h3>" in html
    assert "Service target of SLA Warehousing 2025" in html
    assert "_:" not in html
    assert "Warehousing activity plan (personal drive)" in html


def test_coverage_counts_and_missing_list() -> None:
    report = audit_text(
        HEAD
        + """
:p1 a orgm:Process ; rdfs:label "SLM" ; orgm:implements apqc:20632 , apqc:20635 , prmit:A24 .
:p2 a orgm:Process ; rdfs:label "Catalogue" ; orgm:implements apqc:20635 , prmit:A23 .
"""
    )
    cov = {c.key: c for c in report.coverage}
    pcf, prm = cov["apqc-pcf-8.1"], cov["prm-it-a2"]
    assert pcf.total == 43  # 7 processes + 36 activities of PCF 8.1 (7.4)
    assert {i.element for i in pcf.covered} == {PCF + "20632", PCF + "20635"}
    assert pcf.percent == round(100 * 2 / 43, 1)
    assert PCF + "20609" in {i.element for i in pcf.missing}
    item = next(i for i in pcf.items if i.element == PCF + "20635")
    assert set(item.implemented_by) == {"https://example.org/t/p1", "https://example.org/t/p2"}
    assert prm.total == 7
    assert {i.notation for i in prm.covered} == {"A23", "A24"}
    assert {i.notation for i in prm.missing} == {"A21", "A22", "A25", "A26", "A27"}
    doc = json.loads(report.to_json())["coverage"]["prm-it-a2"]
    assert (doc["total"], doc["covered"], doc["percent"]) == (7, 2, 28.6)


def _claim(name: str, level: int, practices: list[str]) -> str:
    evidence = " , ".join(f"[ a orgm:Evidence ; orgm:practice rmp:{p} ]" for p in practices)
    text = f':{name} a orgm:MaturityClaim ; rdfs:label "{name}" ; orgm:buildingBlock itcmf:A2 ; orgm:claimedLevel {level}'
    return text + (f" ; orgm:evidence {evidence} .\n" if practices else " .\n")


def test_maturity_achieved_level_and_missing_practices() -> None:
    report = audit_text(
        HEAD
        + _claim("full", 5, ["2.1", "2.2", "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "5.2"])
        + _claim("gap4", 5, ["2.1", "2.2", "3.1", "3.2", "3.3", "4.1", "5.1", "5.2"])
        + _claim("none", 1, [])
        + _claim("l2", 2, ["2.1"])
        + _claim("honest", 2, ["2.1", "2.2", "3.1"])
    )
    m = {x.claim_label: x for x in report.maturity}
    assert (m["full"].claimed, m["full"].achieved, m["full"].missing_evidence) == (5, 5, [])
    assert m["gap4"].achieved == 3
    assert [p.notation for p in m["gap4"].missing_evidence] == ["SRP-A2-P4.2"]
    assert (m["none"].achieved, m["none"].holds) == (1, True)
    assert m["l2"].achieved == 1 and not m["l2"].holds
    assert [p.notation for p in m["l2"].missing_evidence] == ["SRP-A2-P2.2"]
    assert m["honest"].achieved == 2 and m["honest"].holds
    above = {
        r.focus_label: r.value
        for r in report.results
        if r.rule == "checks/orgmodel/maturity-claim-above-achieved"
    }
    assert above == {"gap4": "SRP-A2-P4.2", "l2": "SRP-A2-P2.2"}
    doc = json.loads(report.to_json())["maturity"]
    gap = next(x for x in doc if x["claimLabel"] == "gap4")
    assert (gap["claimedLevel"], gap["achievedLevel"], gap["holds"]) == (5, 3, False)
    assert [p["notation"] for p in gap["missingEvidence"]] == ["SRP-A2-P4.2"]


def test_every_rule_a_finding_names_is_in_the_rules_applied() -> None:
    # a mistyped term is a model-validity finding, a rule written in code: it was named by
    # its findings and missing from the report's rules (the JSON list, the HTML appendix)
    report = audit_text(HEAD + ':ops a orgm:CustomerTeem ; rdfs:label "Ops" .\n')
    named = {r["shape"] for r in json.loads(report.to_json())["results"]}
    assert str(iris.audit_rule("model-validity-unknown-term")) in named
    applied = {r["iri"]: r for r in report.rules}
    assert named <= set(applied)
    rule = applied[str(iris.audit_rule("model-validity-unknown-term"))]
    assert rule["group"] == str(iris.SH_PCF.ModelValidityGroup)
    assert f'href="{rule["iri"]}">{rule["rule"]}</a>' in render_html(report)


def test_the_report_file_has_a_main_landmark_holding_its_heading(findings: AuditReport) -> None:
    """The written report (``audit --format html``, the workbench's HTML download) had no
    main landmark for a screen reader to jump to."""
    html = render_html(findings)
    assert html.count("<main>") == 1 and html.count("</main>") == 1
    main = html[html.index("<main>") : html.index("</main>")]
    assert "<h1>Audit report: " in main and html.count("<h1>") == 1
    assert "Findings" in main  # the whole report, not only its cover
    assert "<main" not in render_html(findings, embedded=True)  # the page has its own


def test_findings_on_nodes_of_one_label_are_listed_in_the_same_order_every_run() -> None:
    """Thirty agreements all called "Travel Insurance Policy" (a model grown from copies),
    none with a start date: their findings are listed by focus node, so the same model gives
    the same report each time (they came in the SHACL engine's order, another each run)."""
    names = [f"sla-{i:02d}" for i in range(30)]
    text = "".join(
        f'\n:{n} a orgm:ServiceLevelAgreement ; rdfs:label "Travel Insurance Policy" .\n'
        for n in reversed(names)
    )
    report = audit_text(CONFORMING.read_text(encoding="utf-8") + text)
    listed = [
        r.focus_node.rsplit("/", 1)[-1]
        for r in report.results
        if r.shape.endswith("/AgreementValidFromShape") and "/sla-" in r.focus_node
    ]
    assert listed == names
