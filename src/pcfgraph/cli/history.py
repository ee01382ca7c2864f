"""``pcfgraph history PCF_ID``: what became of one APQC element across the loaded editions and
versions (identity is the PCF ID; each row names the edition and version it was found in)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import click
import pyoxigraph as ox

from pcfgraph.cli.common import format_option
from pcfgraph.cli.graph_commands import format_select, load, release_option
from pcfgraph.errors import NotFoundError
from pcfgraph.importers.apqc.statement import version_key
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import Row, SelectResult


@click.command()
@click.argument("pcf_id", type=int)
@format_option()
@release_option
def history(pcf_id: int, fmt: str, release_dir: Path | None) -> None:
    """List every edition and version that states PCF_ID, oldest first per edition, with its
    code, name and the changes from the loaded version before (moved, renamed, redefined,
    new, removed), and what the APQC workbook states itself (stated: its "Change details" as
    published; comparedTo: the version those are against, loaded or not)."""
    release = load(release_dir)
    result = release.store.select(QueryCatalog().get("api/element-history"), {"pcfId": pcf_id})
    if not result.rows:
        raise NotFoundError(f"no loaded APQC edition states PCF ID {pcf_id}")

    def order(row: Mapping[str, object]) -> tuple[str, tuple[int, ...], str]:
        edition, version, element = (
            getattr(row.get(k), "value", "") for k in ("edition", "version", "element")
        )
        return str(edition), version_key(str(version)) if version else (), str(element)

    rows = [_sorted_changes(row) for row in result.rows]
    ordered = SelectResult(result.variables, sorted(rows, key=order))
    sys.stdout.buffer.write(format_select(ordered, fmt))


#: What ``api/element-history`` joins a statement's change notes with (GROUP_CONCAT).
CHANGES_SEPARATOR = " | "


def _sorted_changes(row: Row) -> Row:
    """The row with its change notes in sorted order: GROUP_CONCAT joins them in the order
    the store returns them, which differs between stores."""
    changes = row.get("changes")
    if not isinstance(changes, ox.Literal) or not changes.value:
        return row
    notes = CHANGES_SEPARATOR.join(sorted(changes.value.split(CHANGES_SEPARATOR)))
    return {**row, "changes": ox.Literal(notes)}
