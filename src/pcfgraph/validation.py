"""Integrity of the framework graph: SHACL shapes (pySHACL) plus SPARQL checks (pyoxigraph).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.queries import NamedQuery, parse_header
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore

#: The shape files that define a valid framework graph (in ``shapes/``). The one place this
#: list lives: ``pcfgraph validate``, release checks and tests all go through it.
FRAMEWORK_SHAPE_FILES: Final = ("framework.ttl", "mappings.ttl")
#: Framework checks: ``queries/checks/*-violation.rq`` (top level only; organisational-model
#: checks live in a sub-directory).
CHECK_GLOB: Final = "*-violation.rq"
SEVERITIES: Final = ("Violation", "Warning", "Info")

_SH = iris.SH
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SEVERITY_RE = re.compile(r"^#\s*severity\s*:\s*(\w+)\s*$", re.IGNORECASE | re.MULTILINE)
_SKOS_NOTATION = ox.NamedNode(str(iris.SKOS.notation))


def framework_shapes() -> list[Path]:
    """The shape files of the framework graph, in order."""
    root = resource_dir("shapes")
    return [root / name for name in FRAMEWORK_SHAPE_FILES]


def framework_checks() -> list[Path]:
    """The SPARQL checks of the framework graph (``queries/checks/*-violation.rq``)."""
    return sorted((resource_dir("queries") / "checks").glob(CHECK_GLOB))


@dataclass(frozen=True)
class Finding:
    """One problem: which node, which rule, how bad, and why."""

    focus: str
    severity: str
    message: str
    #: ``shapes/<ShapeName>`` for SHACL results, ``checks/<file stem>`` for SPARQL checks.
    rule: str
    #: The full IRI of the SHACL shape (sh:sourceShape), or the check query's name.
    source_shape: str
    path: str | None = None
    value: str | None = None
    #: ``iri``, ``bnode`` or ``literal`` (how to show ``value``), None without a value.
    value_type: str | None = None
    #: The focus node's skos:notation, when it has one (for readable reports).
    focus_label: str | None = None

    @property
    def kind(self) -> str:
        return "check" if self.rule.startswith("checks/") else "shacl"

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "focus_label": self.focus_label,
            "severity": self.severity,
            "rule": self.rule,
            "kind": self.kind,
            "source_shape": self.source_shape,
            "path": self.path,
            "value": self.value,
            "value_type": self.value_type,
            "message": self.message,
        }


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
        return "\n".join(lines) + "\n"

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
    parts = [f.severity.ljust(9), focus]
    if f.path:
        parts.append(_curie(f.path) if "://" in f.path else f.path)
    if f.value is not None:
        parts.append(_curie(f.value) if f.value_type == "iri" else repr(_shorten(f.value)))
    return "  ".join(parts) + f"  : {f.message}"


# --- store to rdflib ------------------------------------------------------------------------


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """One pyoxigraph term as the equal rdflib term (shared by validation and audits).

    Quoted triples (RDF-star) have no rdflib equivalent; callers filter them out first.
    """
    if isinstance(term, ox.Triple):
        raise TypeError("quoted triples (RDF-star) cannot be converted to rdflib terms")
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    dt = term.datatype.value
    if dt == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(dt))


def store_to_graph(store: EmbeddedStore) -> Graph:
    """The union of all graphs of the store as one rdflib Graph (pySHACL's data graph)."""
    graph = Graph()
    add = graph.add
    cache: dict[Any, Node] = {}
    for quad in store.store:
        terms = (quad.subject, quad.predicate, quad.object)
        if any(isinstance(t, ox.Triple) for t in terms):
            continue  # RDF-star quoted triples are not part of the framework graph
        converted = []
        for t in terms:
            node = cache.get(t)
            if node is None:
                node = cache[t] = to_rdflib(t)
            converted.append(node)
        add((converted[0], converted[1], converted[2]))
    return graph


def _load_shapes(paths: Sequence[Path]) -> Graph:
    """A fresh shapes graph per call: pySHACL mutates shapes graphs it is given (pySHACL#314)."""
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except FileNotFoundError:
            raise ParseError("shape file does not exist", source=str(path)) from None
        except Exception as exc:  # rdflib raises assorted errors for bad Turtle
            line = getattr(exc, "lines", None) or getattr(exc, "lineno", None)
            raise ParseError(
                f"shape file does not parse: {exc}",
                line=line if isinstance(line, int) else None,
                source=str(path),
            ) from None
    return graph


# --- SHACL ------------------------------------------------------------------------------------


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _node_type(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return "iri"
    return "bnode" if isinstance(node, BNode) else "literal"


def _rule_name(shape: Node | None, component: Node | None) -> str:
    text = _text(shape) or ""
    if text.startswith(iris.SHAPES_BASE):
        return "shapes/" + text[len(iris.SHAPES_BASE) :]
    comp = _text(component) or "unknown"
    return "shapes/" + comp.rsplit("#", 1)[-1]


def shacl_report_graph(data: Graph, shapes: Graph) -> Graph:
    """pySHACL with the project's one safe configuration: no inference, no owl:imports, no JS,
    nothing fetched; ``data`` may be changed in place (callers pass a graph of their own)."""
    from pyshacl import validate

    _conforms, results, _text_report = validate(
        data,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
        advanced=False,
        meta_shacl=False,
        do_owl_imports=False,
        js=False,
        inplace=True,
    )
    assert isinstance(results, Graph)
    return results


def run_shacl(data: Graph, shapes: Graph) -> list[Finding]:
    results = shacl_report_graph(data, shapes)
    findings: list[Finding] = []
    for report in results.subjects(RDF.type, _SH.ValidationReport):
        for result in results.objects(report, _SH.result):
            severity = results.value(result, _SH.resultSeverity)
            shape = results.value(result, _SH.sourceShape)
            value = results.value(result, _SH.value)
            messages = list(results.objects(result, _SH.resultMessage))
            en = [m for m in messages if isinstance(m, Literal) and m.language in (None, "en")]
            findings.append(
                Finding(
                    focus=_text(results.value(result, _SH.focusNode)) or "",
                    severity=(_text(severity) or "Violation").rsplit("#", 1)[-1],
                    message=str((en or messages or ["(no message)"])[0]),
                    rule=_rule_name(shape, results.value(result, _SH.sourceConstraintComponent)),
                    source_shape=_text(shape) or "",
                    path=_text(results.value(result, _SH.resultPath)),
                    value=_text(value),
                    value_type=_node_type(value),
                )
            )
    return findings


# --- SPARQL checks ----------------------------------------------------------------------------


def load_check(path: Path) -> tuple[NamedQuery, str]:
    """A check query and its severity (``# severity:`` header, default Violation)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParseError(f"cannot read check: {exc}", source=str(path)) from None
    query = parse_header(f"checks/{path.stem}", path, text)
    m = _SEVERITY_RE.search(text)
    severity = m.group(1).capitalize() if m else "Violation"
    if severity not in SEVERITIES:
        raise ParseError(
            f"'# severity:' must be one of {', '.join(SEVERITIES)}, not {m.group(1) if m else ''!r}",
            source=str(path),
        )
    return query, severity


def _term_text(term: object) -> str | None:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return None if term is None else str(term)


def _term_type(term: object) -> str | None:
    if isinstance(term, ox.NamedNode):
        return "iri"
    if isinstance(term, ox.BlankNode):
        return "bnode"
    return "literal" if isinstance(term, ox.Literal) else None


def run_check(store: EmbeddedStore, query: NamedQuery, severity: str) -> list[Finding]:
    result = store.select(query)
    if "focus" not in result.variables or "message" not in result.variables:
        raise ParseError("a check must select ?focus and ?message", source=str(query.path))
    return [
        Finding(
            focus=_term_text(row.get("focus")) or "",
            severity=severity,
            message=_term_text(row.get("message")) or query.summary,
            rule=query.name,
            source_shape=query.name,
            path=_term_text(row.get("path")),
            value=_term_text(row.get("value")),
            value_type=_term_type(row.get("value")),
        )
        for row in result.rows
    ]


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
) -> ValidationReport:
    """Validate every graph of ``store`` (as one union graph) against shapes and checks.

    ``shapes`` defaults to :func:`framework_shapes`, ``checks`` to :func:`framework_checks`;
    pass an empty list to skip either kind.
    """
    shape_paths = list(framework_shapes() if shapes is None else shapes)
    check_paths = list(framework_checks() if checks is None else checks)
    report = ValidationReport(
        shapes=[p.name for p in shape_paths],
        checks=[f"checks/{p.stem}" for p in check_paths],
    )
    findings: list[Finding] = []

    started = time.perf_counter()
    data = store_to_graph(store)
    report.triples = len(data)
    report.seconds["load"] = time.perf_counter() - started

    if shape_paths:
        started = time.perf_counter()
        findings.extend(run_shacl(data, _load_shapes(shape_paths)))
        report.seconds["shacl"] = time.perf_counter() - started

    if check_paths:
        started = time.perf_counter()
        for path in check_paths:
            query, severity = load_check(path)
            findings.extend(run_check(store, query, severity))
        report.seconds["checks"] = time.perf_counter() - started

    labels: dict[str, str | None] = {}
    findings = [replace(f, focus_label=_label(store, f.focus, labels)) for f in findings]
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
