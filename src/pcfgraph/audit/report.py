"""The audit report model and its JSON rendering (Turtle: :mod:`.render_turtle`, text:
:mod:`.render_text`, HTML: :mod:`.html`).

The JSON document has the keys ``conforms``, ``counts`` (by severity, exact even when the
findings listed are capped), ``results`` (each with ``focusNode``, ``focusLabel``, ``path``,
``value``, ``severity``, ``message``, ``shape``, ``source`` - an object ``{framework, code,
name, passage, iri}`` - , ``sourceIri``, ``hint``, ``rule``, ``group``, ``ruleOrigin`` and,
against a baseline, ``status``), ``coverage``, ``maturity``, and how the audit was run: ``asOf``,
``asOfSource`` ("model", "caller" or "today": where ``asOf`` came from), ``profile``, ``maxFindings``, ``truncated``, ``groups``, ``rules`` and ``baseline``. A report
round-trips through :meth:`AuditReport.to_dict` / :meth:`AuditReport.from_dict` (the worker
sandbox returns dicts).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from rdflib import Graph

from pcfgraph.audit.rules import AUDIT_ORIGIN, FRAMEWORK_ORIGIN, rule_name

SEVERITIES: Final = ("Violation", "Warning", "Info")
RESULT_KEYS: Final = (
    "focusNode",
    "focusLabel",
    "path",
    "value",
    "severity",
    "message",
    "shape",
    "source",
    "sourceIri",
    "hint",
    "location",
    "rule",
    "group",
    "ruleOrigin",
)
DEFAULT_MAX_FINDINGS: Final = 10_000


def location_text(location: dict[str, Any] | None) -> str | None:
    """``Customers!C7`` for a cell, ``Customers!7`` for a row, ``"Name" (id-1)`` for an
    ArchiMate element; None for no location."""
    if not location:
        return None
    sheet = location.get("sheet")
    if sheet:
        quoted = f"'{sheet}'" if not str(sheet).replace("_", "").isalnum() else str(sheet)
        return f"{quoted}!{location.get('column') or ''}{location.get('row') or ''}"
    element = location.get("element")
    if element:
        name = location.get("name")
        return f'"{name}" ({element})' if name else str(element)
    return None


# RDF terms as report text live in :mod:`pcfgraph.audit.nodetext` (re-exported here).
from pcfgraph.audit.nodetext import (  # noqa: E402
    is_literal_text,
    literal_of,
    literal_text,
    node_of,
    node_text,
    ox_literal_of,
)
from pcfgraph.audit.sections import (  # noqa: E402
    Coverage,
    CoverageItem,
    MaturityAssessment,
    PracticeStatus,
)

__all__ = [
    "Coverage",
    "CoverageItem",
    "MaturityAssessment",
    "PracticeStatus",
    "is_literal_text",
    "literal_of",
    "literal_text",
    "node_of",
    "node_text",
    "ox_literal_of",
]


@dataclass(frozen=True)
class AuditResult:
    """One finding. ``focus_node`` names the focus node as text (:func:`node_text`): an IRI,
    ``_:id`` for a blank node of the upload, or a literal in N-Triples form (a literal object
    of a property whose objects a shape targets)."""

    focus_node: str
    focus_label: str
    path: str | None
    value: str | None
    severity: str
    message: str
    shape: str
    source: str | None
    hint: str | None
    #: Not in the JSON results (grouping only): the unit the focus node belongs to.
    unit: str | None = None
    unit_label: str | None = None
    #: "shacl" (a SHACL shape), "check" (a SPARQL check) or "audit" (the audit itself).
    kind: str = "shacl"
    #: For Turtle: whether value is an IRI and the constraint component.
    value_is_iri: bool = False
    component: str | None = None
    #: For Turtle: the value as report text (:func:`node_text`: IRI, ``_:id`` or a literal
    #: with its datatype or language); ``value`` is its lexical form for people.
    value_node: str | None = None
    #: The report section (sh:PropertyGroup IRI) and the source passage of the rule.
    group: str | None = None
    passage: str | None = None
    #: The source element described (framework title, code, name), from the framework graph.
    source_framework: str | None = None
    source_code: str | None = None
    source_name: str | None = None
    #: Against a baseline report: "new" or "unchanged".
    status: str | None = None
    #: Where in the user's own file the finding is: ``{file, sheet, row, column}`` for a
    #: workbook cell, ``{file, element, name}`` for an ArchiMate element; None for RDF input.
    location: dict[str, Any] | None = None

    @property
    def where(self) -> str | None:
        """The location as people write it: ``Customers!C7`` (a cell), ``Customers!7`` (a row),
        or the ArchiMate element's name and identifier."""
        return location_text(self.location)

    @property
    def key(self) -> tuple[str, str | None, str | None, str]:
        """What makes two findings the same (deduplication, baselines)."""
        return (self.focus_node, self.path, self.value_node or self.value, self.shape)

    def source_object(self) -> dict[str, Any] | None:
        if not self.source:
            return None
        return {
            "framework": self.source_framework,
            "code": self.source_code,
            "name": self.source_name,
            "passage": self.passage,
            "iri": self.source,
        }

    @property
    def rule(self) -> str:
        return rule_name(self.shape)

    @property
    def rule_origin(self) -> str:
        """``audit`` for the audit's own rules (kind ``audit``: a bad cell, an unknown term,
        ignored statements), which derive from no framework, so a null ``source`` is by design;
        ``framework`` for the shapes and checks, where a null ``source`` would be a gap."""
        return AUDIT_ORIGIN if self.kind == "audit" else FRAMEWORK_ORIGIN

    def to_json(self) -> dict[str, Any]:
        return {
            "focusNode": self.focus_node,
            "focusLabel": self.focus_label,
            "path": self.path,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "shape": self.shape,
            "source": self.source_object(),
            "sourceIri": self.source,
            "hint": self.hint,
            "location": self.location,
            "rule": self.rule,
            "group": self.group,
            "ruleOrigin": self.rule_origin,
        } | ({"status": self.status} if self.status else {})


def stable_blank_ids(results: list[AuditResult]) -> list[AuditResult]:
    """The findings with each blank node of the upload named ``_:n1``, ``_:n2``... in the
    order it first appears: a parser draws a blank node's id anew in every parse, so two
    reports of one model differed in every blank node (a diff of this quarter's report with
    the last showed changes where there were none). The report object keeps the parse's ids
    (they name the parsed graph's nodes); its renderings (JSON, Turtle, HTML, text) use these."""
    ids: dict[str, str] = {}

    def renamed(text: str | None) -> str | None:
        if text is None or not text.startswith("_:"):
            return text
        return ids.setdefault(text, f"_:n{len(ids) + 1}")

    return [
        replace(
            r,
            focus_node=renamed(r.focus_node) or "",
            value=renamed(r.value),
            value_node=renamed(r.value_node),
        )
        for r in results
    ]


def _framework_text(framework: dict[str, Any]) -> str:
    """``IBM Process Reference Model for IT (PRM-IT) V3``; a version the title states or the
    source does not is not repeated as one."""
    title = str(framework.get("title") or framework.get("id"))
    version = str(framework.get("version") or "")
    if not version or version in title:
        return title
    if version.lower().startswith("not stated"):
        return f"{title} (version {version[0].lower()}{version[1:]})"
    return f"{title} {version}"


@dataclass
class AuditReport:
    results: list[AuditResult] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    maturity: list[MaturityAssessment] = field(default_factory=list)
    #: Names of the audited files and the number of triples read (for text/HTML headers).
    sources: list[str] = field(default_factory=list)
    triples: int = 0
    #: Each audited file as read: ``{"name", "bytes", "sha256"}`` (JSON ``model.files``): the
    #: evidence a signed report names, so a reader can check it is the file they hold.
    files: list[dict[str, Any]] = field(default_factory=list)
    organisation: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    #: How the audit was run: the date deciding what is in force, the profile (name, rules it
    #: switched off by name, parameters), and the cap on findings listed.
    as_of: str | None = None
    #: Where ``as_of`` came from: "model" (its orgm:describedAsOf), "caller" or "today".
    as_of_source: str | None = None
    profile: str = "default"
    deactivated: list[str] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    max_findings: int = DEFAULT_MAX_FINDINGS
    #: Report sections in order ({"iri", "label", "order"}) and every rule applied
    #: ({"rule", "iri", "severity", "group", "source", "message", "rationale"}).
    groups: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    #: Against a baseline: counts of new, unchanged and resolved findings, and the resolved.
    baseline: dict[str, Any] | None = None
    #: ArchiMate elements and relationships, and workbook columns no template column reads,
    #: that the audit does not use (``{kind, identifier, name, type}``); None when there are
    #: none to list (always a list for an ArchiMate model).
    unused: list[dict[str, Any]] | None = None
    #: What the model was checked against: ``{"pcfgraph": version, "release": release id or
    #: None, "frameworks": [{"id", "title", "version", "rights"}]}`` (JSON ``checkedAgainst``).
    checked_against: dict[str, Any] = field(default_factory=dict)
    #: The sha256 of the user's own profile file (JSON ``profile.sha256``); None for a
    #: shipped profile.
    profile_sha256: str | None = None

    def unused_json(self) -> dict[str, Any]:
        """The ArchiMate elements and relationships not used by the audit, counted and listed."""
        items = self.unused or []
        return {
            "elements": sum(1 for u in items if u.get("kind") == "element"),
            "relationships": sum(1 for u in items if u.get("kind") == "relationship"),
            "columns": sum(1 for u in items if u.get("kind") == "column"),
            "items": items,
        }

    @property
    def truncated(self) -> bool:
        return len(self.results) > self.max_findings

    def shown(self) -> list[AuditResult]:
        """The findings listed: at most ``max_findings``, the most severe kept, then in group
        order (counts always cover every finding); blank nodes named as every rendering names
        them (:func:`stable_blank_ids`)."""
        if not self.truncated:
            return stable_blank_ids(self.results)
        keep = sorted(range(len(self.results)), key=lambda i: (_rank(self.results[i].severity), i))
        chosen = sorted(keep[: self.max_findings])
        return stable_blank_ids([self.results[i] for i in chosen])

    def counts_by_group(self) -> list[tuple[dict[str, Any], dict[str, int]]]:
        """Each report section with its counts by severity (sections without findings too)."""
        out: list[tuple[dict[str, Any], dict[str, int]]] = []
        known = {g["iri"] for g in self.groups}
        other = {"iri": None, "label": "Other rules", "order": 1e9}
        for group in [*self.groups, other]:
            counts = dict.fromkeys(SEVERITIES, 0)
            for r in self.results:
                in_group = r.group == group["iri"] if group["iri"] else r.group not in known
                if in_group:
                    counts[r.severity] = counts.get(r.severity, 0) + 1
            if group["iri"] or any(counts.values()):
                out.append((group, counts))
        return out

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation (warnings and infos are reported, not failures)."""
        return not any(r.severity == "Violation" for r in self.results)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITIES, 0)
        for r in self.results:
            out[r.severity] = out.get(r.severity, 0) + 1
        return out

    def counts_by_rule(self) -> list[tuple[str, str, str, int]]:
        """(rule name, shape IRI, severity, count), most severe first."""
        groups: dict[str, tuple[str, str, str, int]] = {}
        for r in self.results:
            name, shape, sev, n = groups.get(r.shape, (r.rule, r.shape, r.severity, 0))
            groups[r.shape] = (name, shape, sev, n + 1)
        return sorted(groups.values(), key=lambda g: (_rank(g[2]), g[0]))

    # --- JSON ---------------------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "conforms": self.conforms,
            "counts": self.counts,
            "results": [r.to_json() for r in self.shown()],
            "coverage": {c.key: c.to_json() for c in self.coverage},
            "maturity": [m.to_json() for m in self.maturity],
            "asOf": self.as_of,
            "asOfSource": self.as_of_source,
            "profile": {
                "name": self.profile,
                "deactivated": self.deactivated,
                "parameters": self.parameters,
                **({"sha256": self.profile_sha256} if self.profile_sha256 else {}),
            },
            "maxFindings": self.max_findings,
            "truncated": self.truncated,
            "groups": [{**g, "counts": counts} for g, counts in self.counts_by_group() if g["iri"]],
            "rules": self.rules,
        }
        if self.organisation:  # whom the report is about (each, ", "-joined, when several)
            doc["organisation"] = self.organisation
        if self.files:
            doc["model"] = {"files": self.files, "triples": self.triples}
        if self.checked_against:
            doc["checkedAgainst"] = self.checked_against
        if self.baseline is not None:
            doc["baseline"] = self.baseline
        if self.unused is not None:
            doc["notUsedByAudit"] = self.unused_json()
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False) + "\n"

    def checked_against_text(self) -> str:
        """One line naming the frameworks, release and pcfgraph version checked against."""
        against = self.checked_against
        if not against:
            return ""
        frameworks = [_framework_text(f) for f in against.get("frameworks", [])]
        return "; ".join(
            [
                *(["frameworks " + ", ".join(frameworks)] if frameworks else []),
                *([f"release {against['release']}"] if against.get("release") else []),
                *([f"rules {against['rules'][:16]}"] if against.get("rules") else []),
                *([f"pcfgraph {against['pcfgraph']}"] if against.get("pcfgraph") else []),
            ]
        )

    # --- transport (worker -> edge) -------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> AuditReport:
        return cls(
            results=[AuditResult(**r) for r in doc.get("results", [])],
            coverage=[
                Coverage(
                    key=c["key"],
                    title=c["title"],
                    root=c["root"],
                    items=[CoverageItem(**i) for i in c.get("items", [])],
                )
                for c in doc.get("coverage", [])
            ],
            maturity=[
                MaturityAssessment(
                    claim=m["claim"],
                    claim_label=m["claim_label"],
                    building_block=m["building_block"],
                    building_block_label=m["building_block_label"],
                    claimed=m["claimed"],
                    practices=[PracticeStatus(**p) for p in m.get("practices", [])],
                )
                for m in doc.get("maturity", [])
            ],
            sources=list(doc.get("sources", [])),
            triples=int(doc.get("triples", 0)),
            files=[dict(f) for f in doc.get("files", [])],
            organisation=doc.get("organisation"),
            seconds=dict(doc.get("seconds", {})),
            as_of=doc.get("as_of"),
            as_of_source=doc.get("as_of_source"),
            profile=str(doc.get("profile", "default")),
            deactivated=list(doc.get("deactivated", [])),
            parameters=dict(doc.get("parameters", {})),
            max_findings=int(doc.get("max_findings", DEFAULT_MAX_FINDINGS)),
            groups=list(doc.get("groups", [])),
            rules=list(doc.get("rules", [])),
            baseline=doc.get("baseline"),
            unused=doc.get("unused"),
            checked_against=dict(doc.get("checked_against", {})),
            profile_sha256=doc.get("profile_sha256"),
        )

    def to_turtle(self) -> str:
        from pcfgraph.audit.render_turtle import report_turtle

        return report_turtle(self)

    def to_graph(self) -> Graph:
        from pcfgraph.audit.render_turtle import report_graph

        return report_graph(self)

    def to_text(self) -> str:
        from pcfgraph.audit.render_text import report_text

        return report_text(self)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
