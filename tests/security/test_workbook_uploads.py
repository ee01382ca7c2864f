"""Workbook uploads (web diff form, audit uploads): parsed only in sandbox workers, archive
checked before inflating, /health answering throughout.

"The server process never parses the upload" is asserted as what it is, not as /health
latency (which a loaded machine inflates with no fault in the server): each hostile upload
is one task of the sandbox pool (its counter in ``/metrics``), refused there with the limit
named, while every /health asked meanwhile answers 200.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from pcfgraph.archive_guard import ArchiveLimits, check_archive_file, check_workbook
from pcfgraph.audit.inputs.workbook_archive import check_archive
from pcfgraph.config import Settings
from pcfgraph.errors import ModelError, PayloadTooLarge, WorkbookError

from .conftest import LIMITS


def zip_bomb(inflated: int = 60 * 1024 * 1024) -> bytes:
    """A workbook-shaped archive whose one sheet inflates ~1000-fold."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * inflated)
    return buf.getvalue()


def many_rows(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Combined")
    for i in range(rows):
        ws.append([i, f"1.{i}", "x"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_sheet_over_a_limit_is_named_by_its_tab() -> None:
    """The refusal named the archive member ('sheet sheet2 has more than 100 rows'), which the
    user never sees: it names the sheet's tab, in a workbook of several sheets."""
    wb = Workbook()
    wb.active.title = "Read me"
    people = wb.create_sheet("People & roles")
    for i in range(101):
        people.append([f"p{i}", f"Person {i}"])
    wb.create_sheet("Customers").append(["Key", "Name"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(PayloadTooLarge) as refused:
        check_workbook("model.xlsx", buf.getvalue(), ArchiveLimits(rows=100))
    assert "sheet 'People & roles' (sheet2) has more than 100 rows (max_sheet_rows)" in str(
        refused.value
    )


def test_an_audit_upload_over_the_row_limit_says_the_command_line_reads_it() -> None:
    """A workbook over max_sheet_rows is refused by the server (413) but audited by
    `pcfgraph audit` on the user's own machine (the limit guards a shared server): the refusal
    said only "has more than 100 rows (max_sheet_rows)", leaving the user to guess that the
    same file works locally and that the limit is the server's, not the template's."""
    from pcfgraph.audit.worker import validate_upload

    payload = {
        "files": [{"name": "model.xlsx", "data": many_rows(101), "media_type": None}],
        "archive_limits": {"rows": 100},
    }
    with pytest.raises(PayloadTooLarge) as refused:
        validate_upload(None, payload)
    message = str(refused.value)
    assert "sheet 'Combined' (sheet1) has more than 100 rows (max_sheet_rows)" in message
    assert "a limit of this server (PCFGRAPH_MAX_SHEET_ROWS" in message
    assert "`pcfgraph audit model.xlsx` on your own computer reads larger workbooks" in message
    assert refused.value.code == "archive-limit" and refused.value.http_status == 413
    with pytest.raises(PayloadTooLarge) as diff_form:  # the importer has the same limit
        check_workbook("rows.xlsx", many_rows(101), ArchiveLimits(rows=100))
    assert "pcfgraph audit" not in str(diff_form.value)


def test_the_guard_refuses_before_inflating() -> None:
    limits = ArchiveLimits(rows=100)
    with pytest.raises(PayloadTooLarge, match="max_archive_ratio"):
        check_workbook("bomb.xlsx", zip_bomb(), limits)
    with pytest.raises(
        PayloadTooLarge, match=r"sheet 'Combined' \(sheet1\) has more than 100 rows"
    ):
        check_workbook("rows.xlsx", many_rows(101), limits)
    check_workbook("ok.xlsx", many_rows(100), limits)
    with pytest.raises(PayloadTooLarge, match="max_archive_members"):
        check_workbook("ok.xlsx", many_rows(10), ArchiveLimits(members=3))
    with pytest.raises(WorkbookError):
        check_workbook("junk.xlsx", b"PK not really", limits)


def test_one_set_of_limits_for_every_workbook_reader(tmp_path: Path) -> None:
    """The limit defaults are the documented settings, and the upload guard, the audit reader
    and the importer refuse the same archive naming the same setting, each with its own error."""
    assert ArchiveLimits() == ArchiveLimits.from_settings(Settings())
    data = many_rows(10)
    three = ArchiveLimits(members=3)
    with pytest.raises(PayloadTooLarge, match="max_archive_members 3") as upload:
        check_workbook("m.xlsx", data, three)
    assert upload.value.code == "archive-limit"
    with pytest.raises(PayloadTooLarge, match="max_archive_members 3"):
        check_archive(data, "m.xlsx", three)
    path = tmp_path / "m.xlsx"
    path.write_bytes(data)
    with pytest.raises(WorkbookError, match="max_archive_members 3") as imported:
        check_archive_file(path, three)
    assert imported.value.file == "m.xlsx"
    check_archive(data, "m.xlsx")
    check_archive_file(path)
    with pytest.raises(ModelError):
        check_archive(b"PK not really", "junk.xlsx")


class HealthPoller:
    """Polls /health every 50 ms on its own connection (at least once) and keeps the
    statuses."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=120, trust_env=False) as c:
            while not self.stop.is_set() or not self.statuses:
                self.statuses.append(c.get("/health").status_code)
                time.sleep(0.05)

    def __enter__(self) -> HealthPoller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


@pytest.mark.parametrize(
    ("upload", "limit"),
    [(zip_bomb, "max_archive_ratio"), (lambda: many_rows(6000), "max_sheet_rows")],
)
def test_hostile_workbooks_on_the_diff_form_are_413_from_a_worker_and_health_answers(
    client: httpx.Client, upload: object, limit: str
) -> None:
    data = upload()  # type: ignore[operator]
    assert len(data) < int(LIMITS["max_upload_bytes"])  # type: ignore[call-overload]
    tasks = pool_tasks(client)
    with HealthPoller(str(client.base_url)) as health:
        time.sleep(0.2)
        for _ in range(3):
            r = client.post(
                "/diff",
                files={
                    "old_workbook": ("old.xlsx", data),
                    "new_workbook": ("new.xlsx", data),
                },
            )
            assert r.status_code == 413, r.text[r.text.find('role="alert"') :][:300]
            assert limit in r.text, r.text[r.text.find('role="alert"') :][:300]
        time.sleep(0.2)
    # each refused by the check in a sandbox worker: the server process never opened one
    assert pool_tasks(client) == tasks + 3
    assert set(health.statuses) == {200}, health.statuses


def pool_tasks(client: httpx.Client) -> float:
    """Tasks the server's sandbox pool has run (``pcfgraph_pool_tasks_total``)."""
    (line,) = (
        x
        for x in client.get("/metrics").text.splitlines()
        if x.startswith("pcfgraph_pool_tasks_total ")
    )
    return float(line.split()[1])


def test_a_workbook_audit_upload_is_checked_too(client: httpx.Client) -> None:
    r = client.post(
        "/validate?name=model.xlsx",
        content=zip_bomb(),
        headers={
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )
    assert r.status_code in (413, 415), r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
