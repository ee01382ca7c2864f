"""Search over every element of every loaded framework edition (SQLite FTS5): identifiers
first, stemming, British/American spelling, the SKOS search vocabulary (abbreviations and
synonyms in ``data/vocabulary/``), typo correction, field-weighted ranking, facets.

The index is built from the graph at release time, shipped in the release
(:mod:`pcfgraph.services.search.release`) and opened read-only when a release is served.
"""

from pcfgraph.services.search.hits import SearchHit, SearchResult
from pcfgraph.services.search.index import SearchIndex
from pcfgraph.services.search.text import normalise

__all__ = ["SearchHit", "SearchIndex", "SearchResult", "normalise"]
