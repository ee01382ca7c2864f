"""The model inputs over HTTP and the CLI: every format accepted by ``POST /validate`` and
``pcfgraph audit``, refusals as 422 / exit 2, the JSON-LD context and the template served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_support import upload_client
from fastapi.testclient import TestClient

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.release import Release, load_release

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")

NO_ORG = (
    b"@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    b"<https://example.org/c> a orgm:Customer .\n"
)


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


@pytest.fixture(scope="module")
def release(release_dir: Path) -> Release:
    return load_release(release_dir)


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[TestClient]:
    with upload_client(release_dir) as c:
        yield c


@pytest.mark.parametrize("body", [b"", b"# nothing\n", NO_ORG], ids=["empty", "comment", "no-org"])
def test_model_without_organisation_is_422(client: TestClient, body: bytes) -> None:
    r = client.post("/validate", content=body, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "the model describes no organisation" in r.json()["detail"]


def test_model_without_organisation_exits_2(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.ttl"
    path.write_bytes(NO_ORG)
    code = run_main(main, ["audit", str(path), "--release", str(release_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert "the model describes no organisation" in err


def test_jsonld_context_is_served(client: TestClient) -> None:
    r = client.get("/contexts/orgmodel.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    ctx = json.loads(r.text)["@context"]
    assert ctx["orgm"] == "https://w3id.org/pcfgraph/orgmodel#"
    assert ctx["serves"] == {"@id": "orgm:serves", "@type": "@id"}


def test_jsonld_context_is_served_at_the_path_of_its_stable_iri(client: TestClient) -> None:
    # A JSON-LD processor outside pcfgraph dereferences the IRI models name as "@context";
    # every other IRI under iris.BASE is answered at its own path (/id/..., /ontology): this
    # one was 404.
    from pcfgraph import iris
    from pcfgraph.audit.inputs.context import CONTEXT_IRI

    r = client.get("/" + CONTEXT_IRI.removeprefix(iris.BASE))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/ld+json")
    assert json.loads(r.content) == json.loads(client.get("/contexts/orgmodel.jsonld").content)
    assert client.head("/" + CONTEXT_IRI.removeprefix(iris.BASE)).status_code == 200


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _findings_xlsx() -> bytes:
    import pyoxigraph as ox
    from audit_support import FINDINGS

    from pcfgraph.audit.inputs.writer import workbook_bytes

    triples = [q.triple for q in ox.parse(FINDINGS.read_bytes(), format=ox.RdfFormat.TURTLE)]
    return workbook_bytes(triples)


def test_workbook_upload_multipart_and_body(client: TestClient) -> None:
    data = _findings_xlsx()
    r = client.post("/validate", files={"model": ("contoso.xlsx", data, XLSX)})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["conforms"] is False
    assert all(res["location"]["file"] == "contoso.xlsx" for res in doc["results"])
    assert {"sheet", "row", "column"} <= set(doc["results"][0]["location"])
    r2 = client.post("/validate?name=contoso.xlsx&format=text", content=data)
    assert r2.status_code == 200
    assert "Customers!" in r2.text


def test_workbook_that_is_not_the_template_is_422(client: TestClient) -> None:
    import io

    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    r = client.post("/validate", content=buf.getvalue(), headers={"Content-Type": XLSX})
    assert r.status_code == 422
    assert "missing sheets" in r.json()["detail"]


def test_template_download(client: TestClient) -> None:
    import io

    from openpyxl import load_workbook

    r = client.get("/templates/orgmodel.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert "Customers" in load_workbook(io.BytesIO(r.content)).sheetnames
    example = client.get("/templates/orgmodel.xlsx?example=true")
    assert load_workbook(io.BytesIO(example.content))["Customers"].max_row > 1


def test_cli_template_convert_and_audit(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from audit_support import CONFORMING
    from rdflib import Graph
    from rdflib.compare import isomorphic

    xlsx = tmp_path / "model.xlsx"
    assert run_main(main, ["template", "orgmodel", "--example", "-o", str(xlsx)]) == 0
    # a workbook written under another name was refused later (.ttl: 'not Turtle text') or by
    # Excel (.xls: 'the file format and extension don't match'): it is refused now, unwritten
    for name in ("model.xls", "model.ttl", "model"):
        capsys.readouterr()
        assert run_main(main, ["template", "orgmodel", "-o", str(tmp_path / name)]) == 2
        assert "the template is an Excel workbook: name it .xlsx" in capsys.readouterr().err
        assert not (tmp_path / name).exists()
    assert run_main(main, ["template", "orgmodel", "-o", str(tmp_path / "MODEL.XLSX")]) == 0
    for ext in ("ttl", "jsonld", "rdf", "nt"):
        out = tmp_path / f"model.{ext}"
        assert run_main(main, ["convert", str(xlsx), str(out)]) == 0
        fmt = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}[ext]
        assert isomorphic(Graph().parse(out, format=fmt), Graph().parse(CONFORMING))
        back = tmp_path / f"back-{ext}.xlsx"
        assert run_main(main, ["convert", str(out), str(back)]) == 0
    assert (
        run_main(main, ["audit", str(xlsx), "--release", str(release_dir), "--as-of", "2025-07-15"])
        == 0
    )
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_findings_xlsx())
    capsys.readouterr()
    code = run_main(main, ["audit", str(bad), "--release", str(release_dir)])
    assert code == 1
    assert "Customers!" in capsys.readouterr().out


def test_archimate_upload_and_invalid_file(client: TestClient) -> None:
    from audit_support import EXAMPLES

    data = (EXAMPLES / "it-organisation-archimate.xml").read_bytes()
    r = client.post("/validate", files={"model": ("fabrikam.xml", data, "application/xml")})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["notUsedByAudit"]["elements"] == 1
    assert all(res["location"]["element"] for res in doc["results"])
    bad = data.replace(b'xsi:type="Contract"', b'xsi:type="Contrakt"')
    r2 = client.post(
        "/validate?name=bad.xml", content=bad, headers={"Content-Type": "application/xml"}
    )
    assert r2.status_code == 422
    body = r2.json()
    assert body["line"] and body["column"]
    assert "ArchiMate" in body["detail"]


def test_web_audit_page_takes_every_format_and_offers_the_template(client: TestClient) -> None:
    import re

    from audit_support import EXAMPLES

    page = client.get("/audit").text
    accept = re.search(r'accept="([^"]+)"', page)
    assert accept is not None
    from pcfgraph.audit.upload_format import EXTENSIONS, MODEL_EXTENSIONS

    # every extension the reader takes (.owl, .ntriples, .nquads were left out of a kept list)
    assert {*EXTENSIONS, *MODEL_EXTENSIONS} <= set(accept.group(1).split(","))
    links = re.findall(r'href="(/templates/orgmodel\.xlsx[^"]*)"', page)
    assert links and all(
        client.get(link.replace("&amp;", "&")).status_code == 200 for link in links
    )
    rules = client.get("/shapes", headers={"Accept": "text/html"})  # the rules, linked
    assert 'href="/shapes"' in page and rules.status_code == 200 and "<h1>Rules</h1>" in rules.text
    for name, data in (
        ("contoso.xlsx", _findings_xlsx()),
        ("fabrikam.xml", (EXAMPLES / "it-organisation-archimate.xml").read_bytes()),
    ):
        r = client.post("/audit", files={"model": (name, data)})
        assert r.status_code == 200, r.text[:300]
        assert "The model has findings." in r.text
    xlsx = client.post("/audit", files={"model": ("contoso.xlsx", _findings_xlsx())}).text
    assert "Customers!" in xlsx


def test_xml_that_is_neither_archimate_nor_rdf_is_415_at_the_edge(client: TestClient) -> None:
    r = client.post("/validate", content=b"<a/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 415
    assert "neither an ArchiMate exchange model nor RDF/XML" in r.json()["detail"]


def test_template_and_convert_never_replace_a_model_unasked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph template orgmodel`` run again, for a fresh copy, silently wrote the empty
    template over the orgmodel.xlsx being filled in; ``convert model.xlsx model.xlsx``
    rewrote the workbook in the template's layout, its added columns gone. Both are refused
    (exit 2), the file as it was; an explicit ``-o`` still replaces it."""
    monkeypatch.chdir(tmp_path)
    assert run_main(main, ["template", "orgmodel"]) == 0
    filled = tmp_path / "orgmodel.xlsx"
    model = _findings_xlsx()
    filled.write_bytes(model)
    for args in (["template", "orgmodel"], ["convert", "orgmodel.xlsx", "./orgmodel.xlsx"]):
        capsys.readouterr()
        assert run_main(main, args) == 2
        err = capsys.readouterr().err
        assert "orgmodel.xlsx" in err and "another" in err
        assert filled.read_bytes() == model
    assert run_main(main, ["template", "orgmodel", "-o", "orgmodel.xlsx"]) == 0
    assert filled.read_bytes() != model
