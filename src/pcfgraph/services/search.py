"""Search over element names and definitions: case- and accent-insensitive, ranked, with a
highlighted snippet.

Text is normalised with Unicode NFKD, combining marks dropped, then ``casefold`` ("Gérer" and
"GERER" both become "gerer"); the query is split into words and an element matches when every
word occurs in its name, or every word occurs in its definition (a code equal to the query
matches too). Ranking, best first: code equal to the query; the phrase in the name (at the
start of the name, then at a word start, then anywhere); all words in the name; the phrase in
the definition; all words in the definition. Ties keep framework and tree order.

The snippet is HTML: the matched text wrapped in ``<mark>...</mark>``, everything else
HTML-escaped; definitions are cut to a window around the first match with ``…`` marking cuts.

A :class:`SearchIndex` is built from one store query and is immutable, so an edge may keep one
per release (the GraphQL layer does) instead of per request.
"""

from __future__ import annotations

import heapq
import html
import re
import unicodedata
from dataclasses import dataclass

from pcfgraph.services.base import Reader
from pcfgraph.services.elements import Element, all_indexes

#: Characters of definition text shown around the first match.
SNIPPET_WINDOW = 160


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise(text: str) -> str:
    """Accent- and case-insensitive form used for matching."""
    return "".join(_fold_char(ch) for ch in text)


@dataclass(frozen=True)
class _Folded:
    """A text, its folded form, and for each folded character the original index."""

    original: str
    folded: str
    #: None when folding kept every position (ASCII text): folded index = original index.
    origin: tuple[int, ...] | None

    @classmethod
    def of(cls, text: str) -> _Folded:
        if text.isascii():
            return cls(text, text.lower(), None)
        folded: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            for f in _fold_char(ch):
                folded.append(f)
                origin.append(i)
        return cls(text, "".join(folded), tuple(origin))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the folded span [start, end)."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


@dataclass(frozen=True)
class SearchHit:
    element: Element
    score: float
    field: str  # "code", "name" or "definition"
    snippet: str


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def _spans(doc: _Folded, words: list[str], phrase: str) -> list[tuple[int, int]] | None:
    """Folded spans to highlight: the phrase if present, else each word's first occurrence;
    None when a word is missing."""
    at = doc.folded.find(phrase)
    if at >= 0:
        return [(at, at + len(phrase))]
    spans = []
    for w in words:
        i = doc.folded.find(w)
        if i < 0:
            return None
        spans.append((i, i + len(w)))
    return sorted(spans)


def highlight(doc: _Folded, spans: list[tuple[int, int]], *, window: int | None = None) -> str:
    """HTML-escaped text with ``<mark>`` around the spans (folded positions)."""
    original = [doc.span(a, b) for a, b in spans]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(original):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    text = doc.original
    start, end = 0, len(text)
    if window is not None and len(text) > window and merged:
        first = merged[0][0]
        start = max(0, first - window // 3)
        end = min(len(text), start + window)
        # Do not cut words in half.
        if start > 0:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 20 else start
        if end < len(text):
            space = text.find(" ", end)
            end = space if space >= 0 and space - end < 20 else end
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for a, b in merged:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(html.escape(text[pos:a]))
        out.append("<mark>" + html.escape(text[a:b]) + "</mark>")
        pos = b
    out.append(html.escape(text[pos:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out)


@dataclass(frozen=True)
class _Doc:
    element: Element
    name: _Folded
    definition: _Folded | None
    code: str


class SearchIndex:
    """Every element's folded name and definition, in framework and tree order."""

    def __init__(self, elements: list[Element]) -> None:
        self._docs = [
            _Doc(
                e,
                _Folded.of(e.name),
                _Folded.of(e.definition) if e.definition else None,
                normalise(e.code or ""),
            )
            for e in elements
        ]

    @classmethod
    def build(cls, reader: Reader) -> SearchIndex:
        """From one store query (``api/scheme-elements`` over every framework)."""
        elements: list[Element] = []
        for index in all_indexes(reader).values():
            elements.extend(index.ordered())
        return cls(elements)

    def __len__(self) -> int:
        return len(self._docs)

    def search(
        self, text: str, *, framework: str | None = None, limit: int = 20
    ) -> list[SearchHit]:
        phrase = " ".join(normalise(text).split())
        words = _WORD_RE.findall(phrase)
        if not phrase or not words:
            return []
        # Score every document (cheap string tests), keep the best `limit`, and highlight
        # only those.
        docs = self._docs
        scored = (
            (-found[0], order, found[1])
            for order, doc in enumerate(docs)
            if (framework is None or doc.element.framework_id == framework)
            and (found := self._score(doc, phrase, words)) is not None
        )
        best = heapq.nsmallest(limit, scored)
        return [self._hit(docs[order], -neg, where, phrase, words) for neg, order, where in best]

    @staticmethod
    def _score(doc: _Doc, phrase: str, words: list[str]) -> tuple[float, str] | None:
        if doc.code and doc.code == phrase:
            return 100.0, "code"
        name = doc.name.folded
        at = name.find(phrase)
        if at == 0:
            return 90.0, "name"
        if at > 0:
            return (80.0 if not name[at - 1].isalnum() else 70.0), "name"
        if len(words) > 1 and all(w in name for w in words):
            return 60.0, "name"
        if doc.definition is not None:
            definition = doc.definition.folded
            if phrase in definition:
                return 40.0, "definition"
            if len(words) > 1 and all(w in definition for w in words):
                return 30.0, "definition"
        return None

    @staticmethod
    def _hit(doc: _Doc, score: float, where: str, phrase: str, words: list[str]) -> SearchHit:
        if where == "code":
            return SearchHit(doc.element, score, "code", html.escape(doc.element.code or ""))
        if where == "name":
            spans = _spans(doc.name, words, phrase) or []
            return SearchHit(doc.element, score, "name", highlight(doc.name, spans))
        assert doc.definition is not None
        spans = _spans(doc.definition, words, phrase) or []
        snippet = highlight(doc.definition, spans, window=SNIPPET_WINDOW)
        return SearchHit(doc.element, score, "definition", snippet)
