"""Search results as plain JSON-able dicts, the same for the CLI and the MCP server: each hit
with what matched, and the rights statement of every framework a hit comes from (APQC's
notice on PCF content)."""

from __future__ import annotations

from typing import Any

from pcfgraph.services.base import Reader
from pcfgraph.services.frameworks import frameworks
from pcfgraph.services.search.hits import SearchHit, SearchResult


def hit_dict(hit: SearchHit) -> dict[str, Any]:
    e = hit.element
    out: dict[str, Any] = {
        "iri": e.iri,
        "id": e.id,
        "framework": e.framework_id,
        "code": e.code,
        "name": e.name,
        "kind": e.kind,
        "field": hit.field,
        "matchedOn": hit.matched_on,
        "snippet": hit.snippet,
        "score": hit.score,
    }
    if e.pcf_id is not None:
        out["pcfId"] = e.pcf_id
    if hit.other_editions:
        out["otherEditions"] = hit.other_editions
    return out


def rights_of(reader: Reader, framework_ids: set[str]) -> dict[str, str]:
    """Rights (or licence) text of each framework, for citing sources next to the content."""
    return {
        f.id: f.attribution or f.license or ""
        for f in frameworks(reader)
        if f.id in framework_ids and (f.attribution or f.license)
    }


def result_dict(
    query: str, result: SearchResult, reader: Reader | None, *, offset: int = 0
) -> dict[str, Any]:
    hits = [hit_dict(h) for h in result.hits]
    out: dict[str, Any] = {
        "query": query,
        "total": result.total,
        "offset": offset,
        "returned": len(hits),
        "truncated": offset + len(hits) < result.total,
        "didYouMean": result.did_you_mean,
        "corrected": result.corrected,
        "facets": result.facets,
        "hits": hits,
    }
    if result.expansions:
        out["synonymsUsed"] = result.expansions
    if reader is not None:
        out["sources"] = rights_of(reader, {h["framework"] for h in hits})
    return out
