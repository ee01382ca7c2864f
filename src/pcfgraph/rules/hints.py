"""Remediation hints derived from a shape's own constraint, like the datatype hint
(:func:`pcfgraph.rules.engine.datatype_hint`): what a class, ``sh:in`` or range result asks
for, named from the shape's ``sh:class``, allowed values or bounds, so the hint of such a
result is about that constraint and not about the shape's other one ("Add orgm:agreement
..." for a value that is there but of the wrong class)."""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from pcfgraph import iris

#: The constraint parameters of one constraint each (a range counts as one: its bounds).
CONSTRAINT_PARAMETERS = {
    SH.minCount: "minCount",
    SH.maxCount: "maxCount",
    SH.datatype: "datatype",
    SH["class"]: "class",
    SH["in"]: "in",
    SH.minInclusive: "range",
    SH.maxInclusive: "range",
    SH.minExclusive: "range",
    SH.maxExclusive: "range",
    SH.pattern: "pattern",
    SH.nodeKind: "nodeKind",
    SH["or"]: "or",
    SH.node: "node",
    SH.qualifiedMinCount: "qualifiedMinCount",
    SH.qualifiedMaxCount: "qualifiedMaxCount",
    SH.lessThan: "lessThan",
    SH.hasValue: "hasValue",
}
_RANGE = {
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
}


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiox" else "a ") + word


def _shown(node: Node) -> str:
    if isinstance(node, URIRef):
        return iris.curie(str(node))
    if isinstance(node, Literal) and node.datatype is None and not node.language:
        return f'"{node}"'
    return str(node)


def class_hint(cls: Node | None, path: str | None) -> str | None:
    """How to fix a value that is not of the shape's ``sh:class``: a class of the framework
    graph (``pcfg:``) is met only by an element that exists there (what an upload states
    about framework IRIs is dropped), any other by typing the node."""
    if not isinstance(cls, URIRef):
        return None
    curie = iris.curie(str(cls))
    what = f"Each {iris.curie(path)}" if path else "The value"
    if str(cls).startswith(iris.PREFIXES["pcfg"]):
        return (
            f"{what} must be {_a(curie)} of the framework graph: refer to an existing one by its"
            " IRI (types an upload states for framework IRIs are ignored)."
        )
    return f"{what} must be {_a(curie)}: type the node it refers to (<node> a {curie}, or a subclass) or refer to one that is."


def in_hint(values: Sequence[Node], path: str | None) -> str | None:
    """How to fix a value outside the shape's ``sh:in``: the allowed values."""
    if not values:
        return None
    what = iris.curie(path) if path else "the value"
    return f"Set {what} to one of: {', '.join(_shown(v) for v in values)}."


def range_hint(
    min_inclusive: Node | None,
    max_inclusive: Node | None,
    min_exclusive: Node | None = None,
    max_exclusive: Node | None = None,
    path: str | None = None,
) -> str | None:
    """How to fix a value outside the shape's bounds: ``from 1 to 5``, ``at least 0``."""
    what = iris.curie(path) if path else "the value"
    if min_inclusive is not None and max_inclusive is not None:
        return f"Make {what} a number from {min_inclusive} to {max_inclusive}."
    bounds = [
        f"{word} {bound}"
        for word, bound in (
            ("at least", min_inclusive),
            ("greater than", min_exclusive),
            ("at most", max_inclusive),
            ("less than", max_exclusive),
        )
        if bound is not None
    ]
    return f"Make {what} a number {' and '.join(bounds)}." if bounds else None


def derived_hints(shapes: Graph, shape: URIRef) -> dict[str, str]:
    """The hints of the shape's class, ``sh:in`` and range results, by constraint component,
    where the shape has another constraint its own ``orgm:remediationHint`` may be about (a
    shape with that one constraint only keeps its own hint for it)."""
    kinds = {kind for p, kind in CONSTRAINT_PARAMETERS.items() if (shape, p, None) in shapes}
    if len(kinds) < 2:
        return {}
    path_node = shapes.value(shape, SH.path)
    path = str(path_node) if isinstance(path_node, URIRef) else None
    hints: dict[str, str] = {}
    class_ = class_hint(shapes.value(shape, SH["class"]), path)
    if class_:
        hints[str(SH.ClassConstraintComponent)] = class_
    listed = shapes.value(shape, SH["in"])
    if listed is not None:
        allowed = in_hint(list(Collection(shapes, listed)), path)
        if allowed:
            hints[str(SH.InConstraintComponent)] = allowed
    bounds = range_hint(
        shapes.value(shape, SH.minInclusive),
        shapes.value(shape, SH.maxInclusive),
        shapes.value(shape, SH.minExclusive),
        shapes.value(shape, SH.maxExclusive),
        path,
    )
    if bounds:
        for param, component in _RANGE.items():
            if (shape, param, None) in shapes:
                hints[str(component)] = bounds
    return hints
