"""The workbench's search results: the shared search index's hits as the page shows them
(name or snippet with the matches marked, what matched), the total and "did you mean"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from pcfgraph import services
from pcfgraph.services.search import SearchResult

if TYPE_CHECKING:
    from pcfgraph.services.page_model import ElementRef


@dataclass(frozen=True)
class SearchHit:
    element: ElementRef
    score: float
    name_html: Markup
    snippet_html: Markup
    #: What matched, in words: 'PCF ID 20641', 'altLabel "SLA"', 'definition', ...
    matched_on: str = ""


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    #: The query with typos corrected ("did you mean"), and whether the hits use it.
    did_you_mean: str | None = None
    corrected: bool = False
    #: Matches per framework edition, before the framework filter (most first).
    by_framework: dict[str, int] = field(default_factory=dict)


def search_page(result: SearchResult, ref: Callable[[services.Element], ElementRef]) -> SearchPage:
    """The page of ``result``; ``ref`` makes the page's reference to an element."""
    out: list[SearchHit] = []
    for h in result.hits:
        e = h.element
        marked = Markup(h.snippet)  # escaped by the service; only <mark> added
        if h.field == "name":
            name_html, snippet_html = marked, plain_snippet(e.definition or "")
        elif h.field == "definition":
            name_html, snippet_html = escape(e.name), marked
        else:
            name_html, snippet_html = escape(e.name), plain_snippet(e.definition or "")
        out.append(SearchHit(ref(e), h.score, name_html, snippet_html, h.matched_on))
    by_framework = result.facets.get("framework", {})
    return SearchPage(out, result.total, result.did_you_mean, result.corrected, by_framework)


def plain_snippet(value: str, width: int = 160) -> Markup:
    if len(value) <= width:
        return escape(value)
    return escape(value[:width].rsplit(" ", 1)[0] + " …")
