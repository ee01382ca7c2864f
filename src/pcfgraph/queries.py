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
optional parameter that is not given stays an unbound variable. What a value may be is said
in the parentheses after the type, and every edge (HTTP, CLI, MCP) refuses anything else
naming the parameter, the value and what is allowed (it matched nothing before, an empty
answer as if there were none): ``A..B`` a range of an integer or decimal (either end may be
left open, ``1..``), ``one of x|y`` an enumeration, ``framework id`` the id of a framework
the served release holds, ``element kind`` a kind its elements are of and ``element code``
an element of the framework of the query's ``framework id`` parameter, named by its code in
any case, PCF ID, element id or IRI and bound as its code (known only to a caller with the
data: :meth:`NamedQuery.bind`'s ``domains``). A framework id is an
identifier: matched ignoring case by the one rule of every edge (``PRM-IT`` is ``prm-it``,
:mod:`pcfgraph.letter_case`) and bound as the data writes it; an enumerated value (``one of``,
an element kind) is taken as written, and another case is refused listing the values.
``# example:`` lines give a
value to try for a parameter (written as a caller gives it: an IRI without brackets, a
literal without quotes); the query page offers them, and the tests run every shipped query
with its examples.
"""

from __future__ import annotations

import difflib
import glob
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from pcfgraph.errors import InputError, NotFoundError, ParseError, quoted
from pcfgraph.iris import uncurie
from pcfgraph.letter_case import spelled, taken_as_written
from pcfgraph.relation_names import RELATION_NAMES, SKOS, relation_named
from pcfgraph.resources import resource_dir

PARAM_TYPES = ("iri", "literal", "string", "integer", "decimal", "boolean", "lang")
#: The most places either side of the point a decimal parameter is written out to.
DECIMAL_DIGITS = 100
_HEADER_RE = re.compile(r"^#\s*(summary|param|returns|example)\s*:\s*(.*)$", re.IGNORECASE)
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<type>[a-z]+)(?P<quals>(?:,[^,()]*)*)\))?"
    r"\s*(?:-\s*(?P<doc>.*))?$"
)
_RANGE_RE = re.compile(r"^(?P<low>-?[0-9.]*)\.\.(?P<high>-?[0-9.]*)$")
#: What a ``framework id`` parameter's values are checked against (:meth:`NamedQuery.bind`).
FRAMEWORK_ID = "framework id"
#: What an ``element kind`` parameter's values are checked against (``process``, ``role``...).
ELEMENT_KIND = "element kind"
#: What an ``element code`` parameter's value is: an element of the query's ``framework id``
#: parameter's framework, named as every edge takes one (its code in any case, its PCF ID,
#: element id or IRI) and bound as its code as the data writes it
#: (:meth:`pcfgraph.param_domains.DomainValues.element_code`).
ELEMENT_CODE = "element code"
#: The domains a header may name, and those whose values are identifiers (matched ignoring
#: case, bound as the data spells them); the others' values are enumerated, taken as written.
DOMAINS = (FRAMEWORK_ID, ELEMENT_KIND, ELEMENT_CODE)
IDENTIFIER_DOMAINS = frozenset({FRAMEWORK_ID})
#: An ``iri`` parameter naming a SKOS mapping relation: any spelling of one a surface writes
#: (``closeMatch``, ``skos:closeMatch``, its IRI, ``CLOSE_MATCH``), bound as its IRI.
MAPPING_RELATION = "mapping relation"
XSD = "http://www.w3.org/2001/XMLSchema#"


_EXAMPLE_RE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>\S.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    doc: str
    #: A value to try (the header's ``# example: name = value``), as a caller gives it.
    example: str | None = None
    #: The least and greatest value of a number (``A..B`` in the header), if bounded.
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    #: The values a literal may take (``one of x|y``), if enumerated.
    choices: tuple[str, ...] = ()
    #: Values known only from the data (``framework id``): checked by a caller that has them.
    domain: str | None = None
    #: A SKOS mapping relation (``mapping relation``), in any of its spellings.
    relation: bool = False

    def described(self) -> dict[str, object]:
        """The parameter as ``GET /queries``, MCP's query list and the query page show it."""
        out: dict[str, object] = {
            "name": self.name,
            "type": self.type,
            "optional": self.optional,
            "doc": self.doc,
        }
        if self.example is not None:
            out["example"] = self.example
        if self.minimum is not None:
            out["minimum"] = _number(self.minimum)
        if self.maximum is not None:
            out["maximum"] = _number(self.maximum)
        if self.choices:
            out["enum"] = list(self.choices)
        if self.domain is not None:
            out["values"] = self.domain
        if self.relation:  # what it is bound as; closeMatch, skos:closeMatch ... are taken
            out["values"] = MAPPING_RELATION
            out["enum"] = [SKOS + name for name in RELATION_NAMES]
        return out

    def allowed(self) -> str:
        """What the parameter takes, in words (for a message refusing a value)."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"a {self.type} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"a {self.type} of at least {self.minimum}"
        if self.maximum is not None:
            return f"a {self.type} of at most {self.maximum}"
        return f"a {self.domain or self.type}"

    def check(self, term: ox.NamedNode | ox.Literal) -> None:
        """:class:`InputError` when ``term`` is outside the header's range or enumeration,
        naming the parameter, the value and what is allowed."""
        value = term.value
        if self.choices and value not in self.choices:
            raise self.refused(value, self.choices)
        if self.minimum is not None or self.maximum is not None:
            try:
                number = Decimal(value)
            except ArithmeticError:
                raise self.refused(value) from None
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                raise self.refused(value)

    def check_known(self, value: str, known: Iterable[str]) -> str:
        """``value`` as the ``known`` values of the parameter's domain (the framework ids of
        the served release ...) write it: an identifier's (:data:`IDENTIFIER_DOMAINS`) in
        any case, an enumerated value's as written; :class:`InputError` when it is none of
        them, listing them."""
        known = sorted(known)
        if self.domain in IDENTIFIER_DOMAINS:
            meant = spelled(value, known)
            if meant in known:
                return str(meant)
        elif value in known:
            return value
        raise InputError(
            f"parameter {self.name!r} must be a known {self.domain}, not {quoted(value)}"
            f"{taken_as_written(value, known)}; known: {', '.join(known) or 'none'}"
        )

    def refused(self, value: str, among: Iterable[str] = ()) -> InputError:
        return InputError(
            f"parameter {self.name!r} must be {self.allowed()}, not {quoted(value)}"
            + taken_as_written(value, among)
        )


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


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
        :data:`ELEMENT_CODE` is resolved by its ``element_code(value, framework, param)``
        (:class:`pcfgraph.param_domains.DomainValues`) when it has one."""
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
            term = to_term(p, values[p.name])
            if domains is not None and p.domain not in (None, ELEMENT_CODE):
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


def to_term(param: Param, value: object) -> ox.NamedNode | ox.Literal:
    """A caller value as the RDF term the parameter declares."""
    term = value if isinstance(value, ox.NamedNode | ox.Literal) else _term(param, value)
    param.check(term)
    return term


def _term(param: Param, value: object) -> ox.NamedNode | ox.Literal:
    text = str(value)
    try:
        if param.type == "iri":
            # as the CLI's tables write it (prmit:A2, skos:closeMatch): bound as given, an IRI
            # of the scheme "prmit" that matched nothing, where MCP took it for the IRI
            if param.relation:  # MCP's closeMatch, GraphQL's CLOSE_MATCH were "no iri"
                try:
                    text = SKOS + relation_named(text)
                except InputError as exc:
                    raise InputError(f"parameter {param.name!r}: {exc}") from None
            text = uncurie(text)
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", text):
                raise ValueError
            return ox.NamedNode(text)
        if param.type == "integer":
            return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
        if param.type == "decimal":
            return ox.Literal(decimal_text(text), datatype=ox.NamedNode(XSD + "decimal"))
        if param.type == "boolean":
            low = text.lower() if not isinstance(value, bool) else str(value).lower()
            if low not in {"true", "false", "1", "0"}:
                raise ValueError
            return ox.Literal(
                "true" if low in {"true", "1"} else "false", datatype=ox.NamedNode(XSD + "boolean")
            )
        if param.type == "lang":
            return ox.Literal(text, language="en")
        return ox.Literal(text)
    except (ValueError, TypeError):
        raise InputError(
            f"parameter {param.name!r} expects {param.type}, got {quoted(text)}"
        ) from None


def decimal_text(text: str) -> str:
    """``text`` (a number, or the ``str`` of a float) as the lexical form of an
    ``xsd:decimal``: digits and one point, never an exponent, ``nan`` or ``inf``.

    It was ``str(float(text))``: ``1e-05`` for 0.00001 (a GraphQL ``minConfidence: 0.00001``,
    ``?minConfidence=0.00001`` at ``/queries``) is no decimal, so the query compared against
    an ill-formed literal and matched nothing; ``NaN`` and ``inf`` were taken the same way.
    :class:`ValueError` for anything not a finite number, or one whose digits would run
    past :data:`DECIMAL_DIGITS` places either side of the point (``1e999999999`` written out
    is a gigabyte)."""
    try:
        number = Decimal(text.strip())
    except ArithmeticError:
        raise ValueError(text) from None
    exponent = number.as_tuple().exponent  # a letter for NaN and infinities
    if not isinstance(exponent, int) or exponent < -DECIMAL_DIGITS:
        raise ValueError(text)
    if number.adjusted() > DECIMAL_DIGITS:
        raise ValueError(text)
    return format(number, "f")


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
            params.append(_param(rest, lineno, path))
        elif key == "example":
            examples.append((lineno, rest))
    if not summary:
        raise ParseError("query file has no '# summary:' header line", line=1, source=str(path))
    params = _with_examples(params, examples, path)
    coded = [p.name for p in params if p.domain == ELEMENT_CODE]
    scopes = [p for p in params if p.domain == FRAMEWORK_ID]
    if coded and (len(scopes) != 1 or scopes[0].optional):
        raise ParseError(
            f"{coded[0]!r} is an {ELEMENT_CODE}, resolved within a framework: the query needs "
            f"one required '{FRAMEWORK_ID}' parameter",
            source=str(path),
        )
    return NamedQuery(name=name, path=path, summary=summary, params=tuple(params), text=text)


def _param(rest: str, lineno: int, path: Path) -> Param:
    """One ``# param:`` line: ``name (type[, optional][, A..B | one of x|y | framework id |
    element kind | element code]) - doc``."""

    def bad(why: str) -> ParseError:
        return ParseError(f"bad '# param:' line {rest!r} ({why})", line=lineno, source=str(path))

    pm = _PARAM_RE.match(rest)
    ptype = (pm.group("type") or "literal") if pm else ""
    if not pm or ptype not in PARAM_TYPES:
        raise bad(
            "expected 'name (type[, optional][, A..B | one of x|y | framework id | element "
            "kind | element code]) - doc', "
            f"type one of {', '.join(PARAM_TYPES)}"
        )
    param = Param(pm.group("name"), ptype, False, (pm.group("doc") or "").strip())
    for qualifier in (q.strip() for q in (pm.group("quals") or "").split(",")[1:]):
        ranged = _RANGE_RE.match(qualifier)
        if qualifier == "optional":
            param = replace(param, optional=True)
        elif qualifier in DOMAINS and ptype == "literal":
            param = replace(param, domain=qualifier)
        elif qualifier == MAPPING_RELATION and ptype == "iri":
            param = replace(param, relation=True)
        elif qualifier.startswith("one of ") and ptype in ("literal", "string"):
            choices = tuple(c.strip() for c in qualifier[len("one of ") :].split("|"))
            if not all(choices):
                raise bad(f"an empty value in {qualifier!r}")
            param = replace(param, choices=choices)
        elif ranged and ptype in ("integer", "decimal") and qualifier != "..":
            try:
                low, high = (
                    Decimal(ranged.group(end)) if ranged.group(end) else None
                    for end in ("low", "high")
                )
            except ArithmeticError:
                raise bad(f"{qualifier!r} is no range of numbers") from None
            if low is not None and high is not None and low > high:
                raise bad(f"the range {qualifier!r} is empty")
            param = replace(param, minimum=low, maximum=high)
        else:
            raise bad(
                f"{qualifier!r}: a {ptype} parameter takes 'optional'"
                + (", a range 'A..B'" if ptype in ("integer", "decimal") else "")
                + (", 'one of x|y'" if ptype in ("literal", "string") else "")
                + (f", '{MAPPING_RELATION}'" if ptype == "iri" else "")
                + (
                    f", '{FRAMEWORK_ID}', '{ELEMENT_KIND}', '{ELEMENT_CODE}'"
                    if ptype == "literal"
                    else ""
                )
            )
    return param


def _with_examples(params: list[Param], examples: list[tuple[int, str]], path: Path) -> list[Param]:
    """``params`` with the values of the header's ``# example:`` lines, each checked as a
    caller's value would be (a file whose example could not be bound is refused, naming the
    line)."""
    given: dict[str, str] = {}
    known = {p.name: p for p in params}
    for lineno, rest in examples:
        m = _EXAMPLE_RE.match(rest)
        if not m:
            raise ParseError(
                f"bad '# example:' line {rest!r} (expected 'name = value')",
                line=lineno,
                source=str(path),
            )
        pname, value = m.group("name"), m.group("value").strip()
        if pname not in known:
            raise ParseError(
                f"'# example:' names {pname!r}, which is no '# param:' of this query",
                line=lineno,
                source=str(path),
            )
        if pname in given:
            raise ParseError(f"a second '# example:' for {pname!r}", line=lineno, source=str(path))
        try:
            to_term(known[pname], value)
        except InputError as exc:
            raise ParseError(f"'# example:': {exc}", line=lineno, source=str(path)) from None
        given[pname] = value
    return [replace(p, example=given.get(p.name)) for p in params]


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
