"""graphql-core's executor with a short path for plain scalar fields.

A tree fetch completes thousands of fields, two thirds of them scalars read straight off an
object (``id``, ``name``, ``code``, ``relation`` ...). graphql-core runs the same steps for each:
a response path, a resolve info (a 15-field tuple), the resolver call, two awaitable checks and
the completion dispatch (non-null? list? leaf?) before it coerces the value. For a field whose
resolver is :func:`.fastpath.streamline`'s plain attribute read, none of that can change the
answer when the value is an ordinary ``str``/``int``/``float``/``bool``/``Enum``: the resolver
returns the attribute, which is neither awaitable nor an exception, and completing it is calling
the leaf type's ``coerce_output_value``, which is what :class:`LeanExecutor` does directly.

Completing an object value (an element, a measure, a mapping: object types without
``is_type_of``) goes straight to its sub-selection, the type tested once per type instead of five
times per value; a whole-framework tree completes ~20,000 of them (its execution 152 -> 127 ms
of CPU, measured under load).

Everything else takes graphql-core's own path: fields with arguments or another resolver, a
value of any other type, ``None`` for a non-null field and any value that fails to coerce (so
every error is raised and located by graphql-core, exactly as before), and every field when a
middleware (a strawberry extension with a ``resolve`` hook) is installed. The order of the
response's keys and the handling of awaitable fields are graphql-core's ``execute_fields``.

Like :mod:`.fastpath`, this reaches into internals verified against :data:`.fastpath.VERIFIED`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Values a plain field hands to ``coerce_output_value`` unchanged (exact types: a subclass
#: could be awaitable or an exception).
_PLAIN_VALUES = frozenset({str, int, float, bool})

#: One field of a selection: (response key, its field details, the attribute read and the leaf
#: type when it is a plain scalar field, whether that field is non-null).
_Step = tuple[str, Any, str | None, GraphQLLeafType | None, bool]


def plain_attribute(field: GraphQLField) -> str | None:
    """The attribute a field's resolver reads, when it is a plain read without arguments."""
    if field.args:
        return None
    return getattr(field.resolve, "plain_attribute", None)


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """Resolves plain scalar fields inline; every other field as graphql-core does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Per selection (by identity; the selection is kept alive with its plan).
        self._plans: dict[int, tuple[Any, list[_Step]]] = {}
        #: Per return type: whether it is an object type without ``is_type_of``.
        self._objects: dict[Any, bool] = {}
        manager = self.middleware_manager
        self._lean = manager is None or not manager.middlewares

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Step]:
        key = id(grouped_field_set)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        steps: list[_Step] = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            field = self.schema.get_field(parent_type, node.name.value)
            attribute = None if field is None or node.arguments else plain_attribute(field)
            leaf: GraphQLLeafType | None = None
            non_null = False
            if attribute is not None and field is not None:
                kind: Any = field.type
                non_null = isinstance(kind, GraphQLNonNull)
                if non_null:
                    kind = kind.of_type
                if is_leaf_type(kind):
                    leaf = kind
                else:
                    attribute = None
            steps.append((response_name, details, attribute, leaf, non_null))
        self._plans[key] = (grouped_field_set, steps)
        return steps

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's completion, with the object case (the tree's elements, measures,
        mappings: no ``is_type_of``) dispatched by type once per type instead of five type
        tests per value, straight to its sub-selection."""
        plain_object = self._objects.get(return_type)
        if plain_object is None:
            plain_object = self._objects[return_type] = (
                isinstance(return_type, GraphQLObjectType) and return_type.is_type_of is None
            )
        if not plain_object or not self._lean:
            return super().complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            return_type, field_details_list
        )
        return self.execute_collected_subfields(
            return_type, result, path, grouped_field_set, new_defer_usages, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if not self._lean:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, attribute, leaf, non_null in self._plan(
                parent_type, grouped_field_set
            ):
                if leaf is not None:
                    try:
                        value = getattr(source_value, attribute)  # type: ignore[arg-type]
                    except Exception:
                        value = Undefined  # graphql-core raises and locates it below
                    if value is None and not non_null:
                        results[response_name] = None
                        continue
                    if type(value) in _PLAIN_VALUES or isinstance(value, Enum):
                        try:
                            coerced = leaf.coerce_output_value(value)
                        except Exception:
                            coerced = None  # graphql-core raises and locates it below
                        if coerced is not None and coerced is not Undefined:
                            results[response_name] = coerced
                            continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
