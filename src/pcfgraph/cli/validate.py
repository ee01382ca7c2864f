"""``pcfgraph validate``: SHACL shapes and SPARQL checks over the framework graph.

Exit status: 0 when the graph conforms (warnings alone do not fail it), 1 when there are
violations, 2 on bad input (unreadable or unparsable files, unknown formats).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click
import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.assemble import load_turtle
from pcfgraph.cli.common import EXIT_FINDINGS, format_option, opened_release
from pcfgraph.cli.graph_commands import release_option
from pcfgraph.errors import InputError, ParseError
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore
from pcfgraph.validation import validate_store

#: File suffix -> RDF format of a ``--data`` file.
DATA_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}


def read_data_file(path: Path) -> list[ox.Quad]:
    """Parse one ``--data`` file. Triples (and the default graph of a dataset) go into a
    framework graph named after the file; named graphs of N-Quads/TriG are kept.
    Relative IRIs resolve against ``iris.ID_BASE``, like the shipped data files."""
    fmt = DATA_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unknown RDF file type {path.suffix!r} "
            f"(use one of {', '.join(sorted(DATA_FORMATS))})"
        )
    graph = ox.NamedNode(str(iris.framework_graph(path.stem)))
    quads: list[ox.Quad] = []
    try:
        for item in ox.parse(path=str(path), format=fmt, base_iri=iris.ID_BASE):
            if isinstance(item, ox.Quad):
                g = item.graph_name if isinstance(item.graph_name, ox.NamedNode) else graph
                quads.append(ox.Quad(item.subject, item.predicate, item.object, g))
            else:
                quads.append(ox.Quad(item.subject, item.predicate, item.object, graph))
    except SyntaxError as exc:
        detail = exc.args[0] if exc.args else str(exc)
        raise ParseError(
            str(detail), line=exc.lineno, column=exc.offset, source=str(path)
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return quads


def build_store(
    release_dir: Path | None, data: tuple[Path, ...], include_shipped: bool
) -> tuple[EmbeddedStore, Mapping[str, tuple[str, int]]]:
    """The graph to validate: the release (or shipped data), or ``--data`` files + ontology;
    and the SSSOM file and line of each curated mapping record, when it was assembled."""
    lines: Mapping[str, tuple[str, int]] = {}
    if not data or release_dir is not None or include_shipped:
        release = opened_release(release_dir, shipped_warnings=True)  # the data checked
        store, lines = release.store, release.record_lines
        if data:  # a release's store is read-only: add the files to a copy in memory
            store = EmbeddedStore.from_nquads(store.dump(ox.RdfFormat.N_QUADS))
    else:
        store = EmbeddedStore()
        onto = str(iris.ontology_graph())
        for path in sorted(resource_dir("ontology").glob("*.ttl")):
            store.add_quads(load_turtle(path, onto))
    for path in data:
        store.add_quads(read_data_file(path))
    return store, lines


@click.command()
@release_option
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PATH",
    help=(
        "Validate this Turtle/N-Triples/N-Quads/TriG file as framework data (repeatable). "
        "Alone it is validated with the ontology only; with --release or --include-shipped "
        "it is added to that graph."
    ),
)
@click.option(
    "--include-shipped",
    is_flag=True,
    help="With --data: also load the shipped (assembled) graph.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Text format: at most this many findings per rule (0 = all). JSON lists all.",
)
@format_option(("text", "json"))
def validate(
    release_dir: Path | None,
    data: tuple[Path, ...],
    include_shipped: bool,
    limit: int,
    fmt: str,
) -> None:
    """Check the framework graph against shapes/ (SHACL) and queries/checks/ (SPARQL).

    Exits 0 when it conforms (warnings allowed), 1 on violations, 2 on bad input.
    """
    store, lines = build_store(release_dir, data, include_shipped)
    report = validate_store(store, record_lines=lines)
    out = report.to_json() if fmt == "json" else report.render_text(limit=limit)
    click.echo(out, nl=False)
    if not report.conforms:
        # SystemExit, not ctx.exit: run_main() runs click with standalone_mode=False
        raise SystemExit(EXIT_FINDINGS)
