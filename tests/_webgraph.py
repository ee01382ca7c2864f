"""A small, complete graph for the web, export and diff tests.

The ontology, the shipped APQC 8.1 extract (through the real importer) and
``fixtures/web-frameworks.trig`` (PRM-IT A2, IT-CMF and TRIM samples and curated plus derived
mapping records in the shape of ``ontology/README.md``). Independent of the other framework
data files so these tests pin exactly what the pages must show.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.assemble import framework_quads, load_turtle
from pcfgraph.release import Release, canonical_nquads, make_manifest
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore

FIXTURE = Path(__file__).parent / "fixtures" / "web-frameworks.trig"
APQC_ID = "apqc-pcf-cross-industry-7.4"


def web_release() -> Release:
    quads: list[ox.Quad] = []
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        quads.extend(load_turtle(path, str(iris.ontology_graph())))
    entry = {
        "id": APQC_ID,
        "kind": "apqc-workbook",
        "files": [
            str(Path(__file__).parent / "fixtures" / "pcf-cross-industry-7.4-group-8.1.xlsx")
        ],
        "edition": "Cross-Industry",
        "version": "7.4",
        "supplements": ["apqc/measures-supplement.ttl"],
    }
    quads.extend(framework_quads(resource_dir("data"), entry))
    quads.extend(ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG, base_iri=iris.ID_BASE))
    store = EmbeddedStore()
    store.add_quads(quads)
    manifest = make_manifest(store, canonical_nquads(store), {})
    return Release(store=store, manifest=manifest, path=None)


def element_iri(pcf_id: int) -> str:
    return str(iris.apqc_element("Cross-Industry", "7.4", pcf_id))
