"""The per-request GraphQL context: the pinned app state, a Reader, fresh loaders, the
request id, and the bookkeeping the limits and HTTP layer need."""

from __future__ import annotations

from typing import Any

from strawberry.fastapi import BaseContext

from pcfgraph.api.graphql.fastpath import raw_info
from pcfgraph.api.graphql.loaders import Loaders
from pcfgraph.api.graphql.prefetch import Wanted, scan
from pcfgraph.errors import ResultTooLarge
from pcfgraph.runtime import AppState
from pcfgraph.services import Reader, SearchIndex
from pcfgraph.services.page_reads import reads_for
from pcfgraph.services.search.release import served_index


class GraphQLContext(BaseContext):
    def __init__(self, state: AppState, request_id: str, *, max_nodes: int) -> None:
        super().__init__()
        self.state = state
        self.request_id = request_id
        self.reader = Reader(state.store, state.catalog)
        self.loaders = Loaders(self.reader, shared=lambda: reads_for(state).reader)
        #: Set when execution started (parse and validation passed): the HTTP layer answers
        #: 400 to ``application/graphql-response+json`` clients when it did not.
        self.executed = False
        self.max_nodes = max_nodes
        self.nodes = 0
        self._wanted: tuple[object, Wanted] | None = None
        #: API objects made in this request, by (kind, key): an element or framework that shows
        #: up many times in a result (mapping targets, ``framework { id }``) is made once.
        self.objects: dict[tuple[str, str], Any] = {}
        #: Warnings a resolver adds to the answer's ``extensions.warnings`` (each a dict with
        #: ``code`` and ``message``), after the undeclared-variables one.
        self.warnings: list[dict[str, Any]] = []

    def wanted(self, info: Any) -> Wanted:
        """What the executing operation may read (:func:`.prefetch.scan`), once per operation."""
        raw = raw_info(info)
        operation = raw.operation
        if self._wanted is None or self._wanted[0] is not operation:
            self._wanted = (operation, scan(operation, raw.fragments, raw.variable_values))
        return self._wanted[1]

    def charge(self, count: int) -> None:
        """Count objects a list field returns; refuse results beyond the node budget."""
        self.nodes += count
        if self.nodes > self.max_nodes:
            raise ResultTooLarge(
                f"the result would hold more than {self.max_nodes} objects; "
                "ask for fewer (smaller 'first', less nesting)"
            )

    def search_index(self) -> SearchIndex:
        """The search index of the served release (shipped with it, or built once)."""
        return served_index(self.state.caches, self.state.release, self.reader)
