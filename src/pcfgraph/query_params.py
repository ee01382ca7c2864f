"""A named query's parameters: what a ``# param:`` header line declares, and how a caller's
value becomes the RDF term it is bound as (:meth:`pcfgraph.queries.NamedQuery.bind`).

A line reads ``name (type[, optional][, qualifier]) - doc``. What a value may be is said in
the parentheses after the type, and every edge (HTTP, CLI, MCP) refuses anything else
naming the parameter, the value and what is allowed (it matched nothing before, an empty
answer as if there were none): ``A..B`` a range of an integer or decimal (either end may be
left open, ``1..``), ``one of x|y`` an enumeration, ``framework id`` the id of a framework
the served release holds, ``element kind`` a kind its elements are of and ``element code``
an element of the framework of the query's ``framework id`` parameter, named by its code in
any case, PCF ID, element id or IRI and bound as its code; an ``iri`` parameter's ``element``
an element named by its IRI in any case, element id, page URL or CURIE (or a code or PCF ID
only it has) and bound as its IRI (both known only to a caller with the data:
:meth:`pcfgraph.queries.NamedQuery.bind`'s ``domains``). A framework id is an
identifier: matched ignoring case by the one rule of every edge (``PRM-IT`` is ``prm-it``,
:mod:`pcfgraph.letter_case`) and bound as the data writes it; an enumerated value (``one of``,
an element kind) is taken as written, and another case is refused listing the values.
``# example:`` lines give a value to try for a parameter, checked here as a caller's is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from pcfgraph.errors import InputError, ParseError, quoted
from pcfgraph.iris import uncurie
from pcfgraph.letter_case import spelled, taken_as_written
from pcfgraph.relation_names import RELATION_NAMES, SKOS, relation_named

PARAM_TYPES = ("iri", "literal", "string", "integer", "decimal", "boolean", "lang")
#: The most places either side of the point a decimal parameter is written out to.
DECIMAL_DIGITS = 100
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<type>[a-z]+)(?P<quals>(?:,[^,()]*)*)\))?"
    r"\s*(?:-\s*(?P<doc>.*))?$"
)
_RANGE_RE = re.compile(r"^(?P<low>-?[0-9.]*)\.\.(?P<high>-?[0-9.]*)$")
#: What a ``framework id`` parameter's values are checked against (:meth:`pcfgraph.queries.NamedQuery.bind`).
FRAMEWORK_ID = "framework id"
#: What an ``element kind`` parameter's values are checked against (``process``, ``role``...).
ELEMENT_KIND = "element kind"
#: What an ``element code`` parameter's value is: an element of the query's ``framework id``
#: parameter's framework, named as every edge takes one (its code in any case, its PCF ID,
#: element id or IRI) and bound as its code as the data writes it
#: (:meth:`pcfgraph.param_domains.DomainValues.element_code`).
ELEMENT_CODE = "element code"
#: What an ``element`` parameter (an ``iri``) is: an element, named as every edge takes one (its
#: IRI in any case, element id, page URL or CURIE, a code or PCF ID only it has) and bound as
#: its IRI (:meth:`pcfgraph.param_domains.DomainValues.element`). Not a parameter that may be a
#: framework too (``graphql/element-tree``'s ``root``).
ELEMENT = "element"
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


def declared_param(rest: str, lineno: int, path: Path) -> Param:
    """One ``# param:`` line: ``name (type[, optional][, A..B | one of x|y | framework id |
    element kind | element code | mapping relation | element]) - doc``."""

    def bad(why: str) -> ParseError:
        return ParseError(f"bad '# param:' line {rest!r} ({why})", line=lineno, source=str(path))

    pm = _PARAM_RE.match(rest)
    ptype = (pm.group("type") or "literal") if pm else ""
    if not pm or ptype not in PARAM_TYPES:
        raise bad(
            "expected 'name (type[, optional][, A..B | one of x|y | framework id | element "
            "kind | element code | mapping relation | element]) - doc', "
            f"type one of {', '.join(PARAM_TYPES)}"
        )
    param = Param(pm.group("name"), ptype, False, (pm.group("doc") or "").strip())
    for qualifier in (q.strip() for q in (pm.group("quals") or "").split(",")[1:]):
        ranged = _RANGE_RE.match(qualifier)
        if qualifier == "optional":
            param = replace(param, optional=True)
        elif qualifier in DOMAINS and ptype == "literal":
            param = replace(param, domain=qualifier)
        elif qualifier == ELEMENT and ptype == "iri":
            param = replace(param, domain=ELEMENT)
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
                + (f", '{MAPPING_RELATION}', '{ELEMENT}'" if ptype == "iri" else "")
                + (
                    f", '{FRAMEWORK_ID}', '{ELEMENT_KIND}', '{ELEMENT_CODE}'"
                    if ptype == "literal"
                    else ""
                )
            )
    return param


def with_examples(params: list[Param], examples: list[tuple[int, str]], path: Path) -> list[Param]:
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
