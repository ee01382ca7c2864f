"""What a request, an argument or a model holds is shown visibly escaped where pcfgraph quotes
it back (:func:`pcfgraph.terminal_text.printable`), on every edge: a right-to-left override
(U+202E) in an ``/id`` path turned the 404's message around in the reader's browser or
terminal, an escape sequence in a command's argument was run by the terminal, a line break in
a path wrote a line of the log that read as the server's, and a zero-width space in a model's
name made two names look the same in the auditor's findings table. The data served as data
(an element's name in JSON, a JSON or Turtle report) is as it is."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from audit_support import audit_text
from gql_support import Client, graphql_release
from openpyxl import load_workbook

from pcfgraph.terminal_text import printable

RLO, ESC, ZWSP = "\u202e", "\x1b", "\u200b"
#: What no message, page, line or report cell may hold raw.
RAW = (RLO, ESC, ZWSP, "\u2066", "\x07")


def assert_none_raw(text: str) -> None:
    raw = [ascii(c) for c in RAW if c in text]
    assert not raw, (raw, ascii(text[:400]))


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(graphql_release(1))


def test_an_http_problem_and_error_page_show_the_paths_override_escaped(client: Client) -> None:
    path = "/id/prm-test/x%E2%80%AEy"
    r = client.http.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404, r.text
    detail = r.json()["detail"]
    assert_none_raw(detail)
    assert detail.endswith("prm-test/x\\u202ey>"), ascii(detail)
    page = client.http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "prm-test/x\\u202ey" in page.text
    assert_none_raw(page.text)
    nowhere = client.http.get("/nowhere%E2%80%AE%1B%5B2J", headers={"Accept": "text/html"})
    assert nowhere.status_code == 404 and "/nowhere\\u202e\\x1b[2J" in nowhere.text
    assert_none_raw(nowhere.text)
    problem = client.http.get("/nowhere%E2%80%AE%1B%5B2J").json()["detail"]
    assert_none_raw(problem)


def test_a_graphql_error_shows_the_documents_override_escaped(client: Client) -> None:
    """graphql-core quotes a string literal of the document as JSON does, U+202E as it is."""
    query = '{ mappings(from: "prm-test", relation: "x\u202ey") { __typename } }'
    errors = client.http.post("/graphql", json={"query": query}).json()["errors"]
    assert len(errors) == 1 and '"x\\u202ey"' in errors[0]["message"], errors
    assert_none_raw(errors[0]["message"])


def test_an_mcp_refusal_shows_the_uris_override_escaped(shipped_release) -> None:  # type: ignore[no-untyped-def]
    from mcp.shared.exceptions import MCPError
    from mcp_support import session_without_pool

    messages: list[str] = []

    async def body(mcp) -> None:  # type: ignore[no-untyped-def]
        try:
            await mcp.read_resource("pcfgraph://x\u202ey")
        except MCPError as exc:
            messages.append(exc.message)

    session_without_pool(shipped_release, body)
    assert messages and messages[0].startswith("Unknown resource: pcfgraph://x\\u202ey;")
    assert_none_raw(messages[0])


def test_a_commands_usage_error_shows_its_escape_sequence_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """click names an unexpected argument as typed (``Got unexpected extra argument (...)``):
    ``ESC [2J`` in it cleared the screen of whoever ran the command."""
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    assert run_main(main, ["export-schema", f"bar{ESC}[2J{RLO}"]) == 2
    err = capsys.readouterr().err
    assert "unexpected extra argument (bar\\x1b[2J\\u202e)" in err, ascii(err)
    assert_none_raw(err)


def test_a_log_line_stays_one_line_and_shows_what_it_quotes_escaped() -> None:
    from pcfgraph.log_lines import JsonFormatter, TextFormatter

    forged = f"GET /x\n2026-12-07 12:00:00,000 INFO pcfgraph.api [-] forged{ESC}[2J{RLO}"
    record = logging.makeLogRecord({"msg": "%s", "args": (forged,), "request_id": "r1"})
    line = TextFormatter().format(record)
    assert "\n" not in line and line.endswith(
        "GET /x\\n2026-12-07 12:00:00,000 INFO pcfgraph.api [-] forged\\x1b[2J\\u202e"
    )
    assert_none_raw(line)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = logging.makeLogRecord(
            {"msg": forged, "request_id": None, "exc_info": sys.exc_info()}
        )
    text = TextFormatter().format(failed)
    first, *trace = text.splitlines()
    assert first.endswith("forged\\x1b[2J\\u202e") and trace[-1] == "ValueError: boom"
    doc = json.loads(JsonFormatter().format(logging.makeLogRecord({"msg": forged})))
    assert doc["message"] == printable(forged) and "\n" in doc["message"]
    assert_none_raw(doc["message"])


def test_an_access_line_shows_a_paths_line_break_and_escape_escaped() -> None:
    from fastapi.testclient import TestClient
    from ops_support import ops_release

    from pcfgraph.api.ops import configure_logging
    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    for fmt in ("text", "json"):
        stream = io.StringIO()
        handler = configure_logging(Settings(log_format=fmt, log_level="info"), stream=stream)
        try:
            http = TestClient(create_app(Settings(), release=ops_release()))
            assert http.get("/no%0Awhere%1B%5B2J%E2%80%AE").status_code == 404
        finally:
            handler.flush()  # the access lines waiting for their batch
            logging.getLogger("pcfgraph").removeHandler(handler)
        out = stream.getvalue()
        assert "/no\\nwhere\\x1b[2J\\u202e" in out.replace("\\\\", "\\"), (fmt, ascii(out))
        assert not any(line.startswith("where") for line in out.splitlines()), fmt
        assert_none_raw(out)


MODEL = (
    "@prefix : <http://x/> .\n@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    ':it a orgm:Organisation ; rdfs:label "IT" .\n'
    ':c a orgm:Customer ; rdfs:label "Cust\\u202eremoc\\u200b\\u001b[2J" .\n'
)
SHOWN = "Cust\\u202eremoc\\u200b\\x1b[2J"


def test_the_findings_table_and_html_report_show_a_labels_override_escaped() -> None:
    """An auditor sees what the model's name really holds: the override, the zero-width space
    and the escape sequence escaped in the CSV, XLSX and HTML reports as in the text report;
    the JSON report (data) keeps the name as it is."""
    from pcfgraph.audit.html import render_html
    from pcfgraph.audit.render_table import to_csv, to_xlsx
    from pcfgraph.audit.render_text import report_text

    report = audit_text(MODEL)
    raw = "Cust\u202eremoc\u200b\x1b[2J"
    assert raw in {r["focusLabel"] for r in json.loads(report.to_json())["results"]}
    rows = list(csv.DictReader(io.StringIO(to_csv(report).decode("utf-8-sig"), newline="")))
    assert SHOWN in {r["focus label"] for r in rows}
    sheet = load_workbook(io.BytesIO(to_xlsx(report)))["Findings"]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert SHOWN in cells
    html = render_html(report)
    assert SHOWN in report_text(report) and SHOWN in html
    for text in (to_csv(report).decode("utf-8-sig"), "\n".join(cells), html):
        assert_none_raw(text)


def test_a_findings_table_is_the_baseline_of_the_same_model() -> None:
    """A finding whose label the table shows escaped is the same finding again, not a new
    one and a resolved one."""
    from pcfgraph.audit.baseline import apply_baseline, read_baseline
    from pcfgraph.audit.render_table import to_csv, to_xlsx

    before = audit_text(MODEL)
    assert any(r.focus_label.startswith("Cust\u202e") for r in before.results)
    for name, data in (("before.csv", to_csv(before)), ("before.xlsx", to_xlsx(before))):
        report = audit_text(MODEL)
        apply_baseline(report, read_baseline(data, name))
        assert report.baseline is not None
        assert report.baseline["new"] == 0 and report.baseline["resolved"] == 0, name
        assert report.baseline["unchanged"] == len(report.results), name


def test_the_audit_page_names_an_uploaded_files_override_escaped() -> None:
    """The page's title and its "Report for" heading named the uploaded file as sent: a
    right-to-left override in its name turned them around (the tab's title too)."""
    from fastapi.testclient import TestClient
    from test_web_pages import _example, web_app

    name = "org\u202egpj.ttl"
    with TestClient(web_app()) as http:
        parts = [("model", (name, _example("conforming-organisation.ttl"), "text/turtle"))]
        page = http.post("/audit", files=parts, data={"asOf": "2025-07-15"})
    assert page.status_code == 200, page.text[:500]
    assert "Report for org\\u202egpj.ttl" in page.text, page.text[:2000]
    assert "<title>Audit report: org\\u202egpj.ttl" in page.text
    assert 'download="org_gpj-report.html"' in page.text  # the file saved: no override
    assert_none_raw(page.text)
