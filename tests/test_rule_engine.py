"""The one rule engine (:mod:`pcfgraph.rules`): the framework integrity checks (``pcfgraph
validate``) and the audit of organisational models load their checks with one reader, run
them with one engine and get the same findings from the same rule."""

from __future__ import annotations

from pathlib import Path

import grimp
import pyoxigraph as ox
import pytest

from pcfgraph.audit.findings import run_check
from pcfgraph.audit.rules import load_check as audit_check
from pcfgraph.errors import ParseError
from pcfgraph.rules.model import Finding
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import load_check as framework_check
from pcfgraph.validation import validate_store

EX = "https://example.org/rules/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CHECK = """# summary: Every concept has a preferred label.
# severity: {severity}
# source: https://example.org/source/labels
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?focus ?message WHERE {{
  ?focus a skos:Concept .
  FILTER NOT EXISTS {{ ?focus skos:prefLabel ?label }}
  BIND("the concept has no preferred label" AS ?message)
}}
"""


def _check(tmp_path: Path, severity: str = "Warning") -> Path:
    path = tmp_path / "label-missing-violation.rq"
    path.write_text(CHECK.format(severity=severity), encoding="utf-8")
    return path


def _store() -> EmbeddedStore:
    graph = ox.NamedNode(EX + "graph")
    concept = ox.NamedNode(SKOS + "Concept")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = ox.NamedNode(SKOS + "prefLabel")
    store = EmbeddedStore()
    store.add_quads(
        [
            ox.Quad(ox.NamedNode(EX + "a"), rdf_type, concept, graph),
            ox.Quad(ox.NamedNode(EX + "a"), label, ox.Literal("A", language="en"), graph),
            ox.Quad(ox.NamedNode(EX + "b"), rdf_type, concept, graph),
            ox.Quad(ox.NamedNode(EX + "c"), rdf_type, concept, graph),
        ]
    )
    return store


def test_only_the_rule_engine_runs_pyshacl() -> None:
    graph = grimp.build_graph(
        "pcfgraph", include_external_packages=True, exclude_type_checking_imports=True
    )
    assert graph.find_modules_that_directly_import("pyshacl") == {"pcfgraph.rules.engine"}


@pytest.mark.parametrize("declared", ["Warning", "info", "Violation"])
def test_framework_and_audit_checks_are_read_by_one_header_reader(
    tmp_path: Path, declared: str
) -> None:
    path = _check(tmp_path, declared)
    _query, severity = framework_check(path)
    check = audit_check(path)
    assert severity == check.rule.severity == declared.capitalize()
    assert check.rule.source == "https://example.org/source/labels"
    assert check.rule.message == "Every concept has a preferred label."


def test_a_bad_severity_is_refused_alike_by_both(tmp_path: Path) -> None:
    path = _check(tmp_path, "Catastrophe")
    messages = []
    for load in (framework_check, audit_check):
        with pytest.raises(ParseError) as err:
            load(path)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "Catastrophe" in messages[0] and path.name in messages[0]


def test_one_check_gives_the_same_findings_to_validation_and_to_the_audit(tmp_path: Path) -> None:
    path = _check(tmp_path)
    store = _store()
    report = validate_store(store, shapes=[], checks=[path])
    assert all(isinstance(f, Finding) for f in report.findings)
    framework = {(f.focus_node, f.severity, f.message) for f in report.findings}
    audited = {(r.focus_node, r.severity, r.message) for r in run_check(store, audit_check(path))}
    assert (
        framework
        == audited
        == {(EX + node, "Warning", "the concept has no preferred label") for node in ("b", "c")}
    )
    assert report.conforms  # warnings do not fail validation


def test_a_framework_check_must_select_a_message(tmp_path: Path) -> None:
    path = tmp_path / "no-message-violation.rq"
    path.write_text(
        f"# summary: Concepts.\nSELECT ?focus WHERE {{ ?focus a <{SKOS}Concept> }}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match=r"\?focus and \?message"):
        validate_store(_store(), shapes=[], checks=[path])
    # an audit check may leave the message to its rule (the summary)
    results = run_check(_store(), audit_check(path))
    assert {r.message for r in results} == {"Concepts."} and len(results) == 3
