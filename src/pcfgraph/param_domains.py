"""The values a named query's parameter domain takes on the served data (``framework id``:
:data:`pcfgraph.queries.FRAMEWORK_ID`), for :meth:`pcfgraph.queries.NamedQuery.bind`.

One query (``api/framework-ids``) on the store itself, so that ``pcfgraph query`` checks a
framework id without importing the services package (0.28 s of a 0.4 s command: it imports
the importers and openpyxl); the HTTP, MCP and GraphQL edges use it too
(:func:`pcfgraph.services.param_values`).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from pcfgraph.queries import FRAMEWORK_ID, QueryCatalog
from pcfgraph.store import GraphStore

FRAMEWORK_IDS_QUERY = "api/framework-ids"


def domain_values(
    store: GraphStore, catalog: QueryCatalog | None = None
) -> Callable[[str], list[str]]:
    """The values of a parameter domain on ``store``'s data, each domain read at most once;
    ValueError for a domain no data gives."""
    found: dict[str, list[str]] = {}

    def values(domain: str) -> list[str]:
        if domain != FRAMEWORK_ID:
            raise ValueError(f"no values known for {domain!r}")
        if domain not in found:
            query = (catalog or QueryCatalog()).get(FRAMEWORK_IDS_QUERY)
            rows = store.select(query, {}).rows
            found[domain] = sorted(
                {term.value for row in rows if isinstance(term := row.get("id"), ox.Literal)}
            )
        return found[domain]

    return values
