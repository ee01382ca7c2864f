"""The audit's rules: the project's own SHACL shapes and SPARQL checks, and their metadata.

Only these are ever used. Shapes come from ``shapes/orgmodel*.ttl`` (a freshly parsed graph per
validation: pySHACL mutates the shapes graph it is given, pySHACL#314); checks from
``queries/checks/orgmodel/*-violation.rq``, each with a header::

    # summary: what the rule requires
    # severity: Violation | Warning | Info
    # source: <framework element IRI the rule comes from>
    # passage: the framework text, quoted
    # hint: what to state or change to satisfy it
    # group: <sh:PropertyGroup IRI in shapes/orgmodel.ttl> (model validity or a control area)
    # rationale: one line: what the source says and why that makes it this severity

A check may instead evaluate one of the shapes on pyoxigraph (``# shape: <shape IRI>``): pySHACL
is slow on some core-SHACL constructs (qualified value shapes, ``sh:or``), so for those shapes
the audit runs an equivalent query instead. The shape stays in ``shapes/orgmodel.ttl`` and is
the rule: its IRI, message, severity, source, hint and path are what the report shows, other
SHACL engines run it as is, and the query selects the results core SHACL gives (``?focus``,
optionally ``?value``, and the constraint component as ``?component``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.queries import NamedQuery, parse_header
from pcfgraph.resources import resource_dir

SHAPE_GLOB: Final = "orgmodel*.ttl"
CHECK_DIR: Final = "checks/orgmodel"
SEVERITIES: Final = ("Violation", "Warning", "Info")
_SH = iris.SH
_ORGM = iris.ORGM
_HEADER_RE = re.compile(
    r"^#\s*(severity|source|passage|hint|shape|group|rationale)\s*:\s*(.*)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Rule:
    """What a report says about a rule: its IRI, name, severity, message, source and hint."""

    iri: str
    name: str
    kind: str  # "shacl" or "check"
    severity: str
    message: str
    source: str | None
    passage: str | None
    hint: str | None
    #: The sh:PropertyGroup the rule belongs to (report section), or None.
    group: str | None = None
    #: Why the rule exists (rdfs:comment) and why it has its severity (one line each).
    comment: str | None = None
    rationale: str | None = None


@dataclass(frozen=True)
class RuleGroup:
    """A report section (``sh:PropertyGroup``): model validity, then the control areas."""

    iri: str
    label: str
    order: float


@dataclass(frozen=True)
class Check:
    query: NamedQuery
    rule: Rule
    #: The shape this check evaluates (``# shape:``), or None for a rule of its own.
    shape: str | None = None
    #: The shape's sh:path as text (set when the rule set is loaded), for its results.
    path: str | None = None


def shape_files(root: Path | None = None) -> list[Path]:
    return sorted((root or resource_dir("shapes")).glob(SHAPE_GLOB))


def check_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or resource_dir("queries")) / CHECK_DIR).glob("*-violation.rq"))


def load_shapes(paths: Sequence[Path] | None = None) -> Graph:
    """A fresh shapes graph (never shared between validations)."""
    graph = Graph()
    for path in paths if paths is not None else shape_files():
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises assorted errors for bad Turtle
            raise ParseError(f"shape file does not parse: {exc}", source=str(path)) from None
    return graph


def _en(graph: Graph, node: URIRef, prop: URIRef) -> str | None:
    values = list(graph.objects(node, prop))
    en = [v for v in values if isinstance(v, Literal) and v.language in (None, "en")]
    chosen = (en or values or [None])[0]
    return None if chosen is None else str(chosen)


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
        )
    return rules


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


def rule_name(iri: str) -> str:
    """``CustomerPurchaserShape`` for a shape, ``checks/<stem>`` for a check."""
    if iri.startswith(iris.SHAPES_BASE):
        return iri[len(iris.SHAPES_BASE) :]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def load_check(path: Path) -> Check:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParseError(f"cannot read check: {exc}", source=str(path)) from None
    query = parse_header(f"checks/orgmodel/{path.stem}", path, text)
    meta: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER_RE.match(line.strip())
        if m:
            meta[m.group(1).lower()] = m.group(2).strip()
    severity = meta.get("severity", "Violation").capitalize()
    if severity not in SEVERITIES:
        raise ParseError(f"'# severity:' must be one of {', '.join(SEVERITIES)}", source=str(path))
    iri = str(iris.orgmodel_check(path.stem.removesuffix("-violation")))
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
        comment=meta.get("comment") or query.summary,
        rationale=meta.get("rationale") or None,
    )
    return Check(query=query, rule=rule, shape=meta.get("shape") or None)


def load_checks(paths: Sequence[Path] | None = None) -> list[Check]:
    return [load_check(p) for p in (paths if paths is not None else check_files())]


def targeted_shapes(shapes: Graph) -> list[URIRef]:
    """Shapes with a target (the rules); used by tests to insist on message/severity/source."""
    targets = (_SH.targetClass, _SH.targetNode, _SH.targetSubjectsOf, _SH.targetObjectsOf)
    out = {s for t in targets for s in shapes.subjects(t, None) if isinstance(s, URIRef)}
    return sorted(out)


__all__ = [
    "RDF",
    "Check",
    "Rule",
    "RuleGroup",
    "check_files",
    "load_checks",
    "load_shapes",
    "rule_groups",
    "shape_files",
    "shape_rules",
    "targeted_shapes",
]
