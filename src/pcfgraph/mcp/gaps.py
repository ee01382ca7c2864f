"""``find_gaps``' items: a framework's gaps read once per served release, then filtered.

The gaps query (``api/gaps``) reads every element of a framework against every other
framework whatever it is asked (0.5 s for APQC Cross-Industry 7.4 in memory, 2 s on its
on-disk store, for 35 gaps under 8.1 as for all 5,666), and ``find_gaps`` ran it again for
every page: an assistant paging through a framework's gaps paid it per page. A release never
changes while served, so a framework's gaps (with their inherited covers) are read once per
release, in the reader's memo, and ``target``, ``kind``, ``under`` and ``undecided`` filter
them, in the query's order (``undecided`` by :func:`pcfgraph.services.is_undecided`, the rule
of ``pcfgraph gaps --undecided`` and GraphQL ``gaps(undecided: true)``).
"""

from __future__ import annotations

from typing import Any

from pcfgraph import services
from pcfgraph.services.base import integer

#: A gap as ``find_gaps`` lists it, and whether it is undecided (services.is_undecided).
Item = tuple[dict[str, Any], bool]


def framework_gaps(reader: services.Reader, framework: str) -> list[Item]:
    """Every gap of ``framework`` towards each other framework, as ``find_gaps`` lists them
    (the caller never changes them: they are shared by every call on the release)."""
    return reader.memo(("mcp-find-gaps", framework), lambda: _read(reader, framework))


def _read(reader: services.Reader, framework: str) -> list[Item]:
    rows = reader.select("api/gaps", {"framework": framework})
    items = []
    # An element covered by curated mappings inherited from another APQC edition (as
    # get_mappings' inheritedMappings) is no plain gap: it says so, with their status.
    # So is one whose PCF ID has a curated "no counterpart" decision on another edition: it
    # inherits it (inheritedDecisionStatus), with its reason and where it was decided.
    covers, decisions = services.gap_covers(reader, rows), services.gap_decisions(reader, rows)
    for row, cover, decided in zip(rows, covers, decisions, strict=True):
        values = {k: (v.value if hasattr(v, "value") else str(v)) for k, v in row.items()}
        iri = values.get("element")
        item = {
            "element": iri,
            # its element id, as every other element an answer names carries it (results.py)
            "id": services.element_id(iri) if iri else None,
            "code": values.get("code"),
            "name": values.get("name"),
            # none is null, as GraphQL's Gap and the reason beside it say it (the query's
            # "" stood for none: a gap without a decision read "decision": "")
            "kind": values.get("elementKind") or None,
            "lacksCounterpartIn": values.get("otherFramework"),
            "decision": values.get("decision") or None,
            "reason": values.get("reason"),
            # how many, as GraphQL's negativeMappingCount: "negative" said only that some are
            "negativeMappingCount": integer(row, "negatives") or 0,
        }
        if cover is not None:
            item["inheritedStatus"] = cover.status
            item["inheritedMappings"] = len(cover.mappings)
            item["inheritedFrom"] = list(cover.made_on_frameworks)
        if decided is not None:
            item["inheritedDecision"] = decided.decision
            item["inheritedDecisionStatus"] = decided.status
            item["inheritedReason"] = decided.reason
            item["decidedOn"] = list(decided.made_on_frameworks)
            item["decidedOnElement"] = list(decided.made_on)
            item["inheritedReviewReasons"] = list(decided.review_reasons)
        items.append((item, services.is_undecided(row, cover, decided)))
    return items


def gaps(
    reader: services.Reader,
    framework: str,
    *,
    target: str | None = None,
    kind: str | None = None,
    root: services.Element | None = None,
    undecided: bool = False,
) -> list[dict[str, Any]]:
    """The gaps of ``framework`` towards ``target`` (else any other), of elements of
    ``kind``, of ``root`` and the elements below it, as ``api/gaps`` bound to them answers;
    ``undecided``: only those without a curated decision, own or inherited, that holds."""
    below = None if root is None else subtree(reader, root)
    return [
        item
        for item, open_ in framework_gaps(reader, framework)
        if (open_ or not undecided)
        and (target is None or item["lacksCounterpartIn"] == target)
        and (kind is None or item["kind"] == kind)
        and (below is None or item["element"] in below)
    ]


def subtree(reader: services.Reader, root: services.Element) -> set[str]:
    """The IRIs of ``root`` and every element below it in its framework."""
    (below,) = services.descendants_of(reader, [root])
    return {root.iri, *(e.iri for e in below)}
