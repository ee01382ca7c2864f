"""Pre-checks for untrusted SPARQL, run before any engine sees the query.

Ad-hoc client queries run in sandboxed workers (:mod:`pcfgraph.sandbox`), but some things
must never reach the engine at all: pyoxigraph performs ``SERVICE`` (and ``LOAD``) through its
own HTTP client, invisible to Python, and a deeply nested query overflows its parser's stack.
So this module scans the query text with a small SPARQL *lexer* (IRIs, strings, comments,
variables and prefixed names are single tokens; only bare words can be keywords) and decides:

- updates (``INSERT``/``DELETE``/``LOAD``/``CLEAR``/... anywhere): :class:`Forbidden` (403);
- ``SERVICE`` anywhere: :class:`QueryRejected` (400); nothing is contacted;
- nesting of ``{ ( [`` plus runs of unary operators deeper than the limit: 400;
- more tokens than ``max_query_tokens`` (size) or, inside one group or bracket, a chain of
  more than ``max_query_width`` binary operators (``&& || | / * + -``, ``UNION``,
  ``OPTIONAL``, ``MINUS``): 400. Long flat chains become deep trees in the engine's algebra
  and can overflow its stack; both checks stop at the first token past the limit, so a
  flood of refused queries costs little;
- ``FROM``/``FROM NAMED`` and the protocol's graph parameters naming graphs the store does not
  hold: 400 (graphs are never dereferenced, never read from files).

The lexer is conservative: a keyword token is a bare word (not inside an IRI, string, comment,
variable or prefixed name), exactly as the SPARQL grammar's terminals define them, so a
``SERVICE`` the engine would parse is always seen here. It runs in microseconds; full syntax
checking is left to the engine in the worker, which reports line and column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin

from pcfgraph.errors import Forbidden, QueryRejected

if TYPE_CHECKING:
    from pcfgraph.config import Settings

#: Query forms and what clients may ask for.
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
              |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'
              |"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?:[^\W\d][\w.\-\u00B7]*)?:(?:[\w.:%\-\u00B7]|\\.)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<unary>[!^+\-])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNESCAPE_RE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    kind: str
    text: str
    pos: int


@dataclass
class CheckedQuery:
    """What the guard learned: the query form and the dataset the query text names."""

    form: str
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


#: A prefixed name's prefix runs over these characters up to its ":" (as in ``pname`` above).
_PREFIX_RUN_RE = re.compile(r"[\w.\-\u00B7]*")
_WORD_RE = re.compile(r"[^\W\d]\w*")
#: What a one-line string reads after its opening quote (as in ``string`` above).
_LINE_STRING_BODY_RE = {
    "'": re.compile(r"(?:[^'\\\n\r]|\\.)*", re.DOTALL),
    '"': re.compile(r'(?:[^"\\\n\r]|\\.)*', re.DOTALL),
}
#: Characters of a prefix run that end a word token.
_RUN_AFTER_WORD = frozenset(".-\u00b7")


def tokens(text: str) -> Iterator[Token]:
    """The query's tokens without whitespace and comments, in time linear in the text.

    The token expression alone is not linear. Where no ``:`` ends a run of letters, digits,
    ``.``, ``-`` and ``·`` (``a.a.a.a...``), its prefixed-name branch reads the whole run and
    fails at the run's first letter, then again at every later letter of the run; and a
    one-line string that never closes (``'a\\'a\\'a...``) is read to the end of its line and
    fails again at every escaped quote inside it: quadratic (a 256 kB query of ``a.`` cost
    47 s of CPU on the event loop, for 1,200 tokens). So past the first such failure (a word
    the run goes on after, a quote read as a single character) :func:`_tokens_remembering`
    reads the rest, giving the same tokens; ordinary queries never get there.
    """
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        if (kind == "word" and text[m.end() : m.end() + 1] in _RUN_AFTER_WORD) or (
            kind == "other" and m.group() in _LINE_STRING_BODY_RE
        ):
            yield from _tokens_remembering(text, m.start())
            return
        if kind != "ws" and kind != "comment":
            yield Token(kind, m.group(), m.start())


def _tokens_remembering(text: str, pos: int) -> Iterator[Token]:
    """:func:`tokens` from ``pos`` on, remembering where the two branches failed: every later
    start inside what a failed attempt read fails the same way (the run has no ``:`` inside it
    or at its end; the string's reading continues from an escape's end exactly as the failed
    one did), so those letters are read as the words they are and those quotes as single
    characters, without the expression."""
    match = _TOKEN_RE.match
    end = len(text)
    no_prefix_before = 0  # no prefixed name starts before this (a failed one's run)
    no_line_string_before = {"'": 0, '"': 0}
    while pos < end:
        if pos < no_prefix_before:
            word = _WORD_RE.match(text, pos)
            if word is not None:
                yield Token("word", word.group(), pos)
                pos = word.end()
                continue
        char = text[pos]
        if (
            char in no_line_string_before
            and pos < no_line_string_before[char]
            and not text.startswith(char * 3, pos)
        ):
            yield Token("other", char, pos)
            pos += 1
            continue
        m = match(text, pos)
        assert m is not None  # ``other`` matches any character
        kind = m.lastgroup or "other"
        if kind == "word":  # the prefixed-name branch failed here
            no_prefix_before = _PREFIX_RUN_RE.match(text, pos).end()  # type: ignore[union-attr]
        elif kind == "other" and char in no_line_string_before:  # both string branches failed
            body = _LINE_STRING_BODY_RE[char].match(text, pos + 1)
            no_line_string_before[char] = body.end()  # type: ignore[union-attr]
        if kind != "ws" and kind != "comment":
            yield Token(kind, m.group(), pos)
        pos = m.end()


#: Every word the full scan acts on (updates, SERVICE, FROM; BASE and PREFIX matter only to
#: resolve FROM).
_ACTION_WORDS = tuple(sorted(UPDATE_KEYWORDS | {"SERVICE", "FROM"}))
#: Characters that can open a nesting level or extend a run of unary operators.
_NESTING_CHARS = "{([!^+-"


def _has_action_word(text: str) -> bool:
    """Whether some bare word of ``text`` could be an action word (conservative).

    A word token ``w`` with ``w.upper()`` an action word shows up in ``text.upper()`` at the
    same offset (when upper-casing keeps the length, every character maps to one character)
    and is followed by a non-word character (tokens are maximal runs of word characters).
    ``str.find`` keeps this at a few microseconds; a case-insensitive regex took ~100 us.
    """
    upper = text.upper()
    if len(upper) != len(text):
        return True  # characters that expand when upper-cased (e.g. "ß"): let the scan decide
    for word in _ACTION_WORDS:
        at = upper.find(word)
        while at != -1:
            end = at + len(word)
            if end == len(text) or not _is_word_char(text[end]):
                return True
            at = upper.find(word, at + 1)
    return False


_COMMENT_LINE_RE = re.compile(r"^[ \t]*#[^\n\r]*", re.MULTILINE)
_LONG_QUOTES = ("'''", '"""')


def _without_comment_lines(text: str) -> str:
    """``text`` without lines that are whole comments (query files start with a few).

    Without long strings (the only tokens spanning lines) a line whose first non-blank
    character is ``#`` is a comment; with them, the text is kept as it is.
    """
    if any(q in text for q in _LONG_QUOTES):
        return text
    return _COMMENT_LINE_RE.sub("", text)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what ``\w`` matches in a str pattern


#: Tokens that chain operands at one level (the engine builds a left-deep tree of them).
_CHAIN_OTHER = frozenset("&|/*")
_CHAIN_UNARY = frozenset("+-")
_CHAIN_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})


def _bounded(
    toks: Iterator[Token], text: str, max_depth: int, max_tokens: int, max_width: int
) -> Iterator[Token]:
    """``toks`` unchanged, refusing at the first token past the depth, size or width limit
    (so the limit reported is the first one the text crosses)."""
    widths = [0]
    unary_run = 0
    for n, tok in enumerate(toks, 1):
        unary_run = unary_run + 1 if tok.kind == "unary" else 0
        if len(widths) - 1 + unary_run > max_depth:
            raise QueryRejected(
                f"query nests deeper than {max_depth} levels at {_where(text, tok.pos)} "
                f"(groups, brackets and unary operators count; the limit is the "
                f"max_query_depth setting)",
                code="query-too-deep",
            )
        if n > max_tokens:
            raise QueryRejected(
                f"query has more than {max_tokens} tokens (at {_where(text, tok.pos)}; the limit "
                f"is the max_query_tokens setting)",
                code="query-too-large",
            )
        kind = tok.kind
        if kind == "open":
            widths.append(0)
        elif kind == "close":
            if len(widths) > 1:
                widths.pop()
        elif (
            (kind == "other" and tok.text in _CHAIN_OTHER)
            or (kind == "unary" and tok.text in _CHAIN_UNARY)
            or (kind == "word" and tok.text.upper() in _CHAIN_WORDS)
        ):
            widths[-1] += 1
            if widths[-1] > max_width:
                raise QueryRejected(
                    f"query chains more than {max_width} operators (&&, ||, UNION, OPTIONAL, "
                    f"paths, arithmetic) in one group at {_where(text, tok.pos)}; split it "
                    f"or use VALUES (the limit is the max_query_width setting)",
                    code="query-too-wide",
                )
        yield tok


def _quick_form(text: str, max_depth: int, max_tokens: int, max_width: int) -> str | None:
    """The query form when the full scan provably has nothing to refuse, else ``None``.

    Sound shortcut for ordinary queries: with no update/SERVICE/FROM word anywhere in the text
    and fewer nesting characters in the whole text than the depth limit, the scan could only
    find the form; so only the tokens up to the form are read (the prologue, usually short).
    """
    if sum(text.count(c) for c in _NESTING_CHARS) > max_depth:
        return None
    if len(text) > max_tokens:  # every token is at least one character
        return None
    upper = text.upper()
    chained = sum(text.count(c) for c in "&|/*+-") + sum(upper.count(w) for w in _CHAIN_WORDS)
    if chained > max_width:
        return None
    if _has_action_word(_without_comment_lines(text)):
        return None
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            word = m.group().upper()
            if word in QUERY_FORMS:
                return word
            if text[m.end() : m.end() + 1] in _RUN_AFTER_WORD:
                return None  # the expression alone is quadratic from here: see tokens()
        elif kind == "other" and m.group() in _LINE_STRING_BODY_RE:
            return None  # likewise
    return None


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def undeclared_prefix(text: str) -> tuple[str, int, int] | None:
    """The first prefixed name of ``text`` whose prefix no ``PREFIX`` declares, as (prefix,
    line, column of the name), or None. Blank node labels (``_:b``) are not prefixed names,
    nor is the inside of an IRI the lexer could not read (``<https://example.org/a b>``).
    For the message of a query the engine refused: pyoxigraph names an undeclared prefix
    only in some places, and elsewhere reports what it expected instead (``xsd:integer`` in
    a FILTER: "expected ENCODE_FOR_URI")."""
    declared: set[str] = set()
    after_prefix = False
    for tok in tokens(text):
        if tok.kind == "pname":
            prefix = tok.text.partition(":")[0]
            if after_prefix:
                declared.add(prefix)
            elif prefix != "_" and prefix not in declared and text[tok.pos - 1 : tok.pos] != "<":
                return prefix, *_line_column(text, tok.pos)
        after_prefix = tok.kind == "word" and tok.text.upper() == "PREFIX"
    return None


_PAIRS = {"{": "}", "(": ")", "[": "]"}


def _line_column(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def unbalanced(text: str) -> tuple[str, int, int] | None:
    """The first bracket or quote of ``text`` that is not closed, or a closing bracket that
    closes nothing or another kind, as (what is wrong, line, column), or None. Brackets
    inside strings, IRIs and comments do not count. For the message of a query both parsers
    refused without saying why (rdflib: "Expected SelectQuery" at the start of the group)."""
    stack: list[Token] = []
    for tok in tokens(text):
        if tok.kind == "open":
            stack.append(tok)
        elif tok.kind == "close":
            line, column = _line_column(text, tok.pos)
            if not stack:
                return f"'{tok.text}' closes nothing", line, column
            top = stack.pop()
            if _PAIRS[top.text] != tok.text:
                at = "line {}, column {}".format(*_line_column(text, top.pos))
                return f"'{tok.text}' does not close the '{top.text}' at {at}", line, column
        elif tok.kind == "other" and tok.text in "'\"":
            line, column = _line_column(text, tok.pos)
            return f"the string starting with {tok.text} is never closed", line, column
    if stack:
        line, column = _line_column(text, stack[-1].pos)
        return f"the query ends before this '{stack[-1].text}' is closed", line, column
    return None


def _iri_value(token: Token) -> str:
    inner = token.text[1:-1]
    return _UNESCAPE_RE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), inner)


def check_query(
    text: str,
    *,
    max_depth: int,
    known_graphs: Collection[str],
    max_tokens: int = 20_000,
    max_width: int = 500,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
) -> CheckedQuery:
    """Refuse unsafe queries (see the module docstring); return the form and named graphs."""
    if not default_graph_uris and not named_graph_uris:
        quick = _quick_form(text, max_depth, max_tokens, max_width)
        if quick is not None:
            return CheckedQuery(form=quick)
    toks = list(_bounded(tokens(text), text, max_depth, max_tokens, max_width))
    prefixes: dict[str, str] = {}
    base: str | None = None
    form: str | None = None
    checked = CheckedQuery(form="SELECT")
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind != "word":
            i += 1
            continue
        word = tok.text.upper()
        if word in UPDATE_KEYWORDS:
            raise Forbidden(
                f"this endpoint is read-only: {word} at {_where(text, tok.pos)} is a SPARQL "
                f"update operation",
                code="update-forbidden",
            )
        if word == "SERVICE":
            raise QueryRejected(
                f"SERVICE (federated query) at {_where(text, tok.pos)} is not allowed: this "
                f"endpoint never contacts other services",
                code="service-not-allowed",
            )
        if form is None and word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = _iri_value(nxt)
        elif form is None and word == "PREFIX" and nxt is not None and nxt.kind == "pname":
            after = toks[i + 2] if i + 2 < len(toks) else None
            if after is not None and after.kind == "iri":
                prefixes[nxt.text[:-1]] = _resolve(_iri_value(after), base)
        elif form is None and word in QUERY_FORMS:
            form = word
            checked.form = word
        elif word == "FROM":
            named = nxt is not None and nxt.kind == "word" and nxt.text.upper() == "NAMED"
            target = toks[i + 2] if named and i + 2 < len(toks) else nxt
            if target is None:
                break
            iri = _graph_iri(target, prefixes, base, text)
            (checked.from_named_graphs if named else checked.from_graphs).append(iri)
        i += 1
    if form is None:
        raise QueryRejected("no query form (SELECT, ASK, CONSTRUCT or DESCRIBE) found")
    known = set(known_graphs)
    for kind, graphs in (
        ("FROM", checked.from_graphs),
        ("FROM NAMED", checked.from_named_graphs),
        ("default-graph-uri", default_graph_uris),
        ("named-graph-uri", named_graph_uris),
    ):
        for g in graphs:
            if g not in known:
                raise QueryRejected(
                    f"{kind} <{g}> is not a graph of this store; graphs are never fetched. "
                    f"See the service description (GET /sparql) for the graphs available",
                    code="unknown-graph",
                )
    return checked


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) else iri


def _graph_iri(tok: Token, prefixes: dict[str, str], base: str | None, text: str) -> str:
    if tok.kind == "iri":
        return _resolve(_iri_value(tok), base)
    if tok.kind == "pname":
        prefix, _, local = tok.text.rstrip(".").partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        raise QueryRejected(
            f"undeclared prefix {prefix + ':'!r} at {_where(text, tok.pos)}",
            code="parse-error",
        )
    raise QueryRejected(f"FROM at {_where(text, tok.pos)} must name a graph IRI")


def check_query_within(
    settings: Settings,
    text: str,
    known_graphs: Collection[str],
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
) -> CheckedQuery:
    """:func:`check_query` under the server's limits (``max_query_depth``,
    ``max_query_tokens``, ``max_query_width``): every route taking ad-hoc SPARQL checks it
    so, none looser than another."""
    return check_query(
        text,
        max_depth=settings.max_query_depth,
        max_tokens=settings.max_query_tokens,
        max_width=settings.max_query_width,
        known_graphs=known_graphs,
        default_graph_uris=default_graph_uris,
        named_graph_uris=named_graph_uris,
    )
