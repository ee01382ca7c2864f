"""Named queries: ``queries/**/*.rq`` loaded once, parameters bound as RDF terms.

A query file starts with a comment header::

    # summary: Elements of a framework by hierarchy code
    # param: framework (literal) - framework id, e.g. "prm-it"
    # param: code (literal) - the element's skos:notation
    # param: includeDerived (boolean, optional) - include derived mappings
    # param: minConfidence (decimal, optional, 0..1) - at least this confidence
    # param: side (literal, one of subject|object) - which end
    # param: framework (literal, framework id) - a loaded framework's id
    # param: kind (literal, optional, element kind) - an element kind the data has
    # example: framework = prm-it

Parameters are SPARQL variables of the same name. They are bound by substitution
(SEP-0007, ``substitutions=`` in pyoxigraph) and never formatted into the query text. An
optional parameter that is not given stays an unbound variable. What a ``# param:`` line
declares, and how a caller's value is checked and made a term: :mod:`pcfgraph.query_params`.
``# example:`` lines give a value to try for a parameter (written as a caller gives it: an
IRI without brackets, a literal without quotes); the query page offers them, and the tests
run every shipped query with its examples.
"""

from __future__ import annotations

import difflib
import glob
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from pcfgraph.errors import InputError, NotFoundError, ParseError, quoted
from pcfgraph.query_params import (
    ELEMENT,
    ELEMENT_CODE,
    FRAMEWORK_ID,
    Param,
    declared_param,
    to_term,
    with_examples,
)
from pcfgraph.resources import resource_dir

_HEADER_RE = re.compile(r"^#\s*(summary|param|returns|example)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class NamedQuery:
    """One ``.rq`` file: its name (path below queries/ without ``.rq``), header and text."""

    name: str
    path: Path
    summary: str
    params: tuple[Param, ...]
    text: str

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE (first keyword after prologue and comments)."""
        body = re.sub(r"#[^\n]*", "", self.text)
        body = re.sub(r"(?is)\b(PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)", "", body)
        m = re.search(r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body)
        return m.group(1).upper() if m else "SELECT"

    def bind(
        self,
        values: Mapping[str, object],
        domains: Callable[[str], Iterable[str]] | None = None,
    ) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Turn caller values (strings from CLI/HTTP, or Python values) into RDF terms,
        each checked against its header's range or enumeration; with ``domains`` (the values
        of a domain, e.g. :data:`FRAMEWORK_ID`, read from the served data: what an edge a
        user calls gives), a value of a parameter with a domain must be one of them, and an
        :data:`ELEMENT_CODE` is resolved by its ``element_code(value, framework, param)`` and
        an :data:`ELEMENT` by its ``element(value, param)``
        (:class:`pcfgraph.param_domains.DomainValues`) when it has them."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            # the first few, each shortened: a message names what was wrong, it does not
            # echo the caller's 5,000 made-up names (34 KB over MCP) or a name of a megabyte
            shown = [name if len(name) <= 40 else quoted(name, 40) for name in unknown[:5]]
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise InputError(
                f"query {self.name!r} has no parameter {', '.join(shown)}{more}; "
                f"it takes: {', '.join(known) or 'none'}"
            )
        out: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
        for p in self.params:
            if p.name not in values or values[p.name] is None:
                if not p.optional:
                    raise InputError(f"query {self.name!r} needs parameter {p.name!r} ({p.doc})")
                continue
            given = values[p.name]
            term: ox.NamedNode | ox.Literal
            element = getattr(domains, "element", None) if p.domain == ELEMENT else None
            if element is not None and not isinstance(given, ox.NamedNode | ox.Literal):
                # a2 for A2, prm-it/A2, a page URL: bound as given, each matched nothing
                term = ox.NamedNode(element(str(given), p.name))
            else:
                # any other IRI (describe-resource's resource) as an element's CURIE too
                iri_of = getattr(domains, "iri", None) if p.type == "iri" else None
                if iri_of is not None and isinstance(given, str) and not p.relation:
                    given = iri_of(given)
                term = to_term(p, given)
            if domains is not None and p.domain not in (None, ELEMENT_CODE, ELEMENT):
                spelt = p.check_known(term.value, domains(p.domain))
                if spelt != term.value:  # PRM-IT is prm-it
                    term = ox.Literal(spelt)
            out[ox.Variable(p.name)] = term
        resolve = getattr(domains, "element_code", None)
        for p in self.params:  # within the framework bound above, as the data spells it
            code, scope = out.get(ox.Variable(p.name)), self.code_scope
            if p.domain == ELEMENT_CODE and code is not None and resolve and scope is not None:
                framework = out.get(ox.Variable(scope))
                if framework is not None:
                    out[ox.Variable(p.name)] = ox.Literal(
                        resolve(code.value, framework.value, p.name)
                    )
        return out

    @property
    def code_scope(self) -> str | None:
        """The ``framework id`` parameter an ``element code`` is resolved within."""
        return next((p.name for p in self.params if p.domain == FRAMEWORK_ID), None)

    def canonical(
        self, values: Mapping[str, object], domains: Callable[[str], Iterable[str]]
    ) -> dict[str, object]:
        """``values`` checked as :meth:`bind` checks them, each of a parameter with a domain
        as the data writes it (``framework=PRM-IT`` is ``prm-it``): what an edge runs the
        query with. Bound as given, another case matched nothing, an empty answer."""
        bound = self.bind(values, domains)
        out = dict(values)
        for p in self.params:
            term = bound.get(ox.Variable(p.name))
            if (p.domain is not None or p.type == "iri") and term is not None:
                out[p.name] = term.value  # and an IRI as its CURIE names it (prmit:A2)
        return out


def parse_header(name: str, path: Path, text: str) -> NamedQuery:
    summary = ""
    params: list[Param] = []
    examples: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        m = _HEADER_RE.match(stripped)
        if not m:
            continue
        key, rest = m.group(1).lower(), m.group(2).strip()
        if key == "summary":
            summary = rest
        elif key == "param":
            params.append(declared_param(rest, lineno, path))
        elif key == "example":
            examples.append((lineno, rest))
    if not summary:
        raise ParseError("query file has no '# summary:' header line", line=1, source=str(path))
    params = with_examples(params, examples, path)
    coded = [p.name for p in params if p.domain == ELEMENT_CODE]
    scopes = [p for p in params if p.domain == FRAMEWORK_ID]
    if coded and (len(scopes) != 1 or scopes[0].optional):
        raise ParseError(
            f"{coded[0]!r} is an {ELEMENT_CODE}, resolved within a framework: the query needs "
            f"one required '{FRAMEWORK_ID}' parameter",
            source=str(path),
        )
    return NamedQuery(name=name, path=path, summary=summary, params=tuple(params), text=text)


class QueryCatalog:
    """All named queries under a directory, read and syntax-checked once."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or resource_dir("queries")
        self._queries: dict[str, NamedQuery] = {}
        for path in sorted(self.root.rglob("*.rq")):
            name = path.relative_to(self.root).with_suffix("").as_posix()
            query = parse_header(name, path, path.read_text(encoding="utf-8"))
            _check_shipped(query.text, str(path))
            check_bindable(query)
            self._queries[name] = query

    def __contains__(self, name: str) -> bool:
        return name in self._queries

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._queries.values())

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> NamedQuery:
        """By full name (``api/element-by-code``) or, when unique, by last segment."""
        if name in self._queries:
            return self._queries[name]
        short = [q for n, q in self._queries.items() if n.rsplit("/", 1)[-1] == name]
        if len(short) == 1:
            return short[0]
        if len(short) > 1:
            raise InputError(
                f"query name {quoted(name)} is ambiguous: {', '.join(q.name for q in short)}"
            )
        raise not_found(name, self._queries)


def not_found(name: str, names: Iterable[str]) -> NotFoundError:
    """No named query ``name``: the closest names, if any, and where the list is (on every
    edge: it said "see 'pcfgraph query --list'" to HTTP and MCP clients too)."""
    names = sorted(names)
    shorts = {n.rsplit("/", 1)[-1]: n for n in names}
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.75) or [
        shorts[s] for s in difflib.get_close_matches(name, shorts, n=3, cutoff=0.75)
    ]
    guess = f"; did you mean {' or '.join(close)}?" if close else ""
    return NotFoundError(
        f"no named query {quoted(name)}{guess} (every one: GET /queries, 'pcfgraph query --list')"
    )


def named_query(name: str, root: Path | None = None) -> NamedQuery:
    """One named query by name, without reading the whole catalogue (the CLI's fast path).

    Same names as :meth:`QueryCatalog.get` (full, or a unique last segment). The file's
    header and parameters are checked as the catalogue does; its syntax is checked by the
    engine when it runs (the catalogue's rdflib parse of every query costs about a second, and
    shipped queries are all parsed by the test suite).
    """
    root = root or resource_dir("queries")
    path = root / f"{name}.rq"
    if not (name and ".." not in name.split("/") and path.is_file()):
        found = sorted(root.rglob(f"{glob.escape(name.rsplit('/', 1)[-1])}.rq"))
        if len(found) > 1:
            names = ", ".join(p.relative_to(root).with_suffix("").as_posix() for p in found)
            raise InputError(f"query name {quoted(name)} is ambiguous: {names}")
        if not found or "/" in name:
            every = (p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.rq"))
            raise not_found(name, every)
        path = found[0]
    full = path.relative_to(root).with_suffix("").as_posix()
    query = parse_header(full, path, path.read_text(encoding="utf-8"))
    check_bindable(query)
    return query


@lru_cache(maxsize=512)
def _check_shipped(text: str, source: str) -> None:
    """A catalogue's query files are parsed by pyoxigraph, the engine that runs them, against
    an empty store (microseconds each). rdflib's pyparsing grammar (:func:`check_syntax`, kept
    for one-off files where line and column matter) took 1-3 s for the catalogue at every
    server start and release build, 70 s on a machine under load. Only successes are cached."""
    import pyoxigraph as ox

    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise ParseError(f"SPARQL syntax error: {exc}", source=source) from None


def check_syntax(text: str, *, source: str = "query") -> None:
    """Parse a query without running it; raise ParseError with line and column.

    Uses rdflib's SPARQL grammar (parsing only, never evaluation: nothing is fetched).
    rdflib's parser is not thread-safe (rdflib#1282), so callers parse at start-up or in
    worker processes, never concurrently from request threads.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(text)
    except ParseBaseException as exc:
        raise ParseError(
            f"SPARQL syntax error: {exc.msg}", line=exc.lineno, column=exc.col, source=source
        ) from None
    except Exception as exc:  # rdflib raises assorted errors for bad prefixes and IRIs
        raise ParseError(f"SPARQL syntax error: {exc}", source=source) from None


def check_bindable(query: NamedQuery) -> None:
    """Every declared parameter must be substitutable (SEP-0007 as pyoxigraph implements it).

    pyoxigraph only substitutes variables that are in the top-level SELECT projection, so a
    SELECT query must project each of its parameters. Checked once at load on an empty store
    (a trusted, shipped query; nothing is evaluated against data).
    """
    if not query.params:
        return
    dummy: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(p.name): ox.Literal("x") for p in query.params
    }
    try:
        ox.Store().query(query.text, substitutions=dummy)
    except RuntimeError as exc:
        raise ParseError(
            f"{exc}; named-query parameters must be in the SELECT projection",
            source=str(query.path),
        ) from None


def query_file(path: Path) -> NamedQuery:
    """An ad-hoc ``.rq`` file given on the command line (header optional)."""
    if not path.is_file():
        raise NotFoundError(f"query file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        q = parse_header(path.stem, path, text)
    except ParseError:
        q = NamedQuery(name=path.stem, path=path, summary="", params=(), text=text)
    check_syntax(q.text, source=str(path))
    return q
