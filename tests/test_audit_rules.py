"""Every audit rule (shapes/orgmodel.ttl and queries/checks/orgmodel/) has a conforming case (the
shipped conforming example) and a violating case (a small change to it). Findings are asserted
by rule AND focus node (and value where it matters), never by count alone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from audit_support import CONFORMING, FINDINGS, audit_path, audit_text
from rdflib import Graph, URIRef

from pcfgraph import iris
from pcfgraph.audit.rules import load_checks, load_shapes, shape_rules, targeted_shapes
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

EX = "https://example.org/northwind/"
PREFIXES = """
@prefix : <https://example.org/northwind/> .
@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix pcfg: <https://w3id.org/pcfgraph/ontology#> .
@prefix apqc: <https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/> .
@prefix apqcm: <https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/measure/> .
@prefix prmit: <https://w3id.org/pcfgraph/id/prm-it/> .
@prefix itcmf: <https://w3id.org/pcfgraph/id/it-cmf/SRP/> .
@prefix rmp: <https://w3id.org/pcfgraph/id/it-cmf/SRP/A2/practice/> .
@prefix role: <https://w3id.org/pcfgraph/id/trim/role/> .
"""
ORGM = str(iris.ORGM)


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    #: ":local" for an example IRI, or "label:<focus label>" for a blank node.
    focus: str
    remove: str = ""
    add: str = ""
    #: (subject, predicate) pairs whose triples are all dropped ("orgm:x" or ":x" names).
    drop: tuple[tuple[str, str], ...] = ()
    value: str | None = None


def _iri(name: str) -> URIRef:
    if name.startswith(":"):
        return URIRef(EX + name[1:])
    if name.startswith("orgm:"):
        return URIRef(ORGM + name[5:])
    if name.startswith("org:"):
        return URIRef(str(iris.ORG) + name[4:])
    raise ValueError(name)


def mutate(case: Case) -> str:
    g = Graph().parse(CONFORMING, format="turtle")
    if case.remove:
        for t in Graph().parse(data=PREFIXES + case.remove, format="turtle"):
            assert t in g, f"{case.id}: {t} is not in the conforming example"
            g.remove(t)
    for s, p in case.drop:
        triples = list(g.triples((_iri(s), _iri(p), None)))
        assert triples, f"{case.id}: nothing to drop for {s} {p}"
        for t in triples:
            g.remove(t)
    if case.add:
        g.parse(data=PREFIXES + case.add, format="turtle")
    return g.serialize(format="nt")


def _findings(report, rule):  # type: ignore[no-untyped-def]
    return [r for r in report.results if r.rule == rule]


def _matches(result, case: Case) -> bool:  # type: ignore[no-untyped-def]
    if case.focus.startswith("label:"):
        ok = result.focus_label == case.focus[6:]
    else:
        ok = result.focus_node == EX + case.focus[1:]
    if ok and case.value is not None:
        ok = case.value in (result.value or "")
    return ok


ROLE = "https://w3id.org/pcfgraph/id/trim/role/"


def own_checks():  # type: ignore[no-untyped-def]
    """Checks that are rules of their own (not ``# shape:`` evaluations of a shape)."""
    return [c for c in load_checks() if c.shape is None]


CASES = [
    # --- TRIM customer teams ---
    Case(
        "brm-missing",
        "CustomerTeamBusinessRelationshipManagerShape",
        ":team-corporate",
        remove=":m-corp-brm org:role role:business-relationship-manager .",
        add=":m-corp-brm org:role role:service-owner .",
    ),
    Case(
        "brm-two",
        "CustomerTeamBusinessRelationshipManagerShape",
        ":team-corporate",
        add=":m-x a org:Membership ; org:organization :team-corporate ; org:member :sara-lind ; "
        "org:role role:business-relationship-manager .",
    ),
    Case(
        "dm-missing",
        "CustomerTeamDeliveryManagerShape",
        ":team-clinical",
        remove=":m-clin-dm org:role role:delivery-manager .",
        add=":m-clin-dm org:role role:service-owner .",
    ),
    Case(
        "so-missing",
        "CustomerTeamServiceOwnerShape",
        ":team-clinical",
        remove=":m-clin-so org:organization :team-clinical .",
        add=":m-clin-so org:organization :customer-management .",
    ),
    Case(
        "team-serves-nobody",
        "CustomerTeamServesShape",
        ":team-clinical",
        remove=":team-clinical orgm:serves :clinical .",
    ),
    Case(
        "membership-two-roles",
        "MembershipRoleShape",
        ":m-corp-so2",
        add=":m-corp-so2 org:role role:delivery-manager .",
    ),
    Case(
        "membership-not-trim-role",
        "MembershipTRIMRoleShape",
        ":m-corp-so2",
        remove=":m-corp-so2 org:role role:service-owner .",
        add=":m-corp-so2 org:role <https://example.org/roles/account-manager> .",
        value="account-manager",
    ),
    Case(
        "membership-no-member",
        "MembershipMemberShape",
        ":m-corp-so2",
        remove=":m-corp-so2 org:member :omar-haddad .",
    ),
    Case(
        "membership-no-unit",
        "MembershipOrganizationShape",
        ":m-corp-so2",
        remove=":m-corp-so2 org:organization :team-corporate .",
    ),
    # --- TRIM customers and documents ---
    Case(
        "customer-not-served",
        "CustomerServedByTeamShape",
        ":clinical",
        remove=":team-clinical orgm:serves :clinical .",
    ),
    Case(
        "customer-no-contact",
        "CustomerContactShape",
        ":hr",
        remove=":hr orgm:contact :ahmed-saleh .",
    ),
    Case(
        "customer-two-purchasers-none-primary",
        "checks/orgmodel/customer-primary-purchaser",
        ":hr",
        add=":hr orgm:purchaser :ahmed-saleh .",
    ),
    Case(
        "customer-two-primary-purchasers",
        "checks/orgmodel/customer-primary-purchaser",
        ":hr",
        add=":hr orgm:purchaser :ahmed-saleh ; orgm:primaryPurchaser :ahmed-saleh , :julia-meyer .",
    ),
    Case(
        "organisation-without-customers",
        "checks/orgmodel/organisation-customers",
        ":it",
        remove=":finance a orgm:Customer . :hr a orgm:Customer . :clinical a orgm:Customer .",
    ),
    Case(
        "customer-no-purchaser",
        "CustomerPurchaserShape",
        ":hr",
        remove=":hr orgm:purchaser :julia-meyer .",
    ),
    Case(
        "customer-no-description",
        "CustomerBusinessDescriptionShape",
        ":hr",
        remove=":hr orgm:businessDescription :hr-description .",
    ),
    Case(
        "customer-no-plan",
        "CustomerActivityPlanShape",
        ":hr",
        remove=":hr orgm:activityPlan :hr-plan-2025 .",
    ),
    Case(
        "customer-no-budget",
        "CustomerBudgetShape",
        ":hr",
        remove=":hr orgm:budget :hr-budget-2025 .",
    ),
    Case(
        "customer-no-agreement",
        "CustomerAgreementShape",
        ":hr",
        remove=":hr orgm:agreement :sla-hr .",
    ),
    Case(
        "document-not-in-system",
        "DocumentHeldInBusinessSystemShape",
        ":hr-budget-2025",
        remove=":hr-budget-2025 orgm:heldIn :sharepoint .",
    ),
    Case(
        "untyped-document-not-in-system",
        "DocumentHeldInBusinessSystemShape",
        ":hr-note",
        remove=":hr orgm:activityPlan :hr-plan-2025 .",
        add=":hr orgm:activityPlan :hr-note .",
    ),
    Case(
        "system-unnamed",
        "BusinessSystemNameShape",
        ":sharepoint",
        remove=':sharepoint rdfs:label "SharePoint – Customer Management site" .',
    ),
    Case(
        "agreement-no-author",
        "CustomerAgreementDrawnUpShape",
        ":sla-hr",
        remove=":sla-hr orgm:drawnUpBy :anna-berg .",
    ),
    Case(
        "agreement-not-by-brm",
        "checks/orgmodel/agreement-drawn-up-by-brm",
        ":sla-hr",
        remove=":sla-hr orgm:drawnUpBy :anna-berg .",
        add=":sla-hr orgm:drawnUpBy :lena-fischer .",
        value=EX + "lena-fischer",
    ),
    Case(
        "agreement-by-delivery-manager",
        "checks/orgmodel/agreement-drawn-up-by-brm",
        ":sla-finance",
        remove=":sla-finance orgm:drawnUpBy :anna-berg .",
        add=":sla-finance orgm:drawnUpBy :david-olsen .",
    ),
    # --- TRIM meetings ---
    Case(
        "meeting-two-kinds",
        "MeetingKindShape",
        ":mtg-hr-fu-2025-04",
        add=":mtg-hr-fu-2025-04 orgm:meetingKind orgm:DevelopmentMeeting .",
    ),
    Case(
        "meeting-unknown-kind",
        "MeetingKindShape",
        ":mtg-hr-fu-2025-04",
        remove=":mtg-hr-fu-2025-04 orgm:meetingKind orgm:FollowUpMeeting .",
        add=":mtg-hr-fu-2025-04 orgm:meetingKind orgm:Meeting .",
    ),
    Case(
        "meeting-no-customer",
        "MeetingCustomerShape",
        ":mtg-hr-fu-2025-04",
        remove=":mtg-hr-fu-2025-04 orgm:withCustomer :hr .",
    ),
    Case(
        "only-development-meetings",
        "CustomerFollowUpMeetingShape",
        ":clinical",
        remove=":mtg-clinical-fu-2025-04 orgm:meetingKind orgm:FollowUpMeeting . "
        ":mtg-clinical-fu-2025-01 orgm:meetingKind orgm:FollowUpMeeting .",
        add=":mtg-clinical-fu-2025-04 orgm:meetingKind orgm:DevelopmentMeeting . "
        ":mtg-clinical-fu-2025-01 orgm:meetingKind orgm:DevelopmentMeeting .",
    ),
    Case(
        "only-follow-up-meetings",
        "CustomerDevelopmentMeetingShape",
        ":clinical",
        remove=":mtg-clinical-dev-2025-05 orgm:meetingKind orgm:DevelopmentMeeting .",
        add=":mtg-clinical-dev-2025-05 orgm:meetingKind orgm:FollowUpMeeting .",
    ),
    # --- agreements, targets, catalogue ---
    Case(
        "agreement-one-party", "AgreementPartyShape", ":sla-hr", remove=":sla-hr orgm:party :hr ."
    ),
    Case(
        "agreement-no-start",
        "AgreementValidFromShape",
        ":ola-infrastructure",
        remove=':ola-infrastructure orgm:validFrom "2025-01-01"^^xsd:date .',
    ),
    Case(
        "organisation-date-not-a-date",
        "OrganisationDescribedAsOfShape",
        ":it",
        drop=[(":it", "orgm:describedAsOf")],
        add=':it orgm:describedAsOf "15 July 2025" .',
    ),
    Case(
        "agreement-two-ends",
        "AgreementValidUntilShape",
        ":sla-hr",
        add=':sla-hr orgm:validUntil "2026-12-31"^^xsd:date .',
    ),
    Case(
        "agreement-ends-before-start",
        "AgreementValidityOrderShape",
        ":sla-hr",
        remove=':sla-hr orgm:validUntil "2025-12-31"^^xsd:date .',
        add=':sla-hr orgm:validUntil "2024-12-31"^^xsd:date .',
    ),
    Case(
        "sla-no-service",
        "SLACoversServiceShape",
        ":sla-clinical",
        remove=":sla-clinical orgm:coversService :svc-ehr .",
    ),
    Case(
        "sla-service-not-in-catalogue",
        "SLAServiceInCatalogueShape",
        ":sla-clinical",
        remove=":svc-ehr orgm:inCatalogue :catalogue .",
        value=EX + "svc-ehr",
    ),
    Case(
        "sla-no-targets",
        "SLAServiceTargetShape",
        ":sla-hr",
        drop=((":sla-hr", "orgm:serviceTarget"),),
    ),
    Case(
        "sla-target-literal",
        "AgreementServiceTargetNodeShape",
        ":sla-hr",
        add=':sla-hr orgm:serviceTarget "99.5 percent availability" .',
        value="99.5 percent availability",
    ),
    Case(
        "target-no-metric",
        "ServiceTargetMetricShape",
        "label:Service target of SLA Human Resources 2025",
        drop=((":sla-hr", "orgm:serviceTarget"),),
        add=':sla-hr orgm:serviceTarget [ a orgm:ServiceTarget ; orgm:targetValue 2 ; orgm:unit "hours" ] .',
    ),
    Case(
        "target-value-not-numeric",
        "ServiceTargetValueShape",
        "label:Service target of SLA Human Resources 2025",
        drop=((":sla-hr", "orgm:serviceTarget"),),
        add=':sla-hr orgm:serviceTarget [ a orgm:ServiceTarget ; orgm:metric "x" ; orgm:targetValue "high" ; orgm:unit "hours" ] .',
        value="high",
    ),
    Case(
        "target-no-unit",
        "ServiceTargetUnitShape",
        "label:Service target of SLA Human Resources 2025",
        drop=((":sla-hr", "orgm:serviceTarget"),),
        add=':sla-hr orgm:serviceTarget [ a orgm:ServiceTarget ; orgm:metric "x" ; orgm:targetValue 2 ] .',
    ),
    Case(
        "sla-not-underpinned",
        "SLAUnderpinnedShape",
        ":sla-hr",
        drop=((":sla-hr", "orgm:underpinnedBy"),),
    ),
    Case(
        "sla-underpinned-by-sla",
        "SLAUnderpinnedShape",
        ":sla-hr",
        drop=((":sla-hr", "orgm:underpinnedBy"),),
        add=":sla-hr orgm:underpinnedBy :sla-finance .",
    ),
    Case(
        "entry-no-deliverable",
        "ServiceDeliverableShape",
        ":svc-hris",
        drop=((":svc-hris", "orgm:deliverable"),),
    ),
    Case("entry-no-price", "ServicePriceShape", ":svc-hris", drop=((":svc-hris", "orgm:price"),)),
    Case(
        "entry-no-contact",
        "ServiceContactPointShape",
        ":svc-hris",
        drop=((":svc-hris", "orgm:contactPoint"),),
    ),
    Case(
        "entry-no-request-process",
        "ServiceRequestProcessShape",
        ":svc-hris",
        drop=((":svc-hris", "orgm:requestProcess"),),
    ),
    # --- PCF 8.1.7: compliance, surveys, measures ---
    Case(
        "report-no-sla",
        "SLAReportAgreementShape",
        ":slr-hr-2025-q1",
        drop=((":slr-hr-2025-q1", "orgm:reportsOn"),),
    ),
    Case(
        "report-bad-period",
        "SLAReportPeriodShape",
        ":slr-hr-2025-q1",
        drop=((":slr-hr-2025-q1", "orgm:period"),),
        add=':slr-hr-2025-q1 orgm:period "Q1 2025" .',
    ),
    Case(
        "report-no-compliance",
        "SLAComplianceRequiredShape",
        ":slr-hr-2025-q1",
        drop=((":slr-hr-2025-q1", "orgm:slaCompliance"),),
    ),
    Case(
        "compliance-above-100",
        "SLAComplianceRangeShape",
        ":slr-hr-2025-q1",
        drop=((":slr-hr-2025-q1", "orgm:slaCompliance"),),
        add=":slr-hr-2025-q1 orgm:slaCompliance 101.5 .",
        value="101.5",
    ),
    Case(
        "compliance-negative",
        "SLAComplianceRangeShape",
        ":slr-hr-2025-q1",
        drop=((":slr-hr-2025-q1", "orgm:slaCompliance"),),
        add=":slr-hr-2025-q1 orgm:slaCompliance -1 .",
    ),
    Case(
        "compliance-not-a-number",
        "SLAComplianceRangeShape",
        ":slr-hr-2025-q1",
        drop=((":slr-hr-2025-q1", "orgm:slaCompliance"),),
        add=':slr-hr-2025-q1 orgm:slaCompliance "good" .',
    ),
    Case(
        "customer-never-surveyed",
        "CustomerSurveyedShape",
        ":hr",
        remove=":survey-hr-2025 orgm:surveyOf :hr .",
    ),
    Case(
        "survey-no-customer",
        "SurveyCustomerShape",
        ":survey-hr-2025",
        remove=":survey-hr-2025 orgm:surveyOf :hr .",
    ),
    Case(
        "survey-bad-period",
        "SurveyPeriodShape",
        ":survey-hr-2025",
        drop=((":survey-hr-2025", "orgm:period"),),
        add=':survey-hr-2025 orgm:period "2025/26" .',
    ),
    Case(
        "period-not-surveyed",
        "checks/orgmodel/satisfaction-period-missing",
        ":finance",
        drop=((":survey-finance-2025-q2", "orgm:period"),),
        add=':survey-finance-2025-q2 orgm:period "2025-Q3" .',
        value="2025-Q2",
    ),
    Case(
        "observation-unknown-measure",
        "ObservationMeasureShape",
        ":obs-cost-share-2024",
        drop=((":obs-cost-share-2024", "orgm:measure"),),
        add=":obs-cost-share-2024 orgm:measure apqcm:999999 .",
        value="measure/999999",
    ),
    Case(
        "observation-value-text",
        "ObservationValueShape",
        ":obs-cost-share-2024",
        drop=((":obs-cost-share-2024", "orgm:value"),),
        add=':obs-cost-share-2024 orgm:value "3.4" .',
    ),
    Case(
        "observation-no-unit",
        "ObservationUnitShape",
        ":obs-cost-share-2024",
        drop=((":obs-cost-share-2024", "orgm:unit"),),
    ),
    Case(
        "observation-no-period",
        "ObservationPeriodShape",
        ":obs-cost-share-2024",
        drop=((":obs-cost-share-2024", "orgm:period"),),
    ),
    Case(
        "percent-above-100",
        "PercentObservationRangeShape",
        ":obs-cost-share-2024",
        drop=((":obs-cost-share-2024", "orgm:value"),),
        add=":obs-cost-share-2024 orgm:value 130 .",
    ),
    # --- processes ---
    Case(
        "process-implements-nothing",
        "ProcessImplementsShape",
        ":proc-request-fulfilment",
        drop=((":proc-request-fulfilment", "orgm:implements"),),
    ),
    Case(
        "process-implements-hierarchy-number",
        "ProcessImplementsFrameworkElementShape",
        ":proc-request-fulfilment",
        add=":proc-request-fulfilment orgm:implements apqc:8.1.5.3 .",
        value="7.4/8.1.5.3",
    ),
    # --- IT-CMF ---
    Case(
        "claim-level-6",
        "MaturityClaimLevelShape",
        ":claim-rm-2025",
        drop=((":claim-rm-2025", "orgm:claimedLevel"),),
        add=":claim-rm-2025 orgm:claimedLevel 6 .",
    ),
    Case(
        "claim-level-text",
        "MaturityClaimLevelShape",
        ":claim-rm-2025",
        drop=((":claim-rm-2025", "orgm:claimedLevel"),),
        add=':claim-rm-2025 orgm:claimedLevel "3" .',
    ),
    Case(
        "claim-unknown-block",
        "MaturityClaimBuildingBlockShape",
        ":claim-rm-2025",
        drop=((":claim-rm-2025", "orgm:buildingBlock"),),
        add=":claim-rm-2025 orgm:buildingBlock itcmf:A9 .",
    ),
    Case(
        "evidence-literal",
        "MaturityClaimEvidenceNodeShape",
        ":claim-rm-2025",
        add=':claim-rm-2025 orgm:evidence "Customer Management handbook v3" .',
        value="Customer Management handbook v3",
    ),
    Case(
        "evidence-unknown-practice",
        "EvidencePracticeShape",
        "label:Evidence of Relationship Management maturity 2025",
        add=":claim-rm-2025 orgm:evidence [ a orgm:Evidence ; orgm:practice rmp:9.9 ] .",
        value="practice/9.9",
    ),
    Case(
        "claim-above-achieved",
        "checks/orgmodel/maturity-claim-above-achieved",
        ":claim-rm-2025",
        drop=((":claim-rm-2025", "orgm:claimedLevel"),),
        add=":claim-rm-2025 orgm:claimedLevel 4 .",
        value="SRP-A2-P4.1, SRP-A2-P4.2",
    ),
    # --- issue 18 controls ---
    Case(
        "meeting-without-date",
        "MeetingDateShape",
        ":mtg-hr-dev-2025-06",
        remove=':mtg-hr-dev-2025-06 orgm:date "2025-06-03"^^xsd:date .',
    ),
    Case(
        "process-without-owner",
        "ProcessOwnerShape",
        ":proc-request-fulfilment",
        drop=((":proc-request-fulfilment", "orgm:processOwner"),),
    ),
    Case(
        "sla-without-review-period",
        "SLAReviewPeriodShape",
        ":sla-hr",
        drop=((":sla-hr", "orgm:reviewPeriod"),),
    ),
    Case(
        "sla-report-missing-for-a-quarter",
        "checks/orgmodel/sla-report-missing-period",
        ":sla-hr",
        remove=":slr-hr-2025-q2 orgm:reportsOn :sla-hr .",
    ),
    Case(
        "sla-never-reported",
        "checks/orgmodel/sla-report-missing-period",
        ":sla-hr",
        remove=":slr-hr-2025-q2 orgm:reportsOn :sla-hr . :slr-hr-2025-q1 orgm:reportsOn :sla-hr .",
    ),
    Case(
        "customer-agreements-all-expired",
        "checks/orgmodel/customer-agreement-in-force",
        ":hr",
        remove=':sla-hr orgm:validUntil "2025-12-31"^^xsd:date .',
        add=':sla-hr orgm:validUntil "2025-06-30"^^xsd:date .',
    ),
    Case(
        "sla-report-before-validity",
        "checks/orgmodel/sla-report-outside-validity",
        ":slr-hr-2024-q4",
        add=":slr-hr-2024-q4 a orgm:ServiceLevelReport ; orgm:reportsOn :sla-hr ; "
        'orgm:period "2024-Q4" ; orgm:slaCompliance 100 .',
        value="2024-Q4",
    ),
    Case(
        "missed-target-not-triaged",
        "checks/orgmodel/sla-missed-target-triaged",
        ":slr-hr-2025-q1",
        remove=":slr-hr-2025-q1 orgm:slaCompliance 100 .",
        add=":slr-hr-2025-q1 orgm:slaCompliance 12 .",
        value="12",
    ),
    Case(
        "missed-target-action-without-owner",
        "checks/orgmodel/sla-missed-target-triaged",
        ":slr-hr-2025-q1",
        remove=":slr-hr-2025-q1 orgm:slaCompliance 100 .",
        add=":slr-hr-2025-q1 orgm:slaCompliance 12 . "
        ":action-hr-q1 a orgm:RemediationAction ; orgm:remediates :slr-hr-2025-q1 ; "
        'orgm:date "2025-04-02"^^xsd:date .',
        value="12",
    ),
    Case(
        "brm-is-also-delivery-manager",
        "checks/orgmodel/brm-delivery-manager-separate",
        ":team-corporate",
        remove=":m-corp-dm org:member :david-olsen .",
        add=":m-corp-dm org:member :anna-berg .",
        value=EX + "anna-berg",
    ),
    Case(
        "service-owner-outside-serving-team",
        "checks/orgmodel/service-owner-in-serving-team",
        ":svc-ehr",
        remove=":svc-ehr orgm:serviceOwner :ines-costa .",
        add=":svc-ehr orgm:serviceOwner :sara-lind .",
    ),
    Case(
        "service-without-owner",
        "checks/orgmodel/service-owner-in-serving-team",
        ":svc-erp",
        drop=((":svc-erp", "orgm:serviceOwner"),),
    ),
    Case(
        "contact-point-is-a-string",
        "checks/orgmodel/contact-point-agent",
        ":svc-hris",
        remove=":svc-hris orgm:contactPoint :omar-haddad .",
        add=':svc-hris orgm:contactPoint "hr-it@northwind.example" .',
    ),
    Case(
        "contact-without-name",
        "checks/orgmodel/contact-point-agent",
        ":hr",
        add=":hr orgm:contact :nobody . :nobody a foaf:Person .",
    ),
    Case(
        "follow-up-quarter-missed",
        "checks/orgmodel/customer-follow-up-cadence",
        ":hr",
        remove=":mtg-hr-fu-2025-02 orgm:meetingKind orgm:FollowUpMeeting .",
        add=":mtg-hr-fu-2025-02 orgm:meetingKind orgm:DevelopmentMeeting .",
    ),
    Case(
        "observation-unit-mismatch",
        "checks/orgmodel/observation-unit",
        ":obs-cost-share-2024",
        remove=':obs-cost-share-2024 orgm:unit "percent" .',
        add=':obs-cost-share-2024 orgm:unit "USD" .',
        value="USD",
    ),
    Case(
        "evidence-is-a-bare-comment",
        "checks/orgmodel/evidence-quality",
        "label:Evidence of Relationship Management maturity 2025",
        add=":claim-rm-2025 orgm:evidence [ a orgm:Evidence ; orgm:practice rmp:3.3 ; "
        'rdfs:comment "Discussed in the follow-up meetings." ] .',
    ),
]


@pytest.fixture(scope="module")
def conforming_report():  # type: ignore[no-untyped-def]
    return audit_path(CONFORMING)


def test_conforming_example_has_no_findings(conforming_report) -> None:  # type: ignore[no-untyped-def]
    assert conforming_report.results == []
    assert conforming_report.conforms


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_violation(case: Case) -> None:
    report = audit_text(mutate(case), "model.nt")
    found = _findings(report, case.rule)
    assert any(_matches(r, case) for r in found), (
        f"expected {case.rule} on {case.focus}; got "
        + "; ".join(f"{r.rule} {r.focus_label} {r.value}" for r in report.results)
    )
    expected = next(r for r in found if _matches(r, case))
    rules = {**shape_rules(load_shapes()), **{c.rule.iri: c.rule for c in own_checks()}}
    assert expected.severity == rules[expected.shape].severity
    if expected.severity == "Violation":
        assert not report.conforms


def test_every_rule_has_a_violating_case() -> None:
    rules = {str(s).removeprefix(iris.SHAPES_BASE) for s in targeted_shapes(load_shapes())}
    rules |= {c.rule.name for c in own_checks()}
    covered = {c.rule for c in CASES}
    assert rules - covered == set()


def test_every_rule_carries_message_severity_source_and_comment() -> None:
    shapes = load_shapes()
    sh = iris.SH
    for shape in targeted_shapes(shapes):
        assert shapes.value(shape, sh.message) is not None, shape
        assert shapes.value(shape, sh.severity) in (sh.Violation, sh.Warning, sh.Info), shape
        assert shapes.value(shape, iris.DCTERMS.source) is not None, shape
        assert shapes.value(shape, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")), shape
        assert shapes.value(shape, iris.ORGM.remediationHint) is not None, shape
    for check in own_checks():
        assert check.rule.source and check.rule.hint and check.rule.passage, check.rule.name


def test_no_sparql_constraints_in_the_pyshacl_run() -> None:
    """pySHACL validates with core SHACL only: SHACL-SPARQL makes it ~6x slower (see
    shapes/README.md). The SHACL-SPARQL twins of the checks (for other engines) live in the
    generated shapes/orgmodel-sparql.ttl and are left out of the audit's pySHACL run."""
    from pcfgraph.audit.ruleset import RuleSet

    triples = RuleSet.load().shape_triples
    assert not [t for t in triples if t[1] in (iris.SH.sparql, iris.SH.select)]
    hand_written = Graph().parse(resource_dir("shapes") / "orgmodel.ttl")
    assert not list(hand_written.triples((None, iris.SH.sparql, None)))


def test_rule_sources_exist_in_the_framework_graph() -> None:
    import pyoxigraph as ox
    from audit_support import framework_store

    store = framework_store().store
    rules = list(shape_rules(load_shapes()).values()) + [c.rule for c in own_checks()]
    for rule in rules:
        assert rule.source, rule.name
        if rule.source.startswith(iris.ID_BASE):
            assert any(store.quads_for_pattern(ox.NamedNode(rule.source), None, None)), (
                rule.name,
                rule.source,
            )


# --- the example with documented findings -------------------------------------------------

CONTOSO = "https://example.org/contoso/"
DOCUMENTED = {
    ("CustomerTeamDeliveryManagerShape", "team-operations"),
    ("CustomerPurchaserShape", "warehousing"),
    ("CustomerBudgetShape", "warehousing"),
    ("CustomerDevelopmentMeetingShape", "warehousing"),
    ("CustomerServedByTeamShape", "finance"),
    ("CustomerBusinessDescriptionShape", "finance"),
    ("CustomerActivityPlanShape", "finance"),
    ("CustomerBudgetShape", "finance"),
    ("CustomerPurchaserShape", "finance"),
    ("CustomerAgreementShape", "finance"),
    ("CustomerSurveyedShape", "finance"),
    ("CustomerFollowUpMeetingShape", "finance"),
    ("CustomerDevelopmentMeetingShape", "finance"),
    ("DocumentHeldInBusinessSystemShape", "warehousing-plan"),
    ("ServicePriceShape", "svc-crm"),
    ("SLAServiceInCatalogueShape", "sla-warehousing"),
    ("checks/orgmodel/agreement-drawn-up-by-brm", "sla-sales"),
    ("SLAUnderpinnedShape", "sla-sales"),
    ("SLAComplianceRangeShape", "slr-warehousing-2025-q1"),
    ("checks/orgmodel/satisfaction-period-missing", "sales"),
    ("ProcessImplementsFrameworkElementShape", "proc-catalogue"),
    ("audit/model-validity-unknown-term", "proc-catalogue"),
    ("ObservationMeasureShape", "obs-unknown-2024"),
    ("audit/model-validity-unknown-term", "obs-unknown-2024"),
    ("PercentObservationRangeShape", "obs-budget-share-2024"),
    ("checks/orgmodel/maturity-claim-above-achieved", "claim-rm-2025"),
    # issue 18 controls
    ("ProcessOwnerShape", "proc-catalogue"),
    ("ProcessOwnerShape", "proc-slm"),
    ("SLAReviewPeriodShape", "sla-sales"),
    ("SLAReviewPeriodShape", "sla-warehousing"),
    ("checks/orgmodel/customer-follow-up-cadence", "sales"),
    ("checks/orgmodel/service-owner-in-serving-team", "svc-crm"),
    ("checks/orgmodel/service-owner-in-serving-team", "svc-route-planning"),
    ("checks/orgmodel/service-owner-in-serving-team", "svc-wms"),
    ("checks/orgmodel/sla-missed-target-triaged", "slr-sales-2025-q1"),
    ("checks/orgmodel/sla-missed-target-triaged", "slr-sales-2025-q2"),
}


def test_example_with_findings_reports_exactly_the_documented_findings() -> None:
    report = audit_path(FINDINGS)
    named = {
        (r.rule, r.focus_node.removeprefix(CONTOSO))
        for r in report.results
        if r.focus_node.startswith(CONTOSO)
    }
    blank = {(r.rule, r.focus_label) for r in report.results if r.focus_node.startswith("_:")}
    assert named == DOCUMENTED
    assert blank == {
        ("ServiceTargetUnitShape", "Service target of SLA Warehousing 2025"),
        ("checks/orgmodel/evidence-quality", "Evidence of Relationship Management maturity 2025"),
    }
    assert not report.conforms


def test_examples_readme_lists_every_documented_finding() -> None:
    from audit_support import EXAMPLES

    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for rule, focus in DOCUMENTED:
        assert rule.removeprefix("checks/orgmodel/") in readme, rule
        assert f":{focus}" in readme, focus


def test_rule_sources_exist_in_the_shipped_framework_data(shipped_release: Release) -> None:
    """The same check against the real release (shipped TRIM, APQC, PRM-IT, IT-CMF data)."""
    import pyoxigraph as ox

    store = shipped_release.store.store
    rules = list(shape_rules(load_shapes()).values()) + [c.rule for c in own_checks()]
    for rule in rules:
        if rule.source and rule.source.startswith(iris.ID_BASE):
            assert any(store.quads_for_pattern(ox.NamedNode(rule.source), None, None)), (
                rule.name,
                rule.source,
            )
