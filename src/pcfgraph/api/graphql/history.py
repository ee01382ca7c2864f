"""``ElementHistoryEntry``: one edition-and-version statement of an element's PCF ID with the
change from the version before, the items of ``Element.history``."""

from __future__ import annotations

import strawberry

from pcfgraph import services
from pcfgraph.api.graphql.elements import Element, element


@strawberry.type(
    description="One loaded edition and version that states an APQC PCF ID, with the change "
    "from the loaded version of the same edition before it (the data of pcfgraph history)."
)
class ElementHistoryEntry:
    edition: str = strawberry.field(description='APQC edition, e.g. "Cross-Industry".')
    version: str = strawberry.field(description='Version of the edition, e.g. "7.4".')
    element: Element = strawberry.field(
        description="The element in this edition and version (its code and name there)."
    )
    changes: list[str] = strawberry.field(
        description="Change notes (skos:changeNote) from the version before: moved, renamed, "
        "redefined, new; or removed in the next version. Empty when unchanged or first loaded."
    )
    stated_changes: list[str] = strawberry.field(
        description="APQC's own change details for this version (its workbook's \"Change "
        'details", pcfg:changeDetails), in words: renamed (with the name before), new, a '
        "child added, removed or changed (its PCF ID). Against comparedToVersion, whether or "
        "not that version is loaded. Empty when the workbook states none."
    )
    compared_to_version: str | None = strawberry.field(
        description="The version APQC compared this workbook with (pcfg:comparedToVersion), "
        "the one statedChanges are against."
    )
    deprecated: bool = strawberry.field(
        description="Removed in the next loaded version of its edition (owl:deprecated)."
    )
    revision_of: Element | None = strawberry.field(
        description="The statement of the version before, when that version is loaded "
        "(prov:wasRevisionOf)."
    )


def history_entry(step: services.HistoryStep) -> ElementHistoryEntry:
    s = step.statement
    return ElementHistoryEntry(
        edition=s.edition,
        version=s.version,
        element=element(step.element),
        changes=list(s.changes),
        stated_changes=list(s.stated_changes),
        compared_to_version=s.compared_to,
        deprecated=s.deprecated,
        revision_of=element(step.revision_of) if step.revision_of is not None else None,
    )
