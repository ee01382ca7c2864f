"""``pcfgraph mappings export|suggest|review``: the mapping sets as SSSOM, candidate mappings
for what is missing, and the review that turns candidates into curated decisions."""

from __future__ import annotations

from pathlib import Path

import click

from pcfgraph.cli.common import format_option, opened_release
from pcfgraph.cli.graph_commands import refuse_unknown_frameworks, release_option, write_output
from pcfgraph.errors import InputError


@click.group()
def mappings() -> None:
    """Export, suggest and review cross-framework mappings (SSSOM)."""


@mappings.command("export")
@click.option(
    "--set",
    "set_id",
    default=None,
    metavar="ID",
    help="The mapping set (file stem, e.g. pcf-8.1-to-prm-it-a2, or 'derived'); "
    "without it every curated set is written into the -o directory.",
)
@format_option(("sssom-tsv", "sssom-json", "sssom-rdf"))
@click.option(
    "--derived",
    is_flag=True,
    help="Also the derived rows between the set's frameworks (justification "
    "semapv:MappingChaining/MappingInversion, chain in see_also); without --set also the "
    "derived set itself.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (with --set; stdout without it) or directory (without --set).",
)
@release_option
def export(
    set_id: str | None, fmt: str, derived: bool, output: Path | None, release_dir: Path | None
) -> None:
    """Write mapping sets as SSSOM that sssom-py reads: curated rows (mappings, negative
    mappings with predicate_modifier Not, NoTermFound rows), derived rows only on request."""
    from pcfgraph.mappings.export import FORMATS, export_bytes, mapping_set_ids
    from pcfgraph.queries import QueryCatalog

    release = opened_release(release_dir)
    catalog = QueryCatalog()
    if set_id is not None:
        write_output(export_bytes(release.store, catalog, set_id, fmt, derived=derived), output)
        return
    if output is None or (output.exists() and not output.is_dir()):
        raise InputError("without --set give -o DIRECTORY: one file per mapping set")
    output.mkdir(parents=True, exist_ok=True)
    for sid in mapping_set_ids(release.store, catalog):
        if sid == "derived" and not derived:
            continue
        path = output / f"{sid}{FORMATS[fmt].suffix}"
        write_output(export_bytes(release.store, catalog, sid, fmt), path)
        click.echo(f"wrote {path}")


@mappings.command("suggest")
@click.option("--source", required=True, metavar="FRAMEWORK", help="Framework id of subjects.")
@click.option("--target", required=True, metavar="FRAMEWORK", help="Framework id of objects.")
@click.option("--top", default=3, show_default=True, help="Candidates per source element.")
@click.option(
    "--model",
    type=click.Choice(["lexical", "fuzzy", "hybrid", "semantic"]),
    default="lexical",
    show_default=True,
    help="lexical: BM25 over names/definitions + fuzzy names; fuzzy: names only; hybrid: "
    "lexical + parent text + chains through the curated sets; semantic: hybrid + "
    "all-MiniLM-L6-v2 embeddings (needs pcfgraph[embeddings]).",
)
@click.option(
    "--min-score",
    default=0.0,
    show_default=True,
    help="Leave out candidates scoring lower (scores are from 0 to 1).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None)
@release_option
def suggest(
    source: str,
    target: str,
    top: int,
    model: str,
    min_score: float,
    output: Path | None,
    release_dir: Path | None,
) -> None:
    """Rank candidate counterparts in TARGET for each SOURCE element that has no decision
    for them yet and write them as SSSOM/TSV (semapv:LexicalMatching, with a confidence)."""
    from pcfgraph import services
    from pcfgraph.mappings.suggest import suggest as run_suggest
    from pcfgraph.mappings.suggest import to_sssom_tsv
    from pcfgraph.queries import QueryCatalog

    release = opened_release(release_dir)
    catalog = QueryCatalog()
    refuse_unknown_frameworks(services.Reader(release.store, catalog), source=source, target=target)
    found = run_suggest(
        release.store, catalog, source, target, top=top, model=model, min_score=min_score
    )
    from pcfgraph.iris import PREFIXES

    prefixes = {k: v for k, v in PREFIXES.items() if k in ("prmit", "itcmf", "trim")}
    prefixes.update(_curated_prefixes())
    write_output(to_sssom_tsv(found, source, target, model=model, prefixes=prefixes), output)
    if output is not None:
        click.echo(f"{len(found)} suggestions -> {output}", err=True)


def _curated_prefixes() -> dict[str, str]:
    from pcfgraph.mappings import read_mapping_set
    from pcfgraph.resources import resource_dir

    out: dict[str, str] = {}
    for path in sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv")):
        out.update(read_mapping_set(path).declared_prefixes)
    return out


@mappings.command("review")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--accept", "accepted", multiple=True, metavar="ID", help="Accept a suggestion.")
@click.option("--reject", "rejected", multiple=True, metavar="ID", help="Reject a suggestion.")
@click.option(
    "--reviewer",
    required=True,
    help="Who decides (recorded as reviewer_label), e.g. 'J. Doe, ITSM review'.",
)
@click.option(
    "--into",
    "curated",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="The curated set to move decisions into (default: the one in data/mappings with "
    "the suggestions' frameworks).",
)
@click.option(
    "--predicate",
    type=click.Choice(["exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"]),
    default=None,
    help="The relation an accepted suggestion gets (default: the suggested one).",
)
@release_option
def review(
    file: Path,
    accepted: tuple[str, ...],
    rejected: tuple[str, ...],
    reviewer: str,
    curated: Path | None,
    predicate: str | None,
    release_dir: Path | None,
) -> None:
    """Review suggestions from FILE: each accepted one becomes a curated mapping, each
    rejected one a negative mapping (predicate_modifier Not), both with reviewer and date,
    and leaves FILE. Without --accept/--reject, asks for each suggestion."""
    from pcfgraph.mappings.review import Decision, apply_decisions, read_suggestions
    from pcfgraph.queries import QueryCatalog

    pending = read_suggestions(file)
    decisions: list[Decision] = []
    if accepted or rejected:
        known = {s.id: s for s in pending}
        for ids, verdict in ((accepted, "accept"), (rejected, "reject")):
            for i in ids:
                if i not in known:
                    raise InputError(f"{file}: no suggestion {i!r} (ids are its record_id column)")
                decisions.append(Decision(known[i], verdict))
        if set(accepted) & set(rejected):
            raise InputError("a suggestion cannot be both accepted and rejected")
    else:
        for s in pending:
            click.echo(f"\n{s.id}  {s.subject_label}  ->  {s.object_label}  ({s.confidence})")
            answer = click.prompt(
                "[a]ccept, [r]eject, [s]kip, [q]uit",
                type=click.Choice(["a", "r", "s", "q"]),
                default="s",
            )
            if answer == "q":
                break
            if answer in ("a", "r"):
                decisions.append(Decision(s, "accept" if answer == "a" else "reject"))
    if not decisions:
        click.echo("nothing decided")
        return
    release = opened_release(release_dir)
    target = apply_decisions(
        file, decisions, reviewer=reviewer, curated=curated, predicate=predicate,
        store=release.store, catalog=QueryCatalog(),
    )  # fmt: skip
    click.echo(f"{len(decisions)} decision(s) moved into {target}")
