"""What an identifier that names no element is close to, said after its "not found" by MCP's
tools and GraphQL's ``element``: the closest codes, PCF IDs or element ids, or for a name
given as an identifier the best search hits. Read on the error path only."""

from __future__ import annotations

import difflib

from pcfgraph import iris
from pcfgraph.errors import PcfgraphError
from pcfgraph.services.base import Reader
from pcfgraph.services.elements import (
    NOT_IN_FRAMEWORK,
    Element,
    framework_index,
    known_framework_ids,
)
from pcfgraph.services.search.identifier_case import (
    IN_OTHER_FRAMEWORKS,
    PCF_ID_HERE,
    page_element_id,
)
from pcfgraph.services.search.index import MAX_QUERY_CHARS, SearchIndex

#: The most elements a "did you mean" names.
NEAREST = 3
#: How a "not found" says where the identifier is: nothing is added to it.
SAID_WHERE = (NOT_IN_FRAMEWORK, IN_OTHER_FRAMEWORKS, PCF_ID_HERE)


def with_nearest(
    missing: str, reader: Reader, index: SearchIndex, ref: str, framework: str | None
) -> str:
    """``missing`` (the "not found" of ``ref``) and what ``ref`` is close to (:func:`nearest`),
    unless it says where ``ref`` is already (in another framework, the PCF ID of one) or
    what was meant ("did you mean '8.0'?")."""
    if any(said in missing for said in (*SAID_WHERE, "did you mean")):
        return missing
    try:
        return missing + nearest(reader, index, ref, framework)
    except PcfgraphError:  # a framework the reference is refused for: said by missing
        return missing


def nearest(reader: Reader, index: SearchIndex, ref: str, framework: str | None) -> str:
    """What an unknown ``ref`` is close to, said after its "no element": a name or words
    (``Service Level Managment``) with the search tool's best hits, an identifier (``A244``,
    ``8.1.6.99``, ``2064``) with the closest codes, PCF IDs and element ids of ``framework``
    (else of every framework); "" when nothing is close. The error was "no element has the
    IRI, PCF ID or code 'A244'" alone (MCP), "no element 'prm-it/A244'" (GraphQL): an
    assistant guessed again, or gave up."""
    if len(ref) > MAX_QUERY_CHARS:
        return ""
    if len(ref.split()) > 1 and "/" not in ref:  # words: search finds a name (typos corrected)
        hits = index.query(ref, framework=framework, limit=NEAREST).hits
        if not hits:
            return ""
        named = ", ".join(f"{h.element.id} ({h.element.name})" for h in hits)
        return f"; search finds elements by name or words: its best hits are {named}"
    probe = ref
    if ref.startswith(iris.ID_BASE):
        probe = ref[len(iris.ID_BASE) :]
    elif ref.startswith(("http://", "https://")):
        probe = page_element_id(ref) or ref
    # an element id is compared by its last part among the ids that share the rest (prm-it/A99
    # is not close to prm-it/A8 for their common "prm-it/A"); anything else with codes and
    # PCF IDs
    head, _, folded = probe.casefold().rpartition("/")
    by_key: dict[str, list[Element]] = {}
    for fid in [framework] if framework else known_framework_ids(reader):
        for e in framework_index(reader, fid).elements.values():
            if head:
                e_head, _, e_tail = e.id.casefold().rpartition("/")
                keys = [e_tail] if e_head == head else []
            else:
                keys = [str(k).casefold() for k in (e.code, e.pcf_id) if k is not None]
            for key in keys:
                by_key.setdefault(key, []).append(e)
    # one a prefix of the other first (2064: 20640...; 8.1.6.99: 8.1.6), the nearest in length
    prefixed = sorted(
        (k for k in by_key if len(k) > 1 and (k.startswith(folded) or folded.startswith(k))),
        key=lambda k: (abs(len(k) - len(folded)), k),
    )
    close = prefixed + difflib.get_close_matches(folded, by_key, n=NEAREST, cutoff=0.8)
    found = list({e.iri: e for key in close for e in by_key[key]}.values())[:NEAREST]
    if not found:
        return ""
    named = ", ".join(f"{e.id} ({e.code} {e.name})" for e in found)
    return f"; the closest identifiers are those of {named}"
