"""What an upload is: its model format and, for RDF, its serialisation, decided in one place.

Every edge (the workbench, ``POST /validate``, the CLI, MCP) and the sandbox's reader ask
:func:`upload_format`: the media type when it names a format, else the file extension, else
the content (:mod:`pcfgraph.audit.sniff`); XML is told apart by its root element. Anything
else is refused naming every format pcfgraph reads (:mod:`pcfgraph.audit.parse` reads them).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Final

import pyoxigraph as ox

from pcfgraph.conneg import XLSX_MEDIA_TYPE, base_media_type, by_name, formats
from pcfgraph.errors import UnsupportedMediaType

#: A UTF-8 byte order mark (Windows editors write one).
UTF8_BOM: Final = b"\xef\xbb\xbf"

#: The RDF serialisations accepted for uploads (formats of :mod:`pcfgraph.conneg`).
#: TriG and N-Quads (and JSON-LD) may name graphs: their statements are read as one graph.
_RDF_UPLOADS: Final = formats("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads")
_XML_TYPES: Final = (by_name("generic-xml").media_type, *by_name("generic-xml").aliases)
#: Upload media types (aliases too, not XML's: the root element tells) -> pyoxigraph format.
MEDIA_TYPES: Final[dict[str, ox.RdfFormat]] = {
    t: f.rdf_format for f in _RDF_UPLOADS for t in (f.media_type, *f.aliases) if t not in _XML_TYPES
}
EXTENSIONS: Final[dict[str, ox.RdfFormat]] = {
    suffix: f.rdf_format for f in _RDF_UPLOADS for suffix in f.suffixes
}
FORMAT_NAMES: Final[dict[ox.RdfFormat, str]] = {f.rdf_format: f.label for f in _RDF_UPLOADS}

#: Model formats beyond RDF: media types and extensions (XML is told apart by its root element).
MODEL_MEDIA_TYPES: Final[dict[str, str]] = {
    XLSX_MEDIA_TYPE: "xlsx",
    **dict.fromkeys(_XML_TYPES, "xml"),
    by_name("archimate").media_type: "archi",
}
MODEL_EXTENSIONS: Final[dict[str, str]] = {".xlsx": "xlsx", ".archimate": "archi"}
#: What an upload of no format pcfgraph reads is told it may be instead (every model format,
#: not only RDF): each format's extensions and media type.
_ACCEPTED: Final = "; ".join(
    [f"{f.label} ({', '.join(f.suffixes)}; {f.media_type})" for f in _RDF_UPLOADS]
    + [
        f"the spreadsheet template (.xlsx; {XLSX_MEDIA_TYPE})",
        f"an ArchiMate exchange model (.xml; {_XML_TYPES[0]})",
        f"an Archi model (.archimate; {by_name('archimate').media_type})",
    ]
)
_HOW_TO_NAME: Final = (
    f"pcfgraph reads {_ACCEPTED}: name the file with one of these extensions or, over HTTP, "
    "send one of these media types as its Content-Type"
)
#: The format a sniffed upload is read in, and the media type it is then read with.
_SNIFFED: Final = {"turtle": by_name("turtle"), "jsonld": by_name("jsonld")}
ARCHIMATE_NS: Final = "http://www.opengroup.org/xsd/archimate/3.0/"
ARCHI_NS: Final = "http://www.archimatetool.com/archimate"


def detect_format(name: str, media_type: str | None, data: bytes | None = None) -> ox.RdfFormat:
    """The RDF format of an upload (:func:`upload_format`); an upload that is not RDF is
    :class:`~pcfgraph.errors.UnsupportedMediaType`."""
    kind, fmt = upload_format(name, media_type, data)
    if fmt is None:
        raise UnsupportedMediaType(f"{name}: not an RDF serialisation ({kind}); {_HOW_TO_NAME}")
    return fmt


def model_format(name: str, media_type: str | None, data: bytes | None = None) -> str:
    """``"rdf"``, ``"xlsx"``, ``"archimate"`` (exchange format) or ``"archi"`` (Archi's own
    format), as :func:`upload_format` decides."""
    return upload_format(name, media_type, data)[0]


#: Media types saying a body is CSV/TSV: told the template advice whatever the body holds.
_CSV_MEDIA_TYPES: Final = frozenset(("text/csv", "text/tab-separated-values"))


def _unsupported(
    name: str, what: str, data: bytes | None, suffix: str, base: str = ""
) -> UnsupportedMediaType:
    from pcfgraph.audit.charset import looks_unmarked, unmarked_refusal
    from pcfgraph.audit.sniff import CSV_HINT, looks_like_csv, sniff

    said_csv = base in _CSV_MEDIA_TYPES
    hint = CSV_HINT if said_csv or looks_like_csv(data, suffix) else ""
    if said_csv and data is not None:
        try:
            workbook = sniff(data, name) == "xlsx"
        except UnsupportedMediaType:
            workbook = False
        if workbook:  # a workbook mislabelled: the media type to send it with
            hint += f"; the content is an Excel workbook: send it as {XLSX_MEDIA_TYPE}"
    if charset := looks_unmarked(data):
        hint += "; " + unmarked_refusal(charset, "text/turtle")
    return UnsupportedMediaType(f"{name}: {what}; {_HOW_TO_NAME}{hint}")


def _exchange_model(head: bytes) -> bool:
    """An Open Group exchange model's first bytes (its namespace, a ``model`` root, and not
    Archi's namespace): a file named ``.archimate`` holding one was refused as "not an Archi
    model" while an Archi model named ``.xml`` was read, the content deciding."""
    return (
        ARCHIMATE_NS.encode() in head
        and ARCHI_NS.encode() not in head
        and re.search(rb"<(\w+:)?model[\s>]", head) is not None
    )


def upload_format(
    name: str, media_type: str | None, data: bytes | None = None
) -> tuple[str, ox.RdfFormat | None]:
    """What an upload is and, for RDF, its serialisation: the one decision every edge (the
    workbench, ``POST /validate``, the CLI, MCP) and the sandbox's reader make.

    A media type naming a model format decides; one that says nothing (none,
    ``application/octet-stream``, ``text/plain``... :data:`~pcfgraph.audit.sniff.
    GENERIC_MEDIA_TYPES`) leaves it to the file extension, and when that is not one pcfgraph
    reads, to the content (:func:`~pcfgraph.audit.sniff.sniff`). XML is told apart by its root
    element. Anything else is :class:`~pcfgraph.errors.UnsupportedMediaType` (415, exit 2)
    naming every format read, its extensions and media type, as is a ``charset`` parameter
    naming no encoding Python knows (:mod:`pcfgraph.audit.charset`)."""
    from pcfgraph.audit.charset import ascii_compatible, upload_codec
    from pcfgraph.audit.sniff import GENERIC_MEDIA_TYPES, sniff

    base = base_media_type(media_type or "")
    codec = upload_codec(name, media_type, data)  # an unknown charset: 415 naming it
    whole = True  # ``data`` is the whole upload, not a transcoded head
    if codec is not None and data is not None and not ascii_compatible(codec):  # UTF-16...
        data, whole = data[:8192].decode(codec, "ignore").encode("utf-8"), False
    suffix = PurePath(name).suffix.lower()
    kind: str | None
    if base in GENERIC_MEDIA_TYPES:
        if suffix in MODEL_EXTENSIONS:
            kind = MODEL_EXTENSIONS[suffix]
        elif suffix == ".xml":
            kind = "xml"
        elif suffix in EXTENSIONS:
            return "rdf", EXTENSIONS[suffix]
        else:
            sniffed = sniff(data, name) if data is not None else None
            if sniffed is None:
                said = f"the name, the media type ({base})" if base else "the name"
                what = f"cannot tell the format: neither {said} nor the content says which"
                raise _unsupported(name, what, data, suffix)
            if sniffed in _SNIFFED:
                return "rdf", _SNIFFED[sniffed].rdf_format
            kind = sniffed
    elif base == "application/rdf+xml":
        kind = "xml"
    elif base in MEDIA_TYPES:
        return "rdf", MEDIA_TYPES[base]
    elif base in MODEL_MEDIA_TYPES:
        kind = MODEL_MEDIA_TYPES[base]
    elif suffix in MODEL_EXTENSIONS:  # a workbook sent as application/vnd.ms-excel, x-zip...
        kind = MODEL_EXTENSIONS[suffix]
    else:
        raise _unsupported(name, f"media type {base!r} is not supported", data, suffix, base)
    if kind == "archi" and data is not None and _exchange_model(data[:4096]):
        return "archimate", None  # Archi's export saved as .archimate: the root says which
    if kind != "xml":
        return kind, None
    if data is None:
        return "xml", None
    head = data[:4096]
    if (text := _text_rdf(head.removeprefix(UTF8_BOM))) is not None:
        # its first IRI was read as the root element: "an XML file whose root element is <https>"
        raise UnsupportedMediaType(
            f"{name}: sent as XML (an ArchiMate exchange model or RDF/XML), but the content is "
            f"{text}: send it as {text}"
        )
    if ARCHIMATE_NS.encode() in head and re.search(rb"<(\w+:)?model[\s>]", head):
        return "archimate", None
    if ARCHI_NS.encode() in head and re.search(rb"<\w+:model[\s>]", head):
        return "archi", None
    from pcfgraph.audit.xml_root import not_rdf_xml, other_archimate

    if refusal := other_archimate(head.removeprefix(UTF8_BOM), name, ARCHIMATE_NS):
        raise UnsupportedMediaType(refusal)
    # an upload declared RDF/XML, or with a DTD (refused as such when parsed), is parsed
    if (
        whole
        and base != "application/rdf+xml"
        and b"<!DOCTYPE" not in head
        and (refusal := not_rdf_xml(data.removeprefix(UTF8_BOM), name))
    ):
        raise UnsupportedMediaType(refusal)
    strict = base in ("application/xml", "text/xml") or suffix != ".xml"
    if strict and base != "application/rdf+xml" and not re.search(rb"<(\w+:)?RDF[\s>]", head):
        raise UnsupportedMediaType(
            f"{name}: an XML file that is neither an ArchiMate exchange model nor RDF/XML"
        )
    return "rdf", ox.RdfFormat.RDF_XML


#: How Turtle and JSON-LD text starts (after comments): never how an XML document does (an
#: IRI has a '/', '#' or second ':' after its scheme, which a root element's name never has).
_TURTLE_START: Final = re.compile(
    rb"(?:\s*#[^\n]*\n)*\s*(?:@prefix\s|@base\s|prefix\s+\w*:|base\s+<|<\w[\w+.-]*:[^<>\s\"]*[/#:][^<>\s\"]*>)",
    re.I,
)
_JSON_START: Final = re.compile(rb"\s*[{\[]")


def _text_rdf(head: bytes) -> str | None:
    """``"Turtle (.ttl, text/turtle)"`` or ``"JSON-LD ..."`` when text sent as XML is one of
    those (a prefix or base directive, a first IRI in angle brackets, a JSON object)."""
    if _TURTLE_START.match(head):
        return "Turtle (.ttl, text/turtle)"
    if _JSON_START.match(head):
        return "JSON-LD (.jsonld, application/ld+json)"
    return None
