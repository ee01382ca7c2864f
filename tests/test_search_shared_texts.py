"""The search index keeps each distinct text once (every loaded edition repeats most of the PCF
word for word) and still answers exactly as one full-text row per element did: the same hits
in the same order with the same scores, the same totals, facets, pages and filters.

The reference here is that earlier search, written out: every element its own FTS5 row with
its own BM25, one hit per element across editions picked by a window over every copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pcfgraph.services import Element, SearchIndex
from pcfgraph.services.search.documents import Document, identifiers_of
from pcfgraph.services.search.hits import TIER_SCORE

BASE = "https://w3id.org/pcfgraph/id/"
X74, X72, BANK = "apqc-pcf-x-7.4", "apqc-pcf-x-7.2", "apqc-pcf-bank-7.2"


def doc(fid: str, rank: int, code: str, name: str, definition: str, *, pcf_id: int | None = None,
        kind: str = "activity", measures: tuple[str, ...] = (), alt: tuple[str, ...] = (),
        description: str | None = None) -> Document:  # fmt: skip
    local = str(pcf_id) if pcf_id else code
    e = Element(f"{BASE}{fid}/{local}", fid, name, code, definition or None, kind, 1, pcf_id)
    family = "apqc-pcf" if fid.startswith("apqc-pcf-") else fid
    return Document(e, family, rank, alt, (), measures, description, identifiers_of(e))


# (PCF ID, code, name, definition, measures) of the newest edition
PCF = [
    (101, "1.1", "Manage supplier relationships", "Work with suppliers on plans.", ("Supplier count",)),
    (102, "1.2", "Plan customer service", "Planning of customer service levels.", ()),
    (103, "1.3", "Manage customer risk", "Assess risk of customers and suppliers.", ("Risk cost",)),
    (104, "1.4", "Develop plans", "Plans for the supplier base and customer needs.", ()),
    (105, "1.5", "Manage risk", "Risk, risk and more risk.", ("Risk events per customer",)),
    (106, "1.6", "Review supplier contracts", "Contracts with suppliers, plans for renewal.", ()),
    (107, "1.7", "Manage risk", "Risk, risk and more risk.", ()),  # a second element, same text
]  # fmt: skip


def editions() -> list[Document]:
    docs = []
    for fid, rank in ((X74, 0), (X72, 1), (BANK, 2)):
        for pcf_id, code, name, definition, measures in PCF:
            kind = "process" if fid == BANK and pcf_id % 2 else "activity"
            if fid == X72 and pcf_id == 102:
                name = "Plan customer services"  # renamed since
            if fid == BANK and pcf_id == 103:
                definition = "Assess the risk that customers and suppliers carry."  # redefined
            if fid == BANK and pcf_id == 104:
                code = "1.9"  # moved
            docs.append(doc(fid, rank, code, name, definition, pcf_id=pcf_id, kind=kind,
                            measures=measures))  # fmt: skip
        if fid == BANK:
            docs.append(doc(fid, rank, "1.8", "Manage branch risk", "Risk in branches.",
                            pcf_id=201, kind="process"))  # fmt: skip
    docs += [
        doc("prm-it", 0, "A2", "Supplier Relationships", "Suppliers and customers.", kind="process",
            description="Plans and risk for each supplier."),
        doc("prm-it", 0, "A3", "Customer Satisfaction", "Risk of unhappy customers.", kind="process",
            alt=("CSAT",)),
        doc("prm-it", 0, "A4", "Customer Satisfaction", "Risk of unhappy customers.", kind="process",
            alt=("CSAT",)),  # same text as A3, another element
        doc("trim", 0, "CM", "Customer Management", "Customer plans and planning.", kind="function"),
    ]  # fmt: skip
    return docs


def reference(docs: list[Document], words: list[str], *, framework: str | None = None,
              kind: str | None = None, limit: int = 20, offset: int = 0,
              ) -> tuple[list[tuple[str, float, int]], int, dict[str, dict[str, int]]]:  # fmt: skip
    """(IRI, score, other editions) of the page, the total and the facets, as one FTS5 row per
    element ranked them: every word (``words``: their full-text expressions), and with fewer
    than three such elements, after them those with any of the words."""
    conn = sqlite3.connect(":memory:")
    tokenize = "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'"
    conn.executescript(
        f"CREATE VIRTUAL TABLE fts USING fts5(name, alt, definition, measures, {tokenize});"
        f"CREATE VIRTUAL TABLE fts_name USING fts5(name, {tokenize});"
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, iri, framework, family, kind, edition_rank,"
        " same);"
    )
    for i, d in enumerate(docs, start=1):
        e = d.element
        alt = " ; ".join(d.alt_labels + d.hidden_labels)
        described = "\n".join(x for x in (e.definition, d.description) if x)
        conn.execute("INSERT INTO fts(rowid, name, alt, definition, measures) VALUES (?,?,?,?,?)",
                     (i, e.name, alt, described, " ; ".join(d.measures)))  # fmt: skip
        conn.execute("INSERT INTO fts_name(rowid, name) VALUES (?,?)", (i, e.name))
        conn.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?)",
                     (i, e.iri, e.framework_id, d.family, e.kind, d.edition_rank,
                      e.pcf_id if e.pcf_id is not None else e.iri))  # fmt: skip
    filters, params = "", []
    if framework:
        filters += " AND (d.framework = ? OR d.family = ?)"
        params += [framework, framework]
    if kind:
        filters += " AND d.kind = ?"
        params.append(kind)

    def ranked(match: str) -> list[tuple[str, int, float, int]]:
        return conn.execute(
            "WITH m AS (SELECT rowid AS id, bm25(fts, 10.0, 5.0, 2.0, 1.0) AS rank FROM fts "
            "WHERE fts MATCH ?), n AS (SELECT rowid AS id, bm25(fts_name) AS nrank FROM fts_name "
            "WHERE fts_name MATCH ?), a AS (SELECT rowid AS id FROM fts WHERE fts MATCH ?), "
            "r AS (SELECT d.*, coalesce(n.nrank, m.rank) AS rank, CASE WHEN n.id IS NOT NULL "
            "THEN 1 WHEN m.id IN a THEN 3 ELSE 4 END AS tier FROM m JOIN docs d ON d.id = m.id "
            f"LEFT JOIN n ON n.id = m.id WHERE 1=1 {filters}), "
            "g AS (SELECT r.*, row_number() OVER (PARTITION BY family, same ORDER BY tier, rank, "
            "edition_rank, id) AS pos, count(*) OVER (PARTITION BY family, same) - 1 AS others "
            "FROM r) SELECT iri, tier, rank, others FROM g WHERE pos = 1 "
            "ORDER BY tier, rank, edition_rank, id",
            [match, match, "{name alt} : (" + match + ")", *params],
        ).fetchall()

    match = " AND ".join(words)
    rows = ranked(match)[: offset + limit]
    total = len(ranked(match))
    if total < 3 and len(words) > 1:
        match = " OR ".join(words)
        strict = {r[0] for r in rows}
        rows += [r for r in ranked(match)[: offset + limit] if r[0] not in strict]
        total = len(ranked(match))
    page = [
        (iri, round(TIER_SCORE[tier] + min(99.9, max(0.0, -rank)), 3), others)
        for iri, tier, rank, others in rows[offset : offset + limit]
    ]
    facets: dict[str, dict[str, int]] = {}
    for dim in ("framework", "family", "kind"):
        counts = conn.execute(
            f"SELECT coalesce(d.{dim}, ''), count(*) FROM fts JOIN docs d ON d.id = fts.rowid "
            f"WHERE fts MATCH ? GROUP BY 1",
            [match],
        ).fetchall()
        facets[dim] = dict(sorted(counts, key=lambda kv: (-kv[1], kv[0])))
    return page, total, facets


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return editions()


@pytest.fixture(scope="module")
def index(docs: list[Document]) -> SearchIndex:
    return SearchIndex.from_documents(docs)


def answer(index: SearchIndex, text: str, **options: Any) -> tuple[list[Any], int, Any]:
    result = index.query(text, **options)
    hits = [(h.element.iri, h.score, h.other_editions) for h in result.hits]
    return hits, result.total, result.facets


# query -> its full-text expression (plain words: no vocabulary, no other spellings, so every
# name match is of the words as typed: the reference's tiers are 1 name, 3 alt, 4 anywhere)
QUERIES = {
    "risk": ['("risk")'],
    "customer": ['("customer")'],
    "supplier": ['("supplier")'],
    "plans": ['("plans")'],
    "manage risk": ['("manage")', '("risk")'],
    "customer risk": ['("customer")', '("risk")'],
}
OPTIONS: list[dict[str, Any]] = [
    {},
    {"limit": 3},
    {"limit": 3, "offset": 2},
    {"limit": 4, "offset": 30},
    {"limit": 0},
    {"framework": "apqc-pcf"},
    {"framework": X72},
    {"framework": "prm-it", "limit": 1, "offset": 1},
    {"kind": "process"},
    {"framework": BANK, "kind": "activity"},
]


@pytest.mark.parametrize("text", QUERIES)
def test_answers_are_those_of_one_row_per_element(
    docs: list[Document], index: SearchIndex, text: str
) -> None:
    assert reference(docs, QUERIES[text])[1] > 3  # finds elements in several editions
    for options in OPTIONS:
        expected = reference(docs, QUERIES[text], **options)
        assert answer(index, text, **options) == expected, options


def test_unfinished_words_are_answered_alike(docs: list[Document], index: SearchIndex) -> None:
    expected = reference(docs, ['("supp"* OR "supp")'], limit=8)
    assert answer(index, "supp", limit=8, prefix=True) == expected
    assert expected[0]


def test_identical_texts_still_rank_per_element(docs: list[Document], index: SearchIndex) -> None:
    """Two elements with one text (1.6 and 1.7 "Manage risk", PRM-IT A3 and A4) tie on
    relevance and come in edition then tree order; their copies in older editions count as
    other editions of each."""
    hits = index.query("manage risk", framework="apqc-pcf").hits
    firsts = [(h.element.code, h.element.framework_id, h.other_editions) for h in hits[:2]]
    assert firsts == [("1.5", X74, 2), ("1.7", X74, 2)]
    assert [h.element.code for h in index.query("satisfaction").hits] == ["A3", "A4"]


def test_each_distinct_text_is_indexed_once(
    docs: list[Document], index: SearchIndex, tmp_path: Path
) -> None:
    index.write(tmp_path / "search.sqlite")
    conn = sqlite3.connect(tmp_path / "search.sqlite")
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    distinct = {
        (d.element.name, d.element.definition, d.description, d.measures, d.alt_labels)
        for d in docs
    }
    assert int(meta["texts"]) == len(distinct) < len(docs)
    # every element still has its row, so BM25's statistics are those of every element
    assert conn.execute("SELECT count(*) FROM fts").fetchone()[0] == len(docs)
    assert conn.execute("SELECT count(*) FROM keys").fetchone()[0] == len(docs)
