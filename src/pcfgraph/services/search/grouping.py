"""From matched texts to hits: every element matching a query, one hit per element across
editions (its best-ranked copy, ties to the newest edition, and how many other editions
matched), the total after the filters and the facets of all matches.

Each distinct text is matched and ranked once (:mod:`.build`). Without filters, or with a
family filter, the texts' ``pairs`` are enough (one row per text and element across editions,
~1.01 per text with every shared workbook loaded) and the facets come from the texts'
``profiles``; with an edition or kind filter every copy is looked at (``keys``), since such a
filter may keep some copies of a text and not others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Column weights for bm25(): name, alternative labels, definition, measures.
WEIGHTS = (10.0, 5.0, 2.0, 1.0)

# The texts matching a query (``:all``; ``:name`` the same over names alone; ``:literal``
# names holding the words as typed, not through the vocabulary's synonyms; ``:alt`` it in
# names and alternative labels), each once (rowids up to ``:texts``), scored as each of its
# copies would be: names by BM25 over the name alone (FTS5 normalises by the whole row's
# length, which would favour elements without a definition), the rest by the column-weighted
# BM25 of the whole row; tier 1 the names with the words as typed, 2 the other name matches
# (through a synonym: a rarer synonym's BM25 outweighed the word typed), 3 name and
# alternative labels, 4 anywhere.
_MATCHED_TEXTS = (
    "WITH m AS (SELECT rowid AS t, bm25(fts, " + ", ".join(str(w) for w in WEIGHTS) + ") "
    "AS rank FROM fts WHERE fts MATCH :all AND rowid <= :texts), "
    "n AS (SELECT rowid AS t, bm25(fts_name) AS nrank FROM fts_name "
    "WHERE fts_name MATCH :name AND rowid <= :texts), "
    "l AS (SELECT rowid AS t FROM fts_name WHERE fts_name MATCH :literal AND rowid <= :texts), "
    "a AS (SELECT rowid AS t FROM fts WHERE fts MATCH :alt AND rowid <= :texts), "
    "mt AS MATERIALIZED (SELECT m.t, coalesce(n.nrank, m.rank) AS rank, "
    "CASE WHEN n.t IS NOT NULL AND m.t IN l THEN 1 WHEN n.t IS NOT NULL THEN 2 "
    "WHEN m.t IN a THEN 3 ELSE 4 END AS tier "
    "FROM m LEFT JOIN n ON n.t = m.t) "
)
#: Rows (:data:`Row`) of every matching element: framework and kind last.
ELEMENTS_SQL = (
    _MATCHED_TEXTS + "SELECT mt.tier, mt.rank, d.edition_rank, d.id, d.family, d.same, d.text, "
    "d.framework, d.kind FROM mt JOIN keys d ON d.text = mt.t"
)
#: Rows (:data:`Row`) of every matching text and element across editions: how many copies
#: have the text and its profile last.
PAIRS_SQL = (
    _MATCHED_TEXTS + "SELECT mt.tier, mt.rank, p.edition_rank, p.id, p.family, p.same, p.text, "
    "p.copies, p.profile FROM mt JOIN pairs p ON p.text = mt.t"
)
#: tier, rank, edition rank, element id (the order of hits: ids are unique, so what follows is
#: never compared), family, PCF ID or IRI (the element across editions), text, then two
#: columns of :data:`ELEMENTS_SQL` or :data:`PAIRS_SQL`.
Row = tuple[int, float, int, int, str, Any, int, Any, Any]
#: framework, family, kind -> how many matching copies.
Counts = dict[tuple[str, str, "str | None"], int]


@dataclass
class Groups:
    """The best row of each element across editions, how many copies matched, the facets'
    counts."""

    best: dict[tuple[str, Any], Row] = field(default_factory=dict)
    copies: dict[tuple[str, Any], int] = field(default_factory=lambda: defaultdict(int))
    counts: Counts = field(default_factory=lambda: defaultdict(int))

    def add(self, row: Row, copies: int) -> None:
        group = (row[4], row[5])
        self.copies[group] += copies
        if group not in self.best or row < self.best[group]:
            self.best[group] = row


def of_elements(
    rows: Iterable[Row], framework: str | None, kind: str | None, exclude: set[int]
) -> Groups:
    """Groups of :data:`ELEMENTS_SQL` rows, those passing the filters (``framework``: a
    framework or a family) and not in ``exclude``; the facets count them all."""
    groups = Groups()
    for row in rows:
        id_, family, fw, kind_ = row[3], row[4], row[7], row[8]
        groups.counts[(fw, family, kind_)] += 1
        if (
            (framework and fw != framework and family != framework)
            or (kind and kind_ != kind)
            or id_ in exclude
        ):
            continue
        groups.add(row, 1)
    return groups


def of_pairs(rows: Iterable[Row], profiles: dict[int, Counts], family: str | None) -> Groups:
    """Groups of :data:`PAIRS_SQL` rows, of one ``family`` or all (no other filters), the
    facets from the texts' profiles."""
    groups = Groups()
    texts: set[int] = set()
    for row in rows:
        if family is None or row[4] == family:
            groups.add(row, row[7])
        if row[6] not in texts:
            texts.add(row[6])
            for key, n in profiles[row[8]].items():
                groups.counts[key] += n
    return groups


def read_profiles(rows: Iterable[tuple[int, str, str, str | None, int]]) -> dict[int, Counts]:
    """The ``profiles`` table as profile -> counts."""
    out: dict[int, Counts] = defaultdict(dict)
    for profile, framework, family, kind, n in rows:
        out[profile][(framework, family, kind)] = n
    return dict(out)


def families(profiles: dict[int, Counts]) -> frozenset[str]:
    """The families a framework filter may name and mean the family alone: those no framework
    of another family is named after (a framework filter keeps a framework or a family)."""
    pairs = {(framework, family) for counts in profiles.values() for framework, family, _ in counts}
    names = {family for _, family in pairs}
    return frozenset(f for f in names if all(fam == f for fw, fam in pairs if fw == f))


def facets(counts: Counts) -> dict[str, dict[str, int]]:
    """Matches per framework, family and kind, most first (then by name)."""
    out: dict[str, dict[str, int]] = {"framework": {}, "family": {}, "kind": {}}
    for (framework, family, kind), n in counts.items():
        for dim, value in (("framework", framework), ("family", family), ("kind", kind)):
            out[dim][value or ""] = out[dim].get(value or "", 0) + n
    return {dim: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for dim, v in out.items()}
