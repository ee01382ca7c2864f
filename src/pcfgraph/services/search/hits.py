"""What a search answers: hits (the element, where it matched, an HTML-safe snippet) and
the result around them (total, facets, corrections), made from the index's result rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pcfgraph.services.elements import Element
from pcfgraph.services.search import text as tx

#: The field names hits report, per FTS column.
FIELD_OF_COLUMN = {
    "name": "name",
    "alt": "altLabel",
    "definition": "definition",
    "measures": "measure",
}
#: Score of a hit's tier: 0 identifier, 1 whole query in the name as typed, 2 in the name
#: through the vocabulary's synonyms, 3 in name and alternative labels, 4 anywhere (BM25
#: relevance, under 100, is added within the tier).
TIER_SCORE = {0: 1000.0, 1: 400.0, 2: 300.0, 3: 200.0, 4: 100.0}


@dataclass(frozen=True)
class SearchHit:
    element: Element
    #: Higher first: identifier 1000; whole query in the name as typed 400+, through
    #: synonyms 300+, in name and alternative labels 200+, elsewhere 100+ (the BM25
    #: relevance added within the tier).
    score: float
    #: Where it matched: "code" (any identifier), "name", "altLabel", "definition", "measure".
    field: str
    #: HTML: the matched text escaped, matches in <mark>; long texts cut with "…".
    snippet: str
    #: Human words for what matched, e.g. 'PCF ID 20641', 'name', 'altLabel "SLA"'.
    matched_on: str = ""
    #: Other loaded editions where the same element (same PCF ID) matched too; a text
    #: search shows each element once, in its best-matching (then newest) edition.
    other_editions: int = 0


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    #: Matching elements across all pages (after the filters).
    total: int
    #: Counts of all matches (before the filters) by "framework", "family" and "kind".
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: The query with typos corrected, when corrections were used or could find something.
    did_you_mean: str | None = None
    #: True when the hits come from corrected words.
    corrected: bool = False
    #: True when not every word could match together and any word was enough.
    relaxed: bool = False
    #: Vocabulary expansions used, e.g. 'SLA = service level agreement'.
    expansions: list[str] = field(default_factory=list)


def element_of(r: dict[str, Any]) -> Element:
    return Element(
        iri=r["iri"],
        framework_id=r["framework"],
        name=r["name"],
        code=r["code"],
        definition=r["definition"],
        kind=r["kind"],
        level=r["level"],
        pcf_id=r["pcf_id"],
        parent_iri=r["parent"],
        top=bool(r["top"]),
    )


def id_hit(r: dict[str, Any]) -> SearchHit:
    what = r["what"]
    value = r["pcf_id"] if what == "PCF ID" else (r["code"] if what == "code" else r["iri"])
    snippet = "<mark>" + tx.marked_html(str(value)) + "</mark>"
    return SearchHit(element_of(r), TIER_SCORE[0], "code", snippet, f"{what} {value}")


def id_facets(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {"framework": {}, "family": {}, "kind": {}}
    for r in rows:
        for dim in facets:
            facets[dim][r[dim] or ""] = facets[dim].get(r[dim] or "", 0) + 1
    return facets


def text_hit(
    r: dict[str, Any], texts: tuple[str, ...] | None, expansions: Sequence[str]
) -> SearchHit:
    name_h, alt_h, def_h, meas_h = texts or (r["name"], "", "", "")
    tier = r["tier"]
    if (
        tier in (1, 2)
        or (tier == 3 and not tx.has_mark(alt_h))
        or (
            tier == 4 and tx.has_mark(name_h) and not tx.has_mark(def_h) and not tx.has_mark(meas_h)
        )
    ):
        column, shown = "name", name_h
    elif tier == 3:
        column, shown = "alt", marked_label(alt_h)
    elif tx.has_mark(def_h):
        column, shown = "definition", def_h
    elif tx.has_mark(meas_h):
        column, shown = "measures", marked_label(meas_h)
    else:
        column, shown = "name", name_h
    fieldname = FIELD_OF_COLUMN[column]
    matched_on = fieldname
    plain = shown.replace(tx.OPEN, "").replace(tx.CLOSE, "")
    if column == "alt":
        matched_on = f'altLabel "{plain}"'
    elif column == "definition" and not _in_definition(shown, r["definition"] or ""):
        matched_on = "description"  # the longer description shares the definition's field
    if expansions and column != "alt" and tier != 1:  # tier 1: the name has the words typed
        matched_on += " (" + "; ".join(expansions) + ")"
    score = TIER_SCORE[tier] + min(99.9, max(0.0, -float(r["rank"])))
    return SearchHit(
        element_of(r),
        round(score, 3),
        fieldname,
        tx.marked_html(shown),
        matched_on,
        int(r.get("other_editions") or 0),
    )


def marked_label(joined: str) -> str:
    """The one label (of a ' ; '-joined list) holding the first match."""
    for part in joined.split(" ; "):
        if tx.OPEN in part:
            return part.strip()
    return joined


def _in_definition(shown: str, definition: str) -> bool:
    """Whether a matched word of the definition column's snippet is the definition's (the
    column holds the definition, then the longer description)."""
    marked = shown.split(tx.OPEN)[1:]
    words = [m.split(tx.CLOSE, 1)[0].casefold() for m in marked]
    return not words or any(w in definition.casefold() for w in words)
