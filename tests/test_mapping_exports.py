"""SSSOM exports of the shipped mapping sets, read back with sssom-py and compared row by row
with the source files; derived rows only on request; negative mappings over GraphQL."""

from __future__ import annotations

import math
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from gql_support import Client, shared_catalog
from rdflib import RDF, XSD, Graph

from pcfgraph import iris, services
from pcfgraph.cli import main
from pcfgraph.export import FORMATS as TRIPLE_FORMATS
from pcfgraph.export import export_bytes as triples_export
from pcfgraph.iris import PCFG, SEMAPV
from pcfgraph.mappings import read_mapping_set
from pcfgraph.mappings.export import FORMATS, export_bytes, mapping_set_ids
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

SHIPPED = sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv"))
STEMS = [p.name.removesuffix(".sssom.tsv") for p in SHIPPED]


@pytest.fixture(scope="module")
def release(shipped_release: Release) -> Release:
    return shipped_release


def parse(path: Path, fmt: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py and pandas deprecation noise
        from sssom.parsers import parse_sssom_json, parse_sssom_rdf, parse_sssom_table

        reader = {"sssom-tsv": parse_sssom_table, "sssom-json": parse_sssom_json,
                  "sssom-rdf": parse_sssom_rdf}[fmt]  # fmt: skip
        return reader(str(path))


def rows(msdf: Any, *, drop: tuple[str, ...] = ("record_id",)) -> set[tuple[tuple[str, str], ...]]:
    """The mapping set's rows as comparable values (sssom-py's own reading, CURIEs)."""
    out = set()
    for rec in msdf.df.to_dict(orient="records"):
        items = []
        for k, v in rec.items():
            if k in drop or v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
                continue
            if isinstance(v, list):
                v = "|".join(sorted(str(x) for x in v))
            elif isinstance(v, float):
                v = f"{v:.6g}"
            items.append((k, str(v)))
        out.add(tuple(sorted(items)))
    return out


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("stem", STEMS)
def test_export_reads_back_row_by_row_as_the_source(
    release: Release, tmp_path: Path, stem: str, fmt: str
) -> None:
    source = parse(resource_dir("data") / "mappings" / f"{stem}.sssom.tsv", "sssom-tsv")
    out = tmp_path / f"{stem}{FORMATS[fmt].suffix}"
    out.write_bytes(export_bytes(release.store, shared_catalog(), stem, fmt))
    exported = parse(out, fmt)
    assert rows(exported) == rows(source)
    for key in ("mapping_set_id", "license", "mapping_set_title", "mapping_set_version"):
        assert str(exported.metadata.get(key)) == str(source.metadata.get(key)), key
    modifiers = {r.get("predicate_modifier") for r in exported.df.to_dict(orient="records")} - {
        None,
        "",
    }
    assert {m for m in modifiers if isinstance(m, str)} == {"Not"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize(("set_id", "derived"), [(STEMS[0], True), ("derived", False)])
def test_an_export_is_the_same_bytes_every_time(
    release: Release, fmt: str, set_id: str, derived: bool
) -> None:
    # The Turtle export labelled each row's blank node at random and rdflib writes them in
    # label order: other bytes at every export (a download's strong ETag promises the same).
    first = export_bytes(release.store, shared_catalog(), set_id, fmt, derived=derived)
    again = export_bytes(release.store, shared_catalog(), set_id, fmt, derived=derived)
    assert first == again and len(first) > 1000


def test_exported_tsv_passes_sssom_validate(release: Release, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.validators import validate

    for stem in [*STEMS, "derived"]:
        out = tmp_path / f"{stem}.sssom.tsv"
        out.write_bytes(export_bytes(release.store, shared_catalog(), stem, "sssom-tsv"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            validate(parse(out, "sssom-tsv"), fail_on_error=True)


def test_derived_rows_name_their_chain_of_curated_records(release: Release, tmp_path: Path) -> None:
    out = tmp_path / "derived.sssom.tsv"
    out.write_bytes(export_bytes(release.store, shared_catalog(), "derived", "sssom-tsv"))
    derived = parse(out, "sssom-tsv").df.to_dict(orient="records")
    curated_ids = set()
    for stem in STEMS:
        data = export_bytes(release.store, shared_catalog(), stem, "sssom-tsv")
        (tmp_path / f"{stem}.sssom.tsv").write_bytes(data)
        curated_ids |= {
            r["record_id"]
            for r in parse(tmp_path / f"{stem}.sssom.tsv", "sssom-tsv").df.to_dict(orient="records")
        }
    assert derived
    for r in derived:
        assert r["mapping_justification"] in ("semapv:MappingChaining", "semapv:MappingInversion")
        chain = r["see_also"]
        chain = chain.split("|") if isinstance(chain, str) else list(chain)
        assert chain and len(chain) == (2 if r["mapping_justification"].endswith("Chaining") else 1)
        expanded = {c.replace(iris.mapping_record_namespace(), "mapping:") for c in chain}
        assert expanded <= curated_ids, r


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_derived_set_carries_the_notice_of_the_curated_sets(
    release: Release, tmp_path: Path, fmt: str
) -> None:
    """A derived row states APQC PCF identifiers as the curated rows do (a chain's or an
    inverse's end), and the curated sets' comment gives APQC's notice for them: the derived
    set's export carried no notice at all."""
    out = tmp_path / f"derived.{fmt}"
    out.write_bytes(export_bytes(release.store, shared_catalog(), "derived", fmt))
    derived = parse(out, fmt)
    assert any(str(r["subject_id"]).startswith("pcf74:") for r in derived.df.to_dict("records"))
    notes = {parse_shipped(p).metadata["comment"] for p in SHIPPED}
    assert len(notes) == 1 and "©2024 APQC" in next(iter(notes))
    assert derived.metadata["comment"] == next(iter(notes))


@pytest.mark.parametrize("stem", ["derived", "pcf-8.1-to-prm-it-a2"])
def test_derived_rows_name_their_ends_as_curated_rows_do(
    release: Release, tmp_path: Path, stem: str
) -> None:
    """A curated row carries subject_label and object_label (from its source file); a derived
    row carried neither, so the derived set (and a set exported with --derived) showed a reader
    bare identifiers: pcf74:20618 relatedMatch trim:process/service-level-management."""
    from pcfgraph.mappings.export import document
    from pcfgraph.queries import QueryCatalog

    reader = services.Reader(release.store, QueryCatalog())
    doc = document(release.store, shared_catalog(), stem, derived=True)
    derived = [r for r in doc.rows if not str(r["mapping_justification"]).endswith("Curation")]
    assert derived
    ends = sorted({(str(r[f"{e}_id"]), None) for r in derived for e in ("subject", "object")})
    names = {e.iri: e.name for e in services.elements_by_iris(reader, ends) if e}
    assert len(names) == len(ends)
    for r in derived:
        assert (r.get("subject_label"), r.get("object_label")) == (
            names[str(r["subject_id"])],
            names[str(r["object_id"])],
        ), r["record_id"]
    # and a reader of the file sees them (sssom-py, TSV)
    out = tmp_path / "set.sssom.tsv"
    out.write_bytes(export_bytes(release.store, shared_catalog(), stem, "sssom-tsv", derived=True))
    read = parse(out, "sssom-tsv").df.to_dict(orient="records")
    derivation = ("semapv:MappingChaining", "semapv:MappingInversion")
    shown = {
        (r["subject_label"], r["object_label"])
        for r in read
        if r["mapping_justification"] in derivation
    }
    assert shown == {(r["subject_label"], r["object_label"]) for r in derived}


def parse_shipped(path: Path) -> Any:
    return parse(path, "sssom-tsv")


def test_derived_rows_only_with_derived(release: Release, tmp_path: Path) -> None:
    stem = "pcf-8.1-to-prm-it-a2"
    plain = tmp_path / "plain.sssom.tsv"
    plain.write_bytes(export_bytes(release.store, shared_catalog(), stem, "sssom-tsv"))
    more = tmp_path / "more.sssom.tsv"
    more.write_bytes(export_bytes(release.store, shared_catalog(), stem, "sssom-tsv", derived=True))
    a, b = parse(plain, "sssom-tsv").df, parse(more, "sssom-tsv").df
    assert set(a.mapping_justification) == {"semapv:ManualMappingCuration"}
    extra = set(b.mapping_justification) - set(a.mapping_justification)
    assert extra and extra <= {"semapv:MappingChaining", "semapv:MappingInversion"}
    assert len(b) > len(a)


def propagated(msdf: Any) -> list[dict[str, str]]:
    """The rows as an SSSOM reader takes them: every empty propagatable slot of a row gets the
    set's value (sssom-py's propagate(fill_empty=True), which trips over dates in its frame)."""
    from sssom.constants import SSSOMSchemaView

    slots = set(SSSOMSchemaView().propagatable_slots) & set(msdf.metadata)
    out = []
    for rec in msdf.df.to_dict(orient="records"):
        row = {k: str(v) for k, v in rec.items() if isinstance(v, str | date) and str(v)}
        for name in slots:
            value = msdf.metadata[name]
            row.setdefault(name, "|".join(value) if isinstance(value, list) else str(value))
        out.append(row)
    return out


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_derived_rows_are_not_given_the_curated_sets_propagatable_slots(
    release: Release, tmp_path: Path, fmt: str
) -> None:
    """SSSOM readers give a set-level propagatable slot (mapping_date, ...) to every row that
    leaves it empty: the curated file's date must not become the derived rows' date, and each
    curated row must still read as made on the date its file gives it."""
    stem = "pcf-8.1-to-prm-it-a2"
    out = tmp_path / f"{stem}{FORMATS[fmt].suffix}"
    out.write_bytes(export_bytes(release.store, shared_catalog(), stem, fmt, derived=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exported = propagated(parse(out, fmt))
        source = propagated(
            parse(resource_dir("data") / "mappings" / f"{stem}.sssom.tsv", "sssom-tsv")
        )
    curated_just = "semapv:ManualMappingCuration"
    derived = [r for r in exported if r["mapping_justification"] != curated_just]
    assert derived
    assert [r for r in derived if "mapping_date" in r] == []
    curated = {
        (r["subject_id"], r["object_id"], r["predicate_id"], r.get("predicate_modifier", "")):
            r.get("mapping_date") for r in exported if r["mapping_justification"] == curated_just
    }  # fmt: skip
    assert curated == {
        (r["subject_id"], r["object_id"], r["predicate_id"], r.get("predicate_modifier", "")):
            r.get("mapping_date") for r in source
    }  # fmt: skip
    assert set(curated.values()) >= {"2026-11-22", "2026-12-04"}


def turtle_triples(data: bytes) -> set[tuple[Any, Any, Any]]:
    """A Turtle export parsed back by pyoxigraph (the default graph is the whole PCF: rdflib
    took 10-30 s per parse of it, as in test_skos_export), as (s, p, o) of its terms."""
    return {(t.subject, t.predicate, t.object) for t in ox.parse(data, format=ox.RdfFormat.TURTLE)}


def test_triple_export_carries_curated_mappings_only_unless_asked(release: Release) -> None:
    plain = turtle_triples(triples_export(release.store, TRIPLE_FORMATS["turtle"]))
    full = turtle_triples(triples_export(release.store, TRIPLE_FORMATS["turtle"], derived=True))
    in_set = ox.NamedNode(str(PCFG.inMappingSet))
    derived_set = ox.NamedNode(str(iris.mapping_set("derived")))
    assert not [s for s, p, o in plain if p == in_set and o == derived_set]
    assert [s for s, p, o in full if p == in_set and o == derived_set]
    # what the plain export has of mapping records is curated
    record = ox.NamedNode(str(PCFG.MappingRecord))
    rdf_type, derived = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PCFG.derived))
    records = {s for s, p, o in plain if p == rdf_type and o == record}
    assert records
    flags: dict[Any, set[Any]] = {r: set() for r in records}
    for s, p, o in plain:
        if p == derived and s in flags:
            flags[s].add(o)
    false = ox.Literal("false", datatype=ox.NamedNode(str(XSD.boolean)))
    assert {frozenset(v) for v in flags.values()} == {frozenset({false})}


def test_cli_export_matches_and_refuses_bad_input(release: Release, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "x.sssom.json"
    res = runner.invoke(
        main,
        [
            "mappings",
            "export",
            "--set",
            "pcf-8.1-to-it-cmf-rm",
            "--format",
            "sssom-json",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == export_bytes(
        release.store, shared_catalog(), "pcf-8.1-to-it-cmf-rm", "sssom-json"
    )
    res = runner.invoke(main, ["mappings", "export", "-o", str(tmp_path / "all")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == sorted(
        f"{s}.sssom.tsv" for s in STEMS
    )
    from pcfgraph.cli.common import run_main

    assert run_main(main, ["mappings", "export", "--set", "no-such-set"]) == 2
    assert run_main(main, ["mappings", "export", "--format", "csv", "--set", STEMS[0]]) == 2
    assert run_main(main, ["mappings", "export"]) == 2  # no --set and no directory
    assert "derived" in mapping_set_ids(release.store, shared_catalog())


@pytest.fixture(scope="module")
def client(release: Release) -> Client:
    return Client(release)


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=lambda f: f.name)
def test_http_route_serves_the_export(client: Client, fmt: Any) -> None:
    stem = "pcf-8.1-to-prm-it-a2"
    r = client.http.get(f"/mappings/{stem}{fmt.suffix}")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == fmt.media_type.split(";")[0]
    want = export_bytes(client.release.store, shared_catalog(), stem, fmt.name)
    if fmt.name == "sssom-rdf":  # blank-node order varies between serialisations
        from rdflib.compare import isomorphic

        got = Graph().parse(data=r.content, format="turtle")
        assert isomorphic(got, Graph().parse(data=want, format="turtle"))
    else:
        assert r.content == want
    r = client.http.get(f"/mappings/{stem}{fmt.suffix}?derived=true")
    assert r.status_code == 200 and (
        b"MappingInversion" in r.content or b"MappingChaining" in r.content
    )


@pytest.mark.parametrize(
    ("path", "status"),
    [("/mappings/nope.sssom.tsv", 404), ("/mappings/pcf-8.1-to-prm-it-a2.csv", 404),
     ("/mappings/pcf-8.1-to-prm-it-a2.sssom.tsv?derived=maybe", 400)],
)  # fmt: skip
def test_http_route_errors_are_problems(client: Client, path: str, status: int) -> None:
    r = client.http.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")


def test_graphql_negative_mappings_are_the_not_rows(client: Client) -> None:
    data = client.data(
        "{ negativeMappings { id relation reviewers mappingDate comment "
        "subject { code } object { code } } }"
    )["negativeMappings"]
    from pcfgraph.mappings import read_mapping_set

    want = {
        (str(r.subject), str(r.predicate).rsplit("#", 1)[1], str(r.object))
        for p in SHIPPED
        for r in read_mapping_set(p).rows
        if r.negated
    }
    reader = services.Reader(client.release.store, shared_catalog())
    got = {(m.subject_iri, m.relation, m.object_iri) for m in services.negative_mappings(reader)}
    assert got == want and len(data) == len(want)
    assert all(d["reviewers"] and d["mappingDate"] and d["subject"] and d["object"] for d in data)
    # and none of them is a positive mapping anywhere
    positives = {
        (m.subject_iri, m.object_iri) for m in services.mappings(reader, include_derived=True)
    }
    assert not {(s, o) for s, _p, o in want} & positives


def test_graphql_mapping_reviewers(client: Client) -> None:
    data = client.data(
        '{ mappings(from: "apqc-pcf-cross-industry-7.4", to: "prm-it") { reviewers mappingDate derived } }'
    )
    assert data["mappings"] and all(m["reviewers"] and m["mappingDate"] for m in data["mappings"])
    assert SEMAPV  # the justification vocabulary the derived rows use


def test_mappings_index_lists_every_set_with_exports_that_answer(client: Client) -> None:
    """GET /mappings (it was a 404) lists each mapping set with its SSSOM exports (and, for a
    curated set, with derived rows): every link answers with its format's media type."""
    r = client.http.get("/mappings")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    sets = {s["name"]: s for s in r.json()["mappingSets"]}
    assert set(sets) == {*STEMS, "derived"}
    assert "derivedExports" not in sets["derived"]
    by_name = {f.name: f for f in FORMATS.values()}
    for name, s in sets.items():
        assert s["iri"] == str(iris.mapping_set(name)) and s["title"]
        links = {
            **s["exports"],
            **{k + "+derived": v for k, v in s.get("derivedExports", {}).items()},
        }
        assert len(links) == (3 if name == "derived" else 6)
        for fmt, href in links.items():
            got = client.http.get(href)
            assert got.status_code == 200, href
            media = by_name[fmt.removesuffix("+derived")].media_type.split(";")[0]
            assert got.headers["content-type"].startswith(media), href
    assert "/mappings" in client.http.get("/openapi.json").json()["paths"]


def test_mappings_index_is_a_page_for_a_browser_and_the_set_page_links_its_exports(
    client: Client,
) -> None:
    html = client.http.get("/mappings", headers={"Accept": "text/html,*/*;q=0.8"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    stem = "pcf-8.1-to-prm-it-a2"
    for suffix in (".sssom.tsv", ".sssom.json", ".sssom.ttl"):
        assert f'href="/mappings/{stem}{suffix}"' in html.text
        assert f'href="/mappings/{stem}{suffix}?derived=true"' in html.text
    assert client.http.get("/mappings", headers={"Accept": "*/*"}).json()["mappingSets"]
    page = client.http.get(f"/id/mapping-set/{stem}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert f'href="/mappings/{stem}.sssom.tsv"' in page.text
    assert f'href="/mappings/{stem}.sssom.ttl?derived=true"' in page.text
    derived = client.http.get("/id/mapping-set/derived", headers={"Accept": "text/html"}).text
    assert 'href="/mappings/derived.sssom.json"' in derived and "derived=true" not in derived


def test_mappings_index_gives_each_sets_version(client: Client) -> None:
    """A curated set's ``mapping_set_version`` changes with every edit (docs/mappings.md);
    GET /mappings gave each set's name, title and links but not its version, so a client
    could not tell a new release of a set without fetching every file."""
    sets = {s["name"]: s for s in client.http.get("/mappings").json()["mappingSets"]}
    for stem in STEMS:
        shipped = read_mapping_set(resource_dir("data") / "mappings" / f"{stem}.sssom.tsv")
        assert shipped.version and sets[stem]["version"] == shipped.version, stem
    assert sets["derived"]["version"] is None  # derived at build: no curated version
    html = client.http.get("/mappings", headers={"Accept": "text/html"}).text
    assert f"<code>{STEMS[0]}</code> version {sets[STEMS[0]]['version']}" in html


def test_http_path_in_another_case_is_a_404_naming_the_set_meant(client: Client) -> None:
    """A path is case-sensitive (one URL per download, as /frameworks/{id}): another case
    stays a 404, but it names the set meant (``canonical``), as /frameworks/PRM-IT does;
    it said only "no mapping set" and listed every set."""
    r = client.http.get("/mappings/PCF-8.1-to-PRM-IT-A2.sssom.tsv")
    assert r.status_code == 404
    problem = r.json()
    assert problem["canonical"] == "pcf-8.1-to-prm-it-a2", problem
    assert "did you mean 'pcf-8.1-to-prm-it-a2'?" in problem["detail"]
    nothing = client.http.get("/mappings/nope.sssom.tsv").json()
    assert "canonical" not in nothing and "did you mean" not in nothing["detail"]


def test_cli_export_takes_a_set_in_another_case(release: Release, tmp_path: Path) -> None:
    """``--set`` is an identifier, matched ignoring case by the rule of every option
    naming one (it was "no mapping set 'PCF-8.1-TO-PRM-IT-A2'")."""
    from pcfgraph.cli.common import run_main

    assert "pcf-8.1-to-prm-it-a2" in mapping_set_ids(release.store, shared_catalog())
    written = {}
    for set_id in ("pcf-8.1-to-prm-it-a2", "PCF-8.1-TO-PRM-IT-A2"):
        out = tmp_path / f"{set_id}.sssom.tsv"
        assert run_main(main, ["mappings", "export", "--set", set_id, "-o", str(out)]) == 0
        written[set_id] = out.read_bytes()
    assert written["PCF-8.1-TO-PRM-IT-A2"] == written["pcf-8.1-to-prm-it-a2"]


def test_a_directory_export_that_finds_no_room_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``mappings export -o sets/`` wrote one set after another: a disk that filled at the
    second left the first new and the others from the export before (a mixed directory
    that read as one export). Now all the files are written, then all renamed."""
    import errno
    import os

    from pcfgraph import files
    from pcfgraph.cli.common import run_main

    out = tmp_path / "sets"
    assert run_main(main, ["mappings", "export", "-o", str(out)]) == 0
    before = {p.name: b"an export of last week\n" for p in out.iterdir()}
    for name, data in before.items():
        (out / name).write_bytes(data)
    real_fdopen, opened = os.fdopen, []

    def disk_fills(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened.append(fd)
        if len(opened) == 2:  # the second file finds the disk full
            os.close(fd)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(files.os, "fdopen", disk_fills)
    capsys.readouterr()
    assert run_main(main, ["mappings", "export", "-o", str(out)]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporary left
    assert capsys.readouterr().err == (
        f"pcfgraph: error: cannot write -o {out}: No space left on device\n"
    )
