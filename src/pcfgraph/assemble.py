"""Assemble the framework graph: ontology + frameworks + curated and derived mappings.

One named graph per framework edition (``iris.framework_graph``), per mapping set
(``iris.mapping_set_graph``), one for derived mappings and one for the ontology. The result
is an :class:`~pcfgraph.store.EmbeddedStore`; nothing is half-loaded: any error aborts the
whole assembly before a store is returned.
"""

from __future__ import annotations

import glob
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import Graph

from pcfgraph import iris
from pcfgraph.errors import InputError, ParseError
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore


@dataclass
class Assembly:
    """The assembled store plus what went into it (for manifests and stats)."""

    store: EmbeddedStore
    sources: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


def load_turtle(path: Path, graph: str) -> list[ox.Quad]:
    """Parse one data Turtle file (relative IRIs against ``iris.ID_BASE``) into quads."""
    try:
        triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE)
        g = ox.NamedNode(graph)
        return [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
    except SyntaxError as exc:
        raise ParseError(str(exc), line=getattr(exc, "lineno", None), source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def rdflib_to_quads(graph: Graph, graph_name: str) -> list[ox.Quad]:
    """Move an rdflib Graph into oxigraph quads (via N-Triples, exact and fast)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    g = ox.NamedNode(graph_name)
    return [
        ox.Quad(t.subject, t.predicate, t.object, g)
        for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    ]


def _manifest(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "frameworks.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("frameworks"), list):
        raise InputError(f"{path}: expected a 'frameworks' list")
    return doc


def framework_quads(
    data_dir: Path, entry: dict[str, Any], *, progress: bool = False
) -> list[ox.Quad]:
    """All quads of one framework entry of ``frameworks.yaml``."""
    fid = entry["id"]
    graph = str(iris.framework_graph(fid))
    quads: list[ox.Quad] = []
    kind = entry.get("kind")
    for rel in entry.get("files", []):
        path = data_dir / rel
        if kind == "apqc-workbook":
            from pcfgraph.importers.apqc import import_workbook

            imported = import_workbook(
                path,
                edition=entry.get("edition"),
                version=str(entry.get("version")),
                progress=progress,
            )
            if imported.framework_id != fid:
                raise InputError(
                    f"{path}: imports as {imported.framework_id!r}, frameworks.yaml says {fid!r}"
                )
            quads.extend(rdflib_to_quads(imported.graph, graph))
        elif kind == "turtle":
            quads.extend(load_turtle(path, graph))
        else:
            raise InputError(f"frameworks.yaml: framework {fid!r} has unknown kind {kind!r}")
    for rel in entry.get("supplements", []) or []:
        quads.extend(load_turtle(data_dir / rel, graph))
    return quads


def mapping_files(data_dir: Path, patterns: list[str]) -> list[Path]:
    files: list[Path] = []
    for pattern in patterns:
        files.extend(Path(p) for p in sorted(glob.glob(str(data_dir / pattern))))
    return files


def assemble(
    data_dir: Path | None = None,
    ontology_dir: Path | None = None,
    *,
    include_derived: bool = True,
    progress: bool = False,
) -> Assembly:
    """Build the whole dataset into a fresh embedded store."""
    from pcfgraph.mappings import derive_mappings, mapping_set_graph, read_mapping_set

    started = time.perf_counter()
    data_dir = data_dir or resource_dir("data")
    ontology_dir = ontology_dir or resource_dir("ontology")
    doc = _manifest(data_dir)
    quads: list[ox.Quad] = []
    sources: dict[str, list[str]] = {}

    onto_graph = str(iris.ontology_graph())
    for path in sorted(ontology_dir.glob("*.ttl")):
        quads.extend(load_turtle(path, onto_graph))
        sources.setdefault(onto_graph, []).append(path.name)

    for entry in doc["frameworks"]:
        quads.extend(framework_quads(data_dir, entry, progress=progress))
        sources[str(iris.framework_graph(entry["id"]))] = list(entry.get("files", [])) + list(
            entry.get("supplements", []) or []
        )

    for path in mapping_files(data_dir, list(doc.get("vocabularies", []) or [])):
        graph_name = str(iris.vocabulary_graph(path.stem))
        quads.extend(load_turtle(path, graph_name))
        sources[graph_name] = [path.relative_to(data_dir).as_posix()]

    curated: list[Graph] = []
    for path in mapping_files(data_dir, list(doc.get("mappings", []))):
        mapping_set = read_mapping_set(path)
        g = mapping_set_graph(mapping_set)
        curated.append(g)
        graph_name = str(iris.mapping_set_graph(mapping_set.stem))
        quads.extend(rdflib_to_quads(g, graph_name))
        sources[graph_name] = [path.relative_to(data_dir).as_posix()]

    if include_derived and curated:
        derived = derive_mappings(curated)
        quads.extend(rdflib_to_quads(derived, str(iris.derived_mappings_graph())))
        sources[str(iris.derived_mappings_graph())] = ["derived from the curated mapping sets"]

    store = EmbeddedStore()
    store.add_quads(quads)
    return Assembly(store=store, sources=sources, seconds=time.perf_counter() - started)
