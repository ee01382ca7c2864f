"""Parse and validate a query text once per schema, not once per request.

Integration tools send the same few documents over and over; parsing and validating the tree
query (fragments, the depth and alias rule, graphql-core's rules) cost about as much as
resolving a small tree. :class:`DocumentCache` keeps, per schema (so per app, never at module
level), the parsed document and its validation errors of the last ``maxsize`` query texts.

* The limits still apply: the token limit is a parse option (part of the key; a document over
  the limit raises, and failures are never cached), the depth/alias rule and introspection
  switch are validation rules of this schema (the rules in force are part of the entry).
* A document that fails to parse is left to strawberry's own parse, which reports the error.
* A document of several operations without ``operationName`` is an error
  (:func:`operation_not_chosen`).
* Every document is validated here (:func:`validated`), cached or not, so graphql-core's
  bare "Validation aborted." (its own complexity budgets spent) is told in words.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

#: Query texts remembered per schema.
DEFAULT_MAXSIZE = 256
#: Longer query texts are not cached (they are rare and would pin memory).
MAX_CACHED_LENGTH = 20_000


@dataclass
class _Entry:
    document: DocumentNode
    rules: tuple[Any, ...] | None = None
    errors: list[GraphQLError] | None = None


class DocumentStore:
    """A bounded LRU of query text -> parsed document (and its validation result)."""

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, tuple[tuple[str, Any], ...]], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, tuple[tuple[str, Any], ...]]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, tuple[tuple[str, Any], ...]], entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Reuse the parsed document and validation result of a query text seen before."""

    def __init__(self, store: DocumentStore) -> None:
        super().__init__()
        self.store = store
        self.entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        query = ctx.query
        if ctx.graphql_document is None and query and len(query) <= MAX_CACHED_LENGTH:
            key = (query, tuple(sorted(ctx.parse_options.items())))
            entry = self.store.get(key)
            if entry is None:
                try:
                    document = parse(query, **ctx.parse_options)
                except Exception:  # strawberry's own parse reports it
                    document = None
                if document is not None:
                    entry = _Entry(document)
                    self.store.put(key, entry)
            if entry is not None:
                ctx.graphql_document = entry.document
                self.entry = entry
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        entry = self.entry
        rules = tuple(ctx.validation_rules)
        if (
            entry is not None
            and ctx.graphql_document is entry.document
            and ctx.pre_execution_errors is None
            and rules
        ):
            if entry.rules != rules or entry.errors is None:
                entry.errors = validated(ctx, entry.document, rules)
                entry.rules = rules
            ctx.pre_execution_errors = list(entry.errors)
        elif ctx.graphql_document is not None and ctx.pre_execution_errors is None and rules:
            ctx.pre_execution_errors = validated(ctx, ctx.graphql_document, rules)
        unchosen = operation_not_chosen(ctx)
        if unchosen is not None:
            ctx.pre_execution_errors = [*(ctx.pre_execution_errors or []), unchosen]
        yield


#: What graphql-core's "Validation aborted." means (its budget of field comparisons or of
#: fragment work spent, or a recursion too deep), in words a client can act on.
TOO_COMPLEX = (
    "Validation aborted: the document is too complex to validate (too many fields to compare "
    "with each other, or fragments spread too often); send fewer repeated fields, aliases or "
    "fragment spreads"
)


def validated(ctx: ExecutionContext, document: DocumentNode, rules: Any) -> list[GraphQLError]:
    """strawberry's validation of ``document``, with graphql-core's bare "Validation
    aborted." said as :data:`TOO_COMPLEX` (code ``query-too-complex``)."""
    return [
        GraphQLError(TOO_COMPLEX, extensions={"code": "query-too-complex"})
        if error.message == "Validation aborted."
        else error
        for error in validate_document(ctx.schema._schema, document, rules)
    ]


def operation_not_chosen(ctx: ExecutionContext) -> GraphQLError | None:
    """The error of a document of several operations without ``operationName``, as the
    GraphQL spec's GetOperation and graphql-core give it: strawberry ran the first one
    instead, so a client that forgot the name got the answer to another question, and no
    error. (Checked here, in a hook every request runs already.)"""
    document = ctx.graphql_document
    # strawberry's operation_name falls back to the first operation's; the name the
    # request gave is kept apart (the releases in fastpath.VERIFIED)
    if document is None or getattr(ctx, "_provided_operation_name", None) is not None:
        return None
    names = [
        d.name.value if d.name else "(anonymous)"
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    if len(names) < 2:
        return None
    return GraphQLError(
        "Must provide operation name if query contains multiple operations "
        f"(operationName: one of {', '.join(names)})."
    )
