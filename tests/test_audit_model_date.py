"""A model states the day it describes (``orgm:describedAsOf``), and an audit given no date
judges on it: the shipped "conforming" example, audited without ``--as-of`` a year after the
day it describes, reported lapsed agreements and unreported quarters. An explicit date always
wins; two days stated are refused naming both; every report says where its date came from.

No test here asserts what today is: "today" appears only as the date the model's own loses to
(an audit without a date of a model dated 2025-07-15 judges on 2025-07-15, whatever the day).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pyoxigraph as ox
import pytest
from audit_support import CONFORMING, FINDINGS, audit_text, context
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef

from pcfgraph import iris
from pcfgraph.audit import AuditReport, Upload, audit
from pcfgraph.audit.engine import AuditOptions, days_refused, parse_uploads
from pcfgraph.audit.html import render_html
from pcfgraph.audit.render_table import to_csv, to_xlsx
from pcfgraph.audit.render_text import report_text
from pcfgraph.audit.render_turtle import report_turtle
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InputError

DAY = "2025-07-15"
DESCRIBED = ox.NamedNode(str(iris.ORGM.describedAsOf))
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
IT = "https://example.org/northwind/it"
UNDATED = CONFORMING.read_text().replace(
    f'    orgm:describedAsOf "{DAY}"^^xsd:date ;', "", 1
)  # the example as it was shipped before it said its day
OTHER_DAY = (
    "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    f'<{IT}> orgm:describedAsOf "2025-09-30"^^xsd:date .\n'
)


@pytest.fixture(scope="module")
def undated_audit() -> AuditReport:
    """The conforming example audited with no date given: the model's day decides."""
    return audit([Upload(CONFORMING.name, CONFORMING.read_bytes())], context())


def test_the_undated_example_is_undated() -> None:
    assert CONFORMING.read_text() != UNDATED and "describedAsOf" not in UNDATED


def test_an_audit_given_no_date_judges_on_the_models_day(undated_audit: AuditReport) -> None:
    assert (undated_audit.as_of, undated_audit.as_of_source) == (DAY, "model")
    assert undated_audit.conforms and undated_audit.results == []


def test_an_explicit_date_wins_over_the_models() -> None:
    """Judged on a later day the example's agreements have lapsed: the caller's date reached
    the rules, not only the report's heading."""
    report = audit_text(CONFORMING.read_text(), options=AuditOptions(date(2026, 6, 30)))
    assert (report.as_of, report.as_of_source) == ("2026-06-30", "caller")
    assert not report.conforms
    assert "checks/orgmodel/customer-agreement-in-force" in {r.rule for r in report.results}


def test_a_model_stating_no_day_is_judged_on_today() -> None:
    report = audit([Upload("model.ttl", UNDATED.encode())], context())
    assert report.as_of_source == "today"


def test_a_day_that_is_no_date_is_a_finding_and_not_judged_on() -> None:
    text = UNDATED.replace(
        'rdfs:label "Northwind Health IT" ;',
        'rdfs:label "Northwind Health IT" ; orgm:describedAsOf "15 July 2025" ;',
    )
    report = audit_text(text, options=AuditOptions(date(2025, 7, 15)))
    assert report.as_of_source == "caller"
    assert {(r.rule, r.focus_node) for r in report.results} == {
        ("OrganisationDescribedAsOfShape", IT)
    }
    assert parse_uploads([Upload("model.ttl", text.encode())], _limits()).described_as_of is None


def _limits():  # type: ignore[no-untyped-def]
    from pcfgraph.audit import Limits

    return Limits()


def test_two_files_stating_two_days_are_refused_naming_both() -> None:
    uploads = [
        Upload("northwind.ttl", CONFORMING.read_bytes()),
        Upload("q3.ttl", OTHER_DAY.encode()),
    ]
    with pytest.raises(InputError) as raised:  # when the audit is given no date of its own
        days_refused(parse_uploads(uploads, _limits()), None)
    said = str(raised.value)
    assert "2025-07-15 in northwind.ttl" in said and "2025-09-30 in q3.ttl" in said
    assert raised.value.http_status == 400
    same = OTHER_DAY.replace("2025-09-30", DAY).encode()
    both = parse_uploads([uploads[0], Upload("q3.ttl", same)], _limits())
    assert both.described_as_of == date(2025, 7, 15)


def test_the_cli_refuses_two_days_with_exit_2(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Refused while reading the files, before any framework data is opened."""
    other = tmp_path / "q3.ttl"
    other.write_text(OTHER_DAY)
    assert run_main(main, ["audit", str(CONFORMING), str(other)]) == 2
    said = capsys.readouterr().err
    assert "2025-09-30 in " in said and "2025-07-15 in " in said


def test_two_days_are_a_finding_not_a_refusal_when_the_audit_is_given_its_date(
    tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    """Given a date, the model's days decide nothing: the auditor gets the report, and the
    organisation's two days are its finding (at most one orgm:describedAsOf)."""
    uploads = [
        Upload("northwind.ttl", CONFORMING.read_bytes()),
        Upload("q3.ttl", OTHER_DAY.encode()),
    ]
    report = audit(uploads, context(), options=AuditOptions(date(2025, 7, 15)))
    assert (report.as_of, report.as_of_source) == (DAY, "caller")
    assert {(r.rule, r.focus_node) for r in report.results} == {
        ("OrganisationDescribedAsOfShape", IT)
    }
    with pytest.raises(InputError, match="more than one day"):  # no date: refused, as before
        audit(uploads, context())
    other = tmp_path / "q3.ttl"
    other.write_text(OTHER_DAY)
    argv = ["audit", str(CONFORMING), str(other), "--as-of", DAY, "-f", "json"]
    assert run_main(main, argv) == 1  # a report with a violation: exit 1, not 2
    assert json.loads(capsys.readouterr().out)["asOfSource"] == "caller"


def test_every_report_says_where_its_date_came_from(undated_audit: AuditReport) -> None:
    assert undated_audit.to_json_dict()["asOf"] == DAY
    assert undated_audit.to_json_dict()["asOfSource"] == "model"
    assert f"as of {DAY} (stated by the model);" in report_text(undated_audit).splitlines()[1]
    assert "(stated by the model)" in render_html(undated_audit)
    g = Graph().parse(data=report_turtle(undated_audit), format="turtle")
    assert (None, URIRef(str(iris.ORGM.asOfSource)), Literal("model")) in g
    [header, *rows] = list(csv.reader(io.StringIO(to_csv(undated_audit).decode("utf-8-sig"))))
    assert header[-2:] == ["as of", "as of source"] and not rows  # a conforming model: no rows
    facts = {r[0]: r[1] for r in load_workbook(io.BytesIO(to_xlsx(undated_audit)))["Report"].values}
    assert (facts["as of"], facts["as of source"]) == (DAY, "model")
    findings = audit_text(FINDINGS.read_text(), options=AuditOptions(date(2025, 7, 15)))
    [header, *rows] = list(csv.reader(io.StringIO(to_csv(findings).decode("utf-8-sig"))))
    assert rows and {tuple(r[-2:]) for r in rows} == {(DAY, "caller")}
    assert "(given to the audit)" in report_text(findings).splitlines()[1]


def test_a_report_read_back_keeps_where_its_date_came_from(undated_audit: AuditReport) -> None:
    again = AuditReport.from_dict(undated_audit.to_dict())
    assert (again.as_of, again.as_of_source) == (DAY, "model")


def test_the_example_with_findings_keeps_them_without_a_date() -> None:
    report = audit([Upload(FINDINGS.name, FINDINGS.read_bytes())], context())
    assert report.as_of_source == "model"
    dated = audit_text(FINDINGS.read_text(), options=AuditOptions(date(2025, 7, 15)))

    def found(r: AuditReport) -> set[tuple[str, str]]:
        return {(x.rule, x.focus_label) for x in r.results}

    assert found(report) == found(dated) != set()


NOT_ON_ORGANISATION = "audit/model-validity-described-as-of-not-organisation"
FINANCE = "https://example.org/northwind/finance"


def _dated_customer(day: str) -> str:
    """The undated example with a day written on a customer's node, not the organisation's."""
    return UNDATED.replace(
        ":finance a orgm:Customer ;",
        f':finance a orgm:Customer ; orgm:describedAsOf "{day}"^^xsd:date ;',
        1,
    )


def test_a_day_stated_on_another_node_is_not_the_audits_day() -> None:
    """A date on a customer's (a supplier's, a service's) node was taken as the model's: the
    whole model was judged on a day nobody stated for the organisation. It is a Warning now."""
    text = _dated_customer("2024-01-31")
    assert text != UNDATED
    assert parse_uploads([Upload("model.ttl", text.encode())], _limits()).described_as_of is None
    report = audit([Upload("model.ttl", text.encode())], context())
    assert report.as_of_source == "today"
    [warning] = [r for r in report.results if r.rule == NOT_ON_ORGANISATION]
    assert (warning.focus_node, warning.severity, warning.value) == (
        FINANCE,
        "Warning",
        "2024-01-31",
    )
    assert "not the audited organisation" in warning.message


def test_the_organisations_day_wins_over_another_nodes_without_a_refusal() -> None:
    """Two days, one on the organisation: not "more than one day" (only one is the model's)."""
    text = _dated_customer("2024-01-31").replace(
        'rdfs:label "Northwind Health IT" ;',
        f'rdfs:label "Northwind Health IT" ; orgm:describedAsOf "{DAY}"^^xsd:date ;',
    )
    model = parse_uploads([Upload("model.ttl", text.encode())], _limits())
    assert model.described_as_of == date(2025, 7, 15)
    assert {(r.focus_node, r.value) for r in model.findings} == {(FINANCE, "2024-01-31")}
