"""The audit's findings as CSV and XLSX (``pcfgraph audit -f csv|xlsx``, ``-o r.csv|r.xlsx``,
``POST /validate`` with ``Accept: text/csv`` or ``?format=xlsx``): one row per finding, the
same findings as the JSON report, formula injection escaped, umask kept, same model same file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_support import AS_OF, CONFORMING, FINDINGS, audit_path, audit_text
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from pcfgraph.audit.baseline import apply_baseline, read_baseline
from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.audit.render_table import COLUMNS, to_csv, to_xlsx
from pcfgraph.audit.report import AuditReport
from pcfgraph.audit.rules import rule_name
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.config import Settings
from pcfgraph.errors import InputError
from pcfgraph.release import load_release
from pcfgraph.serving import create_app

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")

HOSTILE = '=HYPERLINK("http://evil.example/x","click")'


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


def audit(release_dir: Path, *args: str) -> int:
    code: int = run_main(
        main, ["audit", *args, "--release", str(release_dir), "--as-of", AS_OF.isoformat()]
    )
    return code


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8, not the ANSI code page
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def xlsx_sheets(data: bytes) -> dict[str, list[dict[str, Any]]]:
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        out[ws.title] = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return out


def by_focus_and_rule(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["focus node"], r["rule"], r["severity"]) for r in rows}


def json_findings(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(r["focusNode"], r["rule"], r["severity"]) for r in doc["results"]}


@pytest.fixture(scope="module")
def findings() -> AuditReport:
    return audit_path(FINDINGS)


@pytest.fixture(scope="module")
def doc(findings: AuditReport) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(findings.to_json())
    return result


def test_csv_has_the_json_reports_findings(findings: AuditReport, doc: dict[str, Any]) -> None:
    """One CSV row per finding: the same findings (focus node, rule, severity) as the JSON
    report, each with its requirement (the audit's own rules, which the report's list of rules
    leaves out, too), section and the framework source it derives from."""
    rows = csv_rows(to_csv(findings))
    assert len(rows) == len(doc["results"])
    assert by_focus_and_rule(rows) == json_findings(doc)
    rules = {r["iri"]: r for r in doc["rules"]}
    assert any(r["rule"].startswith("audit/") for r in rows)  # the audit's own rules too
    for row in rows:
        assert row["message"] and row["section"] and row["requirement"], row
        if row["shape"] in rules:
            assert row["requirement"] == rules[row["shape"]]["message"]
    sourced = {
        (r["focusNode"], r["rule"]): r["source"]["code"] for r in doc["results"] if r["source"]
    }
    assert sourced
    assert {(r["focus node"], r["rule"]): r["source code"] for r in rows if r["source code"]} == (
        sourced
    )


def test_xlsx_has_findings_facts_and_notices(findings: AuditReport, doc: dict[str, Any]) -> None:
    """The workbook: ``Findings`` (the JSON report's findings), ``Report`` (model, as of,
    checked against, totals equal to the JSON counts) and ``Notices`` (APQC's notice, as the
    release states it, beside every APQC-sourced finding too)."""
    data = to_xlsx(findings)
    sheets = xlsx_sheets(data)
    assert list(sheets) == ["Findings", "Report", "Notices"]
    # columns as wide as their text (up to 60 characters), not Excel's default 8.43
    found = load_workbook(io.BytesIO(data))["Findings"]
    widths = {h.value: found.column_dimensions[h.column_letter].width for h in found[1] if h.value}
    assert widths["status"] < widths["severity"] < widths["focus node"] <= widths["message"] == 60
    assert found.freeze_panes == "A2" and found.auto_filter.ref
    assert by_focus_and_rule(sheets["Findings"]) == json_findings(doc)
    facts = {r["fact"]: r["value"] for r in sheets["Report"]}
    assert facts["as of"] == AS_OF.isoformat()
    assert facts["model"] == FINDINGS.name
    assert facts["conforms"] == "no"
    assert {s: facts[f"{s.lower()}s"] for s in doc["counts"]} == doc["counts"]
    assert facts["findings"] == sum(doc["counts"].values())
    apqc = next(f for f in doc["checkedAgainst"]["frameworks"] if f["id"].startswith("apqc"))
    assert "APQC" in apqc["rights"]
    notices = {r["framework"]: r["notice"] for r in sheets["Notices"]}
    assert notices[apqc["id"]] == apqc["rights"]
    quoting_apqc = [r for r in sheets["Findings"] if r["source framework"] == apqc["title"]]
    assert quoting_apqc
    assert {r["notice"] for r in quoting_apqc} == {apqc["rights"]}


def test_a_formula_in_the_model_is_escaped_in_csv_and_xlsx() -> None:
    """A team named ``=HYPERLINK(...)`` comes out as text: ``'=HYPERLINK(...)`` in CSV, a
    string cell shown as typed (quotePrefix) in XLSX, and no formula anywhere in the workbook."""
    original = FINDINGS.read_text(encoding="utf-8")
    text = original.replace('"Customer team Operations"', json.dumps(HOSTILE))
    assert text != original
    report = audit_text(text)
    labels = {r["focus label"] for r in csv_rows(to_csv(report))}
    assert "'" + HOSTILE in labels
    assert HOSTILE not in labels
    data = to_xlsx(report)
    wb = load_workbook(io.BytesIO(data))
    cells = [c for row in wb["Findings"].iter_rows() for c in row if c.value == HOSTILE]
    assert cells  # the value itself, never rewritten
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def test_the_same_model_gives_the_same_file(findings: AuditReport) -> None:
    """Two audits of one model give byte-identical CSV and XLSX (no clock in the workbook:
    its dates are the audit's)."""
    again = audit_path(FINDINGS)
    assert to_csv(again) == to_csv(findings)
    assert to_xlsx(again) == to_xlsx(findings)
    with zipfile.ZipFile(io.BytesIO(to_xlsx(findings))) as z:
        assert {i.date_time[:3] for i in z.infolist()} == {(AS_OF.year, AS_OF.month, AS_OF.day)}


def test_against_a_baseline_rows_are_new_unchanged_or_resolved(
    findings: AuditReport, doc: dict[str, Any]
) -> None:
    """Against a baseline, each finding is ``new`` or ``unchanged`` and the earlier findings
    not found again are rows too (``resolved``), as the JSON report counts them."""
    text = FINDINGS.read_text(encoding="utf-8")
    # Finance gets served by a team (its finding is resolved); the model gains an unknown term
    fixed = text.replace(
        ":finance a ",
        ":team-commercial orgm:serves :finance .\n:team-commercial orgm:sirves :sales .\n"
        ":finance a ",
        1,
    )
    assert fixed != text
    report = audit_text(fixed)
    apply_baseline(report, read_baseline(findings.to_json().encode("utf-8"), "before.json"))
    after = json.loads(report.to_json())
    rows = csv_rows(to_csv(report))
    status = {
        s: {(r["focus node"], r["rule"]) for r in rows if r["status"] == s}
        for s in ("new", "unchanged", "resolved")
    }
    assert status["resolved"] == {
        (r["focusNode"], rule_name(r["shape"])) for r in after["baseline"]["resolvedFindings"]
    }
    assert ("https://example.org/contoso/finance", "CustomerServedByTeamShape") in status[
        "resolved"
    ]
    assert status["new"]
    for s in ("new", "unchanged"):
        assert status[s] == {
            (r["focusNode"], r["rule"]) for r in after["results"] if r["status"] == s
        }
    assert len(rows) == len(after["results"]) + after["baseline"]["resolved"]
    facts = {r["fact"]: r["value"] for r in xlsx_sheets(to_xlsx(report))["Report"]}
    assert (facts["new"], facts["unchanged"], facts["resolved"]) == tuple(
        after["baseline"][k] for k in ("new", "unchanged", "resolved")
    )


def _statuses(report: AuditReport) -> dict[str, set[tuple[str, str]]]:
    """Findings by status, a blank node by its label (its id is new in every parse)."""
    return {
        s: {
            (r.focus_label if r.focus_node.startswith("_:") else r.focus_node, r.rule)
            for r in report.results
            if r.status == s
        }
        for s in ("new", "unchanged")
    }


def test_last_quarters_export_is_this_quarters_baseline() -> None:
    """The spreadsheet an auditor tracks remediation in is the baseline of the next audit: the
    findings CSV or XLSX (columns added for tracking, resolved rows, a formula-like label
    escaped in CSV) marks findings new and unchanged exactly as the JSON report does; a file
    that is none of them is refused naming it."""
    original = FINDINGS.read_text(encoding="utf-8")
    hostile = original.replace('"Customer team Operations"', json.dumps(HOSTILE))
    before = audit_text(hostile)
    after_text = hostile.replace(
        ":finance a ", ":team-commercial orgm:serves :finance .\n:finance a ", 1
    )
    expected = audit_text(after_text)
    apply_baseline(expected, read_baseline(before.to_json().encode("utf-8"), "before.json"))
    assert _statuses(expected)["unchanged"] and expected.baseline
    assert expected.baseline["resolved"] >= 1
    wb = load_workbook(io.BytesIO(to_xlsx(before)))
    ws = wb["Findings"]
    ws.insert_cols(1)
    ws["A1"] = "owner"  # the auditor's own tracking column, first
    ws["A2"] = "=TODAY()"
    tracked = io.BytesIO()
    wb.save(tracked)
    exports = {"before.csv": to_csv(before), "before.xlsx": tracked.getvalue()}
    for name, data in exports.items():
        report = audit_text(after_text)
        apply_baseline(report, read_baseline(data, name))
        assert _statuses(report) == _statuses(expected), name
        assert report.baseline is not None
        for key in ("new", "unchanged", "resolved"):
            assert report.baseline[key] == expected.baseline[key], (name, key)
        assert resolved_keys(report) == resolved_keys(expected), name
    # an export that lists resolved findings: they are not findings of that audit
    second = audit_text(hostile)
    apply_baseline(second, read_baseline(to_csv(expected), "after.csv"))
    new = {(r.focus_node, r.shape) for r in second.results if r.status == "new"}
    assert new == resolved_keys(expected)
    with pytest.raises(InputError, match=r"baseline model.xlsx is not JSON .* CSV or XLSX"):
        read_baseline(template_bytes(), "model.xlsx")


def resolved_keys(report: AuditReport) -> set[tuple[str, str]]:
    assert report.baseline is not None
    return {(r["focusNode"], r["shape"]) for r in report.baseline["resolvedFindings"]}


def test_the_cli_picks_the_format_by_extension_and_keeps_the_umask(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o findings.csv`` writes CSV and ``-o findings.xlsx`` a workbook (no --format
    needed), with the user's umask; ``-f xlsx`` says the same."""
    old = os.umask(0o027)
    try:
        out_csv, out_xlsx = tmp_path / "findings.csv", tmp_path / "findings.xlsx"
        assert audit(release_dir, str(FINDINGS), "-o", str(out_csv)) == 1
        assert "report written to" in capsys.readouterr().err
        assert audit(release_dir, str(FINDINGS), "-f", "xlsx", "-o", str(tmp_path / "f")) == 1
        assert audit(release_dir, str(FINDINGS), "-o", str(out_xlsx)) == 1
    finally:
        os.umask(old)
    rows = csv_rows(out_csv.read_bytes())
    assert {r["focus node"] for r in rows} >= {"https://example.org/contoso/finance"}
    assert out_xlsx.read_bytes() == (tmp_path / "f").read_bytes()
    assert set(xlsx_sheets(out_xlsx.read_bytes())) == {"Findings", "Report", "Notices"}
    for out in (out_csv, out_xlsx):
        assert out.stat().st_mode & 0o777 == 0o640


def test_a_spreadsheet_format_the_audit_does_not_write_is_refused(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o findings.xls`` wrote the text report into a file Excel refuses to open: now a
    usage error naming the formats written, before anything is read or written."""
    for name in ("findings.xls", "findings.ODS"):
        out = tmp_path / name
        assert audit(release_dir, str(FINDINGS), "-o", str(out)) == 2
        err = capsys.readouterr().err
        assert f"-o {out}" in err and ".xlsx (or .csv)" in err, err
        assert not out.exists()
    text = tmp_path / "findings.log"  # any other extension: the text report, as documented
    assert audit(release_dir, str(FINDINGS), "-o", str(text)) == 1
    assert text.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(query_workers=1), load_release(release_dir))
    with TestClient(app) as c:
        yield c


def test_validate_negotiates_csv_and_xlsx(client: TestClient) -> None:
    """``POST /validate`` answers ``Accept: text/csv`` with the findings as CSV and
    ``?format=xlsx`` with the workbook, both as attachments, the same findings as its JSON."""
    body = FINDINGS.read_bytes()
    headers = {"Content-Type": "text/turtle"}
    doc = client.post(f"/validate?asOf={AS_OF}", content=body, headers=headers).json()
    r = client.post(
        f"/validate?asOf={AS_OF}", content=body, headers={**headers, "Accept": "text/csv"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["x-audit-conforms"] == "false"
    assert by_focus_and_rule(csv_rows(r.content)) == json_findings(doc)
    x = client.post(f"/validate?asOf={AS_OF}&format=xlsx", content=body, headers=headers)
    assert x.status_code == 200, x.text
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert by_focus_and_rule(xlsx_sheets(x.content)["Findings"]) == json_findings(doc)


def test_validate_takes_a_findings_workbook_as_baseline(client: TestClient) -> None:
    """``POST /validate`` with a ``baseline`` part holding last time's findings XLSX counts new,
    unchanged and resolved as with the JSON report (the workbook passes the archive limits
    first, as a model workbook does)."""
    model = ("org.ttl", FINDINGS.read_bytes(), "text/turtle")
    xlsx = client.post(
        f"/validate?asOf={AS_OF}&format=xlsx",
        content=model[1],
        headers={"Content-Type": "text/turtle"},
    ).content
    earlier = client.post(
        f"/validate?asOf={AS_OF}", content=model[1], headers={"Content-Type": "text/turtle"}
    ).content
    counts = []
    for baseline in (("before.json", earlier, "application/json"), ("before.xlsx", xlsx, None)):
        r = client.post(
            f"/validate?asOf={AS_OF}",
            files=[("model", model), ("baseline", baseline)],
        )
        assert r.status_code == 200, r.text
        b = r.json()["baseline"]
        counts.append((b["new"], b["unchanged"], b["resolved"]))
    assert counts[0] == counts[1] == (0, len(json.loads(earlier)["results"]), 0)


def test_a_capped_export_says_so(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], findings: AuditReport
) -> None:
    """With --max-findings the CSV holds the most severe findings only and has no place to say
    so: the command's summary line says how many of how many it lists."""
    out = tmp_path / "capped.csv"
    assert audit(release_dir, str(FINDINGS), "--max-findings", "3", "-o", str(out)) == 1
    err = capsys.readouterr().err
    rows = csv_rows(out.read_bytes())
    assert len(rows) == 3 and {r["severity"] for r in rows} == {"Violation"}
    total = len(findings.results)
    assert total > 3
    assert f"listing the 3 most severe of {total} findings (--max-findings)" in err, err


def test_a_clean_audits_csv_says_it_cannot_be_signed(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A clean audit's CSV is its header row only: every row is a finding, so no row can say
    what was checked against (a row that is no finding would be counted and tracked as one).
    The command says so and which report to sign, to a file or to stdout."""
    out = tmp_path / "clean.csv"
    assert audit(release_dir, str(CONFORMING), "-o", str(out)) == 0
    err = capsys.readouterr().err
    assert csv_rows(out.read_bytes()) == []
    assert "no findings" in err and "sign the JSON, HTML or XLSX report" in err, err
    assert audit(release_dir, str(CONFORMING), "-f", "csv") == 0
    said = capsys.readouterr()
    assert said.out.splitlines()[0].lstrip("\ufeff").split(",") == list(COLUMNS)
    assert "pcfgraph: note:" in said.err and "sign the JSON, HTML or XLSX" in said.err
    assert audit(release_dir, str(FINDINGS), "-o", str(tmp_path / "f.csv")) == 1
    assert "sign the" not in capsys.readouterr().err  # its rows name release and rules


def test_what_a_workbook_cell_cannot_hold_is_shown_not_fatal() -> None:
    """A team named with control characters (``"Team\\u0001"``, legal in Turtle, forbidden in
    XLSX's XML) ended ``-o findings.xlsx`` in an internal error; a customer's 40,000-character
    name would overflow Excel's 32,767-character cell. The first shows escaped, as the text
    report shows it (what the auditor's cell really holds, in CSV too), the second is cut
    saying so in XLSX; the CSV keeps it whole."""
    original = FINDINGS.read_text(encoding="utf-8")
    long_name = "x" * 40_000
    text = original.replace('"Customer team Operations"', '"Team\\u0001 bell\\u0007"').replace(
        'rdfs:label "Finance"', f'rdfs:label "{long_name}"'
    )
    assert text.count("Team\\u0001") == 1 and long_name in text
    report = audit_text(text)
    labels = {r["focus label"] for r in xlsx_sheets(to_xlsx(report))["Findings"]}
    assert "Team\\x01 bell\\x07" in labels
    cut = [label for label in labels if label and label.startswith("xxxx")]
    assert cut and all(len(c) == 32_767 and c.endswith("[cut: 40,000 characters]") for c in cut)
    csv_labels = {r["focus label"] for r in csv_rows(to_csv(report))}
    assert {"Team\\x01 bell\\x07", long_name} <= csv_labels


def test_the_findings_download_is_named_after_the_model(client: TestClient) -> None:
    """Every findings download was ``audit-findings.xlsx``: an auditor saving the findings of
    several organisations' models overwrote one with the next. It is named after the model
    (the first, with how many more), keeping only characters safe in a header and a file
    name (no path, no quote, accents dropped); a body with no name keeps the old name."""
    body = FINDINGS.read_bytes()
    turtle = {"Content-Type": "text/turtle"}

    def disposition(query: str, **kwargs: Any) -> str:
        r = client.post(f"/validate?asOf={AS_OF}&{query}", **kwargs)
        assert r.status_code == 200, r.text[:300]
        return str(r.headers["content-disposition"])

    assert (
        disposition("format=csv&name=Contoso%20Q3%20(draft).ttl", content=body, headers=turtle)
        == 'attachment; filename="Contoso_Q3_draft-findings.csv"'
    )
    assert (
        disposition(
            "format=xlsx&name=..%2F..%2FSoci%C3%A9t%C3%A9%22.ttl", content=body, headers=turtle
        )
        == 'attachment; filename="Societe-findings.xlsx"'
    )
    assert (
        disposition("format=xlsx", content=body, headers=turtle)
        == 'attachment; filename="audit-findings.xlsx"'
    )
    files = [
        ("model", ("archisurance.ttl", body, "text/turtle")),
        ("claims", ("claims.ttl", b"", "text/turtle")),
    ]
    assert (
        disposition("format=csv", files=files)
        == 'attachment; filename="archisurance-and-1-more-findings.csv"'
    )
