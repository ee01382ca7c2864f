"""What an audit of a model read from a file says of the values it read: one finding per
bad value (:func:`one_per_mistake`), and the other value of a pair a finding compares, with
its cell (:func:`with_pair_read`). Applied by :func:`pcfgraph.audit.engine.audit`, which the
CLI, ``POST /validate`` and the web audit page share."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.inputs.model import MODEL_RULES, ParsedModel
from pcfgraph.audit.report import AuditResult, location_text, node_text

#: The model-validity rules whose finding means the reader left the value out of the model (a
#: cell it could not read: not a date, not on its list, a key no row has, a formula error).
_DROPPED: Final = frozenset(
    MODEL_RULES[name].iri for name in ("bad-value", "unknown-choice", "unknown-key")
)


def one_per_mistake(results: list[AuditResult]) -> list[AuditResult]:
    """One finding per mistake: a value the reader could not read (``01/01/2025`` in a date
    column, a claimed level of 7) is a finding naming the cell and the value, and is left out
    of the model, so a shape requiring a value there (``AgreementValidFromShape``,
    ``MaturityClaimLevelShape``) found it missing too: two Violations, counted twice, for one
    bad cell. The shape's finding on that node and path with no value (the value it misses)
    is dropped; the reader's, which says what the cell holds, stays."""
    unread = {(r.focus_node, r.path) for r in results if r.shape in _DROPPED and r.path}
    if not unread:
        return results
    return [
        r
        for r in results
        if r.kind == "audit" or r.value is not None or (r.focus_node, r.path) not in unread
    ]


def with_pair_read(results: list[AuditResult], model: ParsedModel, rules: Any) -> list[AuditResult]:
    """A property-pair finding (``sh:lessThan``: a validity period that ends before it starts)
    names its focus's value of the path and that value's cell; the other date was read from
    another cell, unsaid (45000 in a date-formatted Valid until reads as 2023-03-15, as Excel
    shows it, and only "[2025-01-01] must start before it ends" was reported). The message
    now says what was read there and from where, for a model read from a file (a workbook's
    cell, an ArchiMate element)."""
    pairs = {
        str(s): str(o)
        for s, p, o in getattr(rules, "all_shape_triples", ())
        if p in (iris.SH.lessThan, iris.SH.lessThanOrEquals)
    }
    wanted = {
        (r.focus_node, pairs[r.shape])
        for r in results
        if r.shape in pairs and (r.focus_node, pairs[r.shape]) in model.sources.cells
    }
    if not wanted:
        return results
    read: dict[tuple[str, str], list[str]] = {}
    for t in model.triples:  # one pass, for the findings' own nodes
        key = (node_text(t.subject) or "", t.predicate.value)
        if key in wanted and isinstance(t.object, ox.Literal | ox.NamedNode):
            read.setdefault(key, []).append(t.object.value)
    out = []
    for r in results:
        key = (r.focus_node, pairs.get(r.shape, ""))
        if key in wanted:
            other = key[1]
            name = "orgm:" + other[len(iris.ORGM) :] if other.startswith(iris.ORGM) else other
            values = ", ".join(sorted(read.get(key, []))) or "nothing"
            where = location_text(model.sources.cells[key])
            r = replace(r, message=f"{r.message} {name} was read as {values} from {where}.")
        out.append(r)
    return out
