"""Every model format: unknown terms are findings with "did you mean ...?", a model that
describes no organisation is refused, and the JSON-LD context resolves locally."""

from __future__ import annotations

import json

import pytest
from audit_support import CONFORMING, audit_text, context
from rdflib import Graph

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.inputs.context import CONTEXT_IRI, CONTEXT_PATH, orgmodel_context
from pcfgraph.audit.parse import parse_upload
from pcfgraph.errors import ModelError, ParseError

UNKNOWN = "audit/model-validity-unknown-term"
NW = "https://example.org/northwind/"
ORGM = "https://w3id.org/pcfgraph/orgmodel#"
APQC = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/"

#: (what is replaced in the conforming example, by what, focus node, suggestion expected in
#: the message). Ten misspellings auditors make: classes, properties, kinds, framework codes.
MISSPELLINGS = [
    (":finance a orgm:Customer", ":finance a orgm:Costumer", "finance", "orgm:Customer"),
    ("orgm:purchaser :karin-holm", "orgm:purchasor :karin-holm", "finance", "orgm:purchaser"),
    (
        ":it a orgm:Organisation",
        ":it a orgm:Organisation , orgm:Organization",
        "it",
        "orgm:Organisation",
    ),
    (
        "orgm:businessDescription :hr-description",
        "orgm:bussinessDescription :hr-description",
        "hr",
        "orgm:businessDescription",
    ),
    (
        "orgm:heldIn :sharepoint .\n:finance-plan-2025",
        "orgm:heldin :sharepoint .\n:finance-plan-2025",
        "finance-description",
        "orgm:heldIn",
    ),
    (
        ":sla-hr a orgm:ServiceLevelAgreement",
        ":sla-hr a orgm:ServiceLevelAgrement",
        "sla-hr",
        "orgm:ServiceLevelAgreement",
    ),
    (
        'orgm:meetingKind orgm:FollowUpMeeting ; orgm:date "2025-04-08"',
        'orgm:meetingKind orgm:FollowupMeeting ; orgm:date "2025-04-08"',
        "mtg-finance-fu-2025-04",
        "orgm:FollowUpMeeting",
    ),
    (
        'orgm:validUntil "2025-12-31"^^xsd:date ;\n    orgm:drawnUpBy :anna-berg ;\n    orgm:underpinnedBy :ola-infrastructure , :uc-erp-hosting',
        'orgm:validTill "2025-12-31"^^xsd:date ;\n    orgm:drawnUpBy :anna-berg ;\n    orgm:underpinnedBy :ola-infrastructure , :uc-erp-hosting',
        "sla-finance",
        "orgm:validUntil",
    ),
    (
        "apqc:20617 , apqc:20635 , prmit:A23",
        "apqc:20617 , apqc:20365 , prmit:A23",
        "proc-service-catalogue",
        "20635",
    ),
    ("apqc:20641 , apqc:20642", "apqc:8.1.3 , apqc:20642", "proc-relationship-management", "20617"),
]


@pytest.mark.parametrize(
    "old,new,focus,suggestion", MISSPELLINGS, ids=[m[1][:40] for m in MISSPELLINGS]
)
def test_misspelling_is_a_finding_with_did_you_mean(
    old: str, new: str, focus: str, suggestion: str
) -> None:
    text = CONFORMING.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    if "apqc:8.1.3" in new:
        text = text.replace("@prefix apqc:", "@prefix apqc:", 1)
        new = new.replace("apqc:8.1.3", f"<{APQC}8.1.3>")
    report = audit_text(text.replace(old, new))
    found = [r for r in report.results if r.rule == UNKNOWN and r.focus_node == NW + focus]
    assert found, [(r.rule, r.focus_node, r.message) for r in report.results]
    assert any("did you mean" in r.message and suggestion in r.message for r in found), [
        r.message for r in found
    ]
    assert all(r.severity == "Violation" for r in found)
    assert not report.conforms


def test_defined_terms_and_existing_codes_are_not_findings() -> None:
    report = audit_text(CONFORMING.read_text(encoding="utf-8"))
    assert [r for r in report.results if r.rule == UNKNOWN] == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
        '<https://example.org/c> a orgm:Customer ; <http://www.w3.org/2000/01/rdf-schema#label> "C" .\n',
    ],
    ids=["empty", "comment", "customer-only"],
)
def test_model_without_organisation_is_refused(text: str) -> None:
    with pytest.raises(ModelError) as err:
        audit([Upload("m.ttl", text.encode())], context())
    assert "the model describes no organisation" in str(err.value)
    assert err.value.http_status == 422


def test_jsonld_referencing_the_context_resolves_locally() -> None:
    g = Graph().parse(CONFORMING, format="turtle")
    doc = json.loads(g.serialize(format="json-ld"))
    # the same model written with the published context's short keys
    short = {
        "@context": CONTEXT_IRI,
        "@graph": [
            {"@id": NW + "it", "@type": "Organisation", "label": "Northwind Health IT"},
            {"@id": NW + "c", "@type": "Customer", "purchaser": NW + "p", "agreement": NW + "a"},
            {"@id": NW + "a", "@type": "ServiceLevelAgreement", "validFrom": "2025-01-01"},
        ],
    }
    triples = parse_upload(Upload("m.jsonld", json.dumps(short).encode()))
    text = {(t.subject.value, t.predicate.value, str(t.object)) for t in triples}
    assert (NW + "c", ORGM + "purchaser", f"<{NW}p>") in text
    assert (
        NW + "a",
        ORGM + "validFrom",
        '"2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date>',
    ) in text
    # the served path on any host resolves the same way (never fetched)
    short["@context"] = "http://localhost:8000" + CONTEXT_PATH
    assert len(parse_upload(Upload("m.jsonld", json.dumps(short).encode()))) == len(triples)
    assert doc  # the expanded form of the example parses too (no context at all)


def test_other_remote_contexts_are_still_refused() -> None:
    doc = {"@context": "https://example.org/other.jsonld", "@id": "https://e.org/x", "label": "x"}
    with pytest.raises(ParseError):
        parse_upload(Upload("m.jsonld", json.dumps(doc).encode()))


def test_context_covers_every_vocabulary_term() -> None:
    from rdflib import RDF

    from pcfgraph.resources import resource_dir

    g = Graph().parse(resource_dir("ontology") / "orgmodel.ttl", format="turtle")
    terms = {str(s)[len(ORGM) :] for s in g.subjects(RDF.type, None) if str(s).startswith(ORGM)}
    ctx = orgmodel_context()["@context"]
    assert terms <= set(ctx)
    assert ctx["purchaser"] == {"@id": "orgm:purchaser", "@type": "@id"}


def test_edit_distance_with_a_limit_agrees_up_to_the_limit() -> None:
    """Stopping early (``limit``) never changes whether a word is within the limit, nor the
    distance of one that is."""
    import itertools
    import random

    from pcfgraph.audit.inputs.terms import edit_distance

    rng = random.Random(5)
    words = ["", "a", "ab", "ba", "20635", "20365", "20065", "purchaser", "purchasr", "sevres"]
    words += ["".join(rng.choice("abc12") for _ in range(rng.randint(0, 8))) for _ in range(60)]
    checked = 0
    for a, b in itertools.product(words, repeat=2):
        full = edit_distance(a, b)
        for limit in range(4):
            bounded = edit_distance(a, b, limit)
            assert (bounded <= limit) == (full <= limit), (a, b, limit)
            if full <= limit:
                assert bounded == full, (a, b, limit)
            checked += 1
    assert edit_distance("20365", "20635") == 1  # a swap costs one
    assert checked == 4 * len(words) ** 2
