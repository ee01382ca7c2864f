"""Warm a request's :class:`~pcfgraph.services.Reader` memo before graphql-core walks a tree.

graphql-core completes every object of a list before the event loop runs a DataLoader batch,
so when a root field returns an element whose subtree (``children`` answered from the
framework's index) asks for ``mappings``, every element of the tree would miss the memo and
become an awaitable of its own (one task, one future, one gather per field): that bookkeeping,
not the store, was most of a tree fetch's time.

Instead the root fields that hand out elements or mappings (``element``, ``elements``,
``topElements``, ``search``, ``mappings``) run :func:`prefetch` in the same worker-thread hop
as their own read: it looks at the operation (fields named anywhere in it, fragments included,
and the ``direction`` of ``mappings`` fields) and loads the framework-wide reads those fields
will need: the same per-framework reads the loaders would run, so the number of store queries
stays bounded by the number of frameworks involved, never by the size of the tree. Fields
then resolve synchronously from the memo. A read the scan did not foresee still works: it goes
through the DataLoaders as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from pcfgraph import services

#: Element fields answered from their framework's element index.
_TREE_FIELDS = frozenset({"children", "parent", "ancestors", "descendants"})
#: Mapping fields answered from the index of the framework at that end.
_END_FIELDS = frozenset({"subject", "object"})
#: Fields :func:`prefetch` loads something for.
_READ_FIELDS = (
    _TREE_FIELDS | _END_FIELDS | {"framework", "mappingSet", "measures", "mappings", "chain"}
)


@dataclass(frozen=True)
class Wanted:
    """What an operation may read: the field names in it and the sides of its mappings."""

    fields: frozenset[str] = frozenset()
    mapping_sides: frozenset[str] = field(default_factory=frozenset)

    @property
    def reads(self) -> bool:
        """Whether :func:`prefetch` would load anything for this operation."""
        return bool(self.fields & _READ_FIELDS)


def scan(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> Wanted:
    """Field names used anywhere in ``operation`` (fragments expanded once each) and the
    mapping sides (``subject``/``object``) its ``mappings`` fields ask for."""
    names: set[str] = set()
    sides: set[str] = set()
    seen: set[str] = set()
    stack: list[SelectionSetNode] = [operation.selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                names.add(name)
                if name == "mappings":
                    sides |= _sides(selection, variables or {})
                if selection.selection_set is not None:
                    stack.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    seen.add(fragment.name.value)
                    stack.append(fragment.selection_set)
    return Wanted(frozenset(names), frozenset(sides))


def _sides(node: FieldNode, variables: Mapping[str, Any]) -> set[str]:
    for argument in node.arguments or ():
        if argument.name.value != "direction":
            continue
        value = argument.value
        name: str | None = None
        if isinstance(value, EnumValueNode):
            name = value.value
        elif isinstance(value, VariableNode):
            raw = variables.get(value.name.value)
            name = str(getattr(raw, "name", raw)) if raw is not None else None
        name = (name or "").upper()
        if name in ("SUBJECT", "OBJECT"):
            return {name.lower()}
        return {"subject", "object"}  # EITHER, or not known before execution
    return {"subject"}  # the argument's default


def prefetch(
    reader: services.Reader,
    wanted: Wanted,
    *,
    elements: Iterable[services.Element] = (),
    mappings: Iterable[services.Mapping] = (),
) -> None:
    """Load into ``reader``'s memo the framework-wide reads ``wanted`` needs for ``elements``
    (and, when it asks for tree fields, everything below them) and for ``mappings``."""
    f = wanted.fields
    roots = list(elements)
    records = list(mappings)
    if "framework" in f:
        services.frameworks(reader)
    if "mappingSet" in f:
        services.mapping_sets(reader)
    frameworks = sorted({e.framework_id for e in roots if e.framework_id})
    tree = bool(_TREE_FIELDS & f)
    scope: dict[str, services.Element] = {}
    for fid in frameworks:
        mine = [e for e in roots if e.framework_id == fid]
        scope.update((e.iri, e) for e in mine)
        if tree:  # the index answers the tree fields; everything below the roots is in scope
            index = services.framework_index(reader, fid)
            for e in mine:
                scope.update((d.iri, d) for d in index.descendants(e))
        if "measures" in f:
            services.measures_of(reader, mine[:1])
    if "mappings" in f:
        for side in sorted(wanted.mapping_sides):
            for found in services.mappings_of(
                reader, list(scope.values()), direction=side, include_derived=True
            ):
                records.extend(found)
    if _END_FIELDS & f:
        ends = {fw for m in records for fw in (m.subject_framework, m.object_framework)}
        for other in sorted(ends - {""}):
            services.framework_index(reader, other)
    if "chain" in f:
        derived: dict[str, services.Mapping] = {}
        for m in records:
            if m.derived:
                derived.setdefault(m.subject_framework, m)
        services.chains_of(reader, list(derived.values()))
