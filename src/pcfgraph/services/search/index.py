"""The search index: SQLite FTS5 (stdlib ``sqlite3``) over every element of every loaded
framework edition, built once per release and shipped in it as one file.

Why FTS5: BM25 ranking with per-column weights, the porter stemmer (plan/planning/plans),
diacritics folding, column filters, prefix queries, ``highlight()``/``snippet()``, all in the
standard library and answering in about a millisecond for tens of thousands of elements.

A query is answered in this order:

1. **Identifiers.** The whole query equal to a code (``8.1.6.2``, ``A25``, ``SRP-A2-P3.1``),
   a PCF ID (``20641``, also ``PCF 20641``), an element id or IRI: those elements first, in
   every loaded edition, newest edition first.
2. **Words.** Each query word (stopwords dropped) becomes an OR-group of the word, its other
   spelling (British/American, only when the index holds it) and, where the query names a
   term of the search vocabulary (``data/vocabulary/``: ``SLA``, ``CSAT``, ...), every label of
   that term as a phrase. All groups must match (AND); with fewer than three results, any
   may (OR), among the elements holding one of the query's more selective words (the
   rarest groups that together match at most ``RELAXED_ROWS`` elements).
3. **Typos.** A word the index does not know at all is replaced by the closest indexed words
   (``difflib``, same length +-2); the result says which correction was made ("did you mean").
4. **Ranking.** Elements matching the whole query in their name first (the words as typed
   before their synonyms), then in name and alternative labels, then anywhere; within each tier FTS5's BM25 with column weights
   name 10 > alternative labels 5 > definition 2 > measures 1; ties newest edition first, then
   framework and tree order.

Each distinct text is matched and ranked once (:mod:`.build`: the editions of the PCF repeat
most elements word for word) with the BM25 every copy of it would get, then grouped into one
hit per element across editions (:mod:`.grouping`). With every shared workbook loaded "plan"
matches 635 texts of 3,842 elements: ranking and grouping every copy in SQL cost ~4x as much.

Each hit says where it matched (``field``) with an HTML-safe snippet (matches in ``<mark>``).
"""

from __future__ import annotations

import difflib
import errno
import heapq
import os
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcfgraph.errors import InputError, quoted
from pcfgraph.letter_case import no_kind
from pcfgraph.services.base import Reader
from pcfgraph.services.search import grouping
from pcfgraph.services.search import text as tx
from pcfgraph.services.search.build import SCHEMA_VERSION, build_connection
from pcfgraph.services.search.documents import (
    Document,
    VocabularyTerm,
    read_documents,
    read_vocabulary,
)
from pcfgraph.services.search.hits import SearchHit, SearchResult, id_facets, id_hit, text_hit

MAX_QUERY_CHARS = 200
#: With fewer hits than this for all the words, hits for any of them are added.
RELAX_BELOW = 3
#: A relaxed query ("any of the words") finds the elements holding one of its more selective
#: words, as many groups (rarest first) as fit this many indexed elements, at least one; all
#: words still rank them. "Any of IT, organization, business" matched 12,397 rows over 14 PCF
#: editions, and ranking them all cost ~90 ms.
RELAXED_ROWS = 1000
#: Tokens of a definition or measure list shown around the match.
SNIPPET_TOKENS = 24


@dataclass
class _Group:
    """One query word (or vocabulary phrase) and the alternatives that may stand for it."""

    shown: str
    phrases: list[str]
    prefix: bool = False
    #: A vocabulary phrase: ``phrases[0]`` is what was typed, the rest its synonyms (a word's
    #: other phrases are its spellings and corrections: the word as typed, in effect).
    vocabulary: bool = False

    def expr(self, *, literal: bool = False) -> str:
        """The FTS5 expression: any phrase, or with ``literal`` what was typed only."""
        phrases = self.phrases[:1] if literal and self.vocabulary else self.phrases
        parts = []
        for i, p in enumerate(phrases):
            quoted = '"' + p.replace('"', '""') + '"'
            parts.append(quoted + ("*" if self.prefix and i == 0 else ""))
        return "(" + " OR ".join(parts) + ")"


@dataclass
class _Plan:
    groups: list[_Group]
    expansions: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    #: Better spellings of words that matched anyway (by stem): for "did you mean" only.
    suggestions: dict[str, str] = field(default_factory=dict)


class SearchIndex:
    """An open FTS5 index (in memory, or a shipped file opened read-only). Thread-safe: one
    connection, queries serialised (each takes about a millisecond)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._vocab: dict[tuple[str, ...], list[int]] | None = None
        self._terms: list[tuple[str, list[str]]] = []
        self._max_label_words = 1
        self._words_by_len: dict[tuple[str, int], list[str]] | None = None
        self._filter_values: tuple[frozenset[str], frozenset[str]] | None = None
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if int(meta.get("schema_version", "0")) != SCHEMA_VERSION:
            raise InputError(
                f"search index schema {meta.get('schema_version')} is not {SCHEMA_VERSION}"
            )
        self.release_id: str | None = meta.get("release_id") or None
        self._size = int(meta.get("documents", "0"))
        #: FTS rows 1..texts hold each distinct text once (see :mod:`.build`).
        self._texts = int(meta.get("texts", "0"))
        #: the facets' counts of each text profile, read when opened (before a first query)
        self._profiles = grouping.read_profiles(
            conn.execute("SELECT profile, framework, family, kind, copies FROM profiles")
        )
        self._families = grouping.families(self._profiles)

    # --- building -----------------------------------------------------------------------

    @classmethod
    def build(cls, reader: Reader, *, release_id: str | None = None) -> SearchIndex:
        """Read the graph (a few named queries) and index it in memory."""
        return cls.from_documents(read_documents(reader), read_vocabulary(reader), release_id)

    @classmethod
    def from_documents(
        cls,
        docs: Sequence[Document],
        vocabulary: Iterable[VocabularyTerm] = (),
        release_id: str | None = None,
    ) -> SearchIndex:
        return cls(build_connection(docs, vocabulary, release_id))

    def write(self, path: Path) -> None:
        """Copy the index into ``path`` (a new SQLite file) for shipping in a release. No room
        (its disk, or ``TMPDIR``'s for ``VACUUM``) is the ``OSError`` a full disk is anywhere
        else: SQLite's own error was "internal error ... a bug", also where the release
        cache falls back to memory and ``build`` says it cannot write ``-o``."""
        if path.exists():
            path.unlink()
        out = sqlite3.connect(str(path))
        try:
            with self._lock:
                self._conn.backup(out)
            out.execute("VACUUM")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_FULL:
                raise
            reason = f"{os.strerror(errno.ENOSPC)} (there, or in TMPDIR for SQLite's files)"
            raise OSError(errno.ENOSPC, reason, str(path)) from None
        finally:
            out.close()

    @classmethod
    def open(cls, path: Path) -> SearchIndex:
        """Open a shipped index read-only (the file is never written at serve time)."""
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            return cls(conn)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a pcfgraph search index ({exc})") from None

    def __len__(self) -> int:
        return self._size

    def close(self) -> None:
        self._conn.close()

    # --- querying -----------------------------------------------------------------------

    def filter_values(self) -> tuple[frozenset[str], frozenset[str]]:
        """What the filters of :meth:`query` can match: the framework ids and families
        (``framework``), and the kinds (``kind``); any other value matches nothing."""
        with self._lock:
            if self._filter_values is None:
                frameworks: set[str] = set()
                kinds: set[str] = set()
                rows = self._conn.execute("SELECT DISTINCT framework, family, kind FROM docs")
                for framework, family, kind in rows:
                    frameworks.update(v for v in (framework, family) if v)
                    if kind:
                        kinds.add(kind)
                self._filter_values = frozenset(frameworks), frozenset(kinds)
            return self._filter_values

    def unknown_filter(
        self, framework: str | None, kind: str | None, *, empty_is_unknown: bool = False
    ) -> tuple[str, str] | None:
        """``(argument, message)`` for a ``framework`` or ``kind`` filter that matches nothing
        here, naming the known values; None when both are known or absent. Every edge refuses
        such a filter: an answer of no hits would read as "none exist". An empty string is
        "no filter" (a web form's empty choice) unless ``empty_is_unknown`` (an API argument
        given as "": it was answered as if left out, every framework searched)."""
        frameworks, kinds = self.filter_values()
        if (framework or (empty_is_unknown and framework == "")) and framework not in frameworks:
            known = ", ".join(sorted(frameworks))
            return "framework", f"no framework or family {quoted(framework)}; known: {known}"
        if (kind or (empty_is_unknown and kind == "")) and kind not in kinds:
            return "kind", no_kind(kind, kinds)
        return None

    def search(
        self,
        text: str,
        *,
        framework: str | None = None,
        kind: str | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """The best ``limit`` hits (see :meth:`query` for facets, totals and corrections)."""
        return self.query(text, framework=framework, kind=kind, limit=limit).hits

    def query(
        self,
        text: str,
        *,
        framework: str | None = None,
        kind: str | None = None,
        limit: int = 20,
        offset: int = 0,
        prefix: bool = False,
    ) -> SearchResult:
        """Search; ``framework`` is a framework id or a family ("apqc-pcf" = every APQC
        edition); ``prefix`` treats the last word as unfinished (search as you type)."""
        if not text.strip():  # no hits would read as "nothing matches"; MCP refuses it too
            raise InputError("search text is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise InputError(f"search text is limited to {MAX_QUERY_CHARS} characters")
        if limit < 0 or offset < 0:
            raise InputError("limit and offset must not be negative")
        with self._lock:
            return self._query(text, framework, kind, limit, offset, prefix)

    def _query(
        self,
        text: str,
        framework: str | None,
        kind: str | None,
        limit: int,
        offset: int,
        prefix: bool,
    ) -> SearchResult:
        filters, fparams = self._filters(framework, kind)
        id_rows = self._identifier_rows(text, filters, fparams)
        plan = self._plan(text, prefix)
        if not plan.groups:
            hits = [id_hit(r) for r in id_rows[offset : offset + limit]]
            return SearchResult(hits, len(id_rows), id_facets(id_rows))
        relaxed = False
        match, literal = (
            " AND ".join(g.expr(literal=x) for g in plan.groups) for x in (False, True)
        )
        rows, total, facets = self._text_rows(
            (match, literal), framework, kind, id_rows, limit + offset
        )
        if total < RELAX_BELOW and len(plan.groups) > 1 and not id_rows:
            # Every word together finds little: elements with any of the words follow
            # (BM25 puts those with more of them first).
            relaxed = True
            strict = {r["id"] for r in rows}
            gate = self._selective_groups(plan.groups)
            either = []
            for x in (False, True):
                any_word = " OR ".join(g.expr(literal=x) for g in plan.groups)
                if len(gate) < len(plan.groups):
                    gated = " OR ".join(g.expr(literal=x) for g in gate)
                    any_word = "(" + gated + ") AND (" + any_word + ")"
                either.append(any_word)
            match, literal = either
            more, total, facets = self._text_rows(
                (match, literal), framework, kind, id_rows, limit + offset
            )
            rows = rows + [r for r in more if r["id"] not in strict]
        did_you_mean = None
        if plan.corrections or plan.suggestions:
            fixes = {**plan.suggestions, **plan.corrections}
            did_you_mean = " ".join(fixes.get(w, w) for w in _shown_words(text))
        all_rows = id_rows + rows
        total += len(id_rows)
        for r in id_rows:
            for dim, key in (("framework", "framework"), ("family", "family"), ("kind", "kind")):
                facets.setdefault(dim, {})
                facets[dim][r[key] or ""] = facets[dim].get(r[key] or "", 0) + 1
        page = all_rows[offset : offset + limit]
        texts = self._highlights(match, [r["text"] for r in page if r["tier"] > 0])
        hits = [
            id_hit(r) if r["tier"] == 0 else text_hit(r, texts.get(r["text"]), plan.expansions)
            for r in page
        ]
        return SearchResult(
            hits,
            total,
            facets,
            did_you_mean=did_you_mean,
            corrected=bool(plan.corrections) and total > 0,
            relaxed=relaxed,
            expansions=plan.expansions,
        )

    def identifier_hits(
        self, text: str, *, framework: str | None = None, limit: int = 20
    ) -> list[SearchHit]:
        """The hits of :meth:`query` that are identifiers (PCF ID, code, element id, IRI:
        field ``code``), without its text search: what a lookup of an identifier ignoring
        case reads (:mod:`.identifier_case`). Through :meth:`query`, every lookup also planned
        and ran a text search whose hits it dropped (its spelling corrections reading the
        index's vocabulary on a first miss): half the cost of a CLI's lookup, 5-10 ms."""
        if len(text) > MAX_QUERY_CHARS:
            raise InputError(f"search text is limited to {MAX_QUERY_CHARS} characters")
        with self._lock:
            filters, params = self._filters(framework, None)
            rows = self._identifier_rows(text, filters, params)
        return [id_hit(r) for r in rows[:limit]]

    def suggest(
        self, text: str, *, framework: str | None = None, limit: int = 8
    ) -> list[SearchHit]:
        """Hits for an unfinished query (the last word as a prefix), for search as you type."""
        return self.query(text, framework=framework, limit=limit, prefix=True).hits

    # --- query planning -----------------------------------------------------------------

    def _filters(self, framework: str | None, kind: str | None) -> tuple[str, list[Any]]:
        sql, params = [], []
        if framework:
            sql.append("(d.framework = ? OR d.family = ?)")
            params += [framework, framework]
        if kind:
            sql.append("d.kind = ?")
            params.append(kind)
        return (" AND " + " AND ".join(sql)) if sql else "", params

    def _identifier_rows(self, text: str, filters: str, params: list[Any]) -> list[dict[str, Any]]:
        keys = _identifier_keys(text)
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        cur = self._conn.execute(
            f"SELECT DISTINCT d.*, 0 AS tier, 0.0 AS rank, i.what, i.key FROM ids i "
            f"JOIN docs d ON d.id = i.doc WHERE i.key IN ({marks}){filters} "
            "ORDER BY d.edition_rank, d.family, d.framework, d.id",
            [*keys, *params],
        )
        rows, seen = [], set()
        for r in _dicts(cur):
            if r["id"] not in seen:
                seen.add(r["id"])
                rows.append(r)
        return rows

    def _vocabulary(self) -> dict[tuple[str, ...], list[int]]:
        if self._vocab is None:
            by_term: dict[str, list[str]] = defaultdict(list)
            for term, label, _ in self._conn.execute("SELECT term, label, kind FROM vocabulary"):
                by_term[term].append(label)
            vocab: dict[tuple[str, ...], list[int]] = defaultdict(list)
            self._terms = sorted(by_term.items())
            for n, (_, labels) in enumerate(self._terms):
                for label in labels:
                    key = tuple(tx.words(label))
                    if key and n not in vocab[key]:
                        vocab[key].append(n)
                        self._max_label_words = max(self._max_label_words, len(key))
            self._vocab = dict(vocab)
        return self._vocab

    def _known(self, word: str) -> bool:
        """Whether the index holds the word, as written or by stem."""
        if self._conn.execute("SELECT 1 FROM words WHERE word = ?", (word,)).fetchone():
            return True
        phrase = '"' + word.replace('"', '""') + '"'
        return (
            self._conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (phrase,)).fetchone()
            is not None
        )

    def _has_word(self, word: str) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM words WHERE word = ?", (word,)).fetchone() is not None
        )

    def _plan(self, text: str, prefix: bool) -> _Plan:
        tokens = tx.words(text)
        content = [t for t in tokens if t not in tx.STOPWORDS]
        if content:
            kept_positions = [i for i, t in enumerate(tokens) if t not in tx.STOPWORDS]
        else:
            kept_positions = list(range(len(tokens)))
        vocab = self._vocabulary()
        plan = _Plan([])
        i = 0
        # Vocabulary phrases (longest first) over the full token list, stopwords included.
        spans: dict[int, tuple[int, list[int]]] = {}
        while i < len(tokens):
            for n in range(min(self._max_label_words, len(tokens) - i), 0, -1):
                key = tuple(tokens[i : i + n])
                terms = vocab.get(key)
                if not terms and len(key[-1]) > 2 and key[-1].endswith("s"):
                    terms = vocab.get((*key[:-1], key[-1][:-1]))  # "SLAs", "KPIs"
                if terms:
                    spans[i] = (n, terms)
                    break
            i += spans[i][0] if i in spans else 1
        last = len(tokens) - 1
        i = 0
        while i < len(tokens):
            if i in spans and not (prefix and i + spans[i][0] - 1 == last and spans[i][0] == 1):
                n, terms = spans[i]
                shown = " ".join(tokens[i : i + n])
                phrases = [shown]
                for t in terms:
                    for label in self._terms[t][1]:
                        p = " ".join(tx.words(label))
                        if p and p not in phrases:
                            phrases.append(p)
                if len(phrases) > 1:
                    plan.expansions.append(f"{shown} = " + " | ".join(phrases[1:]))
                plan.groups.append(_Group(shown, phrases, vocabulary=True))
                i += n
                continue
            if i in kept_positions:
                plan.groups.append(self._word_group(tokens[i], plan, prefix and i == last))
            i += 1
        return plan

    def _word_group(self, word: str, plan: _Plan, prefix: bool) -> _Group:
        phrases = [word]
        for v in tx.spelling_variants(word):
            if v not in phrases and self._has_word(v):
                phrases.append(v)
        if prefix:  # "servic"* and also the stemmed whole word ("services" -> "servic")
            phrases.insert(1, word)
        group = _Group(word, phrases, prefix=prefix)
        if prefix or len(phrases) > 1 or word.isdigit() or len(word) < 4:
            return group
        if self._known(word):
            if not self._has_word(word):  # found by its stem only: a misspelt inflection?
                close = [
                    w
                    for w in self._close_words(word, cutoff=0.85)
                    if not (w.startswith(word) or word.startswith(w))
                ]
                if close:
                    plan.suggestions[word] = close[0]
            return group
        close = self._close_words(word)
        if close:
            plan.corrections[word] = close[0]
            group.phrases = close
        return group

    def _selective_groups(self, groups: list[_Group]) -> list[_Group]:
        """The rarest groups whose elements together fit :data:`RELAXED_ROWS` (at least one)."""
        sized = sorted(((self._rows_of(g), n) for n, g in enumerate(groups)))
        chosen: list[int] = []
        rows = 0
        for size, n in sized:
            if chosen and rows + size > RELAXED_ROWS:
                break
            chosen.append(n)
            rows += size
        return [groups[n] for n in sorted(chosen)]

    def _rows_of(self, group: _Group) -> int:
        """How many indexed elements a group matches, counted up to :data:`RELAXED_ROWS` + 1
        (the word list's frequencies miss stems: "informal" matches "information")."""
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM (SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?)",
                (group.expr(), RELAXED_ROWS + 1),
            ).fetchone()
        except sqlite3.OperationalError:  # FTS5 cannot parse it: the query itself finds nothing
            return RELAXED_ROWS + 1
        return int(row[0])

    def _close_words(self, word: str, cutoff: float = 0.75) -> list[str]:
        if self._words_by_len is None:
            by_len: dict[tuple[str, int], list[str]] = defaultdict(list)
            rows = self._conn.execute("SELECT word FROM words ORDER BY df DESC, word")
            for (w,) in rows:
                if len(w) >= 3 and not w.isdigit():
                    by_len[(w[0], len(w))].append(w)
            self._words_by_len = dict(by_len)
        pool: list[str] = []
        for n in range(len(word) - 2, len(word) + 3):
            # typos rarely hit the first letter; keeping it makes the pool ~20x smaller
            pool.extend(self._words_by_len.get((word[0], n), ()))
        return difflib.get_close_matches(word, pool, n=3, cutoff=cutoff)

    # --- running ------------------------------------------------------------------------

    def _text_rows(
        self,
        matches: tuple[str, str],
        framework: str | None,
        kind: str | None,
        id_rows: list[dict[str, Any]],
        wanted: int,
    ) -> tuple[list[dict[str, Any]], int, dict[str, dict[str, int]]]:
        """The best ``wanted`` elements matching ``matches`` (the query's FTS5 expression, and
        the same with the words as typed only: see :data:`grouping.PAIRS_SQL`), one per element
        across editions, how many there are after the filters and the facets of all matches."""
        match, literal = matches
        exclude = {r["id"] for r in id_rows}
        # a family filter ("apqc-pcf": every APQC edition) keeps or drops a text's copies
        # of one element together, so pairs still do
        family = framework if framework in self._families else None
        whole = not ((framework and not family) or kind or exclude)
        params = {
            "all": match,
            "name": match,
            "literal": literal,
            "alt": "{name alt} : (" + match + ")",
            "texts": self._texts,
        }
        try:
            rows = self._conn.execute(
                grouping.PAIRS_SQL if whole else grouping.ELEMENTS_SQL, params
            ).fetchall()
        except sqlite3.OperationalError as exc:  # a query FTS5 cannot parse: find nothing
            if "fts5" in str(exc) or "syntax" in str(exc):
                return [], 0, {}
            raise
        if whole:
            groups = grouping.of_pairs(rows, self._profiles, family)
        else:
            groups = grouping.of_elements(rows, framework, kind, exclude)
        facets = grouping.facets(groups.counts)
        page = heapq.nsmallest(wanted, groups.best.values())
        if not page:
            return [], len(groups.best), facets
        marks = ",".join("?" * len(page))
        cur = self._conn.execute(f"SELECT * FROM docs WHERE id IN ({marks})", [r[3] for r in page])
        docs = {r["id"]: r for r in _dicts(cur)}
        out = [
            {
                **docs[r[3]],
                "rank": r[1],
                "tier": r[0],
                "other_editions": groups.copies[(r[4], r[5])] - 1,
                "text": r[6],
            }
            for r in page
        ]
        return out, len(groups.best), facets

    def _highlights(self, match: str, ids: list[int]) -> dict[int, tuple[str, ...]]:
        """Highlighted columns of the texts ``ids`` (FTS rowids), by text."""
        if not ids:
            return {}
        o, c = tx.OPEN, tx.CLOSE
        sql = (
            "SELECT rowid, highlight(fts, 0, :o, :c), highlight(fts, 1, :o, :c), "
            "snippet(fts, 2, :o, :c, '…', :n), snippet(fts, 3, :o, :c, '…', :n) "
            f"FROM fts WHERE fts MATCH :m AND rowid IN ({','.join(str(int(i)) for i in ids)})"
        )
        cur = self._conn.execute(sql, {"o": o, "c": c, "n": SNIPPET_TOKENS, "m": match})
        return {row[0]: tuple(row[1:]) for row in cur}


def _identifier_keys(text: str) -> list[str]:
    raw = " ".join(text.split()).casefold().strip(" .,;:")
    if not raw or len(raw) > 120:
        return []
    keys = [raw]
    for lead in ("pcf id ", "pcf-id ", "pcf ", "id ", "#", "pcf#", "pcf:"):
        if raw.startswith(lead):
            keys.append(raw[len(lead) :].strip(" :#"))
    return [k for k in dict.fromkeys(keys) if k]


def _shown_words(text: str) -> list[str]:
    return tx.words(text)


def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur]
