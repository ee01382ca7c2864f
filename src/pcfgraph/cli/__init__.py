"""The ``pcfgraph`` command line: thin commands over the shared core.

Every command exits 0 on success, 1 when a check finds problems, 2 on bad input, and prints a
one-line message (never a traceback) for expected failures.
"""

from __future__ import annotations

import sys

import click

from pcfgraph.cli.common import run_main
from pcfgraph.cli.lazy import LazyGroup


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pcfgraph")
def main() -> None:
    """pcfgraph: IT process frameworks (APQC PCF, PRM-IT, IT-CMF, TRIM) as one RDF graph."""


#: name and module:attribute of every command. A new command goes here, so that
#: ``pcfgraph --help`` stays fast (its module is imported only when it runs).
LAZY_COMMANDS: tuple[tuple[str, str], ...] = (
    ("build", "pcfgraph.cli.graph_commands:build"),
    ("export", "pcfgraph.cli.graph_commands:export"),
    ("query", "pcfgraph.cli.graph_commands:query"),
    ("stats", "pcfgraph.cli.graph_commands:stats"),
    ("gaps", "pcfgraph.cli.gaps:gaps"),
    ("history", "pcfgraph.cli.history:history"),
    ("import", "pcfgraph.cli.importer:import_"),
    ("validate", "pcfgraph.cli.validate:validate"),
    ("diff", "pcfgraph.cli.diff:diff"),
    ("export-schema", "pcfgraph.cli.schema:export_schema"),
    ("audit", "pcfgraph.cli.audit:audit"),
    ("template", "pcfgraph.cli.models:template"),
    ("convert", "pcfgraph.cli.models:convert"),
    ("search", "pcfgraph.cli.search:search"),
    ("mcp", "pcfgraph.cli.mcp:mcp_command"),
    ("mappings", "pcfgraph.cli.mappings:mappings"),
    ("serve", "pcfgraph.cli.serve:serve"),
    ("push", "pcfgraph.cli.serve:push"),
)


def _register() -> None:
    """Attach each command module's commands (one module per command family), lazily."""
    assert isinstance(main, LazyGroup)
    for name, target in LAZY_COMMANDS:
        main.add_lazy(name, target)


_register()


def entry() -> None:
    sys.exit(run_main(main))
