"""The SHACL-SPARQL twins of the checks (shapes/orgmodel-sparql.ttl): generated from the checks
and current, and a standard SHACL engine (pySHACL) given every shipped shape reports the same
(focus node, source shape) pairs as ``pcfgraph audit`` on the example models."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from audit_support import CONFORMING, FINDINGS, context
from rdflib import RDF, Graph, URIRef

from pcfgraph import iris
from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions, Limits, data_graph, parse_uploads
from pcfgraph.audit.report import node_text
from pcfgraph.audit.sparql_shapes import FILE_NAME, sparql_shapes_turtle
from pcfgraph.resources import resource_dir
from pcfgraph.validation import shacl_report_graph

SH = iris.SH


def test_generated_file_is_current() -> None:
    shipped = (resource_dir("shapes") / FILE_NAME).read_text(encoding="utf-8")
    assert shipped == sparql_shapes_turtle(), (
        "shapes/orgmodel-sparql.ttl is stale: run python -m pcfgraph.audit.sparql_shapes"
    )


def test_every_check_of_its_own_has_a_twin() -> None:
    ctx = context()
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in ctx.rules.all_shape_triples)
    for check in ctx.rules.checks:
        twin = (URIRef(check.rule.iri), SH.sparql, None) in graph
        assert twin == (check.shape is None), check.rule.name


def _pyshacl_report(triples: list) -> Graph:  # type: ignore[type-arg]
    """pySHACL's report on the model's ``triples`` with every shipped shape (twins included)."""
    ctx = context()
    shapes = Graph()
    shapes.addN((s, p, o, shapes) for s, p, o in ctx.rules.all_shape_triples)
    from pcfgraph.audit.engine import _triple

    cache: dict[object, object] = {}
    framework = [_triple(q, cache) for q in ctx.read_quads()]  # type: ignore[arg-type]
    return shacl_report_graph(data_graph(framework, triples), shapes)


@pytest.fixture(scope="module")
def pyshacl_on() -> Callable[[Path], tuple[Any, Graph]]:
    """A model's parse and pySHACL's report on it, made once per module and model: both tests
    of the conforming example read the same report (a pySHACL run over the framework costs
    seconds); the parse is the one the audit compared with it reads (the same blank nodes)."""
    made: dict[Path, tuple[Any, Graph]] = {}

    def on(path: Path) -> tuple[Any, Graph]:
        if path not in made:
            parsed = parse_uploads([Upload(path.name, path.read_bytes())], Limits())
            triples, _ignored = parsed
            made[path] = (parsed, _pyshacl_report(triples))
        return made[path]

    return on


def _pyshacl_pairs(report: Graph) -> set[tuple[str, str]]:
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    return {
        (node_text(report.value(r, SH.focusNode)) or "", str(report.value(r, SH.sourceShape)))
        for rep in reports
        for r in report.objects(rep, SH.result)
    }


@pytest.mark.parametrize("path", [CONFORMING, FINDINGS], ids=["conforming", "findings"])
def test_pyshacl_with_the_shipped_shapes_reports_what_the_audit_reports(  # type: ignore[no-untyped-def]
    path, pyshacl_on
) -> None:
    # as of today in both: a SHACL engine binds no parameter, the checks default to NOW()
    uploads = [Upload(path.name, path.read_bytes())]
    parsed, report = pyshacl_on(path)  # one parse: the same blank nodes for both
    ours = audit(uploads, context(), parsed=parsed, options=AuditOptions(date.today()))
    expected = {(r.focus_node, r.shape) for r in ours.results if r.kind != "audit"}
    assert expected  # as of today both examples have findings (their agreements ended in 2025)
    assert _pyshacl_pairs(report) == expected


def test_pyshacl_lists_the_missing_periods_in_calendar_order_too(
    pyshacl_on: Callable[[Path], tuple[Any, Graph]],
) -> None:
    # the twins carry the checks' ordered sub-select: a SHACL engine's messages read the same
    _parsed, report = pyshacl_on(CONFORMING)
    lists = {}
    for result in report.subjects(SH.resultMessage, None):
        shape = str(report.value(result, SH.sourceShape))
        if shape.endswith(("sla-report-missing-period", "customer-follow-up-cadence")):
            focus = node_text(report.value(result, SH.focusNode)) or ""
            message = str(report.value(result, SH.resultMessage))
            lists[shape.rsplit("/", 1)[-1], focus.rsplit("/", 1)[-1]] = re.findall(
                r"\d{4}-Q\d", message
            )
    # as of today (a SHACL engine binds no parameter): clinical's SLA is open-ended, so every
    # quarter from 2025-Q3 to the last ended one is listed
    for key in (
        ("sla-report-missing-period", "sla-clinical"),
        ("customer-follow-up-cadence", "clinical"),
    ):
        listed = lists[key]
        assert listed[:2] == ["2025-Q3", "2025-Q4"] and len(listed) >= 5, key
        assert listed == sorted(listed), key
