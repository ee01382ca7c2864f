"""Shared CLI plumbing: error-to-exit-code mapping, settings from options."""

from __future__ import annotations

import sys
from typing import Any

import click

from pcfgraph.errors import InputError, PcfgraphError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a one-line message to stderr and exit with ``code``."""
    click.echo(f"pcfgraph: error: {message}", err=True)
    raise SystemExit(code)


def run_main(group: click.Group, args: list[str] | None = None) -> int:
    """Run the click group, turning pcfgraph errors into one-line messages and exit codes."""
    try:
        group.main(args=args, prog_name="pcfgraph", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_BAD_INPUT
    except InputError as exc:
        click.echo(f"pcfgraph: error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except PcfgraphError as exc:
        click.echo(f"pcfgraph: error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    return EXIT_OK


def parse_params(values: tuple[str, ...]) -> dict[str, Any]:
    """``--param k=v`` pairs to a dict; a malformed pair is bad input."""
    out: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise InputError(f"--param expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out


__all__ = ["EXIT_BAD_INPUT", "EXIT_FINDINGS", "EXIT_OK", "fail", "parse_params", "run_main", "sys"]
