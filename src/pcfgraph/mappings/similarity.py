"""How alike two elements' texts are, for the suggester (:mod:`pcfgraph.mappings.suggest`):
word stems (a light suffix stripper, abbreviations spelt out, stop words dropped), Okapi BM25
over a fixed set of documents, and a fuzzy name similarity (difflib's ratio over the sorted
stems). Standard library only.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "with",
        "within",
        "which",
        "while",
        "will",
        "what",
        "when",
        "where",
        "who",
        "how",
        "all",
        "any",
        "each",
    ]
)


def _stem(word: str) -> str:
    """A light suffix stripper: "services", "service" and "servicing" share "servic"."""
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ers", "es", "ed",
                   "er", "s"):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


#: Abbreviations the frameworks use next to the spelt-out form.
_ABBREVIATIONS = {
    "sla": "service level agreement",
    "slas": "service level agreements",
    "kpi": "key performance indicator",
    "kpis": "key performance indicators",
    "ola": "operational level agreement",
    "uc": "underpinning contract",
}


def tokens(text: str) -> list[str]:
    words: list[str] = []
    for w in _WORD.findall(text.lower()):
        words.extend(_ABBREVIATIONS.get(w, w).split())
    return [_stem(w) for w in words if w not in _STOP]


@dataclass
class BM25:
    """Okapi BM25 over a fixed set of documents (k1 = 1.2, b = 0.75)."""

    docs: Sequence[list[str]]
    k1: float = 1.2
    b: float = 0.75
    _tf: list[Counter[str]] = field(init=False)
    _idf: dict[str, float] = field(init=False)
    _avg: float = field(init=False)

    def __post_init__(self) -> None:
        self._tf = [Counter(d) for d in self.docs]
        n = len(self.docs)
        df: Counter[str] = Counter()
        for d in self._tf:
            df.update(d.keys())
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._avg = sum(len(d) for d in self.docs) / n if n else 0.0

    def scores(self, query: Iterable[str]) -> list[float]:
        q = Counter(query)
        out = []
        for d, tf in zip(self.docs, self._tf, strict=True):
            norm = self.k1 * (1 - self.b + self.b * len(d) / (self._avg or 1))
            s = 0.0
            for t in q:
                f = tf.get(t, 0)
                if f:
                    s += self._idf[t] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out


def stems(name: str) -> str:
    """A name's sorted word stems, as :func:`fuzzy` compares them."""
    return " ".join(sorted(tokens(name)))


def fuzzy(a: str, b: str) -> float:
    """Name similarity in [0, 1]: difflib's ratio over the sorted word stems."""
    sa, sb = stems(a), stems(b)
    return difflib.SequenceMatcher(None, sa, sb).ratio() if sa and sb else 0.0


class Fuzzy:
    """:func:`fuzzy` of many names against one (``b``), the same ratios: ``b`` tokenised and
    indexed by difflib once (its ``set_seq2``), each other name given as its :func:`stems`."""

    def __init__(self, b: str) -> None:
        self.sb = stems(b)
        self.matcher = difflib.SequenceMatcher(None, "", self.sb)

    def ratio(self, sa: str) -> float:
        if not sa or not self.sb:
            return 0.0
        self.matcher.set_seq1(sa)
        return self.matcher.ratio()

    def bound(self, sa: str) -> float:
        """At least :meth:`ratio` (difflib's ``quick_ratio``: the characters both share, in
        any order), at a fraction of its cost."""
        if not sa or not self.sb:
            return 0.0
        self.matcher.set_seq1(sa)
        return self.matcher.quick_ratio()
