"""One rule for every identifier an edge takes (MCP tools, GraphQL arguments, CLI options):
it is matched ignoring case, and answered as the data writes it.

The data writes codes in capitals (A24, SRP-A2, CM-R-BRM) and framework ids and slugs in
lower case, and an element id joins both (``prm-it/A24``, ``trim/role/service-owner``): a
caller cannot know which case a part takes. Codes were found ignoring case by search (the
index folds every identifier), while element ids, IRIs, a code given with its framework and
framework ids had to be given in the data's case. No two of the data's element ids, nor two
codes of one framework, nor two framework ids differ by case alone
(tests/test_mcp_identifier_case.py); should a release's ever do, such a reference is
ambiguous and refused naming the elements, never one picked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

from pcfgraph import iris
from pcfgraph.errors import AmbiguousError, InputError, NotFoundError, OtherCaseError, quoted
from pcfgraph.letter_case import same_but_case as same_but_case  # the rule's letter case part
from pcfgraph.letter_case import spelled as spelled
from pcfgraph.services.base import Reader
from pcfgraph.services.elements import NOT_IN_FRAMEWORK, Element, element_by, element_named
from pcfgraph.services.frameworks import frameworks
from pcfgraph.services.search.index import MAX_QUERY_CHARS, SearchIndex

#: Identifier hits read per lookup: every edition of an element id or code, and then some.
MAX_HITS = 100


def naming_the_one_meant(exc: NotFoundError, value: str, known: Iterable[str]) -> NotFoundError:
    """``exc`` (``value`` found nowhere as written) where identifiers are case-sensitive (a
    URL path, ``/frameworks/PRM-IT/export``, as ``/id`` IRIs): an
    :class:`~pcfgraph.errors.OtherCaseError` naming the one of ``known`` meant when one
    differs by case alone, never that one served under a second URL; else ``exc``."""
    meant = spelled(value, known)
    if meant is None or meant == value:
        return exc
    return OtherCaseError(f"{exc}; paths are case-sensitive: did you mean {quoted(meant)}?", meant)


def page_element_id(url: str) -> str | None:
    """The element id of a pcfgraph page URL (``.../id/prm-it/A24``, under any address and
    root path), or None when ``url`` is no such URL."""
    path = unquote(urlsplit(url).path)
    _, found, element_id = path.partition("/id/")
    element_id = element_id.strip("/")
    return element_id if found and element_id else None


def element_ignoring_case(
    index: SearchIndex, ref: str, framework: str | None, missing: NotFoundError
) -> Element:
    """The one element whose IRI, element id or code is ``ref`` (an IRI, a page URL, an
    element id, or a code) but for case, within ``framework`` when given; ``missing`` (the
    error of ``ref`` as written) when none is, an :class:`AmbiguousError` naming them when
    several are."""
    # by its element id, which the index keeps folded as it keeps codes (an IRI of more
    # than 120 characters, an IT-CMF metric's, is no identifier the index looks up)
    probe = ref
    if same_but_case(ref[: len(iris.ID_BASE)], iris.ID_BASE):
        probe = ref[len(iris.ID_BASE) :]
    elif ref.startswith(("http://", "https://")):
        probe = page_element_id(ref) or ref
    elif "/" in ref:
        probe = ref.lstrip("/").removeprefix("id/")
    key = probe.casefold()
    if not key.strip() or len(key) > MAX_QUERY_CHARS:  # no identifier (the index refuses)
        raise missing
    found: dict[str, Element] = {}
    for hit in index.identifier_hits(probe, framework=framework, limit=MAX_HITS):
        e = hit.element
        if any(same_but_case(probe, known) for known in (e.iri, e.id, e.code or "")):
            found.setdefault(e.iri, e)
    if not found:
        raise elsewhere(index, probe, framework, missing)
    if len(found) > 1:
        ids = ", ".join(sorted(e.id for e in found.values()))
        raise AmbiguousError(
            f"{quoted(ref)} names {len(found)} elements when case is ignored ({ids}); "
            "give it in the case the data writes it"
        )
    return next(iter(found.values()))


#: The most elements of other frameworks a "not in this framework" names.
ELSEWHERE_SHOWN = 5
#: How :func:`elsewhere` says where an identifier is (read by :mod:`.near`).
IN_OTHER_FRAMEWORKS = "; in other frameworks it names"
PCF_ID_HERE = "; it is the PCF ID of"


def elsewhere(
    index: SearchIndex, probe: str, framework: str | None, missing: NotFoundError
) -> NotFoundError:
    """``missing`` (``probe`` names nothing in ``framework``), saying which elements of other
    frameworks it names when it does: a code, PCF ID or element id given with another
    framework's id (A24 with it-cmf, an APQC PCF ID with prm-it) was a bare "no code 'A24'
    in framework 'it-cmf'", which read as "no such element" to an assistant holding the id
    of the framework it came from, where an IRI so given says where it is."""
    if framework is None or NOT_IN_FRAMEWORK in str(missing):  # said where it is already
        return missing

    def names(e: Element) -> bool:
        known = (e.iri, e.id, e.code or "", str(e.pcf_id or ""))
        return e.framework_id != framework and any(same_but_case(probe, k) for k in known)

    hits = index.identifier_hits(probe, limit=MAX_HITS)
    # a PCF ID given as a code (GraphQL's code: "20632") is this framework's element too: "in
    # other frameworks it names <another edition's 20632>" read as "not in this one"
    here = sorted(
        {f"{h.element.code} ({h.element.id})" for h in hits
         if h.element.framework_id == framework and str(h.element.pcf_id or "") == probe}
    )  # fmt: skip
    said = f"{PCF_ID_HERE} {', '.join(here)} in {quoted(framework)}" if here else ""
    ids = sorted({h.element.id for h in hits if names(h.element)})
    if not ids:
        return NotFoundError(f"{missing}{said}") if said else missing
    shown = ", ".join(ids[:ELSEWHERE_SHOWN])
    more = f" and {len(ids) - ELSEWHERE_SHOWN} more" if len(ids) > ELSEWHERE_SHOWN else ""
    return NotFoundError(f"{missing}{said}{IN_OTHER_FRAMEWORKS} {shown}{more}")


def element_by_any_case(
    reader: Reader,
    index: Callable[[], SearchIndex],
    *,
    id: str | None = None,
    iri: str | None = None,
    pcf_id: int | None = None,
    code: str | None = None,
    framework: str | None = None,
) -> Element:
    """:func:`pcfgraph.services.element_by`, its ``id``, ``iri`` or ``code`` matched ignoring
    case when no element has it as written (``framework``: as the data spells it,
    :func:`spelled`); the error of the lookup as written when none has it either way.
    ``index`` gives the served search index, read only then."""
    try:
        return element_by(reader, id=id, iri=iri, pcf_id=pcf_id, code=code, framework=framework)
    except NotFoundError as exc:
        ref = id if id is not None else iri if iri is not None else code
        if ref is None:  # a PCF ID: a number has no case
            raise
        return element_ignoring_case(index(), ref, framework, exc)


def element_named_any_case(
    reader: Reader,
    index: Callable[[], SearchIndex],
    ref: str,
    framework: str | None,
    *,
    code_needs: str = "",
) -> Element:
    """:func:`pcfgraph.services.element_named` (an IRI, element id, PCF ID or code of
    ``framework``; ``code_needs``: its words for a code without one), matched ignoring case
    when no element has ``ref`` as written; ``index`` gives the search index, read only then."""
    try:
        return element_named(reader, ref, framework, code_needs=code_needs)
    except NotFoundError as exc:
        if ref.strip().isdigit():  # a PCF ID: a number has no case
            raise
        return element_ignoring_case(index(), ref.strip(), framework, exc)


def iri_ignoring_case(reader: Reader, index: SearchIndex, iri: str) -> str | None:
    """The element or framework IRI that differs from ``iri`` by case alone, when exactly one
    does (None otherwise): where IRIs are case-sensitive (``/id/...``), what the caller
    meant, to name in the "not found"."""
    if not same_but_case(iri[: len(iris.ID_BASE)], iris.ID_BASE):
        return None
    same = [f.iri for f in frameworks(reader) if same_but_case(f.iri, iri)]
    if not same:
        try:
            same = [element_ignoring_case(index, iri, None, NotFoundError(iri)).iri]
        except InputError:  # none, or several (ambiguous): nothing to name
            return None
    return same[0] if len(same) == 1 and same[0] != iri else None
