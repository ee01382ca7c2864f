"""Media types and content negotiation, in one place.

:data:`FORMATS` is the one format registry: each :class:`Format` ties a media type to its short
names (``?format=``, ``--format``), file suffixes, the ``Content-Type`` it is served with and,
for RDF, its pyoxigraph format. Call sites choose which formats they offer; they never spell a
media type or suffix map of their own.

:func:`parse_accept`, :func:`best_offer` and :func:`negotiate` are the one ``Accept`` parser:
q-values (malformed ones count as 0, so never chosen), wildcards (``*/*``, ``type/*``), each
offer rated by the most specific range that matches it, ``q=0`` excluding; ties go to the offer
named by the more specific range, then to the server's order of offers. Media types clients
commonly send for an offered one (``application/json`` for SPARQL JSON results or, for a graph,
JSON-LD; ``text/plain`` for N-Triples...) count as it, unless that alias is itself offered. Nothing else in ``src/``
parses an ``Accept`` header (``tests/test_conneg.py`` checks).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pcfgraph.errors import NotAcceptable

if TYPE_CHECKING:
    import pyoxigraph as ox

XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Format:
    """One format: ``name`` and ``names`` are what users type, ``suffixes`` the file names it
    is recognised by (the first is the one written), ``aliases`` other media types clients
    send meaning it, ``charset`` whether its Content-Type names UTF-8, ``rdf`` the
    ``pyoxigraph.RdfFormat`` member for RDF serialisations."""

    name: str
    media_type: str
    label: str
    suffixes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    charset: bool = True
    rdf: str | None = None

    @property
    def suffix(self) -> str:
        return self.suffixes[0] if self.suffixes else ""

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def rdf_format(self) -> ox.RdfFormat:
        """The pyoxigraph format (imported here only: the CLI's start-up never pays for it)."""
        import pyoxigraph as ox

        if self.rdf is None:
            raise ValueError(f"{self.label} is not an RDF serialisation")
        fmt: ox.RdfFormat = getattr(ox.RdfFormat, self.rdf)
        return fmt


FORMATS: Final[tuple[Format, ...]] = (
    # RDF graphs and datasets
    Format(
        "turtle",
        "text/turtle",
        "Turtle",
        (".ttl", ".turtle"),
        ("ttl",),
        # a Turtle document is N3 too: an N3 client (cwm, EYE) gets Turtle, not a 406
        ("application/x-turtle", "text/n3", "text/rdf+n3"),
        rdf="TURTLE",
    ),
    Format(
        "ntriples",
        "application/n-triples",
        "N-Triples",
        (".nt", ".ntriples"),
        ("nt",),
        ("text/plain",),
        rdf="N_TRIPLES",
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "JSON-LD",
        (".jsonld", ".json"),
        ("json-ld",),
        # JSON-LD is JSON: a client asking a graph resource for JSON gets JSON-LD
        ("application/json+ld", "application/json"),
        rdf="JSON_LD",
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "RDF/XML",
        (".rdf", ".owl", ".xml"),
        ("xml",),
        # RDF/XML is XML: a linked-data client asking a graph resource for XML gets RDF/XML
        ("application/xml", "text/xml"),
        rdf="RDF_XML",
    ),
    Format("trig", "application/trig", "TriG", (".trig",), rdf="TRIG"),
    Format("nquads", "application/n-quads", "N-Quads", (".nq", ".nquads"), ("nq",), rdf="N_QUADS"),
    # SPARQL results
    Format(
        "sparql-json",
        "application/sparql-results+json",
        "SPARQL JSON",
        (".srj",),
        aliases=("application/json",),
    ),
    Format(
        "sparql-xml",
        "application/sparql-results+xml",
        "SPARQL XML",
        (".srx",),
        aliases=("application/xml", "text/xml"),
    ),
    # tables, reports, pages
    Format("csv", "text/csv", "CSV", (".csv",)),
    Format("tsv", "text/tab-separated-values", "TSV", (".tsv",)),
    Format("json", "application/json", "JSON", (".json",), charset=False),
    Format("html", "text/html", "HTML", (".html", ".htm")),
    Format("text", "text/plain", "text", (".txt",)),
    Format("xlsx", XLSX_MEDIA_TYPE, "Excel", (".xlsx",), charset=False),
    Format("archimate", "application/x-archimate", "ArchiMate", (".archimate",), charset=False),
    # XML that is not RDF/XML (an ArchiMate exchange model, told apart by its root element)
    Format("generic-xml", "application/xml", "XML", (".xml",), aliases=("text/xml",)),
    Format("problem", "application/problem+json", "problem details", charset=False),
    Format("graphql-response", "application/graphql-response+json", "GraphQL response"),
    Format("css", "text/css", "CSS", (".css",)),
    Format("js", "text/javascript", "JavaScript", (".js",)),
)
_BY_NAME: Final = {n: f for f in FORMATS for n in (f.name, *f.names)}
_BY_MEDIA_TYPE: Final = {f.media_type: f for f in FORMATS}


def by_name(name: str) -> Format:
    """The format a user names (``turtle``, ``ttl``...); KeyError for an unknown name."""
    return _BY_NAME[name]


def by_media_type(media_type: str) -> Format | None:
    """The format of a media type (parameters and case ignored), None when unknown."""
    return _BY_MEDIA_TYPE.get(base_media_type(media_type))


def by_suffix(filename: str, among: Iterable[Format] = FORMATS) -> Format | None:
    """The first of ``among`` recognising ``filename``'s suffix (case ignored), or None."""
    lowered = filename.lower()
    return next((f for f in among if any(lowered.endswith(s) for s in f.suffixes)), None)


def formats(*names: str) -> tuple[Format, ...]:
    """The named formats, in that order (a call site's offer)."""
    return tuple(_BY_NAME[n] for n in names)


def media_types(*names: str) -> tuple[str, ...]:
    return tuple(_BY_NAME[n].media_type for n in names)


def base_media_type(value: str) -> str:
    """``text/turtle; charset=utf-8`` -> ``text/turtle`` (lower case)."""
    return value.split(";", 1)[0].strip().lower()


def media_type_params(value: str) -> Iterator[tuple[str, str]]:
    """The parameters of a media type, in order: ``text/turtle; Charset="UTF-8"`` ->
    ``("charset", "UTF-8")`` (names in lower case, values unquoted as sent)."""
    for param in value.split(";")[1:]:
        key, _, found = param.partition("=")
        yield key.strip().lower(), found.strip().strip('"')


@functools.lru_cache(maxsize=64)
def content_type(media_type: str) -> str:
    """The Content-Type a response in ``media_type`` is served with (kept: one text per
    media type, asked for on every ``/sparql`` answer)."""
    fmt = _BY_MEDIA_TYPE.get(media_type)
    return fmt.content_type if fmt is not None else f"{media_type}; charset=utf-8"


# --- the Accept parser --------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRange:
    """One range of an Accept header; ``specificity`` 0 for ``*/*``, 1 ``type/*``, 2 exact."""

    type: str
    subtype: str
    q: float
    specificity: int

    def matches(self, type_: str, subtype: str) -> bool:
        return (self.type == "*" or self.type == type_) and (
            self.subtype == "*" or self.subtype == subtype
        )


def _quality(value: str) -> float:
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return min(max(q, 0.0), 1.0) if math.isfinite(q) else 0.0


def parse_accept(header: str) -> tuple[MediaRange, ...]:
    """Every media range of ``header`` in order; malformed parts are skipped or get q=0."""
    out: list[MediaRange] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                q = _quality(value.strip())
        type_, _, subtype = media.partition("/")
        subtype = subtype.strip() or "*"
        specificity = 0 if type_ == "*" else (1 if subtype == "*" else 2)
        out.append(MediaRange(type_.strip(), subtype, q, specificity))
    return tuple(out)


def _aliases(offers: Sequence[str]) -> dict[str, str]:
    """Alias media type -> the offer it stands for (only aliases that are not offered)."""
    out: dict[str, str] = {}
    for offer in offers:
        fmt = _BY_MEDIA_TYPE.get(offer)
        for alias in fmt.aliases if fmt is not None else ():
            if alias not in offers:
                out.setdefault(alias, offer)
    return out


def _rating(ranges: Sequence[MediaRange], offer: str) -> MediaRange | None:
    """The most specific range matching ``offer`` (the first of equally specific ones)."""
    type_, _, subtype = offer.partition("/")
    found: MediaRange | None = None
    for r in ranges:
        if r.matches(type_, subtype) and (found is None or r.specificity > found.specificity):
            found = r
    return found


@functools.lru_cache(maxsize=256)
def _best_offer(accept: str, offers: tuple[str, ...]) -> str | None:
    """Memoised: clients send the same few Accept headers again and again (pure function)."""
    aliases = _aliases(offers)
    ranges = parse_accept(accept)
    if aliases:
        ranges = tuple(_resolve_alias(r, aliases) for r in ranges)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for index, offer in enumerate(offers):
        r = _rating(ranges, offer)
        if r is None or r.q <= 0:
            continue
        key = (r.q, r.specificity, -index)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def _resolve_alias(r: MediaRange, aliases: dict[str, str]) -> MediaRange:
    target = aliases.get(f"{r.type}/{r.subtype}")
    if target is None:
        return r
    type_, _, subtype = target.partition("/")
    return MediaRange(type_, subtype, r.q, r.specificity)


def best_offer(accept: str | None, offers: Sequence[str]) -> str | None:
    """The best of ``offers`` for an Accept header: the first offer when there is no header,
    None when the header accepts none of them."""
    if not accept or not accept.strip():
        return offers[0] if offers else None
    # Long headers are not memoised (a client could fill the cache with junk ones).
    best = _best_offer if len(accept) <= 512 else _best_offer.__wrapped__
    return best(accept, tuple(offers))


def negotiate(accept: str | None, offers: Sequence[str], *, what: str = "this result") -> str:
    """The best of ``offers`` for an Accept header, or :class:`NotAcceptable` (406) naming
    what was asked for and what is available."""
    chosen = best_offer(accept, offers)
    if chosen is None:
        raise NotAcceptable(
            f"none of the requested media types ({accept}) is available for {what}; "
            f"available: {', '.join(offers)}"
        )
    return chosen
