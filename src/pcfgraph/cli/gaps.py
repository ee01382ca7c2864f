"""``pcfgraph gaps``: the elements of a framework with no counterpart in another, grouped by
parent, with the curated decisions and what another APQC edition's mappings inherit."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pyoxigraph as ox

from pcfgraph.cli.common import format_option
from pcfgraph.cli.graph_commands import (
    format_select,
    load,
    refuse_unknown_frameworks,
    release_option,
    term_text,
)
from pcfgraph.cli.table import code_key, curie, render_table
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.store import SelectResult

if TYPE_CHECKING:
    from pcfgraph import services


@click.command()
@click.option("--framework", "framework", default=None, help="Only elements of this framework id.")
@click.option("--target", default=None, help="Only gaps towards this framework id.")
@click.option("--kind", default=None, help="Only elements of this kind (process, activity...).")
@format_option()
@click.option(
    "--include-derived/--curated-only",
    default=True,
    show_default=True,
    help="Whether a derived mapping (an inverse or chain pcfgraph made) covers an element; "
    "--curated-only: only a curated one does.",
)
@click.option(
    "--under",
    "root",
    default=None,
    metavar="ID",
    help="Only this element and those below it: element id or IRI (e.g. "
    "apqc-pcf/cross-industry/7.4/20608), PCF ID, or code with --framework (e.g. 8.1).",
)
@click.option(
    "--undecided",
    is_flag=True,
    help="Only gaps without a curated decision (no NoTermFound record, no negative mapping, "
    "no inherited mapping or no-counterpart decision from another APQC edition that holds).",
)
@release_option
def gaps(
    framework: str | None,
    target: str | None,
    kind: str | None,
    fmt: str,
    include_derived: bool,
    root: str | None,
    undecided: bool,
    release_dir: Path | None,
) -> None:
    """List elements with no counterpart in each other framework (with recorded decisions).

    The table groups them by framework pair and then by parent element; csv and json are the
    query's rows (SPARQL results JSON). An element of an APQC industry edition covered only by
    curated mappings inherited from another edition of its PCF ID (as GraphQL's
    inheritedMappings) is not a plain gap: the table lists it apart, csv and json add
    inheritedStatus (inherited / needs-review), inheritedMappings and inheritedFrom. One whose
    PCF ID has a curated "no counterpart" decision on another edition inherits it the same way:
    the table gives its reason and where it was decided (or that it needs review), csv and
    json add inheritedDecision, inheritedDecisionStatus (inherited / needs-review),
    inheritedReason, decidedOn, decidedOnElement and inheritedReviewReasons; --undecided
    leaves out those whose inherited decision holds.
    """
    from pcfgraph import services

    release = load(release_dir)
    catalog = QueryCatalog()
    q = catalog.get("api/gaps")
    params: dict[str, object] = {}
    names = {p.name for p in q.params}
    reader = services.Reader(release.store, catalog)
    # else an unknown id is "no gaps", as if there were none
    framework, target = refuse_unknown_frameworks(reader, framework=framework, target=target)
    if itself := services.target_is_itself(framework, target):
        raise InputError(f"--target {itself}")
    if kind is not None:
        kinds = sorted(
            {term_text(r["kind"]) for r in release.store.select(catalog.get("api/stats")).rows}
        )
        if kind not in kinds:  # an enumerated value, taken as written (MCP's, GraphQL's)
            from pcfgraph.letter_case import no_kind

            raise NotFoundError(f"--kind: {no_kind(kind, kinds)}")
    if root is not None:
        params["root"] = ox.NamedNode(gaps_root(release, reader, root, framework).iri)
    if not include_derived:  # the flag was read and ignored: derived chains hid gaps
        params["includeDerived"] = False
    for option, key, value in (
        ("framework", "framework", framework),
        ("target", "otherFramework", target),
        ("kind", "kind", kind),
    ):
        if value is not None and key in names:
            params[key] = value
        elif value is not None:
            raise InputError(f"the gaps query does not support --{option}")
    result = with_inherited_cover(release, release.store.select(q, params), undecided=undecided)
    if fmt != "table":
        sys.stdout.buffer.write(format_select(result, fmt))
        return
    sys.stdout.buffer.write(gaps_table(result).encode("utf-8"))


def gaps_root(
    release: Release, reader: services.Reader, ref: str, framework: str | None
) -> services.Element:
    """The element ``--under`` names: an IRI, an element id, a PCF ID, or a code of
    ``--framework``, matched ignoring case as MCP's and GraphQL's ``under`` (``prm-it/a24``
    is ``prm-it/A24``; the search index is read only for one not found as written). One
    that names nothing is an error (it listed "no gaps", as if the element had none)."""
    from pcfgraph.errors import InputError
    from pcfgraph.services import element_ref
    from pcfgraph.services.search.identifier_case import element_named_any_case
    from pcfgraph.services.search.release import index_for

    try:  # a CURIE (pcf74:20608) as its IRI: one whose prefix names nothing, said by option
        ref = element_ref(reader, ref.strip())
    except InputError as exc:
        raise InputError(f"--under {exc}") from None
    return element_named_any_case(
        reader,
        lambda: index_for(release, reader),
        ref,
        framework,
        code_needs=f"--under {ref.strip()!r}: a code needs --framework (codes repeat across "
        "frameworks), or give the element's id or IRI",
    )


#: Columns ``pcfgraph gaps`` adds to the query's rows for an element that inherits curated
#: mappings into the other framework from another APQC edition (services.gap_covers).
INHERITED_COLUMNS = ("inheritedStatus", "inheritedMappings", "inheritedFrom")
#: Columns it adds for an element that inherits a curated "no counterpart" decision into the
#: other framework from another APQC edition of its PCF ID (services.gap_decisions): the
#: decision, its status (inherited / needs-review), its reason, the editions and elements it
#: was made on (space-separated) and why it needs review.
DECISION_COLUMNS = (
    "inheritedDecision",
    "inheritedDecisionStatus",
    "inheritedReason",
    "decidedOn",
    "decidedOnElement",
    "inheritedReviewReasons",
)


def with_inherited_cover(
    release: Release, result: SelectResult, *, undecided: bool = False
) -> SelectResult:
    """The gaps with, for an element covered by inherited mappings (made on another APQC
    edition of its PCF ID, as GraphQL's Element.inheritedMappings), their status
    (inherited / needs-review), number and the editions they were made on. ``undecided``:
    only the undecided gaps (services.is_undecided, as GraphQL and MCP find_gaps)."""
    from pcfgraph import services

    reader = services.Reader(release.store, QueryCatalog())
    rows = []
    covers = services.gap_covers(reader, result.rows)
    decisions = services.gap_decisions(reader, result.rows)
    for row, cover, decided in zip(result.rows, covers, decisions, strict=True):
        if undecided and not services.is_undecided(row, cover, decided):
            continue
        if cover is not None:
            row = {
                **row,
                "inheritedStatus": ox.Literal(cover.status),
                "inheritedMappings": ox.Literal(len(cover.mappings)),
                "inheritedFrom": ox.Literal(" ".join(cover.made_on_frameworks)),
            }
        if decided is not None:
            row = {
                **row,
                "inheritedDecision": ox.Literal(decided.decision),
                "inheritedDecisionStatus": ox.Literal(decided.status),
                "inheritedReason": ox.Literal(decided.reason or ""),
                "decidedOn": ox.Literal(" ".join(decided.made_on_frameworks)),
                "decidedOnElement": ox.Literal(" ".join(decided.made_on)),
                "inheritedReviewReasons": ox.Literal(" ".join(decided.review_reasons)),
            }
        rows.append(row)
    return SelectResult((*result.variables, *INHERITED_COLUMNS, *DECISION_COLUMNS), rows)


def gaps_table(result: SelectResult) -> str:
    """Gaps for people: one block per framework pair, rows grouped under their parent, each
    element as code and name (in code order) with its kind in words and the recorded reason
    (nothing cut). Elements covered only by mappings inherited from another APQC edition are
    listed apart after the gaps of their pair, with the status of those mappings."""
    blocks: dict[tuple[str, str], dict[tuple[str, str], list[list[str]]]] = {}
    covered: dict[tuple[str, str], list[list[str]]] = {}
    for row in result.rows:
        values = {k: term_text(v) for k, v in row.items()}

        def text(name: str, values: dict[str, str] = values) -> str:
            return values.get(name, "")

        pair = (text("framework"), text("otherFramework"))
        parent = (text("parentCode"), text("parentName"))
        item = [
            text("code") or curie(text("element")),
            text("name"),
            re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text("elementKind")).lower(),
        ]
        blocks.setdefault(pair, {})
        if text("inheritedStatus"):
            status = text("inheritedStatus").replace("-", " ")
            covered.setdefault(pair, []).append(
                [*item, status, text("inheritedMappings"), text("inheritedFrom")]
            )
            continue
        blocks[pair].setdefault(parent, []).append(
            [
                *item,
                text("reason")
                or ("recorded" if text("noCounterpart") else "")
                or inherited_decision_words(values)
                or ("negative mappings only" if text("decision") == "negative" else ""),
            ]
        )
    out: list[str] = []
    for (fw, other), parents in blocks.items():
        n = sum(len(rows) for rows in parents.values())
        out.append(f"{fw}: {n} element{'s' if n != 1 else ''} without a counterpart in {other}")
        rows: list[list[str]] = []
        for (code, name), items in sorted(
            parents.items(), key=lambda kv: (bool(kv[0][0]), code_key(kv[0][0]))
        ):
            # the top level (no parent code) first, then the parents in natural order
            rows.append([f"under {code} {name}" if code or name else "at the top level"])
            rows.extend(sorted(items, key=lambda item: code_key(item[0])))
        if rows:
            out.append(render_table(["code", "name", "kind", "reason"], rows, count=False))
        inherited = sorted(covered.get((fw, other), []), key=lambda item: code_key(item[0]))
        if inherited:
            m = len(inherited)
            # towards an APQC edition, the PCF IDs are the far ends' (a PRM-IT process has none)
            from pcfgraph.iris import is_apqc_framework_id

            whose = "the PCF IDs they map to" if is_apqc_framework_id(other) else "their PCF ID"
            out.append(
                f"{fw}: {m} element{'s' if m != 1 else ''} covered in {other} by inherited "
                f"mappings only (made on another edition of {whose}; not gaps, review "
                "those that need it)"
            )
            header = ["code", "name", "kind", "status", "mappings", "made on"]
            out.append(render_table(header, inherited, count=False))
    return "\n".join(out) if out else "no gaps\n"


def inherited_decision_words(values: dict[str, str]) -> str:
    """The reason column of an element that inherits a "no counterpart" decision: its reason
    and where it was made, or that it needs review and why ("" for none)."""
    status = values.get("inheritedDecisionStatus", "")
    if not status:
        return ""
    reason = values.get("inheritedReason", "") or "recorded"
    where = values.get("decidedOn", "")
    if status == "inherited":
        return f"inherited from {where}: {reason}"
    why = ", ".join(values.get("inheritedReviewReasons", "").split())
    return f"needs review ({why}), decided on {where}: {reason}"
