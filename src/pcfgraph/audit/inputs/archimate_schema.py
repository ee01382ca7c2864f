"""The Open Group exchange-format schemas (vendored in ``schemas/archimate/`` with their
licence; ``xml.xsd`` and ``dc.xsd`` resolved locally, nothing fetched), and an exchange file
checked against them before it is read.

A file the schemas refuse is :class:`~pcfgraph.errors.InvalidModelFile` (422 / exit 2) at the
line and column of its first error, and the message names every error (up to
:data:`MAX_NAMED`) with its line: an architect told of the first only fixed it and was
refused for the next, one upload at a time.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from pcfgraph.errors import QUOTED_CHARS, InvalidModelFile, quoted

NS: Final = "http://www.opengroup.org/xsd/archimate/3.0/"
SCHEMA_DIR: Final = Path(__file__).resolve().parent / "schemas" / "archimate"
_LOCAL_SCHEMAS: Final = {
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2009/01/xml.xsd": "xml.xsd",
    "http://dublincore.org/schemas/xmls/qdc/2008/02/11/dc.xsd": "dc.xsd",
}
#: How many of a file's schema errors a refusal names (the rest are counted).
MAX_NAMED: Final = 20
#: The longest schema error message a refusal names whole (one quoting values with quotes).
LONGEST: Final = 500
#: A value libxml2 quotes in an error ('...'), longer than a message quotes one.
_LONG_VALUE: Final = re.compile(f"'([^']{{{QUOTED_CHARS + 1},}})'")


def _cut(message: str) -> str:
    """A schema error's message with each value it quotes cut as every message cuts one
    (:func:`~pcfgraph.errors.quoted`): libxml2 quotes a value whole, and a refusal naming
    20 errors on identifiers of 40,000 characters was a message of 800,000."""
    cut = _LONG_VALUE.sub(lambda m: quoted(m.group(1)), message)
    return cut if len(cut) <= LONGEST else f"{cut[:LONGEST]}... ({len(cut)} characters)"


class _Resolver:
    """Resolves the schemas' imports of xml.xsd and dc.xsd to the vendored copies."""

    def __new__(cls) -> Any:
        from lxml import etree

        class Resolver(etree.Resolver):  # type: ignore[misc,unused-ignore]
            def resolve(self, url: str, pubid: str, context: Any) -> Any:
                local = _LOCAL_SCHEMAS.get(url)
                if local:
                    return self.resolve_filename(str(SCHEMA_DIR / local), context)
                return None

        return Resolver()


@cache
def exchange_schema() -> Any:
    """The Open Group exchange-format schema (diagrams, views and model) plus Dublin Core."""
    from lxml import etree

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Resolver())
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="{NS}" schemaLocation="{(SCHEMA_DIR / "archimate3_Diagram.xsd").as_uri()}"/>'
        '<xs:import namespace="http://purl.org/dc/elements/1.1/" '
        f'schemaLocation="{(SCHEMA_DIR / "dc.xsd").as_uri()}"/>'
        "</xs:schema>"
    )
    doc = etree.fromstring(wrapper.encode(), parser, base_url=(SCHEMA_DIR / "wrapper.xsd").as_uri())
    return etree.XMLSchema(etree.ElementTree(doc))


def _column(data: bytes, line: int) -> int:
    """libxml2 gives no column for schema errors: the column where that line's element
    starts."""
    lines = data.split(b"\n")
    text = lines[line - 1] if 0 < line <= len(lines) else b""
    return len(text) - len(text.lstrip()) + 1


def validate(root: Any, data: bytes, name: str) -> None:
    """Nothing when ``root`` is a valid exchange model, else :class:`InvalidModelFile` naming
    each error with its line and column."""
    schema = exchange_schema()
    if schema.validate(root):
        return
    errors = list(schema.error_log.filter_from_errors()) if schema.error_log else []
    found = [
        (err.line or None, _cut(re.sub(r"\{[^}]*\}", "", err.message).strip().rstrip(".")))
        for err in errors
    ] or [(None, "does not match the schema")]
    line = found[0][0]
    column = _column(data, line) if line else None
    message = f"not a valid ArchiMate exchange model (Open Group schema 3.x): {found[0][1]}"
    if len(found) > 1:
        others = [
            f"line {at}, column {_column(data, at)}: {what}" if at else what
            for at, what in found[1:MAX_NAMED]
        ]
        more = len(found) - MAX_NAMED
        message += f"; {len(found)} errors in all; also " + "; ".join(others)
        message += f"; and {more} more" if more > 0 else ""
    raise InvalidModelFile(message, line=line, column=column, source=name)
