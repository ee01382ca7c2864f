"""Auditing an organisational model: parse, validate, check, label, coverage, maturity (the
run; rules in :mod:`.ruleset`, engines in :mod:`.findings`, labels in :mod:`.labels`, coverage
and maturity in :mod:`.coverage`).

The data graph is the upload PLUS the ontology and framework graphs of the served release
(never the mapping graphs), so rules like "an observation refers to an existing APQC measure"
(``sh:class pcfg:Measure``) can only be satisfied by elements that really exist. Statements the
upload makes about pcfgraph's own IRIs are dropped first (see
:func:`pcfgraph.audit.parse.split_framework_statements`) and reported as warnings.

Engines: core SHACL by pySHACL (no inference, no owl:imports, no SHACL-SPARQL, no JS);
node-comparing checks by pyoxigraph on a throw-away store holding the same data. Nothing from the
upload is ever executed: shapes or SPARQL inside it are just data.

Fixed costs are paid once per :class:`AuditContext` (per served release or worker), not per
audit: the shapes are parsed once and every validation gets its own fresh graph built from the
parsed triples (pySHACL mutates the shapes graph it is given, pySHACL#314, so one graph is never
shared); the checks are read once; pySHACL is imported; and the framework triples pySHACL needs
are selected once (:func:`shacl_framework_subset`). The pyoxigraph store used by the checks and
the report keeps the whole ontology and framework graphs (labels, levels, notations).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from pcfgraph.audit.coverage import coverage, default_coverage_roots, maturity
from pcfgraph.audit.findings import (
    IGNORED_RULE,
    _ignored_results,
    _IriNames,
    data_graph,
    run_check,
    run_shacl,
)
from pcfgraph.audit.inputs.model import ParsedModel
from pcfgraph.audit.inputs.terms import model_findings
from pcfgraph.audit.labels import Labeller, focus_units
from pcfgraph.audit.parse import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TRIPLES,
    Upload,
    read_model,
)
from pcfgraph.audit.report import AuditReport, AuditResult
from pcfgraph.audit.ruleset import (
    AuditContext,
    RuleSet,
    observed_predicates,
    shacl_framework_subset,
)
from pcfgraph.audit.terms import UPLOAD_GRAPH, Triple, _triple
from pcfgraph.store import EmbeddedStore

__all__ = [
    "IGNORED_RULE",
    "UPLOAD_GRAPH",
    "AuditContext",
    "Labeller",
    "Limits",
    "RuleSet",
    "Triple",
    "_IriNames",
    "_triple",
    "audit",
    "audit_triples",
    "coverage",
    "data_graph",
    "default_coverage_roots",
    "gc_paused",
    "maturity",
    "observed_predicates",
    "parse_uploads",
    "run_check",
    "run_shacl",
    "shacl_framework_subset",
]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_triples: int = DEFAULT_MAX_TRIPLES


# --- the audit ---------------------------------------------------------------------------------


def parse_uploads(uploads: Sequence[Upload], limits: Limits) -> ParsedModel:
    """The model in the uploads, any format (:func:`pcfgraph.audit.parse.read_model`); unpacks
    as ``(triples, ignored)``."""
    parsed = read_model(uploads, max_bytes=limits.max_bytes, max_triples=limits.max_triples)
    return cast(ParsedModel, parsed)


def audit(
    uploads: Sequence[Upload],
    context: AuditContext,
    *,
    limits: Limits | None = None,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    parsed: ParsedModel | tuple[list[ox.Triple], list[ox.Triple]] | None = None,
) -> AuditReport:
    """Audit one organisational model given as one or more files.

    ``parsed``: the result of :func:`parse_uploads` on the same uploads, when the caller has
    parsed them already (the CLI does, to fail fast on bad input); they are not parsed twice.
    """
    limits = limits or Limits()
    seconds: dict[str, float] = {}
    with gc_paused():
        started = time.perf_counter()
        model = parsed if parsed is not None else parse_uploads(uploads, limits)
        triples, ignored = model
        seconds["parse"] = time.perf_counter() - started
        report = audit_triples(triples, context, shapes=shapes, checks=checks, seconds=seconds)
    report.results.extend(_ignored_results(ignored))
    if isinstance(model, ParsedModel):
        report.results = model_findings(report, model, context)
    report.results.sort(key=_sort_key)
    report.sources = [u.name for u in uploads]
    return report


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block.

    An audit allocates millions of small objects that live until it ends (terms, index sets,
    pySHACL's results); every few thousand allocations the collector scans them all again,
    which doubled the time to build the data graph and made it vary from run to run. Nothing
    is freed late by pausing except reference cycles, which the collector finds once it runs
    again. The state is restored as found (an outer pause stays in force)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def audit_triples(
    triples: Sequence[ox.Triple],
    context: AuditContext,
    *,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    seconds: dict[str, float] | None = None,
) -> AuditReport:
    seconds = seconds if seconds is not None else {}
    ruleset = context.rules if shapes is None and checks is None else RuleSet.load(shapes, checks)
    framework = (
        context.shacl_triples
        if ruleset is context.rules
        else shacl_framework_subset(context.quads, ruleset)
    )
    started = time.perf_counter()
    store = ox.Store()
    store.extend(context.quads)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, UPLOAD_GRAPH) for t in triples)
    data = data_graph(framework, triples, ruleset.observed_predicates)
    seconds["load"] = time.perf_counter() - started

    started = time.perf_counter()
    results = run_shacl(data, ruleset.shapes_graph(), ruleset.rules)
    seconds["shacl"] = time.perf_counter() - started

    started = time.perf_counter()
    embedded = EmbeddedStore(store)
    for check in ruleset.checks:
        results.extend(run_check(embedded, check))
    seconds["checks"] = time.perf_counter() - started

    started = time.perf_counter()
    labeller = Labeller(store)
    units = focus_units(embedded, labeller)
    results = [labeller.annotate(r, units) for r in results]
    results.sort(key=_sort_key)
    report = AuditReport(results=results, triples=len(triples))
    report.coverage = coverage(embedded, context.coverage_roots)
    report.maturity = maturity(embedded, labeller)
    report.organisation = labeller.organisation()
    seconds["report"] = time.perf_counter() - started
    report.seconds = seconds
    return report


def _sort_key(r: AuditResult) -> tuple[Any, ...]:
    from pcfgraph.audit.report import _rank

    return (_rank(r.severity), r.unit_label or "~", r.focus_label, r.rule, r.value or "")
