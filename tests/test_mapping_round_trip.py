"""A mapping steward's round trip: export a curated set as SSSOM, edit it (by hand, in a
spreadsheet, with sssom-py), read it back. What comes back is the graph that was published,
plus exactly what the steward added."""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from gql_support import shared_catalog
from rdflib import RDFS, Graph, Literal
from rdflib.compare import isomorphic

from pcfgraph import iris
from pcfgraph.assemble import rdflib_to_quads
from pcfgraph.mappings import mapping_set_graph, read_mapping_set
from pcfgraph.mappings.export import FORMATS, export_bytes
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import triples_to_graph

SHIPPED = sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv"))
STEMS = [p.name.removesuffix(".sssom.tsv") for p in SHIPPED]


@pytest.fixture(scope="module")
def release(shipped_release: Release) -> Release:
    return shipped_release


def published(store: EmbeddedStore, stem: str) -> Graph:
    """The named graph of a mapping set as the store holds it."""
    name = ox.NamedNode(str(iris.mapping_set_graph(stem)))
    return triples_to_graph(store.store.quads_for_pattern(None, None, None, name))


def imported(path: Path) -> Graph:
    """The graph of an SSSOM/TSV file as a build loads it (through the store, as published)."""
    ms = read_mapping_set(path)
    store = EmbeddedStore()
    store.add_quads(rdflib_to_quads(mapping_set_graph(ms), str(iris.mapping_set_graph(ms.stem))))
    return published(store, ms.stem)


def exported(release: Release, stem: str, directory: Path, fmt: str = "sssom-tsv") -> Path:
    """The set's export in ``fmt`` (``sssom-tsv``, ``sssom-json``) as ``<stem>.sssom.<ext>``."""
    path = directory / f"{stem}.{fmt.replace('-', '.')}"
    path.write_bytes(export_bytes(release.store, shared_catalog(), stem, fmt))
    return path


@pytest.mark.parametrize("stem", STEMS)
def test_an_export_read_back_is_the_published_graph(
    release: Release, tmp_path: Path, stem: str
) -> None:
    # The export declares the SSSOM built-ins and the record prefix (mapping:) that the
    # source file does not: read back, each became an sh:declare of the set the published
    # graph does not have (the only difference).
    again = imported(exported(release, stem, tmp_path))
    want = published(release.store, stem)
    assert isomorphic(again, want), sorted(set(again) ^ set(want))[:6]


def sssom_py_rewrite(source: Path, target: Path) -> Any:
    """``source`` read and written again by sssom-py (as a steward's script would)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py and pandas deprecation noise
        from sssom.parsers import parse_sssom_table
        from sssom.writers import write_table

        msdf = parse_sssom_table(str(source))
        with target.open("w", encoding="utf-8") as out:
            write_table(msdf, out)
    return msdf


@pytest.mark.parametrize("stem", STEMS)
def test_a_set_written_by_sssom_py_imports_as_the_published_graph(
    release: Release, tmp_path: Path, stem: str
) -> None:
    # sssom-py moves the slots every row shares (subject_source...) into the header, folds
    # long header values over several '#' lines and leaves record_id out: pcfgraph reads it
    # as the same set.
    (tmp_path / "py").mkdir()
    target = tmp_path / "py" / f"{stem}.sssom.tsv"
    sssom_py_rewrite(exported(release, stem, tmp_path), target)
    again = imported(target)
    want = published(release.store, stem)
    assert isomorphic(again, want), sorted(set(again) ^ set(want))[:6]


def appended(path: Path, rows: list[dict[str, str]]) -> None:
    """Rows added at the end of an SSSOM/TSV file, by column name (the others left empty)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    columns = next(line for line in lines if not line.startswith("#")).split("\t")
    added = ["\t".join(row.get(c, "") for c in columns) for row in rows]
    path.write_text("\n".join([*lines, *added]) + "\n", encoding="utf-8")


def test_rows_added_to_an_export_without_sources_get_the_frameworks_the_file_names(
    release: Release, tmp_path: Path
) -> None:
    # Every row of an export states subject_source and object_source, so SSSOM propagation
    # gives a header value to no row: a row added without them was refused. The file names
    # one framework for each CURIE prefix (pcf74: APQC, prmit: PRM-IT in this set, whose
    # subjects come from both) and one target for a NoTermFound row's subject prefix.
    stem = "pcf-8.1-and-prm-it-to-trim-cm"
    path = exported(release, stem, tmp_path)
    curated = {"mapping_justification": "semapv:ManualMappingCuration", "comment": "added"}
    appended(
        path,
        [
            {"subject_id": "pcf74:20620", "predicate_id": "skos:relatedMatch", "confidence": "0.3",
             "object_id": "trim:process/service-level-management", **curated},
            {"subject_id": "prmit:A27", "predicate_id": "skos:mappingRelation",
             "object_id": "sssom:NoTermFound", **curated},
        ],
    )  # fmt: skip
    ms = read_mapping_set(path)
    fw = {k: iris.framework(k) for k in ("apqc-pcf-cross-industry-7.4", "prm-it", "trim")}
    added = {(r.subject, r.subject_source, r.object_source) for r in ms.rows[-2:]}
    pcf, prm = iris.apqc_element("Cross-Industry", "7.4", 20620), iris.prm_it("A27")
    assert added == {(pcf, fw["apqc-pcf-cross-industry-7.4"], fw["trim"]),
                     (prm, fw["prm-it"], fw["trim"])}  # fmt: skip
    # and the rest of the set is the published graph
    records = {iris.mapping_record(stem, r.key) for r in ms.rows[-2:]}
    again = imported(path)
    rest = Graph()
    for t in again:
        if t[0] not in records and t[0] != pcf:
            rest.add(t)
    assert len(rest) < len(again) and isomorphic(rest, published(release.store, stem))


def spreadsheet_save(path: Path, edit: Callable[[list[list[str]]], None]) -> None:
    """``path`` opened in a spreadsheet, edited and saved as TSV again: each header line is
    a row of one cell, padded with tabs to the table's width, and a cell holding a '"' is
    quoted (as LibreOffice and Excel write text files)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    table = [line.split("\t") for line in lines]
    width = max(len(row) for row in table)
    edit(table)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerows(row + [""] * (width - len(row)) for row in table)
    path.write_text(out.getvalue(), encoding="utf-8")


QUOTED = '"Customer" means the business here; the "IT customer" of 8.1.'


def quote_first_comment(table: list[list[str]]) -> None:
    """The first row's comment edited to ``QUOTED``."""
    columns = next(row for row in table if not row[0].startswith("#"))
    table[table.index(columns) + 1][columns.index("comment")] = QUOTED


def sssom_py_comments(path: Path) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py and pandas deprecation noise
        from sssom.parsers import parse_sssom_table

        return set(parse_sssom_table(str(path)).df["comment"])


def test_a_set_saved_by_a_spreadsheet_reads_as_the_published_graph_with_the_edit(
    release: Release, tmp_path: Path
) -> None:
    # The header lines padded with tabs were not YAML ('\t' cannot start any token) and a
    # quoted cell kept its quotes ('"""Customer"" means...'): sssom-py read both as written.
    stem = "pcf-8.1-to-prm-it-a2"
    path = exported(release, stem, tmp_path)
    spreadsheet_save(path, quote_first_comment)
    assert path.read_text(encoding="utf-8").startswith("#curie_map:\t\t")
    ms = read_mapping_set(path)
    assert ms.rows[0].comment == QUOTED and QUOTED in sssom_py_comments(path)
    record = iris.mapping_record(stem, ms.rows[0].key)
    again, want = imported(path), published(release.store, stem)
    assert (record, RDFS.comment, Literal(QUOTED, lang="en")) in again
    again.remove((record, RDFS.comment, None))
    want.remove((record, RDFS.comment, None))
    assert isomorphic(again, want)


def test_a_cell_starting_with_a_quote_is_exported_so_that_it_reads_back(tmp_path: Path) -> None:
    # Written bare, '"Customer" means...' is a quoted cell to every TSV reader: the text
    # after its closing quote ran into it ('Customer means the business...').
    stem = "pcf-8.1-to-it-cmf-rm"
    source = tmp_path / "source" / f"{stem}.sssom.tsv"
    source.parent.mkdir()
    shutil.copy(resource_dir("data") / "mappings" / source.name, source)
    spreadsheet_save(source, quote_first_comment)
    ms = read_mapping_set(source)
    store = EmbeddedStore()
    store.add_quads(rdflib_to_quads(mapping_set_graph(ms), str(iris.mapping_set_graph(stem))))
    out = tmp_path / source.name
    out.write_bytes(export_bytes(store, shared_catalog(), stem, "sssom-tsv"))
    assert QUOTED in {r.comment for r in read_mapping_set(out).rows}
    assert QUOTED in sssom_py_comments(out)


@pytest.mark.parametrize("fmt", ["sssom-json", "sssom-rdf"])
def test_a_json_or_rdf_export_converted_to_tsv_by_sssom_py_is_the_published_graph(
    release: Release, tmp_path: Path, fmt: str
) -> None:
    # A steward who edits the JSON (or Turtle) turns it into the TSV pcfgraph reads with
    # sssom-py (`sssom parse`), which leaves out the prefixes no CURIE uses (itcmf: in the
    # TRIM set): each was an sh:declare of the published set the file read back did not have.
    stem = "pcf-8.1-and-prm-it-to-trim-cm"
    source = tmp_path / f"{stem}{FORMATS[fmt].suffix}"
    source.write_bytes(export_bytes(release.store, shared_catalog(), stem, fmt))
    (tmp_path / "tsv").mkdir()
    target = tmp_path / "tsv" / f"{stem}.sssom.tsv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py and pandas deprecation noise
        from sssom.parsers import parse_sssom_json, parse_sssom_rdf
        from sssom.writers import write_table

        msdf = (parse_sssom_json if fmt == "sssom-json" else parse_sssom_rdf)(str(source))
        msdf.clean_prefix_map()  # as `sssom parse -I json|rdf FILE -o OUT.tsv` does
        with target.open("w", encoding="utf-8") as out:
            write_table(msdf, out)
    again = imported(target)
    want = published(release.store, stem)
    assert isomorphic(again, want), sorted(set(again) ^ set(want))[:6]
