"""A mapping steward's round trip: export a curated set as SSSOM, edit it (by hand, in a
spreadsheet, with sssom-py), read it back. What comes back is the graph that was published,
plus exactly what the steward added."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from gql_support import shared_catalog
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph import iris
from pcfgraph.assemble import rdflib_to_quads
from pcfgraph.mappings import mapping_set_graph, read_mapping_set
from pcfgraph.mappings.export import export_bytes
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


def exported(release: Release, stem: str, directory: Path) -> Path:
    path = directory / f"{stem}.sssom.tsv"
    path.write_bytes(export_bytes(release.store, shared_catalog(), stem, "sssom-tsv"))
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
