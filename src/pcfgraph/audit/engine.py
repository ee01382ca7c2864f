"""Auditing an organisational model: parse, validate, check, label, coverage, maturity (the
run; rules in :mod:`.ruleset`, engines in :mod:`.findings`, labels in :mod:`.labels`, coverage
and maturity in :mod:`.coverage`).

The data graph is the upload PLUS the ontology and framework graphs of the served release
(never the mapping graphs), so rules like "an observation refers to an existing APQC measure"
(``sh:class pcfg:Measure``) can only be satisfied by elements that really exist. Statements the
upload makes about pcfgraph's own IRIs are dropped first (see
:func:`pcfgraph.audit.parse.split_framework_statements`) and reported as warnings.

Engines: core SHACL by pySHACL (no inference, no owl:imports, no SHACL-SPARQL, no JS);
node-comparing checks by pyoxigraph on a store holding the same data (the context's framework
store, :mod:`.framework_store`, with the upload added for the audit only). Nothing from the
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
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.coverage import coverage, default_coverage_roots, maturity
from pcfgraph.audit.findings import (
    IGNORED_RULE,
    _ignored_results,
    _IriNames,
    data_graph,
    rules_applied,
    run_check,
    run_shacl,
)
from pcfgraph.audit.framework_store import framework_store
from pcfgraph.audit.inputs.model import ParsedModel
from pcfgraph.audit.inputs.terms import located_findings, own_findings
from pcfgraph.audit.labels import Labeller, focus_units
from pcfgraph.audit.model_date import audit_day
from pcfgraph.audit.parse import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TRIPLES,
    Upload,
    read_model,
)
from pcfgraph.audit.profiles import Profile, load_profile
from pcfgraph.audit.read_findings import one_per_mistake, with_pair_read
from pcfgraph.audit.report import DEFAULT_MAX_FINDINGS, AuditReport, AuditResult
from pcfgraph.audit.report_order import sort_key
from pcfgraph.audit.rules import rule_name, rules_digest
from pcfgraph.audit.ruleset import (
    AuditContext,
    RuleSet,
    observed_predicates,
    shacl_framework_subset,
)
from pcfgraph.audit.shacl_process import ShaclRun, drop_in_child
from pcfgraph.audit.terms import UPLOAD_GRAPH, Triple, _query, _triple
from pcfgraph.heap import give_back_free_memory
from pcfgraph.store import EmbeddedStore

_XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
_PRICE_RULE = str(iris.SH_PCF.ServicePriceShape)

__all__ = [
    "IGNORED_RULE",
    "UPLOAD_GRAPH",
    "AuditContext",
    "AuditOptions",
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
    "deduplicated",
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


def days_refused(model: ParsedModel, as_of: date | None) -> None:
    """Refuse a model stating more than one day it describes, when the audit is given no
    date of its own to judge on (given one, the model's days decide nothing: two on the
    organisation are ``OrganisationDescribedAsOfShape``'s finding)."""
    if as_of is None and model.days_refusal is not None:
        raise model.days_refusal


@dataclass(frozen=True)
class AuditOptions:
    """How an audit is run (``pcfgraph audit`` options, ``POST /validate`` parameters)."""

    #: The date deciding which agreements are in force and which periods have ended.
    as_of: date | None = None
    #: A shipped profile name or a Turtle file (see :mod:`pcfgraph.audit.profiles`).
    profile: str | None = None
    max_findings: int = DEFAULT_MAX_FINDINGS
    #: pySHACL in a forked child where that is safe (the ``audit_fork`` setting).
    fork_shacl: bool = True
    #: The id of the release audited against, named in the report (``checkedAgainst``).
    release_id: str | None = None
    #: Where ``as_of`` came from (:data:`~pcfgraph.audit.model_date.SOURCES`); None until the
    #: audit settles it (the caller's date, else the model's, else today).
    as_of_source: str | None = None

    def day(self) -> date:
        return self.as_of or date.today()


def audit(
    uploads: Sequence[Upload],
    context: AuditContext,
    *,
    limits: Limits | None = None,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    parsed: ParsedModel | tuple[list[ox.Triple], list[ox.Triple]] | None = None,
    options: AuditOptions | None = None,
) -> AuditReport:
    """Audit one organisational model given as one or more files.

    ``parsed``: the result of :func:`parse_uploads` on the same uploads, when the caller has
    parsed them already (the CLI does, to fail fast on bad input); they are not parsed twice.
    """
    limits = limits or Limits()
    options = options or AuditOptions()
    seconds: dict[str, float] = {}
    with gc_paused():
        started = time.perf_counter()
        model = parsed if parsed is not None else parse_uploads(uploads, limits)
        triples, ignored = model
        seconds["parse"] = time.perf_counter() - started
        if options.as_of_source is None:  # the caller's date wins, then the model's
            if isinstance(model, ParsedModel):
                days_refused(model, options.as_of)
            stated = model.described_as_of if isinstance(model, ParsedModel) else None
            day, source = audit_day(options.as_of, stated)
            options = replace(options, as_of=day, as_of_source=source)

        def model_side() -> list[AuditResult]:
            started = time.perf_counter()
            own = own_findings(model, context) if isinstance(model, ParsedModel) else []
            seconds["terms"] = time.perf_counter() - started
            return own

        report = audit_triples(
            triples,
            context,
            shapes=shapes,
            checks=checks,
            seconds=seconds,
            options=options,
            beside=model_side,
        )
    report.results.extend(_ignored_results(ignored))
    if isinstance(model, ParsedModel):
        report.results = located_findings(report, model)
        report.results = with_pair_read(report.results, model, context.rules)
    # findings about the model itself (unknown terms, bad cells) are model validity
    report.results = one_per_mistake(
        deduplicated(
            replace(r, group=IGNORED_RULE.group) if r.kind == "audit" and r.group is None else r
            for r in report.results
        )
    )
    report.results.sort(key=sort_key(report))
    report.sources = [u.name for u in uploads]
    report.files = [model_file(u) for u in uploads]
    report.checked_against = context.checked_against(options.release_id)
    if report.profile_sha256 is not None:  # the user's own profile is part of the rules
        report.checked_against["rules"] = rules_digest(profile_sha256=report.profile_sha256)
    return report


def model_file(upload: Upload) -> dict[str, Any]:
    """What a report says of an audited file (JSON ``model.files``): its name, size and
    sha256, the evidence an auditor signs for (the name alone fits any later copy)."""
    digest = hashlib.sha256(upload.data).hexdigest()
    return {"name": upload.name, "bytes": len(upload.data), "sha256": digest}


def deduplicated(results: Iterable[AuditResult]) -> list[AuditResult]:
    """Each finding once: the same focus node, path, value and rule (two engines or two
    shapes of one rule can report the same thing)."""
    seen: set[tuple[str, str | None, str | None, str]] = set()
    out = []
    for r in results:
        if r.key not in seen:
            seen.add(r.key)
            out.append(r)
    return out


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
    triples: Sequence[ox.Triple | ox.Quad],
    context: AuditContext,
    *,
    shapes: Sequence[Path] | None = None,
    checks: Sequence[Path] | None = None,
    seconds: dict[str, float] | None = None,
    options: AuditOptions | None = None,
    beside: Callable[[], list[AuditResult]] | None = None,
) -> AuditReport:
    """Audit parsed statements. ``beside``: the caller's own work, done while pySHACL runs in
    its child process (:mod:`.shacl_process`); the findings it returns (about the model itself)
    join the report's, labelled and placed in their organisational units as those are."""
    seconds = seconds if seconds is not None else {}
    options = options or AuditOptions()
    ruleset = context.rules if shapes is None and checks is None else RuleSet.load(shapes, checks)
    profile = load_profile(options.profile, ruleset.rules)
    if options.as_of_source is None:  # statements alone state no day of their own
        day, source = audit_day(options.as_of, None)
        options = replace(options, as_of=day, as_of_source=source)
    as_of = options.day()
    params: dict[str, ox.Literal] = {
        "asOf": ox.Literal(as_of.isoformat(), datatype=ox.NamedNode(_XSD_DATE)),
        **profile.parameters,
    }
    framework = (
        context.shacl_triples
        if ruleset is context.rules
        else shacl_framework_subset(context.read_quads(), ruleset)
    )
    deactivated = profile.deactivated

    def shacl_side() -> tuple[list[AuditResult], dict[str, float]]:
        # pySHACL's data graph is built here, in the child process where there is one, and
        # released before the pyoxigraph store is filled where there is not: the model is never
        # held in both forms by one process (at 100k triples each takes about 80 MB)
        began = time.perf_counter()
        data = data_graph(framework, triples, ruleset.observed_predicates)
        drop_in_child(triples)  # in a child: its copies of the parsed statements, now unneeded
        built = time.perf_counter()
        found = run_shacl(data, ruleset.shapes_graph(deactivated), ruleset.rules)
        release_data_graph(data)
        return found, {"shacl_load": built - began, "shacl": time.perf_counter() - built}

    shacl = ShaclRun(shacl_side, fork=None if options.fork_shacl else False)
    try:
        own = beside() if beside is not None else []
        return _checks_and_report(
            triples, context, ruleset, profile, as_of, params, shacl, seconds, options, own
        )
    finally:
        shacl.cancel()


def _checks_and_report(
    triples: Sequence[ox.Triple | ox.Quad],
    context: AuditContext,
    ruleset: RuleSet,
    profile: Profile,
    as_of: date,
    params: dict[str, ox.Literal],
    shacl: ShaclRun,
    seconds: dict[str, float],
    options: AuditOptions,
    own: list[AuditResult],
) -> AuditReport:
    """The parent's side of an audit: the SPARQL checks and the report's framework parts on
    pyoxigraph while pySHACL runs (:mod:`.shacl_process`), then the findings of both."""
    started = time.perf_counter()
    # the framework store kept with the context, the upload added for this audit only
    with framework_store(context).lend(triples) as store:
        # filling the store grew its tables and freed the old ones in the middle of the heap:
        # given back, not reused page by page (pages shared with the SHACL child are copied
        # when written, and then held by both processes)
        give_back_free_memory()
        seconds["load"] = time.perf_counter() - started

        embedded = EmbeddedStore(store)
        if _PRICE_RULE in ruleset.rules and embedded.ask(_query("reports/declares-no-chargeback")):
            # the organisation declares it does not charge back: catalogue prices are not expected
            # (its results are dropped with the profile's switched-off rules below)
            profile = replace(profile, deactivated=profile.deactivated | {_PRICE_RULE})

        started = time.perf_counter()
        checked: list[AuditResult] = []
        for check in ruleset.checks:
            if check.rule.iri not in profile.deactivated:
                checked.extend(run_check(embedded, check, params))
        seconds["checks"] = time.perf_counter() - started

        started = time.perf_counter()
        labeller = Labeller(store)
        units = focus_units(embedded, labeller)
        report = AuditReport(results=[], triples=len(triples))
        report.as_of = as_of.isoformat()
        report.as_of_source = options.as_of_source
        report.profile = profile.name
        report.profile_sha256 = profile.sha256
        report.deactivated = sorted(rule_name(iri) for iri in profile.deactivated)
        report.parameters = {k: v.value for k, v in profile.parameters.items()}
        report.max_findings = options.max_findings
        report.groups = [{"iri": g.iri, "label": g.label, "order": g.order} for g in ruleset.groups]
        report.rules = rules_applied(ruleset, profile, labeller)
        report.coverage = coverage(embedded, context.coverage_roots, context.equivalences)
        report.maturity = maturity(embedded, labeller)
        report.organisation = labeller.organisation()
        seconds["report"] = time.perf_counter() - started

        started = time.perf_counter()
        shacl_results, shacl_seconds = shacl.results()
        seconds["shacl_wait"] = time.perf_counter() - started
        seconds.update(shacl_seconds)

        started = time.perf_counter()
        results = [
            replace(r, severity=profile.severities.get(r.shape, r.severity))
            for r in deduplicated([*shacl_results, *checked])
            if r.shape not in profile.deactivated
        ]
        results = [labeller.annotate(r, units) for r in (*results, *own)]
        results.sort(key=sort_key(report))
        report.results = results
        seconds["report"] += time.perf_counter() - started
        report.seconds = seconds
        return report


def release_data_graph(data: Any) -> None:
    """Free pySHACL's data graph now (see :meth:`DataGraphStore.release`)."""
    from pcfgraph.audit.datagraph import DataGraphStore

    if isinstance(data.store, DataGraphStore):
        data.store.release()
