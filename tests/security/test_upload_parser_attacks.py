"""Security regression suite, upload side, at the parser every upload goes through
(:func:`pcfgraph.audit.parse.parse_upload`, run inside the sandbox by ``POST /validate``).

Each asserts the error class and ``code``, a time bound, and that nothing was fetched or
read (a loopback canary sees zero connections; a local secret never appears).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pcfgraph.audit.parse import Upload, parse_upload
from pcfgraph.errors import PayloadTooLarge, PcfgraphError

from .conftest import Canary, secret_file

MB4 = 4 * 1024 * 1024


def refused(upload: Upload, bound: float = 2.0, **limits: int) -> PcfgraphError:
    t0 = time.monotonic()
    with pytest.raises(PcfgraphError) as info:
        parse_upload(upload, **limits)
    assert time.monotonic() - t0 < bound
    assert 400 <= info.value.http_status < 500
    assert "Traceback" not in str(info.value)
    return info.value


def test_jsonld_remote_context(canary: Canary) -> None:
    doc = f'{{"@context": "{canary.url}", "@id": "http://ex.org/a", "name": "x"}}'
    err = refused(Upload("m.jsonld", doc.encode(), "application/ld+json"))
    assert err.code in {"parse-error", "bad-input"}
    time.sleep(0.3)
    assert canary.hits == 0


def test_jsonld_file_context(tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    doc = f'{{"@context": "file://{secret}", "@id": "http://ex.org/a", "name": "x"}}'
    err = refused(Upload("m.jsonld", doc.encode(), "application/ld+json"))
    assert "TOP-SECRET" not in str(err)


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/">
  <rdf:Description rdf:about="http://ex.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_rdfxml_billion_laughs() -> None:
    err = refused(Upload("m.rdf", LAUGHS, "application/rdf+xml"))
    assert err.code == "parse-error" and "DTD" in str(err)


def test_rdfxml_external_entity(tmp_path: Path, canary: Canary) -> None:
    secret = secret_file(tmp_path)
    for target in (f"file://{secret}", canary.url):
        doc = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{target}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/">
  <rdf:Description rdf:about="http://ex.org/a"><ex:p>&xxe;</ex:p></rdf:Description>
</rdf:RDF>""".encode()
        err = refused(Upload("m.rdf", doc, "application/rdf+xml"))
        assert err.code == "parse-error" and "TOP-SECRET" not in str(err)
    # another encoding cannot smuggle the DTD past the check
    utf16 = LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    refused(Upload("m.rdf", utf16.encode("utf-16"), "application/rdf+xml"))
    time.sleep(0.3)
    assert canary.hits == 0


def test_character_reference_flood() -> None:
    refs = b"&#x41;" * ((MB4 - 400) // 6)
    doc = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:ex="http://ex.org/"><rdf:Description rdf:about="http://ex.org/a"><ex:p>'
        + refs
        + b"</ex:p></rdf:Description></rdf:RDF>"
    )
    assert len(doc) <= MB4
    t0 = time.monotonic()
    try:
        triples = parse_upload(Upload("m.rdf", doc, "application/rdf+xml"), max_bytes=MB4)
    except PcfgraphError as exc:  # refusing it is fine too
        assert 400 <= exc.http_status < 500
    else:  # parsed linearly: one literal of ~700k characters
        assert len(triples) == 1
    assert time.monotonic() - t0 < 5
    with pytest.raises(PayloadTooLarge):
        parse_upload(Upload("m.rdf", doc + b" " * 1024, "application/rdf+xml"), max_bytes=MB4)


@pytest.mark.parametrize(
    ("name", "media", "doc"),
    [
        (
            "m.ttl",
            "text/turtle",
            b"<http://ex.org/a> <http://ex.org/p> "
            + b"[ <http://ex.org/p> " * 20000
            + b"1"
            + b" ]" * 20000
            + b" .",
        ),
        (
            "m.ttl",
            "text/turtle",
            b"<http://ex.org/a> <http://ex.org/p> " + b"( " * 20000 + b")" * 20000 + b" .",
        ),
        (
            "m.jsonld",
            "application/ld+json",
            b'{"@id": "http://ex.org/a", "http://ex.org/p": ' + b"[" * 20000 + b"]" * 20000 + b"}",
        ),
        ("m.jsonld", "application/ld+json", b'{"http://ex.org/p": ' * 20000 + b"1" + b"}" * 20000),
    ],
)
def test_deep_nesting(name: str, media: str, doc: bytes) -> None:
    err = refused(Upload(name, doc, media))
    assert err.code == "parse-error" and "nested" in str(err)


@pytest.mark.parametrize(
    ("media", "code"),
    [("application/xml", "unsupported-media-type"), ("text/html", "unsupported-media-type")],
)
def test_wrong_media_types(media: str, code: str) -> None:
    err = refused(Upload("model", b"<a/>", media))
    assert err.code == code


def test_oversized_upload() -> None:
    err = refused(Upload("m.nt", b"#" * 2048, "application/n-triples"), max_bytes=1024)
    assert err.code == "payload-too-large"
