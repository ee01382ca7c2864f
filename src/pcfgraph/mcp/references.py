"""What an assistant passes as an element, read as the tools read it.

The tools give out two addresses of an element, its ``iri`` and its page ``url``
(``http://127.0.0.1:8000/id/prm-it/A24``), and the vocabulary resource gives the prefixes
SPARQL writes IRIs with (``prmit:A24``). An assistant passes any of them back, often the
``url`` (it is the one that looks like a link), or an IRI as SPARQL writes it
(``<https://w3id.org/pcfgraph/id/prm-it/A24>``): each was "no element" although the
server had just named that element so. They are read as the element they name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from pcfgraph import iris, services
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.mcp.paging import ArgumentError
from pcfgraph.services.search import identifier_case
from pcfgraph.services.search.identifier_case import page_element_id, spelled
from pcfgraph.services.search.index import MAX_QUERY_CHARS, SearchIndex

__all__ = [
    "element_at",
    "element_ignoring_case",
    "expanded",
    "nearest",
    "page_element_id",
    "spelled",
]

#: The prefixes of the vocabulary resource whose namespace holds elements.
ELEMENT_PREFIXES = {p: ns for p, ns in iris.PREFIXES.items() if ns.startswith(iris.ID_BASE)}


def expanded(ref: str) -> str:
    """``ref`` without the angle brackets SPARQL writes an IRI in, and a CURIE of the
    vocabulary's element prefixes (``prmit:A24``) as its IRI; any other text as it is."""
    if ref.startswith("<") and ref.endswith(">"):
        ref = ref[1:-1].strip()
    prefix, colon, local = ref.partition(":")
    if colon and prefix in ELEMENT_PREFIXES and local and not local.startswith("/"):
        return ELEMENT_PREFIXES[prefix] + local
    return ref


def element_at(reader: services.Reader, url: str, framework: str | None) -> services.Element:
    """The element an ``http(s)`` reference names: its IRI, else the page URL of it (any
    pcfgraph server's, as the tools give it in ``url``); the IRI's "no element" when neither
    names one."""
    try:
        return services.element_by(reader, iri=url, framework=framework)
    except NotFoundError as exc:
        missing = exc
    element_id = None if url.startswith(iris.ID_BASE) else page_element_id(url)
    if element_id is not None:
        try:
            return services.element_by(reader, id=element_id, framework=framework)
        except NotFoundError:
            pass
    raise missing


# --- case --------------------------------------------------------------------------------
# One rule for every identifier a tool takes, as for GraphQL's arguments
# (:mod:`pcfgraph.services.search.identifier_case`): matched ignoring case, answered as the
# data writes it; here its errors name the tool's argument.


def element_ignoring_case(
    index: SearchIndex,
    ref: str,
    framework: str | None,
    missing: str,
    near: Callable[[], str] = str,
) -> services.Element:
    """:func:`~pcfgraph.services.search.identifier_case.element_ignoring_case` as a tool
    argument: ``missing`` (the error of ``ref`` as written) with ``near()`` (what it is
    close to, :func:`nearest`) or the ambiguity named by ``element``."""
    try:
        return identifier_case.element_ignoring_case(index, ref, framework, NotFoundError(missing))
    except NotFoundError as exc:
        raise ArgumentError("element", f"{exc}{near()}") from None
    except InputError as exc:
        raise ArgumentError("element", str(exc)) from None


# --- near misses ---------------------------------------------------------------------------

#: The most elements a "did you mean" names.
NEAREST = 3


def nearest(reader: services.Reader, index: SearchIndex, ref: str, framework: str | None) -> str:
    """What an unknown ``ref`` is close to, said after its "no element": a name or words
    (``Service Level Managment``) with the search tool's best hits, an identifier (``A244``,
    ``8.1.6.99``, ``2064``) with the closest codes, PCF IDs and element ids of ``framework``
    (else of every framework); "" when nothing is close. The error was "no element has the
    IRI, PCF ID or code 'A244'" alone: an assistant guessed again, or gave up."""
    if len(ref) > MAX_QUERY_CHARS:
        return ""
    if len(ref.split()) > 1:  # words: search finds a name (typos corrected)
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
    by_key: dict[str, list[services.Element]] = {}
    for fid in [framework] if framework else services.known_framework_ids(reader):
        for e in services.framework_index(reader, fid).elements.values():
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
