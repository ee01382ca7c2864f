"""The HTML report's heading names the audited organisation; with two (the template of one
organisation and a model of another audited together) it named one of them, whichever the
store listed first, and the other nowhere in the report's heading."""

from __future__ import annotations

import re

from audit_support import AS_OF, CONFORMING, context

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.html import render_html

OTHER = b"""@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/acme/it> a orgm:Organisation ; rdfs:label "Acme Insurance IT" .
"""


def _heading(*uploads: Upload) -> str:
    report = audit(list(uploads), context(), options=AuditOptions(AS_OF))
    m = re.search(r"<h1>(.*?)</h1>", render_html(report))
    assert m is not None
    return m.group(1)


def test_the_heading_names_every_audited_organisation() -> None:
    northwind = Upload("northwind.ttl", CONFORMING.read_bytes())
    both = _heading(northwind, Upload("acme.ttl", OTHER))
    assert both == "Audit report: Acme Insurance IT, Northwind Health IT"
    assert _heading(Upload("acme.ttl", OTHER), northwind) == both  # not the files' order
    assert _heading(northwind) == "Audit report: Northwind Health IT"


def test_every_report_format_names_the_audited_organisation() -> None:
    """Only the HTML report said whom it was about: the text report, the JSON report and the
    XLSX 'Report' sheet an auditor signs named files and digests but no organisation."""
    import io
    import json

    from openpyxl import load_workbook

    from pcfgraph.audit.render_table import to_xlsx

    report = audit(
        [Upload("northwind.ttl", CONFORMING.read_bytes()), Upload("acme.ttl", OTHER)],
        context(),
        options=AuditOptions(AS_OF),
    )
    both = "Acme Insurance IT, Northwind Health IT"
    assert report.to_text().splitlines()[0].endswith(f"; organisation {both}")
    assert json.loads(report.to_json())["organisation"] == both
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    facts = {row[0]: row[1] for row in wb["Report"].iter_rows(min_row=2, values_only=True)}
    assert facts["organisation"] == both
