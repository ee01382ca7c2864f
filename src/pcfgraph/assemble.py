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
from pcfgraph.sources import (
    Entry,
    ExtraSources,
    ImportedWorkbook,
    import_workbooks,
    source_list,
)
from pcfgraph.store import EmbeddedStore
from pcfgraph.versions import version_link_quads


@dataclass
class Assembly:
    """The assembled store plus what went into it (for manifests and stats)."""

    store: EmbeddedStore
    sources: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    #: Framework graphs that passed the framework shapes in their import workers (one
    #: workbook each, nothing added): :mod:`pcfgraph.release_shapes`.
    validated_graphs: frozenset[str] = frozenset()
    #: What the user is told on stderr: the importers' warnings (each naming workbook, sheet
    #: and row) and the notes on the source list (a workbook that was already a source).
    warnings: tuple[str, ...] = ()
    #: Those of :attr:`warnings` about the workbooks pcfgraph ships (``data/``, as its
    #: ``frameworks.yaml`` lists them): the same on every machine and nothing the user can
    #: fix, so shown where the data is built, validated or served, not by every command.
    shipped_warnings: tuple[str, ...] = ()
    #: Each curated mapping record's IRI -> the SSSOM file and line it was read from, so a
    #: rule failing on the record can name the row a steward edits (not part of the graph).
    record_lines: dict[str, tuple[str, int]] = field(default_factory=dict)


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


def load_turtle_into(store: ox.Store, path: Path, graph: str) -> None:
    """Load one data Turtle file into ``graph`` of ``store`` (as :func:`load_turtle`, without
    a Python object per statement: the parser writes straight into the store)."""
    try:
        store.bulk_load(
            path=str(path),
            format=ox.RdfFormat.TURTLE,
            base_iri=iris.ID_BASE,
            to_graph=ox.NamedNode(graph),
        )
    except SyntaxError as exc:
        raise ParseError(str(exc), line=getattr(exc, "lineno", None), source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def load_ntriples_into(store: ox.Store, data: bytes, graph: str) -> None:
    """Load N-Triples that pcfgraph wrote itself (an imported workbook, a mapping set) into
    ``graph`` of ``store``."""
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))


def rdflib_to_quads(graph: Graph, graph_name: str) -> list[ox.Quad]:
    """Move an rdflib Graph into oxigraph quads (via N-Triples, exact and fast)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    g = ox.NamedNode(graph_name)
    return [
        ox.Quad(t.subject, t.predicate, t.object, g)
        for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    ]


def load_rdflib_into(store: ox.Store, graph: Graph, graph_name: str) -> None:
    """Move an rdflib Graph into ``graph_name`` of ``store`` (via N-Triples, exact and fast)."""
    load_ntriples_into(store, graph.serialize(format="nt", encoding="utf-8"), graph_name)


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
    """All quads of one framework entry of ``frameworks.yaml`` (paths relative to data_dir)."""
    e = Entry(entry, data_dir, "frameworks.yaml")
    store = ox.Store()
    load_entry(store, e, _workbooks([e]))
    return list(store)


def _workbooks(entries: list[Entry]) -> dict[Path, ImportedWorkbook]:
    """Every APQC workbook of the entries, imported (in parallel when several), by path."""
    jobs: list[tuple[Path, str | None, str | None]] = []
    supplements: dict[Path, list[Path]] = {}
    for entry in entries:
        if entry.kind == "apqc-workbook":
            version = entry.raw.get("version")
            for path in entry.files():
                jobs.append(
                    (path, entry.raw.get("edition"), None if version is None else str(version))
                )
            if len(entry.files()) == 1:  # its graph is the workbook and these: checked together
                supplements[entry.files()[0]] = entry.supplements()
    return {w.path: w for w in import_workbooks(jobs, supplements=supplements)}


def entry_framework(entry: Entry, workbooks: dict[Path, ImportedWorkbook]) -> str:
    """The framework id of one entry; an APQC entry without an id takes its workbook's (and
    one with an id must import as that framework)."""
    fid = entry.raw.get("id")
    for path in entry.files():
        if entry.kind == "apqc-workbook":
            imported = workbooks[path]
            if fid is None:
                fid = imported.framework_id
            elif imported.framework_id != fid:
                raise InputError(
                    f"{path}: imports as {imported.framework_id!r}, {entry.listed_in} says {fid!r}"
                )
        elif entry.kind != "turtle" or fid is None:
            raise InputError(
                f"{entry.listed_in}: framework {fid!r} has unknown kind {entry.kind!r}"
            )
    if fid is None:
        raise InputError(f"{entry.listed_in}: a framework entry lists no files")
    return str(fid)


def load_entry(store: ox.Store, entry: Entry, workbooks: dict[Path, ImportedWorkbook]) -> str:
    """Load one entry's files and supplements into its framework graph; its framework id."""
    fid = entry_framework(entry, workbooks)
    graph = str(iris.framework_graph(fid))
    for path in entry.files():
        if entry.kind == "apqc-workbook":
            load_ntriples_into(store, workbooks[path].nt, graph)
        else:
            load_turtle_into(store, path, graph)
    for path in entry.supplements():
        load_turtle_into(store, path, graph)
    return fid


def _source_name(path: Path, data_dir: Path) -> str:
    """A source as the manifest names it: relative to data/ when shipped, else its full path."""
    try:
        return path.resolve().relative_to(data_dir.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


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
    extra: ExtraSources | None = None,
) -> Assembly:
    """Build the whole dataset into a fresh embedded store: the shipped sources plus ``extra``
    (workbooks added with ``--add``, a ``--sources`` file)."""
    from pcfgraph.mappings import derive_mappings, mapping_set_graph, read_mapping_set
    from pcfgraph.mappings.notice import missing_notice

    started = time.perf_counter()
    data_dir = data_dir or resource_dir("data")
    ontology_dir = ontology_dir or resource_dir("ontology")
    doc = _manifest(data_dir)
    # Every source goes straight into the store (no Python object per statement): for the
    # shared workbooks that was 611k quads held twice, a third of the build's peak memory.
    store = EmbeddedStore()
    sink = store.store
    sources: dict[str, list[str]] = {}

    onto_graph = str(iris.ontology_graph())
    for path in sorted(ontology_dir.glob("*.ttl")):
        load_turtle_into(sink, path, onto_graph)
        sources.setdefault(onto_graph, []).append(path.name)

    listing = source_list(data_dir, doc, extra or ExtraSources())
    workbooks = _workbooks(listing.entries)
    claimed: dict[str, str] = {}
    validated: set[str] = set()
    for entry in listing.entries:
        fid = entry_framework(entry, workbooks)
        if fid in claimed:
            raise InputError(
                f"two sources claim framework {fid!r}: {claimed[fid]} and {entry.listed_in} "
                f"({', '.join(p.name for p in entry.files())}); keep one"
            )
        claimed[fid] = f"{entry.listed_in} ({', '.join(p.name for p in entry.files())})"
        load_entry(sink, entry, workbooks)
        if _validated_alone(entry, workbooks):
            validated.add(str(iris.framework_graph(fid)))
        sources[str(iris.framework_graph(fid))] = [
            _source_name(p, data_dir) for p in entry.files() + entry.supplements()
        ]

    for path in mapping_files(data_dir, list(doc.get("vocabularies", []) or [])):
        graph_name = str(iris.vocabulary_graph(path.stem))
        load_turtle_into(sink, path, graph_name)
        sources[graph_name] = [path.relative_to(data_dir).as_posix()]

    links = version_link_quads(workbooks.values())
    if links:
        store.add_quads(links)
        sources[str(iris.apqc_versions_graph())] = ["derived from the loaded APQC workbooks"]

    curated: list[Graph] = []
    record_lines: dict[str, tuple[str, int]] = {}
    # a file two patterns match is one source (dict: first match order)
    mapping_paths = list(
        {
            p.resolve(): p
            for base, pattern in listing.mappings
            for p in mapping_files(base, [pattern])
        }.values()
    )
    read_from: dict[str, Path] = {}
    notes: list[str] = []  # a set of PCF elements without APQC's notice (mappings.notice)
    for path in mapping_paths:
        mapping_set = read_mapping_set(path)
        if mapping_set.stem in read_from:  # one graph each: a second file would merge into it
            raise InputError(
                f"two files state mapping set {mapping_set.stem!r}: "
                f"{_source_name(read_from[mapping_set.stem], data_dir)} and "
                f"{_source_name(path, data_dir)}; keep one"
            )
        read_from[mapping_set.stem] = path
        _check_mapped_elements(sink, mapping_set)
        unnoticed = missing_notice(mapping_set, _source_name(path, data_dir))
        if unnoticed is not None:
            notes.append(unnoticed)
        g = mapping_set_graph(mapping_set)
        for row in mapping_set.rows:
            record = str(iris.mapping_record(mapping_set.stem, row.key))
            record_lines[record] = (str(path), row.line)
        curated.append(g)
        graph_name = str(iris.mapping_set_graph(mapping_set.stem))
        load_rdflib_into(sink, g, graph_name)
        sources[graph_name] = [_source_name(path, data_dir)]

    if include_derived and curated:
        derived = derive_mappings(curated)
        load_rdflib_into(sink, derived, str(iris.derived_mappings_graph()))
        sources[str(iris.derived_mappings_graph())] = ["derived from the curated mapping sets"]

    return Assembly(
        store=store,
        sources=sources,
        seconds=time.perf_counter() - started,
        validated_graphs=frozenset(validated),
        warnings=(
            *listing.notes,
            *(w for wb in workbooks.values() for w in wb.warnings),
            *notes,
        ),
        shipped_warnings=_shipped_warnings(listing.entries, workbooks),
        record_lines=record_lines,
    )


def _shipped_warnings(
    entries: list[Entry], workbooks: dict[Path, ImportedWorkbook]
) -> tuple[str, ...]:
    """The importers' warnings about the shipped data's own workbooks: those of the entries
    of the package's ``data/frameworks.yaml`` (not of a sources file of the same name, nor of
    a ``data_dir`` of the user's)."""
    shipped = resource_dir("data").resolve()
    return tuple(
        w
        for entry in entries
        if entry.listed_in == "frameworks.yaml" and entry.base.resolve() == shipped
        for path in entry.files()
        if path in workbooks
        for w in workbooks[path].warnings
    )


def _validated_alone(entry: Entry, workbooks: dict[Path, ImportedWorkbook]) -> bool:
    """Whether the entry's graph is exactly what one import worker validated: one workbook
    and the supplements checked with it."""
    files = entry.files()
    return (
        entry.kind == "apqc-workbook"
        and len(files) == 1
        and workbooks[files[0]].validated
        and workbooks[files[0]].checked_with == tuple(entry.supplements())
    )


def _check_mapped_elements(sink: ox.Store, mapping_set: Any) -> None:
    """Refuse, naming file, line and column, a row whose subject or object is no element of a
    loaded framework (a typo in an id): the shapes would refuse the release too, but name only
    the record's IRI, which a steward editing the file cannot find."""
    from pcfgraph.mappings.sssom import NO_TERM_FOUND

    in_scheme = ox.NamedNode(str(iris.SKOS.inScheme))
    columns: list[str] = []
    for row in mapping_set.rows:
        for slot, term, source in (
            ("subject_id", row.subject, row.subject_source),
            ("object_id", row.object, row.object_source),
        ):
            if term == NO_TERM_FOUND:
                continue
            schemes = {
                q.object.value
                for q in sink.quads_for_pattern(ox.NamedNode(str(term)), in_scheme, None, None)
                if isinstance(q.object, ox.NamedNode)
            }
            if str(source) in schemes:
                continue
            if not columns:
                text = Path(mapping_set.path).read_text(encoding="utf-8-sig").splitlines()
                columns = next(line for line in text if not line.startswith("#")).split("\t")
            curie = next(
                (
                    f"{prefix}:{term[len(base) :]}"
                    for prefix, base in mapping_set.curie_map.items()
                    if term.startswith(base)
                ),
                str(term),
            )
            problem = f"{slot} {curie!r} is not an element of any loaded framework"
            if schemes:  # a row put in a set of another framework: its source says otherwise
                base = str(iris.framework(""))
                found = ", ".join(sorted(s.removeprefix(base) for s in schemes))
                side = slot.removesuffix("_id")
                problem = (
                    f"{slot} {curie!r} is an element of {found}, not of its {side}_source "
                    f"{str(source).removeprefix(base)} (its own cell or the header's)"
                )
            raise ParseError(
                problem,
                line=row.line,
                column=columns.index(slot) + 1 if slot in columns else None,
                source=str(mapping_set.path),
            )
