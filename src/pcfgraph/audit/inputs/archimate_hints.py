"""How to fix a finding on an ArchiMate element, said in ArchiMate's terms.

A rule's remedy is said in the vocabulary ("Add orgm:price (an amount ...)"): an architect who
drew the model in Archi was not told which property to set or what to draw, nor that some
statements have no place in the mapping (``docs/archimate.md``) and must come from an RDF file
audited with the model, about the element's node. :func:`archimate_hint` adds that to the hint of a finding
located on an ArchiMate element.
"""

from __future__ import annotations

from typing import Final

#: What to do in the ArchiMate model, by rule: a property to set or a relationship to draw.
_HOW: Final[dict[str, str]] = {
    "AgreementValidFromShape": "give the contract the property Valid from (YYYY-MM-DD)",
    "AgreementValidUntilShape": "give the contract the property Valid until (YYYY-MM-DD)",
    "AgreementValidityOrderShape": "correct the contract's properties Valid from and Valid until",
    "AgreementPartyShape": (
        "draw an association from the contract to each party: the audited organisation (or "
        "its unit) and the customer or supplier"
    ),
    "SLACoversServiceShape": (
        "draw an association from the contract to each business service it covers"
    ),
    "CustomerAgreementShape": "draw an association from the contract to the customer",
    "CustomerAgreementDrawnUpShape": (
        "draw an association from the contract to the person who drew it up"
    ),
    "DocumentHeldInBusinessSystemShape": (
        "draw an association from the representation (or contract) to the application "
        "component that holds it"
    ),
    "ProcessImplementsShape": (
        "give the business process or function the property PCF ID (an APQC PCF ID such as "
        "20635; several separated by ;) or PRM-IT (such as A24)"
    ),
    "ProcessImplementsFrameworkElementShape": (
        "correct the property PCF ID (a PCF ID such as 20635, not a hierarchy number) or PRM-IT"
    ),
    "ServicePriceShape": "give the business service the property Price",
    "ServiceDeliverableShape": "give the business service the property Deliverable",
    "CustomerContactShape": (
        "draw an association from each contact person (a business actor) to the customer"
    ),
    "CustomerPurchaserShape": (
        "draw an association named purchaser from the purchasing person to the customer"
    ),
    "CustomerBusinessDescriptionShape": (
        "draw an association from the customer to a representation with the property "
        "Kind = Business description"
    ),
    "CustomerActivityPlanShape": (
        "draw an association from the customer to a representation with the property "
        "Kind = Activity plan"
    ),
    "CustomerBudgetShape": (
        "draw an association from the customer to a representation with the property Kind = Budget"
    ),
    "checks/orgmodel/organisation-customers": (
        "draw each customer as a business actor with the property Kind = Customer, and a "
        "serving relationship to it from the customer team (Kind = Customer team) responsible"
    ),
    "CustomerServedByTeamShape": (
        "draw a serving relationship from the customer team (a business actor with the "
        "property Kind = Customer team) to the customer"
    ),
    "CustomerFollowUpMeetingShape": (
        "draw a business event with the properties Kind = follow-up meeting and Date, "
        "associated with the customer"
    ),
    "CustomerDevelopmentMeetingShape": (
        "draw a business event with the properties Kind = development meeting and Date, "
        "associated with the customer"
    ),
    "checks/orgmodel/customer-follow-up-cadence": (
        "draw a business event for each follow-up meeting held (properties Kind = follow-up "
        "meeting and Date), associated with the customer"
    ),
    "MeetingDateShape": "give the business event the property Date (YYYY-MM-DD)",
    "SLAReviewPeriodShape": (
        "give the contract the property Review period (Monthly, Quarterly, Half-yearly or Yearly)"
    ),
    "SLAUnderpinnedShape": (
        "draw an association from the contract to its OLA or underpinning contract (a contract "
        "with the property Kind = OLA or UC)"
    ),
    "ProcessOwnerShape": (
        "draw an assignment from the accountable person (a business actor with the property "
        "Kind = Person) to the process"
    ),
}
#: Rules whose statements the ArchiMate mapping has no place for.
_NO_PLACE: Final = frozenset(
    {
        "SLAServiceTargetShape",
        "ServiceContactPointShape",
        "ServiceRequestProcessShape",
        "CustomerSurveyedShape",
        "checks/orgmodel/service-owner-in-serving-team",
        "checks/orgmodel/sla-report-missing-period",
    }
)


def archimate_hint(rule: str, hint: str | None, node: str, file: str) -> str | None:
    """``hint`` with what to do in the ArchiMate model ``file`` for a finding of ``rule`` on
    the element that is ``node``; ``hint`` as it is for a rule the table does not name."""
    if rule in _HOW:
        how = f"In the ArchiMate model: {_HOW[rule]}."
    elif rule in _NO_PLACE:
        how = (
            "The ArchiMate mapping has no place for this: state it about "
            f"<{node}> in a Turtle file audited together with the model "
            f"(pcfgraph audit {file or 'model.xml'} more.ttl; on the audit page, both files)."
        )
    else:
        return hint
    return f"{hint} {how}" if hint else how
