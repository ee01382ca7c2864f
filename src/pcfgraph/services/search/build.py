"""Writing the search index: the SQLite schema and one pass over the documents (FTS5 rows,
identifiers, the word list for typo correction, the search vocabulary). Kept apart from
querying (:mod:`.index`) because it runs once per release, at build time."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pcfgraph.services.search import text as tx
from pcfgraph.services.search.documents import Document, VocabularyTerm

#: Bumped when the file layout changes; an index of another version is rebuilt, not read.
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL, framework TEXT NOT NULL, family TEXT NOT NULL,
  kind TEXT, code TEXT, pcf_id INTEGER, name TEXT NOT NULL, definition TEXT, level INTEGER,
  parent TEXT, top INTEGER NOT NULL, edition_rank INTEGER NOT NULL,
  alt_labels TEXT NOT NULL, hidden_labels TEXT NOT NULL, measures TEXT NOT NULL
);
CREATE INDEX docs_framework ON docs(framework);
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
    with conn:
        for i, d in enumerate(docs, start=1):
            e = d.element
            alt = " ; ".join(tx.clean(x) for x in d.alt_labels + d.hidden_labels)
            measures = " ; ".join(tx.clean(m) for m in d.measures)
            # the definition column also holds a longer description: PRM-IT's "operational
            # level agreements (OLAs)" is only said there
            described = "\n".join(tx.clean(x) for x in (e.definition, d.description) if x)
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
            conn.execute(
                "INSERT INTO fts(rowid, name, alt, definition, measures) VALUES (?,?,?,?,?)",
                (i, tx.clean(e.name), alt, described, measures),
            )
            conn.execute("INSERT INTO fts_name(rowid, name) VALUES (?,?)", (i, tx.clean(e.name)))
            conn.executemany(
                "INSERT INTO ids VALUES (?,?,?)", [(k, i, w) for k, w in d.identifiers.items()]
            )
            seen = set(tx.words(" ".join([e.name, described, alt, measures])))
            for w in seen:
                df[w] += 1
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
            ],
        )
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.execute("INSERT INTO fts_name(fts_name) VALUES ('optimize')")
    return conn
