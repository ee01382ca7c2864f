"""What an assistant passes as an element, read as the tools read it.

The tools give out two addresses of an element, its ``iri`` and its page ``url``
(``http://127.0.0.1:8000/id/prm-it/A24``), and the vocabulary resource gives the prefixes
SPARQL writes IRIs with (``prmit:A24``). An assistant passes any of them back, often the
``url`` (it is the one that looks like a link), or an IRI as SPARQL writes it
(``<https://w3id.org/pcfgraph/id/prm-it/A24>``): each was "no element" although the
server had just named that element so. They are read as the element they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from pcfgraph import iris, services
from pcfgraph.errors import NotFoundError, quoted
from pcfgraph.mcp.paging import MAX_LIMIT, ArgumentError
from pcfgraph.services.search.index import MAX_QUERY_CHARS, SearchIndex

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


def page_element_id(url: str) -> str | None:
    """The element id of a pcfgraph page URL (``.../id/prm-it/A24``, under any address and
    root path), or None when ``url`` is no such URL."""
    path = unquote(urlsplit(url).path)
    _, found, element_id = path.partition("/id/")
    element_id = element_id.strip("/")
    return element_id if found and element_id else None


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
# One rule for every identifier a tool takes: it is matched ignoring case, and answered as
# the data writes it. Codes were found ignoring case ("a24" without a framework: the search
# index folds every identifier), element ids and IRIs were not ("prm-it/a24", "prmit:a24",
# a page URL typed by hand), nor a code with `framework` ("a24" in "prm-it"), nor framework
# ids ("PRM-IT"). The data writes codes in capitals (A24, SRP-A2, CM-R-BRM) and framework
# ids and slugs in lower case, and an element id joins them (prm-it/A24, trim/role/...): a
# caller cannot know which case a part takes. No two of its elements' ids, nor two codes of
# one framework, nor two framework ids differ by case alone (tests/test_mcp_identifier_case);
# should data ever have them, the reference is ambiguous and refused, never one picked.


def spelled(value: str | None, known: Iterable[str]) -> str | None:
    """``value`` (a framework id or family) as ``known`` spells it when it differs by case
    alone from exactly one of them; otherwise as given (the tools' own checks refuse it)."""
    if value is None:
        return None
    known = list(known)
    if value in known:
        return value
    folded = [k for k in known if k.casefold() == value.casefold()]
    return folded[0] if len(folded) == 1 else value


def element_ignoring_case(
    index: SearchIndex, ref: str, framework: str | None, missing: str
) -> services.Element:
    """The one element whose IRI, element id or code is ``ref`` (an IRI, a page URL, an
    element id, or a code) but for case, within ``framework`` when given; ``missing`` (the
    error of ``ref`` as written) when none is, an ambiguity naming them when several are."""
    # by its element id, which the index keeps folded as it keeps codes (an IRI of more
    # than 120 characters, an IT-CMF metric's, is no identifier the index looks up)
    probe = ref
    if ref.casefold().startswith(iris.ID_BASE.casefold()):
        probe = ref[len(iris.ID_BASE) :]
    elif ref.startswith(("http://", "https://")):
        probe = page_element_id(ref) or ref
    elif "/" in ref:
        probe = ref.lstrip("/").removeprefix("id/")
    key = probe.casefold()
    if not key.strip() or len(key) > MAX_QUERY_CHARS:  # no identifier (the index refuses)
        raise ArgumentError("element", missing)
    found: dict[str, services.Element] = {}
    for hit in index.search(probe, framework=framework, limit=MAX_LIMIT):
        e = hit.element
        if hit.field == "code" and key in {
            e.iri.casefold(),
            e.id.casefold(),
            (e.code or "").casefold(),
        }:
            found.setdefault(e.iri, e)
    if not found:
        raise ArgumentError("element", missing)
    if len(found) > 1:
        ids = ", ".join(sorted(e.id for e in found.values()))
        raise ArgumentError(
            "element",
            f"{quoted(ref)} names {len(found)} elements when case is ignored ({ids}); "
            "give it in the case the data writes it",
        )
    return next(iter(found.values()))
