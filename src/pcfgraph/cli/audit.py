"""``pcfgraph audit MODEL [MODEL...]``: audit an organisational model against the frameworks.

Exit status: 0 when the model conforms (warnings alone do not fail it), 1 when there are
violations, 2 on bad input (unreadable or unparsable files, with file, line and column).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pcfgraph.cli.common import EXIT_FINDINGS, EXIT_OK, format_option, output_option
from pcfgraph.cli.graph_commands import release_option, write_output
from pcfgraph.errors import InputError

FORMATS = ("text", "json", "turtle", "html")


def render(report: object, fmt: str) -> bytes:
    from pcfgraph.audit.html import render_html
    from pcfgraph.audit.report import AuditReport

    assert isinstance(report, AuditReport)
    if fmt == "json":
        text = report.to_json()
    elif fmt == "turtle":
        text = report.to_turtle()
    elif fmt == "html":
        text = render_html(report)
    else:
        text = report.to_text()
    return text.encode("utf-8")


@click.command("audit")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option(
    FORMATS,
    short=True,
    help="Report format: text, JSON, Turtle (sh:ValidationReport) or self-contained HTML.",
)
@output_option
@click.option(
    "--max-triples",
    type=int,
    default=None,
    help="Largest model accepted, in triples (default: PCFGRAPH_MAX_UPLOAD_TRIPLES or 500000).",
)
@release_option
def audit(
    models: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    max_triples: int | None,
    release_dir: Path | None,
) -> None:
    """Audit an organisational model (Turtle, JSON-LD, RDF/XML, N-Triples, the spreadsheet
    template .xlsx, ArchiMate exchange .xml or Archi .archimate; several files
    form one model) against the organisational-model rules, with coverage and maturity.
    The report goes to stdout, or to the file given with -o (written atomically)."""
    from pcfgraph.audit import AuditContext, Limits, Upload
    from pcfgraph.audit import audit as run_audit
    from pcfgraph.config import Settings
    from pcfgraph.release_cache import open_release

    settings = Settings.from_env()
    uploads = []
    for path in models:
        try:
            uploads.append(Upload(str(path), path.read_bytes()))
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    limits = Limits(max_triples=max_triples or settings.max_upload_triples)
    # Parse first, so bad input fails fast (exit 2) before the framework graph is assembled.
    from pcfgraph.audit.engine import parse_uploads

    parsed = parse_uploads(uploads, limits)
    release = open_release(release_dir or settings.release)
    context = AuditContext.from_store(release.store)
    report = run_audit(uploads, context, limits=limits, parsed=parsed)
    write_output(render(report, fmt), output)
    if output is not None:
        click.echo(
            f"{'conforms' if report.conforms else 'does not conform'}: "
            + ", ".join(f"{n} {s.lower()}" for s, n in report.counts.items())
            + f"; report written to {output}",
            err=True,
        )
    sys.exit(EXIT_OK if report.conforms else EXIT_FINDINGS)
