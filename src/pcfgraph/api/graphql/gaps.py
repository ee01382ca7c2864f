"""``Query.gaps``: elements of one framework with no mapping to another, with the curated
decision and the mappings and no-counterpart decisions they inherit from another APQC edition: the answer of ``pcfgraph
gaps`` and MCP ``find_gaps`` (``api/gaps`` and :func:`pcfgraph.services.gap_covers`), which
GraphQL could not give (an architect asking which elements of an industry edition have no
counterpart had to leave GraphQL for SPARQL or the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import strawberry

from pcfgraph import services
from pcfgraph.api.graphql.elements import Element, cached_element, element_at
from pcfgraph.api.graphql.enums import InheritanceStatus
from pcfgraph.api.graphql.frameworks import Framework, framework_of
from pcfgraph.api.graphql.mappings import InheritedMapping, inherited_mapping_obj
from pcfgraph.api.graphql.resolving import Ctx, framework_id
from pcfgraph.codes import code_key
from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.services.base import integer, text
from pcfgraph.services.search import SearchIndex
from pcfgraph.services.search.identifier_case import element_named_any_case


@strawberry.enum(description="The curated decision recorded for a gap.")
class GapDecision(Enum):
    NO_COUNTERPART = strawberry.enum_value(
        "no counterpart",
        description="A curated record says the element has no counterpart in that framework "
        "(pcfg:NoCounterpart, SSSOM sssom:NoTermFound); `reason` says why.",
    )
    NEGATIVE = strawberry.enum_value(
        "negative",
        description="Curated negative mappings (SSSOM predicate_modifier Not) into that "
        "framework: reviewers decided some of its elements are not counterparts.",
    )


@strawberry.type(
    description="A curated no-counterpart decision made on another APQC edition of the "
    "element's PCF ID (pcfg:NoCounterpart, SSSOM sssom:NoTermFound), seen from the element: "
    "the same rule as inherited mappings."
)
class InheritedGapDecision:
    decision: GapDecision = strawberry.field(description="The decision made (NO_COUNTERPART).")
    reason: str | None = strawberry.field(description="Why, as the record made says.")
    status: InheritanceStatus = strawberry.field(
        description="INHERITED when the element is unchanged from the one it was made on, "
        "else NEEDS_REVIEW."
    )
    needs_review: bool = strawberry.field(description="True when status is NEEDS_REVIEW.")
    reasons: list[str] = strawberry.field(
        description='Why it needs review: "renamed", "redefined", "moved" (other parent PCF '
        'ID), "removed"; empty when inherited.'
    )
    record: str = strawberry.field(description="The IRI of the NoCounterpart record.")
    data: strawberry.Private[services.InheritedNoCounterpart]

    @strawberry.field(description="The element the decision was made on (same PCF ID).")
    def made_on(self, info: Ctx) -> Element | None:
        return element_at(info, self.data.made_on, self.data.made_on_framework)

    @strawberry.field(description="The framework edition the decision was made on.")
    def decided_on(self, info: Ctx) -> Framework:
        return framework_of(info, self.data.made_on_framework)


def inherited_gap_decision_obj(d: services.InheritedNoCounterpart) -> InheritedGapDecision:
    return InheritedGapDecision(
        decision=GapDecision.NO_COUNTERPART,
        reason=d.reason,
        status=InheritanceStatus(d.status),
        needs_review=d.needs_review,
        reasons=list(d.reasons),
        record=d.record,
        data=d,
    )


@strawberry.type(
    description="An element with no mapping of its own (curated or derived, either direction) "
    "to any element of another framework, with the curated decision where there is one and "
    "the curated mappings it inherits from another APQC edition of its PCF ID, or, towards an "
    "APQC edition, that the edition's elements inherit into it (then it is no plain gap: see "
    "inheritedStatus). The rows of `pcfgraph gaps` and MCP find_gaps."
)
class Gap:
    element: Element = strawberry.field(description="The element without a counterpart.")
    decision: GapDecision | None = strawberry.field(
        description="The curated decision, or null when none is recorded (undecided)."
    )
    reason: str | None = strawberry.field(
        description="Why it has no counterpart, as the NoCounterpart record says."
    )
    negative_mapping_count: int = strawberry.field(
        description="Curated negative mappings between the element and that framework."
    )
    inherited_status: InheritanceStatus | None = strawberry.field(
        description="INHERITED when a curated mapping made on another APQC edition of its PCF "
        "ID into that framework holds (the element is unchanged), or, towards an APQC "
        "edition, when that edition's elements inherit a curated mapping into this element; "
        "NEEDS_REVIEW when all of them need review; null for a plain gap."
    )
    inherited_mappings: list[InheritedMapping] = strawberry.field(
        description="Those inherited mappings into that framework (empty for a plain gap)."
    )
    inherited_decision_status: InheritanceStatus | None = strawberry.field(
        description="INHERITED when a curated no-counterpart decision into that framework, "
        "made on another APQC edition of its PCF ID, holds (the element is unchanged): the "
        "gap is decided; NEEDS_REVIEW when all of them need review; null when none is "
        "inherited (or the element has a decision of its own)."
    )
    inherited_decisions: list[InheritedGapDecision] = strawberry.field(
        description="Those inherited no-counterpart decisions, with their reason and where "
        "they were made (empty when none)."
    )
    target_id: strawberry.Private[str]

    @strawberry.field(description="The framework the element has no counterpart in.")
    def lacks_counterpart_in(self, info: Ctx) -> Framework:
        return framework_of(info, self.target_id)


#: A gap as read: the element, the other framework's id, its ``api/gaps`` row, its inherited
#: cover (None: a plain gap), its inherited no-counterpart decision (None: none).
GapRow = tuple[
    services.Element,
    str,
    Any,
    services.InheritedCover | None,
    services.InheritedDecision | None,
]


def read_gaps(
    reader: services.Reader,
    framework: str,
    target: str | None,
    kind: str | None,
    under: str | None,
    undecided: bool,
    search_index: Callable[[], SearchIndex],
) -> list[GapRow]:
    """(element, other framework id, the ``api/gaps`` row, its inherited cover and decision)
    per gap. Framework ids and ``under`` are matched ignoring case (``search_index``: the
    served search index, read only for an ``under`` not found as written)."""
    framework = str(framework_id(reader, framework))
    target = framework_id(reader, target)
    services.check_framework(reader, framework, argument="framework")
    if target is not None:
        services.check_framework(reader, target, argument="target")
    if itself := services.target_is_itself(framework, target):
        raise InputError(f"target {itself}")
    params: dict[str, object] = {"framework": framework}
    if under is not None:
        try:
            params["root"] = element_named_any_case(reader, search_index, under, framework).iri
        except (NotFoundError, InputError) as exc:
            raise type(exc)(f"under: {exc}") from None
    if target is not None:
        params["otherFramework"] = target
    if kind is not None:
        params["kind"] = kind
    rows = reader.select("api/gaps", params)
    index = services.framework_index(reader, framework).elements
    out = []
    covers, decisions = services.gap_covers(reader, rows), services.gap_decisions(reader, rows)
    for row, cover, decided in zip(rows, covers, decisions, strict=True):
        e = index.get(text(row, "element") or "")
        other = text(row, "otherFramework")
        if e is None or other is None:
            continue
        if undecided and not services.is_undecided(row, cover, decided):
            continue  # the one rule of pcfgraph gaps --undecided and MCP find_gaps
        out.append((e, other, row, cover, decided))
    # the query orders codes as text (8.1.10 before 8.1.2): natural order is the consumer's
    return sorted(out, key=lambda g: (g[1], code_key(g[0].code), g[0].iri))


def gap_obj(
    info: Ctx,
    e: services.Element,
    other: str,
    row: Any,
    cover: services.InheritedCover | None,
    decided: services.InheritedDecision | None = None,
) -> Gap:
    decision = text(row, "decision")
    return Gap(
        element=cached_element(info.context, e),
        decision=GapDecision(decision) if decision else None,
        reason=text(row, "reason"),
        negative_mapping_count=integer(row, "negatives") or 0,
        inherited_status=InheritanceStatus(cover.status) if cover else None,
        inherited_mappings=[inherited_mapping_obj(m) for m in cover.mappings] if cover else [],
        inherited_decision_status=InheritanceStatus(decided.status) if decided else None,
        inherited_decisions=(
            [inherited_gap_decision_obj(d) for d in decided.decisions] if decided else []
        ),
        target_id=other,
    )


GapsUnderArg = Annotated[
    str | None,
    strawberry.argument(
        description="Only this element and those below it: its id, IRI, PCF ID or code in "
        '`framework` (e.g. "8.1"), as `pcfgraph gaps --under`.'
    ),
]
GapsUndecidedArg = Annotated[
    bool,
    strawberry.argument(
        description="Only gaps without a curated decision: no NoCounterpart record, no "
        "negative mapping, no inherited mapping or inherited no-counterpart decision that "
        "holds (as `pcfgraph gaps --undecided`)."
    ),
]
