"""Identifiers of an ArchiMate model's concepts (elements and relationships).

Each identifier names one concept, and each end of a relationship names a concept of the
model. The exchange format's schema checks this on the identifiers as written (``xs:ID``, the
``SourceRef``/``TargetRef`` keyrefs); Archi's own format has no schema, and both formats'
identifiers are read without the ``id-`` exporters add (``id-eva`` and ``eva`` are one node),
so it is checked here on the identifiers the mapping uses. A model that breaks it is
:class:`~pcfgraph.errors.InvalidModelFile` (422 / exit 2) at the line of the first offending
concept, naming each: two elements merged into one node, or a relationship to nothing, would be
audited unsaid.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pcfgraph.errors import InvalidModelFile, quoted

#: How many problems a refusal names (the rest are counted), as a schema's refusal names them
#: (a file of 10,000 relationships to nothing was refused in a message naming each).
MAX_NAMED = 20

#: Archi 3 (ArchiMate 2) concept names -> ArchiMate 3's, as Archi converts a model it opens
#: (its Archimate2To3Converter): a model saved by Archi 3 was read with its used-by relations
#: unknown, so no business service served a customer, listed as 'not used by the audit'.
ARCHIMATE2_NAMES = {
    "UsedByRelationship": "ServingRelationship",
    "RealisationRelationship": "RealizationRelationship",
    "SpecialisationRelationship": "SpecializationRelationship",
    "AndJunction": "Junction",
    "OrJunction": "Junction",
    "CommunicationPath": "Path",
    "Network": "DistributionNetwork",
    "InfrastructureInterface": "TechnologyInterface",
    "InfrastructureFunction": "TechnologyFunction",
    "InfrastructureService": "TechnologyService",
}


def canonical(identifier: str) -> str:
    """An identifier as the mapping uses it: without the ``id-`` prefix exporters add."""
    return identifier.removeprefix("id-")


class Concepts:
    """The concepts of one model file, claimed by identifier as they are read; what breaks
    the rule is collected, and :meth:`check` refuses the file naming every break."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: dict[str, tuple[str, int | None]] = {}
        self.ends: list[tuple[str, int | None, str, str]] = []
        #: (line, what is wrong) of each concept breaking the rule, in the file's order
        self.problems: list[tuple[int | None, str]] = []

    def claim(self, written: str, line: int | None) -> str:
        """The canonical identifier of a concept written ``written`` at ``line``; a problem
        when another concept has it (the first keeps it)."""
        key = canonical(written)
        if key in self.seen:
            other, other_line = self.seen[key]
            self.problems.append(
                (
                    line,
                    f"identifier {quoted(written)} is used twice (first at line {other_line})"
                    if other == written
                    else f"identifiers {quoted(other)} (line {other_line}) and {quoted(written)} "
                    "name one node (the 'id-' exporters add is dropped): rename one",
                )
            )
            return key
        self.seen[key] = (written, line)
        return key

    def claim_all(self, items: Iterable[Any]) -> None:
        """Claim the identifier of each XML element of ``items``, at its line."""
        for item in items:
            self.claim(item.get("identifier"), item.sourceline)

    def relationship(self, written: str, line: int | None, source: str, target: str) -> None:
        """A relationship's ends, checked against the concepts by :meth:`check`."""
        self.ends.append((written, line, source, target))

    def check(self) -> None:
        """Every identifier names one concept and every relationship's source and target is a
        concept of the model; else :class:`InvalidModelFile` at the first break, naming each
        (fixed one at a time, each upload was refused for the next)."""
        for written, line, *ends in self.ends:
            for end, ref in zip(("source", "target"), ends, strict=True):
                if canonical(ref) not in self.seen:
                    self.problems.append(
                        (
                            line,
                            f"relationship {quoted(written)}: its {end} {quoted(ref)} is no "
                            "element or relationship of the model",
                        )
                    )
        if not self.problems:
            return
        (line, first), *others = sorted(self.problems, key=lambda p: p[0] or 0)
        also = [f"line {at}: {what}" if at else what for at, what in others[: MAX_NAMED - 1]]
        more = f"; {len(self.problems)} problems in all; also " + "; ".join(also) if also else ""
        more += (
            f"; and {len(self.problems) - MAX_NAMED} more" if len(self.problems) > MAX_NAMED else ""
        )
        raise InvalidModelFile(first + more, line=line, column=1, source=self.name)
