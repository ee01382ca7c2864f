"""What the rule engine works with: rules (a shape or a check, and what a report says about
it), checks, report sections, and the one kind of finding both engines produce."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pcfgraph.queries import NamedQuery
from pcfgraph.rules.terms import is_literal_text, literal_lexical

SEVERITIES: Final = ("Violation", "Warning", "Info")


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
    #: Hints for the results of one constraint component of the shape (component IRI, hint)
    #: where :attr:`hint` is about another: a datatype result's hint (how to write the value)
    #: and the shape's ``orgm:componentHint``.
    component_hints: tuple[tuple[str, str], ...] = ()

    def hint_for(self, component: str | None) -> str | None:
        """The hint of a result of ``component``: its own if the rule has one, else
        :attr:`hint`."""
        for iri, hint in self.component_hints:
            if iri == component:
                return hint
        return self.hint


@dataclass(frozen=True)
class RuleGroup:
    """A report section (``sh:PropertyGroup``): model validity, then the control areas."""

    iri: str
    label: str
    order: float


@dataclass(frozen=True)
class Check:
    """A SPARQL ``*-violation.rq`` check: every row it selects is a finding."""

    query: NamedQuery
    rule: Rule
    #: The shape this check evaluates (``# shape:``), or None for a rule of its own.
    shape: str | None = None
    #: The shape's sh:path as text (set when the rule set is loaded), for its results.
    path: str | None = None


@dataclass(frozen=True)
class Finding:
    """One result of one rule on one focus node, from either engine (a SHACL validation
    result or a check's row)."""

    #: The focus node as report text (:func:`~pcfgraph.rules.terms.node_text`): an IRI,
    #: ``_:id``, or a literal in N-Triples form.
    focus_node: str
    severity: str
    message: str
    #: ``shapes/<ShapeName>`` for a SHACL result, the check's query name for a check.
    rule: str
    #: The IRI of the SHACL shape (sh:sourceShape), or the check's rule.
    source_shape: str
    #: The property path as text (``^p`` inverse, ``p1/p2`` sequence).
    path: str | None = None
    #: The value as people read it (IRI, ``_:id``, a literal's lexical form) and its kind
    #: (``iri``, ``bnode`` or ``literal``); ``value_node`` is its report text.
    value: str | None = None
    value_type: str | None = None
    value_node: str | None = None
    #: "shacl" (a shape, also when a check evaluates it) or "check" (a rule of its own).
    kind: str = "shacl"
    #: The SHACL constraint component (sh:sourceConstraintComponent), when known.
    component: str | None = None
    #: The source a check's row cites (``?source``), when it cites one.
    source: str | None = None
    #: A readable name of the focus node (the framework's skos:notation), when known.
    focus_label: str | None = None
    #: Where the focus node was read from, when known: ``FILE, line N`` of the SSSOM row
    #: of a curated mapping record (``pcfgraph validate`` of a graph it assembled).
    where: str | None = None

    @property
    def focus(self) -> str:
        """The focus node as people read it: an IRI, ``_:id``, or a literal's lexical form."""
        return (
            literal_lexical(self.focus_node)
            if is_literal_text(self.focus_node)
            else self.focus_node
        )

    def to_dict(self) -> dict[str, Any]:
        """The finding as ``pcfgraph validate --format json`` lists it."""
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
            "where": self.where,
        }
