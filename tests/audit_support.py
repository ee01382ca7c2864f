"""Shared fixtures for the audit tests: a framework store from the shipped APQC, PRM-IT and
IT-CMF data plus a minimal TRIM fixture (same IRIs as the shipped TRIM data)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from openpyxl import load_workbook

from pcfgraph import iris
from pcfgraph.assemble import framework_quads, load_turtle
from pcfgraph.audit import AuditContext, AuditReport, Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.inputs.sheets import SHEETS
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "data" / "examples"
CONFORMING = EXAMPLES / "conforming-organisation.ttl"
FINDINGS = EXAMPLES / "organisation-with-findings.ttl"

#: Literals where the vocabulary expects nodes, appended to the conforming example: objects of
#: properties whose objects shapes target (sh:targetObjectsOf), so each literal is a focus node.
LITERAL_FOCUS_ADDITIONS = """
:sla-hr orgm:serviceTarget "99.5 percent availability" , "12"^^xsd:int .
:claim-rm-2025 orgm:evidence "Quarterly \\"review\\" minutes"@en .
"""
NORTHWIND = "https://example.org/northwind/"
XSD_INT = "http://www.w3.org/2001/XMLSchema#int"
#: (rule, focus node as report text, focus label) of every finding on that model.
LITERAL_FOCUS_FINDINGS = {
    ("AgreementServiceTargetNodeShape", NORTHWIND + "sla-hr", "SLA Human Resources 2025"),
    *(
        (rule, focus, label)
        for rule in (
            "ServiceTargetMetricShape",
            "ServiceTargetValueShape",
            "ServiceTargetUnitShape",
        )
        for focus, label in (
            ('"99.5 percent availability"', "99.5 percent availability"),
            (f'"12"^^<{XSD_INT}>', "12"),
        )
    ),
    (
        "MaturityClaimEvidenceNodeShape",
        NORTHWIND + "claim-rm-2025",
        "Relationship Management maturity 2025",
    ),
    ("EvidencePracticeShape", '"Quarterly \\"review\\" minutes"@en', 'Quarterly "review" minutes'),
}


def literal_focus_model() -> str:
    return CONFORMING.read_text(encoding="utf-8") + LITERAL_FOCUS_ADDITIONS


@cache
def framework_store() -> EmbeddedStore:
    data_dir = resource_dir("data")
    doc = yaml.safe_load((data_dir / "frameworks.yaml").read_text(encoding="utf-8"))
    quads: list[ox.Quad] = []
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        quads.extend(load_turtle(path, str(iris.ontology_graph())))
    for entry in doc["frameworks"]:
        if entry["id"] == "trim":
            continue
        quads.extend(framework_quads(data_dir, entry))
    quads.extend(load_turtle(FIXTURES / "audit-trim.ttl", str(iris.framework_graph("trim"))))
    store = EmbeddedStore()
    store.add_quads(quads)
    return store


@cache
def context() -> AuditContext:
    return AuditContext.from_store(framework_store())


#: The date the example models are audited as of (their agreements run through 2025; the
#: first two quarters have ended, so their reports and follow-up meetings are due).
AS_OF = date(2025, 7, 15)


def audit_text(
    text: str, name: str = "model.ttl", options: AuditOptions | None = None
) -> AuditReport:
    return audit(
        [Upload(name, text.encode("utf-8"))], context(), options=options or AuditOptions(AS_OF)
    )


def audit_path(path: Path, options: AuditOptions | None = None) -> AuditReport:
    return audit(
        [Upload(path.name, path.read_bytes())], context(), options=options or AuditOptions(AS_OF)
    )


def edited_workbook(data: bytes, edit: Callable[[Any], None]) -> bytes:
    """The workbook ``data`` after ``edit(workbook)``, saved as openpyxl saves it."""
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_column(sheet: str, header: str) -> str:
    """The column letter of ``header`` in the template's sheet ``sheet``."""
    s = next(x for x in SHEETS if x.name == sheet)
    return chr(65 + [c.header for c in s.columns].index(header))


def framework_release_dir(parent: Path) -> Path:
    """A release of :func:`framework_store` written to ``parent/rel`` (the module fixtures of
    the upload tests)."""
    from pcfgraph.release import write_release

    out = parent / "rel"
    write_release(framework_store(), out, {})
    return out


@contextmanager
def upload_client(release_dir: Path, **settings: Any) -> Iterator[Any]:
    """A TestClient of the app on that release, with one sandbox worker and a deadline long
    enough for a loaded machine (its lifespan started); ``settings`` override others."""
    from fastapi.testclient import TestClient

    from pcfgraph.config import Settings
    from pcfgraph.release import load_release
    from pcfgraph.serving import create_app

    options: dict[str, Any] = {"query_workers": 1, "validate_timeout": 300, **settings}
    app = create_app(Settings(**options), load_release(release_dir))
    with TestClient(app) as client:
        yield client
