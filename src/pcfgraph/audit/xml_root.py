"""The root element of an XML upload, read from its first bytes, and what it says about the file.

An ArchiMate exchange file is told apart from RDF/XML by its root element ``model`` in the
Open Group's ArchiMate 3.x namespace. An exchange file of another version (ArchiMate 2.1's
``http://www.opengroup.org/xsd/archimate``, a tool's ``.../archimate/3.1/``) matched neither and
went on to the RDF/XML parser, which said "not valid RDF/XML: XML namespaces are required in
RDF/XML": nothing about ArchiMate, nor where. :func:`other_archimate` names what the file is,
where its root element is, and what to do instead.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

#: The Open Group's namespaces for the exchange format start with this (2.1 has no version).
OPEN_GROUP_ARCHIMATE: Final = "http://www.opengroup.org/xsd/archimate"
#: A start tag: its name ends at a space, ``/`` or ``>``. N-Triples' and Turtle's first IRI
#: (``<http://example.org/a>``, ``<urn:x:y>``) is no tag: a parse error in such a file was
#: told "the file is XML, with the root element <http>".
_TAG_RE: Final = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)((?:[\s/][^>]*)?)>")
_VERSION_RE: Final = re.compile(r"/(\d+(?:\.\d+)*)/?$")


class XmlRoot(NamedTuple):
    local: str
    namespace: str | None
    line: int
    column: int


def root_element(head: bytes) -> XmlRoot | None:
    """The root element's local name, namespace and position (1-based line and column) in the
    first bytes of an XML document, or None when they do not show it (prolog, comments and
    declarations skipped)."""
    i = 0
    while (i := head.find(b"<", i)) >= 0:
        if head.startswith(b"<?", i):
            end, step = head.find(b"?>", i), 2
        elif head.startswith(b"<!--", i):
            end, step = head.find(b"-->", i), 3
        elif head.startswith(b"<!", i):
            end, step = head.find(b">", i), 1
        else:
            tag = _TAG_RE.match(head, i)
            if tag is None:
                return None
            prefix = (tag.group(1) or b"")[:-1].decode("ascii", "replace")
            attribute = f"xmlns:{prefix}" if prefix else "xmlns"
            declared = re.search(
                rf"(?:^|\s){re.escape(attribute)}\s*=\s*([\"'])(.*?)\1".encode(), tag.group(3)
            )
            namespace = declared.group(2).decode("utf-8", "replace") if declared else None
            line = head.count(b"\n", 0, i) + 1
            column = i - (head.rfind(b"\n", 0, i) + 1) + 1
            return XmlRoot(tag.group(2).decode("ascii", "replace"), namespace, line, column)
        if end < 0:
            return None
        i = end + step
    return None


def other_archimate(head: bytes, name: str, supported: str) -> str | None:
    """The refusal of an ArchiMate exchange file whose root ``model`` is in an Open Group
    namespace other than ``supported`` (the 3.x one), or None when it is not such a file."""
    root = root_element(head)
    if root is None or root.local != "model" or root.namespace is None:
        return None
    namespace = root.namespace
    if not namespace.startswith(OPEN_GROUP_ARCHIMATE) or namespace == supported:
        return None
    version = _VERSION_RE.search(namespace)
    which = f"version {version.group(1)}" if version else "ArchiMate 2.1's"
    return (
        f"{name}, line {root.line}, column {root.column}: an ArchiMate exchange model in the "
        f"namespace {namespace} ({which}), which pcfgraph does not read: it reads the ArchiMate "
        f"3.x exchange format (namespace {supported}, which ArchiMate 3.0, 3.1 and 3.2 files "
        "all use); export the model again in that format (in Archi: File > Export > Model to "
        "Open Exchange File), or save it as an Archi model (.archimate)"
    )


#: The RDF namespace: every RDF/XML document declares it (for rdf:RDF, rdf:about...).
RDF_NAMESPACE: Final = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def not_rdf_xml(data: bytes, name: str) -> str | None:
    """The refusal of an XML file that cannot be RDF/XML: it never names the RDF namespace
    (``data``: the whole upload). The RDF/XML parser said "XML namespaces are required in
    RDF/XML", nothing about what the file is nor where; this names its root element and
    where it is. None when the root cannot be read or the RDF namespace is named."""
    if RDF_NAMESPACE in data:
        return None
    root = root_element(data[:4096])
    if root is None:
        return None
    where = f" in the namespace {root.namespace}" if root.namespace else " (no namespace)"
    return (
        f"{name}, line {root.line}, column {root.column}: an XML file whose root element is "
        f"<{root.local}>{where}: neither an ArchiMate exchange model nor RDF/XML (which "
        "declares the RDF namespace http://www.w3.org/1999/02/22-rdf-syntax-ns#)"
    )


#: An element's start or end tag (attribute values may hold ``>``), or what holds no element:
#: a comment, CDATA, a processing instruction (a DTD is refused before this is asked).
_ELEMENT_TOKEN: Final = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|<(/?)[^\s/>!?](?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>",
    re.S,
)


def too_deep(data: bytes, limit: int) -> tuple[int, int] | None:
    """The line and column (1-based) of the first element nested more than ``limit`` deep in
    the XML ``data``, or None. pyoxigraph's RDF/XML parser takes time quadratic in the depth
    (60,000 nested node and property elements, 2.9 MB: 26 s of an audit worker)."""
    depth = 0
    for token in _ELEMENT_TOKEN.finditer(data):
        closing, empty = token.group(1), token.group(2)
        if closing is None or empty:  # comment, CDATA, instruction, empty element
            continue
        if closing:
            depth -= 1
            continue
        depth += 1
        if depth > limit:
            at = token.start()
            line_start = data.rfind(b"\n", 0, at) + 1
            return data.count(b"\n", 0, at) + 1, at - line_start + 1
    return None
