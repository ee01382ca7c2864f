"""The values a named query's parameter domain takes on the served data (``framework id``:
:data:`pcfgraph.query_params.FRAMEWORK_ID`; ``element kind``:
:data:`pcfgraph.query_params.ELEMENT_KIND`), for :meth:`pcfgraph.queries.NamedQuery.bind`.

One query a domain (``api/framework-ids``, ``api/element-kinds``) on the store itself, so
that ``pcfgraph query`` checks a framework id without importing the services package (0.28 s
of a 0.4 s command: it imports the importers and openpyxl); the HTTP, MCP and GraphQL edges
use it too (:func:`pcfgraph.services.param_values`).
"""

from __future__ import annotations

from typing import NamedTuple

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.errors import InputError, quoted
from pcfgraph.letter_case import same_but_case
from pcfgraph.queries import QueryCatalog
from pcfgraph.query_params import ELEMENT_KIND, FRAMEWORK_ID
from pcfgraph.store import GraphStore

FRAMEWORK_IDS_QUERY = "api/framework-ids"
#: What an ``element`` parameter's IRI as written is looked up with (:meth:`DomainValues.element`).
ELEMENT_BY_IRI_QUERY = "api/element-by-iri"
#: What an ``element code`` parameter's value is resolved with (:meth:`DomainValues.element_code`).
CODE_CANDIDATES_QUERY = "api/element-code-candidates"
#: The most elements of other frameworks a refused element code names (or of all frameworks,
#: a refused element).
ELSEWHERE_SHOWN = 5
#: The query of each domain, and the variable its rows give the values in.
DOMAIN_QUERIES = {
    FRAMEWORK_ID: (FRAMEWORK_IDS_QUERY, "id"),
    ELEMENT_KIND: ("api/element-kinds", "kind"),
}


def domain_values(store: GraphStore, catalog: QueryCatalog | None = None) -> DomainValues:
    """The values of a parameter domain on ``store``'s data, each domain read at most once;
    ValueError for a domain no data gives. It resolves an ``element code`` too."""
    return DomainValues(store, catalog)


class DomainValues:
    """A parameter domain's values on a store's data (``framework id``, ``element kind``),
    and what an ``element code`` or ``element`` parameter's value names (
    :data:`pcfgraph.query_params.ELEMENT_CODE`, :data:`pcfgraph.query_params.ELEMENT`)."""

    def __init__(self, store: GraphStore, catalog: QueryCatalog | None = None) -> None:
        self.store, self._catalog = store, catalog
        self._found: dict[str, list[str]] = {}

    @property
    def catalog(self) -> QueryCatalog:
        """The catalogue given, else the shipped one, read only when a domain is."""
        if self._catalog is None:
            self._catalog = QueryCatalog()
        return self._catalog

    def __call__(self, domain: str) -> list[str]:
        if domain not in DOMAIN_QUERIES:
            raise ValueError(f"no values known for {domain!r}")
        if domain not in self._found:
            name, variable = DOMAIN_QUERIES[domain]
            rows = self.store.select(self.catalog.get(name), {}).rows
            self._found[domain] = sorted(
                {term.value for row in rows if isinstance(term := row.get(variable), ox.Literal)}
            )
        return self._found[domain]

    def element_code(self, value: str, framework: str, param: str) -> str:
        """The code (as the data writes it) of the one element of ``framework`` that
        ``value`` names as every other edge takes an element: its code in any case (a24 is
        A24, :mod:`pcfgraph.letter_case`), its PCF ID, element id or IRI (or CURIE). Bound as
        given, another case or a PCF ID matched nothing: an empty answer without a word.
        :class:`InputError` naming the parameter when none or several do (with the category
        code meant, or the elements of other frameworks it names)."""
        found = self._found_as_written(value, framework, param)
        if found is not None:
            return found
        hits = self._candidates(value, framework, param)
        named = sorted({h.code for h in hits if h.names})
        if len(named) == 1:
            return named[0]
        what = f"parameter {param!r} must be the code of an element of framework {framework!r}"
        what += f" (or its PCF ID, element id or IRI), not {quoted(value)}"
        if named:
            raise InputError(
                f"{what}: it names {len(named)} elements when case is ignored "
                f"({', '.join(named)}); give it in the case the data writes it"
            )
        category = sorted({h.code for h in hits if h.code == f"{value.strip()}.0"})
        if category:  # APQC writes a category's code "8.0": "8" named nothing
            raise InputError(
                f"{what}; did you mean {quoted(category[0])}? "
                "(APQC writes a category's code with .0)"
            )
        anywhere = self._candidates(value, None, param)
        others = sorted({h.iri.removeprefix(iris.ID_BASE) for h in anywhere
                         if h.names and h.framework != framework})  # fmt: skip
        if others:
            more = len(others) - ELSEWHERE_SHOWN
            what += f"; in other frameworks it names {', '.join(others[:ELSEWHERE_SHOWN])}"
            what += f" and {more} more" if more > 0 else ""
        raise InputError(what)

    def element(self, value: str, param: str) -> str:
        """The IRI of the one element ``value`` names as every other edge takes an element:
        its IRI in any case, element id (``prm-it/A2``), page URL or CURIE, or a code or PCF
        ID that one element alone has. Bound as given, another case, an element id or a page
        URL matched nothing: an empty answer without a word. :class:`InputError` naming the
        parameter when none or several do."""
        ref = value.strip()
        iri = self._as_iri(ref, param)
        try:  # as written, by the index (the common case): no reading of every code
            rows = self.store.select(self.catalog.get(ELEMENT_BY_IRI_QUERY), {"element": iri}).rows
        except InputError:  # no IRI (a space, a code): the candidates say what it names
            rows = []
        if rows:
            return iri
        named = sorted({h.iri for h in self._candidates(ref, None, param) if h.names})
        if len(named) == 1:
            return named[0]
        what = (
            f"parameter {param!r} must be an element's IRI (or its element id, page URL or "
            f"CURIE, or a code or PCF ID of one element), not {quoted(value)}"
        )
        if not named:
            raise InputError(f"{what}: no element has it")
        ids = [n.removeprefix(iris.ID_BASE) for n in named]
        more = len(ids) - ELSEWHERE_SHOWN
        raise InputError(
            f"{what}: it names {len(ids)} elements ({', '.join(ids[:ELSEWHERE_SHOWN])}"
            f"{f' and {more} more' if more > 0 else ''}); give the one meant by its element id"
        )

    def iri(self, value: str) -> str:
        """``value`` with a CURIE of an APQC edition of the data (``pcf74:20638``) as its IRI,
        for an IRI parameter that takes any resource (``api/describe-resource``): bound as
        given, it was an IRI of the scheme ``pcf74`` that matched nothing, without a word. A
        prefix that names no element is left to the parameter (``tag:``, ``urn:`` IRIs)."""
        try:
            return iris.element_iri(value, lambda: self(FRAMEWORK_ID))
        except InputError:
            return value

    def _found_as_written(self, value: str, framework: str, param: str) -> str | None:
        """The code of the one element of ``framework`` that ``value`` names as written (its
        code, PCF ID or IRI), by the lookups' indexes: a fraction of a millisecond, where
        :meth:`_candidates` reads every code of the framework (18 ms on APQC's 1,921, a
        60-fold cost for ``api/element-by-code`` on every request)."""
        ref = value.strip()
        lookups: list[tuple[str, dict[str, object]]] = [
            ("api/element-by-notation", {"code": value, "framework": framework})
        ]
        if ref.isdigit():
            lookups.append(("api/element-by-pcf-id", {"pcfId": ref, "framework": framework}))
        elif "/" in ref or ":" in ref:
            lookups.append(
                (
                    "api/element-by-iri",
                    {"element": self._as_iri(ref, param), "framework": framework},
                )
            )
        for name, params in lookups:
            try:
                rows = self.store.select(self.catalog.get(name), params).rows
            except InputError:  # no IRI, a number past the engine's: the slow path says so
                continue
            codes = {c.value for row in rows if isinstance(c := row.get("code"), ox.Literal)}
            if len(codes) == 1:
                return codes.pop()
        return None

    def _candidates(self, value: str, framework: str | None, param: str) -> list[Candidate]:
        """The elements ``value`` may name, in ``framework`` or in all (one query: a code
        folded by SPARQL's LCASE, then checked by :func:`same_but_case`, which folds less)."""
        ref = value.strip()
        iri = self._as_iri(ref, param) if "/" in ref or ":" in ref else None
        params: dict[str, object] = {"given": ref, "framework": framework}
        if ref.isdigit():
            params["category"] = f"{ref}.0"
        if iri is not None:
            params["iri"] = iri.lower()
        out = []
        for row in self.store.select(self.catalog.get(CODE_CANDIDATES_QUERY), params).rows:
            element, code, fid, pcf = (
                term.value if isinstance(term := row.get(k), ox.NamedNode | ox.Literal) else None
                for k in ("element", "code", "framework", "pcfId")
            )
            if element is None or code is None or fid is None:
                continue
            names = same_but_case(code, ref) or (
                (ref.isdigit() and pcf == ref) or (iri is not None and same_but_case(element, iri))
            )
            out.append(Candidate(element, code, fid, names))
        return out

    def _as_iri(self, ref: str, param: str) -> str:
        """:func:`_as_iri`, a CURIE of an APQC edition of the data (``pcf74:20638``, as the
        SSSOM files write it) read too (:func:`pcfgraph.iris.element_iri`); a prefix that
        names nothing is an :class:`InputError` naming ``param``."""
        try:
            return _as_iri(iris.element_iri(ref, lambda: self(FRAMEWORK_ID)))
        except InputError as exc:
            raise InputError(f"parameter {param!r}: {exc}") from None


class Candidate(NamedTuple):
    """An element a value given for an ``element code`` may name."""

    iri: str
    code: str
    framework: str
    #: Whether the value names it (its code but for case, its PCF ID or its IRI), not only
    #: its category (``8`` for ``8.0``).
    names: bool


def _as_iri(ref: str) -> str:
    """The IRI an element id (``prm-it/A24``, ``/id/prm-it/A24``), an IRI, a CURIE
    (``prmit:A24``, as the CLI's tables write it) or a page URL (``http://host/id/prm-it/A24``)
    stands for."""
    ref = iris.uncurie(ref)
    if ref.startswith(("http://", "https://")) and not same_but_case(
        ref[: len(iris.ID_BASE)], iris.ID_BASE
    ):
        _, found, path = ref.partition("/id/")
        return iris.ID_BASE + path if found else ref
    if "://" in ref:
        return ref
    return iris.ID_BASE + ref.lstrip("/").removeprefix("id/")
