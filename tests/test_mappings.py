"""Curated SSSOM mapping sets, their RDF, derived mappings and the mapping/gap queries."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL

from pcfgraph import iris
from pcfgraph.assemble import rdflib_to_quads
from pcfgraph.errors import ParseError
from pcfgraph.iris import DCTERMS, PCFG, PROV, SEMAPV, SH, SKOS, SSSOM
from pcfgraph.mappings import (
    derive_mappings,
    mapping_set_graph,
    read_mapping_set,
    records_from_graph,
)
from pcfgraph.queries import QueryCatalog
from pcfgraph.resources import resource_dir

ID = iris.ID_BASE
FW_A, FW_B, FW_C = (iris.framework(x) for x in ("fa", "fb", "fc"))

HEADER = f"""#curie_map:
#  a: {ID}a/
#  b: {ID}b/
#  c: {ID}c/
#  fw: {ID}framework/
#mapping_set_id: {ID}mapping-set/STEM
#mapping_set_title: "A to B"
#license: https://creativecommons.org/licenses/by/4.0/
#creator_label:
#  - tester
#mapping_date: 2026-11-22
#subject_source: fw:SRC
#object_source: fw:DST
"""
COLUMNS = "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tauthor_label\tcomment\n"
MJ = "semapv:ManualMappingCuration"


def write_set(
    tmp_path: Path,
    rows: list[str],
    *,
    stem: str = "a-to-b",
    src: str = "fa",
    dst: str = "fb",
    header: str | None = None,
    columns: str = COLUMNS,
) -> Path:
    text = (header if header is not None else HEADER).replace("STEM", stem)
    text = text.replace("SRC", src).replace("DST", dst)
    path = tmp_path / f"{stem}.sssom.tsv"
    path.write_text(text + columns + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def row(s: str, p: str, o: str, conf: str = "0.8", comment: str = "why") -> str:
    return "\t".join([s, p, o, MJ, conf, "tester", comment])


def record(stem: str, s: URIRef, p: URIRef, o: URIRef) -> URIRef:
    import hashlib

    key = hashlib.sha1(f"{s}|{p}|{o}|{o}".encode()).hexdigest()[:16]
    return iris.mapping_record(stem, key)


# --- reading and RDF ---------------------------------------------------------------------


def test_two_row_file_becomes_the_expected_graph(tmp_path: Path) -> None:
    path = write_set(
        tmp_path,
        [row("a:1", "skos:exactMatch", "b:X", "0.9", "same"), row("a:2", "skos:broadMatch", "b:Y")],
    )
    ms = read_mapping_set(path)
    assert ms.stem == "a-to-b"
    assert [r.line for r in ms.rows] == [15, 16]

    a1, a2, bx, by = (URIRef(ID + x) for x in ("a/1", "a/2", "b/X", "b/Y"))
    s = iris.mapping_set("a-to-b")
    src = iris.mapping_set_source("a-to-b", path.name)
    want = Graph()
    want += [
        (s, RDF.type, PCFG.MappingSet),
        (s, DCTERMS.title, Literal("A to B", lang="en")),
        (s, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")),
        (s, DCTERMS.creator, Literal("tester")),
        (s, DCTERMS.date, Literal("2026-11-22", datatype=XSD.date)),
        (s, PCFG.sourceFramework, FW_A),
        (s, PCFG.targetFramework, FW_B),
        (s, PROV.wasDerivedFrom, src),
        (src, RDF.type, PROV.Entity),
        (src, DCTERMS.title, Literal(path.name)),
    ]
    # the prefixes the file declares and uses (c: is declared, used by no CURIE)
    for prefix, ns in (("a", "a/"), ("b", "b/"), ("fw", "framework/")):
        decl = BNode()
        want += [
            (s, SH.declare, decl),
            (decl, SH.prefix, Literal(prefix)),
            (decl, SH.namespace, Literal(ID + ns, datatype=XSD.anyURI)),
        ]
    for subj, pred, obj, conf, comment in (
        (a1, SKOS.exactMatch, bx, "0.9", "same"),
        (a2, SKOS.broadMatch, by, "0.8", "why"),
    ):
        r = record("a-to-b", subj, pred, obj)
        want += [
            (subj, pred, obj),
            (r, RDF.type, PCFG.MappingRecord),
            (r, RDF.type, OWL.Axiom),
            (r, OWL.annotatedSource, subj),
            (r, OWL.annotatedProperty, pred),
            (r, OWL.annotatedTarget, obj),
            (r, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration),
            (r, SSSOM.confidence, Literal(Decimal(conf), datatype=XSD.decimal)),
            (r, SSSOM.author_label, Literal("tester")),
            (r, RDFS.comment, Literal(comment, lang="en")),
            (r, PCFG.inMappingSet, s),
            (r, PCFG.derived, Literal(False)),
            (r, PCFG.sourceFramework, FW_A),
            (r, PCFG.targetFramework, FW_B),
            # propagated from the header (SSSOM propagatable slot)
            (r, SSSOM.mapping_date, Literal("2026-11-22", datatype=XSD.date)),
        ]
    got = mapping_set_graph(ms)
    assert isomorphic(got, want), set(got) ^ set(want)


def test_no_term_found_row_is_a_no_counterpart_record_without_skos_triple(tmp_path: Path) -> None:
    path = write_set(
        tmp_path, [row("a:1", "skos:mappingRelation", "sssom:NoTermFound", "", "out of scope")]
    )
    g = mapping_set_graph(read_mapping_set(path))
    a1 = URIRef(ID + "a/1")
    (nc,) = list(g.subjects(RDF.type, PCFG.NoCounterpart))
    assert g.value(nc, PCFG.element) == a1
    assert g.value(nc, PCFG.noCounterpartIn) == FW_B
    assert g.value(nc, RDFS.comment) == Literal("out of scope", lang="en")
    assert g.value(nc, PCFG.inMappingSet) == iris.mapping_set("a-to-b")
    assert not list(g.subjects(RDF.type, PCFG.MappingRecord))
    skos_mapping = {
        SKOS[p]
        for p in (
            "exactMatch",
            "closeMatch",
            "broadMatch",
            "narrowMatch",
            "relatedMatch",
            "mappingRelation",
        )
    }
    assert not [t for t in g if t[1] in skos_mapping]
    assert (None, None, SSSOM.NoTermFound) not in g


@pytest.mark.parametrize(
    ("rows", "line", "needle"),
    [
        ([row("zz:1", "skos:exactMatch", "b:X")], 15, "unknown prefix 'zz'"),
        ([row("a:1", "skos:sameAs", "b:X")], 15, "unknown predicate"),
        ([row("a:1", "owl:sameAs", "b:X")], 15, "unknown predicate"),
        ([row("a:1", "skos:exactMatch", "b:X", "high")], 15, "not a number"),
        ([row("a:1", "skos:exactMatch", "b:X", "1.5")], 15, "not in [0, 1]"),
        ([row("a:1", "skos:exactMatch", "b:X", "-0.1")], 15, "not in [0, 1]"),
        ([row("a:1", "skos:exactMatch", "b:X", "NaN")], 15, "not a number"),
        ([row("a:1", "skos:exactMatch", "b:X", "")], 15, "confidence is required"),
        (
            [
                row("a:1", "skos:exactMatch", "b:X"),
                row("a:2", "skos:exactMatch", "b:X"),
                "a:3\tskos:exactMatch",
            ],
            17,
            "2 cells",
        ),
        ([row("a:1", "skos:exactMatch", "sssom:NoTermFound", "")], 15, "skos:mappingRelation"),
        ([row("a:1", "skos:mappingRelation", "b:X")], 15, "unknown predicate"),
        (
            [row("a:1", "skos:exactMatch", "b:X"), row("a:1", "skos:exactMatch", "b:X")],
            16,
            "duplicate of the mapping on line 15",
        ),
    ],
)
def test_row_errors_name_file_and_line(
    tmp_path: Path, rows: list[str], line: int, needle: str
) -> None:
    path = write_set(tmp_path, rows)
    with pytest.raises(ParseError) as err:
        read_mapping_set(path)
    assert err.value.line == line
    assert str(path) in str(err.value) and f"line {line}" in str(err.value)
    assert needle in str(err.value)


def test_missing_column_is_reported_on_the_column_header_line(tmp_path: Path) -> None:
    path = write_set(
        tmp_path,
        ["a:1\tskos:exactMatch\tb:X"],
        columns="subject_id\tpredicate_id\tobject_id\n",
    )
    with pytest.raises(ParseError, match=r"line 14: missing required column 'mapping_just"):
        read_mapping_set(path)


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda h: h.replace(f"#  a: {ID}a/", "#  a: a/"), "prefix 'a' maps to"),
        (
            lambda h: h.replace("#license: https://creativecommons.org/licenses/by/4.0/\n", ""),
            "lacks required 'license'",
        ),
        (lambda h: h.replace("mapping-set/STEM", "mapping-set/other"), "expected"),
        (lambda h: h.replace("#object_source: fw:DST\n", ""), "no object_source"),
        (lambda h: h.replace("#mapping_date: 2026-11-22", "#mapping_date: soon"), "ISO date"),
        (lambda h: h + "#  bad: [unclosed\n", "not valid YAML"),
        (lambda h: h.replace("#  a: ", "#  skos: http://example.org/\n#  a: "), "built-in"),
    ],
)
def test_header_errors_name_file_and_line(tmp_path: Path, edit, needle: str) -> None:  # type: ignore[no-untyped-def]
    path = write_set(tmp_path, [row("a:1", "skos:exactMatch", "b:X")], header=edit(HEADER))
    with pytest.raises(ParseError) as err:
        read_mapping_set(path)
    assert str(path) in str(err.value) and err.value.line is not None
    assert needle in str(err.value)


def test_header_error_line_points_at_the_key(tmp_path: Path) -> None:
    header = HEADER.replace("#mapping_date: 2026-11-22", "#mapping_date: soon")
    path = write_set(tmp_path, [row("a:1", "skos:exactMatch", "b:X")], header=header)
    with pytest.raises(ParseError) as err:
        read_mapping_set(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[err.value.line - 1].startswith("#mapping_date:")  # type: ignore[operator]


# --- derivation --------------------------------------------------------------------------


def curated_graphs(tmp_path: Path, *sets: tuple[str, str, str, list[str]]) -> list[Graph]:
    return [
        mapping_set_graph(read_mapping_set(write_set(tmp_path, rows, stem=stem, src=s, dst=d)))
        for stem, s, d, rows in sets
    ]


def test_inverse_of_broad_is_narrow(tmp_path: Path) -> None:
    (g,) = curated_graphs(tmp_path, ("a-b", "fa", "fb", [row("a:1", "skos:broadMatch", "b:X")]))
    d = derive_mappings([g])
    a1, bx = URIRef(ID + "a/1"), URIRef(ID + "b/X")
    assert (bx, SKOS.narrowMatch, a1) in d
    (r,) = list(d.subjects(OWL.annotatedSource, bx))
    assert d.value(r, OWL.annotatedProperty) == SKOS.narrowMatch
    assert d.value(r, SSSOM.mapping_justification) == SEMAPV.MappingInversion
    assert d.value(r, PCFG.derived) == Literal(True)
    assert d.value(r, SSSOM.confidence).toPython() == Decimal("0.8")  # type: ignore[union-attr]
    (curated,) = records_from_graph(g)
    assert list(Collection(d, d.value(r, PCFG.chain))) == [curated.record]  # type: ignore[arg-type]
    assert (r, PCFG.sourceFramework, FW_B) in d and (r, PCFG.targetFramework, FW_A) in d


def test_chain_exact_then_broad_gives_broad_with_product_and_ordered_chain(tmp_path: Path) -> None:
    g1, g2 = curated_graphs(
        tmp_path,
        ("a-b", "fa", "fb", [row("a:1", "skos:exactMatch", "b:M", "0.9")]),
        ("b-c", "fb", "fc", [row("b:M", "skos:broadMatch", "c:T", "0.5")]),
    )
    d = derive_mappings([g1, g2])
    a1, t = URIRef(ID + "a/1"), URIRef(ID + "c/T")
    assert (a1, SKOS.broadMatch, t) in d
    (r,) = [x for x in d.subjects(OWL.annotatedSource, a1) if d.value(x, OWL.annotatedTarget) == t]
    assert d.value(r, SSSOM.mapping_justification) == SEMAPV.MappingChaining
    assert d.value(r, SSSOM.confidence).toPython() == Decimal("0.45")  # type: ignore[union-attr]
    first = records_from_graph(g1)[0].record
    second = records_from_graph(g2)[0].record
    assert list(Collection(d, d.value(r, PCFG.chain))) == [first, second]  # type: ignore[arg-type]
    # and the mirrored chain gives the inverse
    assert (t, SKOS.narrowMatch, a1) in d


def test_siblings_under_a_broader_concept_are_not_related(tmp_path: Path) -> None:
    g1, g2 = curated_graphs(
        tmp_path,
        ("a-b", "fa", "fb", [row("a:1", "skos:broadMatch", "b:M")]),
        ("c-b", "fc", "fb", [row("c:T", "skos:broadMatch", "b:M")]),
    )
    d = derive_mappings([g1, g2])
    a1, t = URIRef(ID + "a/1"), URIRef(ID + "c/T")
    assert not list(d.triples((a1, None, t))) and not list(d.triples((t, None, a1)))


def test_nothing_derived_duplicates_or_contradicts_curated(tmp_path: Path) -> None:
    g1, g2, g3 = curated_graphs(
        tmp_path,
        (
            "a-b",
            "fa",
            "fb",
            [row("a:1", "skos:exactMatch", "b:M"), row("a:2", "skos:exactMatch", "b:M")],
        ),
        (
            "b-c",
            "fb",
            "fc",
            [row("b:M", "skos:exactMatch", "c:T"), row("c:T", "skos:exactMatch", "b:M")],
        ),
        (
            "a-c",
            "fa",
            "fc",
            [
                row("a:1", "skos:relatedMatch", "c:T"),
                row("a:2", "skos:mappingRelation", "sssom:NoTermFound", ""),
            ],
        ),
    )
    d = derive_mappings([g1, g2, g3])
    a1, a2, m, t = (URIRef(ID + x) for x in ("a/1", "a/2", "b/M", "c/T"))
    curated = Graph()
    for g in (g1, g2, g3):
        curated += g
    # the chain a1 -> M -> T would give exactMatch, but a curated a1-T mapping exists:
    # only its inverse is derived
    assert not list(d.triples((a1, None, t)))
    assert list(d.triples((t, None, a1))) == [(t, SKOS.relatedMatch, a1)]
    # a2 is curated as having no counterpart in fc
    assert not list(d.triples((a2, None, t))) and not list(d.triples((t, None, a2)))
    # M-T is curated in both directions: no inverse
    assert not list(d.triples((m, None, t))) and not list(d.triples((t, None, m)))
    # every derived SKOS triple is new
    skos_preds = {
        SKOS.exactMatch,
        SKOS.closeMatch,
        SKOS.broadMatch,
        SKOS.narrowMatch,
        SKOS.relatedMatch,
    }
    derived_triples = {t_ for t_ in d if t_[1] in skos_preds}
    assert derived_triples and not derived_triples & set(curated)


def test_derived_records_never_in_curated_graphs(tmp_path: Path) -> None:
    g1, g2 = curated_graphs(
        tmp_path,
        ("a-b", "fa", "fb", [row("a:1", "skos:exactMatch", "b:M")]),
        ("b-c", "fb", "fc", [row("b:M", "skos:narrowMatch", "c:T")]),
    )
    d = derive_mappings([g1, g2])
    derived_records = set(d.subjects(RDF.type, PCFG.MappingRecord))
    assert derived_records
    for g in (g1, g2):
        assert not derived_records & set(g.subjects())
        assert (None, PCFG.derived, Literal(True)) not in g
        assert set(g.subjects(RDF.type, PCFG.MappingRecord)) == set(g.subjects(PCFG.derived, None))
    assert set(d.objects(None, PCFG.derived)) == {Literal(True)}
    licences = {lic for g in (g1, g2) for lic in g.objects(None, DCTERMS.license)}
    assert set(d.objects(iris.mapping_set("derived"), DCTERMS.license)) == licences


# --- queries over an assembled store -----------------------------------------------------


def _store(tmp_path: Path, *, derived: bool) -> ox.Store:
    store = ox.Store()
    frameworks = Graph()
    for fid, elements in (("fa", ["a/1", "a/2", "a/3"]), ("fb", ["b/M"]), ("fc", ["c/T"])):
        fw = iris.framework(fid)
        frameworks.add((fw, PCFG.frameworkId, Literal(fid)))
        for e in elements:
            el = URIRef(ID + e)
            frameworks += [
                (el, RDF.type, SKOS.Concept),
                (el, SKOS.inScheme, fw),
                (el, SKOS.notation, Literal(e)),
            ]
    store.extend(rdflib_to_quads(frameworks, str(iris.framework_graph("all"))))
    g1, g2 = curated_graphs(
        tmp_path,
        (
            "a-b",
            "fa",
            "fb",
            [
                row("a:1", "skos:exactMatch", "b:M", "0.9"),
                row("a:2", "skos:mappingRelation", "sssom:NoTermFound", "", "not there"),
            ],
        ),
        ("b-c", "fb", "fc", [row("b:M", "skos:broadMatch", "c:T", "0.5")]),
    )
    for name, g in (("a-b", g1), ("b-c", g2)):
        store.extend(rdflib_to_quads(g, str(iris.mapping_set_graph(name))))
    if derived:
        store.extend(rdflib_to_quads(derive_mappings([g1, g2]), str(iris.derived_mappings_graph())))
    return store


def _run(store: ox.Store, name: str, **params: object) -> list[dict[str, str]]:
    q = QueryCatalog().get(name)
    res = store.query(q.text, substitutions=q.bind(params), use_default_graph_as_union=True)
    return [
        {v.value: s[v].value for v in res.variables if s[v] is not None}  # type: ignore[attr-defined]
        for s in res
    ]


def test_mappings_query_curated_by_default_and_derived_on_request(tmp_path: Path) -> None:
    store = _store(tmp_path, derived=True)
    curated = _run(store, "api/mappings")
    assert {(r["subjectCode"], r["objectCode"]) for r in curated} == {
        ("a/1", "b/M"),
        ("b/M", "c/T"),
    }
    assert {r["derived"] for r in curated} == {"false"}
    everything = _run(store, "api/mappings", includeDerived=True)
    assert ("a/1", "c/T") in {(r["subjectCode"], r["objectCode"]) for r in everything}
    only_fc = _run(store, "api/mappings", includeDerived=True, objectFramework="fc")
    assert {r["objectFramework"] for r in only_fc} == {"fc"} and only_fc
    strong = _run(store, "api/mappings", minConfidence="0.6")
    assert {r["subjectCode"] for r in strong} == {"a/1"}


def test_gaps_query_lists_unmapped_elements_with_reasons(tmp_path: Path) -> None:
    store = _store(tmp_path, derived=True)
    gaps = {(r["code"], r["otherFramework"]): r.get("reason") for r in _run(store, "api/gaps")}
    # a/1 reaches fb (curated) and fc (derived chain); a/2 and a/3 reach nothing
    assert ("a/1", "fb") not in gaps and ("a/1", "fc") not in gaps
    assert gaps[("a/2", "fb")] == "not there"
    assert ("a/3", "fb") in gaps and gaps[("a/3", "fb")] is None
    # c/T is reached from fb by the curated mapping (object side) and from fa by derivation
    assert ("c/T", "fb") not in gaps and ("c/T", "fa") not in gaps
    only = _run(store, "api/gaps", framework="fa", otherFramework="fc")
    assert {r["code"] for r in only} == {"a/2", "a/3"}
    assert _run(store, "api/gaps", kind="process") == []
    without_derived = {
        (r["code"], r["otherFramework"]) for r in _run(_store(tmp_path, derived=False), "api/gaps")
    }
    assert ("a/1", "fc") in without_derived


# --- the shipped data --------------------------------------------------------------------

SHIPPED = sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv"))


def test_mapping_sets_are_shipped() -> None:
    assert SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_parses(path: Path) -> None:
    ms = read_mapping_set(path)
    assert ms.rows
    g = mapping_set_graph(ms)
    assert set(g.subjects(RDF.type, PCFG.MappingRecord)) | set(
        g.subjects(RDF.type, PCFG.NoCounterpart)
    )
    assert all(r.comment for r in ms.rows), "every curated row says why"


@functools.cache
def _apqc_8_1_elements() -> frozenset[URIRef]:
    """PCF 8.1 and every element below it in the shipped workbook (found by skos:broader,
    never by hierarchy number). Imported once per test process."""
    from pcfgraph.importers.apqc import import_workbook

    data = resource_dir("data")
    imported = import_workbook(
        data / "apqc" / "apqc-pcf-cross-industry-7.4.xlsx",
        edition="Cross-Industry",
        version="7.4",
    )
    g = imported.graph
    root = iris.apqc_element("cross-industry", "7.4", 20608)
    return frozenset(URIRef(str(e)) for e in g.transitive_subjects(SKOS.broader, root))


@pytest.mark.parametrize(
    ("stem", "framework"),
    [
        ("pcf-8.1-to-prm-it-a2", "prm-it"),
        ("pcf-8.1-to-it-cmf-rm", "it-cmf"),
        ("pcf-8.1-and-prm-it-to-trim-cm", "trim"),
    ],
)
def test_every_pcf_8_1_element_has_one_decision_per_target_framework(
    stem: str, framework: str
) -> None:
    """Issue 19: each PCF 8.1 element ends with mappings into the framework or with a
    NoTermFound record (never both); negatives (Not) are extra decisions on single pairs."""
    wanted = _apqc_8_1_elements()
    assert len(wanted) == 44
    ms = read_mapping_set(resource_dir("data") / "mappings" / f"{stem}.sssom.tsv")
    target = iris.framework(framework)
    for subject in wanted:
        rows = [r for r in ms.rows if r.subject == subject and r.object_source == target]
        kinds = {r.no_term_found for r in rows if not r.negated}
        assert kinds in ({True}, {False}), f"{subject}: {'no decision' if not kinds else 'both'}"
        for r in rows:
            assert r.values("reviewer_label") and r.values("mapping_date"), r.line
