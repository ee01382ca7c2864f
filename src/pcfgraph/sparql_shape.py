"""The shape of an ad-hoc query as far as its work bound needs it (:mod:`pcfgraph.sparql_bound`).

Reads the guard's tokens (:func:`pcfgraph.sparql_guard.tokens`) with a small recursive reader
for a narrow grammar and gives the triple patterns (subject, predicate or path, object,
graph), which of them every solution matches and which each OPTIONAL group adds, the
FILTER count and what multiplies the output; anything outside the grammar is ``None``, and
the query runs in a sandbox worker as before. The grammar:

- ``SELECT`` (variables, ``*``, ``(constant AS ?v)``, ``(COUNT|SUM|MIN|MAX|AVG|SAMPLE(...)
  AS ?v)``), ``ASK``, or ``CONSTRUCT`` with a flat template; ``FROM``/``FROM NAMED``;
- a ``WHERE`` group of triple patterns (``;`` ``,`` and ``a`` abbreviations), then
  ``OPTIONAL`` groups of triple patterns, ``GRAPH`` groups, and ``FILTER``s of at most
  ``MAX_EXPRESSION_TOKENS`` tokens without a group inside (so no ``EXISTS``);
- predicates: an IRI, a variable, alternatives of IRIs (``p|^q``), or one IRI with ``+``/``*``;
- then ``GROUP BY``/``ORDER BY`` variables, ``LIMIT``, ``OFFSET``.

Never read: ``UNION``, ``MINUS``, sub-selects, ``VALUES``, ``BIND``, ``DESCRIBE``,
``GROUP_CONCAT``, blank-node brackets and collections, other property paths, ``BASE``,
``\\u`` escapes (the engine decodes them before parsing, so they could hide structure), more
than ``MAX_PATTERNS`` patterns or ``MAX_QUERY_CHARS`` characters. A query the engine then
finds malformed is no risk: it fails at once, and the caller runs it again in a worker for
the error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from pcfgraph.sparql_guard import Token, tokens

#: The largest query (patterns, expression tokens, characters) this analysis reads.
MAX_PATTERNS = 10
MAX_EXPRESSION_TOKENS = 64
MAX_EXPRESSION_CHARS = 2048
MAX_QUERY_CHARS = 8192

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE"})
_REFUSED_WORDS = frozenset(
    {"UNION", "MINUS", "VALUES", "BIND", "SERVICE", "DESCRIBE", "GROUP_CONCAT", "EXISTS"}
)
_ESCAPE_RE = re.compile(r"\\[uU]")
_CONSTANT_KINDS = frozenset({"iri", "pname", "string", "number"})


class Var(NamedTuple):
    name: str


class Const(NamedTuple):
    #: The IRI for IRIs (predicate statistics are looked up by it), "" for literals.
    iri: str


Node = Var | Const


class Path(NamedTuple):
    """A predicate path: alternatives ``(iri, inverse)``, with ``+``/``*`` for one IRI."""

    steps: tuple[tuple[str, bool], ...]
    repeat: str  # "", "+" or "*"


class Pattern(NamedTuple):
    s: Node
    p: Node | Path
    o: Node
    g: Node | None


@dataclass(frozen=True)
class Shape:
    """What :func:`read_query` understood: the patterns and what multiplies the output."""

    patterns: tuple[Pattern, ...]
    #: Triples a CONSTRUCT template makes per solution (1 for SELECT and ASK).
    template: int
    #: Indices of the patterns every solution matches (the WHERE group's own triples and
    #: its GRAPH groups): the engine joins them before any OPTIONAL.
    required: tuple[int, ...] = ()
    #: Indices of each OPTIONAL group's patterns (the engine may evaluate one alone).
    optionals: tuple[tuple[int, ...], ...] = ()
    #: FILTERs (each may be evaluated once per solution of any set of patterns).
    filters: int = 0


class _NotProvable(Exception):
    pass


def read_query(text: str) -> Shape | None:
    """The query's patterns when it is in the accepted grammar (see the module docstring)."""
    if len(text) > MAX_QUERY_CHARS or _ESCAPE_RE.search(text):
        return None
    try:
        return _Reader(list(tokens(text))).query()
    except _NotProvable:
        return None


# --- reading ----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.i = 0
        self.prefixes: dict[str, str] = {}
        self.patterns: list[Pattern] = []
        self.required: list[int] = []
        self.optionals: list[tuple[int, ...]] = []
        self.filters = 0
        self.expression_tokens = 0
        self.expression_chars = 0

    # token helpers
    def peek(self, ahead: int = 0) -> Token | None:
        at = self.i + ahead
        return self.toks[at] if at < len(self.toks) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise _NotProvable
        self.i += 1
        return tok

    def word(self, ahead: int = 0) -> str:
        tok = self.peek(ahead)
        return tok.text.upper() if tok is not None and tok.kind == "word" else ""

    def expect(self, kind: str, text: str | None = None) -> Token:
        tok = self.take()
        if tok.kind != kind or (text is not None and tok.text != text):
            raise _NotProvable
        return tok

    def is_(self, kind: str, text: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok is not None and tok.kind == kind and tok.text == text

    # grammar
    def query(self) -> Shape:
        for tok in self.toks:
            if tok.kind == "word" and tok.text.upper() in _REFUSED_WORDS:
                raise _NotProvable
        while self.word() in ("PREFIX", "BASE"):
            if self.word() == "BASE":
                raise _NotProvable  # relative IRIs: predicate statistics would be looked up wrong
            self.take()
            name = self.expect("pname").text
            if not name.endswith(":"):
                raise _NotProvable
            self.prefixes[name[:-1]] = self.expect("iri").text[1:-1]
        form = self.word()
        self.take()
        template = 1
        if form == "SELECT":
            self.projection()
        elif form == "CONSTRUCT":
            template = self.template()
        elif form != "ASK":
            raise _NotProvable
        while self.word() == "FROM":
            self.take()
            if self.word() == "NAMED":
                self.take()
            if self.take().kind not in ("iri", "pname"):
                raise _NotProvable
        if self.word() == "WHERE":
            self.take()
        self.expect("open", "{")
        self.group()
        self.modifiers()
        if template == 0:  # CONSTRUCT WHERE: the template is the pattern
            template = len(self.patterns)
        if len(self.patterns) > MAX_PATTERNS:
            raise _NotProvable
        return Shape(
            tuple(self.patterns),
            max(template, 1),
            tuple(self.required),
            tuple(self.optionals),
            self.filters,
        )

    def projection(self) -> None:
        if self.word() in ("DISTINCT", "REDUCED"):
            self.take()
        if self.is_("other", "*"):
            self.take()
            return
        seen = False
        while True:
            tok = self.peek()
            if tok is None:
                raise _NotProvable
            if tok.kind == "var":
                self.take()
            elif tok.kind == "open" and tok.text == "(":
                self.take()
                self.projected_expression()
            else:
                break
            seen = True
        if not seen:
            raise _NotProvable

    def projected_expression(self) -> None:
        """``(constant AS ?v)`` or ``(AGG([DISTINCT] ?x|*) AS ?v)``; the ``(`` is taken."""
        word = self.word()
        if word in _AGGREGATES:
            self.take()
            self.expect("open", "(")
            if self.word() == "DISTINCT":
                self.take()
            tok = self.take()
            if not (tok.kind == "var" or (tok.kind == "other" and tok.text == "*")):
                raise _NotProvable
            self.expect("close", ")")
        else:
            self.constant()
        if self.word() != "AS":
            raise _NotProvable
        self.take()
        self.expect("var")
        self.expect("close", ")")

    def template(self) -> int:
        """Triples per solution of a CONSTRUCT template (0: ``CONSTRUCT WHERE``)."""
        if self.word() == "WHERE":
            return 0
        self.expect("open", "{")
        terms = 0
        while not self.is_("close", "}"):
            tok = self.take()
            if tok.kind in ("open", "close"):
                raise _NotProvable
            if tok.kind in ("var", "iri", "pname", "string", "number", "word"):
                terms += 1
        self.take()
        return terms

    def group(self) -> None:
        """The WHERE group after its ``{``: triples, then OPTIONAL groups; FILTERs anywhere."""
        optional_seen = False
        while True:
            tok = self.take()
            word = tok.text.upper() if tok.kind == "word" else ""
            if tok.kind == "close" and tok.text == "}":
                return
            if tok.kind == "other" and tok.text == ".":
                continue
            if word == "FILTER":
                self.filter()
            elif word == "OPTIONAL":
                optional_seen = True
                self.expect("open", "{")
                first = len(self.patterns)
                self.block(None)
                self.optionals.append(tuple(range(first, len(self.patterns))))
            elif word == "GRAPH" and not optional_seen:
                graph = self.node(self.take())
                self.expect("open", "{")
                first = len(self.patterns)
                self.block(graph)
                self.required.extend(range(first, len(self.patterns)))
            elif not optional_seen and tok.kind in ("var", "iri", "pname"):
                self.i -= 1
                first = len(self.patterns)
                self.triples(None)
                self.required.extend(range(first, len(self.patterns)))
            else:
                raise _NotProvable

    def block(self, graph: Node | None) -> None:
        """Triple patterns and FILTERs up to the closing ``}`` (no group inside)."""
        while True:
            tok = self.peek()
            if tok is None:
                raise _NotProvable
            if tok.kind == "close" and tok.text == "}":
                self.take()
                return
            if tok.kind == "other" and tok.text == ".":
                self.take()
            elif self.word() == "FILTER":
                self.take()
                self.filter()
            else:
                self.triples(graph)

    def triples(self, graph: Node | None) -> None:
        """One subject and its predicate-object list."""
        subject = self.node(self.take())
        while True:
            verb = self.verb()
            while True:
                obj, dot = self.object()
                self.patterns.append(Pattern(subject, verb, obj, graph))
                if dot or not self.is_("other", ","):
                    break
                self.take()
            if dot or not self.is_("other", ";"):
                return
            while self.is_("other", ";"):
                self.take()
            tok = self.peek()
            if tok is None or tok.kind not in ("var", "iri", "pname", "word", "unary"):
                return  # a trailing ';'

    def verb(self) -> Node | Path:
        tok = self.peek()
        if tok is not None and tok.kind == "var":
            self.take()
            return Var(tok.text[1:])
        steps = [self.step()]
        while self.is_("other", "|"):
            self.take()
            steps.append(self.step())
        repeat = ""
        if self.is_("unary", "+") or self.is_("other", "*"):
            repeat = self.take().text
            if len(steps) > 1:
                raise _NotProvable
        if self.is_("other", "/") or self.is_("other", "?"):
            raise _NotProvable
        if len(steps) == 1 and not repeat and not steps[0][1]:
            return Const(steps[0][0])
        return Path(tuple(steps), repeat)

    def step(self) -> tuple[str, bool]:
        inverse = False
        if self.is_("unary", "^"):
            self.take()
            inverse = True
        tok = self.take()
        if tok.kind == "word" and tok.text == "a":
            return RDF_TYPE, inverse
        if tok.kind in ("iri", "pname") and not tok.text.endswith("."):
            return self.iri(tok), inverse
        raise _NotProvable

    def object(self) -> tuple[Node, bool]:
        """An object, and whether a ``.`` ended it (a prefixed name swallows a final dot)."""
        tok = self.take()
        if tok.kind == "pname" and tok.text.endswith(".") and not tok.text.startswith("_:"):
            return Const(self.iri(tok._replace(text=tok.text.rstrip(".")))), True
        if tok.kind == "string":
            if self.peek() is not None and self.peek().kind == "lang":  # type: ignore[union-attr]
                self.take()
            elif self.is_("unary", "^") and self.is_("unary", "^", 1):
                self.take()
                self.take()
                if self.take().kind not in ("iri", "pname"):
                    raise _NotProvable
            return Const(""), False
        if tok.kind == "number" or (tok.kind == "word" and tok.text in ("true", "false")):
            return Const(""), False
        return self.node(tok), False

    def node(self, tok: Token) -> Node:
        if tok.kind == "var":
            return Var(tok.text[1:])
        if tok.kind == "pname" and tok.text.startswith("_:"):
            return Var(tok.text)  # a blank node in a pattern is a variable
        if tok.kind in ("iri", "pname") and not tok.text.endswith("."):
            return Const(self.iri(tok))
        raise _NotProvable

    def iri(self, tok: Token) -> str:
        if tok.kind == "iri":
            return tok.text[1:-1]
        prefix, _, local = tok.text.partition(":")
        if prefix not in self.prefixes:
            raise _NotProvable
        return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)

    def constant(self) -> None:
        tok = self.take()
        if tok.kind not in _CONSTANT_KINDS:
            raise _NotProvable
        if tok.kind == "string":
            self.i -= 1
            self.object()

    def filter(self) -> None:
        """``FILTER (...)`` or ``FILTER fn(...)``: balanced brackets, no group inside, short."""
        self.filters += 1
        start = self.i
        if self.peek() is not None and self.peek().kind in ("word", "pname", "iri"):  # type: ignore[union-attr]
            self.take()
        self.expect("open", "(")
        depth = 1
        while depth:
            tok = self.take()
            if tok.kind == "open":
                if tok.text != "(":
                    raise _NotProvable
                depth += 1
            elif tok.kind == "close":
                if tok.text != ")":
                    raise _NotProvable
                depth -= 1
        used = self.toks[start : self.i]
        self.expression_tokens += len(used)
        self.expression_chars += sum(len(t.text) for t in used)
        if (
            self.expression_tokens > MAX_EXPRESSION_TOKENS
            or self.expression_chars > MAX_EXPRESSION_CHARS
        ):
            raise _NotProvable

    def modifiers(self) -> None:
        while self.peek() is not None:
            word = self.word()
            self.take()
            if word in ("GROUP", "ORDER"):
                if self.word() != "BY":
                    raise _NotProvable
                self.take()
                self.order_keys()
            elif word in ("LIMIT", "OFFSET"):
                self.expect("number")
            else:
                raise _NotProvable

    def order_keys(self) -> None:
        seen = False
        while True:
            if self.peek() is not None and self.peek().kind == "var":  # type: ignore[union-attr]
                self.take()
            elif self.word() in ("ASC", "DESC") and self.is_("open", "(", 1):
                self.take()
                self.take()
                self.expect("var")
                self.expect("close", ")")
            else:
                break
            seen = True
        if not seen:
            raise _NotProvable
