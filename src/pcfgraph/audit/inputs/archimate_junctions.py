"""Relationships drawn through junctions, read as the relationships they combine.

ArchiMate joins relationships of one type with a junction: an organisation composed of three
units is often drawn as one composition into a junction and three out of it. The mapping read
only relationships between two elements, so units composed through a junction were not units
(the model "described no organisation", or its units were placed by nothing), and people
assigned to a role through one held no role. Each chain ``a -> junction -> ... -> b`` of
relationships of one type is read as a relationship ``a -> b`` of that type (an "or" junction
too: the model says one of them holds, and the audit checks each that is stated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from pcfgraph.errors import InvalidModelFile


class _Relationship(Protocol):
    identifier: str
    type: str
    source: str
    target: str


R = TypeVar("R", bound=_Relationship)

#: The element types of a junction: Archi's, and the exchange format's two.
JUNCTION_TYPES = frozenset({"Junction", "AndJunction", "OrJunction"})
#: The most relationships and junctions all chains through junctions may stand for together
#: (each chain's parts counted): every path is a chain, so 30 layers of two junctions each,
#: joined every one to both of the next (a 15 KB Archi file), made 2^30 of them: the audit
#: worker ran 16 s into its memory limit ("the task ran out of memory"), ``pcfgraph audit``
#: past 4 GB. Real models' junctions join a handful of relationships each.
MAX_CHAIN_PARTS = 1_000_000


def through_junctions(
    elements: Mapping[str, Any], relationships: Sequence[R], name: str = ""
) -> tuple[list[R], dict[str, tuple[str, ...]]]:
    """The model's relationships and those its junctions make, and for each made one, the
    relationships and junctions it stands for (all used when it is). Chains standing for
    more than :data:`MAX_CHAIN_PARTS` parts in all: :class:`~pcfgraph.errors.InvalidModelFile`
    (``name``: the file, for the message)."""
    junctions = {i for i, e in elements.items() if e.type in JUNCTION_TYPES}
    rels = list(relationships)
    if not junctions:
        return rels, {}
    parts: dict[str, tuple[str, ...]] = {}
    outgoing: dict[str, list[R]] = {}
    for r in relationships:
        if r.source in junctions:
            outgoing.setdefault(r.source, []).append(r)
    pending = [r for r in relationships if r.target in junctions and r.source not in junctions]
    seen: set[str] = set()
    budget = MAX_CHAIN_PARTS
    while pending:
        into = pending.pop()
        for out in outgoing.get(into.target, []):
            if out.type != into.type:
                continue
            identifier = f"{into.identifier}+{out.identifier}"
            if identifier in seen or len(parts.get(into.identifier, ())) > 2 * len(junctions):
                continue  # a cycle of junctions
            seen.add(identifier)
            made = replace(into, identifier=identifier, target=out.target)  # type: ignore[type-var]
            parts[identifier] = (*parts.get(into.identifier, (into.identifier,)), into.target)
            parts[identifier] += (out.identifier,)
            budget -= len(parts[identifier])
            if budget < 0:
                raise InvalidModelFile(
                    f"its junctions join relationships into more than {MAX_CHAIN_PARTS} "
                    "relationships and junctions in all (each path through junctions is read "
                    "as one relationship): join fewer junctions to each other",
                    source=name or None,
                )
            if out.target in junctions:
                pending.append(made)
            else:
                rels.append(made)
    made_ids = {r.identifier for r in rels}
    return rels, {i: p for i, p in parts.items() if i in made_ids}


def used_through(used: set[str], parts: dict[str, tuple[str, ...]]) -> set[str]:
    """``used`` (identifiers) with the relationships and junctions each used made one stands
    for: none of them is 'not used by the audit'."""
    return used.union(*(parts[i] for i in used if i in parts))
