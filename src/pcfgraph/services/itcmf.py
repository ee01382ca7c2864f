"""IT-CMF maturity structure (``api/itcmf-structure``): for each practice its maturity level,
building block, outcomes and metrics; for building blocks and maturity levels their practices.
One query per framework."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pcfgraph.codes import code_key
from pcfgraph.errors import InputError
from pcfgraph.iris import ITCMF_MATURITY_LEVELS
from pcfgraph.services.base import Reader, in_rank_order, integer, text
from pcfgraph.services.elements import Element, framework_index


@dataclass(frozen=True)
class PracticeLink:
    """A node a practice points at, as an Element, plus the maturity level number if any."""

    element: Element
    level_number: int | None = None


@dataclass
class MaturityStructure:
    """The maturity structure around one element (empty outside IT-CMF)."""

    maturity_level: PracticeLink | None = None
    building_block: PracticeLink | None = None
    outcomes: list[Element] = field(default_factory=list)
    metrics: list[Element] = field(default_factory=list)
    #: Practices pointing at this element (a building block or maturity level), with the
    #: practice's maturity level number.
    practices: list[tuple[Element, int | None]] = field(default_factory=list)


#: ``api/itcmf-structure`` columns in the order they rank its rows.
ITCMF_COLUMNS = (
    "practice",
    "relation",
    "target",
    "levelNumber",
    "name",
    "code",
    "definition",
    "kind",
)


def _framework_structure(reader: Reader, framework_id: str) -> dict[str, MaturityStructure]:
    def load() -> dict[str, MaturityStructure]:
        index = framework_index(reader, framework_id)
        out: dict[str, MaturityStructure] = {}
        seen: set[tuple[str, str, str]] = set()
        levels: dict[str, int | None] = {}
        pointing: list[tuple[str, str]] = []
        # The first row of each (practice, relation, target) wins, and a practice's first
        # maturity level and building block: rows in rank order, the same from any store.
        rows = in_rank_order(
            reader.select("api/itcmf-structure", {"framework": framework_id}), ITCMF_COLUMNS
        )
        for row in rows:
            practice, relation, target = (text(row, k) for k in ("practice", "relation", "target"))
            if practice is None or relation is None or target is None:
                continue
            if (practice, relation, target) in seen:
                continue
            seen.add((practice, relation, target))
            node = index.elements.get(target) or Element(
                iri=target,
                framework_id=framework_id,
                name=text(row, "name") or "",
                code=text(row, "code"),
                definition=text(row, "definition"),
                kind=text(row, "kind"),
            )
            st = out.setdefault(practice, MaturityStructure())
            if relation == "maturityLevel":
                if st.maturity_level is not None:
                    continue
                number = integer(row, "levelNumber")
                st.maturity_level = PracticeLink(node, number)
                levels[practice] = number
                pointing.append((target, practice))
            elif relation == "buildingBlock":
                if st.building_block is not None:
                    continue
                st.building_block = PracticeLink(node)
                pointing.append((target, practice))
            elif relation == "outcome":
                st.outcomes.append(node)
            elif relation == "metric":
                st.metrics.append(node)
        for target, practice in pointing:
            p = index.elements.get(practice)
            if p is not None:
                out.setdefault(target, MaturityStructure()).practices.append(
                    (p, levels.get(practice))
                )
        for st in out.values():
            st.outcomes.sort(key=lambda e: (code_key(e.code), e.name, e.iri))
            st.metrics.sort(key=lambda e: (code_key(e.code), e.name, e.iri))
            st.practices.sort(key=lambda pl: (pl[1] or 0, code_key(pl[0].code), pl[0].iri))
        return out

    return reader.memo(("itcmf", framework_id), load)


def itcmf_structure_of(reader: Reader, elements: Sequence[Element]) -> list[MaturityStructure]:
    return [
        _framework_structure(reader, e.framework_id).get(e.iri, MaturityStructure())
        for e in elements
    ]


def practices_at(structure: MaturityStructure, level: int | None) -> list[Element]:
    """The practices pointing at a building block or maturity level, only those at maturity
    ``level`` when given. A level outside 1-5 is an error naming it: an empty list would
    read as "no practices at that level"."""
    if level is not None and level not in ITCMF_MATURITY_LEVELS:
        first, last = ITCMF_MATURITY_LEVELS[0], ITCMF_MATURITY_LEVELS[-1]
        raise InputError(f"level must be between {first} and {last}, not {level}")
    return [p for p, n in structure.practices if level is None or n == level]


def practices_linking(reader: Reader, element: Element) -> list[tuple[Element, int | None]]:
    """The practices whose outcomes or metrics include ``element`` (an IT-CMF outcome or
    metric), with their maturity level numbers, in the order of a building block's."""
    structure = _framework_structure(reader, element.framework_id)
    index = framework_index(reader, element.framework_id)
    found = [
        (index.elements[practice], st.maturity_level.level_number if st.maturity_level else None)
        for practice, st in structure.items()
        if practice in index.elements
        and any(e.iri == element.iri for e in (*st.outcomes, *st.metrics))
    ]
    found.sort(key=lambda pl: (pl[1] or 0, code_key(pl[0].code), pl[0].iri))
    return found
