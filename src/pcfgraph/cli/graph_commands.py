"""Commands over the assembled graph: build, export, query, stats (gaps: :mod:`pcfgraph.cli.gaps`),
and what the other commands share: the release option, output writing, result tables."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pyoxigraph as ox

from pcfgraph.cells import write_csv
from pcfgraph.cli.common import (
    extra_sources_options,
    format_option,
    interruptible,
    opened_release,
    output_format,
    output_option,
    parse_params,
    print_warnings,
    refuse_binary_on_terminal,
)
from pcfgraph.cli.table import curie, render_table
from pcfgraph.errors import InputError
from pcfgraph.export import FORMATS, export_bytes
from pcfgraph.files import write_atomic
from pcfgraph.queries import NamedQuery, QueryCatalog, named_query, query_file
from pcfgraph.release import Release, check_replaceable, make_temp_dir, publish_copy
from pcfgraph.release_cache import open_release
from pcfgraph.store import SelectResult

if TYPE_CHECKING:
    from pcfgraph import services

release_option = click.option(
    "--release",
    "release_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="PCFGRAPH_RELEASE",
    default=None,
    help="Use a release directory from 'pcfgraph build' instead of assembling data/.",
)


def write_output(data: bytes, output: Path | None) -> None:
    """Write to a file atomically with the user's umask (:func:`pcfgraph.files.write_atomic`)
    or to stdout. On a terminal, text has its control characters made visible
    (:func:`pcfgraph.terminal_text.printable`), as the text reports have: a name in a model
    holding ``ESC [2J`` or ``ESC ]0;...`` cleared the auditor's screen or set the window's
    title when the findings were printed as CSV, HTML, JSON or Turtle. Piped or redirected,
    the bytes are written as they are."""
    if output is None:
        if sys.stdout.isatty():
            from pcfgraph.terminal_text import printable

            # not text (binary formats are refused on a terminal before any work): as it is
            with contextlib.suppress(UnicodeDecodeError):
                data = printable(data.decode("utf-8")).encode("utf-8")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        write_atomic(output, data)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of symbolic links
        # was an 'internal error ... a bug' (exit 3) after the whole audit had run
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot write -o {output}: {reason}") from None


def term_text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def table_text(term: object) -> str:
    """A term as a table shows it: IRIs as CURIEs where a prefix fits, never cut."""
    return curie(term.value) if isinstance(term, ox.NamedNode) else term_text(term)


def format_select(result: SelectResult, fmt: str) -> bytes:
    """Render a SELECT result as an aligned table, CSV or SPARQL 1.1 JSON results."""
    if fmt == "json":
        bindings = []
        for row in result.rows:
            b: dict[str, dict[str, str]] = {}
            for k, v in row.items():
                if isinstance(v, ox.NamedNode):
                    b[k] = {"type": "uri", "value": v.value}
                elif isinstance(v, ox.BlankNode):
                    b[k] = {"type": "bnode", "value": v.value}
                elif isinstance(v, ox.Literal):
                    lit: dict[str, str] = {"type": "literal", "value": v.value}
                    if v.language:
                        lit["xml:lang"] = v.language
                    elif v.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                        lit["datatype"] = v.datatype.value
                    b[k] = lit
            bindings.append(b)
        doc = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "csv":
        rows = [[term_text(row.get(v, "")) for v in result.variables] for row in result.rows]
        return write_csv(list(result.variables), rows)  # escaped against formula injection
    shown = [[table_text(row.get(v, "")) for v in result.variables] for row in result.rows]
    return render_table(list(result.variables), shown).encode("utf-8")


def load(release_dir: Path | None) -> Release:
    return opened_release(release_dir)


@click.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("release"),
    show_default=True,
    help="Release directory to write (graph.nq + manifest.json).",
)
@extra_sources_options
def build(
    out_dir: Path, add_workbooks: tuple[Path, ...] = (), sources_file: Path | None = None
) -> None:
    """Assemble the graph and write it as a release (N-Quads + manifest with sha256, counts).

    Only a graph that passes the framework shapes and checks is published (the same
    verification a server applies before serving it), so the release directory always holds
    the last good release. --add and --sources put more frameworks in (workbooks are imported
    in parallel; two sources claiming the same edition and version are refused).
    """
    from pcfgraph.build_steps import BuildSteps
    from pcfgraph.release_verify import verify_release
    from pcfgraph.sources import ExtraSources

    started = time.perf_counter()
    check_replaceable(out_dir.resolve())  # before the build, not after it
    try:  # where it goes, before the build too: a directory it may write in (a read-only
        # one was found after minutes of importing --add workbooks, by the publication)
        parent = out_dir.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        make_temp_dir(parent, f".{out_dir.name}.").rmdir()
    except (OSError, RuntimeError) as exc:
        raise _cannot_write(out_dir, exc) from None
    extra = ExtraSources(workbooks=tuple(add_workbooks), sources_file=sources_file)
    steps = BuildSteps()  # on a terminal: the step the build is in, after the import's bar
    built: Release | None = None
    with interruptible():  # a hangup or stop removes the temporary release it wrote
        try:
            release = built = open_release(None, extra=extra, steps=steps)
            steps("verifying shapes and checks")  # (the release cache did it already)
            release = verify_release(release)
            steps("writing store and artefacts")
            try:
                manifest = publish_copy(release, out_dir, verified=True)  # a cached one's as is
            except OSError as exc:  # a full disk, a folder made read-only meanwhile
                raise _cannot_write(out_dir, exc) from None
        finally:
            steps.close()
            if built is not None:  # what the importer warned about, also when it was cached
                print_warnings(built.warnings)
    click.echo(
        f"release {manifest['release_id']}: {manifest['quads']} quads in "
        f"{len(manifest['graphs'])} graphs -> {out_dir} "
        f"(in {time.perf_counter() - started:.2f} s)"
    )


def _cannot_write(out_dir: Path, exc: BaseException) -> InputError:
    """The one-line error of a release directory that cannot be written (was an 'internal
    error ... a bug', exit 3, with the reason only in its traceback). A failed copy or link
    names the file it wrote (``filename2``), not the one it read: a full disk under ``-o``
    was reported at the cached release's file, sending the operator to clean the cache."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    named = (exc.filename2 or exc.filename) if isinstance(exc, OSError) else None
    where = f" ({named})" if named else ""
    return InputError(f"cannot write -o {out_dir}: {reason}{where}")


#: ``pcfgraph export --format`` (each a :mod:`pcfgraph.conneg` format name).
EXPORT_FORMATS = ("turtle", "nt", "jsonld", "trig", "nquads", "rdfxml", "csv", "xlsx")


def suffixes_of(names: tuple[str, ...]) -> dict[str, str]:
    """Each file suffix of the :mod:`pcfgraph.conneg` formats ``names`` -> the name."""
    from pcfgraph.conneg import by_name

    return {suffix: name for name in names for suffix in by_name(name).suffixes}


@click.command()
@format_option(
    EXPORT_FORMATS,
    help="Format (when left out: the one -o's suffix names, e.g. .nt .jsonld .trig .csv, else "
    "turtle; given with an -o whose suffix names another, refused).",
)
@output_option
@click.option("--framework", default=None, help="csv/xlsx: the framework id to export.")
@click.option("--subtree", default=None, metavar="CODE", help="csv/xlsx: only this subtree.")
@click.option(
    "--derived",
    is_flag=True,
    help="Also the mappings pcfgraph derives (inverses, chains); curated mappings only without it.",
)
@click.option("--table", default="mappings", help="csv: mappings, or decisions (no mapping).")
@release_option
def export(
    fmt: str,
    output: Path | None,
    framework: str | None,
    subtree: str | None,
    derived: bool,
    table: str,
    release_dir: Path | None,
) -> None:
    """Write the whole graph. Triple formats write the union of all graphs; TriG keeps them.

    --format csv|xlsx writes a spreadsheet of one framework (--framework), or of the subtree
    below --subtree CODE (or its PCF ID, element id or IRI), with measures and mappings; a
    CSV of the curated decisions that are no mapping (the XLSX's sheet) with --table decisions.
    """
    fmt = output_format(fmt, output, suffixes_of(EXPORT_FORMATS))
    if fmt in ("csv", "xlsx") or framework or subtree or table != "mappings":
        from pcfgraph.spreadsheet import export_subtree

        if fmt not in ("csv", "xlsx") or not framework:
            raise InputError(
                "--format csv|xlsx needs --framework ID (--subtree CODE optional); "
                "--framework, --subtree and --table only go with csv|xlsx"
            )
        refuse_binary_on_terminal(fmt, output)
        release = load(release_dir)
        from pcfgraph import services

        [framework] = refuse_unknown_frameworks(
            services.Reader(release.store, QueryCatalog()), framework=framework
        )
        assert framework is not None
        args = (release.store, QueryCatalog(), framework, subtree, fmt)
        write_output(export_subtree(*args, derived=derived, table=table), output)
        return
    release = load(release_dir)
    write_output(export_bytes(release.store, FORMATS[fmt], derived=derived), output)


@click.command()
@click.argument("name", required=False)
@click.option(
    "--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="Bind a parameter."
)
@format_option()
@click.option("--list", "list_queries", is_flag=True, help="List the named queries.")
@release_option
def query(
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_queries: bool,
    release_dir: Path | None,
) -> None:
    """Run a named query from queries/ (e.g. 'api/element-by-code') or a .rq file."""
    if list_queries or not name:
        catalog = QueryCatalog()
        if fmt == "json":
            listed = [
                {
                    "name": q.name,
                    "summary": q.summary,
                    "params": [p.described() for p in q.params],  # as GET /queries has them
                }
                for q in catalog
            ]
            click.echo(json.dumps(listed, indent=2, ensure_ascii=False))
            return
        rows = [
            [q.name, q.summary, ", ".join(p.name + ("?" if p.optional else "") for p in q.params)]
            for q in catalog
        ]
        click.echo(render_table(["name", "summary", "params"], rows, max_width=70), nl=False)
        return
    nq: NamedQuery = query_file(Path(name)) if name.endswith(".rq") else named_query(name)
    values = parse_params(params)
    release = load(release_dir)
    # a bad value is a usage error naming it (a framework id the release does not hold,
    # a confidence past 1: it was an empty answer, as if there were none); which frameworks
    # the release holds is read only then, with one query (not the services: 0.28 s)
    # (and an IRI given as an APQC edition's CURIE, pcf74:20638, is read as the edges read it)
    if any((p.domain is not None or p.type == "iri") and p.name in values for p in nq.params):
        from pcfgraph.param_domains import domain_values

        values = nq.canonical(values, domain_values(release.store))  # PRM-IT is prm-it
    if nq.form == "SELECT":
        sys.stdout.buffer.write(format_select(release.store.select(nq, values), fmt))
    elif nq.form == "ASK":
        click.echo("true" if release.store.ask(nq, values) else "false")
    else:
        triples = release.store.construct(nq, values)
        data = ox.serialize(triples, format=ox.RdfFormat.TURTLE)
        sys.stdout.buffer.write(data if isinstance(data, bytes) else b"")


@click.command()
@format_option()
@release_option
def stats(fmt: str, release_dir: Path | None) -> None:
    """Counts per framework (by element kind) and triples per named graph."""
    release = load(release_dir)
    catalog = QueryCatalog()
    result = release.store.select(catalog.get("api/stats"))
    if fmt == "table":
        sys.stdout.buffer.write(format_select(result, fmt))
        rows = [[g, str(n)] for g, n in release.store.counts_per_graph().items()]
        click.echo()
        click.echo(render_table(["graph", "triples"], rows, max_width=90), nl=False)
        click.echo(f"total: {len(release.store)} quads")
    else:
        sys.stdout.buffer.write(format_select(result, fmt))


def refuse_unknown_frameworks(reader: services.Reader, **options: str | None) -> list[str | None]:
    """The options' framework ids as the data spells them, matched ignoring case (``PRM-IT``
    is ``prm-it``) by the rule of MCP and GraphQL
    (:mod:`pcfgraph.services.search.identifier_case`), in the order given;
    :class:`NotFoundError` for the first option (``--name``) naming a framework id the graph
    does not hold in any case, listing those it does."""
    from pcfgraph import services
    from pcfgraph.services.search.identifier_case import spelled

    known = services.known_framework_ids(reader)
    ids = [spelled(value, known) for value in options.values()]
    for option, value in zip(options, ids, strict=True):
        if value is not None:
            services.check_framework(reader, value, argument=f"--{option}")
    return ids


def write_comparison(
    fmt: str,
    output: Path | None,
    render: dict[str, Callable[[], bytes]],
    summary: str,
    *,
    changed: bool,
    exit_code: bool,
) -> None:
    """The answer of a comparison command (``diff``, ``mappings diff``): ``render[fmt]()``
    written (:func:`write_output`), the one-line summary on stderr when the answer is data
    (the table ends with it), and exit 1 with ``--exit-code`` when anything changed, as
    ``git diff`` does."""
    write_output(render[fmt](), output)
    if fmt != "table":
        click.echo(summary, err=True)
    if exit_code and changed:
        sys.exit(1)
