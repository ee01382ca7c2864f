"""``pcfgraph audit MODEL [MODEL...]``: audit an organisational model against the frameworks.

Exit status: 0 when the model conforms (warnings alone do not fail it; ``--fail-on`` changes
what fails), 1 when there are findings that fail it, 2 on bad input (unreadable or unparsable
files, with file, line and column; an unknown profile or rule; a bad baseline).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pcfgraph.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    format_option,
    opened_release,
    output_format,
    output_option,
    read_model_file,
    refuse_binary_on_terminal,
)
from pcfgraph.cli.graph_commands import release_option, write_output
from pcfgraph.errors import InputError

FORMATS = ("text", "json", "turtle", "html", "csv", "xlsx")
#: The report format ``-o``'s extension asks for when ``--format`` is not given: a report
#: written to ``report.html`` was plain text, which a browser shows as one run-on paragraph.
FORMAT_OF_SUFFIX = {
    ".txt": "text",
    ".json": "json",
    ".ttl": "turtle",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".xlsx": "xlsx",
}


#: Spreadsheet formats a user may name with ``-o`` that the audit does not write: the text
#: report written into ``findings.xls`` is a file the spreadsheet program refuses to open.
UNWRITTEN_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".ods")


def report_format(fmt: str, output: Path | None) -> str:
    """``--format`` when given, else the format ``-o``'s extension names, else text
    (:func:`pcfgraph.cli.common.output_format`: the two disagreeing is refused); an extension
    naming a spreadsheet format other than XLSX is refused, saying which to use."""
    explicit = (
        click.get_current_context().get_parameter_source("fmt")
        is not click.core.ParameterSource.DEFAULT
    )
    suffix = output.suffix.lower() if output is not None else ""
    if not explicit and suffix in UNWRITTEN_SPREADSHEETS:
        raise click.UsageError(
            f"-o {output}: the findings spreadsheet is written as .xlsx (or .csv), not "
            f"{suffix}: name the file .xlsx or .csv, or give --format"
        )
    return output_format(fmt, output, FORMAT_OF_SUFFIX)


def refuse_unwritable(output: Path | None) -> None:
    """An ``-o`` in a folder that is a file, or that the user cannot write, refused before the
    audit runs (it was found only when writing, after the audit, as an internal error)."""
    if output is None:
        return
    folder = output.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write -o {output}: {folder} is not a folder you can write in")


def refuse_overwriting_a_model(output: Path | None, models: tuple[Path, ...]) -> None:
    """``-o`` naming one of the audited models would replace the organisation's model with the
    report (``pcfgraph audit model.xlsx -o model.xlsx``): refused before anything is read."""
    if output is None or not output.exists():
        return
    for model in models:
        try:
            same = output.samefile(model)
        except OSError:
            continue
        if same:
            raise InputError(
                f"-o {output} is the model {model} being audited: the report would replace "
                "it; write the report to another file"
            )


def render(report: object, fmt: str) -> bytes:
    from pcfgraph.audit.html import render_html
    from pcfgraph.audit.report import AuditReport

    assert isinstance(report, AuditReport)
    if fmt in ("csv", "xlsx"):
        from pcfgraph.audit.render_table import to_csv, to_xlsx

        return to_csv(report) if fmt == "csv" else to_xlsx(report)
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
@click.argument("models", nargs=-1, required=False, type=click.Path(path_type=Path))
@format_option(
    FORMATS,
    short=True,
    help="Report format: text, JSON, Turtle (sh:ValidationReport), self-contained HTML, or the "
    "findings as CSV or XLSX for remediation tracking, one row per finding (when left out: the "
    "one -o's extension names, .txt .json .ttl .html .csv .xlsx, else text).",
)
@output_option
@click.option(
    "--max-triples",
    type=int,
    default=None,
    help="Largest model accepted, in triples (default: PCFGRAPH_MAX_UPLOAD_TRIPLES or 500000).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Largest model file accepted, in bytes (default: PCFGRAPH_MAX_UPLOAD_BYTES or 32 MiB; "
    "an Archi model's views can make it larger than the model the audit reads).",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The date deciding which agreements are in force and which review periods have "
    "ended (YYYY-MM-DD; default: the day the model states with orgm:describedAsOf, else "
    "today). The report says which.",
)
@click.option(
    "--profile",
    default=None,
    metavar="default|strict|no-chargeback|FILE.ttl",
    help="Audit profile: rules switched off (sh:deactivated), severities changed, parameters "
    "such as orgm:meetingCadenceMonths. The report names it and lists the rules it switched off.",
)
@click.option(
    "--max-findings",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="List at most this many findings (the most severe); counts stay exact and the report "
    "says it was truncated.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="An earlier report (JSON, or the findings exported as .csv or .xlsx): mark each "
    "finding new or unchanged and count the resolved.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["violation", "warning", "info", "new"]),
    default="violation",
    show_default=True,
    help="Exit 1 when there is a finding of this severity or worse ('new': a finding not in "
    "the baseline).",
)
@click.option(
    "--explain",
    "explain_rule",
    default=None,
    metavar="RULE",
    help="Print a rule's requirement, source passage, severity rationale and a minimal "
    "violating example, and exit (no model needed).",
)
@release_option
def audit(
    models: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    max_triples: int | None,
    max_bytes: int | None,
    as_of: object,
    profile: str | None,
    max_findings: int,
    baseline: Path | None,
    fail_on: str,
    explain_rule: str | None,
    release_dir: Path | None,
) -> None:
    """Audit an organisational model (Turtle, JSON-LD, RDF/XML, N-Triples, the spreadsheet
    template .xlsx, ArchiMate exchange .xml or Archi .archimate; several files
    form one model) against the organisational-model rules, with coverage and maturity.
    The report goes to stdout, or to the file given with -o (written atomically). No model
    yet: 'pcfgraph template orgmodel' writes the spreadsheet template to fill in."""
    from dataclasses import replace
    from datetime import datetime

    from pcfgraph.audit import AuditContext, Limits, Upload
    from pcfgraph.audit import audit as run_audit
    from pcfgraph.audit.baseline import apply_baseline, fails, read_baseline
    from pcfgraph.audit.engine import AuditOptions
    from pcfgraph.config import Settings

    if explain_rule is not None:
        from pcfgraph.audit.explain import explain
        from pcfgraph.audit.ruleset import RuleSet

        click.echo(explain(RuleSet.load(), explain_rule), nl=False)
        sys.exit(EXIT_OK)
    if not models:
        raise click.UsageError(
            "Missing argument 'MODELS...' (or use --explain RULE). No model yet? "
            "'pcfgraph template orgmodel' writes the spreadsheet template to fill in."
        )
    refuse_overwriting_a_model(output, models)
    refuse_unwritable(output)
    fmt = report_format(fmt, output)
    refuse_binary_on_terminal(fmt, output)
    previous = None
    if baseline is not None:
        try:
            previous = read_baseline(baseline.read_bytes(), str(baseline))
        except OSError as exc:
            raise InputError(f"cannot read {baseline}: {exc.strerror or exc}") from None
    settings = Settings.from_env()
    options = AuditOptions(
        as_of=as_of.date() if isinstance(as_of, datetime) else None,
        profile=profile,
        max_findings=max_findings,
        fork_shacl=settings.audit_fork,
    )
    limits = Limits(
        max_bytes=max_bytes or settings.max_upload_bytes,
        max_triples=max_triples or settings.max_upload_triples,
    )
    # Parse first, so bad input fails fast (exit 2) before the framework graph is assembled.
    from pcfgraph.audit.engine import days_refused, parse_uploads
    from pcfgraph.errors import PayloadTooLarge

    try:
        uploads = [Upload(str(p), read_model_file(p, limits.max_bytes)) for p in models]
        parsed = parse_uploads(uploads, limits)
    except PayloadTooLarge as exc:  # said as to a server's client: say how to raise it here
        said = str(exc)
        flag = "--max-bytes" if "max_upload_bytes" in said else "--max-triples"
        if "max_upload_bytes" not in said and " triples " not in said:
            raise  # an archive limit (max_archive_*): its setting is named
        raise InputError(f"{said}; give {flag} N to read a larger model") from None
    days_refused(parsed, options.as_of)  # before the framework graph, too
    release = opened_release(release_dir or settings.release)
    options = replace(options, release_id=release.release_id)
    context = AuditContext.from_store(release.store)
    report = run_audit(uploads, context, limits=limits, parsed=parsed, options=options)
    if previous is not None:
        apply_baseline(report, previous)
    write_output(render(report, fmt), output)
    from pcfgraph.audit.render_table import finding_rows

    # a CSV row is a finding: with none, nothing in the file names what was checked against
    empty = fmt == "csv" and not finding_rows(report)
    unsigned = (
        "the findings CSV has its header row only (no findings), so nothing in it names the "
        "model, release or rules it was checked against: sign the JSON, HTML or XLSX report"
    )
    if output is not None:
        click.echo(
            f"{'conforms' if report.conforms else 'does not conform'}: "
            + ", ".join(f"{n} {s.lower()}" for s, n in report.counts.items())
            + (
                f"; listing the {report.max_findings} most severe of {len(report.results)} "
                "findings (--max-findings)"
                if report.truncated
                else ""
            )
            + f"; report written to {output}"
            + (f"; {unsigned}" if empty else ""),
            err=True,
        )
    elif empty:
        click.echo(f"pcfgraph: note: {unsigned}", err=True)
    sys.exit(EXIT_FINDINGS if fails(report, fail_on) else EXIT_OK)
