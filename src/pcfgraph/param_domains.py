"""The values a named query's parameter domain takes on the served data (``framework id``:
:data:`pcfgraph.queries.FRAMEWORK_ID`; ``element kind``: :data:`pcfgraph.queries.ELEMENT_KIND`),
for :meth:`pcfgraph.queries.NamedQuery.bind`.

One query a domain (``api/framework-ids``, ``api/element-kinds``) on the store itself, so
that ``pcfgraph query`` checks a framework id without importing the services package (0.28 s
of a 0.4 s command: it imports the importers and openpyxl); the HTTP, MCP and GraphQL edges
use it too (:func:`pcfgraph.services.param_values`).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from pcfgraph.queries import ELEMENT_KIND, FRAMEWORK_ID, QueryCatalog
from pcfgraph.store import GraphStore

FRAMEWORK_IDS_QUERY = "api/framework-ids"
#: The query of each domain, and the variable its rows give the values in.
DOMAIN_QUERIES = {
    FRAMEWORK_ID: (FRAMEWORK_IDS_QUERY, "id"),
    ELEMENT_KIND: ("api/element-kinds", "kind"),
}


def domain_values(
    store: GraphStore, catalog: QueryCatalog | None = None
) -> Callable[[str], list[str]]:
    """The values of a parameter domain on ``store``'s data, each domain read at most once;
    ValueError for a domain no data gives."""
    found: dict[str, list[str]] = {}

    def values(domain: str) -> list[str]:
        if domain not in DOMAIN_QUERIES:
            raise ValueError(f"no values known for {domain!r}")
        if domain not in found:
            name, variable = DOMAIN_QUERIES[domain]
            rows = store.select((catalog or QueryCatalog()).get(name), {}).rows
            found[domain] = sorted(
                {term.value for row in rows if isinstance(term := row.get(variable), ox.Literal)}
            )
        return found[domain]

    return values
