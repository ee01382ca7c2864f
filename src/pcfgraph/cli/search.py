"""``pcfgraph search TEXT``: the search of the API and workbench from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pcfgraph.cli.common import format_option
from pcfgraph.cli.graph_commands import load, release_option
from pcfgraph.cli.table import render_table


@click.command()
@click.argument("text")
@click.option("--framework", default=None, help='Framework id, or family ("apqc-pcf").')
@click.option("--kind", default=None, help='Element kind, e.g. "activity" or "process".')
@click.option(
    "--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="Hits shown."
)
@format_option(("table", "json"))
@release_option
def search(
    text: str,
    framework: str | None,
    kind: str | None,
    limit: int,
    fmt: str,
    release_dir: Path | None,
) -> None:
    """Find elements by PCF ID, code, name, synonym or words of their definition, in every
    loaded framework edition (typos corrected, identifiers first)."""
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.services import Reader
    from pcfgraph.services.search.identifier_case import spelled
    from pcfgraph.services.search.present import result_dict
    from pcfgraph.services.search.release import index_for

    release = load(release_dir)
    reader = Reader(release.store, QueryCatalog())
    index = index_for(release, reader)
    # a framework id or family matched ignoring case (PRM-IT is prm-it), as MCP and GraphQL
    framework = spelled(framework, index.filter_values()[0])
    unknown = index.unknown_filter(framework, kind)
    if unknown is not None:  # "(0 rows)" would read as "none exist"
        from pcfgraph.errors import NotFoundError

        raise NotFoundError(f"--{unknown[0]}: {unknown[1]}")
    result = index.query(text, framework=framework, kind=kind, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(result_dict(text, result, reader), indent=2, ensure_ascii=False))
        return
    if result.did_you_mean and (result.corrected or not result.hits):
        click.echo(f"did you mean: {result.did_you_mean}")
    rows = [
        [
            str(i),
            h.element.framework_id,
            h.element.code or "",
            h.element.name,
            h.matched_on,
        ]
        for i, h in enumerate(result.hits, start=1)
    ]
    click.echo(render_table(["#", "framework", "code", "name", "matched on"], rows), nl=False)
    if result.total > len(result.hits):
        click.echo(f"{len(result.hits)} of {result.total} shown (--limit)")
