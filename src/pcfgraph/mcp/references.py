"""What an assistant passes as an element, read as the tools read it.

The tools give out two addresses of an element, its ``iri`` and its page ``url``
(``http://127.0.0.1:8000/id/prm-it/A24``), and the vocabulary resource gives the prefixes
SPARQL writes IRIs with (``prmit:A24``). An assistant passes any of them back, often the
``url`` (it is the one that looks like a link), or an IRI as SPARQL writes it
(``<https://w3id.org/pcfgraph/id/prm-it/A24>``): each was "no element" although the
server had just named that element so. They are read as the element they name.
"""

from __future__ import annotations

from collections.abc import Callable

from pcfgraph import iris, services
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.mcp.paging import ArgumentError
from pcfgraph.services.search import identifier_case
from pcfgraph.services.search.identifier_case import page_element_id, spelled
from pcfgraph.services.search.index import SearchIndex

__all__ = ["element_at", "element_ignoring_case", "expanded", "page_element_id", "spelled"]

#: The prefixes of the vocabulary resource whose namespace holds elements.
ELEMENT_PREFIXES = {p: ns for p, ns in iris.PREFIXES.items() if ns.startswith(iris.ID_BASE)}


def expanded(ref: str, reader: services.Reader | None = None) -> str:
    """``ref`` without the angle brackets SPARQL writes an IRI in, and a CURIE of the
    vocabulary's element prefixes (``prmit:A24``) as its IRI; any other text as it is. With
    ``reader``, a CURIE of a loaded APQC edition as the SSSOM files write it (``pcf74:20638``)
    too (:func:`pcfgraph.services.element_ref`), and a prefix that names nothing is an error
    of ``element`` naming the prefixes that name elements."""
    if reader is not None:
        try:
            return services.element_ref(reader, ref)
        except InputError as exc:
            raise ArgumentError("element", str(exc)) from None
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
    near: Callable[[str], str] = str,
) -> services.Element:
    """:func:`~pcfgraph.services.search.identifier_case.element_ignoring_case` as a tool
    argument: ``missing`` (the error of ``ref`` as written) as ``near`` words it (with what
    it is close to, :func:`pcfgraph.services.search.near.with_nearest`) or the ambiguity named by ``element``."""
    try:
        return identifier_case.element_ignoring_case(index, ref, framework, NotFoundError(missing))
    except NotFoundError as exc:
        raise ArgumentError("element", near(str(exc))) from None
    except InputError as exc:
        raise ArgumentError("element", str(exc)) from None
