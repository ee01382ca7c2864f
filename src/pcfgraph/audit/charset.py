"""Uploads in a declared character encoding.

An upload sent as ``text/turtle; charset=iso-8859-1`` was read as UTF-8 and its user told to
save the file as UTF-8. Turtle, N-Triples, TriG, N-Quads and JSON-LD are UTF-8 by their
specifications and pyoxigraph reads nothing else, so text in a charset Python knows is decoded
by it and re-encoded as UTF-8 before parsing (pyoxigraph counts columns in characters, so
lines and columns of parse errors stay those of the file as sent). RDF/XML carries its own
encoding declaration (``<?xml version="1.0" encoding="ISO-8859-1"?>``): rdflib's parser
(expat) honours it and pyoxigraph's refuses anything but UTF-8, so it is honoured here the
same way, with the media type's charset first when there is one (RFC 7303); the declaration
is then rewritten to say UTF-8. Every check on the bytes (a DTD, nesting depth) runs on the
UTF-8 text, so another encoding cannot hide anything from them. An unknown charset is
:class:`~pcfgraph.errors.UnsupportedMediaType` (415) naming it.

A file that starts with a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE: Notepad's
"Unicode" is UTF-16 LE with one) is read in the encoding the mark says, with or without a
declared charset: the mark leaves no doubt, and a charset that contradicts it (a client's
default ``charset=utf-8`` on a UTF-16 file) gives way to it, as in the WHATWG Encoding
Standard's decode. A declared charset Python does not know is still 415.

A file in UTF-16 without a mark and without a declared charset (written by a program that
omits it, or cut from a longer file) is read as UTF-16 too when its first 4 KB leave no doubt (:func:`utf16_without_bom`): a NUL in every other byte and in no other,
as ASCII or Latin-1 text is in UTF-16 (a NUL is no character of Turtle, JSON or XML text, so
it cannot be UTF-8 RDF). UTF-32 (NULs in three bytes of four) is not taken for it. When the
bytes only look like UTF-16 (many such NULs, but not in every other byte, or a declared
``charset=utf-8``), the upload is refused with a :class:`~pcfgraph.errors.ParseError` (400,
exit 2) saying it looks like UTF-16 without a byte order mark and what to do: save it as
UTF-8, or declare ``charset=utf-16le`` (:func:`unmarked_refusal`), instead of a Turtle syntax
error about a NUL.

UTF-32 without a mark is decided the same way (:func:`utf32_without_bom`): read as UTF-32 when
every four bytes of the first 4 KB are NULs in the same three and a character in the fourth
(ASCII or Latin-1 text in UTF-32 LE or BE), refused saying so when the bytes only look like it
(a quarter or more of the four-byte units such a character, the rest other characters, or a
declared ``charset=utf-8``), with ``charset=utf-32le`` to declare (:func:`unmarked_refusal`).

The upload limit (``max_upload_bytes``) holds for the bytes as sent and for the UTF-8 text they
are re-encoded in (:func:`pcfgraph.audit.parse.check_upload_size`): Latin-1 or Windows-1252
text grows up to 3x.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import Final

from pcfgraph.conneg import media_type_params
from pcfgraph.errors import ParseError, UnsupportedMediaType

_XML_ENCODING: Final = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_XML_DECLARED: Final = re.compile(r"(\A\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])([A-Za-z0-9._-]+)\2")


def media_type_charset(media_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type (as sent, unquoted), or None."""
    for key, value in media_type_params(media_type or ""):
        if key == "charset":
            return value.strip()
    return None


def _codec(charset: str) -> str | None:
    """Python's name of a text encoding, or None when Python knows no such text encoding
    (``rot13`` and ``base64`` are codecs, but not of text)."""
    try:
        name = codecs.lookup(charset).name
        "a".encode(name).decode(name)  # not empty: b"".decode("rot13") is b"" without a check
    except (LookupError, ValueError):
        return None
    return name


#: Byte order marks and their codecs, UTF-32 LE before UTF-16 LE (whose mark starts it).
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_codec(data: bytes | None) -> str | None:
    """The codec the byte order mark ``data`` starts with says, or None without one."""
    if data:
        for bom, codec in _BOMS:
            if data.startswith(bom):
                return codec
    return None


#: How many first bytes tell UTF-16 without a byte order mark.
_UTF16_HEAD: Final = 4096


def _nul_pairs(data: bytes) -> tuple[int, int, int]:
    """Of the first byte pairs of ``data``: how many, how many are ASCII-like little-endian
    UTF-16 (a byte then NUL), how many big-endian (NUL then a byte); no UTF-16 at all (0, 0,
    0) when a quarter or more are two NULs (UTF-32, binary data)."""
    head = data[:_UTF16_HEAD]
    head = head[: len(head) - len(head) % 2]
    first, second = head[0::2], head[1::2]
    pairs = len(second)
    if 0 not in head:  # UTF-8 (or Latin-1) text: no NUL at all
        return pairs, 0, 0
    little = sum(1 for a, b in zip(first, second, strict=True) if a and not b)
    big = sum(1 for a, b in zip(first, second, strict=True) if b and not a)
    nul_pairs = sum(1 for a, b in zip(first, second, strict=True) if not a and not b)
    if nul_pairs * 4 >= pairs:
        return 0, 0, 0
    return pairs, little, big


def utf16_without_bom(data: bytes | None) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``data`` has no byte order mark and its first
    bytes are unmistakably UTF-16 text: a NUL in every other byte and in no other (ASCII or
    Latin-1 text in UTF-16; UTF-32 has NULs in three bytes of four); else None."""
    return _sure(data, _nul_pairs, "utf-16-le", "utf-16-be")


def looks_like_utf16(data: bytes | None) -> str | None:
    """``"utf-16le"`` or ``"utf-16be"`` (the charset to declare) when ``data`` has no byte
    order mark and looks like UTF-16 text, though not as unmistakably as
    :func:`utf16_without_bom` needs (text beyond Latin-1 in its first bytes, a stray NUL): a
    quarter or more of its first byte pairs are ASCII in UTF-16 of one byte order and far
    fewer of the other; else None."""
    return _likely(data, _nul_pairs, "utf-16le", "utf-16be")


#: ``counts(data)``: of the first code units of ``data``, how many, how many are ASCII-like
#: little-endian, how many big-endian (:func:`_nul_pairs`, :func:`_nul_units`).
_Counts = Callable[[bytes], tuple[int, int, int]]


def _sure(data: bytes | None, counts: _Counts, little_name: str, big_name: str) -> str | None:
    """The byte order whose units are all ASCII-like, for unmarked ``data`` of two units or
    more; else None."""
    if not data or bom_codec(data) is not None:
        return None
    units, little, big = counts(data)
    if units < 2:
        return None
    if little == units:
        return little_name
    if big == units:
        return big_name
    return None


def _likely(data: bytes | None, counts: _Counts, little_name: str, big_name: str) -> str | None:
    """The byte order of which a quarter or more of the units are ASCII-like and far more
    than of the other, for unmarked ``data`` of two units or more; else None."""
    if not data or bom_codec(data) is not None:
        return None
    units, little, big = counts(data)
    if units < 2:
        return None
    if little * 4 >= units and little > 2 * big:
        return little_name
    if big * 4 >= units and big > 2 * little:
        return big_name
    return None


def _nul_units(data: bytes) -> tuple[int, int, int]:
    """Of the first four-byte units of ``data``: how many, how many are ASCII-like
    little-endian UTF-32 (a byte then three NULs), how many big-endian (three NULs then a
    byte)."""
    head = data[:_UTF16_HEAD]
    head = head[: len(head) - len(head) % 4]
    units = len(head) // 4
    if 0 not in head:  # UTF-8 (or Latin-1) text: no NUL at all
        return units, 0, 0
    b0, b1, b2, b3 = head[0::4], head[1::4], head[2::4], head[3::4]
    little = sum(1 for a, b, c, d in zip(b0, b1, b2, b3, strict=True) if a and not b | c | d)
    big = sum(1 for a, b, c, d in zip(b0, b1, b2, b3, strict=True) if d and not a | b | c)
    return units, little, big


def utf32_without_bom(data: bytes | None) -> str | None:
    """``"utf-32-le"`` or ``"utf-32-be"`` when ``data`` has no byte order mark and its first
    bytes are unmistakably UTF-32 text: NULs in the same three bytes of every four and a
    character in the fourth (ASCII or Latin-1 text in UTF-32); else None."""
    return _sure(data, _nul_units, "utf-32-le", "utf-32-be")


def looks_like_utf32(data: bytes | None) -> str | None:
    """``"utf-32le"`` or ``"utf-32be"`` (the charset to declare) when ``data`` has no byte
    order mark and looks like UTF-32 text, though not as unmistakably as
    :func:`utf32_without_bom` needs (text beyond Latin-1 in its first bytes): a quarter or
    more of its first four-byte units are ASCII in UTF-32 of one byte order and far fewer of
    the other; else None."""
    return _likely(data, _nul_units, "utf-32le", "utf-32be")


def unmarked_codec(data: bytes | None) -> str | None:
    """The codec of UTF-16 or UTF-32 text without a byte order mark when its first bytes
    leave no doubt (:func:`utf16_without_bom`, :func:`utf32_without_bom`), else None."""
    return utf32_without_bom(data) or utf16_without_bom(data)


def looks_unmarked(data: bytes | None) -> str | None:
    """The charset to declare for text that looks like UTF-32 or UTF-16 without a byte
    order mark (:func:`looks_like_utf32`, :func:`looks_like_utf16`), else None."""
    return looks_like_utf32(data) or looks_like_utf16(data)


def unmarked_refusal(charset: str, media_type: str) -> str:
    """What is wrong with text that looks like UTF-16 or UTF-32 (``charset``) without a byte
    order mark and is read as UTF-8, and how to fix it (the message of the error refusing
    it)."""
    wide = charset.startswith("utf-32")
    return (
        f"the file looks like {'UTF-32' if wide else 'UTF-16'} text ({charset[-2:].upper()}) "
        "without a byte order mark "
        f"({'NULs in three bytes of every four' if wide else 'a NUL in every other byte'}), "
        "and is read as UTF-8: save it as UTF-8, or declare its encoding (over HTTP: "
        f"Content-Type: {media_type}; charset={charset})"
    )


def upload_codec(name: str, media_type: str | None, data: bytes | None = None) -> str | None:
    """The codec an upload is read in: its byte order mark's (``data``'s first bytes), else
    the charset its media type declares, else UTF-16 or UTF-32 when the bytes leave no doubt
    (:func:`unmarked_codec`); None for UTF-8 or when none of these says (the bytes are
    read as they are). A charset Python does not know as a text encoding is
    :class:`~pcfgraph.errors.UnsupportedMediaType` naming it, mark or not."""
    charset = media_type_charset(media_type)
    codec = None if charset is None else _codec(charset)
    if charset is not None and codec is None:
        raise UnsupportedMediaType(
            f"{name}: charset {charset!r} is not a character encoding pcfgraph knows; "
            "send the file as UTF-8 (charset=utf-8) or name its encoding "
            "(e.g. charset=iso-8859-1, windows-1252, utf-16)"
        )
    codec = bom_codec(data) or codec or (unmarked_codec(data) if charset is None else None)
    return None if codec in (None, "utf-8") else codec


def ascii_compatible(codec: str) -> bool:
    """Whether ``codec`` writes ASCII as ASCII (ISO-8859-x, Windows code pages; not UTF-16),
    so the marks formats are told apart by read the same in it."""
    try:
        return "<?xml @prefix {".encode(codec) == b"<?xml @prefix {"
    except (LookupError, ValueError):  # idna, punycode: encodings, not of text
        return False


def xml_declared_codec(data: bytes, name: str = "") -> str | None:
    """The codec an XML declaration names when it is not UTF-8 and Python knows it as an
    encoding the declaration itself is readable in (ASCII-compatible); else None (and the
    RDF/XML check refuses what it cannot read).

    A declaration read in ASCII that names UTF-16 or UTF-32 (the file was saved as UTF-8 and
    the declaration kept) cannot be true: a UTF-16 file would have come with a byte order
    mark or NULs (read before this). It is a :class:`~pcfgraph.errors.ParseError` at the name,
    saying so; lxml's own words were "Blank needed here"."""
    m = _XML_ENCODING.match(data[:200])
    if m is None:
        return None
    declared = m.group(1).decode("ascii")
    codec = _codec(declared)
    if codec is not None and codec != "utf-8" and not ascii_compatible(codec):
        before = data[: m.start(1)].decode("ascii", "replace")
        raise ParseError(
            f"the XML declaration says encoding {declared!r}, but the file is not in it (it "
            "starts in ASCII, without a byte order mark): correct the declaration (to UTF-8 "
            f"if the file is UTF-8), or save the file as {declared}",
            line=before.count("\n") + 1,
            column=len(before) - (before.rfind("\n") + 1) + 1,
            source=name,
        )
    if codec is None or codec == "utf-8":
        return None
    return codec


def to_utf8(data: bytes, codec: str, name: str, *, xml: bool = False) -> bytes:
    """``data`` decoded by ``codec`` and encoded as UTF-8 (a byte order mark dropped); for
    XML, its declaration then says UTF-8. Bytes the codec cannot decode are a
    :class:`~pcfgraph.errors.ParseError` at their line and column."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode(codec, "replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        bad = data[exc.start : exc.end].hex(" ")
        raise ParseError(
            f"not valid {codec} text (the charset declared): bytes {bad} ({exc.reason}); "
            "declare the file's own encoding, or save it as UTF-8",
            line=line,
            column=column,
            source=name,
        ) from None
    text = text.removeprefix("\ufeff")
    if xml:
        # Same length where it can be (spaces may follow the pseudo-attribute), so columns
        # on the declaration's line stay those of the file as sent.
        text = _XML_DECLARED.sub(
            lambda m: f"{m[1]}{m[2]}UTF-8{m[2]}" + " " * max(0, len(m[3]) - 5), text, count=1
        )
    return text.encode("utf-8")
