"""The audit report model and its JSON, Turtle (``sh:ValidationReport``) and text renderings.

The JSON document has exactly the keys ``conforms``, ``counts`` (by severity), ``results``
(each with ``focusNode``, ``focusLabel``, ``path``, ``value``, ``severity``, ``message``,
``shape``, ``source``, ``hint``), ``coverage`` and ``maturity``. A report round-trips through
:meth:`AuditReport.to_dict` / :meth:`AuditReport.from_dict` (the worker sandbox returns dicts).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from pcfgraph import iris
from pcfgraph.validation import to_rdflib

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
    "hint",
    "location",
)


# --- RDF terms as text ---------------------------------------------------------------------
#
# A report names nodes as text: an IRI as itself, a blank node as ``_:id``, a literal in its
# N-Triples form (``"fast"``, ``"99.5"^^<http://www.w3.org/2001/XMLSchema#decimal>``,
# ``"Payroll"@en``). The three never collide: an IRI never starts with ``"`` or ``_:``. A
# literal is a legal SHACL focus node (``sh:targetObjectsOf`` a property given a literal
# object), so every consumer of ``focusNode`` must expect one.


def node_text(term: object) -> str | None:
    """An rdflib or pyoxigraph term as report text (see above); None for no term."""
    if term is None:
        return None
    if isinstance(term, Literal):
        dt = term.datatype
        return literal_text(str(term), None if dt is None else str(dt), term.language or None)
    if isinstance(term, ox.Literal):
        return literal_text(term.value, term.datatype.value, term.language)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)


def literal_text(lexical: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal in N-Triples form; ``xsd:string`` (and a language string's datatype) is
    left implicit."""
    quoted = '"' + lexical.translate(_ESCAPES) + '"'
    if language:
        return f"{quoted}@{language}"
    if datatype and datatype not in (_XSD_STRING, _LANG_STRING):
        return f"{quoted}^^<{datatype}>"
    return quoted


def is_literal_text(text: str) -> bool:
    """Whether report text names a literal (an IRI or ``_:id`` never starts with ``"``)."""
    return text.startswith('"')


def ox_literal_of(text: str) -> ox.Literal | None:
    """The pyoxigraph literal named by its N-Triples form; None when the text is not one."""
    try:
        triple = next(
            iter(
                ox.parse(
                    input=f"<urn:x:s> <urn:x:p> {text} .".encode(),
                    format=ox.RdfFormat.N_TRIPLES,
                )
            )
        )
    except (SyntaxError, ValueError, StopIteration):
        return None
    return triple.object if isinstance(triple.object, ox.Literal) else None


def literal_of(text: str) -> Literal:
    """The rdflib literal named by its N-Triples form; text that does not parse as one is
    taken as a plain string (never an error: this reads reports, not uploads)."""
    obj = ox_literal_of(text)
    if obj is None:
        return Literal(text)
    term = to_rdflib(obj)
    assert isinstance(term, Literal)
    return term


def node_of(text: str, bnodes: dict[str, BNode]) -> URIRef | BNode | Literal:
    """The rdflib term named by report text; ``bnodes`` keeps one blank node per ``_:id``."""
    if is_literal_text(text):
        return literal_of(text)
    if text.startswith("_:"):
        return bnodes.setdefault(text, BNode())
    return URIRef(text)


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
    #: Where in the user's own file the finding is: ``{file, sheet, row, column}`` for a
    #: workbook cell, ``{file, element, name}`` for an ArchiMate element; None for RDF input.
    location: dict[str, Any] | None = None

    @property
    def where(self) -> str | None:
        """The location as people write it: ``Customers!C7`` (a cell), ``Customers!7`` (a row),
        or the ArchiMate element's name and identifier."""
        return location_text(self.location)

    @property
    def rule(self) -> str:
        from pcfgraph.audit.rules import rule_name

        return rule_name(self.shape)

    def to_json(self) -> dict[str, Any]:
        return {
            "focusNode": self.focus_node,
            "focusLabel": self.focus_label,
            "path": self.path,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "shape": self.shape,
            "source": self.source,
            "hint": self.hint,
            "location": self.location,
        }


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


@dataclass
class CoverageItem:
    element: str
    notation: str
    label: str
    level: int
    implemented_by: list[str] = field(default_factory=list)
    implemented_labels: list[str] = field(default_factory=list)


@dataclass
class Coverage:
    """Coverage of one framework subtree (APQC PCF 8.1, PRM-IT A2)."""

    key: str
    title: str
    root: str
    items: list[CoverageItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> list[CoverageItem]:
        return [i for i in self.items if i.implemented_by]

    @property
    def missing(self) -> list[CoverageItem]:
        return [i for i in self.items if not i.implemented_by]

    @property
    def percent(self) -> float:
        return round(100.0 * len(self.covered) / self.total, 1) if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "root": self.root,
            "total": self.total,
            "covered": len(self.covered),
            "percent": self.percent,
            "implemented": [
                {
                    "element": i.element,
                    "notation": i.notation,
                    "label": i.label,
                    "implementedBy": i.implemented_by,
                }
                for i in self.covered
            ],
            "missing": [
                {"element": i.element, "notation": i.notation, "label": i.label}
                for i in self.missing
            ],
        }


@dataclass
class PracticeStatus:
    practice: str
    notation: str
    label: str
    level: int
    evidenced: bool


@dataclass
class MaturityAssessment:
    claim: str
    claim_label: str
    building_block: str
    building_block_label: str
    claimed: int | None
    practices: list[PracticeStatus] = field(default_factory=list)

    @property
    def achieved(self) -> int:
        """The highest level L (1-5) such that every practice of levels 2..L has evidence."""
        achieved = 1
        for level in range(2, 6):
            if any(p.level == level and not p.evidenced for p in self.practices):
                break
            achieved = level
        return achieved

    @property
    def missing_evidence(self) -> list[PracticeStatus]:
        """Practices of levels 2..claimed without evidence (what keeps the claim from holding)."""
        top = self.claimed or 0
        return [p for p in self.practices if 2 <= p.level <= top and not p.evidenced]

    @property
    def holds(self) -> bool:
        return self.claimed is not None and self.claimed <= self.achieved

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "claimLabel": self.claim_label,
            "buildingBlock": self.building_block,
            "buildingBlockLabel": self.building_block_label,
            "claimedLevel": self.claimed,
            "achievedLevel": self.achieved,
            "holds": self.holds,
            "missingEvidence": [
                {"practice": p.practice, "notation": p.notation, "label": p.label, "level": p.level}
                for p in self.missing_evidence
            ],
        }


@dataclass
class AuditReport:
    results: list[AuditResult] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    maturity: list[MaturityAssessment] = field(default_factory=list)
    #: Names of the audited files and the number of triples read (for text/HTML headers).
    sources: list[str] = field(default_factory=list)
    triples: int = 0
    organisation: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    #: ArchiMate elements and relationships the audit does not use (``{kind, identifier,
    #: name, type}``); None when the model was not an ArchiMate model.
    unused: list[dict[str, Any]] | None = None

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
        return {
            "conforms": self.conforms,
            "counts": self.counts,
            "results": [r.to_json() for r in self.results],
            "coverage": {c.key: c.to_json() for c in self.coverage},
            "maturity": [m.to_json() for m in self.maturity],
            **({"notUsedByAudit": self.unused_json()} if self.unused is not None else {}),
        }

    def unused_json(self) -> dict[str, Any]:
        """The ArchiMate elements and relationships not used by the audit, counted and listed."""
        items = self.unused or []
        return {
            "elements": sum(1 for u in items if u.get("kind") == "element"),
            "relationships": sum(1 for u in items if u.get("kind") == "relationship"),
            "items": items,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False) + "\n"

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
            organisation=doc.get("organisation"),
            seconds=dict(doc.get("seconds", {})),
            unused=doc.get("unused"),
        )

    # --- Turtle (standard SHACL validation report) --------------------------------------

    def to_graph(self) -> Graph:
        sh = iris.SH
        g = Graph()
        g.bind("sh", sh)
        g.bind("orgm", iris.ORGM)
        g.bind("shp", iris.SH_PCF)
        report = BNode()
        g.add((report, RDF.type, sh.ValidationReport))
        g.add((report, sh.conforms, Literal(self.conforms)))
        bnodes: dict[str, BNode] = {}
        for r in self.results:
            node = BNode()
            g.add((report, sh.result, node))
            g.add((node, RDF.type, sh.ValidationResult))
            g.add((node, sh.focusNode, node_of(r.focus_node, bnodes)))
            if r.path:
                g.add((node, sh.resultPath, _path_node(g, r.path)))
            if r.value_node is not None:
                g.add((node, sh.value, node_of(r.value_node, bnodes)))
            elif r.value is not None:
                if r.value_is_iri:
                    g.add((node, sh.value, URIRef(r.value)))
                else:
                    g.add((node, sh.value, Literal(r.value)))
            g.add((node, sh.resultSeverity, sh[r.severity]))
            g.add((node, sh.resultMessage, Literal(r.message, lang="en")))
            g.add((node, sh.sourceShape, URIRef(r.shape)))
            g.add(
                (
                    node,
                    sh.sourceConstraintComponent,
                    URIRef(r.component) if r.component else sh.SPARQLConstraintComponent,
                )
            )
            if r.source:
                g.add((node, iris.DCTERMS.source, URIRef(r.source)))
            if r.hint:
                g.add((node, iris.ORGM.remediationHint, Literal(r.hint, lang="en")))
            if r.focus_label:
                g.add((node, iris.ORGM.focusLabel, Literal(r.focus_label)))
        return g

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")

    # --- text -----------------------------------------------------------------------------

    def to_text(self) -> str:
        lines: list[str] = []
        if self.sources:
            lines.append(f"audit of {', '.join(self.sources)} ({self.triples} triples)")
            lines.append("")
        for name, shape, severity, _n in self.counts_by_rule():
            lines.append(f"{severity} {name}")
            for r in self.results:
                if r.shape != shape:
                    continue
                where = f"  {r.focus_label}"
                if r.where:
                    where += f" ({r.where})"
                if r.value is not None:
                    where += f"  [{_short(r.value)}]"
                lines.append(f"{where}: {r.message}")
            lines.append("")
        for c in self.coverage:
            lines.append(
                f"coverage {c.title}: {len(c.covered)}/{c.total} ({c.percent:.1f} %)"
                + (f"; missing {', '.join(i.notation for i in c.missing)}" if c.missing else "")
            )
        for m in self.maturity:
            miss = ", ".join(p.notation for p in m.missing_evidence)
            lines.append(
                f"maturity {m.claim_label} ({m.building_block_label}): claimed {m.claimed}, "
                f"achieved {m.achieved}" + (f"; missing evidence: {miss}" if miss else "")
            )
        if self.unused is not None:
            u = self.unused_json()
            lines.append(
                f"not used by the audit: {u['elements']} elements, "
                f"{u['relationships']} relationships"
            )
            for item in self.unused:
                lines.append(
                    f"  {item.get('type')} {item.get('identifier')}"
                    + (f" {item.get('name')!r}" if item.get("name") else "")
                )
        counts = ", ".join(f"{n} {s.lower()}" for s, n in self.counts.items())
        lines.append("")
        lines.append(f"{'conforms' if self.conforms else 'does not conform'}: {counts}")
        return "\n".join(lines) + "\n"


def _path_node(g: Graph, path: str) -> URIRef | BNode:
    """A SHACL property path from its text form (``p``, ``^p``, ``p1/p2``)."""
    from rdflib.collection import Collection

    steps = _split_path(path)
    if len(steps) > 1:
        head = BNode()
        Collection(g, head, [_path_node(g, step) for step in steps])
        return head
    if path.startswith("^"):
        inv = BNode()
        g.add((inv, iris.SH.inversePath, _path_node(g, path[1:])))
        return inv
    return URIRef(path)


def _split_path(path: str) -> list[str]:
    """Split ``p1/p2`` on the separator between IRIs (IRIs themselves contain slashes)."""
    import re

    return re.split(r"/(?=\^?https?://)", path)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
