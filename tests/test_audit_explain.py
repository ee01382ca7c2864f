"""``pcfgraph audit --explain RULE`` shows a minimal violating example for every rule, and every
example really violates its rule: all of them are audited together, each moved into its own
namespace, and each rule must be reported on a node of its own example (audited as of the
fixed test date; the dated examples lie in 2020)."""

from __future__ import annotations

import pytest
from audit_support import audit_text
from rdflib import Graph, URIRef

from pcfgraph.audit.explain import example_path, explain, minimal_example
from pcfgraph.audit.ruleset import RuleSet
from pcfgraph.resources import resource_dir

MINIMAL = "https://example.org/minimal/"


def _ruleset() -> RuleSet:
    return RuleSet.load()


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def test_every_rule_has_a_minimal_example() -> None:
    ruleset = _ruleset()
    missing = [r.name for r in ruleset.rules.values() if minimal_example(ruleset, r) is None]
    assert missing == []


def test_every_shipped_example_is_named_after_a_rule() -> None:
    stems = {_stem(r.name) for r in _ruleset().rules.values()}
    shipped = {p.stem for p in (resource_dir("shapes") / "examples").glob("*.ttl")}
    assert shipped and shipped <= stems


#: Rules about what the whole model lacks (no customer anywhere): their example is audited on
#: its own, since any other example beside it supplies what it lacks.
WHOLE_MODEL = frozenset({"checks/orgmodel/organisation-customers"})


def test_every_minimal_example_violates_its_rule() -> None:
    ruleset = _ruleset()
    combined = Graph()
    own: dict[str, str] = {}
    found: set[tuple[str, str]] = set()
    for rule in ruleset.rules.values():
        text = minimal_example(ruleset, rule)
        assert text is not None, rule.name
        if rule.name in WHOLE_MODEL:
            own[rule.name] = MINIMAL
            alone = audit_text(text, "example.ttl")
            found |= {(r.rule, r.focus_node) for r in alone.results}
            continue
        namespace = f"{MINIMAL}{_stem(rule.name)}/"
        own[rule.name] = namespace
        g = Graph().parse(data=text, format="turtle")
        assert any(str(s).startswith(MINIMAL) for s in g.subjects()), rule.name

        def moved(term, namespace=namespace):  # type: ignore[no-untyped-def]
            if isinstance(term, URIRef) and str(term).startswith(MINIMAL):
                return URIRef(namespace + str(term)[len(MINIMAL) :])
            return term

        for s, p, o in g:
            combined.add((moved(s), p, moved(o)))
    report = audit_text(combined.serialize(format="nt"), "examples.nt")
    found |= {(r.rule, r.focus_node) for r in report.results}
    not_reported = [
        name
        for name, namespace in own.items()
        if not any(rule == name and focus.startswith(namespace) for rule, focus in found)
    ]
    assert not_reported == []


@pytest.mark.parametrize(
    "name", ["sla-report-missing-period", "ServicePriceShape", "CustomerPurchaserShape"]
)
def test_explain_shows_the_example(name: str) -> None:
    ruleset = _ruleset()
    text = explain(ruleset, name)
    assert "minimal violating example (Turtle):" in text
    assert "Organisation" in text  # an audit refuses a model that describes no organisation
    rule = next(r for r in ruleset.rules.values() if _stem(r.name) == name)
    if example_path(rule).is_file():
        assert example_path(rule).read_text(encoding="utf-8").splitlines()[-1] in text


def test_every_rule_a_report_names_can_be_explained() -> None:
    """A report names the rules written in code (``audit/model-validity-unknown-key`` for a
    key no row has) as it names shapes, and ``/shapes`` explains them; ``--explain`` refused
    them ("no audit rule named ...", listing every rule but those)."""
    from pcfgraph.audit.findings import code_rules, rules_of

    ruleset = _ruleset()
    code = code_rules()
    assert code and {r.iri for r in code} <= {r.iri for r in rules_of(ruleset)}
    for rule in code:
        for name in (rule.name, _stem(rule.name), rule.iri):
            text = explain(ruleset, name)
            assert text.startswith(f"{rule.name}  ({rule.severity})"), name
            assert f"requires: {rule.message}" in text and f"rule IRI: {rule.iri}" in text
            # why an auditor cares, as a shape's orgm:severityRationale ("severity: Violation
            # (no rationale recorded)" before)
            assert rule.rationale and rule.rationale.startswith(f"{rule.severity}: ")
            assert f"severity: {rule.rationale}\n" in text, name
            assert "no rationale recorded" not in text


def test_code_rules_state_their_rationale_as_shapes_do() -> None:
    """``/shapes`` describes a rule written in code in the shapes' terms: its
    orgm:severityRationale too (why an auditor cares), which shapes state and code rules did
    not."""
    from rdflib import Literal

    from pcfgraph import iris
    from pcfgraph.audit.findings import code_rules
    from pcfgraph.services.rules import _code_rule

    for rule in code_rules():
        stated = set(_code_rule(rule, rule.group or ""))
        rationale = (
            URIRef(rule.iri),
            iris.ORGM.severityRationale,
            Literal(rule.rationale, lang="en"),
        )
        assert rule.rationale and rationale in stated, rule.name
