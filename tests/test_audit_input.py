"""Bad and hostile uploads: positions of parse errors, DTDs and entity expansion, remote JSON-LD
contexts (no connection is ever made), nesting and size limits, shapes and SPARQL inside an
upload (data, never executed), statements about framework IRIs (ignored), every format."""

from __future__ import annotations

import json
import socket

import pyoxigraph as ox
import pytest
from audit_support import AS_OF, CONFORMING, audit_text, context
from rdflib import Graph

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions, Limits
from pcfgraph.audit.inputs.context import CONTEXT_IRI
from pcfgraph.audit.parse import parse_upload
from pcfgraph.audit.upload_format import detect_format, model_format
from pcfgraph.conneg import XLSX_MEDIA_TYPE
from pcfgraph.errors import ParseError, PayloadTooLarge, UnsupportedMediaType
from pcfgraph.mcp.sandboxed import MODEL_FORMATS


def test_turtle_error_names_file_line_and_column() -> None:
    data = b'@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "oops .\n'
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.ttl", data))
    err = info.value
    assert (err.source, err.line) == ("org.ttl", 3)
    assert err.column is not None and err.column >= 1
    assert "org.ttl, line 3, column" in str(err)


def test_jsonld_error_position() -> None:
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.jsonld", b'{\n  "@id": "https://example.org/a",\n  bad\n}'))
    assert info.value.line == 3


def _jsonld(*nodes: str, context: str = '{"ex": "http://example.org/"}') -> bytes:
    """A JSON-LD document written as people and tools write it: a node per line."""
    lines = ",\n    ".join(nodes)
    return f'{{\n  "@context": {context},\n  "@graph": [\n    {lines}\n  ]\n}}\n'.encode()


@pytest.mark.parametrize(
    ("node", "said", "mistake"),
    [
        ('{"@id": "ex:b", "ex:p": {"@value": "x", "@type": 5}}', "@type value must be", '"@type"'),
        (
            '{"@id": "ex:b", "ex:p": {"@value": "x", "@type": "not an iri"}}',
            "'not an iri'",
            '"not an iri"',
        ),
        ('{"@id": "ex:b", "ex:p": {"@value": "x", "@language": 5}}', "@language", '"@language"'),
        ('{"@id": "ex:b", "@reverse": 5}', "@reverse value must be a JSON object", '"@reverse"'),
    ],
    ids=["type-not-a-string", "type-not-an-iri", "language-not-a-string", "reverse-not-object"],
)
def test_jsonld_that_is_valid_json_but_not_json_ld_is_located(
    node: str, said: str, mistake: str
) -> None:
    data = _jsonld('{"@id": "ex:a", "ex:p": "v"}', node, '{"@id": "ex:c", "ex:p": "w"}')
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.jsonld", data))
    assert said in str(info.value)
    column = data.decode().splitlines()[4].index(mistake) + 1  # the node's line, 5
    assert (info.value.line, info.value.column) == (5, column), str(info.value)


def test_jsonld_mistake_in_two_possible_places_is_not_given_one() -> None:
    # the same text is also an ordinary value: which one the parser means cannot be told
    data = _jsonld(
        '{"@id": "ex:a", "ex:p": "not an iri"}',
        '{"@id": "ex:b", "ex:p": {"@value": "x", "@type": "not an iri"}}',
    )
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.jsonld", data))
    assert "'not an iri'" in str(info.value)
    assert (info.value.line, info.value.column) == (None, None)


def test_jsonld_mistake_is_located_in_the_file_as_given_when_our_context_is_inlined() -> None:
    data = _jsonld('{"@id": "urn:x:a", "@type": 5}', context=json.dumps(CONTEXT_IRI)).replace(
        b'"@graph": [\n    ', b'"@graph": [\n\n    '
    )
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.jsonld", data))
    column = data.decode().splitlines()[4].index('"@type"') + 1
    assert (info.value.line, info.value.column) == (5, column), str(info.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/a"><ex:p>&lol3;</ex:p></rdf:Description>
</rdf:RDF>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/a"><ex:p>&xxe;</ex:p></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_rdfxml_with_dtd_is_rejected(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.rdf", data))
    assert "DTD" in str(info.value)
    assert (info.value.line, info.value.column) == (2, 1)


def test_rdfxml_in_another_encoding_is_rejected() -> None:
    with pytest.raises(ParseError):
        parse_upload(Upload("org.rdf", BILLION_LAUGHS.decode().encode("utf-16")))
    latin = BILLION_LAUGHS.replace(b'version="1.0"', b'version="1.0" encoding="ISO-8859-1"')
    with pytest.raises(ParseError):
        parse_upload(Upload("org.rdf", latin))


RDF_XML_HEAD = (
    '<?xml version="1.0"?>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">\n'
)


@pytest.mark.parametrize(
    ("body", "line", "column", "says"),
    [  # the bad value of a tag written over several lines: where the value is
        ('<rdf:Description\n    rdf:about="http://x/a b"\n    ex:p="1"/>', 5, 16, "'http://x/a b'"),
        ('<rdf:Description rdf:about="http://x/a">\n<foo/>\n</rdf:Description>', 5, None, "names"),
        (
            '<rdf:Description rdf:about="http://x/a">\n<ex:p>1</ex:q>\n</rdf:Description>',
            5,
            10,
            "mismatched",
        ),
    ],
    ids=["bad-iri", "no-namespace", "mismatched-tag"],
)
def test_rdfxml_errors_name_line_and_column(
    body: str, line: int, column: int | None, says: str
) -> None:
    """pyoxigraph's RDF/XML parser says no position: "org.rdf: not valid RDF/XML: error while
    parsing IRI 'http://x/a b'" left the auditor searching the file."""
    data = f"{RDF_XML_HEAD}\n{body}\n</rdf:RDF>\n".encode()
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.rdf", data))
    assert (info.value.line, info.value.column) == (line, column), str(info.value)
    assert says in str(info.value) and str(info.value).startswith(f"org.rdf, line {line}")


def test_rdfxml_cut_short_is_refused_not_audited_on_its_first_part() -> None:
    """The RDF/XML parser read a file whose end was missing (its root never closed) as whole:
    the model's first part was audited and its missing rest reported as findings."""
    triples = list(ox.parse(CONFORMING.read_bytes(), format=ox.RdfFormat.TURTLE))
    whole = ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
    assert whole.rstrip().endswith(b"</rdf:RDF>")
    cut = whole[: whole.rindex(b"</rdf:Description>")]  # a copy that stopped short
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.rdf", cut))
    assert "the file ends before <rdf:RDF> (line " in str(info.value)
    assert "cut short" in str(info.value)
    assert info.value.line == cut.count(b"\n") + 1
    assert len(parse_upload(Upload("org.rdf", whole))) == len(triples)


@pytest.mark.parametrize("name", ["org.nt", "org.ttl"])
def test_a_text_format_starting_with_an_iri_is_not_told_it_is_xml(name: str) -> None:
    """ "<http://x/a> <http://x/b> "x ." was "not valid N-Triples: ...; the file is XML, with the
    root element <http>": its first IRI was read as an XML tag."""
    with pytest.raises(ParseError) as info:
        parse_upload(
            Upload(name, b'<http://x/a> <http://x/b> <http://x/c> .\n<urn:x:a> <http://x/b> "x .\n')
        )
    assert info.value.line == 2
    assert "XML" not in str(info.value)


@pytest.fixture()
def canary() -> socket.socket:
    """A listener on 127.0.0.1 that records whether anyone connected."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.settimeout(0.5)
    yield sock
    sock.close()


@pytest.mark.parametrize("kind", ["context", "import", "nested"])
def test_remote_jsonld_context_is_refused_without_connecting(
    canary: socket.socket, kind: str
) -> None:
    url = f"http://127.0.0.1:{canary.getsockname()[1]}/context.jsonld"
    ctx: object = {
        "context": url,
        "import": {"@import": url},
        "nested": [{"@vocab": "https://example.org/"}, url],
    }[kind]
    doc = {"@context": ctx, "@id": "https://example.org/a", "name": "A"}
    text = json.dumps(doc, indent=1)
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.jsonld", text.encode()))
    with pytest.raises(TimeoutError):
        canary.accept()  # nobody connected
    # named, at its position, and what to do (pyoxigraph says 'No LoadDocumentCallback')
    assert f"remote JSON-LD context refused: the context {url!r} is not in the file" in str(
        info.value
    )
    assert "orgmodel.context.jsonld" in str(info.value)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if url in t)
    assert (info.value.line, info.value.column) == (
        line,
        text.splitlines()[line - 1].index(f'"{url}"') + 1,
    )


def test_file_context_is_refused() -> None:
    doc = {"@context": "file:///etc/passwd", "@id": "https://example.org/a"}
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("org.jsonld", json.dumps(doc).encode()))
    assert "the context 'file:///etc/passwd' is not in the file" in str(info.value)
    assert (info.value.line, info.value.column) == (1, 14)


def test_nesting_limit() -> None:
    deep = (
        '{"@id": "https://example.org/a", "https://example.org/p": '
        + "[" * 200
        + "1"
        + "]" * 200
        + "}"
    )
    with pytest.raises(ParseError) as info:
        parse_upload(Upload("deep.jsonld", deep.encode()))
    assert "nested" in str(info.value)
    turtle = (
        "<https://example.org/a> <https://example.org/p> "
        + "[ <https://example.org/p> " * 100
        + "1"
        + " ]" * 100
        + " ."
    )
    with pytest.raises(ParseError):
        parse_upload(Upload("deep.ttl", turtle.encode()))
    # brackets inside strings, IRIs and comments do not count
    ok = (
        '<https://example.org/a> <https://example.org/p> "'
        + "[" * 100
        + '" . # '
        + "(" * 100
        + "\n"
    )
    assert len(parse_upload(Upload("ok.ttl", ok.encode()))) == 1


def test_size_and_triple_limits() -> None:
    data = "".join(
        f'<https://example.org/s{i}> <https://example.org/p> "{i}" .\n' for i in range(50)
    )
    with pytest.raises(PayloadTooLarge):
        parse_upload(Upload("big.nt", data.encode()), max_triples=10)
    with pytest.raises(PayloadTooLarge):
        parse_upload(Upload("big.nt", data.encode()), max_bytes=100)
    with pytest.raises(PayloadTooLarge):
        audit(
            [Upload("a.nt", data.encode()), Upload("b.nt", data.encode())],
            context(),
            limits=Limits(max_triples=80),
        )


def test_media_types_and_extensions() -> None:
    assert detect_format("x", "text/turtle; charset=utf-8") == detect_format("x.ttl", None)
    for name, media in [
        ("m.ttl", None),
        ("m", "application/ld+json"),
        ("m.rdf", None),
        ("m.nt", None),
    ]:
        detect_format(name, media)
    with pytest.raises(UnsupportedMediaType):
        detect_format("m.ttl", "application/pdf")
    with pytest.raises(UnsupportedMediaType):
        detect_format("m.docx", None)


@pytest.mark.parametrize(
    "fmt,name", [("json-ld", "org.jsonld"), ("xml", "org.rdf"), ("nt", "org.nt")]
)
def test_every_format_audits_the_same(fmt: str, name: str) -> None:
    data = Graph().parse(CONFORMING, format="turtle").serialize(format=fmt).encode("utf-8")
    report = audit([Upload(name, data)], context(), options=AuditOptions(AS_OF))
    assert report.conforms and report.results == []
    assert report.triples > 300


@pytest.mark.parametrize("fmt,name", [("TRIG", "org.trig"), ("N_QUADS", "org.nq")])
def test_dataset_formats_audit_their_named_graphs_as_one_model(fmt: str, name: str) -> None:
    """TriG and N-Quads (offered by the workbench's upload and MCP's audit_model) are read
    like JSON-LD: the statements of every graph form the one model (they were refused with
    415 "media type not supported")."""
    graph = ox.NamedNode("urn:example:people")
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(CONFORMING.read_bytes(), format=ox.RdfFormat.TURTLE)
    ]
    data = ox.serialize(quads, format=getattr(ox.RdfFormat, fmt))
    assert b"urn:example:people" in data
    report = audit([Upload(name, data)], context(), options=AuditOptions(AS_OF))
    assert report.conforms and report.results == []
    assert report.triples == len(Graph().parse(CONFORMING, format="turtle"))
    for media in ("application/trig", "application/n-quads"):
        assert model_format("model", media) == "rdf"


def test_a_model_sent_as_n3_is_read_as_turtle() -> None:
    """Turtle is a subset of N3: a model a tool sends as text/n3 (cwm, EYE, older Protege)
    is read with the Turtle parser (it was refused 415); N3 beyond Turtle is a parse error
    with its line and column, as any Turtle mistake."""
    for media in ("text/n3", "text/rdf+n3"):
        assert model_format("model", media) == "rdf"
        assert detect_format("model", media) == ox.RdfFormat.TURTLE


def test_an_unsupported_file_is_told_every_model_format() -> None:
    """The 415 / exit-2 message lists the workbook and ArchiMate formats too, not only RDF."""
    with pytest.raises(UnsupportedMediaType) as by_name:
        model_format("model.csv", None)
    with pytest.raises(UnsupportedMediaType) as by_type:
        model_format("model", "text/csv")
    for expected in (".xlsx", ".archimate", ".ttl", ".trig"):
        assert expected in str(by_name.value)
    for expected in (XLSX_MEDIA_TYPE, "application/xml", "text/turtle", "application/trig"):
        assert expected in str(by_type.value)


def test_every_format_mcp_audit_model_offers_is_read() -> None:
    for fmt, (filename, media) in MODEL_FORMATS.items():
        assert model_format(filename, media, None) in ("rdf", "xml"), fmt


UPLOADED_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix ex: <https://example.org/evil/> .
ex:EveryCustomerFails a sh:NodeShape ;
    sh:targetClass orgm:Customer ;
    sh:property [ sh:path ex:never ; sh:minCount 1 ; sh:message "uploaded shape ran" ] ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o }" ; sh:message "uploaded SPARQL ran" ] .
ex:Rule a sh:SPARQLRule ; sh:construct "CONSTRUCT { ?s a <https://example.org/evil/Ran> } WHERE { ?s ?p ?o }" .
"""


def test_shapes_and_sparql_in_an_upload_are_data_never_executed() -> None:
    text = CONFORMING.read_text(encoding="utf-8") + UPLOADED_SHAPES
    report = audit_text(text)
    assert report.results == []
    assert report.conforms


def test_statements_about_framework_iris_are_ignored_and_reported() -> None:
    fake = """
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/x/it> a orgm:Organisation ; rdfs:label "X IT" .
<https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/measure/999999> a pcfg:Measure ;
    pcfg:units "dollars" .
<https://example.org/x/FakeMeasure> rdfs:subClassOf pcfg:Measure .
<https://example.org/x/m> a <https://example.org/x/FakeMeasure> .
<https://example.org/x/obs> a orgm:MeasureObservation ; rdfs:label "Faked" ;
    orgm:measure <https://example.org/x/m> ; orgm:value 150 ; orgm:unit "percent" ; orgm:period "2024" .
<https://example.org/x/obs2> a orgm:MeasureObservation ; rdfs:label "Faked 2" ;
    orgm:measure <https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/measure/999999> ;
    orgm:value 1 ; orgm:unit "percent" ; orgm:period "2024" .
"""
    report = audit_text(fake)
    got = {(r.rule, r.focus_node) for r in report.results}
    assert ("ObservationMeasureShape", "https://example.org/x/obs") in got
    assert ("ObservationMeasureShape", "https://example.org/x/obs2") in got
    assert (
        "audit/framework-statement-ignored",
        "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/measure/999999",
    ) in got
    assert ("audit/framework-statement-ignored", "https://example.org/x/FakeMeasure") in got


@pytest.mark.parametrize(
    "name,fmt",
    [("org.ttl", "turtle"), ("org.nt", "nt"), ("org.jsonld", "json-ld"), ("org.rdf", "xml")],
)
def test_a_utf8_byte_order_mark_is_not_part_of_the_model(name: str, fmt: str) -> None:
    """Notepad saves UTF-8 with a byte order mark: Turtle and N-Triples refused such a file
    ("\ufeff is not a valid subject or graph name" at line 1, column 1)."""
    text = Graph().parse(CONFORMING, format="turtle").serialize(format=fmt)
    data = b"\xef\xbb\xbf" + text.encode("utf-8")
    report = audit([Upload(name, data)], context(), options=AuditOptions(AS_OF))
    assert report.conforms and report.results == []
    assert report.triples == len(Graph().parse(CONFORMING, format="turtle"))
