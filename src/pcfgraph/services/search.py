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
    origin: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Folded:
        folded: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            for f in _fold_char(ch):
                folded.append(f)
                origin.append(i)
        return cls(text, "".join(folded), tuple(origin))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the folded span [start, end)."""
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
        hits: list[tuple[float, int, SearchHit]] = []
        for order, doc in enumerate(self._docs):
            if framework is not None and doc.element.framework_id != framework:
                continue
            hit = self._match(doc, phrase, words)
            if hit is not None:
                hits.append((-hit.score, order, hit))
        hits.sort(key=lambda h: (h[0], h[1]))
        return [h[2] for h in hits[:limit]]

    @staticmethod
    def _match(doc: _Doc, phrase: str, words: list[str]) -> SearchHit | None:
        if doc.code and doc.code == phrase:
            return SearchHit(doc.element, 100.0, "code", html.escape(doc.element.code or ""))
        spans = _spans(doc.name, words, phrase)
        if spans is not None:
            at = doc.name.folded.find(phrase)
            if at == 0:
                score = 90.0
            elif at > 0 and not doc.name.folded[at - 1].isalnum():
                score = 80.0
            elif at > 0:
                score = 70.0
            else:
                score = 60.0
            return SearchHit(doc.element, score, "name", highlight(doc.name, spans))
        if doc.definition is not None:
            spans = _spans(doc.definition, words, phrase)
            if spans is not None:
                score = 40.0 if doc.definition.folded.find(phrase) >= 0 else 30.0
                return SearchHit(
                    doc.element,
                    score,
                    "definition",
                    highlight(doc.definition, spans, window=SNIPPET_WINDOW),
                )
        return None
