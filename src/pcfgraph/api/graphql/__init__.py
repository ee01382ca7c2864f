"""The GraphQL API at ``/graphql`` (strawberry): schema, per-request loaders, limits, router.

The schema only shapes what :mod:`pcfgraph.services` reads; every store access goes through
the services' named queries, batched per request by the loaders in :mod:`.loaders`.
"""

from pcfgraph.api.graphql.router import install
from pcfgraph.api.graphql.schema import build_schema, schema_sdl

__all__ = ["build_schema", "install", "schema_sdl"]
