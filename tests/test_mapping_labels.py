"""Curated mapping rows say what the sources say: every row names its two elements by the names
the frameworks give them, and its justification attributes words only to the text that has them.

A row's ``subject_label`` and ``object_label`` are what SSSOM consumers (and the CSV, JSON and
Turtle exports) show for the pair, so each must be the element's ``skos:prefLabel`` exactly
(whitespace normalised): a label that differs from the framework's own name misquotes the
source (the TRIM set once called ``trim:team/customer-team`` "Customer Team", which the TRIM
page and the graph call "Customer team")."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from apqc_support import EXTRACT_81
from rdflib import Graph, Literal, URIRef

from pcfgraph import iris
from pcfgraph.iris import SKOS
from pcfgraph.mappings import read_mapping_set
from pcfgraph.resources import resource_dir

DATA = resource_dir("data")
SETS = sorted((DATA / "mappings").glob("*.sssom.tsv"))
TURTLE = (
    "prm-it/prm-it.ttl",
    "it-cmf/it-cmf-relationship-management.ttl",
    "trim/trim-customer-management.ttl",
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def _names() -> dict[URIRef, frozenset[str]]:
    """prefLabels of the shipped PRM-IT, IT-CMF and TRIM elements and of PCF 8.1 (the 8.1
    extract of the shipped workbook, which tests/test_importer_apqc.py checks against it)."""
    from pcfgraph.importers.apqc import import_workbook

    g = Graph()
    g += _turtle()
    apqc = import_workbook(EXTRACT_81, edition="Cross-Industry", version="7.4", progress=False)
    g += apqc.graph
    out: dict[URIRef, set[str]] = {}
    for s, o in g.subject_objects(SKOS.prefLabel):
        if isinstance(s, URIRef):
            out.setdefault(s, set()).add(_norm(str(o)))
    return {k: frozenset(v) for k, v in out.items()}


def test_the_names_cover_every_framework() -> None:
    names = _names()
    assert names[URIRef(iris.apqc_element("Cross-Industry", "7.4", 20620))] == {
        "Determine IT performance indicators"
    }
    assert names[URIRef(iris.prm_it("A24"))] == {"Service Level Management"}
    assert names[URIRef(iris.trim("team", "Customer team"))] == {"Customer team"}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_row_labels_are_the_elements_own_names(path: Path) -> None:
    names = _names()
    wrong = []
    for r in read_mapping_set(path).rows:
        for side, iri, label in (
            ("subject", r.subject, r.subject_label),
            ("object", r.object, r.object_label),
        ):
            if side == "object" and r.no_term_found:
                continue
            assert iri in names, f"line {r.line}: {side} {iri} is no shipped element"
            if label is None or _norm(label) not in names[iri]:
                wrong.append((r.line, side, label, sorted(names[iri])))
    assert not wrong, wrong


def _comments(stem: str) -> list[tuple[str, str, str]]:
    ms = read_mapping_set(DATA / "mappings" / f"{stem}.sssom.tsv")
    return [(str(r.subject), str(r.object), r.comment or "") for r in ms.rows]


@functools.cache
def _turtle() -> Graph:
    g = Graph()
    for rel in TURTLE:
        g.parse(DATA / rel, format="turtle", publicID=iris.ID_BASE)
    return g


def _text_of(iri: URIRef) -> str:
    """Every literal the shipped Turtle states about ``iri`` (its names and texts)."""
    return " ".join(_norm(str(o)) for o in _turtle().objects(iri) if isinstance(o, Literal))


def test_the_a2_passage_is_never_cited_as_naming_a_process() -> None:
    """The PRM-IT A2 text says what happens 'in this process category' and names none of
    A21-A27; a justification that makes it say so ("A2 says A24 plans ... SLAs", "... 'recorded'
    in A27") misattributes the source. Saying which process pcfgraph reads it as is fine."""
    assert not re.search(r"\bA2[1-7]\b", _text_of(URIRef(iris.prm_it("A2"))))
    claims = re.compile(r"\bA2 (?:says|states) (?:that )?A2[1-7]\b|\bA2 says [^;]*' in A2[1-7]\b")
    wrong = [
        (s, o, m.group(0))
        for stem in ("pcf-8.1-to-prm-it-a2", "pcf-8.1-and-prm-it-to-trim-cm")
        for s, o, c in _comments(stem)
        for m in claims.finditer(c)
    ]
    assert not wrong, wrong


def test_a_practice_is_quoted_with_its_own_words() -> None:
    """ "practice 3.3 links '...'" must quote practice 3.3's own text (an outcome's or metric's
    words are cited as "practice 3.3's outcome ...")."""
    said = re.compile(r"\bpractice (\d\.\d) (?:\w+ ){0,2}'([^']+)'")
    wrong = []
    for _, _, c in _comments("pcf-8.1-to-it-cmf-rm"):
        for m in said.finditer(c):
            own = _text_of(URIRef(iris.itcmf(f"SRP/A2/practice/{m.group(1)}")))
            if _norm(m.group(2)).lower() not in own.lower():
                wrong.append(m.group(0))
    assert not wrong, wrong


def test_paraphrases_found_wrong_in_review_stay_fixed() -> None:
    """A justification paraphrased 8.1.6.1 as preserving 'the image and goodwill of IT'; its
    definition says 'of the organization'."""
    definition = _norm(
        str(
            _names_graph_apqc().value(
                URIRef(iris.apqc_element("Cross-Industry", "7.4", 20642)), SKOS.definition
            )
        )
    )
    assert "preserve the image and goodwill of the organization" in definition
    for stem in ("pcf-8.1-to-prm-it-a2", "pcf-8.1-to-it-cmf-rm", "pcf-8.1-and-prm-it-to-trim-cm"):
        for s, o, c in _comments(stem):
            assert "goodwill of IT" not in c, (s, o)


@functools.cache
def _names_graph_apqc() -> Graph:
    from pcfgraph.importers.apqc import import_workbook

    return import_workbook(
        EXTRACT_81, edition="Cross-Industry", version="7.4", progress=False
    ).graph


def test_mapping_sets_on_pcf_elements_carry_apqc_notice_as_the_framework_graphs_do() -> None:
    """The brief: APQC's notice on everything derived from the PCF. A curated set whose rows
    name PCF elements (their labels and identifiers) said it only in words, in its
    ``rdfs:comment``; the framework graphs state ``dcterms:rights <apqc-pcf/notice>``, which a
    client can query. Now every such set does, and the derived set, which states the same
    identifiers, inherits it with the curated sets' licences."""
    from pcfgraph.iris import DCTERMS
    from pcfgraph.mappings import mapping_set_graph
    from pcfgraph.mappings.derive import derive_mappings

    notice = iris.apqc_notice()
    graphs = []
    for path in SETS:
        ms = read_mapping_set(path)
        g = mapping_set_graph(ms)
        family = str(iris.apqc_family())  # every edition's IRI starts with it
        on_pcf = any(str(fw).startswith(family) for fw in (*ms.subject_sources, *ms.object_sources))
        assert on_pcf, path.name  # every shipped set maps PCF 8.1
        assert (iris.mapping_set(ms.stem), DCTERMS.rights, notice) in g, path.name
        graphs.append(g)
    derived = derive_mappings(graphs)
    assert (iris.mapping_set("derived"), DCTERMS.rights, notice) in derived


_TRACKER = re.compile(r"\bissue[- ]?#?\d+\b", re.IGNORECASE)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_rows_name_no_number_of_pcfgraphs_own_issue_tracker(path: Path) -> None:
    """Justifications began "Issue-19 pass:" and every reviewer read "pcfgraph engineering review
    (issue 19)": SSSOM consumers and the exports showed a number of pcfgraph's own tracker,
    which tells them nothing. A review is named by its date ("Review of 2026-12-04:")."""
    ms = read_mapping_set(path)
    said = [
        (row.line, slot, m.group(0))
        for row in ms.rows
        for slot, values in (
            ("comment", (row.comment or "",)),
            ("author_label", row.author_labels),
            *row.extra,
        )
        for value in values
        for m in _TRACKER.finditer(value)
    ]
    assert not said, said


def test_every_shipped_set_version_is_in_the_changelog() -> None:
    """A set's file changes only with a new ``mapping_set_version`` listed, with what changed,
    in docs/mappings.md: consumers compare versions, not bytes."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "mappings.md").read_text("utf-8")
    listed = set(re.findall(r"^\| (\d+\.\d+\.\d+) \|", doc, re.MULTILINE))
    versions = {p.stem: read_mapping_set(p).version for p in SETS}
    assert versions and all(v in listed for v in versions.values()), (versions, listed)
    assert not _TRACKER.search(doc), _TRACKER.search(doc)


_PASSAGE = re.compile("([A-Za-z0-9.-]+) \u201c([^\u201d]+)\u201d")


@functools.cache
def _texts_by_code() -> dict[str, frozenset[str]]:
    """Each shipped element's definition and name by its code (``8.1.1.2``, ``SRP-A2-P4.1``)."""
    g = Graph()
    g += _turtle()
    g += _names_graph_apqc()
    out: dict[str, set[str]] = {}
    for s, code in g.subject_objects(SKOS.notation):
        for p in (SKOS.definition, SKOS.prefLabel):
            out.setdefault(str(code), set()).update(_norm(str(o)) for o in g.objects(s, p))
    return {k: frozenset(v) for k, v in out.items()}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_a_passage_quoted_from_its_start_ends_where_a_sentence_does(path: Path) -> None:
    """Six passages had been cut at 200 characters with no mark of the cut: "... deliver
    effectively and effic", "... service solu", "regularly poll, monitor, and report on
    stakeholder" (the practice reports on stakeholder *satisfaction*, which a justification
    of the same set argues from). A passage is an element's text whole, or its first
    sentences (or "..." where it leaves something out), never a cut word or clause."""
    texts = _texts_by_code()
    cut, checked = [], 0
    for row in read_mapping_set(path).rows:
        _, _, cited = (row.comment or "").partition(" Passages: ")
        for code, passage in _PASSAGE.findall(cited):
            quoted = _norm(passage)
            for text in texts.get(code, ()):
                rest = text[len(quoted) :]
                if text.startswith(quoted):
                    checked += 1
                    if rest and not rest.startswith("."):
                        cut.append((row.line, code, quoted[-30:], rest[:20]))
    assert not cut, cut
    assert checked >= len(read_mapping_set(path).rows)  # every row quotes at least one
