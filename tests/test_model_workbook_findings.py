"""What an auditor signs: the report says what was read from each cell of the spreadsheet
model, once per mistake, the same through ``pcfgraph audit``, ``POST /validate`` and the web
audit page (they share the workbook reader). Each workbook is the shipped example edited with
openpyxl, as a spreadsheet program would save the edit."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_support import AS_OF, context, edited_workbook, template_column, upload_client
from fastapi.testclient import TestClient
from test_web_pages import _download

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.audit.report import AuditReport
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")


def _row_of(ws: Any, key: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)


def _cell(sheet: str, header: str, key: str) -> Callable[[Any], str]:
    """The A1 reference of ``header``'s cell in the row of ``key`` (given the workbook)."""
    return lambda wb: f"{template_column(sheet, header)}{_row_of(wb[sheet], key)}"


def _bad_cells(wb: Any) -> None:
    """Valid from typed as '01/01/2025' (a date, not YYYY-MM-DD) and a claimed level of 7."""
    wb["Agreements"][_cell("Agreements", "Valid from", "sla-finance")(wb)] = "01/01/2025"
    claims = wb["Maturity claims"]
    claims[_cell("Maturity claims", "Claimed level", "claim-rm-2025")(wb)] = 7


def _audit(data: bytes) -> AuditReport:
    return audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))


def _at(report: AuditReport, where: str) -> list[tuple[str, str, str | None]]:
    return [(r.rule, r.message, r.value) for r in report.results if r.where == where]


def test_one_bad_cell_is_one_finding_naming_the_cell_and_its_value() -> None:
    """A value the reader cannot read is left out of the model; the shape requiring a value
    there then found it missing too: AgreementValidFromShape beside
    audit/model-validity-bad-value on Agreements!H4, MaturityClaimLevelShape beside
    audit/model-validity-unknown-choice on 'Maturity claims'!E2: four Violations counted for
    two mistakes. Each is one finding now, the reader's, which names the value."""
    report = _audit(edited_workbook(template_bytes(example=True), _bad_cells))
    assert _at(report, "Agreements!H4") == [
        (
            "audit/model-validity-bad-value",
            "Valid from '01/01/2025' is not a date (YYYY-MM-DD): type 2025-01-01.",
            "01/01/2025",
        )
    ]
    assert _at(report, "'Maturity claims'!E2") == [
        (
            "audit/model-validity-unknown-choice",
            "Claimed level '7' is not one of 1, 2, 3, 4, 5.",
            "7",
        )
    ]
    rules = Counter(r.rule for r in report.results)
    assert "AgreementValidFromShape" not in rules and "MaturityClaimLevelShape" not in rules
    assert report.counts["Violation"] == sum(1 for r in report.results if r.severity == "Violation")


def test_a_shape_still_reports_a_value_missing_from_a_cell_left_empty() -> None:
    """Only the shape's finding on the very value the reader could not read goes: an empty
    Valid from (nothing typed) is still AgreementValidFromShape's, on its cell."""

    def empty(wb: Any) -> None:
        wb["Agreements"][_cell("Agreements", "Valid from", "sla-finance")(wb)] = None

    report = _audit(edited_workbook(template_bytes(example=True), empty))
    assert [rule for rule, _m, _v in _at(report, "Agreements!H4")] == ["AgreementValidFromShape"]


# --- the same findings through every way in ---------------------------------------------------


@pytest.fixture(scope="module")
def client(framework_release_path: Path) -> Iterator[TestClient]:
    with upload_client(framework_release_path) as c:
        yield c


def _findings(doc: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        (
            r["focusNode"],
            r["shape"],
            r["severity"],
            r["message"],
            r.get("value"),
            # the CLI names the file by its path, an upload by its name
            json.dumps({**(r.get("location") or {}), "file": None}, sort_keys=True),
        )
        for r in doc["results"]
    }


def test_cli_post_validate_and_the_audit_page_give_the_same_findings(
    client: TestClient,
    framework_release_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def edit(wb: Any) -> None:  # every defect of this file in one workbook
        _bad_cells(wb)
        _merged(wb)
        wb["Agreements"][_cell("Agreements", "Valid until", "sla-hr")(wb)] = 45000

    data = edited_workbook(template_bytes(example=True), edit)
    path = tmp_path / "model.xlsx"
    path.write_bytes(data)
    capsys.readouterr()
    args = ["audit", str(path), "--release", str(framework_release_path), "--as-of", "2025-07-15"]
    assert run_main(main, [*args, "-f", "json"]) == 1
    cli = json.loads(capsys.readouterr().out)
    api = client.post(
        "/validate?asOf=2025-07-15", files={"model": ("model.xlsx", data, "application/zip")}
    ).json()
    page = client.post("/audit", files={"model": ("model.xlsx", data)}, data={"asOf": "2025-07-15"})
    assert page.status_code == 200, page.text[:300]
    web = json.loads(_download(page.text[page.text.index('id="report"') :], "application/json"))
    assert _findings(cli) == _findings(api) == _findings(web)
    assert cli["counts"] == api["counts"] == web["counts"]
    cells = {
        (r["location"]["sheet"], r["location"]["row"], r["location"]["column"])
        for r in cli["results"]
        if r.get("location")
    }
    assert {("Agreements", 4, "H"), ("Maturity claims", 2, "E"), ("Services", 3, "D")} <= cells
    rules = Counter(r["shape"].rsplit("/", 1)[-1] for r in cli["results"])
    assert rules["model-validity-merged-cells"] == 2 and rules["AgreementValidityOrderShape"] == 1
    assert "AgreementValidFromShape" not in rules and "MaturityClaimLevelShape" not in rules


def _merged(wb: Any) -> None:
    """Deliverables D2:D3 merged in Services (openpyxl, as Excel, keeps the top-left value
    only), and Held in merged over three agreements."""
    services = wb["Services"]
    assert [services.cell(r, 1).value for r in (2, 3)] == ["svc-ehr", "svc-erp"]
    services.merge_cells("D2:D3")
    held_in = template_column("Agreements", "Held in")
    agreements = wb["Agreements"]
    rows = sorted(
        _row_of(agreements, k) for k in ("ola-infrastructure", "sla-clinical", "sla-finance")
    )
    agreements.merge_cells(f"{held_in}{rows[0]}:{held_in}{rows[-1]}")


def test_a_merged_range_read_on_rows_below_its_top_says_which_cells_got_its_value() -> None:
    """Merging D2:D3 gave svc-erp svc-ehr's deliverables without a word (documented: each row
    of a merged range reads its value): an Info finding now names the range, the cells that
    got the value, and the value, on the row that got it."""
    from pcfgraph.audit.inputs.workbook import read_workbook

    data = edited_workbook(template_bytes(example=True), _merged)
    result = read_workbook(data, "model.xlsx")
    ehr = "EHR application, clinical decision support, 24x7 on-call support"
    merged = {
        (f.focus_node, f.severity, f.where, f.message, f.value)
        for f in result.findings
        if f.rule == "audit/model-validity-merged-cells"
    }
    held_in = template_column("Agreements", "Held in")
    assert merged == {
        (
            "https://example.org/northwind/svc-erp",
            "Info",
            "Services!D3",
            f"Services!D2:D3 is merged: D3 was read as {ehr!r}, the value of D2 (a merged range "
            "keeps its value in its top-left cell only); unmerge it and type each row's own "
            "value if that is not meant.",
            ehr,
        ),
        (
            "https://example.org/northwind/sla-clinical",
            "Info",
            f"Agreements!{held_in}3",
            f"Agreements!{held_in}2:{held_in}4 is merged: {held_in}3, {held_in}4 were read as "
            f"'contract-register', the value of {held_in}2 (a merged range keeps its value in "
            "its top-left cell only); unmerge it and type each row's own value if that is not "
            "meant.",
            "contract-register",
        ),
    }
    assert len(result.findings) == 2  # nothing else
    report = _audit(data)
    plain = _audit(template_bytes(example=True))
    assert report.conforms == plain.conforms
    assert report.counts["Info"] == plain.counts["Info"] + 2
    assert "Services!D2:D3 is merged" in report.to_text()


def test_a_period_out_of_order_says_what_was_read_as_its_other_date_and_from_where() -> None:
    """45000 typed in sla-finance's Valid until, a cell formatted as a date (yyyy-mm-dd): Excel
    shows 2023-03-15 and the file holds what it holds for a date typed there, so it is read
    as that date. The one finding was AgreementValidityOrderShape at Agreements!H4 [2025-01-01]:
    nothing said which end date was read, nor from which cell. It says both now."""
    until = _cell("Agreements", "Valid until", "sla-finance")
    cells: dict[str, str] = {}

    def serial(wb: Any) -> None:
        cells["until"] = until(wb)
        cell = wb["Agreements"][cells["until"]]
        assert cell.is_date  # the template formats its date columns as dates
        cell.value = 45000

    report = _audit(edited_workbook(template_bytes(example=True), serial))
    found = [(r.rule, r.where, r.value, r.message) for r in report.results]
    assert (
        "AgreementValidityOrderShape",
        "Agreements!H4",
        "2025-01-01",
        "An agreement's validity period must start before it ends (orgm:validFrom < "
        f"orgm:validUntil). orgm:validUntil was read as 2023-03-15 from Agreements!{cells['until']}.",
    ) in found
    order = [f for f in found if f[0] == "AgreementValidityOrderShape"]
    assert len(order) == 1
