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
