"""The coverage and maturity sections of an audit report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CoverageItem:
    element: str
    notation: str
    label: str
    level: int
    implemented_by: list[str] = field(default_factory=list)
    implemented_labels: list[str] = field(default_factory=list)
    #: Covered via a curated positive exact/close mapping: the processes (and their labels)
    #: implementing an element mapped to this one, and the elements mapped (by notation).
    mapped_by: list[str] = field(default_factory=list)
    mapped_labels: list[str] = field(default_factory=list)
    mapped_via: list[str] = field(default_factory=list)


@dataclass
class Coverage:
    """Coverage of one framework subtree (APQC PCF 8.1, PRM-IT A2)."""

    key: str
    title: str
    root: str
    items: list[CoverageItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> list[CoverageItem]:
        return [i for i in self.items if i.implemented_by]

    @property
    def covered_via_mapping(self) -> list[CoverageItem]:
        """Not implemented directly, but through an element mapped to it."""
        return [i for i in self.items if not i.implemented_by and i.mapped_by]

    @property
    def missing(self) -> list[CoverageItem]:
        """Covered neither directly nor via a mapping."""
        return [i for i in self.items if not i.implemented_by and not i.mapped_by]

    @property
    def percent(self) -> float:
        return round(100.0 * len(self.covered) / self.total, 1) if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "root": self.root,
            "total": self.total,
            "covered": len(self.covered),
            "percent": self.percent,
            "implemented": [
                {
                    "element": i.element,
                    "notation": i.notation,
                    "label": i.label,
                    "implementedBy": i.implemented_by,
                }
                for i in self.covered
            ],
            "coveredViaMapping": len(self.covered_via_mapping),
            "implementedViaMapping": [
                {
                    "element": i.element,
                    "notation": i.notation,
                    "label": i.label,
                    "implementedBy": i.mapped_by,
                    "via": i.mapped_via,
                }
                for i in self.covered_via_mapping
            ],
            "missing": [
                {"element": i.element, "notation": i.notation, "label": i.label}
                for i in self.missing
            ],
        }


@dataclass
class PracticeStatus:
    practice: str
    notation: str
    label: str
    level: int
    evidenced: bool


@dataclass
class MaturityAssessment:
    claim: str
    claim_label: str
    building_block: str
    building_block_label: str
    claimed: int | None
    practices: list[PracticeStatus] = field(default_factory=list)

    @property
    def achieved(self) -> int:
        """The highest level L (1-5) such that every practice of levels 2..L has evidence."""
        achieved = 1
        for level in range(2, 6):
            if any(p.level == level and not p.evidenced for p in self.practices):
                break
            achieved = level
        return achieved

    @property
    def missing_evidence(self) -> list[PracticeStatus]:
        """Practices of levels 2..claimed without evidence (what keeps the claim from holding)."""
        top = self.claimed or 0
        return [p for p in self.practices if 2 <= p.level <= top and not p.evidenced]

    @property
    def holds(self) -> bool:
        return self.claimed is not None and self.claimed <= self.achieved

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "claimLabel": self.claim_label,
            "buildingBlock": self.building_block,
            "buildingBlockLabel": self.building_block_label,
            "claimedLevel": self.claimed,
            "achievedLevel": self.achieved,
            "holds": self.holds,
            "missingEvidence": [
                {"practice": p.practice, "notation": p.notation, "label": p.label, "level": p.level}
                for p in self.missing_evidence
            ],
        }
