"""Integrity of the framework graph: SHACL shapes (pySHACL) plus SPARQL checks (pyoxigraph),
run by the one rule engine (:mod:`pcfgraph.rules`, which audits run too); this module chooses
the framework's rule files and reports the findings (``pcfgraph validate``, release checks).

Two kinds of rules, one report:

- ``shapes/framework.ttl`` and ``shapes/mappings.ttl``: core SHACL, run by pySHACL on an
  rdflib copy of the store (union of all named graphs, ontology included so that
  ``sh:targetClass`` sees subclasses without inference).
- ``queries/checks/*-violation.rq``: checks that compare nodes (cycles, duplicate ids, parent
  hierarchy ids), run by pyoxigraph on the store itself; every row is a finding with
  ``?focus`` and ``?message`` (optionally ``?path`` and ``?value``). A ``# severity:`` header line sets
  the severity (default Violation).

Which shape files validate the framework graph is decided here and nowhere else
(:data:`FRAMEWORK_SHAPE_FILES`); organisational-model shapes (``shapes/orgmodel*.ttl``) and
their checks (``queries/checks/orgmodel/``) are for auditing organisational models and are
never part of it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.queries import NamedQuery
from pcfgraph.resources import resource_dir
from pcfgraph.rules.engine import check_findings, shacl_findings, shacl_report_graph
from pcfgraph.rules.load import read_check
from pcfgraph.rules.model import SEVERITIES, Check, Finding, Rule
from pcfgraph.rules.ruleset import RuleSet
from pcfgraph.rules.terms import to_rdflib
from pcfgraph.store import EmbeddedStore
from pcfgraph.terminal_text import printable

__all__ = [
    "CHECK_GLOB",
    "FRAMEWORK_SHAPE_FILES",
    "SEVERITIES",
    "Finding",
    "ValidationReport",
    "framework_checks",
    "framework_rules",
    "framework_shapes",
    "load_check",
    "run_check",
    "run_shacl",
    "shacl_report_graph",
    "store_to_graph",
    "to_rdflib",
    "triples_to_graph",
    "validate_store",
]

#: The shape files that define a valid framework graph (in ``shapes/``). The one place this
#: list lives: ``pcfgraph validate``, release checks and tests all go through it.
FRAMEWORK_SHAPE_FILES: Final = ("framework.ttl", "mappings.ttl")
#: Framework checks: ``queries/checks/*-violation.rq`` (top level only; organisational-model
#: checks live in a sub-directory).
CHECK_GLOB: Final = "*-violation.rq"

_SKOS_NOTATION = ox.NamedNode(str(iris.SKOS.notation))


def framework_shapes() -> list[Path]:
    """The shape files of the framework graph, in order."""
    root = resource_dir("shapes")
    return [root / name for name in FRAMEWORK_SHAPE_FILES]


def framework_checks() -> list[Path]:
    """The SPARQL checks of the framework graph (``queries/checks/*-violation.rq``)."""
    return sorted((resource_dir("queries") / "checks").glob(CHECK_GLOB))


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def results(self) -> list[Finding]:
        return self.findings

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    @property
    def conforms(self) -> bool:
        """True when nothing is a Violation (warnings and infos do not fail validation)."""
        return not any(f.severity == "Violation" for f in self.findings)

    def by_rule(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = {}
        for f in self.findings:
            groups.setdefault(f.rule, []).append(f)
        return groups

    def render_text(self, *, limit: int | None = None) -> str:
        """Readable lines grouped by rule; ``limit`` caps the lines shown per rule."""
        lines: list[str] = []
        for rule, findings in self.by_rule().items():
            counts = _count_words(f.severity for f in findings)
            lines.append(f"{rule}: {counts}")
            shown = findings if not limit else findings[:limit]
            lines.extend(f"  {_finding_line(f)}" for f in shown)
            if len(shown) < len(findings):
                lines.append(f"  ... and {len(findings) - len(shown)} more (--limit 0 shows all)")
            lines.append("")
        verdict = "conforms" if self.conforms else "does not conform"
        timing = ", ".join(f"{k} {v:.2f} s" for k, v in self.seconds.items())
        lines.append(
            f"{verdict}: {_count_words(f.severity for f in self.findings) or 'no findings'}"
            f" ({len(self.shapes)} shape files, {len(self.checks)} checks, "
            f"{self.triples} triples; {timing})"
        )
        return printable("\n".join(lines) + "\n")

    def to_json(self) -> str:
        doc = {
            "conforms": self.conforms,
            "counts": self.counts,
            "triples": self.triples,
            "shapes": self.shapes,
            "checks": self.checks,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "results": [f.to_dict() for f in self.findings],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _count_words(severities: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for s in severities:
        counts[s] = counts.get(s, 0) + 1
    return ", ".join(
        f"{n} {s.lower()}{'s' if n != 1 else ''}" for s in SEVERITIES if (n := counts.get(s, 0))
    )


def _curie(iri: str) -> str:
    for prefix, ns in iris.PREFIXES.items():
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_.-]*", iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _finding_line(f: Finding) -> str:
    focus = f"{f.focus_label} ({f.focus})" if f.focus_label else f.focus
    parts = [f.severity.ljust(9), f"{focus} ({f.where})" if f.where else focus]
    if f.path:
        parts.append(_curie(f.path) if "://" in f.path else f.path)
    if f.value is not None:
        parts.append(_curie(f.value) if f.value_type == "iri" else repr(_shorten(f.value)))
    return "  ".join(parts) + f"  : {f.message}"


# --- store to rdflib ------------------------------------------------------------------------


def store_to_graph(store: EmbeddedStore) -> Graph:
    """The union of all graphs of the store as one rdflib Graph (pySHACL's data graph)."""
    return triples_to_graph(store.store)


def triples_to_graph(
    statements: Iterable[ox.Triple | ox.Quad], predicates: set[ox.NamedNode] | None = None
) -> Graph:
    """Triples (or quads, graph names dropped) as one rdflib Graph, each term converted once;
    with ``predicates``, only the statements whose predicate is one of them. RDF-star quoted
    triples are not part of the framework graph and are left out."""
    graph = Graph()
    add = graph.add
    cache: dict[Any, Node] = {}
    for t in statements:
        if predicates and t.predicate not in predicates:
            continue
        terms = (t.subject, t.predicate, t.object)
        if any(isinstance(x, ox.Triple) for x in terms):
            continue
        converted = []
        for x in terms:
            node = cache.get(x)
            if node is None:
                node = cache[x] = to_rdflib(x)
            converted.append(node)
        add((converted[0], converted[1], converted[2]))
    return graph


# --- the framework's rules, run by the rule engine (pcfgraph.rules) ---------------------------


def framework_check(path: Path) -> Check:
    """A framework check: named and identified ``checks/<file stem>``."""
    name = f"checks/{path.stem}"
    return read_check(path, name=name, iri=name)


def load_check(path: Path) -> tuple[NamedQuery, str]:
    """A check query and its severity (``# severity:`` header, default Violation)."""
    check = framework_check(path)
    return check.query, check.rule.severity


def framework_rules(
    shapes: Sequence[Path] | None = None, checks: Sequence[Path] | None = None
) -> RuleSet:
    """The framework's rule set: :func:`framework_shapes` and :func:`framework_checks` unless
    other files are given."""
    return RuleSet.build(
        list(framework_shapes() if shapes is None else shapes),
        [framework_check(p) for p in (framework_checks() if checks is None else checks)],
    )


def run_shacl(data: Graph, shapes: Graph) -> list[Finding]:
    """pySHACL's findings on ``data`` (the rule engine's, :func:`shacl_findings`)."""
    return shacl_findings(data, shapes)


def run_check(store: EmbeddedStore, query: NamedQuery, severity: str) -> list[Finding]:
    """A framework check's rows as findings (it must select ``?focus`` and ``?message``)."""
    rule = Rule(
        iri=query.name,
        name=query.name,
        kind="check",
        severity=severity,
        message=query.summary,
        source=None,
        passage=None,
        hint=None,
    )
    return check_findings(store, Check(query, rule), require_message=True)


# --- the whole thing --------------------------------------------------------------------------


def _label(store: EmbeddedStore, focus: str, cache: dict[str, str | None]) -> str | None:
    if focus in cache:
        return cache[focus]
    label: str | None = None
    if not focus.startswith("_:"):
        for quad in store.store.quads_for_pattern(ox.NamedNode(focus), _SKOS_NOTATION, None):
            if isinstance(quad.object, ox.Literal):
                label = quad.object.value
                break
    cache[focus] = label
    return label


def _severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def validate_store(
    store: EmbeddedStore,
    *,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    record_lines: Mapping[str, tuple[str, int]] | None = None,
) -> ValidationReport:
    """Validate every graph of ``store`` (as one union graph) against shapes and checks.

    ``shapes`` defaults to :func:`framework_shapes`, ``checks`` to :func:`framework_checks`;
    pass an empty list to skip either kind. ``record_lines`` (a release's, when it was
    assembled): the SSSOM file and line of each curated mapping record, a finding's ``where``.
    """
    shape_paths = list(framework_shapes() if shapes is None else shapes)
    check_paths = list(framework_checks() if checks is None else checks)
    report = ValidationReport(
        shapes=[p.name for p in shape_paths],
        checks=[f"checks/{p.stem}" for p in check_paths],
    )
    rules = framework_rules(shape_paths, check_paths)
    findings: list[Finding] = []

    started = time.perf_counter()
    data = store_to_graph(store)
    report.triples = len(data)
    report.seconds["load"] = time.perf_counter() - started

    if shape_paths:
        started = time.perf_counter()
        findings.extend(shacl_findings(data, rules.shapes_graph(), rules.rules))
        report.seconds["shacl"] = time.perf_counter() - started

    if check_paths:
        started = time.perf_counter()
        for check in rules.checks:
            findings.extend(check_findings(store, check, require_message=True))
        report.seconds["checks"] = time.perf_counter() - started

    labels: dict[str, str | None] = {}
    lines = record_lines or {}
    findings = [
        replace(
            f,
            focus_label=_label(store, f.focus, labels),
            where=f"{lines[f.focus][0]}, line {lines[f.focus][1]}" if f.focus in lines else None,
        )
        for f in findings
    ]
    findings.sort(
        key=lambda f: (
            _severity_rank(f.severity),
            f.rule,
            f.focus_label or "",
            f.focus,
            f.value or "",
        )
    )
    report.findings = findings
    return report
