"""Query limits as one validation rule: depth and aliases, fragments expanded.

Why not strawberry's ``QueryDepthLimiter`` / ``MaxAliasesLimiter``: both expand fragment
spreads again at every use, remembering only the fragments on the current path, so a document
of n fragments each spreading the next twice costs 2^n steps *inside the limiter* before any
limit is reported (a denial of service of the validator itself; see tests/gql/test_limits.py).
Here every fragment is measured once and its (depth, aliases) reused, so validation is linear in
the document. Fragment cycles count as 0 here and are reported by graphql-core's
``NoFragmentCyclesRule``.

* depth: nesting of fields, the root field counting 1 (``{ frameworks { id } }`` is 2).
  Introspection subtrees (``__schema``, ``__type``) are not counted: introspection has its own
  switch and GraphiQL's introspection query is deeper than any sensible data query.
* aliases: every aliased field, counted once per place it ends up after fragment expansion
  (a fragment with 3 aliases spread 4 times counts 12), summed over the document's operations.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


class _Measure:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, int]] = {}
        self.active: set[str] = set()

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return 0, 0  # unknown fragment or a cycle: other rules report those
        self.active.add(name)
        try:
            result = self.selection_set(definition.selection_set)
        finally:
            self.active.discard(name)
        self.memo[name] = result
        return result

    def selection_set(self, node: SelectionSetNode | None) -> tuple[int, int]:
        if node is None:
            return 0, 0
        depth = aliases = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                sub_depth, sub_aliases = self.selection_set(selection.selection_set)
                field_depth = 1 if selection.name.value in _INTROSPECTION_ROOTS else 1 + sub_depth
                depth = max(depth, field_depth)
                aliases += sub_aliases + (1 if selection.alias is not None else 0)
            elif isinstance(selection, InlineFragmentNode):
                sub_depth, sub_aliases = self.selection_set(selection.selection_set)
                depth = max(depth, sub_depth)
                aliases += sub_aliases
            elif isinstance(selection, FragmentSpreadNode):
                sub_depth, sub_aliases = self.fragment(selection.name.value)
                depth = max(depth, sub_depth)
                aliases += sub_aliases
        return depth, aliases


def query_limits_rule(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule class enforcing ``max_depth`` and ``max_aliases``."""

    class QueryLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            measure = _Measure(fragments)
            total_aliases = 0
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth, aliases = measure.selection_set(definition.selection_set)
                total_aliases += aliases
                if depth > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"Query depth {depth} exceeds the maximum of {max_depth} "
                            f"(operation {name}).",
                            definition,
                            extensions={"code": "query-too-deep"},
                        )
                    )
            if total_aliases > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"{total_aliases} aliases found after expanding fragments; "
                        f"the maximum is {max_aliases}.",
                        extensions={"code": "too-many-aliases"},
                    )
                )

    return QueryLimits
