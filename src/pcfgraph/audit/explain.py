"""``pcfgraph audit --explain RULE``: what a rule requires, where it comes from, why it has its
severity, and a minimal model that violates it.

Minimal examples: ``shapes/examples/<rule>.ttl`` where one is shipped; otherwise, for a shape
that requires a property of every instance of a class (``sh:minCount``/``sh:qualifiedMinCount``
with ``sh:targetClass``), a bare instance of the class (and the organisation every audited model
describes) violates it and is shown. Every rule has one or the other, and each is audited by the
tests and must report its rule (``tests/test_audit_explain.py``). Dated examples lie in 2020, so
they violate their rule on any audit date after it.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from pcfgraph import iris
from pcfgraph.audit.rules import Rule
from pcfgraph.audit.ruleset import RuleSet
from pcfgraph.errors import InputError
from pcfgraph.resources import resource_dir
from pcfgraph.rules.ruleset import RuleSet as CoreRuleSet

_SH = iris.SH
#: The namespace of the minimal examples (shipped and derived).
_MINIMAL = "https://example.org/minimal/"


def find_rule(ruleset: RuleSet, name: str) -> Rule:
    """A rule by IRI, name (``ServicePriceShape``, ``checks/orgmodel/x``,
    ``audit/model-validity-unknown-key``) or stem. The rules written in code (a bad cell, an
    unknown key or term: :func:`~pcfgraph.audit.findings.code_rules`) are rules too: reports
    name them as they name shapes, and ``/shapes`` explains them."""
    from pcfgraph.audit.findings import code_rules

    candidates = {r.iri: r for r in (*ruleset.rules.values(), *code_rules())}
    for rule in candidates.values():
        if name in (rule.iri, rule.name, rule.name.rsplit("/", 1)[-1]):
            return rule
    raise InputError(
        f"no audit rule named {name!r}; rules: "
        + ", ".join(sorted(r.name for r in candidates.values()))
    )


def example_path(rule: Rule) -> Path:
    return resource_dir("shapes") / "examples" / f"{rule.name.rsplit('/', 1)[-1]}.ttl"


def minimal_example(ruleset: CoreRuleSet, rule: Rule) -> str | None:
    path = example_path(rule)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    from rdflib import Graph

    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in ruleset.all_shape_triples)
    shape = URIRef(rule.iri)
    target = graph.value(shape, _SH.targetClass)
    required = graph.value(shape, _SH.minCount) or graph.value(shape, _SH.qualifiedMinCount)
    if target is None or required is None or int(str(required)) < 1:
        return None
    return (
        f"<{_MINIMAL}it> a <{iris.ORGM}Organisation> .\n"  # an audit needs an organisation
        f"<{_MINIMAL}x> a <{target}> .\n"
    )


def explain(ruleset: RuleSet, name: str) -> str:
    rule = find_rule(ruleset, name)
    groups = {g.iri: g.label for g in ruleset.groups}
    lines = [
        f"{rule.name}  ({rule.severity})",
        f"  rule IRI: {rule.iri}",
        f"  report section: {groups.get(rule.group or '', 'other rules')}",
        "",
        f"requires: {rule.message}",
    ]
    if rule.comment and rule.comment != rule.message:
        lines.append(f"why: {rule.comment}")
    lines.append(f"severity: {rule.rationale or rule.severity + ' (no rationale recorded)'}")
    if rule.source:
        lines.append(f"source: {rule.source}")
    if rule.passage:
        lines.append(f'passage: "{rule.passage}"')
    if rule.hint:
        lines.append(f"to fix: {rule.hint}")
    kinds: dict[str, list[str]] = {}  # one line for the components of one hint (a range's)
    for component, hint in rule.component_hints:
        kinds.setdefault(hint, []).append(
            component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        )
    for hint, names in kinds.items():
        lines.append(f"to fix a {' or '.join(names)} result: {hint}")
    example = minimal_example(ruleset, rule)
    lines.append("")
    if example:
        lines.append("minimal violating example (Turtle):")
        lines.extend("  " + line for line in example.rstrip("\n").splitlines())
    elif rule.kind == "audit":  # checked in code as the model is read, not by a shape
        lines.append(
            "minimal violating example: none in Turtle; this rule is checked as the model is "
            "read (a workbook cell, an ArchiMate property, an RDF term), and its findings name "
            "the value and where it is"
        )
    else:
        lines.append("minimal violating example: none shipped for this rule")
    return "\n".join(lines) + "\n"
