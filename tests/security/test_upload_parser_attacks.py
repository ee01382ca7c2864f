"""Security regression suite, upload side, at the parser every upload goes through
(:func:`pcfgraph.audit.parse.parse_upload`, run inside the sandbox by ``POST /validate``).

Each asserts the error class and ``code``, that nothing was fetched or read (a loopback canary
sees zero connections; a local secret never appears), and how much work the refusal took,
counted, not timed: the RDF parser (pyoxigraph's ``parse``, which ``parse_upload`` calls) is
watched by :class:`ParserWork`, so "refused before parsing" means the parser never saw the
bytes and "refused while parsing" means it produced no statement. A wall-clock bound would
say the same thing only on an idle machine (and fail on a loaded one); the counts say it on
any machine, and they fail when a check before the parser is removed.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from pcfgraph.audit import parse
from pcfgraph.audit.parse import MAX_NESTING, Upload, parse_upload
from pcfgraph.errors import ParseError, PayloadTooLarge, PcfgraphError

from .conftest import Canary, secret_file

MB4 = 4 * 1024 * 1024


class ParserWork:
    """What the RDF parser did: how often it was called, on how many bytes, and how many
    statements it produced (the real parser does the parsing; this only counts)."""

    def __init__(self) -> None:
        self.calls = 0
        self.bytes = 0
        self.statements = 0

    def parse(self, data: bytes, *args: Any, **kwargs: Any) -> Iterator[Any]:
        self.calls += 1
        self.bytes += len(data)
        for statement in REAL_PARSE(data, *args, **kwargs):
            self.statements += 1
            yield statement


REAL_PARSE = ox.parse


@pytest.fixture()
def parser(monkeypatch: pytest.MonkeyPatch) -> ParserWork:
    work = ParserWork()
    assert parse.ox is ox  # parse_upload calls the parser through this module
    monkeypatch.setattr(ox, "parse", work.parse)
    return work


def refused(upload: Upload, parser: ParserWork, **limits: int) -> PcfgraphError:
    with pytest.raises(PcfgraphError) as info:
        parse_upload(upload, **limits)
    assert 400 <= info.value.http_status < 500
    assert "Traceback" not in str(info.value)
    assert parser.statements == 0  # nothing parsed into the model, let alone expanded
    return info.value


def test_jsonld_remote_context(canary: Canary, parser: ParserWork) -> None:
    doc = f'{{"@context": "{canary.url}", "@id": "http://ex.org/a", "name": "x"}}'
    err = refused(Upload("m.jsonld", doc.encode(), "application/ld+json"), parser)
    assert err.code in {"parse-error", "bad-input"}
    assert canary.settled_hits() == 0


def test_jsonld_file_context(tmp_path: Path, parser: ParserWork) -> None:
    secret = secret_file(tmp_path)
    doc = f'{{"@context": "file://{secret}", "@id": "http://ex.org/a", "name": "x"}}'
    err = refused(Upload("m.jsonld", doc.encode(), "application/ld+json"), parser)
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


def assert_refused_at_the_dtd(err: PcfgraphError, parser: ParserWork) -> None:
    """Refused by the DTD check, at the ``<!DOCTYPE`` (line 2), before the parser saw the
    bytes: no entity was declared, let alone expanded (pyoxigraph's RDF/XML parser expands
    internal entities: without the check the document above parses into a 3,000-character
    literal, a real billion-laughs document into gigabytes)."""
    assert isinstance(err, ParseError) and err.code == "parse-error", err
    assert "DTD" in str(err) and (err.line, err.column) == (2, 1), err
    assert parser.calls == 0


def test_rdfxml_billion_laughs(parser: ParserWork) -> None:
    err = refused(Upload("m.rdf", LAUGHS, "application/rdf+xml"), parser)
    assert_refused_at_the_dtd(err, parser)


def test_rdfxml_external_entity(tmp_path: Path, canary: Canary, parser: ParserWork) -> None:
    secret = secret_file(tmp_path)
    for target in (f"file://{secret}", canary.url):
        doc = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{target}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/">
  <rdf:Description rdf:about="http://ex.org/a"><ex:p>&xxe;</ex:p></rdf:Description>
</rdf:RDF>""".encode()
        err = refused(Upload("m.rdf", doc, "application/rdf+xml"), parser)
        assert_refused_at_the_dtd(err, parser)
        assert "TOP-SECRET" not in str(err)
    # another encoding cannot smuggle the DTD past the check: UTF-16 with a byte order mark is
    # read by its mark (pcfgraph.audit.charset) and the check reads the UTF-8 it becomes, so it
    # is refused at the DTD, before the parser, as in UTF-8; so is UTF-16 without a mark, read
    # as UTF-16 when every other byte is NUL
    utf16 = LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    for data in (
        utf16.encode("utf-16"),
        codecs.BOM_UTF16_BE + utf16.encode("utf-16-be"),
        utf16.encode("utf-16-le"),
        utf16.encode("utf-16-be"),
    ):
        err = refused(Upload("m.rdf", data, "application/rdf+xml"), parser)
        assert_refused_at_the_dtd(err, parser)
    assert canary.settled_hits() == 0


def test_character_reference_flood(parser: ParserWork) -> None:
    """4 MB of ``&#x41;``: parsed once, each reference decoded into one character (output
    linear in the input, nothing amplified); 1 KB more is refused by the byte limit before
    the parser sees it."""
    count = (MB4 - 400) // 6
    doc = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:ex="http://ex.org/"><rdf:Description rdf:about="http://ex.org/a"><ex:p>'
        + b"&#x41;" * count
        + b"</ex:p></rdf:Description></rdf:RDF>"
    )
    assert len(doc) <= MB4
    triples = parse_upload(Upload("m.rdf", doc, "application/rdf+xml"), max_bytes=MB4)
    assert len(triples) == 1 and triples[0].object == ox.Literal("A" * count)
    assert (parser.calls, parser.bytes, parser.statements) == (1, len(doc), 1)
    with pytest.raises(PayloadTooLarge) as over:
        parse_upload(Upload("m.rdf", doc + b" " * 1024, "application/rdf+xml"), max_bytes=MB4)
    assert over.value.code == "payload-too-large" and "max_upload_bytes" in str(over.value)
    assert parser.calls == 1  # not called again


DEEP = 20000


@pytest.mark.parametrize(
    ("name", "media", "doc"),
    [
        (
            "m.ttl",
            "text/turtle",
            b"<http://ex.org/a> <http://ex.org/p> "
            + b"[ <http://ex.org/p> " * DEEP
            + b"1"
            + b" ]" * DEEP
            + b" .",
        ),
        (
            "m.ttl",
            "text/turtle",
            b"<http://ex.org/a> <http://ex.org/p> " + b"( " * DEEP + b")" * DEEP + b" .",
        ),
        (
            "m.jsonld",
            "application/ld+json",
            b'{"@id": "http://ex.org/a", "http://ex.org/p": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        ),
        ("m.jsonld", "application/ld+json", b'{"http://ex.org/p": ' * DEEP + b"1" + b"}" * DEEP),
    ],
)
def test_deep_nesting(name: str, media: str, doc: bytes, parser: ParserWork) -> None:
    """Refused by the nesting check at the first bracket past the limit (its column says so:
    the check read no further), before the parser saw the document."""
    err = refused(Upload(name, doc, media), parser)
    assert isinstance(err, ParseError) and err.code == "parse-error"
    assert f"nested more than {MAX_NESTING} levels deep" in str(err), err
    openings = [i for i, c in enumerate(doc[: len(doc) // 2]) if c in b"[({"]
    assert (err.line, err.column) == (1, openings[MAX_NESTING] + 1), err
    assert parser.calls == 0


#: One RDF 1.2 triple term inside the next, as a statement's object (2.4 MB at 100,000 levels
#: crashed pyoxigraph's parser with SIGSEGV; at this depth it parses, one statement).
TERM_DEEP = 2000
_LEVEL = b"<<( <urn:a> <urn:b> "
_NESTED_TERMS = b"<urn:s> <urn:p> " + _LEVEL * TERM_DEEP + b"<urn:c>" + b" )>>" * TERM_DEEP


@pytest.mark.parametrize(
    ("name", "media", "doc"),
    [
        ("m.ttl", "text/turtle", _NESTED_TERMS + b" ."),
        ("m.nt", "application/n-triples", _NESTED_TERMS + b" ."),
        ("m.trig", "application/trig", b"<urn:g> { " + _NESTED_TERMS + b" }"),
        ("m.nq", "application/n-quads", _NESTED_TERMS + b" <urn:g> ."),
        # a reified triple's subject a reified triple, and so on (Turtle's << ... >>)
        (
            "m.ttl",
            "text/turtle",
            b"<< " * TERM_DEEP
            + b"<urn:a> <urn:b> <urn:c>"
            + b" >> <urn:p> <urn:o>" * TERM_DEEP
            + b" .",
        ),
    ],
)
def test_deeply_nested_triple_terms(name: str, media: str, doc: bytes, parser: ParserWork) -> None:
    """``<<`` nests as a bracket does, in every format that has it: refused at the ``<<``
    past the limit, before the parser saw the document (not a crashed worker, 503)."""
    err = refused(Upload(name, doc, media), parser)
    assert isinstance(err, ParseError) and err.code == "parse-error"
    assert f"nested more than {MAX_NESTING} levels deep" in str(err), err
    depth, offset = 0, 0
    while depth <= MAX_NESTING:  # <<, ( and { each open a level; the column: the last one's
        at = min(i for i in (doc.find(o, offset) for o in (b"<<", b"(", b"{")) if i >= 0)
        step = 2 if doc.startswith(b"<<", at) else 1
        depth, offset = depth + 1, at + step
    assert (err.line, err.column) == (1, at + 1), err
    assert parser.calls == 0


_RDF = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">'


def test_deeply_nested_rdf_xml_is_refused_before_parsing(parser: ParserWork) -> None:
    """pyoxigraph's RDF/XML parser takes time quadratic in the nesting: 60,000 node elements
    each in a property element of the one before (2.9 MB) held an audit worker 26 s. Refused
    at the first element past twice the bracket limit (a node and a property element per
    level), with its line and column, before the parser saw the document."""
    level = b"<rdf:Description>\n<ex:b>"
    deep = 20_000
    doc = _RDF + level * deep + b'<rdf:Description rdf:about="urn:x"/>'
    doc += b"</ex:b></rdf:Description>" * deep + b"</rdf:RDF>"
    err = refused(Upload("m.rdf", doc, "application/rdf+xml"), parser)
    assert isinstance(err, ParseError) and err.code == "parse-error"
    assert f"elements nested more than {2 * MAX_NESTING} deep" in str(err), err
    # rdf:RDF is the first; the element past the limit opens line 2 * MAX_NESTING / 2 + 1
    assert (err.line, err.column) == (MAX_NESTING + 1, 1), err
    assert parser.calls == 0


def test_rdf_xml_nested_within_the_limit_is_read_whatever_its_text_holds() -> None:
    """Tags in comments, CDATA and attribute values (``>`` is allowed there) open nothing."""
    levels = MAX_NESTING - 1  # with rdf:RDF and the innermost element: at the limit
    noise = b'<!-- <a><b><c> --><ex:t><![CDATA[<a><b>]]></ex:t><ex:u ex:v="1 &gt; 0 >"/>'
    doc = _RDF + (b'<rdf:Description rdf:about="urn:x">' + noise + b"<ex:b>") * levels
    doc += b'<rdf:Description rdf:about="urn:y"/>' + b"</ex:b></rdf:Description>" * levels
    statements = parse_upload(Upload("m.rdf", doc + b"</rdf:RDF>", "application/rdf+xml"))
    assert len([s for s in statements if s.predicate == ox.NamedNode("urn:ex:b")]) == levels


def test_a_shallow_triple_term_and_angle_brackets_in_text_are_read_as_before() -> None:
    """The count is of ``<<`` outside strings, IRIs and comments: ``<<`` in a literal or a
    comment nests nothing; a triple term is still refused as RDF-star, naming it."""
    levels = b"<<( <urn:a> <urn:b> " * 3 + b"<urn:c>" + b" )>>" * 3
    with pytest.raises(ParseError, match="RDF-star quoted triples are not accepted"):
        parse_upload(Upload("m.nt", b"<urn:s> <urn:p> " + levels + b" .", "application/n-triples"))
    text = b'"' + b"a << b " * (MAX_NESTING + 1) + b'"'
    for name, media, doc in [
        ("m.nt", "application/n-triples", b"<urn:s> <urn:p> " + text + b" ."),
        ("m.ttl", "text/turtle", b"# " + b"<< " * 100 + b"\n<urn:s> <urn:p> " + text + b" ."),
    ]:
        (statement,) = parse_upload(Upload(name, doc, media))
        assert statement.object == ox.Literal("a << b " * (MAX_NESTING + 1))


@pytest.mark.parametrize(
    ("media", "code"),
    [("application/xml", "unsupported-media-type"), ("text/html", "unsupported-media-type")],
)
def test_wrong_media_types(media: str, code: str, parser: ParserWork) -> None:
    err = refused(Upload("model", b"<a/>", media), parser)
    assert err.code == code
    assert parser.calls == 0


def test_oversized_upload(parser: ParserWork) -> None:
    err = refused(Upload("m.nt", b"#" * 2048, "application/n-triples"), parser, max_bytes=1024)
    assert err.code == "payload-too-large"
    assert parser.calls == 0
