"""``pcfgraph export-schema``: the GraphQL schema in SDL."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export-schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SDL to this file instead of standard output.",
)
def export_schema(output: Path | None) -> None:
    """Print the GraphQL schema (SDL) served at /graphql."""
    from pcfgraph.serving import graphql_sdl

    sdl = graphql_sdl()
    if output is None:
        click.echo(sdl, nl=False)
    else:
        from pcfgraph.files import write_atomic

        write_atomic(output, sdl.encode("utf-8"))
