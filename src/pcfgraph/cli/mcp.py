"""``pcfgraph mcp``: serve the Model Context Protocol over stdio (for assistants that start
the server themselves; ``pcfgraph serve`` also serves it at ``/mcp``)."""

from __future__ import annotations

from pathlib import Path

import click

from pcfgraph.cli.graph_commands import release_option


@click.command("mcp")
@release_option
def mcp_command(release_dir: Path | None) -> None:
    """Serve the read-only MCP server over stdio (tools: search, get_element, get_mappings,
    find_gaps, element_history, audit_model, run_named_query, sparql). Settings come from
    PCFGRAPH_* environment variables as for 'pcfgraph serve'. See docs/mcp.md."""
    from pcfgraph.config import Settings
    from pcfgraph.mcp.stdio import run
    from pcfgraph.release_reload import load_verified_release

    # As `pcfgraph serve`: the PCFGRAPH_* environment, the command's own options winning.
    settings = Settings.from_env(release=release_dir)
    # Its log on stderr as `pcfgraph serve` writes its own (the format and level settings);
    # stdout is the protocol's.
    from pcfgraph.log_lines import configure_logging

    configure_logging(settings)
    from pcfgraph.cli.serve import announce

    announce(settings, settings.notes)  # a setting the others make of no use
    release = load_verified_release(settings)
    # what the release's build warned about, as `pcfgraph serve` says it: on stderr, or
    # with log_format=json as records of its log
    announce(settings, release.warnings)
    run(settings, release)
