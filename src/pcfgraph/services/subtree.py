"""Reads scoped to one element's subtree: the element, everything below it, their measures and
their mapping records, each in one store query (``api/subtree-*``) instead of the whole
framework's.

A GraphQL tree such as PCF 8.1 (44 elements) would otherwise read all 1,921 elements and 3,910
measures of Cross-Industry 7.4 to show a fortieth of them. What is read here lands on the
:class:`~pcfgraph.services.elements.Subtree` registered with the reader; the batch reads
(``children_of``, ``descendants_of``, ``elements_by_iris``, ``measures_of``, ``mappings_of``)
answer from it for the elements it holds, exactly as from the framework-wide reads (the same
columns folded by the same code), and fall back to those for anything else.
"""

from __future__ import annotations

from pcfgraph.services.base import Reader
from pcfgraph.services.elements import Element, Subtree, build_index, elements_from_rows, subtrees
from pcfgraph.services.mappings import by_end, records_from_rows
from pcfgraph.services.measures import measures_by_element

SIDES = ("subject", "object")


def read_subtree(reader: Reader, root: Element) -> Subtree | None:
    """``root`` and every element below it (one store query per reader and root), registered
    with the reader; None when an element lacks ``pcfg:level`` (the framework-wide index fills
    levels in from the whole tree, so only it can answer then)."""

    def load() -> Subtree | None:
        params = {"root": root.iri, "framework": root.framework_id}
        elements = elements_from_rows(reader.select("api/subtree-elements", params))
        if root.iri not in {e.iri for e in elements} or any(e.level is None for e in elements):
            return None
        sub = Subtree(root.iri, build_index(root.framework_id, elements))
        subtrees(reader, root.framework_id).append(sub)
        return sub

    return reader.memo(("subtree", root.framework_id, root.iri), load)


def read_subtree_measures(reader: Reader, sub: Subtree) -> None:
    """The measures of every element of ``sub`` (one store query per reader and subtree)."""
    fid = sub.index.framework_id

    def load() -> bool:
        params = {"root": sub.root_iri, "framework": fid}
        sub.measures = measures_by_element(reader.select("api/subtree-measures", params), fid)
        return True

    reader.memo(("subtree-measures", fid, sub.root_iri), load)


def read_subtree_mappings(reader: Reader, sub: Subtree, side: str) -> None:
    """The mapping records (curated and derived) whose subject (``side="subject"``) or object
    is an element of ``sub`` (one store query per reader, subtree and side)."""
    fid = sub.index.framework_id

    def load() -> bool:
        params = {"root": sub.root_iri, "framework": fid, "side": side}
        rows = reader.select("api/subtree-mapping-records", params)
        sub.mappings[side] = by_end(records_from_rows(rows), side)
        return True

    reader.memo(("subtree-mappings", side, fid, sub.root_iri), load)
