"""What an uploaded file is when neither its name nor its media type says.

Browsers send ``application/octet-stream`` (or nothing) for an extension the operating system
does not know, curl sends ``application/x-www-form-urlencoded`` with ``--data-binary``, and a
file saved without an extension says nothing at all. Such an upload was read as Turtle on the
workbench (a CSV file got "not valid Turtle: id is not a valid subject") and refused on
``POST /validate``: one upload, two answers. :func:`sniff` looks at the first bytes for the
unmistakable marks of the formats pcfgraph reads (a ZIP holding ``xl/workbook.xml``, an XML
prolog or a root element declaring namespaces, a JSON object, a Turtle directive or subject);
anything else is refused by the caller with the list of formats and how to name the file.

Files recognisably of a format pcfgraph does not read (an Excel 97-2003 or password-protected
workbook, an OpenDocument spreadsheet, another ZIP archive, a PDF, CSV) are refused here with
what to do instead. Sniffing only chooses a parser: every parser keeps its own limits.
"""

from __future__ import annotations

import re
from typing import Final

from pcfgraph.errors import UnsupportedMediaType

#: Media types that say nothing about the content: the file's name decides, else its content.
#: ``text/plain`` is N-Triples' old media type, but browsers and curl send it for any text file;
#: a ``.nt`` file is still read as N-Triples, and Turtle (which :func:`sniff` picks for
#: triples) reads every N-Triples document the same.
GENERIC_MEDIA_TYPES: Final = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json",
    }
)

_HEAD: Final = 4096
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_ZIP: Final = b"PK\x03\x04"
_OLE2: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A ZIP archive's end-of-central-directory record, within its last 22 + 65,535 bytes (the
#: record and the longest archive comment); a file without it was cut short.
_ZIP_END: Final = b"PK\x05\x06"
_ZIP_END_REACH: Final = 22 + 65535
#: The parts an Office Open XML workbook's first entries name (Excel writes them first).
_OOXML_PART = re.compile(rb"\[Content_Types\]\.xml|xl/|docProps/")
#: An XML prolog, comment or DOCTYPE, or a root element declaring a namespace (RDF/XML and
#: ArchiMate always do; ``<urn:x> <p> <o> .`` in Turtle does not match: no space in the tag).
_XML_RE = re.compile(rb"\s*(<\?xml|<!--|<!DOCTYPE|<[A-Za-z_][\w.:-]*\s[^>]*xmlns)", re.I)
_HTML_RE = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S)
_JSON_RE = re.compile(rb"\s*(\{\s*[\"}]|\[\s*[{\]])")
_COMMENTS_RE = re.compile(rb"(\s*#[^\n]*\n)*\s*")
_TURTLE_RE = re.compile(rb"(@prefix|@base|prefix\s|base\s|<[^>\s]*>|_:|\[)", re.I)
_CSV_RE = re.compile(rb"[^,;\t\n]*([,;\t][^,;\t\n]*)+\r?\n")
#: A control character no text line holds (tab and CR do): random bytes have several a line.
_CONTROL_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
UTF16_TEXT: Final = "UTF-16 text (saved as Windows 'Unicode'): save it as UTF-8"
#: What to do with a CSV file (said wherever one is refused).
CSV_HINT: Final = (
    "; a CSV file is not read: put its rows in the spreadsheet template "
    "(`pcfgraph template orgmodel`, or GET /templates/orgmodel.xlsx) and upload the .xlsx"
)


def _binary(data: bytes) -> str | None:
    head = data[:_HEAD]
    if head.startswith(_ZIP):
        if b"opendocument.spreadsheet" in head:  # its mimetype entry comes first, uncompressed
            return "an OpenDocument spreadsheet (.ods): save it in Excel Workbook format (.xlsx)"
        if _ZIP_END not in data[-_ZIP_END_REACH:]:  # a ZIP's directory is at its very end
            kind = "an Excel workbook" if _OOXML_PART.search(head) else "a ZIP archive"
            return (
                f"{kind} cut short: the end of the file is missing, as after an incomplete "
                "download or a truncated attachment; send the whole file again"
            )
        if b"xl/workbook.xml" in data[-65536:] or b"xl/workbook.xml" in head:
            return None
        if b"model.xml" in data[-65536:]:  # Archi's archive format (a model with images)
            return (
                "an Archi model saved with images (a ZIP archive of model.xml): name it .archimate"
            )
        return "a ZIP archive that is not an Excel workbook"
    if head.startswith(_OLE2):
        return (
            "an Excel 97-2003 (.xls) or password-protected file: save it in Excel Workbook "
            "format (.xlsx) without a password"
        )
    if head.startswith(b"%PDF"):
        return "a PDF document, not a model"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file: decompress it and upload the file inside"
    if _HTML_RE.match(head.removeprefix(_UTF8_BOM)):
        return "an HTML page, not a model (an ArchiMate model is its exchange-format .xml)"
    if head.startswith(UTF16_BOMS):
        return UTF16_TEXT
    return None


def binary(data: bytes) -> str | None:
    """What a file that is not text is (a workbook, an archive, a PDF, UTF-16 text) and what
    to do with it, or None: said when its name or media type claimed a text RDF format."""
    if data[:_HEAD].startswith(_ZIP) and _binary(data) is None:
        return "an Excel workbook: name it .xlsx (or send its media type)"
    return _binary(data)


def foreign(data: bytes) -> str | None:
    """What a file recognisably of a format pcfgraph does not read is, and what to do instead
    ("an Excel 97-2003 (.xls) or password-protected file: save it ..."), or None."""
    if what := _binary(data):
        return what
    return "CSV text" + CSV_HINT if looks_like_csv(data, "") else None


def sniff(data: bytes, name: str) -> str | None:
    """``"xlsx"``, ``"xml"``, ``"jsonld"`` or ``"turtle"`` when the content shows it, None
    when it does not; :class:`~pcfgraph.errors.UnsupportedMediaType` for a file recognisably
    of a format pcfgraph does not read (:func:`foreign`)."""
    head = data[:_HEAD]
    if head.startswith(_ZIP) and _binary(data) is None:
        return "xlsx"
    if head.startswith(_UTF8_BOM):
        head = head[len(_UTF8_BOM) :]
    if _XML_RE.match(head) and not _HTML_RE.match(head):
        return "xml"
    if _JSON_RE.match(head):
        return "jsonld"
    start = _COMMENTS_RE.match(head)
    if _TURTLE_RE.match(head, start.end() if start else 0):
        return "turtle"
    if what := _binary(data):
        raise UnsupportedMediaType(f"{name}: {what}")
    return None


def looks_like_csv(data: bytes | None, suffix: str) -> bool:
    """A CSV or TSV file, by its extension or its first line (a delimited header: text, in
    any 8-bit encoding, since Excel writes CSV in the Windows code page; binary data whose
    first line happens to hold a comma is not CSV)."""
    if suffix in (".csv", ".tsv"):
        return True
    if data is None:
        return False
    line = _CSV_RE.match(data[:_HEAD].removeprefix(_UTF8_BOM))
    return line is not None and _CONTROL_RE.search(line.group(0)) is None
