"""``pcfgraph mappings export|suggest|review|diff``: the mapping sets as SSSOM, candidate
mappings for what is missing, the review that turns candidates into curated decisions, and
what changed between two states of the sets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pcfgraph.cli.common import (
    format_option,
    opened_release,
    output_format,
    output_option,
    print_warnings,
)
from pcfgraph.cli.graph_commands import (
    refuse_unknown_frameworks,
    release_option,
    write_comparison,
    write_output,
)
from pcfgraph.cli.table import by_kind, curie, terminal_width, wrapped
from pcfgraph.errors import (
    InputError,
    NotFoundError,
    PcfgraphError,
    prefixed,
    quoted,
    refused_together,
)
from pcfgraph.relation_names import RELATION_NAMES, SPELLINGS, relation_named
from pcfgraph.terminal_text import printable

if TYPE_CHECKING:
    from pcfgraph.mappings.compare import MappingDiff


@click.group()
def mappings() -> None:
    """Export, suggest and review cross-framework mappings (SSSOM)."""


#: The suffixes of the SSSOM files written (``.sssom.tsv``...) -> their format.
_SUFFIXES = {
    ".tsv": "sssom-tsv",
    ".json": "sssom-json",
    ".ttl": "sssom-rdf",
    ".turtle": "sssom-rdf",
}


@mappings.command("export")
@click.option(
    "--set",
    "set_id",
    default=None,
    metavar="ID",
    help="The mapping set (file stem, e.g. pcf-8.1-to-prm-it-a2, or 'derived'); "
    "without it every curated set is written into the -o directory.",
)
@format_option(
    ("sssom-tsv", "sssom-json", "sssom-rdf"),
    help="SSSOM serialisation (with --set, when left out: the one -o's suffix names, .tsv "
    ".json .ttl, else sssom-tsv; given with an -o whose suffix names another, refused).",
)
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
    from pcfgraph.letter_case import spelled
    from pcfgraph.mappings.export import FORMATS, export_bytes, mapping_set_ids
    from pcfgraph.queries import QueryCatalog

    if set_id is not None:  # -o names a file (a directory without --set)
        fmt = output_format(fmt, output, _SUFFIXES)
    release = opened_release(release_dir)
    catalog = QueryCatalog()
    if set_id is not None:
        # an identifier, matched ignoring case as every option naming one (PCF-8.1-TO-PRM-IT-A2)
        set_id = str(spelled(set_id, mapping_set_ids(release.store, catalog)))
        write_output(export_bytes(release.store, catalog, set_id, fmt, derived=derived), output)
        return
    if output is None or (output.exists() and not output.is_dir()):
        raise InputError("without --set give -o DIRECTORY: one file per mapping set")
    from pcfgraph.files import write_all_atomic

    files = {
        output / f"{sid}{FORMATS[fmt].suffix}": export_bytes(release.store, catalog, sid, fmt)
        for sid in mapping_set_ids(release.store, catalog)
        if sid != "derived" or derived
    }
    try:  # all or none: a full disk at the third set left the first two new, the rest old
        output.mkdir(parents=True, exist_ok=True)
        write_all_atomic(files)
    except OSError as exc:
        raise InputError(f"cannot write -o {output}: {exc.strerror or exc}") from None
    for path in files:
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
@click.option(
    "--under",
    "root",
    default=None,
    metavar="ID",
    help="Only this SOURCE element and those below it: its code (e.g. 8.1), PCF ID, element "
    "id or IRI, as 'pcfgraph gaps --under' takes it.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None)
@release_option
def suggest(
    source: str,
    target: str,
    top: int,
    model: str,
    min_score: float,
    root: str | None,
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
    spelled = refuse_unknown_frameworks(
        services.Reader(release.store, catalog), source=source, target=target
    )
    source, target = (str(fid) for fid in spelled)  # PRM-IT is prm-it
    under = None
    if root is not None:  # a group of the source at a time, as a curator reviews
        from pcfgraph.cli.gaps import gaps_root

        # one of another framework is refused naming its framework
        under = gaps_root(release, services.Reader(release.store, catalog), root, source).iri
    found = run_suggest(
        release.store, catalog, source, target, top=top, model=model, min_score=min_score,
        under=under,
    )  # fmt: skip
    from pcfgraph.iris import PREFIXES

    prefixes = {k: v for k, v in PREFIXES.items() if k in ("prmit", "itcmf", "trim")}
    prefixes.update(_curated_prefixes())
    # the rows quote both frameworks' names: the file carries their notices
    reader = services.Reader(release.store, catalog)
    notices = {
        fid: f.attribution or ""
        for fid in (source, target)
        if (f := services.framework(reader, fid)) is not None
    }
    data = to_sssom_tsv(found, source, target, model=model, prefixes=prefixes, notices=notices)
    write_output(data, output)
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
    help="Who decides (recorded as reviewer_label), e.g. 'J. Doe, ITSM review'; no '|' (it "
    "separates an SSSOM/TSV cell's values).",
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
    metavar="RELATION",
    callback=lambda _ctx, _param, value: _relation(value),
    default=None,
    help="The relation an accepted suggestion gets (default: the suggested one): "
    f"{', '.join(RELATION_NAMES)} (written as {SPELLINGS}).",
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
    from pcfgraph.mappings.review import (
        Decision,
        apply_decisions,
        checked_reviewer,
        read_suggestions,
    )
    from pcfgraph.queries import QueryCatalog

    reviewer = checked_reviewer(reviewer)  # refused before any suggestion is asked about
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
            # which elements, as the file names them: names alone are not unique (an
            # industry edition repeats Cross-Industry's) and a code is what the curator checks
            subject, obj = s.ends
            click.echo(f"\n{s.id}  ({s.confidence})")
            click.echo(f"  {subject}  {s.subject_label}\n  -> {obj}  {s.object_label}")
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
    if predicate is not None and all(d.verdict != "accept" for d in decisions):
        # it is the accepted suggestions' relation (204af10): a rejection keeps the suggested
        # one, so with only rejections the option changed nothing, without a word
        print_warnings(
            [
                f"--predicate {predicate} is unused: no suggestion was accepted, and a "
                "rejected one keeps its suggested relation (its negative mapping says that "
                "relation does not hold)"
            ]
        )
    release = opened_release(release_dir)
    target = apply_decisions(
        file, decisions, reviewer=reviewer, curated=curated, predicate=predicate,
        store=release.store, catalog=QueryCatalog(),
    )  # fmt: skip
    click.echo(f"{len(decisions)} decision(s) moved into {target}")


def _relation(value: str | None) -> str | None:
    """``--predicate`` as its SKOS local name: it was a choice of the five local names, so
    SSSOM's own spelling (``skos:closeMatch``, the ``predicate_id`` the option is named after)
    and GraphQL's (``CLOSE_MATCH``) were refused."""
    if value is None:
        return None
    try:
        return relation_named(value)
    except InputError as e:
        raise click.BadParameter(str(e)) from None


@mappings.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--set",
    "set_id",
    default=None,
    metavar="ID",
    help="Only the mappings of this set on both sides (its file stem, e.g. "
    "pcf-8.1-to-prm-it-a2, or its mapping_set_id IRI).",
)
@click.option(
    "--derived",
    is_flag=True,
    help="Also the derived mappings of a release (chains and inverses).",
)
@format_option(
    help="Format (when left out: the one -o's suffix names, .txt .csv .json, else table; "
    "given with an -o whose suffix names another, refused)."
)
@output_option
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when there are differences (like 'git diff')."
)
def diff_mappings(
    old: str,
    new: str,
    set_id: str | None,
    derived: bool,
    fmt: str,
    output: Path | None,
    exit_code: bool,
) -> None:
    """Compare the mappings of OLD and NEW: added, removed, and changed slots (confidence,
    justification, author, comment...), a mapping being its subject, predicate (Not for a
    negative one) and object.

    Each of OLD and NEW is an SSSOM/TSV or SSSOM/JSON file (e.g. from 'pcfgraph mappings
    export' or a curator's edit) or a release directory from 'pcfgraph build' (every curated
    set).
    """
    from pcfgraph.mappings.compare import (
        MappingSide,
        compare,
        only_set,
        set_named,
        set_names,
        side_from_sssom,
        side_from_store,
        summary,
        to_csv,
        to_json,
    )
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.release import load_release

    fmt = output_format(fmt, output, {".txt": "table", ".csv": "csv", ".json": "json"})
    catalog = QueryCatalog()

    def side(arg: str) -> MappingSide:
        path = Path(arg)
        if path.is_dir():
            return side_from_store(arg, load_release(path).store, catalog, derived=derived)
        if path.is_file() or arg.endswith((".tsv", ".json")):
            return side_from_sssom(path, catalog)
        raise InputError(
            f"{arg!r}: give an SSSOM/TSV or SSSOM/JSON file (.sssom.tsv, .sssom.json) or a "
            "release directory (from 'pcfgraph build')"
        )

    # each side read whatever the other's fate, and its problem said to be OLD's or NEW's
    sides: list[MappingSide] = []
    problems: list[PcfgraphError] = []
    for role, arg in (("OLD", old), ("NEW", new)):
        try:
            sides.append(side(arg))
        except PcfgraphError as exc:
            problems.append(prefixed(exc, role))
    if problems:
        raise refused_together(problems)
    before, after = sides
    if set_id is not None:
        # an identifier, matched ignoring case; one neither side holds compared nothing
        held = set_named(set_id, (before, after))
        if held is None:
            sets = ", ".join(set_names((before, after))) or "none"
            raise NotFoundError(
                f"--set: neither side holds mapping set {quoted(set_id)}; sets: {sets}"
            )
        before, after = only_set(before, held), only_set(after, held)
    result = compare(before, after)
    render = {
        "json": lambda: to_json(result),
        "csv": lambda: to_csv(result),
        "table": lambda: (diff_table(result) + summary(result) + "\n").encode("utf-8"),
    }
    changed = bool(result.changes or result.sets)
    write_comparison(fmt, output, render, summary(result), changed=changed, exit_code=exit_code)


def diff_table(result: MappingDiff) -> str:
    """The changes for people: grouped by kind with the count first, each mapping as
    CURIEs with its ends' labels, each changed slot with its old and new value whole."""
    from pcfgraph.mappings.compare import set_name

    width = terminal_width()
    out: list[str] = []
    for changed in result.sets:  # what a release says about a set as a whole comes first
        out.append(f"set {changed.change}: {set_name(changed.mapping_set_id)}")
        for slot in changed.slots:
            out.extend(wrapped(f"{slot.old or '(none)'} -> {slot.new or '(none)'}", width,
                               f"    {slot.slot}: ", "      "))  # fmt: skip
    if result.sets:
        out.append("")
    for kind, n, items in by_kind(result.counts(), result.changes):
        out.append(f"{kind} ({n})")
        for c in items:
            predicate = ("not " if c.predicate_modifier else "") + curie(c.predicate_id)
            line = f"{result.curie(c.subject_id)} {predicate} {result.curie(c.object_id)}"
            out.extend(wrapped(f"{line}  [set {set_name(c.mapping_set_id)}]", width, "  ", "    "))
            labels = " -> ".join(x for x in (c.subject_label, c.object_label) if x)
            if labels:
                out.extend(wrapped(labels, width, "    ", "    "))
            for s in c.slots:
                was, now = s.old or "(none)", s.new or "(none)"
                if len(was) + len(now) + len(s.slot) + 10 <= width:
                    out.append(f"    {s.slot}: {was} -> {now}")
                    continue
                out.extend(wrapped(was, width, f"    {s.slot}: ", "      "))
                out.extend(wrapped(now, width, "      -> ", "         "))
        out.append("")
    return printable("\n".join(out))  # labels and comments come from the files
