"""Where in a JSON-LD document its parser's complaint is: line and column, as for syntax errors.

pyoxigraph's JSON-LD parser gives a position for JSON that is not well-formed, but none for
JSON that is well-formed and not valid JSON-LD ("@type value must be a string", "@type value
'not an iri' must be an IRI"): the auditor got the file's name only, and had to search a
generated file of thousands of lines for it. It also reads on past the mistake (a node object
is read whole, a context before what it applies to), so where it stopped says little. The
message says what to look for instead: the value it quotes, written as a JSON string, or the
keyword whose value is of the wrong kind. A place is given only when the document has exactly
one such place before where the parser stopped; otherwise none (never a wrong one).
"""

from __future__ import annotations

import json
import re
from typing import IO, Final, cast

import pyoxigraph as ox

from pcfgraph.audit.rdfxml_where import LineReader

#: "@type value 'not an iri' must be an IRI": the value, quoted.
_QUOTED: Final = re.compile(r"'([^']+)'")
#: "@language value must be a string": the keyword, and the kind its value must be.
_KIND: Final = re.compile(r"^(@[a-z]+) value must be (a string|a JSON object|a string, number)")
#: The first character of a JSON value of each kind the parser asks for.
_STARTS: Final = {"a string": '"', "a JSON object": "{", "a string, number": '"-0123456789tfn'}


def locate(
    data: bytes, message: str, base_iri: str, *, as_parsed: bool = True
) -> tuple[int, int] | None:
    """The line and column (1-based) of what ``message`` (the JSON-LD parser's) is about in
    ``data``, or None when it cannot be told for certain. ``as_parsed``: the parser read
    ``data`` itself (not a copy with a context inlined: then where it stopped is not known,
    and the whole document is looked in)."""
    text = data.decode("utf-8", errors="replace")
    stopped = len(text)
    if as_parsed:
        stopped = len(_read_until_error(data, base_iri).decode("utf-8", errors="replace"))
    places = _places(text, message)
    before = [at for at in places if at < stopped]
    if len(before) != 1:
        return None
    at = before[0]
    line_start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - line_start + 1


def _read_until_error(data: bytes, base_iri: str) -> bytes:
    """``data`` up to the line the parser had read when it stopped (all of it if it did not)."""
    reader = LineReader(data)
    try:
        for _ in ox.parse(cast(IO[bytes], reader), format=ox.RdfFormat.JSON_LD, base_iri=base_iri):
            pass
    except SyntaxError:
        return data[: reader.at]
    return data


def _places(text: str, message: str) -> list[int]:
    """Offsets in ``text`` of what ``message`` names: the quoted value as a JSON string, else
    each ``"@keyword":`` whose value is not of the kind the message asks for."""
    if quoted := _QUOTED.search(message):
        written = json.dumps(quoted.group(1), ensure_ascii=False)
        return [m.start() for m in re.finditer(re.escape(written), text)]
    if kind := _KIND.match(message):
        keyword, wanted = kind.group(1), _STARTS[kind.group(2)]
        places = []
        for m in re.finditer(rf'"{re.escape(keyword)}"\s*:\s*', text):
            value = text[m.end() : m.end() + 1]
            if value and value not in wanted:
                places.append(m.start())
        return places
    return []
