"""The SPARQL guard's lexer (:func:`pcfgraph.sparql_guard.tokens`) gives the token expression's
own tokens, in work linear in the text.

The expression alone is quadratic on two inputs: a run of letters, digits, ``.``, ``-`` and
``·`` that no ``:`` ends (``a.a.a.a...``: the prefixed-name branch reads the run to its end
and fails at every letter of it), and a one-line string that never closes (``'a\\'a\\'...``:
read to the end of the line and failed at every escaped quote). A 256 kB query of ``a.`` cost
the guard 47 s of CPU on the server's event loop before it was refused. The regular
expression's own steps cannot be counted from Python (C code), so the work is shown by where
the expression is applied: once inside such a run or line, not at every letter or quote
(the lexer reads the rest from what the failed attempt read); and the tokens are the
expression's own, on any text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pcfgraph import sparql_guard
from pcfgraph.errors import PcfgraphError
from pcfgraph.sparql_guard import Token, check_query, tokens

from .test_fuzz import SPARQL_WORDS

REAL_EXPRESSION = sparql_guard._TOKEN_RE


def expression_tokens(text: str) -> list[Token]:
    """The tokens of the token expression alone (quadratic on the inputs above)."""
    return [
        Token(m.lastgroup or "other", m.group(), m.start())
        for m in REAL_EXPRESSION.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


#: Characters of the two quadratic shapes and what borders them.
HOSTILE = st.text(alphabet="a_1e.-\u00b7:'\"\\\n<>?# ", max_size=200)


@settings(max_examples=600, deadline=None)
@example("a.b c.d:e a-b:c")  # a failed run, then prefixed names after it
@example("'a\\'\n'b' \"c\\\"\n\"d\" 'e")  # failed lines, then strings on the next
@given(st.one_of(st.lists(SPARQL_WORDS, max_size=60).map(" ".join), st.text(max_size=300), HOSTILE))
def test_the_lexer_gives_the_expressions_tokens(text: str) -> None:
    assert list(tokens(text)) == expression_tokens(text)


class Applied:
    """The token expression, recording each position it is applied at (the real one runs)."""

    def __init__(self) -> None:
        self.at: list[int] = []

    def finditer(self, text: str, *args: Any) -> Iterator[re.Match[str]]:
        for m in REAL_EXPRESSION.finditer(text, *args):
            self.at.append(m.start())
            yield m

    def match(self, text: str, pos: int = 0, *args: Any) -> re.Match[str] | None:
        self.at.append(pos)
        return REAL_EXPRESSION.match(text, pos, *args)


HEAD = "SELECT * FROM <urn:g> WHERE { "
RUNS = [
    # a run no ":" ends: the letters, where the prefixed-name branch would read to its end
    ("", "a.", "a"),
    ("", "ab-c\u00b7", "abc"),
    ("", "e1.", "e"),
    # a one-line string that never closes: its escaped quotes
    ("", "'a\\", "'"),
    ('"', 'x\\"', '"'),
]


@pytest.mark.parametrize(("opening", "unit", "starts"), RUNS)
def test_the_expression_is_applied_once_inside_a_failed_run_or_line(
    opening: str, unit: str, starts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most once per text at the characters where its failing branch would start again
    (the old lexer applied it at all 2,000 of them), with the same tokens."""
    text = HEAD + opening + unit * 2000 + " }"
    applied = Applied()
    monkeypatch.setattr(sparql_guard, "_TOKEN_RE", applied)
    got = list(tokens(text))
    monkeypatch.undo()
    assert got == expression_tokens(text)
    at_starts = {p for p in applied.at if text[p] in starts and p >= len(HEAD)}
    assert len(at_starts) <= 1, len(at_starts)


@pytest.mark.parametrize(("unit", "starts"), [("a.", "a"), ("'a\\", "'")])
def test_a_long_hostile_query_is_refused_at_its_token_limit(
    unit: str, starts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """256 kB (the first cost the old lexer 47 s of CPU) refused at the 20,000th token, the
    expression applied once inside the run or line."""
    text = HEAD + unit * 128_000 + " }"
    applied = Applied()
    monkeypatch.setattr(sparql_guard, "_TOKEN_RE", applied)
    with pytest.raises(PcfgraphError) as info:
        check_query(text, max_depth=16, known_graphs={"urn:g"})
    assert info.value.code == "query-too-large", info.value
    assert len({p for p in applied.at if text[p] in starts and p >= len(HEAD)}) <= 1


@pytest.mark.parametrize(("unit", "starts"), [("a.", "a"), ("'a\\", "'")])
def test_the_shortcut_leaves_a_hostile_prologue_to_the_lexer(
    unit: str, starts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard's shortcut reads the text up to its query form with the expression; before a
    form, a failed run or line sends the text to the full scan (20 kB cost the shortcut 3 s
    of CPU), which accepts it, the expression applied once inside."""
    text = unit * (19_000 // len(unit)) + "\nSELECT * WHERE { ?s ?p ?o }"
    applied = Applied()
    monkeypatch.setattr(sparql_guard, "_TOKEN_RE", applied)
    assert check_query(text, max_depth=16, known_graphs=set()).form == "SELECT"
    assert len({p for p in applied.at if text[p] in starts}) <= 1
