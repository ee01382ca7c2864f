"""APQC Process Classification Framework workbooks (APQC's own ``.xlsx`` layout) to RDF.

One workbook is one industry edition and version of the PCF and becomes one named graph:
a ``skos:ConceptScheme`` (``pcfg:Framework``) with one ``skos:Concept`` per PCF element and one
``pcfg:Measure`` per row of the "Metrics" sheet. Identity comes from the PCF ID only (see
:mod:`pcfgraph.iris`); hierarchy IDs are labels and give the ``skos:broader`` tree.

The steps, one module each: :mod:`pcfgraph.archive_guard` bounds the archive before anything is inflated;
:mod:`.layout` finds sheets and header rows; :mod:`.rows` reads rows into records (streamed,
read-only; the glossary and metrics sheets in :mod:`.measures`); :mod:`.statement` decides edition and version from the workbook's own statement,
APQC's download name and the caller's flags; :mod:`.emit` writes RDF. Every failure is a
:class:`~pcfgraph.errors.WorkbookError` naming file, sheet, row and column.
"""

from __future__ import annotations

import functools
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from rdflib import Graph, URIRef
from tqdm import tqdm

from pcfgraph import iris
from pcfgraph.archive_guard import DEFAULT_LIMITS, ArchiveLimits, check_archive_file
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc.cells import KINDS, normalise_space, parse_changes, parse_hierarchy_id
from pcfgraph.importers.apqc.emit import APQC_LICENSE, APQC_NOTICE, Emitter
from pcfgraph.importers.apqc.notice import read_notice
from pcfgraph.importers.apqc.rows import read_workbook
from pcfgraph.importers.apqc.statement import (
    Identity,
    parse_file_name,
    read_statement,
    resolve,
)

__all__ = [
    "APQC_LICENSE",
    "APQC_NOTICE",
    "KINDS",
    "ApqcImport",
    "edition_version_from_name",
    "import_workbook",
    "normalise_space",
    "parse_changes",
    "parse_hierarchy_id",
]


@dataclass
class ApqcImport:
    """The result of importing one workbook: this edition's named-graph content and counts."""

    framework_id: str
    edition: str
    version: str
    #: This edition's triples (pyoxigraph terms), each once.
    triples: list[ox.Triple]
    counts: dict[str, int]
    elements: int
    metrics: int
    #: Tolerated oddities (e.g. an unreadable change token); the import still succeeded.
    warnings: list[str] = field(default_factory=list)
    #: The version APQC compared this workbook with, when it is a comparison workbook.
    compared_to: str | None = None
    #: ``(PCF ID, hierarchy ID, name, definition)`` per element, for links between versions.
    element_rows: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    #: ``IRI -> (sheet, row)`` of every element and measure: where a finding about a node
    #: of this edition's graph comes from (errors name the workbook's sheet and row).
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Where edition and version were read from (flag, file name or the workbook itself).
    edition_from: str = ""
    version_from: str = ""
    #: The copyright and licence notice the workbook states itself (None when it has none).
    source_notice: str | None = None

    @functools.cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib Graph (made on first use; tests and tools compare graphs)."""
        g = Graph()
        for prefix, ns in iris.PREFIXES.items():
            g.bind(prefix, ns)
        data = ox.serialize(self.triples, format=ox.RdfFormat.N_TRIPLES) or b""
        return g.parse(data=data, format="nt")

    def quads(self, graph_name: str | None = None) -> list[ox.Quad]:
        """The triples in this edition's named graph (or ``graph_name``)."""
        g = ox.NamedNode(graph_name or str(self.graph_name))
        return [ox.Quad(t.subject, t.predicate, t.object, g) for t in self.triples]

    @property
    def scheme(self) -> URIRef:
        return iris.framework(self.framework_id)

    @property
    def graph_name(self) -> URIRef:
        return iris.framework_graph(self.framework_id)

    def named_warnings(self, file_name: str) -> list[str]:
        """:attr:`warnings`, each naming the workbook (and, as they all do, sheet and row):
        what ``pcfgraph import apqc``, ``build`` and ``serve`` print."""
        return [f"{file_name}: {warning}" for warning in self.warnings]

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
        compared = f", compared with {self.compared_to}" if self.compared_to else ""
        return (
            f"{self.framework_id}: {self.elements} elements ({kinds}), {self.metrics} metrics, "
            f"{len(self.triples)} triples{compared}"
        )


def edition_version_from_name(file_name: str) -> tuple[str, str] | None:
    """``("Cross-Industry", "7.4")`` from ``apqc-pcf-cross-industry-7.4.xlsx`` or APQC's
    download names (``k06638-airline-v722-vs-airline-v721-2025.xlsx``); None otherwise."""
    parsed = parse_file_name(file_name)
    if parsed is None:
        return None
    claim = parsed[0]
    assert claim.edition is not None and claim.version is not None
    return claim.edition, claim.version


def import_workbook(
    path: Path,
    *,
    edition: str | None = None,
    version: str | None = None,
    progress: bool | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    default: tuple[str, str] | None = None,
) -> ApqcImport:
    """Import one APQC PCF workbook; see the module docstring.

    ``edition``/``version`` are checked against the workbook's own statement and the file name
    (a contradiction is an error naming both); ``default`` is used only where nothing states
    them. ``progress``: True shows a progress bar on stderr for imports over a second, False
    never does, None only when stderr is a terminal.
    """
    path = Path(path)
    try:
        return _import(path, edition, version, progress, limits, default)
    except WorkbookError as exc:
        raise exc.in_file(path.name) from None


def _import(
    path: Path,
    edition: str | None,
    version: str | None,
    progress: bool | None,
    limits: ArchiveLimits,
    default: tuple[str, str] | None,
) -> ApqcImport:
    if not path.is_file():
        raise WorkbookError("no such file")
    check_archive_file(path, limits)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({exc})") from None
    bar = tqdm(
        total=None,
        desc=f"importing {path.name}",
        unit=" rows",  # read, then written as RDF
        delay=1.0,
        file=sys.stderr,
        disable=None if progress is None else not progress,
        leave=False,
    )
    try:
        statement = read_statement(path, wb)
        rows = read_workbook(wb, limits, lambda: bar.update(1))
        statement.absorb(rows.title_texts, "the title rows")
        identity = resolve(path.name, statement, edition=edition, version=version, default=default)
        return _emit(path, identity, rows, bar, read_notice(path, wb))
    finally:
        bar.close()
        wb.close()


def _emit(
    path: Path, identity: Identity, rows: Any, bar: Any, source_notice: str | None
) -> ApqcImport:
    out = Emitter(identity, path.name, source_notice)
    out.by_hid = {e.hierarchy_id: e.pcf_id for e in rows.elements}
    out.scheme_triples()
    counts = {kind: 0 for kind, _ in KINDS}
    for e in rows.elements:
        counts[KINDS[e.level - 1][0]] += 1
        out.element(e)
        bar.update(1)
    for metric in rows.metrics:
        out.measure(metric)
    return ApqcImport(
        framework_id=out.framework_id,
        edition=identity.edition,
        version=identity.version,
        triples=out.triples,
        counts=counts,
        elements=len(rows.elements),
        metrics=len(rows.metrics),
        warnings=rows.warnings + out.warnings,
        compared_to=identity.compared_to,
        element_rows=[(e.pcf_id, e.hierarchy_id, e.name, e.definition) for e in rows.elements],
        origins={
            **{out.element_iri(e.pcf_id).value: (e.sheet, e.row) for e in rows.elements},
            **{
                str(iris.apqc_measure(out.edition, out.version, m.metric_id)): (m.sheet, m.row)
                for m in rows.metrics
            },
        },
        edition_from=identity.edition_from,
        version_from=identity.version_from,
        source_notice=source_notice,
    )
