"""What a model reader returns: triples, where each node came from, and model-validity findings.

A spreadsheet or ArchiMate reader knows where in the user's file each node and statement came
from; :class:`SourceMap` keeps that so every finding can name its cell (``Customers!C7``) or
element. Bad input inside a readable file (a date that is not a date, a key that does not
exist) is a *finding* of the model-validity group (:data:`MODEL_RULES`), never an exception.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit import model_date
from pcfgraph.audit.report import AuditResult, node_text
from pcfgraph.audit.rules import Rule
from pcfgraph.errors import InputError

#: The rule group every model-validity finding belongs to (the audit's own rules).
GROUP = "model-validity"


def _rule(name: str, message: str, hint: str, rationale: str, severity: str = "Violation") -> Rule:
    """A rule written in code; ``rationale`` is why an auditor cares, and so why it has its
    severity (``pcfgraph audit --explain``, ``/shapes``), as a shape's
    ``orgm:severityRationale``."""
    return Rule(
        iri=str(iris.audit_rule(f"{GROUP}-{name}")),
        name=f"audit/{GROUP}-{name}",
        kind="audit",
        severity=severity,
        message=message,
        source=None,
        passage=None,
        hint=hint,
        rationale=f"{severity}: {rationale}",
    )


MODEL_RULES: dict[str, Rule] = {
    "bad-value": _rule(
        "bad-value",
        "A value in the model is not of the kind its field needs (a date, a number).",
        "Enter the value in the form the column note asks for (numbers with a point before the "
        "decimals and no % sign or thousands separator, dates as YYYY-MM-DD).",
        "a value the model states cannot be read, so it is not in the audited model: every rule "
        "that needs it sees nothing, and the model does not say what its author meant.",
    ),
    "unknown-key": _rule(
        "unknown-key",
        "A reference names a key that no row of the model has.",
        "Use the key of an existing row (column A of the sheet it refers to), or add that row.",
        "the relationship the reference states is not in the audited model: the rules that need "
        "it (a customer's team, an agreement's services) cannot see it.",
    ),
    "unknown-choice": _rule(
        "unknown-choice",
        "A value is not one of the values its drop-down list allows.",
        "Pick the value from the drop-down list.",
        "a value outside its list has no agreed meaning (a maturity level of 7, a kind nobody "
        "defined): it is not in the audited model and the rules that need it cannot see it.",
    ),
    "duplicate-key": _rule(
        "duplicate-key",
        "Two rows use the same key; a key names one thing.",
        "Give each row its own key.",
        "only the first row of a key is read: what the other rows state is not audited, and "
        "references to the key may mean either row.",
    ),
    "hidden-in-excel": _rule(
        "hidden-in-excel",
        "Rows or sheets of the workbook are hidden in Excel; they were read and audited like "
        "the others, so findings may name rows nobody sees there.",
        "Unhide them (Home > Format > Hide & Unhide) to review what was audited, or delete "
        "what should not be part of the model.",
        "nothing is wrong with the model, but what was audited includes what Excel does not "
        "show: the auditor should know the report covers more than the visible sheets.",
        severity="Info",
    ),
    "merged-cells": _rule(
        "merged-cells",
        "A cell merged down over rows keeps its value in its top-left cell only; each row of "
        "the range with values of its own was read with that value, as the workbook shows it.",
        "If a row has a value of its own, unmerge the cells (Home > Merge & Center) and type "
        "each row's value.",
        "nothing need be wrong, but the model states for these rows what no cell of theirs "
        "holds: the auditor should know which statements were copied, and from where.",
        severity="Info",
    ),
    "unknown-term": _rule(
        "unknown-term",
        "The model uses a term the vocabulary or the frameworks do not define (a mistyped class "
        "or property, or a framework code that does not exist); a rule that needs it cannot see it.",
        "Correct the spelling to a defined term (see the suggestion).",
        "a statement with a term nothing defines is invisible to every rule: the model may look "
        "conforming only because the rule that would have failed never saw it.",
    ),
    "described-as-of-not-organisation": _rule(
        "described-as-of-not-organisation",
        "The day a model describes (orgm:describedAsOf) is stated on a node that is not the "
        "audited organisation; the audit did not take it as the model's day.",
        "State orgm:describedAsOf on the organisation (the node typed orgm:Organisation), or "
        "remove it from this node.",
        "only the organisation's day decides which agreements are in force when the audit is "
        "given no date; a day written elsewhere was not used, and its author may believe it was.",
        severity="Warning",
    ),
}


@dataclass
class SourceMap:
    """Where nodes and statements came from in the user's files.

    ``nodes``: node (report text) -> location of the row or element that made it.
    ``cells``: (node, predicate IRI) -> location of the cell that made the statement.
    """

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    cells: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: (sheet, predicate IRI) -> column letter: where a statement the row lacks belongs.
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def update(self, other: SourceMap) -> None:
        for k, v in other.nodes.items():
            self.nodes.setdefault(k, v)
        for kc, vc in other.cells.items():
            self.cells.setdefault(kc, vc)
        for kk, vk in other.columns.items():
            self.columns.setdefault(kk, vk)

    def locate(self, result: AuditResult) -> AuditResult:
        """The result with its location (the cell of its path, else its node's row)."""
        if result.location is not None or not (self.nodes or self.cells):
            return result
        where = None
        if result.path and not result.path.startswith("^"):
            where = self.cells.get((result.focus_node, result.path))
        if where is None:
            where = self.nodes.get(result.focus_node)
            if where and result.path and "sheet" in where:
                # a statement the row lacks: the cell of its column in that row
                letter = self.columns.get((where["sheet"], result.path))
                if letter:
                    where = {**where, "column": letter}
        if not where:
            return result
        if "element" in where:  # an ArchiMate element: the remedy in ArchiMate's terms too
            from pcfgraph.audit.inputs.archimate_hints import archimate_hint

            file = str(where.get("file") or "")
            hint = archimate_hint(result.rule, result.hint, result.focus_node, file)
            return replace(result, location=dict(where), hint=hint)
        return replace(result, location=dict(where))


@dataclass
class ParsedModel:
    """A model read from one or more files: its triples, the statements it may not make
    (about pcfgraph's own IRIs), model-validity findings and where everything came from.

    Unpacks as ``(triples, ignored)`` for callers that only need those."""

    #: Triples, or default-graph quads as pyoxigraph's parsers give them.
    triples: list[ox.Triple | ox.Quad] = field(default_factory=list)
    ignored: list[ox.Triple | ox.Quad] = field(default_factory=list)
    findings: list[AuditResult] = field(default_factory=list)
    sources: SourceMap = field(default_factory=SourceMap)
    #: ArchiMate elements and relationships the mapping does not use, and workbook columns no
    #: template column reads (the report lists them); None when there are none to list.
    unused: list[dict[str, Any]] | None = None
    #: The kinds of file the model was read from (:attr:`ReadResult.kind`).
    kinds: set[str | None] = field(default_factory=set)
    #: The day the model says it describes (``orgm:describedAsOf``), None when it states none.
    described_as_of: date | None = None
    #: The refusal of a model stating more than one day (:func:`pcfgraph.audit.model_date.
    #: model_day`), made only when the audit is given no date of its own: given one, the
    #: model's days decide nothing, and two on the organisation are a finding of their own.
    days_refusal: InputError | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.triples, self.ignored))


@dataclass
class ReadResult:
    """One file's reading: its triples, findings, source map and unused ArchiMate items."""

    triples: Sequence[ox.Triple | ox.Quad] = field(default_factory=list)
    findings: list[AuditResult] = field(default_factory=list)
    sources: SourceMap = field(default_factory=SourceMap)
    unused: list[dict[str, Any]] | None = None
    #: ``workbook`` (the template), ``archimate`` (exchange format or Archi's), None (RDF).
    kind: str | None = None


def finding(
    rule: str,
    focus: ox.NamedNode | ox.BlankNode | str,
    detail: str,
    *,
    label: str = "",
    path: str | None = None,
    value: str | None = None,
    location: dict[str, Any] | None = None,
) -> AuditResult:
    """A model-validity finding; ``detail`` says exactly what is wrong (and what was meant)."""
    r = MODEL_RULES[rule]
    focus_text = focus if isinstance(focus, str) else (node_text(focus) or "")
    return AuditResult(
        focus_node=focus_text,
        focus_label=label,
        path=path,
        value=value,
        severity=r.severity,
        message=detail or r.message,
        shape=r.iri,
        source=None,
        hint=r.hint,
        kind="audit",
        location=location,
    )


def not_on_organisation(
    files: Sequence[tuple[str, Sequence[ox.Triple | ox.Quad]]], audited: set[model_date.Subject]
) -> list[AuditResult]:
    """A Warning for each ``orgm:describedAsOf`` on a node that is not the audited
    organisation: the audit did not take it as the model's day, and says so."""
    out = []
    for name, said in files:
        for t in said:
            if t.subject in audited or not isinstance(t.subject, ox.NamedNode | ox.BlankNode):
                continue
            value = t.object.value if isinstance(t.object, ox.Literal) else str(t.object)
            out.append(
                finding(
                    "described-as-of-not-organisation",
                    t.subject,
                    f"{name} states orgm:describedAsOf {value!r} on a node that is not the "
                    "audited organisation (no orgm:Organisation): the audit did not take it as "
                    "the day the model describes",
                    path=str(model_date.DESCRIBED_AS_OF.value),
                    value=value,
                )
            )
    return out


def unused_summary(unused: Sequence[dict[str, Any]]) -> str:
    """One line accounting for the ArchiMate elements and relationships a model reading did not
    map, counted by type (most frequent first): what ``pcfgraph convert`` leaves out."""

    def part(kind: str) -> str:
        counts = Counter(str(u.get("type") or "?") for u in unused if u.get("kind") == kind)
        total = sum(counts.values())
        by_type = ", ".join(
            f"{n} {t}" for t, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
        )
        if kind == "column":  # named, not typed
            by_type = ", ".join(
                f"{u.get('identifier')} {u.get('name')!r}" for u in unused if u.get("kind") == kind
            )
        return f"{total} {kind}{'' if total == 1 else 's'}" + (f" ({by_type})" if by_type else "")

    kinds = ["element", "relationship"] if any(u.get("kind") != "column" for u in unused) else []
    if any(u.get("kind") == "column" for u in unused):
        kinds.append("column")
    return f"not mapped (not used by the audit): {'; '.join(part(k) for k in kinds)}"


def no_organisation(what: str, model: ParsedModel) -> str:
    """Why a model in which nothing is an ``orgm:Organisation`` is refused, and first what to
    add, in the terms of the kind of file it came in: the ArchiMate ``Kind`` property, the
    workbook's Organisation sheet, the RDF statement. The RDF statement came first for every
    model: an architect read ``:it a orgm:Organisation`` before what to set in Archi, and a
    workbook with a column of its own was told about ArchiMate business actors."""
    hints = []
    if "archimate" in model.kinds:
        actors = [
            str(u.get("name") or u.get("identifier"))
            for u in model.unused or []
            if u.get("type") == "BusinessActor"
        ]
        named = ", ".join(repr(a) for a in actors[:8]) + (
            f" and {len(actors) - 8} more" if len(actors) > 8 else ""
        )
        hints.append(
            "give the audited organisation's business actor the property Kind = Organisation "
            "(in Archi: Properties, name Kind, value Organisation), or compose (or aggregate) "
            "its units in it"
            + (
                f" (business actors not mapped: {named})"
                if actors
                else " (each business actor of the model is mapped as something else)"
            )
        )
    if "workbook" in model.kinds:
        hints.append(
            "on the workbook's Organisation sheet, add a row of Kind 'Audited organisation'"
        )
    if None in model.kinds or not model.kinds:
        hints.append(
            "in RDF, state the audited organisation, e.g. `:it a orgm:Organisation` (nothing "
            "is an orgm:Organisation)"
        )
    return f"{what}: the model describes no organisation: {'; or '.join(hints)}"
