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
    #: Whether a ``mappings`` field names a ``framework``: it is spelled against the
    #: framework list (matched ignoring case), read here so that the field stays synchronous.
    mapping_framework: bool = False

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
    framework_named = False
    seen: set[str] = set()
    stack: list[SelectionSetNode] = [operation.selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                names.add(name)
                if name == "mappings":
                    sides |= _sides(selection, variables or {})
                    framework_named |= any(
                        a.name.value == "framework" for a in selection.arguments or ()
                    )
                if selection.selection_set is not None:
                    stack.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    seen.add(fragment.name.value)
                    stack.append(fragment.selection_set)
    return Wanted(frozenset(names), frozenset(sides), framework_named)


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
    # the argument's default; its incoming records are read too, to say how many it leaves
    # out (incoming.py): in this hop, not by a loader's round trip per answer
    return {"subject", "object"}


def _subtree(
    reader: services.Reader, wanted: Wanted, roots: list[services.Element]
) -> services.Subtree | None:
    """The subtree of the one root of a framework an operation starts from, read on its own
    (unless the framework's whole index is read already); None for several roots (a page, the
    top elements: their framework-wide reads cost as many queries however many they are)."""
    if len(roots) != 1 or not wanted.fields & (_TREE_FIELDS | {"measures", "mappings"}):
        return None
    if reader.has(("framework-index", roots[0].framework_id)):
        return None
    return services.read_subtree(reader, roots[0])


def prefetch(
    reader: services.Reader,
    wanted: Wanted,
    *,
    elements: Iterable[services.Element] = (),
    mappings: Iterable[services.Mapping] = (),
) -> None:
    """Load into ``reader``'s memo the reads ``wanted`` needs for ``elements`` (and, when it
    asks for tree fields, everything below them) and for ``mappings``: the subtree's own reads
    for the one element of a framework, else the framework-wide ones."""
    f = wanted.fields
    roots = list(elements)
    records = list(mappings)
    if "framework" in f or wanted.mapping_framework:
        services.frameworks(reader)
    if "mappingSet" in f:
        services.mapping_sets(reader)
    frameworks = sorted({e.framework_id for e in roots if e.framework_id})
    tree = bool(_TREE_FIELDS & f)
    scope: dict[str, services.Element] = {}
    for fid in frameworks:
        mine = [e for e in roots if e.framework_id == fid]
        scope.update((e.iri, e) for e in mine)
        sub = _subtree(reader, wanted, mine)
        if sub is not None:  # one root: read its subtree, not the whole framework
            if tree:
                scope.update((d.iri, d) for d in sub.index.descendants(mine[0]))
            if "measures" in f:
                services.read_subtree_measures(reader, sub)
            if "mappings" in f:
                for side in sorted(wanted.mapping_sides):
                    services.read_subtree_mappings(reader, sub, side)
            continue
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
        # the index of each framework at the other end, unless what is read already knows it
        ends = {
            fw
            for m in records
            for iri, fw in (
                (m.subject_iri, m.subject_framework),
                (m.object_iri, m.object_framework),
            )
            if fw and services.loaded_index(reader, fw, iri) is None
        }
        for other in sorted(ends):
            services.framework_index(reader, other)
    if "chain" in f:
        derived: dict[str, services.Mapping] = {}
        for m in records:
            if m.derived:
                derived.setdefault(m.subject_framework, m)
        services.chains_of(reader, list(derived.values()))
