"""Text handling shared by indexing and querying: folding, words, stopwords, British/American
spelling rules and turning FTS5 highlight markers into safe HTML.

The FTS5 tokenizer (``porter unicode61 remove_diacritics 2``) does the stemming; what it
cannot know lives here: which words to ignore in a query and how British and American
spellings of a word relate (``organise``/``organize``, ``catalogue``/``catalog``).
"""

from __future__ import annotations

import html
import re
import unicodedata

#: Highlight markers FTS5 puts around matched tokens (control characters never kept in
#: indexed text, so they cannot clash with data).
OPEN = "\x02"
CLOSE = "\x03"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)

#: Words a query may hold that say nothing about the element sought.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it's",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "to",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "your",
    ]
)


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise(text: str) -> str:
    """Accent- and case-insensitive form of a text ("Gérer" and "GERER" both give "gerer")."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD_RE.findall(normalise(text))


def clean(text: str) -> str:
    """Indexed text: control characters (which would clash with the markers) removed."""
    return _CONTROL_RE.sub(" ", text)


# British/American spelling: suffix pairs, tried both ways. A variant is used only when the
# index holds it, so a rule cannot invent words.
_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    ("isation", "ization"),
    ("isations", "izations"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ising", "izing"),
    ("iser", "izer"),
    ("isers", "izers"),
    ("yse", "yze"),
    ("ysed", "yzed"),
    ("ysing", "yzing"),
    ("our", "or"),
    ("ours", "ors"),
    ("tre", "ter"),
    ("tres", "ters"),
    ("ogue", "og"),
    ("ogues", "ogs"),
    ("elled", "eled"),
    ("elling", "eling"),
    ("ence", "ense"),
    ("mme", "m"),
    ("mmes", "ms"),
)


def spelling_variants(word: str) -> list[str]:
    """Candidate other spellings of a folded word (British <-> American), unchecked."""
    out: list[str] = []
    if len(word) < 5:
        return out
    for a, b in _SPELLING_RULES:
        for x, y in ((a, b), (b, a)):
            if word.endswith(x) and len(word) - len(x) >= 3:
                out.append(word[: -len(x)] + y)
    return out


def marked_html(text: str) -> str:
    """HTML of a text with FTS5 markers: everything escaped, matches in ``<mark>``; adjacent
    marks (a phrase matched word by word) joined into one."""
    out = html.escape(text, quote=True).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")
    return re.sub(r"</mark>(\s+)<mark>", r"\1", out)


def has_mark(text: str | None) -> bool:
    return bool(text) and OPEN in (text or "")
