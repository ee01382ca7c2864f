"""What a GraphQL client sees of errors, and what the log gets.

* Parse and validation errors (limits included) keep their descriptive message.
* Expected errors raised by resolvers (:class:`pcfgraph.errors.PcfgraphError`: unknown or
  ambiguous element, bad argument, result too large) keep their message and carry
  ``extensions.code`` (the error's stable code).
* Anything else is masked: "Internal error; see the server log (request id X)" with
  ``extensions.code = "internal-error"`` and ``extensions.requestId``; the traceback goes to
  the log under the same request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from pcfgraph.errors import PcfgraphError

log = logging.getLogger("pcfgraph.api.graphql")


def _request_id(execution_context: Any) -> str:
    context = getattr(execution_context, "context", None)
    return str(getattr(context, "request_id", "-"))


def _expected(error: GraphQLError) -> PcfgraphError | None:
    original = error.original_error
    return original if isinstance(original, PcfgraphError) else None


class ErrorPolicy(SchemaExtension):
    @staticmethod
    def log(errors: list[GraphQLError], execution_context: Any) -> None:
        rid = _request_id(execution_context)
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, PcfgraphError):
                log.info("graphql request %s: %s", rid, error.message)
            else:
                log.error(
                    "graphql request %s: resolver error at %s",
                    rid,
                    ".".join(str(p) for p in error.path or ()),
                    exc_info=(type(original), original, original.__traceback__),
                )

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        rid = _request_id(self.execution_context)
        processed: list[GraphQLError] = []
        for error in errors:
            expected = _expected(error)
            if error.original_error is None:
                processed.append(error)
            elif expected is not None:
                processed.append(
                    GraphQLError(
                        expected.message,
                        nodes=error.nodes,
                        source=error.source,
                        positions=error.positions,
                        path=error.path,
                        extensions={**(error.extensions or {}), "code": expected.code},
                    )
                )
            else:
                processed.append(
                    GraphQLError(
                        f"Internal error; see the server log (request id {rid}).",
                        nodes=error.nodes,
                        source=error.source,
                        positions=error.positions,
                        path=error.path,
                        extensions={"code": "internal-error", "requestId": rid},
                    )
                )
        result.errors = processed  # type: ignore[union-attr]
