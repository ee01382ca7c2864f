"""The one format registry and the one Accept parser (``pcfgraph.conneg``), and a check that
no other module under ``src/`` parses an Accept header or keeps a media-type map of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from pcfgraph.conneg import (
    FORMATS,
    MediaRange,
    best_offer,
    by_media_type,
    by_name,
    by_suffix,
    content_type,
    negotiate,
    parse_accept,
)
from pcfgraph.errors import NotAcceptable

SRC = Path(__file__).resolve().parent.parent / "src" / "pcfgraph"
RDF = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
RESULTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")


def test_parse_accept_reads_q_values_wildcards_and_specificity() -> None:
    ranges = parse_accept("text/html;level=1;q=0.5, TEXT/*;Q=0.2 ,*/*;q=0.1")
    assert ranges == (
        MediaRange("text", "html", 0.5, 2),
        MediaRange("text", "*", 0.2, 1),
        MediaRange("*", "*", 0.1, 0),
    )


@pytest.mark.parametrize(
    ("header", "q"),
    [("a/b;q=abc", 0.0), ("a/b;q=", 0.0), ("a/b;q=nan", 0.0), ("a/b;q=7", 1.0), ("a/b;q=-1", 0.0)],
)
def test_malformed_q_values_are_tolerated(header: str, q: float) -> None:
    assert parse_accept(header)[0].q == q


def test_malformed_parts_are_skipped_not_fatal() -> None:
    assert parse_accept(" , ;q=1,,text/turtle") == (MediaRange("text", "turtle", 1.0, 2),)
    assert best_offer(",,;;,text/turtle;;q=0.5;", RDF) == "text/turtle"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/turtle"),  # no header: the server's first offer
        ("", "text/turtle"),
        ("*/*", "text/turtle"),  # a wildcard: the server's order
        ("application/*", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        # the highest q wins, whatever the order in the header
        ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
        # each offer is rated by its most specific range: turtle is q=0.1 although */* is 1
        ("text/turtle;q=0.1, */*", "application/n-triples"),
        # equal q: the offer named by the more specific range, then the server's order
        ("*/*, application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json, application/n-triples", "application/n-triples"),
        # q=0 excludes, even under a wildcard that would accept it
        ("text/turtle;q=0, */*;q=0.5", "application/n-triples"),
        # an alias clients send counts as the offer it stands for
        ("application/x-turtle;q=0.9, application/ld+json;q=0.5", "text/turtle"),
        ("text/plain", "application/n-triples"),
        # a Turtle document is N3 (it was a 406)
        ("text/n3", "text/turtle"),
        ("text/rdf+n3;q=0.8, application/n-triples;q=0.5", "text/turtle"),
        # JSON-LD is JSON: a client asking a graph for JSON gets JSON-LD, not a 406
        ("application/json", "application/ld+json"),
        ("application/json;q=0.9, text/turtle;q=0.5", "application/ld+json"),
    ],
)
def test_best_offer(accept: str | None, chosen: str) -> None:
    assert best_offer(accept, RDF) == chosen


def test_an_alias_that_is_itself_offered_means_itself() -> None:
    # SPARQL results: application/json stands for SPARQL JSON ...
    assert best_offer("application/json", RESULTS) == "application/sparql-results+json"
    assert best_offer("application/xml", RESULTS) == "application/sparql-results+xml"
    # ... but where JSON itself is offered (reports), it is JSON.
    offers = ("application/json", "text/turtle", "text/plain")
    assert best_offer("text/plain", offers) == "text/plain"
    assert best_offer("application/json", (*offers, *RESULTS)) == "application/json"


def test_nothing_acceptable_is_a_406_naming_the_offers() -> None:
    assert best_offer("image/png, text/turtle;q=0", RDF) is None
    with pytest.raises(NotAcceptable) as caught:
        negotiate("image/png", RDF, what="this resource")
    assert caught.value.http_status == 406
    message = str(caught.value)
    assert "image/png" in message and "this resource" in message
    assert all(offer in message for offer in RDF)


def test_long_headers_are_negotiated_too() -> None:
    header = ", ".join(f"x/y{i};q=0.1" for i in range(200)) + ", application/ld+json"
    assert len(header) > 512
    assert negotiate(header, RDF) == "application/ld+json"


def test_registry_lookups() -> None:
    assert by_name("ttl") is by_name("turtle")
    assert by_name("turtle").rdf_format == ox.RdfFormat.TURTLE
    assert by_media_type("Text/Turtle; charset=utf-8") is by_name("turtle")
    assert by_media_type("application/x-unknown") is None
    assert by_suffix("Model.TTL") is by_name("turtle")
    assert by_suffix("set.sssom.tsv") is by_name("tsv")
    assert by_suffix("model.json") is by_name("jsonld")  # RDF formats are looked at first
    assert by_suffix("report.json", [by_name("json")]) is by_name("json")
    assert by_suffix("README") is None
    with pytest.raises(KeyError):
        by_name("docx")
    with pytest.raises(ValueError, match="not an RDF serialisation"):
        _ = by_name("csv").rdf_format


def test_registry_is_consistent() -> None:
    names = [n for f in FORMATS for n in (f.name, *f.names)]
    assert len(names) == len(set(names)), "a format name used twice"
    media = [f.media_type for f in FORMATS]
    assert len(media) == len(set(media)), "a media type registered twice"
    for f in FORMATS:
        assert f.media_type == f.media_type.lower() and "/" in f.media_type
        assert all(s.startswith(".") and s == s.lower() for s in f.suffixes)
        if f.rdf is not None:
            assert isinstance(f.rdf_format, ox.RdfFormat)


def test_content_types() -> None:
    assert content_type("text/turtle") == "text/turtle; charset=utf-8"
    assert content_type("application/sparql-results+json") == (
        "application/sparql-results+json; charset=utf-8"
    )
    assert by_name("json").content_type == "application/json"  # JSON is UTF-8 by definition
    assert by_name("xlsx").content_type == by_name("xlsx").media_type


# --- one place --------------------------------------------------------------------------------

#: Signs of an Accept parser: splitting a header on commas, or reading a q parameter.
_ACCEPT_PARSING = re.compile(r"""accept[^\n]*\.split\(|["']q=|startswith\(["']q""", re.IGNORECASE)
#: A media type spelled as a dictionary key or tuple item of a format map (``"text/turtle":``).
_MEDIA_MAP_ENTRY = re.compile(r"""^\s*["'](text|application)/[\w.+-]+["']\s*:""", re.MULTILINE)


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.name != "conneg.py")


def test_no_other_module_parses_accept() -> None:
    found = [
        f"{p.relative_to(SRC)}:{m.group(0)}"
        for p in _sources()
        for m in _ACCEPT_PARSING.finditer(p.read_text(encoding="utf-8"))
    ]
    assert found == [], "Accept parsing outside pcfgraph.conneg"


def test_no_other_module_keeps_a_media_type_map() -> None:
    found = [
        f"{p.relative_to(SRC)}:{m.group(0).strip()}"
        for p in _sources()
        for m in _MEDIA_MAP_ENTRY.finditer(p.read_text(encoding="utf-8"))
    ]
    assert found == [], "a media-type map outside pcfgraph.conneg"


@pytest.mark.parametrize(
    "snippet",
    [
        'for i, part in enumerate(request.headers.get("accept", "").split(",")):',
        'for part in accept.split(","):',
        '            if p.startswith("q="):',
    ],
)
def test_the_guard_recognises_an_accept_parser(snippet: str) -> None:
    assert _ACCEPT_PARSING.search(snippet)


def test_the_guard_recognises_a_media_type_map() -> None:
    assert _MEDIA_MAP_ENTRY.search('_MAP = {\n    "text/turtle": ox.RdfFormat.TURTLE,\n}')
    assert not _MEDIA_MAP_ENTRY.search('    media = by_name("turtle").media_type')
