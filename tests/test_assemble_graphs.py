"""The assembled release holds, graph by graph, exactly what each source gives alone: the
sources are loaded straight into the store (no Python object per statement), and a release's
on-disk store is loaded in pieces; neither may change a statement."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from identity_support import sources
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph import iris
from pcfgraph.assemble import assemble
from pcfgraph.importers.apqc import import_workbook
from pcfgraph.mappings import mapping_set_graph, read_mapping_set
from pcfgraph.release import canonical_nquads, write_store_dir
from pcfgraph.resources import resource_dir
from pcfgraph.sources import ExtraSources
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import triples_to_graph


def graph_of(store: ox.Store, name: str) -> Graph:
    return triples_to_graph(store.quads_for_pattern(None, None, None, ox.NamedNode(name)))


def parsed(path: Path) -> Graph:
    return triples_to_graph(
        ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE)
    )


def test_each_graph_is_its_source_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", "off")  # imported now, not from an earlier run
    src = sources(tmp_path)  # three workbooks (in parallel), PRM-IT, a mapping set
    assembly = assemble(extra=ExtraSources(sources_file=src))
    store = assembly.store.store
    workbooks = sorted(tmp_path.glob("*.xlsx"))
    assert len(workbooks) == 3
    expected_graphs = {str(iris.ontology_graph()), str(iris.framework_graph("prm-it"))}
    for path in workbooks:
        imported = import_workbook(path, progress=False)
        name = str(iris.framework_graph(imported.framework_id))
        expected_graphs.add(name)
        in_store = set(store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
        assert {(q.subject, q.predicate, q.object) for q in in_store} == {
            (t.subject, t.predicate, t.object) for t in imported.triples
        }
    ontology = Graph()
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        ontology += parsed(path)
    assert isomorphic(graph_of(store, str(iris.ontology_graph())), ontology)
    prm_it = resource_dir("data") / "prm-it" / "prm-it.ttl"
    assert isomorphic(graph_of(store, str(iris.framework_graph("prm-it"))), parsed(prm_it))
    mapping_set = read_mapping_set(tmp_path / "test-identity.sssom.tsv")
    mapping_graph = str(iris.mapping_set_graph(mapping_set.stem))
    expected_graphs.add(mapping_graph)
    assert isomorphic(graph_of(store, mapping_graph), mapping_set_graph(mapping_set))
    assert expected_graphs <= set(assembly.store.graph_names())


@pytest.mark.parametrize("chunk", [1, 200, 10**9])
def test_store_dir_loaded_in_pieces_holds_the_same_quads(tmp_path: Path, chunk: int) -> None:
    store = EmbeddedStore()
    for i in range(50):
        g = ox.NamedNode(f"http://example.org/g{i % 3}")
        s = ox.NamedNode(f"http://example.org/s{i}")
        store.store.add(ox.Quad(s, ox.NamedNode("http://example.org/p"), ox.Literal(f"v {i}"), g))
        store.store.add(ox.Quad(s, ox.NamedNode("http://example.org/q"), s, ox.DefaultGraph()))
    data = canonical_nquads(store)
    write_store_dir(data, tmp_path / "store", chunk=chunk)
    disk = ox.Store.read_only(str(tmp_path / "store"))
    assert set(disk) == set(store.store)
    assert len(disk) == 100
