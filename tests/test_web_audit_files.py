"""The workbench's audit page with several model files: one model, as ``pcfgraph audit a b``
and ``POST /validate`` with several file parts read them (the page audited the first file and
dropped the others unsaid: a workbook and an ArchiMate model chosen together gave the
workbook's report alone)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_web_pages import _download, _example, web_app

from pcfgraph.http.routes import route_paths

#: A second file adding an agreement with no parties, no dates, nothing held: findings whose
#: focus node is in this file only.
EXTRA = b"""@prefix : <https://example.org/northwind/> .
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:sla-extra a orgm:Agreement ; rdfs:label "SLA typed in a second file" .
"""
EXTRA_NODE = "https://example.org/northwind/sla-extra"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(web_app()) as c:
        if "/validate" not in route_paths(c.app.routes):  # type: ignore[attr-defined]
            pytest.skip("the audit API (POST /validate) is not installed")
        yield c


def _findings(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(r["focusNode"], r["shape"], r["message"]) for r in report["results"]}


def test_several_files_chosen_on_the_audit_page_are_audited_as_one_model(
    client: TestClient,
) -> None:
    org = _example("conforming-organisation.ttl")
    parts = [
        ("model", ("org.ttl", org, "text/turtle")),
        ("model", ("extra.ttl", EXTRA, "text/turtle")),
    ]
    page = client.post("/audit", files=parts, data={"asOf": "2025-07-15"})
    assert page.status_code == 200, page.text[:500]
    report = page.text[page.text.index('id="report"') :]
    assert "Report for org.ttl, extra.ttl" in report
    doc = json.loads(_download(report, "application/json"))
    assert [f["name"] for f in doc["model"]["files"]] == ["org.ttl", "extra.ttl"]
    assert EXTRA_NODE in {r["focusNode"] for r in doc["results"]}  # the second file's findings
    # the same findings as POST /validate gives for the same two files
    api = client.post("/validate?asOf=2025-07-15", files=parts).json()
    assert _findings(doc) == _findings(api) and doc["counts"] == api["counts"]
    # downloads named as POST /validate names its attachments: the first file and how many more
    names = re.findall(r'download="([^"]+)"', report)
    assert "org-and-1-more-report.json" in names and "org-and-1-more-report.xlsx" in names


def test_the_page_says_it_takes_several_files(client: TestClient) -> None:
    form = client.get("/audit").text
    field = re.search(r'<input id="model"[^>]*>', form)
    assert field is not None and " multiple" in field.group(0)


def test_an_empty_file_among_several_is_named(client: TestClient) -> None:
    org = _example("conforming-organisation.ttl")
    parts = [
        ("model", ("org.ttl", org, "text/turtle")),
        ("model", ("blank.ttl", b"", "text/turtle")),
    ]
    page = client.post("/audit", files=parts)
    assert page.status_code == 400
    alert = page.text[page.text.index('role="alert"') :]
    assert "blank.ttl" in alert[: alert.index("</p>")] and 'id="report"' not in page.text
