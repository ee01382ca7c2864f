"""Uploads that start with a byte order mark are read in the encoding the mark says (UTF-8,
UTF-16 LE/BE, UTF-32), with or without a declared charset: Notepad's "Unicode" (UTF-16 with a
mark) was refused ("UTF-16 text ...: save it as UTF-8") though the mark leaves no doubt. A
declared charset that contradicts the mark gives way to it. And the upload limit applies to
the UTF-8 text a declared charset is re-encoded in as well as to the bytes as sent (latin-1 or
Windows-1252 text grows up to 3x), the same 413 naming both sizes. One decision for every edge
(:mod:`pcfgraph.audit.charset`): ``POST /validate``, the workbench, the CLI."""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_support import AS_OF, CONFORMING, EXAMPLES, upload_client
from fastapi.testclient import TestClient
from rdflib import Graph

from pcfgraph.audit.charset import (
    looks_like_utf16,
    looks_like_utf32,
    utf16_without_bom,
    utf32_without_bom,
)
from pcfgraph.audit.parse import Upload, read_model
from pcfgraph.audit.upload_format import upload_format
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import ParseError, PayloadTooLarge

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")

TURTLE_CAFE = (
    "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    '<https://example.org/o> a orgm:Organisation ; orgm:name "Café – 東京" .\n'
)
CAFE_TRIPLES = set(read_model([Upload("model.ttl", TURTLE_CAFE.encode())]).triples)
#: (encoding, byte order mark): every text is these bytes then the text in the encoding.
MARKED = [
    ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE),
]


#: An upload's name and the rdflib format its text is written in, for each named format.
NAMED_FORMATS = [
    ("model.ttl", "turtle"),
    ("model.nt", "nt"),
    ("model.jsonld", "json-ld"),
    ("model.rdf", "xml"),
]


def _marked(text: str, encoding: str, bom: bytes) -> bytes:
    return bom + text.encode(encoding)


def _in_format(fmt: str) -> str:
    return Graph().parse(data=TURTLE_CAFE, format="turtle").serialize(format=fmt)


@pytest.mark.parametrize("encoding,bom", MARKED, ids=[m[0] for m in MARKED])
@pytest.mark.parametrize(
    "name,fmt",
    # no name to go by ("upload"): the content decides, read by its mark
    [*NAMED_FORMATS, ("model.trig", "trig"), ("upload", "turtle")],
)
def test_a_file_with_a_byte_order_mark_is_read_in_its_encoding(
    encoding: str, bom: bytes, name: str, fmt: str
) -> None:
    data = _marked(_in_format(fmt), encoding, bom)
    assert set(read_model([Upload(name, data)]).triples) == CAFE_TRIPLES
    assert upload_format(name, None, data)[0] == "rdf"


@pytest.mark.parametrize(
    "charset", ["iso-8859-1", "utf-8", "utf-16-be", "utf-16"], ids=lambda c: f"declared-{c}"
)
def test_the_byte_order_mark_decides_over_a_declared_charset(charset: str) -> None:
    data = _marked(TURTLE_CAFE, "utf-16-le", codecs.BOM_UTF16_LE)
    model = read_model([Upload("model.ttl", data, f"text/turtle; charset={charset}")])
    assert set(model.triples) == CAFE_TRIPLES


def test_an_archimate_file_in_utf16_is_read_as_its_utf8_file() -> None:
    path = EXAMPLES / "it-organisation-archimate.xml"
    text = path.read_text(encoding="utf-8")
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert upload_format(path.name, None, utf16)[0] == "archimate"
    expected = read_model([Upload(path.name, text.encode("utf-8"))]).triples
    assert set(read_model([Upload(path.name, utf16)]).triples) == set(expected)


@pytest.mark.parametrize("declared", ["UTF-16", "utf-32le"])
@pytest.mark.parametrize("kind", ["archimate", "rdfxml"])
def test_an_xml_declaration_naming_utf16_on_a_utf8_file_is_said_so(
    kind: str, declared: str
) -> None:
    """A file saved as UTF-8 that kept an ``encoding="UTF-16"`` declaration got lxml's "Blank
    needed here"; the declaration is wrong, and the refusal says so at its name."""
    if kind == "archimate":
        name, text = "m.xml", (EXAMPLES / "it-organisation-archimate.xml").read_text("utf-8")
        text = text.replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    else:
        name, text = "m.rdf", _in_format("xml")
        text = text.replace('encoding="utf-8"', f'encoding="{declared}"', 1)
    assert f'encoding="{declared}"' in text
    with pytest.raises(ParseError) as refused:
        read_model([Upload(name, text.encode("utf-8"))])
    assert refused.value.line == 1 and refused.value.column == text.index(declared) + 1
    assert f"the XML declaration says encoding {declared!r}, but the file is not in it" in str(
        refused.value
    )


def _grows(limit: int) -> bytes:
    """Latin-1 Turtle under ``limit`` bytes whose UTF-8 text is over it."""
    comment = "# " + "é" * (limit * 2 // 3) + "\n"
    data = (comment + TURTLE_CAFE.replace(" – 東京", "")).encode("latin-1")
    assert len(data) <= limit < len(data.decode("latin-1").encode("utf-8"))
    return data


def test_the_limit_applies_to_the_utf8_text_too() -> None:
    data = _grows(3000)
    utf8 = len(data.decode("latin-1").encode("utf-8"))
    with pytest.raises(PayloadTooLarge) as refused:
        read_model([Upload("model.ttl", data, "text/turtle; charset=iso-8859-1")], max_bytes=3000)
    assert str(refused.value) == (
        f"model.ttl: {utf8} bytes as UTF-8 ({len(data)} bytes as sent, in iso8859-1) is over "
        "the limit of 3000 bytes (the max_upload_bytes setting)"
    )
    # the same text as UTF-8 is refused by the limit on the bytes as sent
    with pytest.raises(PayloadTooLarge, match=f"model.ttl: {utf8} bytes is over the limit"):
        read_model([Upload("model.ttl", data.decode("latin-1").encode())], max_bytes=3000)
    read_model([Upload("model.ttl", data, "text/turtle; charset=iso-8859-1")], max_bytes=utf8)


# --- UTF-16 without a byte order mark --------------------------------------------------------

#: Latin-1 text only: in UTF-16 a NUL in every other byte, no doubt about the encoding.
TURTLE_LATIN = TURTLE_CAFE.replace(" – 東京", "")
LATIN_TRIPLES = set(read_model([Upload("model.ttl", TURTLE_LATIN.encode())]).triples)
#: Text beyond Latin-1 first: many NULs, but not in every other byte.
TURTLE_TOKYO = "# 東京 – Łódź\n" + TURTLE_LATIN


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "name,fmt", [*NAMED_FORMATS, ("upload", "turtle")]
)  # no name to go by: the content decides
def test_utf16_without_a_mark_is_read_when_every_other_byte_is_nul(
    encoding: str, name: str, fmt: str
) -> None:
    text = Graph().parse(data=TURTLE_LATIN, format="turtle").serialize(format=fmt)
    data = text.encode(encoding)
    assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert utf16_without_bom(data) == encoding
    assert upload_format(name, None, data)[0] == "rdf"
    assert set(read_model([Upload(name, data)]).triples) == LATIN_TRIPLES
    # a declared charset is what the sender says: utf-16 as declared, a UTF-8 one is refused
    declared = f"text/turtle; charset={encoding}" if fmt == "turtle" else None
    if declared:
        assert set(read_model([Upload(name, data, declared)]).triples) == LATIN_TRIPLES


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "data,media_type",
    [
        (TURTLE_TOKYO, None),  # not every other byte is NUL: it only looks like UTF-16
        (TURTLE_LATIN, "text/turtle; charset=utf-8"),  # declared UTF-8, but it is not
    ],
    ids=["beyond-latin1", "declared-utf8"],
)
def test_text_that_looks_like_utf16_without_a_mark_is_refused_saying_so(
    encoding: str, data: str, media_type: str | None
) -> None:
    charset = encoding.replace("-le", "le").replace("-be", "be")
    with pytest.raises(ParseError) as refused:
        read_model([Upload("model.ttl", data.encode(encoding), media_type)])
    assert str(refused.value) == (
        f"model.ttl, line 1, column 1: not Turtle text: the file looks like UTF-16 text "
        f"({encoding[-2:].upper()}) without a byte order mark (a NUL in every other byte), and "
        "is read as UTF-8: save it as UTF-8, or declare its encoding (over HTTP: "
        f"Content-Type: text/turtle; charset={charset})"
    )
    # what it says to do works
    told = f"text/turtle; charset={charset}"
    assert set(read_model([Upload("model.ttl", data.encode(encoding), told)]).triples)


def test_utf32_and_binary_files_are_not_taken_for_utf16() -> None:
    assert utf16_without_bom(TURTLE_LATIN.encode("utf-32-le")) is None
    assert utf16_without_bom(TURTLE_LATIN.encode("utf-32-be")) is None
    assert looks_like_utf16(TURTLE_LATIN.encode("utf-32-le")) is None
    assert utf16_without_bom(TURTLE_LATIN.encode()) is None
    assert utf16_without_bom(b"A\x00") is None  # one character says nothing
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 100)
    workbook = buffer.getvalue()
    assert utf16_without_bom(workbook) is None and looks_like_utf16(workbook) is None


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("name,fmt", [*NAMED_FORMATS, ("upload", "turtle")])
def test_utf32_without_a_mark_is_read_when_three_bytes_of_four_are_nul(
    encoding: str, name: str, fmt: str
) -> None:
    """As UTF-16 without a mark (634250d): it got the parser's error ("'\\x00' is not
    allowed at the beginning of a prefix name"), an unnamed file "cannot tell the format"."""
    text = Graph().parse(data=TURTLE_LATIN, format="turtle").serialize(format=fmt)
    data = text.encode(encoding)
    assert not data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))
    assert utf32_without_bom(data) == encoding and utf16_without_bom(data) is None
    assert upload_format(name, None, data)[0] == "rdf"
    assert set(read_model([Upload(name, data)]).triples) == LATIN_TRIPLES


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
@pytest.mark.parametrize(
    "data,media_type",
    [(TURTLE_TOKYO, None), (TURTLE_LATIN, "text/turtle; charset=utf-8")],
    ids=["beyond-latin1", "declared-utf8"],
)
def test_text_that_looks_like_utf32_without_a_mark_is_refused_saying_so(
    encoding: str, data: str, media_type: str | None
) -> None:
    charset = encoding.replace("-le", "le").replace("-be", "be")
    with pytest.raises(ParseError) as refused:
        read_model([Upload("model.ttl", data.encode(encoding), media_type)])
    assert str(refused.value) == (
        f"model.ttl, line 1, column 1: not Turtle text: the file looks like UTF-32 text "
        f"({encoding[-2:].upper()}) without a byte order mark (NULs in three bytes of every "
        "four), and is read as UTF-8: save it as UTF-8, or declare its encoding (over HTTP: "
        f"Content-Type: text/turtle; charset={charset})"
    )
    told = f"text/turtle; charset={charset}"  # what it says to do works
    assert set(read_model([Upload("model.ttl", data.encode(encoding), told)]).triples)


def test_utf16_and_binary_files_are_not_taken_for_utf32() -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        for text in (TURTLE_LATIN, TURTLE_TOKYO):
            assert utf32_without_bom(text.encode(encoding)) is None
            assert looks_like_utf32(text.encode(encoding)) is None
    assert utf32_without_bom(TURTLE_LATIN.encode()) is None
    assert utf32_without_bom(b"A\x00\x00\x00") is None  # one character says nothing
    assert utf32_without_bom(codecs.BOM_UTF32_LE + TURTLE_LATIN.encode("utf-32-le")) is None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 100)
    workbook = buffer.getvalue()
    assert utf32_without_bom(workbook) is None and looks_like_utf32(workbook) is None


# --- the edges ------------------------------------------------------------------------------


#: The server's upload limit: over the conforming model in UTF-16.
LIMIT = 60_000


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[TestClient]:
    with upload_client(release_dir, max_upload_bytes=LIMIT) as c:
        yield c


def test_validate_and_the_workbench_read_a_utf16_upload_with_no_charset(
    client: TestClient,
) -> None:
    text = CONFORMING.read_text(encoding="utf-8")
    assert len(text.encode("utf-16")) < LIMIT
    url = f"/validate?asOf={AS_OF.isoformat()}"
    expected = client.post(url, content=text.encode(), headers={"Content-Type": "text/turtle"})
    assert expected.status_code == 200, expected.text[:300]
    little, big = text.encode("utf-16"), _marked(text, "utf-16-be", codecs.BOM_UTF16_BE)
    for r in (
        client.post(url, content=little, headers={"Content-Type": "text/turtle"}),
        client.post(url, files={"model": ("model.ttl", big, "text/turtle")}),
    ):
        assert r.status_code == 200, r.text[:300]
        assert r.json()["conforms"] is True
        assert r.json()["results"] == expected.json()["results"]
    page = client.post(
        "/audit",
        files={"model": ("model.ttl", text.encode("utf-16"), "text/turtle")},
        data={"asOf": AS_OF.isoformat()},
    )
    assert page.status_code == 200 and "The model conforms" in page.text


def test_the_cli_reads_a_utf16_file(release_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "model.ttl"
    path.write_bytes(CONFORMING.read_text(encoding="utf-8").encode("utf-16"))
    args = ["audit", str(path), "--release", str(release_dir), "--as-of", AS_OF.isoformat()]
    assert run_main(main, args) == 0


def test_validate_applies_the_limit_to_the_utf8_text(client: TestClient) -> None:
    data = _grows(LIMIT)
    utf8 = len(data.decode("latin-1").encode("utf-8"))
    media = "text/turtle; charset=iso-8859-1"
    for r in (
        client.post("/validate", content=data, headers={"Content-Type": media}),
        client.post("/validate", files={"model": ("model.ttl", data[: LIMIT * 3 // 4], media)}),
    ):
        assert r.status_code == 413, r.text[:300]
        assert r.json()["code"] == "payload-too-large"
        detail = r.json()["detail"]
        assert " bytes as UTF-8 (" in detail and "bytes as sent, in iso8859-1)" in detail
        assert f"over the limit of {LIMIT} bytes (the max_upload_bytes setting)" in detail
    assert (
        str(utf8)
        in client.post("/validate", content=data, headers={"Content-Type": media}).json()["detail"]
    )


def test_every_edge_reads_utf16_without_a_mark_and_refuses_lookalikes_clearly(
    client: TestClient, release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``POST /validate`` (body and form), the workbench and ``pcfgraph audit FILE``: UTF-16
    text without a mark is read when every other byte is NUL; text that only looks like it is
    400 (exit 2), as undecodable text is, saying what it looks like and what to do."""
    text = CONFORMING.read_text(encoding="utf-8")
    url = f"/validate?asOf={AS_OF.isoformat()}"
    expected = client.post(url, content=text.encode(), headers={"Content-Type": "text/turtle"})
    assert expected.status_code == 200, expected.text[:300]
    little = text.encode("utf-16-le")
    for r in (
        client.post(url, content=little, headers={"Content-Type": "text/turtle"}),
        client.post(url, files={"model": ("model.ttl", text.encode("utf-16-be"), "text/turtle")}),
    ):
        assert r.status_code == 200, r.text[:300]
        assert r.json()["results"] == expected.json()["results"]
    page = client.post(
        "/audit",
        files={"model": ("model.ttl", little, "text/turtle")},
        data={"asOf": AS_OF.isoformat()},
    )
    assert page.status_code == 200 and "The model conforms" in page.text
    path = tmp_path / "model.ttl"
    path.write_bytes(little)
    args = ["audit", str(path), "--release", str(release_dir), "--as-of", AS_OF.isoformat()]
    assert run_main(main, args) == 0
    capsys.readouterr()

    tokyo = ("# 東京\n" + text).encode("utf-16-le")
    told = "looks like UTF-16 text (LE) without a byte order mark"
    for r in (
        client.post(url, content=tokyo, headers={"Content-Type": "text/turtle"}),
        client.post(url, files={"model": ("model.ttl", tokyo, "text/turtle")}),
    ):
        assert r.status_code == 400, r.text[:300]
        assert r.json()["code"] == "parse-error"
        assert told in r.json()["detail"] and "charset=utf-16le" in r.json()["detail"]
    page = client.post("/audit", files={"model": ("model.ttl", tokyo, "text/turtle")})
    assert page.status_code == 400 and told in page.text
    path.write_bytes(tokyo)
    assert run_main(main, args) == 2
    err = capsys.readouterr().err
    assert told in err and "save it as UTF-8" in err


def test_every_edge_reads_utf32_without_a_mark_and_refuses_lookalikes_clearly(
    client: TestClient, release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``POST /validate``, the workbench and ``pcfgraph audit FILE`` on UTF-32 without a
    mark: read when three bytes of every four are NUL, else 400 (exit 2) saying what to do."""
    text = TURTLE_LATIN  # the conforming model is over the server's limit in UTF-32
    url = f"/validate?asOf={AS_OF.isoformat()}"
    expected = client.post(url, content=text.encode(), headers={"Content-Type": "text/turtle"})
    assert expected.status_code == 200, expected.text[:300]
    assert expected.json()["results"]  # something to compare
    little = text.encode("utf-32-le")
    for r in (
        client.post(url, content=little, headers={"Content-Type": "text/turtle"}),
        client.post(url, files={"model": ("model.ttl", text.encode("utf-32-be"), "text/turtle")}),
    ):
        assert r.status_code == 200, r.text[:300]
        assert r.json()["results"] == expected.json()["results"]
    page = client.post(
        "/audit",
        files={"model": ("model.ttl", little, "text/turtle")},
        data={"asOf": AS_OF.isoformat()},
    )
    assert page.status_code == 200 and "The model has findings." in page.text
    path = tmp_path / "model.ttl"
    path.write_bytes(CONFORMING.read_text(encoding="utf-8").encode("utf-32-le"))
    args = ["audit", str(path), "--release", str(release_dir), "--as-of", AS_OF.isoformat()]
    assert run_main(main, args) == 0
    capsys.readouterr()

    tokyo = TURTLE_TOKYO.encode("utf-32-le")
    told = "looks like UTF-32 text (LE) without a byte order mark"
    r = client.post(url, content=tokyo, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 400, r.text[:300]
    assert r.json()["code"] == "parse-error"
    assert told in r.json()["detail"] and "charset=utf-32le" in r.json()["detail"]
    page = client.post("/audit", files={"model": ("model.ttl", tokyo, "text/turtle")})
    assert page.status_code == 400 and told in page.text
    path.write_bytes(tokyo)
    assert run_main(main, args) == 2
    assert told in capsys.readouterr().err
