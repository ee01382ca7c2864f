"""``POST /validate``: body or multipart upload, report negotiation, 400/413/415/503, and
nothing in the served graph changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_support import (
    CONFORMING,
    FINDINGS,
    LITERAL_FOCUS_FINDINGS,
    literal_focus_model,
)
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal

from pcfgraph import iris
from pcfgraph.config import Settings
from pcfgraph.release import Release, load_release
from pcfgraph.serving import create_app


@pytest.fixture(scope="module")
def release(framework_release_path: Path) -> Release:
    return load_release(framework_release_path)


def _client(release: Release, **settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(query_workers=1, **settings), release)  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def client(release: Release) -> Iterator[TestClient]:
    yield from _client(release)


def test_turtle_body_json_report(client: TestClient) -> None:
    r = client.post(
        "/validate?asOf=2025-07-15",
        content=FINDINGS.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["x-audit-conforms"] == "false"
    doc = r.json()
    assert set(doc) >= {"conforms", "counts", "results", "coverage", "maturity"}
    assert any(
        x["shape"] == iris.SHAPES_BASE + "CustomerServedByTeamShape"
        and x["focusNode"] == "https://example.org/contoso/finance"
        for x in doc["results"]
    )


def test_the_report_names_the_served_release_and_its_frameworks(
    client: TestClient, release: Release
) -> None:
    """The report of an upload names what it was checked against: the served release's id
    and its framework editions (JSON ``checkedAgainst``; the text report's third line)."""
    r = client.post(
        "/validate?asOf=2025-07-15",
        content=FINDINGS.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    against = r.json()["checkedAgainst"]
    assert against["release"] == release.release_id
    assert "apqc-pcf-cross-industry-7.4" in {f["id"] for f in against["frameworks"]}
    text = client.post(
        "/validate?asOf=2025-07-15&format=text",
        content=FINDINGS.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    ).text
    assert f"release {release.release_id}" in text.splitlines()[2]


def test_a_form_without_a_model_file_says_why(client: TestClient) -> None:
    """A form sent with its file field empty (a browser's part with no file chosen) was 415
    "upload: cannot tell the format ..." listing every format; the model sent as a text field
    (curl -F 'model=<org.ttl') was "holds no file part" without saying why; a second baseline
    was silently ignored. Each is a 400 saying what is wrong."""
    unchosen = (  # as a browser sends a file input left empty
        b'--x\r\nContent-Disposition: form-data; name="model"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    form = {"Content-Type": "multipart/form-data; boundary=x"}
    r = client.post("/validate", content=unchosen + b"--x--\r\n", headers=form)
    assert r.status_code == 400, r.text[:300]
    assert "the file field 'model' was sent without a file chosen" in r.json()["detail"]
    r = client.post(
        "/validate",
        content=b'--x\r\nContent-Disposition: form-data; name="model"\r\n\r\n@prefix : <a:> .'
        b"\r\n--x--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 400, r.text[:300]
    assert "'model' is a text field, not a file" in r.json()["detail"]
    report = b'{"results": []}'
    r = client.post(
        "/validate?asOf=2025-07-15",
        files=[
            ("model", ("org.ttl", CONFORMING.read_bytes(), "text/turtle")),
            ("baseline", ("a.json", report, "application/json")),
            ("baseline", ("b.json", report, "application/json")),
        ],
    )
    assert r.status_code == 400, r.text[:300]
    assert "more than one part named 'baseline'" in r.json()["detail"]
    model = (
        b'--x\r\nContent-Disposition: form-data; name="more"; filename="org.ttl"\r\n'
        b"Content-Type: text/turtle\r\n\r\n" + CONFORMING.read_bytes() + b"\r\n--x--\r\n"
    )
    # an empty file field beside the model is no model: the audit runs
    r = client.post("/validate?asOf=2025-07-15", content=unchosen + model, headers=form)
    assert r.status_code == 200, r.text[:300]


def test_multipart_upload_and_turtle_report(client: TestClient) -> None:
    r = client.post(
        "/validate?asOf=2025-07-15",
        files={"file": ("org.ttl", CONFORMING.read_bytes(), "text/turtle")},
        headers={"Accept": "text/turtle"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    (report,) = list(g.subjects(RDF.type, iris.SH.ValidationReport))
    assert str(g.value(report, iris.SH.conforms)) == "true"


def test_jsonld_body_html_report(client: TestClient) -> None:
    data = Graph().parse(FINDINGS, format="turtle").serialize(format="json-ld")
    r = client.post(
        "/validate?asOf=2025-07-15&format=html",
        content=data.encode(),
        headers={"Content-Type": "application/ld+json"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<h2>Summary" in r.text and "Customer team Operations" in r.text


def test_literal_focus_node_is_a_finding_in_every_format(client: TestClient) -> None:
    """A literal where a node is expected (orgm:serviceTarget "...") is reported, never a 500
    (it crashed the labeller with a ValueError)."""
    body = literal_focus_model().encode("utf-8")
    headers = {"Content-Type": "text/turtle"}
    r = client.post("/validate?asOf=2025-07-15", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["x-audit-conforms"] == "false"
    found = {
        (x["shape"].removeprefix(iris.SHAPES_BASE), x["focusNode"], x["focusLabel"])
        for x in r.json()["results"]
    }
    assert found == LITERAL_FOCUS_FINDINGS

    r = client.post("/validate?asOf=2025-07-15&format=turtle", content=body, headers=headers)
    assert r.status_code == 200, r.text
    g = Graph().parse(data=r.text, format="turtle")
    assert Literal("99.5 percent availability") in set(g.objects(None, iris.SH.focusNode))

    r = client.post("/validate?asOf=2025-07-15&format=html", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert "<h4>99.5 percent availability " in r.text


def test_parse_error_is_400_with_line_and_column(client: TestClient, release: Release) -> None:
    before = len(release.store)
    r = client.post(
        "/validate?asOf=2025-07-15&name=org.ttl",
        content=b'@prefix ex: <https://example.org/> .\nex:a ex:b "x .\n',
        headers={"Content-Type": "text/turtle"},
    )
    assert r.status_code == 400
    doc = r.json()
    assert doc["code"] == "parse-error"
    assert doc["line"] == 2 and isinstance(doc["column"], int)
    assert "org.ttl" in doc["detail"]
    assert len(release.store) == before


def test_dtd_is_400(client: TestClient) -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<x/>'
    r = client.post(
        "/validate?asOf=2025-07-15", content=body, headers={"Content-Type": "application/rdf+xml"}
    )
    assert r.status_code == 400 and r.json()["line"] == 2


def test_unknown_media_type_is_415(client: TestClient) -> None:
    r = client.post(
        "/validate?asOf=2025-07-15", content=b"%PDF", headers={"Content-Type": "application/pdf"}
    )
    assert r.status_code == 415


def test_not_acceptable_report_is_406(client: TestClient) -> None:
    r = client.post(
        "/validate?asOf=2025-07-15",
        content=CONFORMING.read_bytes(),
        headers={"Content-Type": "text/turtle", "Accept": "image/png"},
    )
    assert r.status_code == 406


def test_too_large_is_413(release: Release) -> None:
    for client in _client(release, max_upload_bytes=1000):
        r = client.post(
            "/validate?asOf=2025-07-15",
            content=CONFORMING.read_bytes(),
            headers={"Content-Type": "text/turtle"},
        )
        assert r.status_code == 413


def test_deadline_is_503(release: Release) -> None:
    """Past its deadline an audit is 503 saying the audit was stopped and which setting holds
    the deadline: it said "the query did not finish", to someone who had sent no query and
    whose operator could not tell which of the timeouts to raise."""
    for client in _client(release, validate_timeout=0.001):
        r = client.post(
            "/validate?asOf=2025-07-15",
            content=CONFORMING.read_bytes(),
            headers={"Content-Type": "text/turtle"},
        )
        assert r.status_code == 503
        assert "retry-after" in {k.lower() for k in r.headers}
        detail = r.json()["detail"]
        assert detail.startswith("the audit did not finish within the 0.001 s deadline"), detail
        assert "(the validate_timeout setting)" in detail and "query" not in detail


def test_report_is_json_serialisable(client: TestClient, tmp_path: Path) -> None:
    r = client.post(
        "/validate?asOf=2025-07-15",
        content=CONFORMING.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert r.json()["conforms"] is True
    (tmp_path / "r.json").write_text(json.dumps(r.json()))


def test_runs_in_the_sandbox_pool_when_there_is_one(client: TestClient) -> None:
    pool = client.app.state.pcf.pool  # type: ignore[attr-defined]
    if pool is None:
        pytest.skip("no sandbox pool in this app (in-process fallback is used)")
    before = pool.counters["tasks"]
    r = client.post(
        "/validate?asOf=2025-07-15",
        content=CONFORMING.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert r.status_code == 200
    assert pool.counters["tasks"] == before + 1


def test_a_bare_body_is_named_by_its_content_disposition(client: TestClient) -> None:
    """A bare body was always "upload" in the report's messages (and its findings file
    audit-findings.csv) unless ?name= was given: the Content-Disposition a client sends with it
    (as a multipart part names its file, RFC 7578 4.2) now names it, filename* (RFC 8187)
    before filename (RFC 6266 4.3), its last path segment only; ?name= still wins."""
    bad = b"@prefix x: <http://example.org/> .\nx:a x:b .\n"
    turtle = {"Content-Type": "text/turtle"}
    for disposition, named in (
        ('attachment; filename="org.ttl"', "org.ttl"),
        ("attachment; filename=\"plain.ttl\"; filename*=UTF-8''%C3%A9quipe.ttl", "équipe.ttl"),
        ('attachment; filename="../../models/org.ttl"', "org.ttl"),
        ("attachment; filename*=nosuch''x.ttl; filename=\"kept.ttl\"", "kept.ttl"),
        ("inline", "upload"),
    ):
        headers = {**turtle, "Content-Disposition": disposition}
        r = client.post("/validate", content=bad, headers=headers)
        assert r.status_code == 400, r.text
        assert r.json()["detail"].startswith(f"{named}, line 2, column 9"), (disposition, r.text)
    headers = {**turtle, "Content-Disposition": 'attachment; filename="org.ttl"'}
    r = client.post("/validate", params={"name": "given.ttl"}, content=bad, headers=headers)
    assert r.json()["detail"].startswith("given.ttl, line 2")
    r = client.post(
        "/validate",
        params={"asOf": "2025-07-15", "format": "csv"},
        content=FINDINGS.read_bytes(),
        headers={**turtle, "Content-Disposition": 'attachment; filename="contoso.ttl"'},
    )
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="contoso-findings.csv"'


def test_an_upload_given_no_date_is_judged_on_the_day_the_model_states(
    client: TestClient,
) -> None:
    """The conforming example states the day it describes (orgm:describedAsOf 2025-07-15):
    POST /validate without asOf judges on it and says so; asOf given wins."""
    r = client.post("/validate", content=CONFORMING.read_bytes(), headers=TURTLE)
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    assert (doc["asOf"], doc["asOfSource"], doc["conforms"]) == ("2025-07-15", "model", True)
    r = client.post("/validate?asOf=2026-06-30", content=CONFORMING.read_bytes(), headers=TURTLE)
    doc = r.json()
    assert (doc["asOf"], doc["asOfSource"], doc["conforms"]) == ("2026-06-30", "caller", False)


def test_files_stating_two_days_are_400_naming_both(client: TestClient) -> None:
    other = (
        b"@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
        b"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        b'<https://example.org/northwind/it> orgm:describedAsOf "2025-09-30"^^xsd:date .\n'
    )
    r = client.post(
        "/validate",
        files=[
            ("model", ("northwind.ttl", CONFORMING.read_bytes(), "text/turtle")),
            ("model", ("q3.ttl", other, "text/turtle")),
        ],
    )
    assert r.status_code == 400, r.text[:300]
    detail = r.json()["detail"]
    assert "2025-07-15 in northwind.ttl" in detail and "2025-09-30 in q3.ttl" in detail


TURTLE = {"Content-Type": "text/turtle"}
