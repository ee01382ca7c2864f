"""A row's empty ``subject_source`` / ``object_source``, inferred where the file leaves no doubt.

An export states both on every row, so SSSOM's propagation gives the header's value (when
there is one) to no row, and a row a steward adds without them had no framework. The file
says which framework a CURIE prefix's elements belong to: the rows that state a source for an
end in that prefix, and the header's value. When they name one framework, it is the row's;
when they name several, or none, the reader refuses the row naming what they name
(:class:`SourceEvidence` gathers and answers; :mod:`pcfgraph.mappings.sssom` reads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rdflib import URIRef

from pcfgraph.mappings.sssom_types import NO_TERM_FOUND

#: Where an end's framework was stated: a line of the file.
Stated = dict[URIRef, int]


@dataclass
class SourceEvidence:
    """What a file states about the frameworks of its CURIE prefixes."""

    #: prefix -> the frameworks rows state for an end (subject or object) in it.
    frameworks: dict[str, Stated] = field(default_factory=dict)
    #: subject prefix -> the object frameworks rows with a subject in it state (what a
    #: NoTermFound row, whose object is no element, is about).
    targets: dict[str, Stated] = field(default_factory=dict)
    #: the header's subject_source / object_source (one value) and its line.
    header: dict[str, tuple[URIRef, int]] = field(default_factory=dict)

    @classmethod
    def gather(
        cls,
        table: Sequence[Sequence[str]],
        columns: Sequence[str],
        lines: Sequence[int],
        expand: Callable[[str], URIRef | None],
    ) -> SourceEvidence:
        """From the rows of ``table`` (on ``lines``); ``expand`` gives a
        CURIE's IRI, or None when it is not one (that row is refused when it is read)."""
        out = cls()
        index = {name: i for i, name in enumerate(columns)}

        def cell(cells: Sequence[str], name: str) -> str:
            i = index.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        for line, cells in zip(lines, table, strict=True):
            subject, obj = cell(cells, "subject_id"), cell(cells, "object_id")
            stated = [expand(cell(cells, f"{end}_source")) for end in ("subject", "object")]
            ends = [(subject, stated[0])]
            if expand(obj) != NO_TERM_FOUND:
                ends.append((obj, stated[1]))
            for curie, framework in ends:
                if framework is not None and prefix_of(curie):
                    out.frameworks.setdefault(prefix_of(curie), {}).setdefault(framework, line)
            if stated[1] is not None and prefix_of(subject):
                out.targets.setdefault(prefix_of(subject), {}).setdefault(stated[1], line)
        return out

    def candidates(self, slot: str, curie: str, no_term_found: bool) -> Stated:
        """The frameworks the file names for ``slot`` of a row whose end is ``curie`` (the
        subject's for a NoTermFound row's object_source), the header's value among them."""
        prefix = prefix_of(curie)
        found = dict((self.targets if no_term_found else self.frameworks).get(prefix, {}))
        if slot in self.header:
            framework, line = self.header[slot]
            found.setdefault(framework, line)
        return found


def prefix_of(curie: str) -> str:
    """The prefix of a CURIE (empty for an absolute IRI or text that is none)."""
    prefix, sep, rest = curie.partition(":")
    return prefix if sep and not rest.startswith("//") else ""


def explained(
    slot: str, curie: str, no_term_found: bool, found: Stated, shown: Callable[[str], str]
) -> str:
    """Why ``slot`` of a row about ``curie`` cannot be inferred, and what to put there."""
    prefix = prefix_of(curie)
    about = f"{'subjects' if no_term_found else 'ids'} " + (
        f"with prefix {prefix}:" if prefix else f"like {curie}"
    )
    what = (
        f"the framework {curie} has no counterpart in"
        if no_term_found
        else f"the framework of {curie}"
    )
    if not found:
        return (
            f"no other row states one for {about} and the header states none; "
            f"put in this cell {what} (e.g. fw:<framework id>)"
        )
    named = " and ".join(
        f"{shown(str(fw))} (line {line})"
        for fw, line in sorted(found.items(), key=lambda kv: kv[1])
    )
    return f"the file names {named} for {about}; put in this cell {what}"


__all__ = ["SourceEvidence", "explained", "prefix_of"]
