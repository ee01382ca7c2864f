"""Search types (hits, facets, corrections) and the search both ``search`` and
``searchResults`` run over the release's search index."""

from __future__ import annotations

import anyio.to_thread
import strawberry

from pcfgraph.api.graphql.elements import Element, element
from pcfgraph.api.graphql.enums import SearchField
from pcfgraph.api.graphql.prefetch import prefetch
from pcfgraph.api.graphql.resolving import DEFAULT_SEARCH_SIZE, Ctx, check_first
from pcfgraph.errors import InputError, NotFoundError, quoted
from pcfgraph.services.search.identifier_case import spelled
from pcfgraph.services.search.index import MAX_QUERY_CHARS

#: The largest ``offset`` of ``searchResults`` (a deeper page is not a page anyone reads).
MAX_OFFSET = 10_000


@strawberry.type(description="One search result.")
class SearchHit:
    element: Element = strawberry.field(description="The matching element.")
    score: float = strawberry.field(
        description="Rank score, higher first, by tier: an identifier (PCF ID, code, id, IRI) "
        "1000; the whole query in the name as typed 400+, through the search vocabulary's "
        "synonyms 300+; in name and alternative labels 200+; anywhere else (definition, "
        "measure) 100+ (the BM25 relevance, under 100, added within the tier)."
    )
    field: SearchField = strawberry.field(description="Where the text matched.")
    snippet: str = strawberry.field(
        description="HTML: the matched field, HTML-escaped, matches wrapped in <mark></mark>; "
        "long definitions cut around the match with an ellipsis (…)."
    )
    matched_on: str = strawberry.field(
        description='What matched, in words: "PCF ID 20641", "code A25", "name", '
        '"altLabel "SLA"", "definition", "measure"; with the search-vocabulary synonyms '
        "used, if any."
    )
    other_editions: int = strawberry.field(
        default=0,
        description="How many other loaded APQC editions state this element (its PCF ID) "
        "and matched too: a text search shows each element once, in its best-matching (then "
        "newest) edition, so totalCount counts elements while the framework facet counts "
        "every matching edition; 0 for an identifier hit (each edition is a hit of its own) "
        "and outside APQC. As MCP search's otherEditions.",
    )


@strawberry.type(description="How many matches one value of a facet has.")
class SearchFacetValue:
    value: str = strawberry.field(description="Framework id, framework family or kind.")
    count: int = strawberry.field(description="Matching elements with this value.")


@strawberry.type(description="A page of search hits with totals, facets and corrections.")
class SearchResults:
    hits: list[SearchHit] = strawberry.field(description="The hits of this page, best first.")
    total_count: int = strawberry.field(description="Matching elements across all pages.")
    framework_facet: list[SearchFacetValue] = strawberry.field(
        description="Matches per framework edition id (before the filters)."
    )
    family_facet: list[SearchFacetValue] = strawberry.field(
        description='Matches per framework family ("apqc-pcf" for every APQC edition).'
    )
    kind_facet: list[SearchFacetValue] = strawberry.field(
        description="Matches per element kind (before the filters)."
    )
    did_you_mean: str | None = strawberry.field(
        description="The query with misspelt words corrected, when there were any."
    )
    corrected: bool = strawberry.field(
        description="The hits were found with corrected words (see didYouMean)."
    )


def _facet(counts: dict[str, int]) -> list[SearchFacetValue]:
    return [SearchFacetValue(value=k, count=v) for k, v in counts.items()]


async def run_search(
    info: Ctx,
    text: str,
    framework: strawberry.ID | None,
    kind: str | None,
    first: int | None,
    offset: int,
) -> SearchResults:
    size = check_first(first, DEFAULT_SEARCH_SIZE, info.context.state.settings)
    if not text.strip():  # no hits would read as "nothing matches"
        raise InputError(f"text must hold words or a phrase to find, not {quoted(text)}")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(
            f"text must be at most {MAX_QUERY_CHARS} characters, not {len(text)} characters"
        )
    if offset < 0 or offset > MAX_OFFSET:
        raise InputError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
    index = await anyio.to_thread.run_sync(info.context.search_index)
    # a framework id or family matched ignoring case (APQC-PCF is apqc-pcf), as MCP's search
    fid = spelled(str(framework), index.filter_values()[0]) if framework is not None else None
    unknown = index.unknown_filter(fid, kind, empty_is_unknown=True)
    if unknown is not None:  # no hits would read as "none exist"
        raise NotFoundError(f"{unknown[0]}: {unknown[1]}")
    result = index.query(
        text,
        framework=fid,
        kind=kind,
        limit=size,
        offset=offset,
    )
    hits = result.hits
    wanted = info.context.wanted(info)
    if wanted.reads:
        await info.context.loaders.run(prefetch, wanted, elements=[h.element for h in hits])
    info.context.charge(len(hits))
    return SearchResults(
        hits=[
            SearchHit(
                element=element(h.element),
                score=h.score,
                field=SearchField(h.field),
                snippet=h.snippet,
                matched_on=h.matched_on,
                other_editions=h.other_editions,
            )
            for h in hits
        ],
        total_count=result.total,
        framework_facet=_facet(result.facets.get("framework", {})),
        family_facet=_facet(result.facets.get("family", {})),
        kind_facet=_facet(result.facets.get("kind", {})),
        did_you_mean=result.did_you_mean,
        corrected=result.corrected,
    )
