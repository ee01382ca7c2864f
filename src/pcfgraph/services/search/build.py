"""Writing the search index: the SQLite schema and one pass over the documents (FTS5 rows,
identifiers, the word list for typo correction, the search vocabulary). Kept apart from
querying (:mod:`.index`) because it runs once per release, at build time.

Many elements share one text: every loaded edition repeats most of the PCF word for word
(27,958 elements, 5,357 distinct texts with every shared workbook). Each distinct text gets
one FTS5 row numbered ``1..texts``; the other copies follow it (``texts+1..``) only so that
FTS5's statistics (row count, average length, how many rows hold a word) and so its BM25 scores
stay those of one row per element. A query matches ``rowid <= texts`` (each text once, ranked
exactly as its copies would be) and ``keys`` expands the texts to their elements. A search
without filters (or with a family filter) needs less: ``pairs`` holds one row per text and
element across editions (its newest copy with that text and how many copies have it),
``profiles`` the frameworks, families and kinds of each text's copies (for the facets; texts
repeated by the same editions share one profile): 5,407 pairs and 354 profiles for those
27,958 elements."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pcfgraph.services.search import text as tx
from pcfgraph.services.search.documents import Document, VocabularyTerm

#: Bumped when the file layout changes; an index of another version is rebuilt, not read.
SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL, framework TEXT NOT NULL, family TEXT NOT NULL,
  kind TEXT, code TEXT, pcf_id INTEGER, name TEXT NOT NULL, definition TEXT, level INTEGER,
  parent TEXT, top INTEGER NOT NULL, edition_rank INTEGER NOT NULL,
  alt_labels TEXT NOT NULL, hidden_labels TEXT NOT NULL, measures TEXT NOT NULL
);
CREATE INDEX docs_framework ON docs(framework);
-- what ranking, grouping, filters and facets read of an element, clustered by its text
-- (``same`` is its PCF ID, else its IRI: one hit per element across editions)
CREATE TABLE keys (
  text INTEGER NOT NULL, id INTEGER NOT NULL, family TEXT NOT NULL, framework TEXT NOT NULL,
  kind TEXT, edition_rank INTEGER NOT NULL, same NOT NULL, PRIMARY KEY (text, id)
) WITHOUT ROWID;
-- per text and element across editions: the best copy with that text (newest edition, then
-- tree order), how many copies have the text, and the text's profile
CREATE TABLE pairs (
  text INTEGER NOT NULL, id INTEGER NOT NULL, family TEXT NOT NULL, same NOT NULL,
  edition_rank INTEGER NOT NULL, copies INTEGER NOT NULL, profile INTEGER NOT NULL,
  PRIMARY KEY (text, id)
) WITHOUT ROWID;
-- the copies of the texts of a profile: how many per framework (with its family) and kind
CREATE TABLE profiles (
  profile INTEGER NOT NULL, framework TEXT NOT NULL, family TEXT NOT NULL, kind TEXT,
  copies INTEGER NOT NULL
);
CREATE TABLE ids (key TEXT NOT NULL, doc INTEGER NOT NULL, what TEXT NOT NULL);
CREATE INDEX ids_key ON ids(key);
CREATE TABLE words (word TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE vocabulary (term TEXT NOT NULL, label TEXT NOT NULL, kind TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
  name, alt, definition, measures,
  tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE VIRTUAL TABLE fts_name USING fts5(
  name, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
);
"""


def build_connection(
    docs: Sequence[Document],
    vocabulary: Iterable[VocabularyTerm] = (),
    release_id: str | None = None,
) -> sqlite3.Connection:
    """An in-memory SQLite database holding the index of ``docs``."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(SCHEMA)
    df: dict[str, int] = defaultdict(int)
    # each distinct text once (1..len(texts), in first-seen order), then the other copies
    texts: dict[tuple[str, str, str, str], int] = {}
    copies: list[tuple[str, str, str, str]] = []
    keys: list[Key] = []
    with conn:
        for i, d in enumerate(docs, start=1):
            e = d.element
            alt = " ; ".join(tx.clean(x) for x in d.alt_labels + d.hidden_labels)
            measures = " ; ".join(tx.clean(m) for m in d.measures)
            # the definition column also holds a longer description: PRM-IT's "operational
            # level agreements (OLAs)" is only said there
            described = "\n".join(tx.clean(x) for x in (e.definition, d.description) if x)
            row = (tx.clean(e.name), alt, described, measures)
            text = texts.get(row)
            if text is None:
                text = texts[row] = len(texts) + 1
            else:
                copies.append(row)
            conn.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    i, e.iri, e.framework_id, d.family, e.kind, e.code, e.pcf_id,
                    tx.clean(e.name), tx.clean(e.definition) if e.definition else None,
                    e.level, e.parent_iri, int(e.top), d.edition_rank,
                    json.dumps(d.alt_labels), json.dumps(d.hidden_labels),
                    json.dumps(d.measures),
                ),
            )  # fmt: skip
            same = e.pcf_id if e.pcf_id is not None else e.iri
            keys.append((text, i, d.family, e.framework_id, e.kind, d.edition_rank, same))
            conn.executemany(
                "INSERT INTO ids VALUES (?,?,?)", [(k, i, w) for k, w in d.identifiers.items()]
            )
            seen = set(tx.words(" ".join([e.name, described, alt, measures])))
            for w in seen:
                df[w] += 1
        conn.executemany("INSERT INTO keys VALUES (?,?,?,?,?,?,?)", keys)
        pairs, profiles = pairs_and_profiles(keys)
        conn.executemany("INSERT INTO pairs VALUES (?,?,?,?,?,?,?)", pairs)
        conn.executemany("INSERT INTO profiles VALUES (?,?,?,?,?)", profiles)
        rows = [*texts, *copies]
        conn.executemany(
            "INSERT INTO fts(rowid, name, alt, definition, measures) VALUES (?,?,?,?,?)",
            ((n, *row) for n, row in enumerate(rows, start=1)),
        )
        conn.executemany(
            "INSERT INTO fts_name(rowid, name) VALUES (?,?)",
            ((n, row[0]) for n, row in enumerate(rows, start=1)),
        )
        conn.executemany("INSERT INTO words VALUES (?,?)", sorted(df.items()))
        for term in vocabulary:
            for kind, labels in (
                ("pref", term.pref_labels),
                ("alt", term.alt_labels),
                ("hidden", term.hidden_labels),
            ):
                conn.executemany(
                    "INSERT INTO vocabulary VALUES (?,?,?)",
                    [(term.iri, x, kind) for x in labels],
                )
        conn.executemany(
            "INSERT INTO meta VALUES (?,?)",
            [
                ("schema_version", str(SCHEMA_VERSION)),
                ("release_id", release_id or ""),
                ("documents", str(len(docs))),
                ("texts", str(len(texts))),
            ],
        )
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.execute("INSERT INTO fts_name(fts_name) VALUES ('optimize')")
    return conn


#: A row of ``keys``: text, element id, family, framework, kind, edition rank, PCF ID or IRI.
Key = tuple[int, int, str, str, "str | None", int, Any]


def pairs_and_profiles(
    keys: Sequence[Key],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows of ``pairs`` and ``profiles`` (see the module docstring) from those of ``keys``."""
    seen: dict[int, dict[tuple[str, str, str | None], int]] = defaultdict(dict)
    best: dict[tuple[int, str, Any], tuple[int, int]] = {}
    copies: dict[tuple[int, str, Any], int] = defaultdict(int)
    for text, id_, family, framework, kind, edition_rank, same in keys:
        where = seen[text]
        where[(framework, family, kind)] = where.get((framework, family, kind), 0) + 1
        pair = (text, family, same)
        copies[pair] += 1
        best[pair] = min(best.get(pair, (edition_rank, id_)), (edition_rank, id_))
    numbers: dict[tuple[Any, ...], int] = {}
    profile_of: dict[int, int] = {}
    for text, where in seen.items():
        profile = tuple(sorted(where.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")))
        profile_of[text] = numbers.setdefault(profile, len(numbers) + 1)
    pairs = [
        (text, id_, family, same, edition_rank, copies[(text, family, same)], profile_of[text])
        for (text, family, same), (edition_rank, id_) in best.items()
    ]
    profiles = [
        (number, framework, family, kind, n)
        for profile, number in numbers.items()
        for (framework, family, kind), n in profile
    ]
    return pairs, profiles
