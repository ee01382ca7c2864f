"""The ``pcfgraph`` command line: thin commands over the shared core.

Every command exits 0 on success, 1 when a check finds problems, 2 on bad input, and prints a
one-line message (never a traceback) for expected failures.
"""

from __future__ import annotations

import sys

import click

from pcfgraph.cli.common import run_main


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pcfgraph")
def main() -> None:
    """pcfgraph: IT process frameworks (APQC PCF, PRM-IT, IT-CMF, TRIM) as one RDF graph."""


def _register() -> None:
    """Attach each command module's commands (one module per command family)."""
    from pcfgraph.cli import graph_commands, importer

    graph_commands.register(main)
    main.add_command(importer.import_)

    from pcfgraph.cli import validate as validate_cmd

    main.add_command(validate_cmd.validate)

    from pcfgraph.cli import diff as diff_cmd

    main.add_command(diff_cmd.diff)

    from pcfgraph.cli import schema as schema_cmd

    main.add_command(schema_cmd.export_schema)

    from pcfgraph.cli import audit as audit_cmd

    main.add_command(audit_cmd.audit)

    from pcfgraph.cli import models as models_cmd

    main.add_command(models_cmd.template)
    main.add_command(models_cmd.convert)

    from pcfgraph.cli import search as search_cmd

    main.add_command(search_cmd.search)

    from pcfgraph.cli import serve as serve_cmd

    main.add_command(serve_cmd.serve)
    main.add_command(serve_cmd.push)

    from pcfgraph.cli import mappings as mappings_cmd

    main.add_command(mappings_cmd.mappings)


_register()


def entry() -> None:
    sys.exit(run_main(main))
