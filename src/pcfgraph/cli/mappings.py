"""``pcfgraph mappings export|suggest|review``: the mapping sets as SSSOM, candidate mappings
for what is missing, and the review that turns candidates into curated decisions."""

from __future__ import annotations

from pathlib import Path

import click

from pcfgraph.cli.common import format_option
from pcfgraph.cli.graph_commands import release_option, write_output
from pcfgraph.errors import InputError


@click.group()
def mappings() -> None:
    """Export, suggest and review cross-framework mappings (SSSOM)."""


@mappings.command("export")
@click.option(
    "--set",
    "set_id",
    default=None,
    metavar="ID",
    help="The mapping set (file stem, e.g. pcf-8.1-to-prm-it-a2, or 'derived'); "
    "without it every curated set is written into the -o directory.",
)
@format_option(("sssom-tsv", "sssom-json", "sssom-rdf"))
@click.option(
    "--derived",
    is_flag=True,
    help="Also the derived rows between the set's frameworks (justification "
    "semapv:MappingChaining/MappingInversion, chain in see_also); without --set also the "
    "derived set itself.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (with --set; stdout without it) or directory (without --set).",
)
@release_option
def export(
    set_id: str | None, fmt: str, derived: bool, output: Path | None, release_dir: Path | None
) -> None:
    """Write mapping sets as SSSOM that sssom-py reads: curated rows (mappings, negative
    mappings with predicate_modifier Not, NoTermFound rows), derived rows only on request."""
    from pcfgraph.mappings.export import FORMATS, export_bytes, mapping_set_ids
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.release import open_release

    release = open_release(release_dir)
    catalog = QueryCatalog()
    if set_id is not None:
        write_output(export_bytes(release.store, catalog, set_id, fmt, derived=derived), output)
        return
    if output is None or (output.exists() and not output.is_dir()):
        raise InputError("without --set give -o DIRECTORY: one file per mapping set")
    output.mkdir(parents=True, exist_ok=True)
    for sid in mapping_set_ids(release.store, catalog):
        if sid == "derived" and not derived:
            continue
        path = output / f"{sid}{FORMATS[fmt].suffix}"
        write_output(export_bytes(release.store, catalog, sid, fmt), path)
        click.echo(f"wrote {path}")
