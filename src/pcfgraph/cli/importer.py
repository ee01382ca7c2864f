"""``pcfgraph import ...``: turn framework sources into RDF files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox

from pcfgraph.cli.common import fail, format_option, output_format, print_warnings
from pcfgraph.errors import PcfgraphError, WorkbookError
from pcfgraph.files import write_atomic
from pcfgraph.importers.apqc import ApqcImport, edition_version_from_name, import_workbook
from pcfgraph.iris import ID_BASE, PREFIXES, slug
from pcfgraph.resources import resource_dir
from pcfgraph.sources import shipped_workbook

#: Vocabulary prefixes only. Our own IRIs hold slashes, which prefixed names must escape, and
#: a base IRI makes oxigraph write ``<//www.apqc.org/pcf>``; so our IRIs are written whole.
_VOCAB_PREFIXES: dict[str, str] = {k: v for k, v in PREFIXES.items() if not v.startswith(ID_BASE)}

_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "trig": ox.RdfFormat.TRIG,
}

#: The file suffixes of the formats written.
_SUFFIXES = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt", ".trig": "trig"}


@click.group("import")
def import_() -> None:
    """Import framework sources (APQC PCF workbooks) into RDF."""


def serialise(result: ApqcImport, fmt: str) -> bytes:
    """The import as Turtle, N-Triples or TriG (TriG names the edition's graph)."""
    triples = list(result.triples)
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    rdf_format = _FORMATS[fmt]
    items: list[ox.Triple] | list[ox.Quad] = triples
    if rdf_format.supports_datasets:
        name = ox.NamedNode(str(result.graph_name))
        items = [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]
    if rdf_format == ox.RdfFormat.N_TRIPLES:
        out = ox.serialize(items, format=rdf_format)
    else:
        out = ox.serialize(items, format=rdf_format, prefixes=_VOCAB_PREFIXES)
    return out if isinstance(out, bytes) else b""


def _write(data: bytes, output: Path | None) -> None:
    """Write to stdout, or to ``output`` via a temp file renamed only once fully written."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(output, data)


def _source(workbook: Path) -> tuple[Path, str | None]:
    """The workbook to import and a note: a renamed byte-identical copy of a shipped workbook
    (whose name may be the only place its version is stated: Cross-Industry 7.4) is that
    workbook, with a note; one whose name states another edition or version is refused."""
    shipped = shipped_workbook(workbook, resource_dir("data"))
    if shipped is None:
        return workbook, None
    path, edition, version = shipped
    named = edition_version_from_name(workbook.name)
    if named is None:
        return path, (
            f"{workbook.name}: byte-identical to the shipped {path.name} (APQC PCF {edition} "
            f"{version}); imported as that workbook"
        )
    if (slug(named[0]), named[1]) != (slug(edition), version):
        fail(
            f"{workbook.name}: byte-identical to the shipped {path.name} (APQC PCF {edition} "
            f"{version}), but its name states {named[0]} {named[1]}: one workbook cannot be "
            f"both; name it {path.name} or a name stating no edition"
        )
    return workbook, None


@import_.command("apqc")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    default=None,
    help="Write here (atomically) instead of stdout.",
)
@click.option("--edition", default=None, help='PCF edition, e.g. "Cross-Industry".')
@click.option("--version", "version", default=None, help='PCF version, e.g. "7.4".')
@format_option(
    sorted(_FORMATS),
    "turtle",
    help="RDF syntax; trig puts the triples in the edition's named graph (when left out: the "
    "one -o's suffix names, .ttl .nt .trig, else turtle; given with an -o whose suffix names "
    "another, refused).",
)
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
def apqc(
    workbook: Path,
    output: Path | None,
    edition: str | None,
    version: str | None,
    fmt: str,
    no_progress: bool,
) -> None:
    """Import an APQC PCF workbook (APQC's .xlsx layout) as RDF.

    Edition and version are read from the workbook itself (its Introduction sheet, e.g.
    "VERSION NUMBER 7.2.2") and from APQC's download name
    (k06638-airline-v722-vs-airline-v721-2025.xlsx, apqc-pcf-cross-industry-7.4.xlsx);
    --edition/--version fill in what neither states and must not contradict them. A short
    summary goes to stderr.
    """
    fmt = output_format(fmt, output, _SUFFIXES)
    if not workbook.is_file():
        fail(f"{workbook}: no such file")
    if output is not None and not output.parent.is_dir():
        fail(f"{output.parent}: no such directory")
    source, note = _source(workbook)
    try:
        result = import_workbook(
            source, edition=edition, version=version, progress=False if no_progress else None
        )
        data = serialise(result, fmt)
    except WorkbookError as exc:
        fail(str(exc.in_file(workbook.name)))
        return
    except PcfgraphError as exc:
        fail(f"{workbook.name}: {exc}")
        return
    _write(data, output)
    print_warnings([note] if note else [])
    print_warnings(result.named_warnings(source.name))
    from pcfgraph.terminal_text import printable  # edition and version: the workbook's words

    click.echo(printable(f"imported {result.summary()}"), err=True)
    click.echo(
        printable(
            f"edition {result.edition!r} from {result.edition_from}; "
            f"version {result.version} from {result.version_from}"
        ),
        err=True,
    )
