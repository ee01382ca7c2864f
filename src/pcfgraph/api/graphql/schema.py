"""The GraphQL schema: framework editions, their elements, measures, curated and derived mappings,
and search. The names are the public contract (``tests/snapshots/schema.graphql``).

Types are thin views over :mod:`pcfgraph.services` dataclasses, one module per domain
(:mod:`.elements`, :mod:`.frameworks`, :mod:`.mappings`, :mod:`.measures`, :mod:`.search`,
the root in :mod:`.query`): scalar fields are filled in when an object is made, relations are
resolved through the per-request loaders. This module builds the schema with its limits.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig

from pcfgraph.api.graphql.context import GraphQLContext
from pcfgraph.api.graphql.documents import DocumentCache, DocumentStore
from pcfgraph.api.graphql.errors import ErrorPolicy
from pcfgraph.api.graphql.executor import LeanExecutor
from pcfgraph.api.graphql.fastpath import streamline
from pcfgraph.api.graphql.limits import query_limits_rule
from pcfgraph.api.graphql.query import Query
from pcfgraph.api.graphql.undeclared import UndeclaredVariables
from pcfgraph.config import Settings

#: Operations in one batched request, when batching is allowed.
MAX_BATCH_OPERATIONS = 10


class MarkExecuted(SchemaExtension):
    """Records in the context that execution started (parse and validation passed)."""

    def on_execute(self):  # type: ignore[no-untyped-def]
        context = self.execution_context.context
        if isinstance(context, GraphQLContext):
            context.executed = True
        yield


class PcfgraphSchema(strawberry.Schema):
    """Logs resolver errors with the request id (:mod:`.errors`) instead of strawberry's
    default traceback logging of every error."""

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:  # type: ignore[no-untyped-def]
        ErrorPolicy.log(errors, execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the limits of ``settings`` (defaults when None)."""
    settings = settings or Settings()
    rules: list[type] = [
        query_limits_rule(
            max_depth=settings.graphql_max_depth, max_aliases=settings.graphql_max_aliases
        )
    ]
    if not settings.graphql_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    config = StrawberryConfig(
        batching_config={"max_operations": MAX_BATCH_OPERATIONS}
        if settings.graphql_allow_batching
        else None,
    )
    documents = DocumentStore()
    schema = PcfgraphSchema(
        query=Query,
        config=config,
        execution_context_class=LeanExecutor,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: AddValidationRules(rules),
            lambda: DocumentCache(documents),
            ErrorPolicy.configured(hide_suggestions=not settings.graphql_introspection),
            MarkExecuted,
            UndeclaredVariables,
        ],
    )
    streamline(schema)
    return schema


def schema_sdl() -> str:
    """The schema in SDL (what ``pcfgraph export-schema`` prints)."""
    return build_schema().as_str() + "\n"
