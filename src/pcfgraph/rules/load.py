"""Reading rules: shapes files (Turtle) and SPARQL checks with their header lines.

A check is a ``*-violation.rq`` query whose every row is a finding (``?focus`` or ``?this``,
optionally ``?message``, ``?path``, ``?value``, ``?source``), with a header::

    # summary: what the rule requires
    # severity: Violation | Warning | Info        (default Violation)
    # source: <framework element IRI the rule comes from>
    # passage: the framework text, quoted
    # hint: what to state or change to satisfy it
    # group: <sh:PropertyGroup IRI> (report section)
    # rationale: one line: what the source says and why that makes it this severity
    # shape: <shape IRI>   (the check evaluates that shape instead of pySHACL)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.queries import parse_header
from pcfgraph.rules.model import SEVERITIES, Check, Rule, RuleGroup

_SH = iris.SH
_ORGM = iris.ORGM
_HEADER_RE = re.compile(
    r"^#\s*(severity|source|passage|hint|shape|group|rationale)\s*:\s*(.*)$",
    re.IGNORECASE,
)


def parse_shapes(paths: Sequence[Path]) -> Graph:
    """A fresh shapes graph from these files (never share one between validations: pySHACL
    mutates the shapes graph it is given, pySHACL#314)."""
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


def _en(graph: Graph, node: Node, prop: URIRef) -> str | None:
    values = list(graph.objects(node, prop))
    en = [v for v in values if isinstance(v, Literal) and v.language in (None, "en")]
    chosen = (en or values or [None])[0]
    return None if chosen is None else str(chosen)


def rule_name(iri: str) -> str:
    """``CustomerPurchaserShape`` for a shape, the last segment for a check."""
    if iri.startswith(iris.SHAPES_BASE):
        return iri[len(iris.SHAPES_BASE) :]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def shape_rules(shapes: Graph) -> dict[str, Rule]:
    """Every named shape with a message, by IRI."""
    rules: dict[str, Rule] = {}
    for shape in set(shapes.subjects(_SH.message, None)):
        if not isinstance(shape, URIRef):
            continue
        severity = shapes.value(shape, _SH.severity)
        iri = str(shape)
        rules[iri] = Rule(
            iri=iri,
            name=rule_name(iri),
            kind="shacl",
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            message=_en(shapes, shape, _SH.message) or "",
            source=_en(shapes, shape, DCTERMS.source) or _en(shapes, shape, RDFS.seeAlso),
            passage=_en(shapes, shape, _ORGM.sourcePassage),
            hint=_en(shapes, shape, _ORGM.remediationHint),
            group=_iri_value(shapes, shape, _SH.group),
            comment=_en(shapes, shape, RDFS.comment),
            rationale=_en(shapes, shape, _ORGM.severityRationale),
            component_hints=_component_hints(shapes, shape),
        )
    return rules


def _component_hints(shapes: Graph, shape: URIRef) -> tuple[tuple[str, str], ...]:
    """The shape's hints for one constraint component each: ``orgm:componentHint [
    sh:sourceConstraintComponent <component> ; orgm:remediationHint "..."@en ]``, and for a
    datatype, class, ``sh:in`` or range result (unless the shape gives one) what the
    constraint asks for (:mod:`pcfgraph.rules.hints`)."""
    from pcfgraph.rules.engine import datatype_hint
    from pcfgraph.rules.hints import derived_hints

    hints: dict[str, str] = {}
    for node in shapes.objects(shape, _ORGM.componentHint):
        component = shapes.value(node, _SH.sourceConstraintComponent)
        hint = _en(shapes, node, _ORGM.remediationHint)
        if isinstance(component, URIRef) and hint:
            hints[str(component)] = hint
    path = shapes.value(shape, _SH.path)
    derived = datatype_hint(
        shapes.value(shape, _SH.datatype), str(path) if isinstance(path, URIRef) else None
    )
    if derived:
        hints.setdefault(str(_SH.DatatypeConstraintComponent), derived)
    for iri, text in derived_hints(shapes, shape).items():
        hints.setdefault(iri, text)
    return tuple(sorted(hints.items()))


def _iri_value(graph: Graph, node: URIRef, prop: URIRef) -> str | None:
    value = graph.value(node, prop)
    return str(value) if isinstance(value, URIRef) else None


def rule_groups(shapes: Graph) -> list[RuleGroup]:
    """The report sections, in ``sh:order``."""
    out = []
    for group in set(shapes.subjects(RDF.type, _SH.PropertyGroup)):
        if not isinstance(group, URIRef):
            continue
        order = shapes.value(group, _SH.order)
        try:
            rank = float(str(order)) if order is not None else 1e9
        except ValueError:
            rank = 1e9
        out.append(RuleGroup(str(group), _en(shapes, group, RDFS.label) or str(group), rank))
    return sorted(out, key=lambda g: (g.order, g.iri))


def targeted_shapes(shapes: Graph) -> list[URIRef]:
    """Shapes with a target (the rules), core or SHACL-AF (``sh:target``, a SPARQL target);
    used by tests to insist on message/severity/source."""
    targets = (
        _SH.targetClass,
        _SH.targetNode,
        _SH.targetSubjectsOf,
        _SH.targetObjectsOf,
        _SH.target,
    )
    out = {s for t in targets for s in shapes.subjects(t, None) if isinstance(s, URIRef)}
    return sorted(out)


def read_check(path: Path, *, name: str, iri: str) -> Check:
    """A check file: its query (named ``name``) and its rule (``iri``) from the header."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParseError(f"cannot read check: {exc}", source=str(path)) from None
    query = parse_header(name, path, text)
    meta: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER_RE.match(line.strip())
        if m:
            meta[m.group(1).lower()] = m.group(2).strip()
    declared = meta.get("severity", "Violation")
    severity = declared.capitalize()
    if severity not in SEVERITIES:
        raise ParseError(
            f"'# severity:' must be one of {', '.join(SEVERITIES)}, not {declared!r}",
            source=str(path),
        )
    rule = Rule(
        iri=iri,
        name=rule_name(iri),
        kind="check",
        severity=severity,
        message=query.summary,
        source=meta.get("source"),
        passage=meta.get("passage"),
        hint=meta.get("hint"),
        group=meta.get("group") or None,
        comment=query.summary,
        rationale=meta.get("rationale") or None,
    )
    return Check(query=query, rule=rule, shape=meta.get("shape") or None)
