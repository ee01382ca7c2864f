"""Audit options of issue 18 and issue 14 item 9: profiles (shipped and user files), as-of,
report caps, baselines and --fail-on, --explain, coverage via curated mappings, the report's
cited source, deduplication, and the Turtle report written as text."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from audit_support import AS_OF, CONFORMING, FINDINGS, audit_path, audit_text, framework_store
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph import iris
from pcfgraph.audit import AuditContext, Upload, audit
from pcfgraph.audit.baseline import apply_baseline, fails, read_baseline
from pcfgraph.audit.engine import AuditOptions, deduplicated
from pcfgraph.errors import InputError

MATURITY = "checks/orgmodel/maturity-claim-above-achieved"
PRICE = "ServicePriceShape"


def _rules(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.rule for r in report.results}


def _severity(report, rule: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.severity for r in report.results if r.rule == rule}


# --- profiles -----------------------------------------------------------------------------


def test_maturity_above_evidence_is_a_warning_by_default_and_a_violation_when_strict() -> None:
    default = audit_path(FINDINGS)
    strict = audit_path(FINDINGS, AuditOptions(AS_OF, profile="strict"))
    assert _severity(default, MATURITY) == {"Warning"}
    assert _severity(strict, MATURITY) == {"Violation"}
    assert (default.profile, strict.profile) == ("default", "strict")


def test_no_chargeback_profile_switches_the_price_rule_off_and_says_so() -> None:
    report = audit_path(FINDINGS, AuditOptions(AS_OF, profile="no-chargeback"))
    assert PRICE in _rules(audit_path(FINDINGS))
    assert PRICE not in _rules(report)
    assert report.deactivated == [PRICE]
    doc = json.loads(report.to_json())
    assert doc["profile"] == {"name": "no-chargeback", "deactivated": [PRICE], "parameters": {}}
    assert all(r["rule"] != PRICE for r in doc["rules"])


def test_a_model_declaring_no_chargeback_gets_no_price_finding() -> None:
    text = FINDINGS.read_text(encoding="utf-8") + "\n:it orgm:chargesBack false .\n"
    report = audit_text(text, "findings.ttl")
    assert PRICE not in _rules(report)
    assert PRICE in report.deactivated


def test_user_profile_deactivates_overrides_and_sets_the_meeting_cadence(tmp_path: Path) -> None:
    profile = tmp_path / "mine.ttl"
    profile.write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
[] a orgm:AuditProfile ; rdfs:label "monthly" ; orgm:meetingCadenceMonths 1 .
<https://w3id.org/pcfgraph/shapes/SLAUnderpinnedShape> sh:deactivated true .
<https://w3id.org/pcfgraph/shapes/ProcessOwnerShape> sh:severity sh:Info .
""",
        encoding="utf-8",
    )
    report = audit_path(FINDINGS, AuditOptions(AS_OF, profile=str(profile)))
    assert report.profile == "monthly"
    assert "SLAUnderpinnedShape" not in _rules(report)
    assert report.deactivated == ["SLAUnderpinnedShape"]
    assert _severity(report, "ProcessOwnerShape") == {"Info"}
    assert report.parameters == {"cadenceMonths": "1"}
    # monthly follow-up: the conforming example held one follow-up a quarter, so months lack one
    monthly = audit_path(CONFORMING, AuditOptions(AS_OF, profile=str(profile)))
    cadence = [r for r in monthly.results if r.rule == "checks/orgmodel/customer-follow-up-cadence"]
    assert {r.focus_node.rsplit("/", 1)[-1] for r in cadence} == {"finance", "hr", "clinical"}
    assert all("2025-03" in r.message for r in cadence)
    assert not audit_path(CONFORMING).results


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "<https://w3id.org/pcfgraph/shapes/NoSuchShape> "
            "<http://www.w3.org/ns/shacl#deactivated> true .",
            "NoSuchShape is not a rule",
        ),
        (
            "<https://w3id.org/pcfgraph/shapes/ServicePriceShape> "
            "<http://www.w3.org/ns/shacl#severity> <http://www.w3.org/ns/shacl#Fatal> .",
            "sh:severity",
        ),
        ("this is not turtle", "does not parse"),
    ],
)
def test_bad_profiles_are_input_errors(tmp_path: Path, body: str, message: str) -> None:
    profile = tmp_path / "bad.ttl"
    profile.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        audit_path(CONFORMING, AuditOptions(AS_OF, profile=str(profile)))
    with pytest.raises(InputError, match="unknown profile"):
        audit_path(CONFORMING, AuditOptions(AS_OF, profile="lenient"))


# --- as-of --------------------------------------------------------------------------------


def test_as_of_decides_what_is_in_force() -> None:
    later = audit_path(CONFORMING, AuditOptions(date(2026, 3, 1)))
    lapsed = {
        r.focus_node.rsplit("/", 1)[-1]
        for r in later.results
        if r.rule == "checks/orgmodel/customer-agreement-in-force"
    }
    assert lapsed == {"finance", "hr"}  # their SLAs ended 2025-12-31; clinical's is open-ended
    missing = {
        r.focus_node.rsplit("/", 1)[-1]: r.message
        for r in later.results
        if r.rule == "checks/orgmodel/sla-report-missing-period"
    }
    assert set(missing) == {"sla-finance", "sla-hr", "sla-clinical"}
    assert "for 2025-Q3, 2025-Q4 (" in missing["sla-finance"]
    assert "2026-Q1" not in missing["sla-finance"]  # not in force any more
    assert later.as_of == "2026-03-01"


def test_missing_periods_are_listed_in_calendar_order() -> None:
    # GROUP_CONCAT has no order of its own: the lists came in the engine's join order
    # ("2026-Q2, 2026-Q3, 2025-Q3, 2026-Q1, 2025-Q4"); the checks order what they concatenate
    later = audit_path(CONFORMING, AuditOptions(date(2027, 1, 15)))
    found = {(r.rule, r.focus_node.rsplit("/", 1)[-1]): r.message for r in later.results}
    periods = "2025-Q3, 2025-Q4, 2026-Q1, 2026-Q2, 2026-Q3, 2026-Q4"  # Q1, Q2 2025 reported
    assert found["checks/orgmodel/sla-report-missing-period", "sla-clinical"] == (
        f"No service-level report for {periods} (review period: every 3 month(s))"
    )
    assert found["checks/orgmodel/customer-follow-up-cadence", "clinical"] == (
        f"No follow-up meeting with the customer in {periods} (expected at least one every 3 "
        "month(s) while an agreement is in force)"
    )


# --- caps, dedup, Turtle ------------------------------------------------------------------


def test_max_findings_caps_the_listing_but_not_the_counts() -> None:
    full = audit_path(FINDINGS)
    capped = audit_path(FINDINGS, AuditOptions(AS_OF, max_findings=5))
    doc = json.loads(capped.to_json())
    assert doc["truncated"] is True and doc["maxFindings"] == 5
    assert len(doc["results"]) == 5
    assert doc["counts"] == full.counts
    assert all(r["severity"] == "Violation" for r in doc["results"])  # the most severe kept
    g = Graph().parse(data=capped.to_turtle(), format="turtle")
    assert len(list(g.subjects(iris.SH.focusNode, None))) == 5
    assert "listing 5 of" in capped.to_text()
    assert json.loads(full.to_json())["truncated"] is False


def test_findings_are_deduplicated() -> None:
    report = audit_path(FINDINGS)
    twice = deduplicated([*report.results, *(replace(r, message="again") for r in report.results)])
    assert twice == report.results
    assert len({r.key for r in report.results}) == len(report.results)


def test_turtle_text_is_the_report_graph() -> None:
    report = audit_path(FINDINGS)
    written = Graph().parse(data=report.to_turtle(), format="turtle")
    assert isomorphic(written, report.to_graph())


def test_every_finding_cites_its_source() -> None:
    doc = json.loads(audit_path(FINDINGS).to_json())
    for r in doc["results"]:
        if r["sourceIri"]:
            assert r["source"]["iri"] == r["sourceIri"]
            assert r["source"]["framework"], r["rule"]
            assert r["source"]["passage"] or r["rule"].startswith("checks/"), r["rule"]
    groups = [g["label"] for g in doc["groups"]]
    assert groups[0].startswith("Model validity")
    order = {g["iri"]: i for i, g in enumerate(doc["groups"])}
    ranks = [order[r["group"]] for r in doc["results"]]
    assert ranks == sorted(ranks)  # findings in report-section order


# --- baseline and fail-on -----------------------------------------------------------------


def test_baseline_marks_new_unchanged_and_resolved() -> None:
    before = json.loads(audit_path(FINDINGS).to_json())
    fixed = FINDINGS.read_text(encoding="utf-8") + '\n:svc-crm orgm:price "EUR 5" .\n'
    after = audit_text(fixed + '\n:proc-new a orgm:Process ; rdfs:label "New" .\n', "f.ttl")
    apply_baseline(after, read_baseline(json.dumps(before).encode(), "before.json"))
    assert after.baseline is not None
    resolved = {
        (r["shape"].rsplit("/", 1)[-1], r["focusNode"].rsplit("/", 1)[-1])
        for r in after.baseline["resolvedFindings"]
    }
    assert resolved == {(PRICE, "svc-crm")}
    new = {(r.rule, r.focus_node.rsplit("/", 1)[-1]) for r in after.results if r.status == "new"}
    assert new and all(node == "proc-new" for _rule, node in new)
    assert after.baseline["new"] == len(new)
    assert after.baseline["unchanged"] == len(after.results) - len(new)
    assert fails(after, "new") and fails(after, "violation")
    # the text and HTML reports (the workbench page) name what was resolved, not only how
    # many: they said "1 resolved", and which finding was left to the JSON, CSV or XLSX
    text = after.to_text()
    assert "  resolved: Violation ServicePriceShape  CRM\n" in text, text
    from pcfgraph.audit.html import render_html

    for embedded in (False, True):
        html = render_html(after, embedded=embedded)
        assert 'href="#resolved"' in html and "Resolved since the baseline" in html
        section = html[html.index('id="resolved"') : html.index('id="coverage"')]
        assert section.count("<tr><td>") == 1
        assert "<td>ServicePriceShape</td><td>CRM</td><td>orgm:price</td>" in section


def test_an_unchanged_model_with_a_blank_node_value_has_nothing_new() -> None:
    """A finding whose value is a blank node (a purchaser given as ``[ a orgm:Customer ]``)
    has another ``_:id`` in every parse: against the report of the same model it was both
    'new' and 'resolved', so ``--fail-on new`` failed a model nobody had changed."""
    text = CONFORMING.read_text(encoding="utf-8").replace(
        "orgm:purchaser :karin-holm ;", 'orgm:purchaser [ a orgm:Customer ; rdfs:label "K" ] ;'
    )
    before = audit_text(text)
    assert any((r.value or "").startswith("_:") for r in before.results)
    after = audit_text(text)
    apply_baseline(after, read_baseline(before.to_json().encode(), "before.json"))
    assert after.baseline is not None
    assert (after.baseline["new"], after.baseline["resolved"]) == (0, 0)
    assert after.baseline["unchanged"] == len(after.results) > 0
    assert not fails(after, "new")


def test_fail_on_levels() -> None:
    warnings_only = audit_path(CONFORMING, AuditOptions(AS_OF))
    assert not fails(warnings_only, "info")
    findings = audit_path(FINDINGS)
    assert fails(findings, "violation") and fails(findings, "warning") and fails(findings, "info")
    only_warnings = replace(
        findings, results=[r for r in findings.results if r.severity == "Warning"]
    )
    assert not fails(only_warnings, "violation") and fails(only_warnings, "warning")
    with pytest.raises(InputError):
        read_baseline(b'{"results": [{"x": 1}]}', "bad.json")


def test_a_baseline_nested_too_deep_is_refused_naming_it() -> None:
    """JSON past Python's recursion limit raised RecursionError out of the audit worker:
    ``POST /validate`` with such a ``baseline`` part answered 500 "task failed"."""
    with pytest.raises(InputError, match=r"^baseline deep\.json nests JSON .* too deep"):
        read_baseline(b"[" * 100_000 + b"]" * 100_000, "deep.json")


# --- coverage via mappings ----------------------------------------------------------------


def test_coverage_via_curated_exact_and_close_mappings_only() -> None:
    import pyoxigraph as ox

    from pcfgraph.assemble import rdflib_to_quads
    from pcfgraph.mappings import mapping_set_graph, read_mapping_set
    from pcfgraph.resources import resource_dir
    from pcfgraph.store import EmbeddedStore

    store = EmbeddedStore(ox.Store())
    store.add_quads(framework_store().store)
    path = resource_dir("data") / "mappings" / "pcf-8.1-to-prm-it-a2.sssom.tsv"
    mapping_set = read_mapping_set(path)
    store.add_quads(
        rdflib_to_quads(
            mapping_set_graph(mapping_set), str(iris.mapping_set_graph(mapping_set.stem))
        )
    )
    context = AuditContext.from_store(store)
    model = """@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/it> a orgm:Organisation ; rdfs:label "IT" .
<https://example.org/p> a orgm:Process ; rdfs:label "SLM" ;
    orgm:implements <https://w3id.org/pcfgraph/id/prm-it/A24> .
"""
    report = audit([Upload("m.ttl", model.encode())], context, options=AuditOptions(AS_OF))
    pcf = next(c for c in report.coverage if c.key == "apqc-pcf-8.1")
    via = {i.element.rsplit("/", 1)[-1]: i for i in pcf.covered_via_mapping}
    assert "20632" in via  # closeMatch A24 (curated)
    assert via["20632"].mapped_labels == ["SLM"] and via["20632"].mapped_via == ["A24"]
    assert "20618" not in via and "20633" not in via  # relatedMatch / broadMatch: not coverage
    assert pcf.covered == []  # nothing implemented directly
    doc = json.loads(report.to_json())["coverage"]["apqc-pcf-8.1"]
    assert doc["covered"] == 0 and doc["coveredViaMapping"] == len(via)
    assert "20632" not in {m["element"].rsplit("/", 1)[-1] for m in doc["missing"]}


def test_shapes_readme_justifies_every_rule_severity() -> None:
    from pcfgraph.audit.findings import IGNORED_RULE
    from pcfgraph.audit.ruleset import RuleSet
    from pcfgraph.resources import resource_dir

    readme = (resource_dir("shapes") / "README.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip()
        for line in readme.splitlines()
        if line.startswith("| `")
    }
    for rule in [*RuleSet.load().rules.values(), IGNORED_RULE]:
        assert rows.get(rule.name) == rule.severity, rule.name
        assert rule.rationale and rule.rationale.startswith(rule.severity), rule.name
        assert rule.group, rule.name


def test_explain_prints_passage_rationale_and_example(capsys: pytest.CaptureFixture[str]) -> None:
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    assert run_main(main, ["audit", "--explain", "CustomerPurchaserShape"]) == 0
    out = capsys.readouterr().out
    assert "Purchaser" in out and "severity: Violation:" in out
    assert "minimal violating example" in out and "orgmodel#Customer>" in out
    assert run_main(main, ["audit", "--explain", "sla-report-missing-period"]) == 0
    assert "review period" in capsys.readouterr().out
    assert run_main(main, ["audit", "--explain", "NoSuchRule"]) == 2


def test_html_report_first_page_contents_and_appendix() -> None:
    from pcfgraph.audit.html import render_html

    report = audit_path(FINDINGS, AuditOptions(AS_OF, profile="no-chargeback", max_findings=4))
    html = render_html(report)
    cover = html[: html.index('class="toc"')]
    assert "Does not conform" in cover and "2025-07-15" in cover and "no-chargeback" in cover
    assert "Most frequent rules" in cover and "Model validity" in cover
    assert "most severe of" in cover  # the cap is named
    assert "<h2>Contents</h2>" in html and '<a href="#coverage">' in html
    appendix = html[html.index("<h2>Appendix: rules applied</h2>") :]
    for rule in report.rules:  # each linked to its page (its IRI: /shapes/... when served)
        assert f'<strong><a href="{rule["iri"]}">{rule["rule"]}</a></strong>' in appendix, rule

    assert "Gather data from each service target" in appendix  # a quoted passage
    # each cited source links to its element's page: the persistent IRI in a file, the
    # serving pcfgraph's page when the server renders it
    pcf = "apqc-pcf/cross-industry/7.4/20635"  # PCF 8.1.5.3, cited by the catalogue rules
    assert f'<a href="https://w3id.org/pcfgraph/id/{pcf}">' in appendix
    served = render_html(report, served=True)
    assert f'<a href="/id/{pcf}">' in served and 'href="https://w3id.org/' not in served
    rule = report.rules[0]
    page = "/shapes/" + rule["iri"].removeprefix("https://w3id.org/pcfgraph/shapes/")
    assert f'<strong><a href="{page}">{rule["rule"]}</a></strong>' in served
    assert "@media (max-width: 40rem)" in html and "@media print" in html
    assert "<script" not in html.lower()
    evil = audit_text(
        FINDINGS.read_text(encoding="utf-8")
        + '\n:finance rdfs:label "<script>alert(1)</script>" .\n'
    )
    assert "<script>alert" not in render_html(evil)


def test_the_same_model_gives_the_same_report_blank_nodes_included() -> None:
    """A parser draws a blank node's id anew in every parse: two audits of one model gave
    reports differing in every blank node (``_:c5df68...`` then ``_:cb6061...``), in JSON and
    Turtle alike. The ids are now numbered in report order, each blank node one id."""
    import re

    first, second = audit_path(FINDINGS), audit_path(FINDINGS)
    assert first.to_json() == second.to_json()
    assert first.to_turtle() == second.to_turtle()
    focus = [r["focusNode"] for r in json.loads(first.to_json())["results"]]
    blanks = [f for f in focus if f.startswith("_:")]
    assert blanks and all(re.fullmatch(r"_:n\d+", f) for f in blanks)
    # one id per blank node, wherever it is named: distinct nodes stay distinct
    from pcfgraph.audit.report import stable_blank_ids

    a, b = first.results[0], first.results[-1]
    named = stable_blank_ids(
        [
            replace(a, focus_node="_:x", value="_:y", value_node="_:y"),
            replace(b, focus_node="_:y", value="_:z", value_node="_:z"),
            replace(b, focus_node="_:x", value=None, value_node=None),
        ]
    )
    assert [(r.focus_node, r.value, r.value_node) for r in named] == [
        ("_:n1", "_:n2", "_:n2"),
        ("_:n2", "_:n3", "_:n3"),
        ("_:n1", None, None),
    ]
