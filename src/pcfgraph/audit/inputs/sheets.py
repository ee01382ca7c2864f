"""The spreadsheet template as ONE declarative table: sheets, columns, drop-down lists.

The template (:mod:`~pcfgraph.audit.inputs.writer`), the writer (RDF -> workbook) and the reader
(:mod:`~pcfgraph.audit.inputs.workbook`, workbook -> RDF) all walk :data:`SHEETS`; none has code
of its own for a particular sheet, so they cannot drift apart.

Conventions of the workbook (also on its "Read me" sheet):

- Row 1 holds the headers (each with a note); data starts on row 2.
- Column A of a keyed sheet is the row's **key**, a short name the user chooses (``finance``,
  ``sla-hr``); references in other sheets use it. A key becomes the IRI *model namespace* +
  key (the namespace is set on the "Read me" sheet); a full IRI may be given instead.
- A reference column takes one key (or an IRI); a *list* column takes several, separated by
  ``;`` or line breaks. A list of texts (deliverables) is one text per line.
- Drop-down columns accept only their list (Excel data validation); a value that is not on the
  list is a finding. The list of units of measure is open (suggestions only).
- "Service targets" and "Evidence" rows have no key: each belongs to the agreement or maturity
  claim named in its first column.
- "Other statements" holds any statement no column has (subject, property, value, value type),
  so every RDF model converts to a workbook and back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pcfgraph import iris

RDF_TYPE: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL: Final = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT: Final = "http://www.w3.org/2000/01/rdf-schema#comment"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
ORGM: Final = str(iris.ORGM)
ORG: Final = str(iris.ORG)
FOAF: Final = str(iris.FOAF)

#: Prefixes the "Other statements" sheet understands (and the writer uses).
PREFIXES: Final[dict[str, str]] = {
    "orgm": ORGM,
    "org": ORG,
    "foaf": FOAF,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "skos": str(iris.SKOS),
    "dcterms": str(iris.DCTERMS),
    "pcfg": str(iris.PCFG),
}

#: The sheet names of the template that are not kinds of things.
README_SHEET: Final = "Read me"
OTHER_SHEET: Final = "Other statements"
LISTS_SHEET: Final = "Lists"
NAMESPACE_LABEL: Final = "Model namespace"
DEFAULT_NAMESPACE: Final = "https://example.org/my-organisation/"
OTHER_HEADERS: Final = ("Subject", "Property", "Value", "Value type")

#: Column kinds: how a cell becomes RDF terms.
#: key      the row's key (column A)
#: class    rdf:type from a drop-down of the sheet's kinds
#: text     one plain string                    texts   several strings, one per line
#: number   an xsd:integer / xsd:decimal        date    an xsd:date
#: amount   a number, or a text (a price)       level   an integer from a drop-down
#: ref      one key or IRI                      refs    several keys or IRIs
#: choice   a drop-down label -> an IRI         open    a drop-down of suggestions -> a string
#: code     framework code(s) -> IRI(s) (PCF ID, PRM-IT code, APQC measure, IT-CMF path)
KINDS: Final = frozenset(
    {"key", "class", "text", "texts", "number", "date", "amount", "level", "ref", "refs"}
    | {"choice", "open", "code", "codes"}
)


@dataclass(frozen=True)
class Choice:
    """A closed (or, ``open``, suggested) value list: (label shown, IRI or literal text)."""

    name: str
    options: tuple[tuple[str, str], ...]

    def labels(self) -> list[str]:
        return [label for label, _ in self.options]

    def value_of(self, label: str) -> str | None:
        wanted = label.strip().casefold()
        for shown, value in self.options:
            if shown.casefold() == wanted:
                return value
        return None

    def label_of(self, value: str) -> str | None:
        for shown, v in self.options:
            if v == value:
                return shown
        return None


@dataclass(frozen=True)
class Column:
    header: str
    kind: str
    note: str
    #: The property; None for the key column.
    predicate: str | None = None
    choice: Choice | None = None
    #: Sheets a reference points to (for the notes and the docs; any key is accepted).
    targets: tuple[str, ...] = ()
    #: The statement is (referenced node, predicate, this row): the row belongs to it.
    inverse: bool = False
    #: For ``code`` columns: "element" (PCF ID / PRM-IT code), "measure", "itcmf".
    scheme: str | None = None
    #: Added after workbooks were filled in: a workbook without it still reads (it states
    #: nothing of the column); the template and the writer always have it.
    optional: bool = False

    @property
    def multi(self) -> bool:
        return self.kind in ("texts", "refs", "codes")


@dataclass(frozen=True)
class Sheet:
    name: str
    note: str
    #: (kind label, class IRI); with more than one the sheet has a "Kind" drop-down.
    classes: tuple[tuple[str, str], ...]
    columns: tuple[Column, ...]
    #: Rows are blank nodes belonging to the node in their inverse column (no key).
    blank: bool = False

    @property
    def class_iris(self) -> tuple[str, ...]:
        return tuple(c for _, c in self.classes)

    @property
    def kind_choice(self) -> Choice:
        return Choice(f"{self.name} kinds", self.classes)


def _trim_role(label: str) -> tuple[str, str]:
    return label, str(iris.trim("role", label))


ROLES = Choice(
    "TRIM roles",
    tuple(
        _trim_role(r)
        for r in ("Business Relationship Manager", "Delivery Manager", "Service Owner")
    ),
)
MEETING_KINDS = Choice(
    "Meeting kinds",
    (
        ("follow-up meeting", ORGM + "FollowUpMeeting"),
        ("development meeting", ORGM + "DevelopmentMeeting"),
    ),
)
LEVELS = Choice("IT-CMF levels", tuple((str(n), str(n)) for n in range(1, 6)))
UNITS = Choice(
    "Units of measure",
    tuple(
        (u, u) for u in ("percent", "hours", "minutes", "days", "ftes", "dollars", "euros", "count")
    ),
)

KEY = Column("Key", "key", "A short name you choose for this row; other sheets refer to it.")


def _name(pred: str = RDFS_LABEL) -> Column:
    return Column("Name", "text", "The name people know it by.", pred)


def _ref(header: str, pred: str, targets: tuple[str, ...], note: str) -> Column:
    return Column(header, "ref", note + f" (a key from {', '.join(targets)}).", pred, None, targets)


def _refs(header: str, pred: str, targets: tuple[str, ...], note: str) -> Column:
    return Column(
        header,
        "refs",
        note + f" (keys from {', '.join(targets)}, separated by ';').",
        pred,
        None,
        targets,
    )


ORG_SHEETS = ("Organisation", "Units", "Customer teams", "Customers")
PEOPLE = ("People",)
DOCS = ("Documents", "Agreements")

SHEETS: Final[tuple[Sheet, ...]] = (
    Sheet(
        "Organisation",
        "The audited organisation (kind 'Audited organisation', exactly one) and other "
        "organisations such as suppliers.",
        (
            ("Audited organisation", ORGM + "Organisation"),
            ("Other organisation", ORG + "Organization"),
        ),
        (
            KEY,
            Column("Kind", "class", "Audited organisation, or another organisation (a supplier)."),
            _name(),
            _refs("Has units", ORG + "hasUnit", ("Units", "Customer teams"), "Its units"),
            Column(
                "Described as of",
                "date",
                "Audited organisation: the day this model describes it as it stood "
                "(YYYY-MM-DD). An audit given no date judges on it (agreements in force, "
                "review periods ended); leave it empty to judge on the day of the audit.",
                ORGM + "describedAsOf",
                optional=True,
            ),
        ),
    ),
    Sheet(
        "Units",
        "Organisational units of the audited organisation (Customer Management, Service Desk).",
        (("Organisational unit", ORG + "OrganizationalUnit"),),
        (
            KEY,
            _name(),
            _ref("Unit of", ORG + "unitOf", ("Organisation", "Units"), "The unit it belongs to"),
        ),
    ),
    Sheet(
        "Customer teams",
        "Customer teams of the Customer Management function (TRIM): BRM, Delivery Manager and "
        "service owners, stated on the Roles sheet.",
        (("Customer team", ORGM + "CustomerTeam"),),
        (
            KEY,
            _name(),
            _ref("Unit of", ORG + "unitOf", ("Organisation", "Units"), "The unit it belongs to"),
            _refs("Serves", ORGM + "serves", ("Customers",), "The customers it is responsible for"),
        ),
    ),
    Sheet(
        "People",
        "People of the organisation and of its customers.",
        (("Person", FOAF + "Person"),),
        (KEY, _name(FOAF + "name")),
    ),
    Sheet(
        "Roles",
        "Who holds which TRIM role in which unit or customer team (org:Membership).",
        (("Membership", ORG + "Membership"),),
        (
            KEY,
            _ref("Unit", ORG + "organization", ("Customer teams", "Units"), "The team or unit"),
            _ref("Person", ORG + "member", PEOPLE, "The person"),
            Column("Role", "choice", "The TRIM role held (drop-down).", ORG + "role", ROLES),
        ),
    ),
    Sheet(
        "Customers",
        "Customers of IT in the business, with their contacts and documentation.",
        (("Customer", ORGM + "Customer"),),
        (
            KEY,
            _name(),
            _refs("Contacts", ORGM + "contact", PEOPLE, "Contact persons"),
            _ref("Purchaser", ORGM + "purchaser", PEOPLE, "Who buys IT services for the customer"),
            _ref("Business description", ORGM + "businessDescription", ("Documents",), "Document"),
            _ref("Activity plan", ORGM + "activityPlan", ("Documents",), "Document"),
            _ref("Budget", ORGM + "budget", ("Documents",), "Document"),
            _refs(
                "Agreements", ORGM + "agreement", ("Agreements",), "Agreements with the customer"
            ),
        ),
    ),
    Sheet(
        "Business systems",
        "Information systems in which documents are held (document management, CRM, registers).",
        (("Business system", ORGM + "BusinessSystem"),),
        (KEY, _name()),
    ),
    Sheet(
        "Documents",
        "Customer documentation (business descriptions, activity plans, budgets) and other "
        "documents; agreements go on the Agreements sheet.",
        (
            ("Business description", ORGM + "BusinessDescription"),
            ("Activity plan", ORGM + "ActivityPlan"),
            ("Budget", ORGM + "Budget"),
            ("Document", ORGM + "Document"),
        ),
        (
            KEY,
            Column("Kind", "class", "What kind of document (drop-down)."),
            _name(),
            _ref("Held in", ORGM + "heldIn", ("Business systems",), "The system holding it"),
        ),
    ),
    Sheet(
        "Catalogues",
        "Service catalogues.",
        (("Service catalogue", ORGM + "ServiceCatalogue"),),
        (KEY, _name(), _ref("Owned by", ORGM + "ownedBy", ("Units",), "The responsible unit")),
    ),
    Sheet(
        "Services",
        "IT services; as catalogue entries with deliverables, price, contact point and how "
        "they are requested (APQC PCF 8.1.5.3).",
        (("IT service", ORGM + "Service"),),
        (
            KEY,
            _name(),
            _ref("In catalogue", ORGM + "inCatalogue", ("Catalogues",), "The catalogue"),
            Column(
                "Deliverables",
                "texts",
                "What the service delivers, one deliverable per line (Alt+Enter).",
                ORGM + "deliverable",
            ),
            Column(
                "Price",
                "amount",
                "A number, or a text such as 'EUR 9 per user and month'.",
                ORGM + "price",
            ),
            _ref(
                "Contact point",
                ORGM + "contactPoint",
                ("People", "Units"),
                "Whom customers contact",
            ),
            _ref(
                "Request process",
                ORGM + "requestProcess",
                ("Processes",),
                "How it is requested; a key or a web address",
            ),
        ),
    ),
    Sheet(
        "Agreements",
        "Agreements: SLAs with customers, OLAs inside the organisation, underpinning contracts "
        "with suppliers.",
        (
            ("SLA", ORGM + "ServiceLevelAgreement"),
            ("OLA", ORGM + "OperationalLevelAgreement"),
            ("Underpinning contract", ORGM + "UnderpinningContract"),
            ("Agreement", ORGM + "Agreement"),
        ),
        (
            KEY,
            Column(
                "Kind", "class", "SLA, OLA, underpinning contract or other agreement (drop-down)."
            ),
            _name(),
            _refs("Parties", ORGM + "party", ORG_SHEETS, "The parties"),
            _refs("Covers services", ORGM + "coversService", ("Services",), "Services covered"),
            _ref("Drawn up by", ORGM + "drawnUpBy", PEOPLE, "Who drew it up"),
            _refs(
                "Underpinned by",
                ORGM + "underpinnedBy",
                ("Agreements",),
                "OLAs and contracts supporting an SLA",
            ),
            Column("Valid from", "date", "First day of validity (YYYY-MM-DD).", ORGM + "validFrom"),
            Column(
                "Valid until", "date", "Last day of validity (YYYY-MM-DD).", ORGM + "validUntil"
            ),
            _ref("Held in", ORGM + "heldIn", ("Business systems",), "The system holding it"),
        ),
    ),
    Sheet(
        "Service targets",
        "Measurable commitments of agreements: one row per target.",
        (("Service target", ORGM + "ServiceTarget"),),
        (
            Column(
                "Agreement",
                "ref",
                "The agreement the target belongs to (a key from Agreements).",
                ORGM + "serviceTarget",
                targets=("Agreements",),
                inverse=True,
            ),
            Column("Metric", "text", "What is measured.", ORGM + "metric"),
            Column(
                "Target value", "number", "The committed value (a number).", ORGM + "targetValue"
            ),
            Column(
                "Unit",
                "open",
                "Unit of the value (drop-down of suggestions).",
                ORGM + "unit",
                UNITS,
            ),
        ),
        blank=True,
    ),
    Sheet(
        "Service-level reports",
        "SLA compliance of one SLA in one review period.",
        (("Service level report", ORGM + "ServiceLevelReport"),),
        (
            KEY,
            _name(),
            _ref("Reports on", ORGM + "reportsOn", ("Agreements",), "The SLA"),
            Column("Period", "text", "YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM.", ORGM + "period"),
            Column(
                "SLA compliance",
                "number",
                "Overall performance in percent (0-100).",
                ORGM + "slaCompliance",
            ),
        ),
    ),
    Sheet(
        "Surveys",
        "Customer satisfaction surveys: one customer, one period.",
        (("Satisfaction survey", ORGM + "SatisfactionSurvey"),),
        (
            KEY,
            _name(),
            _ref("Survey of", ORGM + "surveyOf", ("Customers",), "The customer"),
            Column("Period", "text", "YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM.", ORGM + "period"),
            Column("Score", "number", "The satisfaction score.", ORGM + "satisfactionScore"),
        ),
    ),
    Sheet(
        "Processes",
        "The organisation's own processes and the framework elements they implement.",
        (("Process", ORGM + "Process"),),
        (
            KEY,
            _name(),
            _ref("Owned by", ORGM + "ownedBy", ("Units", "Customer teams"), "The responsible unit"),
            Column(
                "Implements",
                "codes",
                "APQC PCF IDs (e.g. 20635, not hierarchy numbers) and PRM-IT codes (e.g. A24), "
                "separated by ';'.",
                ORGM + "implements",
                scheme="element",
            ),
        ),
    ),
    Sheet(
        "Measure observations",
        "Values observed for APQC measures.",
        (("Measure observation", ORGM + "MeasureObservation"),),
        (
            KEY,
            _name(),
            Column(
                "Measure",
                "code",
                "The APQC measure ID (e.g. 106448).",
                ORGM + "measure",
                scheme="measure",
            ),
            Column("Value", "number", "The observed value.", ORGM + "value"),
            Column(
                "Unit",
                "open",
                "Unit of the value (drop-down of suggestions).",
                ORGM + "unit",
                UNITS,
            ),
            Column("Period", "text", "YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM.", ORGM + "period"),
        ),
    ),
    Sheet(
        "Maturity claims",
        "Claimed IT-CMF maturity levels; the evidence per practice goes on the Evidence sheet.",
        (("Maturity claim", ORGM + "MaturityClaim"),),
        (
            KEY,
            _name(),
            _ref("Owned by", ORGM + "ownedBy", ("Units",), "The responsible unit"),
            Column(
                "Building block",
                "code",
                "The IT-CMF capability building block (e.g. SRP/A2, Relationship Management).",
                ORGM + "buildingBlock",
                scheme="itcmf",
            ),
            Column(
                "Claimed level",
                "level",
                "The claimed level, 1-5 (drop-down).",
                ORGM + "claimedLevel",
                LEVELS,
            ),
        ),
    ),
    Sheet(
        "Evidence",
        "Evidence that an IT-CMF practice is in place: one row per practice.",
        (("Evidence", ORGM + "Evidence"),),
        (
            Column(
                "Maturity claim",
                "ref",
                "The claim the evidence supports (a key from Maturity claims).",
                ORGM + "evidence",
                targets=("Maturity claims",),
                inverse=True,
            ),
            Column(
                "Practice",
                "code",
                "The IT-CMF practice (e.g. SRP/A2/practice/2.1).",
                ORGM + "practice",
                scheme="itcmf",
            ),
            Column("Description", "text", "What shows the practice is in place.", RDFS_COMMENT),
            _ref("Document", ORGM + "evidenceDocument", DOCS, "A document that shows it"),
        ),
        blank=True,
    ),
    Sheet(
        "Meetings",
        "Meetings of customer teams with customers: follow-up of delivery, or development of needs.",
        (("Meeting", ORGM + "Meeting"),),
        (
            KEY,
            _name(),
            _ref("With customer", ORGM + "withCustomer", ("Customers",), "The customer"),
            _ref("Held by", ORGM + "heldBy", ("Customer teams",), "The customer team"),
            Column(
                "Kind",
                "choice",
                "Follow-up or development meeting (drop-down).",
                ORGM + "meetingKind",
                MEETING_KINDS,
            ),
            Column("Date", "date", "The day (YYYY-MM-DD).", ORGM + "date"),
        ),
    ),
)

SHEET_BY_NAME: Final = {s.name: s for s in SHEETS}


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``26`` -> ``AA``."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
