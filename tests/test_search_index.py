"""The FTS5 search index: identifiers in every edition newest first, vocabulary expansion,
British/American spelling, typo correction, ranking tiers, filters, facets, HTML-safe
snippets, and the index shipped in a release and opened read-only."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from pcfgraph.errors import InputError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release, load_release, write_release
from pcfgraph.services import Element, Reader, SearchIndex
from pcfgraph.services.search.documents import Document, VocabularyTerm, identifiers_of
from pcfgraph.services.search.index import RELAXED_ROWS
from pcfgraph.services.search.release import SEARCH_INDEX_FILE, shipped_index

BASE = "https://w3id.org/pcfgraph/id/"


def doc(fid: str, code: str, name: str, definition: str = "", *, rank: int = 0, pcf_id: int | None = None,
        kind: str = "activity", alt=(), measures=(), description: str | None = None,
        ) -> Document:  # fmt: skip
    local = str(pcf_id) if pcf_id else code
    e = Element(f"{BASE}{fid}/{local}", fid, name, code, definition or None, kind, 1, pcf_id)
    family = "apqc-pcf" if fid.startswith("apqc-pcf-") else fid
    return Document(
        e, family, rank, tuple(alt), (), tuple(measures), description, identifiers_of(e)
    )


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    docs = [
        doc("apqc-pcf-x-7.2", "8.1.6", "Manage IT customer relationships", rank=1, pcf_id=20641),
        doc("apqc-pcf-x-7.4", "8.1.6", "Manage IT customer relationships", rank=0, pcf_id=20641),
        doc(
            "apqc-pcf-x-7.4",
            "8.1.5.3",
            "Maintain IT services catalog",
            "Prices & <b>contacts</b>.",
            pcf_id=20635,
        ),
        doc(
            "apqc-pcf-x-7.4",
            "8.1.5.4",
            "Define service level agreement",
            "Commitments.",
            pcf_id=20636,
            measures=["Percentage of services with an SLA"],
        ),
        doc("prm-it", "A25", "Demand Management", "Control demand for IT services", kind="process"),
        doc(
            "prm-it",
            "A2",
            "Supplier Relationships",
            "Perform in the marketplace.",
            kind="process",
            description="Operational level agreements (OLAs) are agreed in this category.",
        ),
        doc(
            "prm-it",
            "A27",
            "Customer Satisfaction Management",
            "Measure customer satisfaction",
            kind="process",
            alt=["CSM"],
        ),
        doc(
            "trim",
            "CM",
            "Customer Management",
            "Customer plans and planning with customers.",
            kind="function",
        ),
    ]
    vocabulary = [
        VocabularyTerm("t:sla", ("service level agreement",), ("SLA",)),
        VocabularyTerm("t:csat", ("customer satisfaction",), ("CSAT",)),
        VocabularyTerm("t:ola", ("operational level agreement",), ("OLA",)),
    ]
    return SearchIndex.from_documents(docs, vocabulary)


def keys(hits) -> list[tuple[str, str | None]]:
    return [(h.element.framework_id, h.element.code) for h in hits]


def test_identifiers_find_the_element_in_every_edition_newest_first(index: SearchIndex) -> None:
    for query in ("20641", "PCF 20641", "8.1.6", " 8.1.6 "):
        hits = index.search(query)
        assert keys(hits)[:2] == [("apqc-pcf-x-7.4", "8.1.6"), ("apqc-pcf-x-7.2", "8.1.6")]
        assert {h.field for h in hits[:2]} == {"code"}
    (a25, *_) = index.search("a25")
    assert (a25.element.code, a25.matched_on) == ("A25", "code A25")


def test_vocabulary_labels_find_each_other(index: SearchIndex) -> None:
    result = index.query("SLA")
    assert keys(result.hits)[0] == ("apqc-pcf-x-7.4", "8.1.5.4")
    assert result.hits[0].field == "name"
    assert "<mark>service level agreement</mark>" in result.hits[0].snippet
    assert result.expansions and "service level agreement" in result.expansions[0]
    assert keys(index.search("CSAT"))[0] == ("prm-it", "A27")


def test_british_spelling_stemming_and_alt_labels(index: SearchIndex) -> None:
    assert keys(index.search("catalogue"))[0] == ("apqc-pcf-x-7.4", "8.1.5.3")
    plans = index.search("plans")
    assert keys(plans) == [("trim", "CM")] and plans[0].field == "definition"
    assert "<mark>plans</mark>" in plans[0].snippet and "<mark>planning</mark>" in plans[0].snippet
    (csm,) = index.search("CSM")
    assert (csm.field, csm.matched_on) == ("altLabel", 'altLabel "CSM"')


def test_typos_are_corrected_and_said(index: SearchIndex) -> None:
    result = index.query("demnad managment")
    assert keys(result.hits)[0] == ("prm-it", "A25")
    assert result.corrected and result.did_you_mean == "demand management"
    nothing = index.query("zzzzqqq")
    assert nothing.hits == [] and nothing.total == 0 and not nothing.corrected


def test_name_matches_rank_above_definition_and_measure_matches(index: SearchIndex) -> None:
    hits = index.search("customer")
    fields = [h.field for h in hits]
    assert fields == sorted(fields, key=["name", "altLabel", "definition", "measure"].index)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    measure = index.search("percentage")
    assert [(h.element.code, h.field) for h in measure] == [("8.1.5.4", "measure")]


def test_filters_and_facets(index: SearchIndex) -> None:
    result = index.query("customer", framework="prm-it")
    assert {h.element.framework_id for h in result.hits} == {"prm-it"}
    assert result.total == len(result.hits)
    assert result.facets["family"]["apqc-pcf"] == 2  # both editions of 8.1.6
    assert result.facets["framework"]["prm-it"] == 1
    family = index.query("customer", framework="apqc-pcf")
    # one hit per element: the newest edition's, saying the other edition matched too
    (hit,) = [h for h in family.hits if h.element.code == "8.1.6"]
    assert (hit.element.framework_id, hit.other_editions) == ("apqc-pcf-x-7.4", 1)
    older = index.query("customer", framework="apqc-pcf-x-7.2")
    assert [(h.element.framework_id, h.other_editions) for h in older.hits] == [
        ("apqc-pcf-x-7.2", 0)
    ]
    assert {h.element.kind for h in index.query("customer", kind="function").hits} == {"function"}
    everything = index.query("customer")
    assert everything.total == sum(everything.facets["kind"].values()) - 1  # 8.1.6 once
    paged = index.query("customer", limit=1, offset=1)
    assert paged.hits[0].element.iri == everything.hits[1].element.iri


def test_snippets_are_html_safe_and_queries_cannot_break_fts(index: SearchIndex) -> None:
    (hit,) = index.search("contacts")
    assert hit.snippet == "Prices &amp; &lt;b&gt;<mark>contacts</mark>&lt;/b&gt;."
    for hostile in ('"', "NEAR(", "a OR", "*", "customer)", "{name}: x", "-", "^"):
        index.query(hostile)  # no exception: FTS5 syntax is never taken from the query
    with pytest.raises(InputError):
        index.query("x" * 201)


def test_prefix_search_for_suggestions(index: SearchIndex) -> None:
    assert keys(index.suggest("satisf"))[0] == ("prm-it", "A27")
    assert index.search("satisf") == []  # whole words only without prefix


def test_release_ships_the_index_and_serves_it_read_only(
    tmp_path: Path, shipped_release: Release
) -> None:
    release = shipped_release
    manifest = write_release(release.store, tmp_path / "rel", release.manifest["sources"])

    assert manifest["artefacts"][SEARCH_INDEX_FILE]["sha256"]
    loaded = load_release(tmp_path / "rel")
    shipped = shipped_index(loaded)
    assert shipped is not None and shipped.release_id == loaded.release_id
    built = SearchIndex.build(Reader(loaded.store, QueryCatalog()))
    for q in ("20641", "SLA", "catalogue", "custmer requirments"):
        assert keys(shipped.search(q)) == keys(built.search(q))
    with pytest.raises(Exception, match=r"readonly|read-only"):
        shipped._conn.execute("DELETE FROM docs")
    # an index of another layout (written by another version) is not used
    shipped.close()
    old = tmp_path / "rel" / SEARCH_INDEX_FILE
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    listed = {SEARCH_INDEX_FILE: {"sha256": hashlib.sha256(old.read_bytes()).hexdigest()}}
    (tmp_path / "rel" / "manifest.json").write_text(
        json.dumps({**loaded.manifest, "artefacts": listed})
    )
    assert shipped_index(load_release(tmp_path / "rel")) is None
    # a tampered index is not used
    (tmp_path / "rel" / "manifest.json").write_text(
        json.dumps({**loaded.manifest, "artefacts": {SEARCH_INDEX_FILE: {"sha256": "0" * 64}}})
    )
    assert shipped_index(load_release(tmp_path / "rel")) is None


def test_longer_descriptions_are_searched_and_said(index: SearchIndex) -> None:
    (ola,) = index.search("OLA")  # only the description says it
    assert (ola.element.code, ola.field) == ("A2", "definition")
    assert ola.matched_on.startswith("description") and "<mark>OLAs</mark>" in ola.snippet
    (defined,) = index.search("marketplace")
    assert defined.matched_on == "definition"


def test_relaxed_queries_keep_to_their_selective_words() -> None:
    """All words together find too little, so any word may match: the elements holding the
    rarer words, not every element holding a word that is everywhere (ranked by all words)."""
    common = [
        doc("prm-it", f"B{n}", f"Business activity {n}", "Business as usual.")
        for n in range(RELAXED_ROWS + 50)
    ]
    rare = [
        doc("trim", "CM", "Customer", "Contacts between the IT organization and the business."),
        doc("trim", "CO", "Contacts office", "Keeps the register."),
    ]
    relaxed = SearchIndex.from_documents(common + rare).query("contacts business", limit=5)
    assert relaxed.relaxed and relaxed.total == 2
    assert [h.element.code for h in relaxed.hits] == ["CM", "CO"]
    everywhere = SearchIndex.from_documents(common + rare).query("business usual", limit=5)
    assert not everywhere.relaxed and everywhere.total == RELAXED_ROWS + 50


def test_the_word_searched_for_ranks_above_its_synonyms() -> None:
    """Searching "customer" over every APQC edition put "Present recommendations to senior
    client executives" first, above "Invoice customer": the synonym "client" is rarer, so its
    BM25 was higher, and the name tier did not tell the word typed from its synonyms. Names
    holding the words as typed come first, then names matching through the vocabulary (both
    ways round), then alternative labels, then definitions; scores keep that order."""
    common = [
        doc("apqc-pcf-x-7.4", f"3.{n}", f"Serve customer segment {n}", pcf_id=100 + n)
        for n in range(30)
    ]
    docs = [
        *common,
        doc("apqc-pcf-x-7.4", "9.2.2", "Invoice customer", pcf_id=10),
        doc(
            "apqc-pcf-x-7.4", "1.2.5.10", "Present recommendations to client executives", pcf_id=11
        ),
        doc("prm-it", "A9", "Account planning", alt=["customer account"], kind="process"),
        doc("trim", "T1", "Billing", "Bills the customer monthly.", kind="function"),
    ]
    vocabulary = [VocabularyTerm("t:customer", ("customer",), ("client",))]
    index = SearchIndex.from_documents(docs, vocabulary)
    hits = index.search("customer", limit=100)
    codes = [h.element.code for h in hits]
    literal = {f"3.{n}" for n in range(30)} | {"9.2.2"}
    assert set(codes[: len(literal)]) == literal
    assert codes[len(literal) :] == ["1.2.5.10", "A9", "T1"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert [h.field for h in hits[-3:]] == ["name", "altLabel", "definition"]
    # what matched is said as it is: the typed word, or the synonym ("customer = client")
    assert {h.matched_on for h in hits[: len(literal)]} == {"name"}
    assert hits[len(literal)].matched_on == "name (customer = client)"
    client = [h.element.code for h in index.search("client", limit=100)]
    assert client[0] == "1.2.5.10" and set(client[1:32]) == literal


def test_an_index_written_where_there_is_no_room_is_a_full_disk(
    index: SearchIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's "database or disk is full" (a cache or TMPDIR on a small tmpfs) was no
    OSError: the release cache did not fall back to memory and every command said "internal
    error ... This is a bug", exit 3. Here the file may hold one page (max_page_count)."""
    import errno

    from pcfgraph.services.search import index as index_mod

    real_connect = sqlite3.connect

    def small_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.execute("PRAGMA max_page_count = 1")
        return conn

    monkeypatch.setattr(index_mod.sqlite3, "connect", small_disk)
    target = tmp_path / "search.sqlite"
    with pytest.raises(OSError) as full:
        index.write(target)
    assert full.value.errno == errno.ENOSPC and full.value.filename == str(target)
