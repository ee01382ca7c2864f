"""What an upload is, decided in one place (:func:`pcfgraph.audit.upload_format.upload_format`) for the
workbench, ``POST /validate``, the CLI and the sandbox's reader: a media type naming a model
format decides; one that says nothing leaves it to the name, then to the content; anything
else is 415 / exit 2 naming every format read and how to name the file."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from audit_support import AS_OF, CONFORMING, EXAMPLES, upload_client
from fastapi.testclient import TestClient
from rdflib import Graph

from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.audit.parse import Upload, read_model
from pcfgraph.audit.upload_format import upload_format
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.conneg import XLSX_MEDIA_TYPE
from pcfgraph.errors import ModelError, ParseError, UnsupportedMediaType

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")

CSV = b"id,name,type\ncust-1,Contoso,Customer\n"
GENERIC = [None, "", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded"]


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _told_every_format(message: str) -> None:
    for expected in (".ttl", ".jsonld", ".xlsx", ".archimate", "text/turtle", XLSX_MEDIA_TYPE):
        assert expected in message
    assert "name the file" in message and "Content-Type" in message


@pytest.mark.parametrize("media", GENERIC)
@pytest.mark.parametrize("name", ["people.csv", "upload", "model.dat"])
def test_an_upload_nothing_names_is_refused_with_every_format(name: str, media: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        upload_format(name, media, CSV)
    message = str(refused.value)
    assert message.startswith(f"{name}: cannot tell the format")
    _told_every_format(message)
    assert "spreadsheet template" in message and "CSV" in message  # what to do with a CSV


@pytest.mark.parametrize("media", GENERIC)
def test_an_upload_nothing_names_is_read_by_its_content(media: str | None) -> None:
    turtle = CONFORMING.read_bytes()
    jsonld = Graph().parse(data=turtle, format="turtle").serialize(format="json-ld").encode()
    rdfxml = Graph().parse(data=turtle, format="turtle").serialize(format="xml").encode()
    archimate = (EXAMPLES / "it-organisation-archimate.xml").read_bytes()
    assert upload_format("upload", media, turtle) == ("rdf", ox.RdfFormat.TURTLE)
    assert upload_format("upload", media, b"\xef\xbb\xbf# a comment\n" + turtle)[1] is (
        ox.RdfFormat.TURTLE
    )
    assert upload_format("upload", media, jsonld) == ("rdf", ox.RdfFormat.JSON_LD)
    assert upload_format("upload", media, rdfxml) == ("rdf", ox.RdfFormat.RDF_XML)
    assert upload_format("upload", media, archimate) == ("archimate", None)
    assert upload_format("upload", media, template_bytes()) == ("xlsx", None)
    # the name still decides before the content
    assert upload_format("m.nt", media, turtle) == ("rdf", ox.RdfFormat.N_TRIPLES)


def test_a_proper_media_type_decides_whatever_the_name() -> None:
    assert upload_format("people.csv", "text/turtle", CSV) == ("rdf", ox.RdfFormat.TURTLE)
    assert upload_format("upload", "application/ld+json; charset=utf-8", b"{}")[1] is (
        ox.RdfFormat.JSON_LD
    )
    assert upload_format("m.xlsx", "application/vnd.ms-excel", b"PK")[0] == "xlsx"


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Excel 97-2003 (.xls)"),
        (b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "OpenDocument"),
        (_zip({"notes.txt": b"minutes"}), "ZIP archive that is not an Excel workbook"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "gzip-compressed"),
        (b"<!DOCTYPE html>\n<html><body>Report</body></html>", "an HTML page"),
        (b"<html lang='en'><head>", "an HTML page"),
    ],
    ids=["xls", "ods", "zip", "pdf", "gzip", "html-doctype", "html"],
)
def test_a_file_of_a_format_not_read_is_told_what_it_is(data: bytes, expected: str) -> None:
    with pytest.raises(UnsupportedMediaType, match=re.escape(expected)):
        upload_format("upload", "application/octet-stream", data)


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[TestClient]:
    with upload_client(release_dir) as c:
        yield c


def test_every_edge_refuses_an_unnamed_csv_with_the_same_415(
    client: TestClient, release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The workbench read it as Turtle ("not valid Turtle: id is not a valid subject", 400)
    while ``POST /validate`` refused it: one upload, one answer now."""
    octet = "application/octet-stream"
    answers = []
    for r in (
        client.post("/audit", files={"model": ("people.csv", CSV, octet)}),
        client.post("/validate", files={"model": ("people.csv", CSV, octet)}),
        client.post("/validate?name=people.csv", content=CSV, headers={"Content-Type": octet}),
    ):
        assert r.status_code == 415, r.text[:300]
        answers.append(r.text)
    detail = client.post("/validate", files={"model": ("people.csv", CSV, octet)}).json()["detail"]
    _told_every_format(detail)
    assert "Turtle:" not in answers[0]
    assert detail.replace("'", "&#39;") in answers[0]  # the page shows the same message
    path = tmp_path / "people.csv"
    path.write_bytes(CSV)
    assert run_main(main, ["audit", str(path), "--release", str(release_dir)]) == 2
    assert detail.replace("people.csv", str(path)) in capsys.readouterr().err


def test_every_edge_reads_an_unnamed_turtle_upload(client: TestClient) -> None:
    """A Turtle file saved without an extension and sent as octet-stream: the workbench read it
    (as Turtle, its default) while ``POST /validate`` refused it with 415."""
    data = CONFORMING.read_bytes()
    octet = "application/octet-stream"
    as_of = AS_OF.isoformat()
    page = client.post("/audit", files={"model": ("model", data, octet)}, data={"asOf": as_of})
    assert page.status_code == 200 and "The model conforms" in page.text
    url = f"/validate?asOf={as_of}"
    for r in (
        client.post(url, files={"model": ("model", data, octet)}),
        client.post(url, content=data, headers={"Content-Type": octet}),
        client.post(url, content=data, headers={"Content-Type": "text/plain"}),
    ):
        assert r.status_code == 200, r.text[:300]
        assert r.json()["conforms"] is True


TURTLE_CAFE = (
    "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    '<https://example.org/o> a orgm:Organisation ; orgm:name "Café" .\n'
)


def test_a_utf16_file_is_read_by_its_byte_order_mark() -> None:
    """Notepad's "Unicode" is UTF-16 with a byte order mark: it was "Invalid UTF-8 character
    encoding" (Turtle) or "Unexpected byte: \\xFF" (JSON-LD), then "save it as UTF-8"; the
    mark says the encoding, so it is read (tests/test_upload_bom.py)."""
    model = read_model([Upload("model.ttl", TURTLE_CAFE.encode("utf-16"))])
    assert set(model.triples) == set(read_model([Upload("m.ttl", TURTLE_CAFE.encode())]).triples)
    assert upload_format("upload", None, TURTLE_CAFE.encode("utf-16")) == (
        "rdf",
        ox.RdfFormat.TURTLE,
    )


def test_a_latin1_file_is_told_to_be_saved_as_utf8() -> None:
    with pytest.raises(ParseError, match="save it with UTF-8 encoding") as refused:
        read_model([Upload("model.ttl", TURTLE_CAFE.encode("latin-1"))])
    assert refused.value.line == 2


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "password-protected"),
        (CSV, "spreadsheet template"),
        (b"", "an empty file"),
    ],
    ids=["encrypted-or-xls", "csv", "empty"],
)
def test_a_file_named_xlsx_that_is_no_workbook_says_what_it_is(data: bytes, expected: str) -> None:
    """It was "not an .xlsx workbook (not a readable zip archive)" for each."""
    with pytest.raises(ModelError, match=re.escape(expected)):
        read_model([Upload("model.xlsx", data)])


def test_an_ill_typed_date_is_a_finding_not_a_stack_trace(
    release_dir: Path, tmp_path: Path
) -> None:
    """``"31/12/2025"^^xsd:date``: rdflib logged a warning with its traceback, which Python's
    last-resort handler printed on the auditor's terminal above the report; the report's
    finding naming the value is what the auditor needs."""
    model = CONFORMING.read_text().replace(
        'orgm:validUntil "2025-12-31"^^xsd:date', 'orgm:validUntil "31/12/2025"^^xsd:date', 1
    )
    assert "31/12/2025" in model
    code = (
        "import sys\n"
        "from pcfgraph.cli.common import run_main\n"
        "from pcfgraph.cli import main\n"
        "sys.exit(run_main(main, sys.argv[1:]))\n"
    )
    path = tmp_path / "model.ttl"
    path.write_text(model)
    args = ["audit", str(path), "--release", str(release_dir), "--as-of", AS_OF.isoformat()]
    run = subprocess.run(
        [sys.executable, "-c", code, *args, "--format", "text"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "Failed to convert" not in run.stderr, run.stderr
    assert "[31/12/2025]" in run.stdout


def _strict(data: bytes) -> bytes:
    """The workbook as Excel's "Strict Open XML Spreadsheet" names its parts."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            part = src.read(info.filename)
            for old, new in (
                (
                    b"schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"purl.oclc.org/ooxml/spreadsheetml/main",
                ),
                (
                    b"schemas.openxmlformats.org/officeDocument/2006/relationships",
                    b"purl.oclc.org/ooxml/officeDocument/relationships",
                ),
            ):
                part = part.replace(b"http://" + old, b"http://" + new)
            z.writestr(info, part)
    return out.getvalue()


def test_a_strict_open_xml_workbook_is_told_to_be_saved_as_xlsx() -> None:
    """Its sheets read as missing: it was "not the organisational-model template: missing
    sheets 'Organisation', 'Units', ..." for the template itself."""
    with pytest.raises(ModelError, match="Strict Open XML") as refused:
        read_model([Upload("model.xlsx", _strict(template_bytes(example=True)))])
    assert "missing sheet" not in str(refused.value)


def test_a_namespace_formula_with_no_saved_value_is_said() -> None:
    """The README's Namespace cell as a formula never calculated read as empty: the model's
    nodes were silently minted in the default namespace."""
    from audit_support import edited_workbook

    from pcfgraph.audit.inputs.sheets import NAMESPACE_LABEL, README_SHEET

    def formula(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb[README_SHEET]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == NAMESPACE_LABEL)
        ws.cell(row, 2).value = '=CONCAT("https://example.org/", "acme/")'

    data = edited_workbook(template_bytes(example=True), formula)
    with pytest.raises(ModelError, match=r"formula .* with no saved value") as refused:
        read_model([Upload("model.xlsx", data)])
    assert NAMESPACE_LABEL in str(refused.value)


@pytest.mark.parametrize("name", ["model.ttl", "model.jsonld", "model.rdf", "model.nt"])
def test_a_workbook_named_as_rdf_is_told_to_be_named_xlsx(name: str) -> None:
    """It was "not valid Turtle: PK is not a valid subject", "Unexpected char: 'P'" (JSON-LD)
    or "save it with UTF-8 encoding" (RDF/XML): nothing said it is a workbook."""
    with pytest.raises(ParseError, match=r"the file is an Excel workbook: name it \.xlsx"):
        read_model([Upload(name, template_bytes())])


# --- uploads in a declared charset (pcfgraph.audit.charset) -------------------------------

CAFE_TRIPLES = read_model([Upload("model.ttl", TURTLE_CAFE.encode())]).triples


def _in_format(fmt: str) -> str:
    return Graph().parse(data=TURTLE_CAFE, format="turtle").serialize(format=fmt)


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252", "latin1", "utf-16", "UTF-8"])
@pytest.mark.parametrize(
    "name,media,fmt",
    [
        ("model.ttl", "text/turtle", "turtle"),
        ("model.nt", "application/n-triples", "nt"),
        ("model.jsonld", "application/ld+json", "json-ld"),
        ("model.rdf", "application/rdf+xml", "xml"),
        ("upload", "text/plain", "turtle"),  # the content decides, read in the charset
    ],
)
def test_an_upload_is_decoded_by_its_declared_charset(
    charset: str, name: str, media: str, fmt: str
) -> None:
    """``text/turtle; charset=iso-8859-1`` was read as UTF-8 and refused ("save it with UTF-8
    encoding"): the text is decoded by its charset, the same model as its UTF-8 file."""
    data = _in_format(fmt).encode(charset)
    model = read_model([Upload(name, data, f"{media}; charset={charset}")])
    assert set(model.triples) == set(CAFE_TRIPLES)


def test_rdfxml_is_read_in_the_encoding_it_declares() -> None:
    """rdflib (expat) honours an XML declaration's encoding; pyoxigraph refused it."""
    xml = _in_format("xml").replace('encoding="utf-8"', 'encoding="ISO-8859-1"')
    assert 'encoding="ISO-8859-1"' in xml
    model = read_model([Upload("model.rdf", xml.encode("latin-1"))])
    assert set(model.triples) == set(CAFE_TRIPLES)


def test_a_parse_error_in_a_declared_charset_keeps_its_line_and_column() -> None:
    bad = '<urn:a> <urn:p> "é" .\n<urn:a> <urn:p> "ééé" bad .\n'.encode("latin-1")
    with pytest.raises(ParseError, match="bad is not a valid subject") as refused:
        read_model([Upload("bad.ttl", bad, "text/turtle; charset=iso-8859-1")])
    assert (refused.value.line, refused.value.column) == (2, 23)
    with pytest.raises(ParseError, match=r"not valid cp1252 text .*bytes 81") as undecodable:
        read_model(
            [Upload("bad.ttl", b'# x\n<urn:a> <urn:p> "\x81" .', "text/turtle; charset=cp1252")]
        )
    assert (undecodable.value.line, undecodable.value.column) == (2, 18)


@pytest.mark.parametrize("charset", ["klingon", "rot13", "base64", '"x-unknown"'])
def test_an_unknown_charset_is_refused_naming_it(charset: str) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        upload_format("model.ttl", f"text/turtle; charset={charset}", TURTLE_CAFE.encode())
    assert f"model.ttl: charset '{charset.strip(chr(34))}' is not a character encoding" in str(
        refused.value
    )


def test_a_dtd_in_a_declared_charset_is_still_refused() -> None:
    """The DTD check reads the UTF-8 the text is re-encoded in: another encoding hides nothing."""
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE r [<!ENTITY a "é">]>\n<r/>'
    for media in (None, "application/rdf+xml; charset=iso-8859-1"):
        with pytest.raises(ParseError, match="DTD") as refused:
            read_model([Upload("model.rdf", xml.encode("latin-1"), media)])
        assert (refused.value.line, refused.value.column) == (2, 1)
    utf16 = xml.replace("ISO-8859-1", "UTF-16").encode("utf-16")
    with pytest.raises(ParseError, match="DTD"):
        read_model([Upload("model.rdf", utf16, "application/rdf+xml; charset=utf-16")])


def _same_report(a: dict[str, object], b: dict[str, object]) -> None:
    # "model" names the bytes sent (their size and sha256), another in each encoding
    volatile = {"generated", "elapsed", "timings", "duration", "model"}
    assert {k: v for k, v in a.items() if k not in volatile} == {
        k: v for k, v in b.items() if k not in volatile
    }
    assert a["model"]["triples"] == b["model"]["triples"]  # type: ignore[index]


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252", "utf-16"])
def test_every_edge_reads_an_upload_in_its_declared_charset(
    client: TestClient, charset: str
) -> None:
    """The conforming model (ê, ö and an en dash in its comments and names) sent in another
    charset: POST /validate (body and multipart part) and the workbench read it as its UTF-8
    file, with the same report."""
    text = CONFORMING.read_text(encoding="utf-8")
    if charset == "iso-8859-1":
        text = text.replace("\u2013", "-")  # no en dash in Latin-1
    data, media = text.encode(charset), f"text/turtle; charset={charset}"
    as_of = AS_OF.isoformat()
    url = f"/validate?asOf={as_of}"
    expected = client.post(url, content=text.encode(), headers={"Content-Type": "text/turtle"})
    assert expected.status_code == 200, expected.text[:300]
    for r in (
        client.post(url, content=data, headers={"Content-Type": media}),
        client.post(url, files={"model": ("model.ttl", data, media)}),
    ):
        assert r.status_code == 200, r.text[:300]
        assert r.json()["conforms"] is True
        _same_report(r.json(), expected.json())
    page = client.post("/audit", files={"model": ("model.ttl", data, media)}, data={"asOf": as_of})
    assert page.status_code == 200 and "The model conforms" in page.text


def test_an_unknown_charset_is_415_naming_it_over_http(client: TestClient) -> None:
    data = TURTLE_CAFE.encode()
    media = "text/turtle; charset=klingon"
    for r in (
        client.post("/validate", content=data, headers={"Content-Type": media}),
        client.post("/validate", files={"model": ("model.ttl", data, media)}),
    ):
        assert r.status_code == 415, r.text[:300]
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "unsupported-media-type"
        assert "charset 'klingon' is not a character encoding" in r.json()["detail"]
    page = client.post("/audit", files={"model": ("model.ttl", data, media)})
    assert page.status_code == 415 and "charset &#39;klingon&#39;" in page.text


@pytest.mark.parametrize(
    "media", ["text/csv", "text/csv; charset=utf-8", "text/tab-separated-values"]
)
def test_a_body_sent_as_csv_is_told_the_csv_advice_whatever_it_holds(
    client: TestClient, media: str
) -> None:
    """A workbook sent with Content-Type text/csv was 415 "media type 'text/csv' is not
    supported" without the advice a CSV body gets (the template, upload the .xlsx); it gets it
    now, and, since the body is a workbook, the media type to send it with."""
    xlsx = template_bytes(example=True)
    r = client.post("/validate", content=xlsx, headers={"Content-Type": media})
    assert r.status_code == 415, r.text[:300]
    detail = r.json()["detail"]
    assert "a CSV file is not read: put its rows in the spreadsheet template" in detail
    assert f"the content is an Excel workbook: send it as {XLSX_MEDIA_TYPE}" in detail
    csv = client.post("/validate", content=CSV, headers={"Content-Type": media}).json()["detail"]
    assert "a CSV file is not read" in csv and "Excel workbook" not in csv


@pytest.mark.parametrize(
    ("namespace", "which"),
    [
        ("http://www.opengroup.org/xsd/archimate", "ArchiMate 2.1's"),
        ("http://www.opengroup.org/xsd/archimate/3.1/", "version 3.1"),
    ],
)
def test_an_archimate_exchange_file_of_another_version_is_told_so_where_it_is(
    client: TestClient,
    release_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    namespace: str,
    which: str,
) -> None:
    """It went on to the RDF/XML parser: "not valid RDF/XML: XML namespaces are required in
    RDF/XML", nothing about ArchiMate nor where. Now every edge says what the file is, where
    its root element is, and which namespace is read."""
    exchange = (EXAMPLES / "it-organisation-archimate.xml").read_bytes()
    other = exchange.replace(b"http://www.opengroup.org/xsd/archimate/3.0/", namespace.encode())
    line = other[: other.index(b"<model")].count(b"\n") + 1
    expected = (
        f"fabrikam.xml, line {line}, column 1: an ArchiMate exchange model in the namespace "
        f"{namespace} ({which}), which pcfgraph does not read"
    )
    for media in (None, "application/xml"):
        with pytest.raises(UnsupportedMediaType) as refused:
            upload_format("fabrikam.xml", media, other)
        assert str(refused.value).startswith(expected)
        assert "http://www.opengroup.org/xsd/archimate/3.0/" in str(refused.value)
    r = client.post("/validate", files={"model": ("fabrikam.xml", other)})
    assert r.status_code == 415, r.text[:300]
    assert r.json()["detail"].startswith(expected)
    path = tmp_path / "fabrikam.xml"
    path.write_bytes(other)
    assert run_main(main, ["audit", str(path), "--release", str(release_dir)]) == 2
    assert expected.replace("fabrikam.xml", str(path)) in capsys.readouterr().err
    assert upload_format("fabrikam.xml", None, exchange) == ("archimate", None)  # 3.x: read


def test_an_xml_file_that_cannot_be_rdf_xml_is_told_so_where_its_root_is(
    client: TestClient,
) -> None:
    """An .xml file naming no RDF namespace (an ArchiMate model moved to another namespace, any
    other XML) went to the RDF/XML parser: "XML namespaces are required in RDF/XML", nothing
    about what the file is nor where. RDF/XML whose root is a node element still reads."""
    exchange = (EXAMPLES / "it-organisation-archimate.xml").read_bytes()
    moved = exchange.replace(b"http://www.opengroup.org/xsd/archimate/3.0/", b"urn:x:other#")
    line = moved[: moved.index(b"<model")].count(b"\n") + 1
    plain = b'<?xml version="1.0"?>\n<!-- books -->\n<catalog><book/></catalog>\n'
    cases = [
        (
            moved,
            f"line {line}, column 1: an XML file whose root element is <model> in the "
            "namespace urn:x:other#",
        ),
        (plain, "line 3, column 1: an XML file whose root element is <catalog> (no namespace)"),
    ]
    for data, said in cases:
        with pytest.raises(UnsupportedMediaType) as refused:
            upload_format("org.xml", None, data)
        assert str(refused.value).startswith(f"org.xml, {said}: neither an ArchiMate"), refused
        r = client.post("/validate", files={"model": ("org.xml", data)})
        assert r.status_code == 415 and said in r.json()["detail"], r.text[:300]
    node_root = (
        b'<?xml version="1.0"?>\n<ex:Team xmlns:ex="urn:x:" '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" rdf:about="urn:x:t"/>\n'
    )
    assert upload_format("org.xml", None, node_root) == ("rdf", ox.RdfFormat.RDF_XML)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            b"<https://example.org/it> a <https://w3id.org/pcfgraph/orgmodel#Organisation> .\n",
            "Turtle (.ttl, text/turtle)",
        ),
        (b"# our model\n@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n", "Turtle"),
        (b"PREFIX orgm: <https://w3id.org/pcfgraph/orgmodel#>\n", "Turtle"),
        (b'{"@context": {}, "@id": "https://example.org/it"}', "JSON-LD"),
    ],
)
def test_turtle_or_json_ld_sent_as_xml_is_told_what_it_is(
    client: TestClient, data: bytes, said: str
) -> None:
    """Turtle sent as XML (an MCP client's format "archimate", a .xml name, application/xml)
    was read for its root element, and the client told "an XML file whose root element is
    <https>": its first IRI. It is named for what it is and how to send it."""
    for name, media in (("model.xml", None), ("model", "application/xml")):
        with pytest.raises(UnsupportedMediaType) as refused:
            upload_format(name, media, data)
        text = str(refused.value)
        assert text.startswith(f"{name}: sent as XML") and f"the content is {said}" in text
        assert "root element" not in text
    r = client.post("/validate", files={"model": ("model.xml", data)})
    assert r.status_code == 415 and "the content is " + said in r.json()["detail"], r.text


def test_binary_data_with_a_comma_in_its_first_line_is_not_called_csv() -> None:
    """Random bytes nearly always hold a comma, semicolon or tab before their first newline,
    so a corrupt or binary upload was refused as "CSV text" with the advice to put its rows
    in the template; a CSV saved by Excel (Windows-1252) is still told it."""
    from pcfgraph.audit.sniff import foreign

    junk = b"\x8a\x00\x13,\x9c\x04\n" + bytes(range(256))
    assert "CSV" not in (foreign(junk) or "")
    assert (foreign(b"Caf\xe9;Kind;Name\r\nx;y;z\r\n") or "").startswith("CSV text")


@pytest.mark.parametrize("keep", [3000, 40000])
def test_a_workbook_cut_short_is_told_to_be_sent_whole(keep: int) -> None:
    """A workbook cut short (an incomplete download, a truncated mail attachment) was "a ZIP
    archive that is not an Excel workbook", or "not a readable .xlsx workbook: BadZipFile":
    the user was told the file was of the wrong kind, not that its end was missing."""
    data = template_bytes(example=True)[:keep]
    message = "an Excel workbook cut short: the end of the file is missing"
    with pytest.raises(ModelError, match=message):
        read_model([Upload("model.xlsx", data)])
    with pytest.raises(UnsupportedMediaType, match=message):  # named by nothing: the content
        upload_format("upload", "application/octet-stream", data)
