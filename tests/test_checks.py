"""SPARQL checks (queries/checks/*-violation.rq): every check has violating and conforming cases.

Findings are asserted by check name and focus node.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from validation_graphs import Case, describe, graph_for, iri, matching, store_for, validate_case

from pcfgraph.errors import ParseError
from pcfgraph.iris import PCFG, SKOS
from pcfgraph.queries import parse_header
from pcfgraph.validation import framework_checks, load_check, validate_store

#: A second APQC edition stating PCF ID 20609 (mapped on t-apqc as <t/811>) below 20608.
OTHER_EDITION = """
<framework/t-bank> a skos:ConceptScheme, pcfg:Framework ; pcfg:frameworkId "t-bank" .
<b/81> a skos:Concept, pcfg:PCFProcessGroup ; skos:inScheme <framework/t-bank> ;
    skos:prefLabel "Develop and manage IT customer relationships"@en ; pcfg:pcfId 20608 .
<b/811> a skos:Concept, pcfg:PCFProcess ; skos:inScheme <framework/t-bank> ; skos:broader <b/81> ;
    skos:prefLabel "%s"@en ; pcfg:pcfId 20609 .
<apqc-pcf/element/20609> pcfg:pcfId 20609 ; dcterms:hasVersion <t/811>, <b/811> .
<t/811> dcterms:isVersionOf <apqc-pcf/element/20609> .
<b/811> dcterms:isVersionOf <apqc-pcf/element/20609> .
"""
#: Checks that warn instead of failing validation.
WARNINGS = {"checks/mapping-needs-review-violation"}

VIOLATIONS = [
    Case("cycle", "checks/hierarchy-cycle-violation", "t/80", add="<t/80> skos:broader <t/8111> ."),
    Case(
        "cycle-reports-every-member",
        "checks/hierarchy-cycle-violation",
        "t/811",
        add="<t/80> skos:broader <t/8111> .",
    ),
    Case(
        "self-loop", "checks/hierarchy-cycle-violation", "p/A0", add="<p/A0> skos:broader <p/A0> ."
    ),
    Case(
        "broader-into-other-framework",
        "checks/broader-cross-scheme-violation",
        "p/A1",
        add="<p/A1> skos:broader <t/811> .",
    ),
    Case(
        "broader-to-nothing",
        "checks/broader-cross-scheme-violation",
        "t/8111",
        remove="<t/8111> skos:broader <t/811> .",
        add="<t/8111> skos:broader <t/8-1-1> .",
    ),
    Case(
        "two-parents-in-scheme",
        "checks/broader-multiple-violation",
        "t/8111",
        add="<t/8111> skos:broader <t/81> .",
    ),
    Case(
        "narrower-without-broader",
        "checks/narrower-without-broader-violation",
        "t/80",
        add="<t/80> skos:narrower <t/811> .",
    ),
    Case(
        "pcf-id-duplicate",
        "checks/pcf-id-duplicate-violation",
        "t/8111",
        remove="<t/8111> pcfg:pcfId 20610 .",
        add="<t/8111> pcfg:pcfId 20609 .",
    ),
    Case(
        "pcf-id-duplicate-both-sides",
        "checks/pcf-id-duplicate-violation",
        "t/811",
        remove="<t/8111> pcfg:pcfId 20610 .",
        add="<t/8111> pcfg:pcfId 20609 .",
    ),
    Case(
        "level-off-by-one",
        "checks/level-mismatch-violation",
        "t/811",
        remove="<t/811> pcfg:level 3 .",
        add="<t/811> pcfg:level 4 .",
    ),
    Case(
        "category-level-two",
        "checks/level-mismatch-violation",
        "t/80",
        remove="<t/80> pcfg:level 1 .",
        add="<t/80> pcfg:level 2 .",
    ),
    Case(
        "child-does-not-extend-parent",
        "checks/hierarchy-id-prefix-violation",
        "t/8111",
        remove='<t/8111> pcfg:hierarchyId "8.1.1.1" ; skos:notation "8.1.1.1" .',
        add='<t/8111> pcfg:hierarchyId "8.1.2.1" ; skos:notation "8.1.2.1" .',
    ),
    Case(
        "group-under-wrong-category",
        "checks/hierarchy-id-prefix-violation",
        "t/81",
        remove='<t/81> pcfg:hierarchyId "8.1" ; skos:notation "8.1" .',
        add='<t/81> pcfg:hierarchyId "9.1" ; skos:notation "9.1" .',
    ),
    Case(
        "category-with-parent",
        "checks/hierarchy-id-prefix-violation",
        "t/80",
        add=(
            '<t/70> a pcfg:PCFCategory ; skos:inScheme <framework/t-apqc> ; skos:prefLabel "Other"@en ; '
            'skos:notation "7.0" ; pcfg:hierarchyId "7.0" ; pcfg:level 1 ; pcfg:pcfId 1 . '
            "<t/80> skos:broader <t/70> ."
        ),
    ),
    Case(
        "missing-parent",
        "checks/hierarchy-parent-missing-violation",
        "t/8111",
        remove="<t/8111> skos:broader <t/811> .",
    ),
    Case(
        "parent-only-in-other-scheme",
        "checks/hierarchy-parent-missing-violation",
        "t/8111",
        remove="<t/8111> skos:broader <t/811> .",
        add="<t/8111> skos:broader <p/A1> .",
    ),
    Case(
        "match-inside-scheme",
        "checks/mapping-within-scheme-violation",
        "t/811",
        add="<t/811> skos:relatedMatch <t/8111> .",
    ),
    Case(
        "exact-match-inside-scheme",
        "checks/mapping-within-scheme-violation",
        "p/A0",
        add="<p/A0> skos:exactMatch <p/A1> .",
    ),
    Case(
        "record-within-one-framework",
        "checks/mapping-same-framework-violation",
        "mapping/t/1",
        remove="<mapping/t/1> owl:annotatedTarget <p/A1> .",
        add="<mapping/t/1> owl:annotatedTarget <t/8111> .",
    ),
    Case(
        "gap-contradicted-by-mapping",
        "checks/no-counterpart-contradiction-violation",
        "mapping/t/2",
        add=(
            "<mapping/t/3> a pcfg:MappingRecord ; owl:annotatedSource <t/8111> ; "
            "owl:annotatedProperty skos:relatedMatch ; owl:annotatedTarget <p/A0> ."
        ),
    ),
    Case(
        "gap-contradicted-by-reverse-mapping",
        "checks/no-counterpart-contradiction-violation",
        "mapping/t/2",
        add=(
            "<mapping/t/3> a pcfg:MappingRecord ; owl:annotatedSource <p/A0> ; "
            "owl:annotatedProperty skos:relatedMatch ; owl:annotatedTarget <t/8111> ."
        ),
    ),
]

VIOLATIONS.append(
    Case(
        "mapping-on-renamed-element",
        "checks/mapping-needs-review-violation",
        "mapping/t/1",
        add=OTHER_EDITION % "Understand IT customer needs, renamed",
    )
)

CONFORMING = [
    Case("tree", "checks/hierarchy-cycle-violation", "t/80"),
    Case("deep-tree", "checks/hierarchy-cycle-violation", "t/8111"),
    Case("broader-in-scheme", "checks/broader-cross-scheme-violation", "p/A1"),
    Case("one-parent", "checks/broader-multiple-violation", "t/8111"),
    Case(
        "cross-scheme-parent-is-not-counted",
        "checks/broader-multiple-violation",
        "p/A1",
        add="<p/A1> skos:broader <t/811> .",
    ),
    Case("narrower-with-broader", "checks/narrower-without-broader-violation", "t/80"),
    Case("unique-pcf-ids", "checks/pcf-id-duplicate-violation", "t/811"),
    Case(
        "same-pcf-id-in-another-framework",
        "checks/pcf-id-duplicate-violation",
        "t/811",
        add="<p/A1> pcfg:pcfId 20609 .",
    ),
    Case("category-level-one", "checks/level-mismatch-violation", "t/80"),
    Case("group-level-two", "checks/level-mismatch-violation", "t/81"),
    Case("activity-level-four", "checks/level-mismatch-violation", "t/8111"),
    Case("group-under-category", "checks/hierarchy-id-prefix-violation", "t/81"),
    Case("activity-under-process", "checks/hierarchy-id-prefix-violation", "t/8111"),
    Case("category-is-top", "checks/hierarchy-parent-missing-violation", "t/80"),
    Case("process-has-parent", "checks/hierarchy-parent-missing-violation", "t/811"),
    Case("match-across-frameworks", "checks/mapping-within-scheme-violation", "t/811"),
    Case("record-across-frameworks", "checks/mapping-same-framework-violation", "mapping/t/1"),
    Case("gap-not-mapped", "checks/no-counterpart-contradiction-violation", "mapping/t/2"),
    Case(
        "gap-with-derived-mapping-only",
        "checks/no-counterpart-contradiction-violation",
        "mapping/t/2",
        add=(
            "<mapping/t/3> a pcfg:MappingRecord ; pcfg:derived true ; owl:annotatedSource <t/8111> ; "
            "owl:annotatedProperty skos:relatedMatch ; owl:annotatedTarget <p/A0> ."
        ),
    ),
    Case(
        "gap-element-mapped-elsewhere",
        "checks/no-counterpart-contradiction-violation",
        "mapping/t/2",
        add=(
            "<framework/t-x> a pcfg:Framework . <x/1> skos:inScheme <framework/t-x> . "
            "<mapping/t/3> a pcfg:MappingRecord ; owl:annotatedSource <t/8111> ; "
            "owl:annotatedProperty skos:relatedMatch ; owl:annotatedTarget <x/1> ."
        ),
    ),
]

CONFORMING.append(
    Case(
        "mapping-on-unchanged-element",
        "checks/mapping-needs-review-violation",
        "mapping/t/1",
        add=OTHER_EDITION % "Understand IT customer needs",
    )
)


#: A curated negative: <t/811> is not even related to <p/A0> (predicate_modifier Not).
NEGATIVE = (
    "<mapping/t/9> a pcfg:NegativeMapping ; sssom:subject_id <t/811> ; "
    'sssom:predicate_id skos:%s ; sssom:object_id <p/A%s> ; sssom:predicate_modifier "Not" . '
)


def _record(source: str, predicate: str, target: str, derived: bool = False) -> str:
    flag = "pcfg:derived true ; " if derived else ""
    return (
        f"<mapping/t/3> a pcfg:MappingRecord ; {flag}owl:annotatedSource <{source}> ; "
        f"owl:annotatedProperty skos:{predicate} ; owl:annotatedTarget <{target}> ."
    )


VIOLATIONS += [
    Case(
        "negative-contradicted-by-same-predicate",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("closeMatch", "1"),
    ),
    Case(
        "not-even-related-contradicted-by-any-mapping",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("relatedMatch", "0") + _record("t/811", "exactMatch", "p/A0"),
    ),
    Case(
        "not-even-related-contradicted-from-the-other-end",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("relatedMatch", "0") + _record("p/A0", "narrowMatch", "t/811"),
    ),
    Case(
        "negative-broad-contradicted-by-inverse-narrow",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("broadMatch", "0") + _record("p/A0", "narrowMatch", "t/811"),
    ),
]
CONFORMING += [
    Case(
        "negative-exact-with-curated-close",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("exactMatch", "1"),
    ),
    Case(
        "negative-broad-with-curated-broad-from-the-other-end",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("broadMatch", "0") + _record("p/A0", "broadMatch", "t/811"),
    ),
    Case(
        "not-even-related-with-derived-mapping-only",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("relatedMatch", "0") + _record("t/811", "relatedMatch", "p/A0", True),
    ),
    Case(
        "negative-of-another-pair",
        "checks/negative-contradiction-violation",
        "mapping/t/9",
        add=NEGATIVE % ("relatedMatch", "0") + _record("t/8111", "relatedMatch", "p/A0"),
    ),
]


@pytest.mark.parametrize("case", VIOLATIONS, ids=lambda c: c.id)
def test_check_reports_violation_at_focus(case: Case) -> None:
    report = validate_case(case, shacl=False)
    found = matching(report, case)
    assert found, f"expected {case.rule} at {case.focus_iri}; got:\n{describe(report)}"
    expected = "Warning" if case.rule in WARNINGS else "Violation"
    assert all(f.severity == expected and f.message for f in found)
    assert all(f.kind == "check" and f.source_shape == case.rule for f in found)
    if expected == "Violation":
        assert not report.conforms


@pytest.mark.parametrize("case", CONFORMING, ids=lambda c: c.id)
def test_check_accepts_conforming_case(case: Case) -> None:
    report = validate_case(case, shacl=False)
    assert not matching(report, case), describe(report)


def test_every_check_has_a_violating_and_a_conforming_case() -> None:
    names = {f"checks/{p.stem}" for p in framework_checks()}
    assert len(names) >= 10
    assert names == {c.rule for c in VIOLATIONS}, "checks without a violating case"
    assert names == {c.rule for c in CONFORMING}, "checks without a conforming case"


@pytest.mark.parametrize("path", framework_checks(), ids=lambda p: p.stem)
def test_check_headers_and_projection(path: Path) -> None:
    query, severity = load_check(path)
    assert query.summary
    assert severity == ("Warning" if f"checks/{path.stem}" in WARNINGS else "Violation")
    assert "?focus" in query.text and "?message" in query.text
    result = store_for(graph_for()).select(query)
    assert {"focus", "message"} <= set(result.variables)
    assert result.rows == []


def test_level_and_prefix_messages_name_the_ids() -> None:
    case = Case(
        "x",
        "checks/hierarchy-id-prefix-violation",
        "t/8111",
        remove='<t/8111> pcfg:hierarchyId "8.1.1.1" ; skos:notation "8.1.1.1" .',
        add='<t/8111> pcfg:hierarchyId "8.1.2.1" ; skos:notation "8.1.2.1" .',
    )
    (finding,) = matching(validate_case(case, shacl=False), case)
    assert (finding.path, finding.value) == (str(PCFG.hierarchyId), "8.1.2.1")
    assert '"8.1.1"' in finding.message and '"8.1.2"' in finding.message
    assert finding.focus_label == "8.1.2.1"


def test_checks_report_path_and_value_terms() -> None:
    case = Case(
        "x", "checks/mapping-within-scheme-violation", "p/A0", add="<p/A0> skos:exactMatch <p/A1> ."
    )
    (finding,) = matching(validate_case(case, shacl=False), case)
    assert (finding.path, finding.value, finding.value_type) == (
        str(SKOS.exactMatch),
        iri("p/A1"),
        "iri",
    )


def test_severity_header_and_custom_checks(tmp_path: Path) -> None:
    check = tmp_path / "label-missing-definition-violation.rq"
    check.write_text(
        "# summary: Elements without a definition.\n# severity: warning\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?focus ?message WHERE { ?focus skos:inScheme ?s . "
        'FILTER NOT EXISTS { ?focus skos:definition ?d } BIND("no definition" AS ?message) }\n',
        encoding="utf-8",
    )
    report = validate_store(store_for(graph_for()), shapes=[], checks=[check])
    assert report.conforms
    assert {f.severity for f in report.findings} == {"Warning"}
    assert {f.rule for f in report.findings} == {"checks/label-missing-definition-violation"}
    assert len({f.focus for f in report.findings}) == 6  # all six elements lack a definition


def test_bad_check_files_are_parse_errors(tmp_path: Path) -> None:
    no_summary = tmp_path / "a-violation.rq"
    no_summary.write_text("SELECT ?focus ?message WHERE {}\n", encoding="utf-8")
    with pytest.raises(ParseError, match="summary"):
        validate_store(store_for(graph_for()), shapes=[], checks=[no_summary])
    bad_severity = tmp_path / "b-violation.rq"
    bad_severity.write_text(
        "# summary: x\n# severity: fatal\nSELECT ?focus ?message WHERE {}\n", encoding="utf-8"
    )
    with pytest.raises(ParseError, match="severity"):
        load_check(bad_severity)
    no_focus = tmp_path / "c-violation.rq"
    no_focus.write_text("# summary: x\nSELECT ?message WHERE {}\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"\?focus"):
        validate_store(store_for(graph_for()), shapes=[], checks=[no_focus])


def test_checks_are_named_queries() -> None:
    """Each check also runs as 'pcfgraph query checks/<name>' (same header parser)."""
    for path in framework_checks():
        parse_header(f"checks/{path.stem}", path, path.read_text(encoding="utf-8"))
