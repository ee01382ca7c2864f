"""The day a model describes (``orgm:describedAsOf``) in the spreadsheet template and the
ArchiMate mapping: the Organisation sheet's "Described as of" column (read and written by the
shared SHEETS table, so ``pcfgraph convert`` round-trips it; a workbook filled in before the
column existed still reads), and the ArchiMate model property "Described as of"."""

from __future__ import annotations

import io

import pyoxigraph as ox
from audit_support import EXAMPLES, context
from openpyxl import load_workbook

from pcfgraph import iris
from pcfgraph.audit import Upload, audit
from pcfgraph.audit.inputs.archimate import read_archimate
from pcfgraph.audit.inputs.workbook import read_workbook
from pcfgraph.audit.inputs.writer import template_bytes

DAY = "2025-07-15"
DESCRIBED = ox.NamedNode(str(iris.ORGM.describedAsOf))
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def _stated(triples) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        t.object.value
        for t in triples
        if t.predicate == DESCRIBED and t.object.datatype == XSD_DATE
    }


def test_the_example_workbook_states_the_day_in_the_organisation_sheet() -> None:
    data = template_bytes(example=True)
    sheet = load_workbook(io.BytesIO(data))["Organisation"]
    header = [c.value for c in sheet[1]]
    assert "Described as of" in header
    assert _stated(read_workbook(data, "example.xlsx").triples) == {DAY}
    report = audit([Upload("example.xlsx", data)], context())
    assert (report.as_of, report.as_of_source, report.conforms) == (DAY, "model", True)


def test_a_workbook_without_the_column_still_reads() -> None:
    """Workbooks filled in before the column was added have no "Described as of" header."""
    wb = load_workbook(io.BytesIO(template_bytes(example=True)))
    sheet = wb["Organisation"]
    column = [c.value for c in sheet[1]].index("Described as of") + 1
    sheet.delete_cols(column)
    out = io.BytesIO()
    wb.save(out)
    result = read_workbook(out.getvalue(), "older.xlsx")
    assert _stated(result.triples) == set() and not result.findings
    assert any(t.predicate == ox.NamedNode(str(iris.ORG.hasUnit)) for t in result.triples)


def test_an_archimate_model_states_its_day_as_a_model_property() -> None:
    example = EXAMPLES / "it-organisation-archimate.xml"
    triples = read_archimate(example.read_bytes(), example.name).triples
    org = ox.NamedNode("urn:archimate:fabrikam-it:org")
    assert {t.subject for t in triples if t.predicate == DESCRIBED} == {org}
    assert _stated(triples) == {DAY}


ARCHI = """<?xml version="1.0" encoding="UTF-8"?>
<archimate:model xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:archimate="http://www.archimatetool.com/archimate" name="Tiny" id="tiny">
  <folder name="Business" id="f1" type="business">
    <element xsi:type="archimate:BusinessActor" name="Tiny IT" id="org">
      <property key="Kind" value="Organisation"/>
    </element>
  </folder>
  <property key="Described-as-of" value="{day}"/>
</archimate:model>
"""


def test_an_archi_model_property_gives_the_day_and_a_bad_one_is_a_finding() -> None:
    read = read_archimate(ARCHI.format(day=DAY).encode(), "tiny.archimate", native=True)
    assert _stated(read.triples) == {DAY}
    bad = read_archimate(ARCHI.format(day="15.07.2025").encode(), "tiny.archimate", native=True)
    assert _stated(bad.triples) == set()
    assert [(f.rule, f.value) for f in bad.findings] == [
        ("audit/model-validity-bad-value", "15.07.2025")
    ]
