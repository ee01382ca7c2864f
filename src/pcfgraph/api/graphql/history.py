"""``ElementHistoryEntry``: one edition-and-version statement of an element's PCF ID with the
change from the version before, the items of ``Element.history``."""

from __future__ import annotations

import strawberry

from pcfgraph import diff, services
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


@strawberry.type(
    description="One difference between an element and the statement of its PCF ID in another "
    "APQC edition or version, as `pcfgraph diff` reports it."
)
class ElementChange:
    change: str = strawberry.field(
        description='"moved" (other hierarchy code), "renamed", "definition changed", or '
        '"added" (the other edition does not state this PCF ID).'
    )
    old_value: str | None = strawberry.field(
        description="The value in the other edition (code, name or definition); null for added."
    )
    new_value: str | None = strawberry.field(description="The value in this element.")


def _side(fid: str, e: services.Element | None) -> diff.Side:
    if e is None:
        return diff.Side(fid, fid, {})
    key = str(e.pcf_id)
    norm = " ".join
    version = diff.ElementVersion(
        key,
        norm((e.code or "").split()),
        norm(e.name.split()),
        norm((e.definition or "").split()),
        "",
    )
    return diff.Side(fid, fid, {key: version})


def changes_between(
    steps: list[services.HistoryStep], this: services.Element, framework_id: str
) -> list[ElementChange]:
    """``this`` compared with its PCF ID's statement in ``framework_id`` (among ``steps``, the
    element's history), by :func:`pcfgraph.diff.compare`: what ``pcfgraph diff`` says of it."""
    there = next((s.element for s in steps if s.element.framework_id == framework_id), None)
    result = diff.compare(_side(framework_id, there), _side(this.framework_id, this))
    return [
        ElementChange(
            change=c.change,
            old_value=c.old_value if there is not None else None,
            new_value=c.new_value,
        )
        for c in result.changes
    ]
