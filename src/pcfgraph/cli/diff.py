"""``pcfgraph diff OLD NEW``: compare two editions or versions of a framework by stable ID."""

from __future__ import annotations

from pathlib import Path

import click

from pcfgraph.cli.common import format_option, opened_release, output_format, output_option
from pcfgraph.cli.graph_commands import release_option, write_comparison
from pcfgraph.cli.table import by_kind, terminal_width, wrapped
from pcfgraph.diff import (
    DiffResult,
    Side,
    compare,
    side_from_store,
    side_from_workbook,
    summary,
    under,
)
from pcfgraph.diff import to_csv as diff_csv
from pcfgraph.diff import to_json as diff_json
from pcfgraph.errors import InputError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.terminal_text import printable


def diff_table(result: DiffResult) -> str:
    """Changes for people, grouped by kind with the count first; old and new values whole
    (wrapped, never cut), each on its own line."""
    width = terminal_width()
    out: list[str] = []
    for kind, n, items in by_kind(result.counts(), result.changes):
        out.append(f"{kind} ({n})")
        for c in items:
            code = c.old_code if c.old_code == c.new_code or not c.new_code else c.new_code
            if c.old_code and c.new_code and c.old_code != c.new_code:
                code = f"{c.old_code} -> {c.new_code}"
            out.extend(wrapped(f"{code}  {c.name}  [PCF ID {c.id}]", width, "  ", "    "))
            if kind in ("added", "removed", "moved"):  # the heading line says it all
                continue
            for label, value in (("old", c.old_value), ("new", c.new_value)):
                out.extend(wrapped(value or "(none)", width, f"    {label}: ", "         "))
        out.append("")
    return printable("\n".join(out))  # names and definitions from the workbooks


def _is_workbook(arg: str) -> bool:
    return arg.lower().endswith((".xlsx", ".xlsm")) or Path(arg).is_file()


@click.command()
@click.argument("old")
@click.argument("new")
@format_option(
    help="Format (when left out: the one -o's suffix names, .txt .csv .json, else table; "
    "given with an -o whose suffix names another, refused)."
)
@output_option
@click.option(
    "--edition",
    default=None,
    help="Edition of both workbooks where neither the workbook nor its file name states it "
    "(must not contradict them).",
)
@click.option(
    "--under",
    "root",
    default=None,
    metavar="CODE",
    help="Only the element with this hierarchy code (e.g. 8.1) or PCF ID and those below it, "
    "on either side (one moved out or in is a move).",
)
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when there are differences (like 'git diff')."
)
@release_option
def diff(
    old: str,
    new: str,
    fmt: str,
    output: Path | None,
    edition: str | None,
    exit_code: bool,
    release_dir: Path | None,
    root: str | None = None,
) -> None:
    """Compare OLD and NEW by stable ID (APQC PCF ID): added, removed, moved (hierarchy ID
    changed), renamed, definition changed, with old and new values.

    Each of OLD and NEW is an APQC workbook (.xlsx) or the id of a framework edition in the
    graph (e.g. apqc-pcf-cross-industry-7.4). Whitespace-only changes are not changes.
    """
    fmt = output_format(fmt, output, {".txt": "table", ".csv": "csv", ".json": "json"})
    catalog = QueryCatalog()
    release: Release | None = None

    def side(arg: str, fallback_version: str) -> Side:
        nonlocal release
        if Path(arg).is_dir():  # a release directory, most likely: refused before any load
            raise InputError(
                f"{arg!r} is a directory: give an APQC workbook (.xlsx) or the id of a "
                "framework edition in the graph (--release DIR: the release to read it from)"
            )
        if _is_workbook(arg):
            return side_from_workbook(
                Path(arg), catalog, edition=edition, fallback_version=fallback_version
            )
        if release is None:
            release = opened_release(release_dir)
        return side_from_store(release.store, catalog, arg)

    old_side, new_side = side(old, "0"), side(new, "1")
    if root is not None:
        old_side, new_side = under(old_side, new_side, root)
    result = compare(old_side, new_side)
    render = {
        "json": lambda: diff_json(result),
        "csv": lambda: diff_csv(result),
        "table": lambda: (diff_table(result) + summary(result) + "\n").encode("utf-8"),
    }
    write_comparison(
        fmt, output, render, summary(result), changed=bool(result.changes), exit_code=exit_code
    )
