"""ArchiMate models -> triples: the Open Group exchange format 3.x and Archi's ``.archimate``.

Both formats are read into one neutral form (:class:`ArchiModel`: elements, relationships,
properties) and mapped to the model vocabulary by one function (:func:`map_model`), so the
same model in either format gives the same triples. The mapping is documented, as one table,
in ``docs/archimate.md``.

Reading either file into that form: :mod:`pcfgraph.audit.inputs.archimate_read`. Safety: any
DTD is refused (no entity expansion), the parser never touches the network, and an exchange
file is validated against the Open Group schemas first (vendored in
``schemas/archimate/`` with their licence; ``xml.xsd`` and ``dc.xsd`` resolved locally). An
invalid file is :class:`~pcfgraph.errors.InvalidModelFile` (422 / exit 2) with line and column.

Identifiers: the exchange format needs XML names, so Archi writes ``id-`` before its own ids
when it exports; ``id-`` is dropped from both so the nodes are the same
(``urn:archimate:<model>:<element>``).
"""

from __future__ import annotations

from typing import Final

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.inputs.archimate_ids import Concepts
from pcfgraph.audit.inputs.archimate_junctions import through_junctions, used_through
from pcfgraph.audit.inputs.archimate_kinds import MEETING_KIND_VALUES, kind_of, split_codes
from pcfgraph.audit.inputs.archimate_model import REVIEW_PERIODS, described_as_of
from pcfgraph.audit.inputs.archimate_read import (
    ArchiModel,
    Element,
    Relationship,
    parse_xml,
    read_archi,
    read_exchange,
)
from pcfgraph.audit.inputs.archimate_schema import NS, validate
from pcfgraph.audit.inputs.framework_codes import code_iri
from pcfgraph.audit.inputs.model import ReadResult, SourceMap, finding
from pcfgraph.audit.inputs.sheets import (
    FOAF,
    ORG,
    ORGM,
    RDF_TYPE,
    RDFS_LABEL,
    ROLES,
)
from pcfgraph.audit.inputs.workbook_values import date_form_hint
from pcfgraph.audit.report import AuditResult, node_text
from pcfgraph.dates import calendar_date
from pcfgraph.errors import quoted

_XSD_DATE: Final = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
#: Values of the "Kind" property of a business actor.
ACTOR_KINDS: Final = {
    "organisation": ORGM + "Organisation",
    "organization": ORGM + "Organisation",
    "unit": ORG + "OrganizationalUnit",
    "customer team": ORGM + "CustomerTeam",
    "customer": ORGM + "Customer",
    "person": FOAF + "Person",
    "supplier": ORG + "Organization",
}
#: Values of the "Kind" property of a contract.
CONTRACT_KINDS: Final = {
    "sla": ORGM + "ServiceLevelAgreement",
    "ola": ORGM + "OperationalLevelAgreement",
    "uc": ORGM + "UnderpinningContract",
    "underpinning contract": ORGM + "UnderpinningContract",
    "agreement": ORGM + "Agreement",
}
_SLA: Final = ORGM + "ServiceLevelAgreement"
_UNDERPINNING: Final = (
    {_SLA, ORGM + "OperationalLevelAgreement"},
    {_SLA, ORGM + "UnderpinningContract"},
)
#: Values of the "Kind" property of a representation.
DOCUMENT_KINDS: Final = {
    "business description": ORGM + "BusinessDescription",
    "activity plan": ORGM + "ActivityPlan",
    "budget": ORGM + "Budget",
    "document": ORGM + "Document",
}
_DOC_LINK: Final = {
    ORGM + "BusinessDescription": ORGM + "businessDescription",
    ORGM + "ActivityPlan": ORGM + "activityPlan",
    ORGM + "Budget": ORGM + "budget",
}
_ORG_CLASSES = (ORGM + "Organisation", ORG + "OrganizationalUnit", ORGM + "CustomerTeam")
_STRUCTURE = ("Composition", "Aggregation")


# --- the mapping -----------------------------------------------------------------------------


class _Mapper:
    def __init__(self, model: ArchiModel, name: str) -> None:
        self.model = model
        self.file = name
        self.triples: list[ox.Triple] = []
        self.classes: dict[str, str] = {}
        self.used_elements: set[str] = set()
        self.used_relationships: set[str] = set()
        self.sources = SourceMap()
        self.findings: list[AuditResult] = []

    def node(self, identifier: str) -> ox.NamedNode:
        return ox.NamedNode(str(iris.archimate_node(self.model.identifier, identifier)))

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        obj = self.node(o) if isinstance(o, str) else o
        self.triples.append(ox.Triple(self.node(s), ox.NamedNode(p), obj))

    def typed(self, el: Element, cls: str, label: str = RDFS_LABEL) -> None:
        self.classes[el.identifier] = cls
        self.used_elements.add(el.identifier)
        self.add(el.identifier, RDF_TYPE, ox.NamedNode(cls))
        if el.name:
            self.add(el.identifier, label, ox.Literal(el.name))
        self.sources.nodes[node_text(self.node(el.identifier)) or ""] = {
            "file": self.file,
            "element": el.written or el.identifier,
            "name": el.name,
        }

    def link(self, rel: Relationship, s: str, p: str, o: str) -> None:
        self.add(s, p, o)
        self.used_relationships.add(rel.identifier)

    def dated(self, el: Element, key: str, predicate: str, text: str) -> None:
        """A date property: the ``xsd:date`` it states, or a finding naming the day to type
        (``15.03.2025``: "type 2025-03-15"), as a workbook's date cell is; not taken for that
        day unsaid."""
        try:
            day = calendar_date(text)
        except ValueError:
            detail = f"{key} {quoted(text)} is not a date (YYYY-MM-DD){date_form_hint(text)}."
            self.bad_value(el, predicate, text, detail)
            return
        self.add(el.identifier, predicate, ox.Literal(day.isoformat(), datatype=_XSD_DATE))

    def bad_value(self, el: Element, predicate: str, text: str, detail: str) -> None:
        """A property value the mapping cannot read: a finding on the element, not read."""
        where = {"file": self.file, "element": el.written or el.identifier, "name": el.name}
        node = self.node(el.identifier)
        self.findings.append(
            finding(
                "bad-value", node, detail, label=el.name, path=predicate, value=text, location=where
            )
        )

    def kind(self, el: Element, table: dict[str, str], what: str, otherwise: str) -> str | None:
        """The class the element's Kind names; an unknown Kind is a finding (archimate_kinds)."""
        cls, problem = kind_of(
            el.prop("kind"), table, what=what, otherwise=otherwise, node=self.node(el.identifier),
            location={"file": self.file, "element": el.written or el.identifier, "name": el.name},
        )  # fmt: skip
        self.findings.extend([problem] if problem else [])
        return cls


def map_model(model: ArchiModel, name: str) -> ReadResult:
    """The model's triples in the orgm: vocabulary (see ``docs/archimate.md``), where each
    element came from, and the elements and relationships the mapping does not use."""
    m = _Mapper(model, name)
    els = model.elements
    rels, parts = through_junctions(els, model.relationships, name)  # a chain: one each
    parents: dict[str, list[tuple[Relationship, str]]] = {}
    for r in rels:
        if r.type in _STRUCTURE and r.source in els and r.target in els:
            parents.setdefault(r.target, []).append((r, r.source))
    trim_roles = {label.casefold(): iri for label, iri in ROLES.options}
    assigned: dict[str, list[tuple[Relationship, str]]] = {}
    for r in rels:
        if r.type == "Assignment":
            assigned.setdefault(r.target, []).append((r, r.source))

    # actors: the Kind property, else by position (see docs/archimate.md)
    actors = [e for e in els.values() if e.type == "BusinessActor"]
    served = {
        r.target
        for r in rels
        if r.type == "Serving" and els.get(r.source, Element("", "", "")).type == "BusinessService"
    }
    # actors composing or aggregating another (the organisation): one set, not a scan each
    actor_ids = {a.identifier for a in actors}
    holding_actors = {r.source for r in rels if r.type in _STRUCTURE and r.target in actor_ids}
    role_holders = {
        src
        for role in els.values()
        if role.type == "BusinessRole" and role.name.casefold() in trim_roles
        for _, src in assigned.get(role.identifier, [])
    }
    for actor in actors:
        cls = m.kind(actor, ACTOR_KINDS, "business actor", "it is placed by its relationships")
        if cls is None:
            if actor.identifier in role_holders:
                cls = FOAF + "Person"
            elif actor.identifier in served:
                cls = ORGM + "Customer"
            elif actor.identifier in parents and any(
                els[p].type == "BusinessActor" for _, p in parents[actor.identifier]
            ):
                cls = ORG + "OrganizationalUnit"
            elif actor.identifier in holding_actors:
                cls = ORGM + "Organisation"
        if cls is not None:
            m.typed(actor, cls, FOAF + "name" if cls == FOAF + "Person" else RDFS_LABEL)

    for org in (els[i] for i, c in m.classes.items() if c == ORGM + "Organisation"):
        for day in described_as_of(model.properties):  # the model's day: its organisation's
            m.dated(org, "Described as of", ORGM + "describedAsOf", day)
    for e in els.values():
        if e.type in ("BusinessProcess", "BusinessFunction"):
            m.typed(e, ORGM + "Process")
            for code in split_codes(e.prop("pcf")):
                m.add(e.identifier, ORGM + "implements", ox.NamedNode(code_iri(code, "element")))
            for code in split_codes(e.prop("prm")):
                m.add(e.identifier, ORGM + "implements", ox.NamedNode(code_iri(code, "element")))
        elif e.type == "Contract":
            kind = m.kind(e, CONTRACT_KINDS, "contract", "it is read as an SLA")
            m.typed(e, kind or ORGM + "ServiceLevelAgreement")
            for key, prop in (("Valid from", "validFrom"), ("Valid until", "validUntil")):
                for v in e.prop(key.casefold()):
                    m.dated(e, key, ORGM + prop, v.strip())
            for v in e.prop("review period"):  # without it, every SLA failed SLAReviewPeriodShape
                if period := REVIEW_PERIODS.get(v.strip().casefold()):
                    m.add(e.identifier, ORGM + "reviewPeriod", ox.NamedNode(period))
                else:
                    said = f"Review period {quoted(v.strip())} is not one of Monthly, Quarterly, "
                    m.bad_value(e, ORGM + "reviewPeriod", v.strip(), said + "Half-yearly, Yearly.")
        elif e.type == "Representation":
            kind = m.kind(e, DOCUMENT_KINDS, "representation", "it is read as a Document")
            m.typed(e, kind or ORGM + "Document")
        elif e.type == "ApplicationComponent":
            m.typed(e, ORGM + "BusinessSystem")
        elif e.type == "BusinessService":
            m.typed(e, ORGM + "Service")
            for v in e.prop("price"):
                m.add(e.identifier, ORGM + "price", ox.Literal(v))
            for v in e.prop("deliverable"):
                m.add(e.identifier, ORGM + "deliverable", ox.Literal(v))
        elif e.type == "BusinessEvent" and e.prop("kind"):
            kind = m.kind(e, MEETING_KIND_VALUES, "business event", "it is not read as a meeting")
            if kind:
                m.typed(e, ORGM + "Meeting")
                m.add(e.identifier, ORGM + "meetingKind", ox.NamedNode(kind))
                for v in e.prop("date"):  # without it, MeetingDateShape failed every meeting
                    m.dated(e, "Date", ORGM + "date", v.strip())

    services = [e for e in els.values() if m.classes.get(e.identifier) == ORGM + "Service"]
    if services:
        catalogue = "service-catalogue"
        m.add(catalogue, RDF_TYPE, ox.NamedNode(ORGM + "ServiceCatalogue"))
        m.add(
            catalogue,
            RDFS_LABEL,
            ox.Literal(f"{model.name or 'ArchiMate model'} business services"),
        )
        for s in services:
            m.add(s.identifier, ORGM + "inCatalogue", catalogue)

    class_of = m.classes.get
    agreements_of: dict[str, list[str]] = {}
    for r in rels:
        a, b = class_of(r.source), class_of(r.target)
        if a is None or b is None:
            continue
        if r.type in _STRUCTURE and a in _ORG_CLASSES and b in _ORG_CLASSES[1:]:
            m.link(r, r.target, ORG + "unitOf", r.source)
            m.add(r.source, ORG + "hasUnit", r.target)
        elif r.type == "Serving" and a == ORGM + "CustomerTeam" and b == ORGM + "Customer":
            m.link(r, r.source, ORGM + "serves", r.target)
        elif r.type == "Assignment" and a in _ORG_CLASSES and b == ORGM + "Process":
            m.link(r, r.target, ORGM + "ownedBy", r.source)
        elif r.type == "Assignment" and a == FOAF + "Person" and b == ORGM + "Process":
            m.link(r, r.target, ORGM + "processOwner", r.source)  # the person accountable
        elif r.type in ("Association", "Access", *_STRUCTURE) and {a, b} & {
            ORGM + "BusinessSystem"
        }:
            doc, system = (
                (r.source, r.target) if b == ORGM + "BusinessSystem" else (r.target, r.source)
            )
            if doc != system and _is_document(class_of(doc)):
                m.link(r, doc, ORGM + "heldIn", system)
        elif r.type in ("Association", *_STRUCTURE) and {a, b} in _UNDERPINNING:
            sla, other = (r.source, r.target) if a == _SLA else (r.target, r.source)
            m.link(r, sla, ORGM + "underpinnedBy", other)  # an SLA and its OLA or UC
        elif r.type in ("Association", *_STRUCTURE) and _is_agreement(a) != _is_agreement(b):
            agreement, other = (r.source, r.target) if _is_agreement(a) else (r.target, r.source)
            other_cls = class_of(other)
            if other_cls == ORGM + "Service":
                m.link(r, agreement, ORGM + "coversService", other)
            elif other_cls in (*_ORG_CLASSES, ORGM + "Customer", ORG + "Organization"):
                m.link(r, agreement, ORGM + "party", other)
                if other_cls == ORGM + "Customer":
                    m.add(other, ORGM + "agreement", agreement)
                    agreements_of.setdefault(other, []).append(agreement)
            elif other_cls == FOAF + "Person":
                m.link(r, agreement, ORGM + "drawnUpBy", other)
        elif r.type == "Association" and {a, b} == {FOAF + "Person", ORGM + "Customer"}:
            person, customer = (
                (r.source, r.target) if a == FOAF + "Person" else (r.target, r.source)
            )
            prop = "purchaser" if r.name.strip().casefold() == "purchaser" else "contact"
            m.link(r, customer, ORGM + prop, person)
        elif (
            r.type == "Association"
            and ORGM + "Customer" in (a, b)
            and (_DOC_LINK.get(a) or _DOC_LINK.get(b))
        ):
            customer, doc = (r.source, r.target) if a == ORGM + "Customer" else (r.target, r.source)
            m.link(r, customer, _DOC_LINK[class_of(doc) or ""], doc)
        elif r.type == "Association" and ORGM + "Meeting" in (a, b):
            meeting, other = (r.source, r.target) if a == ORGM + "Meeting" else (r.target, r.source)
            if class_of(other) == ORGM + "Customer":
                m.link(r, meeting, ORGM + "withCustomer", other)
            elif class_of(other) == ORGM + "CustomerTeam":
                m.link(r, meeting, ORGM + "heldBy", other)

    # serving: a business service serving a customer is covered by the customer's agreements
    for r in rels:
        if (
            r.type == "Serving"
            and class_of(r.source) == ORGM + "Service"
            and class_of(r.target) == ORGM + "Customer"
        ):
            m.used_relationships.add(r.identifier)
            for agreement in agreements_of.get(r.target, []):
                m.add(agreement, ORGM + "coversService", r.source)

    # roles: an actor assigned to a TRIM role, in the unit the role or the actor belongs to
    for role in els.values():
        trim = trim_roles.get(role.name.strip().casefold()) if role.type == "BusinessRole" else None
        if trim is None:
            continue
        role_units = [
            (r, p) for r, p in parents.get(role.identifier, []) if class_of(p) in _ORG_CLASSES
        ]
        for rel, person in assigned.get(role.identifier, []):
            if class_of(person) != FOAF + "Person":
                continue
            units = role_units or [
                (r, p) for r, p in parents.get(person, []) if class_of(p) in _ORG_CLASSES
            ]
            for unit_rel, unit in units:
                membership = f"{rel.identifier}-{unit}"
                m.add(membership, RDF_TYPE, ox.NamedNode(ORG + "Membership"))
                m.add(membership, ORG + "member", person)
                m.add(membership, ORG + "organization", unit)
                m.add(membership, ORG + "role", ox.NamedNode(trim))
                m.used_relationships.update((rel.identifier, unit_rel.identifier))
                m.used_elements.add(role.identifier)
                m.sources.nodes[node_text(m.node(membership)) or ""] = {
                    "file": name,
                    "element": rel.written or rel.identifier,
                    "name": f"{els[person].name} as {role.name}",
                }

    used = used_through(m.used_elements | m.used_relationships, parts)
    # named as written in the file, as a finding's location is: what the auditor searches for
    unused = [
        {"kind": "element", "identifier": e.written or e.identifier, "name": e.name, "type": e.type}
        for e in els.values()
        if e.identifier not in used
    ] + [
        {
            "kind": "relationship",
            "identifier": r.written or r.identifier,
            "name": r.name,
            "type": r.type,
        }
        for r in model.relationships
        if r.identifier not in used
    ]
    return ReadResult(
        triples=m.triples, findings=m.findings, sources=m.sources, unused=unused, kind="archimate"
    )


def _is_agreement(cls: str | None) -> bool:
    return cls in (*CONTRACT_KINDS.values(),)


def _is_document(cls: str | None) -> bool:
    return cls in (*DOCUMENT_KINDS.values(), *CONTRACT_KINDS.values())


def read_archimate(data: bytes, name: str, *, native: bool = False) -> ReadResult:
    """An ArchiMate model file (exchange format, or Archi's own with ``native``)."""
    root = parse_xml(data, name)
    if native:
        model = read_archi(root, name)
    else:  # an identifier twice is said so, before the schema's "not a valid xs:ID"
        concepts = Concepts(name)
        for kind in ("elements/{%s}element", "relationships/{%s}relationship"):
            concepts.claim_all(root.iterfind(f"{{{NS}}}{kind % NS}[@identifier]"))
        concepts.check()  # every identifier twice, said before the schema's "not an xs:ID"
        validate(root, data, name)
        model = read_exchange(root, name)
    return map_model(model, name)
