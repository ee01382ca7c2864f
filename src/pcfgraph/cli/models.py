"""``pcfgraph template orgmodel`` and ``pcfgraph convert``: models in the files auditors have.

- ``template orgmodel [-o model.xlsx] [--example]``: the spreadsheet template (one sheet per
  kind of thing, drop-down lists, header notes); ``--example`` fills it with the conforming
  example organisation.
- ``convert IN OUT``: between the workbook, ArchiMate (input only) and RDF (Turtle, JSON-LD,
  RDF/XML, N-Triples), chosen by extension. Bad cells are listed with their cell and the exit
  status is 1 (the output holds everything else); notes (Info: rows hidden in Excel, merged
  ranges read on each row) are listed too but leave the exit status 0, since everything was
  read; unreadable input is exit 2. ArchiMate elements and relationships the mapping does not
  use are counted by type.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pcfgraph.cli.common import EXIT_FINDINGS, EXIT_OK, read_model_file
from pcfgraph.cli.graph_commands import write_output
from pcfgraph.errors import InputError


@click.group("template")
def template() -> None:
    """Templates for organisational models."""


@template.command("orgmodel")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the workbook (default: orgmodel.xlsx, or orgmodel-example.xlsx, "
    "never replacing a file of that name).",
)
@click.option(
    "--example",
    is_flag=True,
    help="Fill it with the conforming example organisation, described as of 2025-07-15 "
    "(its Organisation sheet's 'Described as of'): an audit given no --as-of judges it on "
    "that day, and it conforms.",
)
def orgmodel(output: Path | None, example: bool) -> None:
    """Write the spreadsheet template for organisational models (.xlsx): one sheet per kind of
    thing in the model vocabulary, a "Read me" sheet, header notes and drop-down lists."""
    from pcfgraph.audit.inputs.writer import template_bytes

    path = output or Path("orgmodel-example.xlsx" if example else "orgmodel.xlsx")
    if output is None and path.exists():  # a model being filled in, under the default name
        raise InputError(
            f"{path} exists (a model being filled in?): give -o {path} to replace it, or -o "
            "another name"
        )
    if path.suffix.lower() != ".xlsx":  # an .xlsx named .xls or .ttl: Excel or the audit refuses it
        raise InputError(
            f"{path}: the template is an Excel workbook: name it .xlsx (to write a model as "
            "Turtle, JSON-LD, RDF/XML or N-Triples: pcfgraph convert MODEL.xlsx MODEL.ttl)"
        )
    write_output(template_bytes(example=example), path)
    click.echo(f"template written to {path}", err=True)


_RDF_OUT = {
    ".ttl": "TURTLE",
    ".turtle": "TURTLE",
    ".nt": "N_TRIPLES",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
}


@click.command("convert")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--max-triples",
    type=int,
    default=None,
    help="Largest model accepted, in triples (default: PCFGRAPH_MAX_UPLOAD_TRIPLES or 500000).",
)
def convert(source: Path, target: Path, max_triples: int | None) -> None:
    """Convert an organisational model between the spreadsheet template (.xlsx) and RDF
    (.ttl, .jsonld, .rdf, .nt); ArchiMate (.xml, .archimate) converts to either. Formats are
    chosen by extension."""
    import pyoxigraph as ox

    from pcfgraph.audit.inputs.convert import read_any, write_any
    from pcfgraph.audit.parse import Upload
    from pcfgraph.config import Settings

    suffix = target.suffix.lower()
    if suffix != ".xlsx" and suffix not in _RDF_OUT:
        raise InputError(
            f"{target}: cannot tell the output format; use .xlsx or one of "
            f"{', '.join(sorted(_RDF_OUT))}"
        )
    settings = Settings.from_env()
    data = read_model_file(source, settings.max_upload_bytes)
    if target.exists() and target.samefile(source):  # its unused columns, notes... would go
        raise InputError(
            f"{target} is the model being converted: write the conversion to another file"
        )
    limit = max_triples or settings.max_upload_triples
    result = read_any(
        Upload(str(source), data), max_triples=limit, max_bytes=settings.max_upload_bytes
    )
    fmt = None if suffix == ".xlsx" else getattr(ox.RdfFormat, _RDF_OUT[suffix])
    write_output(write_any(result.triples, fmt), target)
    from pcfgraph.terminal_text import printable  # the findings quote the model's cells

    for f in result.findings:
        note = "note: " if f.severity == "Info" else ""
        click.echo(printable(f"{f.where or source}: {note}{f.message}"), err=True)
    if result.unused:
        from pcfgraph.audit.inputs.model import unused_summary

        click.echo(printable(f"{source}: {unused_summary(result.unused)}"), err=True)
    click.echo(f"{len(result.triples)} statements written to {target}", err=True)
    # a note (Info) says how something was read, not that a value was lost: exit 0
    lost = any(f.severity != "Info" for f in result.findings)
    sys.exit(EXIT_FINDINGS if lost else EXIT_OK)
