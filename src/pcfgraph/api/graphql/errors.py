"""What a GraphQL client sees of errors, and what the log gets.

* Parse and validation errors (limits included) keep their descriptive message.
* graphql-core's own request errors carry an ``extensions.code`` too (they had none, so a
  client could not tell them apart without reading messages): ``syntax-error`` (the document
  does not parse), ``bad-input`` (a variable's value cannot be coerced, or a required one is
  missing: the request's values, as a bad argument is) and ``invalid-query`` (the document
  does not validate against the schema, or no operation of it can be chosen).
* Expected errors raised by resolvers (:class:`pcfgraph.errors.PcfgraphError`: unknown or
  ambiguous element, bad argument, result too large) keep their message and carry
  ``extensions.code`` (the error's stable code).
* With introspection off (``hide_suggestions``), graphql-core's "Did you mean ...?" hints are
  cut from every message: they would list the schema's field, argument and enum names.
* Anything else is masked: "Internal error; see the server log (request id X)" with
  ``extensions.code = "internal-error"`` and ``extensions.requestId``; the traceback goes to
  the log under the same request id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from pcfgraph.errors import PcfgraphError
from pcfgraph.terminal_text import printable

log = logging.getLogger("pcfgraph.api.graphql")


def _request_id(execution_context: Any) -> str:
    context = getattr(execution_context, "context", None)
    return str(getattr(context, "request_id", "-"))


def _expected(error: GraphQLError) -> PcfgraphError | None:
    original = error.original_error
    return original if isinstance(original, PcfgraphError) else None


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
#: graphql-core's words for a variable value it cannot coerce (its ``coerce_variable_values``),
#: as against a variable the document itself misuses (a validation error).
_VARIABLE_VALUE = re.compile(
    r"^Variable '\$\w+' (has invalid value|got invalid value|of required type .* was not "
    r"provided|of non-null type .* must not be null)"
)


def request_code(error: GraphQLError) -> str:
    """The ``extensions.code`` of one of graphql-core's request errors (module docstring)."""
    if error.message.startswith("Syntax Error"):
        return "syntax-error"
    if _VARIABLE_VALUE.match(error.message):
        return "bad-input"
    return "invalid-query"


def with_code(error: GraphQLError) -> GraphQLError:
    """``error`` with its ``extensions.code``: one it has, else :func:`request_code`'s for a
    request error (no ``path``); a field error graphql-core raised itself is left as it is."""
    if error.path or (error.extensions or {}).get("code"):
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": request_code(error)},
    )


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The same error without graphql-core's "Did you mean ...?" hint."""
    return _with_message(error, _SUGGESTION.sub("", error.message))


def made_visible(error: GraphQLError) -> GraphQLError:
    """The same error, what its message quotes of the request (a variable's value, an
    element's name) made visible (:func:`pcfgraph.terminal_text.printable`): a right-to-left
    override in it turned the rest of the message around where a person reads it."""
    return _with_message(error, printable(error.message))


def _with_message(error: GraphQLError, message: str) -> GraphQLError:
    """``error`` with ``message`` (itself when that is its message)."""
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


def request_error(data: Any, errors: Sequence[GraphQLError] | None) -> bool:
    """Whether a result of ``data`` and ``errors`` is a request error: errors, no data, and
    none of them at a field (parse, validation, the operation or its variables: nothing was
    executed). A field error has its path, also when it left ``data`` null."""
    return bool(errors) and data is None and all(not e.path for e in errors or ())


class ErrorPolicy(SchemaExtension):
    #: Cut "Did you mean" hints (set when introspection is disabled).
    hide_suggestions = False

    @classmethod
    def configured(cls, *, hide_suggestions: bool) -> type[ErrorPolicy]:
        """The policy with suggestions hidden or not (a subclass; extensions are classes)."""
        if not hide_suggestions:
            return cls
        return type("ErrorPolicyWithoutSuggestions", (cls,), {"hide_suggestions": True})

    @staticmethod
    def log(errors: list[GraphQLError], execution_context: Any) -> None:
        rid = _request_id(execution_context)
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, PcfgraphError | GraphQLError):
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
            if error.original_error is None or isinstance(error.original_error, GraphQLError):
                # graphql-core's own request errors (e.g. variable coercion: "Variable '$p'
                # got invalid value ...; Int cannot represent ...") are the standard message,
                # with a code
                processed.append(with_code(error))
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
        if self.hide_suggestions:
            processed = [without_suggestions(e) for e in processed]
        processed = [made_visible(e) for e in processed]
        if request_error(getattr(result, "data", None), processed):
            # A request error (e.g. variables that cannot be coerced): nothing was executed,
            # so graphql-response+json clients get 400 like for validation errors.
            context: Any = getattr(self.execution_context, "context", None)
            if context is not None and hasattr(context, "executed"):
                context.executed = False
        result.errors = processed  # type: ignore[union-attr]
