"""ArchiMate models: validated against the Open Group schemas, the same model in the exchange
format and in Archi's format gives isomorphic RDF, findings name the element, and what the
mapping does not use is listed."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from audit_support import AS_OF, EXAMPLES, FIXTURES, context
from rdflib import RDF, Graph
from rdflib.compare import isomorphic

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.inputs.archimate import read_archimate
from pcfgraph.audit.inputs.archimate_junctions import MAX_CHAIN_PARTS
from pcfgraph.audit.inputs.archimate_kinds import KIND_HINT
from pcfgraph.audit.parse import read_model
from pcfgraph.audit.upload_format import model_format
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import (
    InvalidModelFile,
    ModelError,
    ParseError,
    PayloadTooLarge,
    UnsupportedMediaType,
)

ARCHI = FIXTURES / "archimate"
EXAMPLE = EXAMPLES / "it-organisation-archimate.xml"
NODE = "urn:archimate:fabrikam-it:"


def _graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def test_archisurance_exchange_and_archi_formats_give_isomorphic_rdf() -> None:
    xml = read_archimate((ARCHI / "archisurance.xml").read_bytes(), "archisurance.xml")
    native = read_archimate(
        (ARCHI / "archisurance.archimate").read_bytes(), "archisurance.archimate", native=True
    )
    assert len(xml.triples) > 50
    assert isomorphic(_graph(xml.triples), _graph(native.triples))

    def unused(r):  # type: ignore[no-untyped-def]
        return sorted((u["kind"], u["type"], u["identifier"].removeprefix("id-")) for u in r.unused)

    assert unused(xml) == unused(native)
    assert {u[0] for u in unused(xml)} == {"element", "relationship"}
    # each named as written in its file, as a finding's location is ('id-1544' in the
    # exchange file, '1544' in Archi's): the report said '1544' of the exchange file
    assert all(u["identifier"].startswith("id-") for u in xml.unused)
    assert not any(u["identifier"].startswith("id-") for u in native.unused)


def test_a_name_typed_with_surrounding_spaces_is_read_alike_in_both_formats() -> None:
    """Archi keeps a name as typed ('Claim Form ', a trailing space) where the exchange
    format's reading trims it: one model gave two graphs (another label), and a role typed
    'Service Owner ' was a TRIM role in one format only. Both trim it."""
    archi = (ARCHI / "archisurance.archimate").read_text(encoding="utf-8")
    xml = (ARCHI / "archisurance.xml").read_text(encoding="utf-8")
    spaced = archi.replace('name="Claim Form"', 'name=" Claim Form&#10; "', 1)
    assert spaced != archi
    native = read_archimate(spaced.encode(), "a.archimate", native=True)
    exchange = read_archimate(xml.replace(">Claim Form<", "> Claim Form\n <", 1).encode(), "a.xml")
    assert isomorphic(_graph(native.triples), _graph(exchange.triples))
    role = _archi(
        ORG.replace("/>", '><property key="Kind" value="Organisation"/></element>'),
        '<element xsi:type="archimate:BusinessActor" name="Eva" id="eva"/>',
        '<element xsi:type="archimate:BusinessRole" name="Service Owner " id="so"/>',
        '<element xsi:type="archimate:AssignmentRelationship" id="r" source="eva" target="so"/>',
    )
    people = {
        t.subject.value
        for t in read_archimate(role, "m.archimate", native=True).triples
        if t.object == ox.NamedNode("http://xmlns.com/foaf/0.1/Person")
    }
    assert people == {"urn:archimate:m:eva"}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return out.getvalue()


def test_an_archi_model_saved_with_images_is_read() -> None:
    """Archi saves a model holding images as a ZIP archive of model.xml and images/: such a
    .archimate file was refused 'not well-formed XML, line 1, column 1'. Its model.xml is
    read; an archive without one, or one inflating past the upload limit, is refused saying
    so; a nameless upload of one is told to be named .archimate."""
    model = _archi(ORG.replace("/>", '><property key="Kind" value="Organisation"/></element>'))
    archive = _zip({"model.xml": model, "images/logo.png": b"\x89PNG\r\n"})
    plain = read_model([Upload("m.archimate", model)])
    zipped = read_model([Upload("m.archimate", archive)])
    assert len(plain.triples) > 0
    assert isomorphic(_graph(zipped.triples), _graph(plain.triples))
    with pytest.raises(InvalidModelFile) as refused:
        read_model([Upload("m.archimate", _zip({"images/logo.png": b"x"}))])
    assert "without model.xml" in str(refused.value) and refused.value.http_status == 422
    big = _zip({"model.xml": model + b"<!--" + os.urandom(75_000).hex().encode() + b"-->"})
    with pytest.raises(PayloadTooLarge) as too_large:
        read_model([Upload("m.archimate", big)], max_bytes=100_000)
    assert "model.xml is over the 100000-byte upload limit" in str(too_large.value)
    with pytest.raises(UnsupportedMediaType) as nameless:
        model_format("upload", None, archive)
    assert "name it .archimate" in str(nameless.value)


def test_property_names_are_read_ignoring_separators() -> None:
    """A property named 'PCF_ID', 'Valid-From' or 'prm it:' was not read, unsaid: the process
    'implemented nothing' and the agreement 'stated no start' although the architect had
    recorded both. Separators (space, '-', '_', ':') are one, in both formats."""
    xml = EXAMPLE.read_text(encoding="utf-8")
    renamed = (
        xml.replace('<name xml:lang="en">PCF ID</name>', '<name xml:lang="en">PCF_ID</name>')
        .replace('<name xml:lang="en">Valid from</name>', '<name xml:lang="en">Valid-From:</name>')
        .replace('<name xml:lang="en">PRM-IT</name>', '<name xml:lang="en">prm it</name>')
    )
    assert renamed.count("PCF_ID") == renamed.count("Valid-From:") == 1
    original = read_archimate(xml.encode(), "f.xml")
    read = read_archimate(renamed.encode(), "f.xml")
    assert isomorphic(_graph(read.triples), _graph(original.triples))
    process = (
        '<element xsi:type="archimate:BusinessProcess" name="Catalogue" id="p">'
        '<property key="APQC_PCF-ID" value="20635"/></element>'
    )
    implements = {
        (t.subject.value, t.object.value)
        for t in read_archimate(_archi(process), "m.archimate", native=True).triples
        if t.predicate.value.endswith("#implements")
    }
    assert [(s, o.rsplit("/", 2)[-2:]) for s, o in implements] == [
        ("urn:archimate:m:p", ["7.4", "20635"])
    ]


def test_a_model_saved_by_archi_3_is_read_as_archi_4_reads_it() -> None:
    """Archi 3 (ArchiMate 2) wrote 'UsedByRelationship' where Archi 4 writes 'Serving...':
    such a model's business services served no one (no customer placed, no agreement
    covering a service) and every used-by relation was 'not used by the audit'. The old names
    are read as Archi converts them."""
    served = (
        '<element xsi:type="archimate:BusinessService" name="Support" id="svc"/>',
        '<element xsi:type="archimate:BusinessActor" name="Retail" id="retail"/>',
        '<element xsi:type="archimate:{}" id="r" source="svc" target="retail"/>',
    )

    def read(relationship: str):  # type: ignore[no-untyped-def]
        lines = (ORG, *served[:2], served[2].format(relationship))
        return read_archimate(_archi(*lines), "m.archimate", native=True)

    old, new = read("UsedByRelationship"), read("ServingRelationship")
    assert isomorphic(_graph(old.triples), _graph(new.triples))
    customer = ox.NamedNode("https://w3id.org/pcfgraph/orgmodel#Customer")
    assert (
        ox.Triple(ox.NamedNode("urn:archimate:m:retail"), ox.NamedNode(str(RDF.type)), customer)
        in old.triples
    )
    assert [u["type"] for u in old.unused] == [u["type"] for u in new.unused]


def test_relationships_through_a_junction_are_read_as_the_relationships_they_join() -> None:
    """An organisation composed of its units through a junction (one composition into it,
    one out of it per unit: how ArchiMate draws a fan-out) was no organisation, its units no
    units, and the junction and its relationships 'not used by the audit'. A chain through
    junctions is read as the relationship it joins, in both formats' junction types."""
    units = [
        f'<element xsi:type="archimate:BusinessActor" name="Unit {n}" id="u{n}"/>' for n in (1, 2)
    ]
    comp = '<element xsi:type="archimate:CompositionRelationship" id="{}" source="{}" target="{}"/>'
    direct = read_archimate(
        _archi(ORG, *units, comp.format("r1", "org", "u1"), comp.format("r2", "org", "u2")),
        "m.archimate",
        native=True,
    )
    for junction in ("Junction", "AndJunction"):
        joined = read_archimate(
            _archi(
                ORG,
                *units,
                f'<element xsi:type="archimate:{junction}" id="j"/>',
                '<element xsi:type="archimate:Junction" id="j2"/>',
                comp.format("in", "org", "j"),
                comp.format("out1", "j", "u1"),
                comp.format("out2", "j", "j2"),
                comp.format("out3", "j2", "u2"),
                comp.replace("Composition", "Serving").format("other", "j", "u2"),
            ),
            "m.archimate",
            native=True,
        )
        assert isomorphic(_graph(joined.triples), _graph(direct.triples)), junction
        organisation = ox.NamedNode("https://w3id.org/pcfgraph/orgmodel#Organisation")
        assert any(t.object == organisation for t in joined.triples)
        # the serving out of a composition junction joins nothing: it alone is not used
        assert [u["identifier"] for u in joined.unused] == ["other"]
    xml = EXAMPLE.read_text(encoding="utf-8")
    org_cm = '<relationship identifier="id-r-org-cm" source="id-org" target="id-cm" xsi:type="Composition"/>'
    assert org_cm in xml
    through = xml.replace(
        org_cm,
        org_cm.replace('target="id-cm"', 'target="id-j"')
        + org_cm.replace("id-r-org-cm", "id-r-j-cm").replace('source="id-org"', 'source="id-j"'),
    ).replace("</elements>", '<element identifier="id-j" xsi:type="AndJunction"/></elements>')
    original, exchange = (read_archimate(x.encode(), "f.xml") for x in (xml, through))
    assert isomorphic(_graph(exchange.triples), _graph(original.triples))
    assert exchange.unused == original.unused


def _junction_lattice(layers: int) -> bytes:
    """``org`` composed of ``unit`` through ``layers`` layers of two junctions, each joined to
    both of the next: 2 ** layers paths, each read as one composition."""
    comp = '<element xsi:type="archimate:CompositionRelationship" id="{}" source="{}" target="{}"/>'
    lines = [ORG, UNIT]
    lines += [
        f'<element xsi:type="archimate:Junction" id="j{i}_{k}"/>'
        for i in range(layers)
        for k in (0, 1)
    ]
    lines += [comp.format(f"in{k}", "org", f"j0_{k}") for k in (0, 1)]
    lines += [
        comp.format(f"r{i}_{k}_{m}", f"j{i}_{k}", f"j{i + 1}_{m}")
        for i in range(layers - 1)
        for k in (0, 1)
        for m in (0, 1)
    ]
    lines += [comp.format(f"out{k}", f"j{layers - 1}_{k}", "unit") for k in (0, 1)]
    return _archi(*lines)


def test_junctions_joining_too_many_paths_are_refused_naming_them() -> None:
    """Every path through junctions is read as a relationship: 30 layers of two junctions
    (15 KB) made 2^30 of them, and the audit worker ran into its memory limit ("the task ran
    out of memory", 16 s) or ``pcfgraph audit`` past 4 GB. Past the budget of parts all
    chains stand for, the model is refused (422) saying so; a few layers read as before."""
    few = read_archimate(_junction_lattice(3), "few.archimate", native=True)
    composed = [t for t in few.triples if t.object == ox.NamedNode("urn:archimate:m:unit")]
    assert composed and not few.unused  # every junction and relationship used
    with pytest.raises(InvalidModelFile) as caught:
        read_archimate(_junction_lattice(16), "lattice.archimate", native=True)
    assert caught.value.http_status == 422
    assert str(caught.value).startswith(
        f"lattice.archimate: its junctions join relationships into more than {MAX_CHAIN_PARTS} "
    ), caught.value


def test_a_model_given_under_another_formats_name_is_told_what_it_is() -> None:
    """An ArchiMate exchange file named .ttl was 'not valid Turtle: Invalid IRI code point',
    an Archi model named .xlsx 'not a readable zip archive', a workbook named .archimate
    'a ZIP archive without model.xml': each now says what the file is and how to name it."""
    exchange = EXAMPLE.read_bytes()
    with pytest.raises(ParseError) as as_turtle:
        read_model([Upload("m.ttl", exchange)])
    assert as_turtle.value.line == 1 and as_turtle.value.column == 1
    assert "the file is XML, an ArchiMate exchange model: name it .xml" in str(as_turtle.value)
    with pytest.raises(ModelError) as as_xlsx:
        read_model([Upload("m.xlsx", (ARCHI / "archisurance.archimate").read_bytes())])
    assert "an Archi model: name it .archimate" in str(as_xlsx.value)
    assert as_xlsx.value.http_status == 422
    workbook = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    with pytest.raises(InvalidModelFile) as as_archi:
        read_model([Upload("m.archimate", workbook)])
    assert "an Excel workbook, not an Archi model: name it .xlsx" in str(as_archi.value)


def test_formats_are_told_apart_by_content() -> None:
    assert model_format("m.xml", None, (ARCHI / "archisurance.xml").read_bytes()) == "archimate"
    assert model_format("m.xml", "application/xml", EXAMPLE.read_bytes()) == "archimate"
    assert (
        model_format("m.archimate", None, (ARCHI / "archisurance.archimate").read_bytes())
        == "archi"
    )
    rdf = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    assert model_format("m.xml", None, rdf) == "rdf"


def test_an_exchange_model_named_archimate_is_read_as_one() -> None:
    """Archi's export (the exchange format) saved as ``model.archimate`` was refused "not an
    Archi model" at line 2, while an Archi model named ``.xml`` was read: the root element
    decides both ways, with the file's name or Archi's media type."""
    exchange = EXAMPLE.read_bytes()
    as_xml = read_model([Upload("m.xml", exchange)])
    for media in (None, "application/x-archimate"):
        assert model_format("m.archimate", media, exchange) == "archimate"
        read = read_model([Upload("m.archimate", exchange, media)])
        assert isomorphic(_graph(read.triples), _graph(as_xml.triples))
    native = (ARCHI / "archisurance.archimate").read_bytes()
    assert model_format("m.xml", None, native) == "archi"
    with pytest.raises(InvalidModelFile) as refused:  # other XML is still not an Archi model
        read_model([Upload("m.archimate", b'<?xml version="1.0"?>\n<model xmlns="urn:x"/>')])
    assert refused.value.line == 2 and "not an Archi model" in str(refused.value)


#: (rule, element identifier) of every finding on the example; why each holds is in
#: data/examples/README.md.
EXAMPLE_FINDINGS = {
    # the issue-18 controls (audited as of AS_OF, as the other examples)
    ("ProcessOwnerShape", "proc-catalogue"),
    ("ProcessOwnerShape", "proc-slm"),
    ("SLAReviewPeriodShape", "sla-retail"),
    ("checks/orgmodel/customer-follow-up-cadence", "retail"),
    ("checks/orgmodel/service-owner-in-serving-team", "svc-pos"),
    ("ProcessImplementsFrameworkElementShape", "proc-catalogue"),
    ("audit/model-validity-unknown-term", "proc-catalogue"),
    ("ServiceContactPointShape", "svc-pos"),
    ("ServiceRequestProcessShape", "svc-pos"),
    ("ServiceContactPointShape", "svc-shop"),
    ("ServicePriceShape", "svc-shop"),
    ("ServiceRequestProcessShape", "svc-shop"),
    ("CustomerContactShape", "retail"),
    ("CustomerDevelopmentMeetingShape", "retail"),
    ("CustomerFollowUpMeetingShape", "retail"),
    ("CustomerSurveyedShape", "retail"),
    ("DocumentHeldInBusinessSystemShape", "doc-retail-budget"),
    ("SLAServiceTargetShape", "sla-retail"),
    ("SLAUnderpinnedShape", "sla-retail"),
    *(
        (rule, "logistics")
        for rule in (
            "CustomerActivityPlanShape",
            "CustomerAgreementShape",
            "CustomerBudgetShape",
            "CustomerBusinessDescriptionShape",
            "CustomerContactShape",
            "CustomerPurchaserShape",
            "CustomerServedByTeamShape",
            "CustomerDevelopmentMeetingShape",
            "CustomerFollowUpMeetingShape",
            "CustomerSurveyedShape",
        )
    ),
}


@pytest.fixture(scope="module")
def example_report():  # type: ignore[no-untyped-def]
    return audit(
        [Upload("fabrikam.xml", EXAMPLE.read_bytes())], context(), options=AuditOptions(AS_OF)
    )


def test_example_it_organisation_has_the_documented_findings(example_report) -> None:  # type: ignore[no-untyped-def]
    got = {(r.rule, r.focus_node.removeprefix(NODE)) for r in example_report.results}
    assert got == EXAMPLE_FINDINGS
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for rule, element in EXAMPLE_FINDINGS:
        assert rule in readme and element in readme, (rule, element)


def test_findings_name_the_archimate_element(example_report) -> None:  # type: ignore[no-untyped-def]
    typo = next(r for r in example_report.results if r.rule == "audit/model-validity-unknown-term")
    assert typo.location == {
        "file": "fabrikam.xml",
        "element": "id-proc-catalogue",
        "name": "Service catalogue management",
    }
    assert "did you mean 20635" in typo.message
    text = example_report.to_text()
    # the element's name is the finding's label: said once ('X ("X" (id))' every line)
    assert "  Service catalogue management (id-proc-catalogue)  [" in text
    assert '"Service catalogue management"' not in text
    doc = json.loads(example_report.to_json())
    assert all(r["location"]["element"] for r in doc["results"])
    # the value of the finding keeps the code: it was cut to '.../cross-industry/7.4/...'
    line = next(x for x in text.splitlines() if "(id-proc-catalogue)  [" in x)
    assert "[https://w3id.org/pcf..." in line and line.split("]")[0].endswith("/7.4/20365")


def test_a_finding_on_an_element_says_how_to_fix_it_in_archimate(example_report) -> None:  # type: ignore[no-untyped-def]
    """The remedy was said in the vocabulary only ("Add orgm:price ..."): the architect was not
    told which property to set, nor that service targets have no place in the mapping at all.
    The hint says both, and the statement it names for the latter does resolve the finding."""
    from pcfgraph.audit.inputs import archimate_hints

    hints = {(r.rule, r.focus_node.removeprefix(NODE)): r.hint for r in example_report.results}
    price = hints[("ServicePriceShape", "svc-shop")] or ""
    assert price.startswith("Add orgm:price")
    assert price.endswith("In the ArchiMate model: give the business service the property Price.")
    targets = hints[("SLAServiceTargetShape", "sla-retail")] or ""
    assert f"no place for this: state it about <{NODE}sla-retail> in a Turtle file" in targets
    assert "pcfgraph audit fabrikam.xml more.ttl" in targets
    more = f"""@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .
        <{NODE}sla-retail> orgm:serviceTarget
            [ orgm:metric "availability" ; orgm:targetValue 99.5 ; orgm:unit "percent" ] ."""
    both = audit(
        [Upload("fabrikam.xml", EXAMPLE.read_bytes()), Upload("more.ttl", more.encode())],
        context(),
        options=AuditOptions(AS_OF),
    )
    now = {(r.rule, r.focus_node.removeprefix(NODE)) for r in both.results}
    assert now == set(hints) - {("SLAServiceTargetShape", "sla-retail")}
    # a rule renamed would silently lose its ArchiMate remedy: every rule named is applied
    applied = {rule["rule"] for rule in json.loads(example_report.to_json())["rules"]}
    named = set(archimate_hints._HOW) | archimate_hints._NO_PLACE
    assert named <= applied, named - applied


def test_a_contracts_review_period_and_a_processs_owner_are_read() -> None:
    """A review period and a process owner had no place in the mapping: every SLA failed
    SLAReviewPeriodShape and every process ProcessOwnerShape, whatever the architect drew.
    A contract's property Review period and an assignment from a person to a process say them;
    a review period the vocabulary does not know is a finding on the contract, not read."""
    xml = EXAMPLE.read_text(encoding="utf-8")
    sla = '<element identifier="id-sla-retail" xsi:type="Contract">'
    assert xml.count(sla) == 1
    period = '<property propertyDefinitionRef="propid-period"><value>{}</value></property>'
    kind_def = '<propertyDefinition identifier="propid-kind"'
    owner = (
        '<relationship identifier="id-r-eva-slm" source="id-eva" target="id-proc-slm" '
        'xsi:type="Assignment"/>\n  </relationships>'
    )

    def read(value: str) -> tuple[set[tuple[str, str]], list[tuple[str, str | None]]]:
        text = re.sub(
            r'(<element identifier="id-sla-retail" xsi:type="Contract">.*?<properties>)',
            lambda m: m.group(1) + period.format(value),
            xml,
            count=1,
            flags=re.S,
        )
        text = text.replace(
            kind_def,
            '<propertyDefinition identifier="propid-period" type="string"><name xml:lang="en">'
            "Review period</name></propertyDefinition>\n    " + kind_def,
            1,
        ).replace("</relationships>", owner, 1)
        result = read_archimate(text.encode(), "f.xml")
        said = {
            (t.subject.value.removeprefix(NODE), t.predicate.value.rsplit("#", 1)[-1])
            for t in result.triples
            if t.predicate.value.endswith(("#reviewPeriod", "#processOwner"))
        }
        return said, [(f.rule, f.value) for f in result.findings]

    said, findings = read("Quarterly")
    assert said == {("sla-retail", "reviewPeriod"), ("proc-slm", "processOwner")}
    assert findings == []
    said, findings = read("quaterly")
    assert said == {("proc-slm", "processOwner")}
    assert findings == [("audit/model-validity-bad-value", "quaterly")]


def test_an_sla_associated_with_an_ola_is_underpinned_by_it() -> None:
    """An SLA's OLA or underpinning contract had no place in the mapping: every SLA drawn in
    ArchiMate was 'not underpinned' (SLAUnderpinnedShape) whatever the architect drew."""
    ola = (
        '<element identifier="id-ola-ops" xsi:type="Contract"><name xml:lang="en">OLA Ops</name>'
        '<properties><property propertyDefinitionRef="propid-kind"><value>OLA</value></property>'
        "</properties></element>\n  </elements>"
    )
    link = (
        '<relationship identifier="id-r-sla-ola" source="id-sla-retail" target="id-ola-ops" '
        'xsi:type="Association"/>\n  </relationships>'
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace("</elements>", ola, 1)
    text = text.replace("</relationships>", link, 1)
    result = read_archimate(text.encode(), "f.xml")
    underpinned = {
        (t.subject.value.removeprefix(NODE), t.object.value.removeprefix(NODE))
        for t in result.triples
        if t.predicate.value.endswith("#underpinnedBy")
    }
    assert underpinned == {("sla-retail", "ola-ops")}
    assert "id-r-sla-ola" not in {u["identifier"] for u in result.unused or []}


def test_unused_elements_and_relationships_are_listed(example_report) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(example_report.to_json())["notUsedByAudit"]
    assert (doc["elements"], doc["relationships"]) == (1, 1)
    assert {(i["kind"], i["identifier"], i["type"]) for i in doc["items"]} == {
        ("element", "id-web-server", "Node"),
        ("relationship", "id-r-web-shop", "Serving"),
    }
    assert "not used by the audit: 1 elements, 1 relationships" in example_report.to_text()


def test_mapping_reads_roles_processes_and_agreements() -> None:
    result = read_archimate(EXAMPLE.read_bytes(), "fabrikam.xml")
    g = _graph(result.triples)
    q = """
    PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX orgm: <https://w3id.org/pcfgraph/orgmodel#>
    SELECT ?person ?role ?unit WHERE { ?m a org:Membership ; org:member ?person ; org:role ?role ;
        org:organization ?unit }"""
    rows = {
        (str(p).removeprefix(NODE), str(r).rsplit("/", 1)[-1], str(u).removeprefix(NODE))
        for p, r, u in g.query(q)
    }
    assert rows == {
        ("eva", "business-relationship-manager", "team-retail"),
        ("karl", "delivery-manager", "team-retail"),
        ("mia", "service-owner", "team-retail"),
    }
    implements = {
        str(o).rsplit("/", 1)[-1]
        for o in g.objects(
            None, __import__("rdflib").URIRef("https://w3id.org/pcfgraph/orgmodel#implements")
        )
    }
    assert implements == {"20632", "20636", "A24", "20365", "A23"}


def test_invalid_exchange_file_is_refused_with_line_and_column(tmp_path: Path) -> None:
    bad = EXAMPLE.read_text(encoding="utf-8").replace(
        'xsi:type="BusinessService"', 'xsi:type="BusinesService"', 1
    )
    with pytest.raises(InvalidModelFile) as err:
        read_archimate(bad.encode(), "bad.xml")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "BusinesService" in text)
    assert err.value.line == line and err.value.column is not None
    assert err.value.http_status == 422
    assert "not a valid ArchiMate exchange model" in str(err.value)


def test_dtd_and_malformed_xml_are_refused() -> None:
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE model [<!ENTITY x "y">]>\n'
        + EXAMPLE.read_bytes().split(b"\n", 1)[1]
    )
    with pytest.raises(ParseError) as err:
        read_archimate(doctype, "dtd.xml")
    assert err.value.line == 2
    with pytest.raises(ParseError):
        read_archimate(EXAMPLE.read_bytes()[:-20], "cut.xml")


def test_html_report_lists_what_is_not_used(example_report) -> None:  # type: ignore[no-untyped-def]
    from pcfgraph.audit.html import render_html

    html = render_html(example_report)
    assert "<h2>Not used by the audit</h2>" in html
    assert "<code>id-web-server</code>" in html
    assert "id-proc-catalogue" in html


def test_a_model_with_no_organisation_is_told_how_to_mark_one() -> None:
    """Archisurance maps no business actor to the organisation (its structure is drawn, not
    composed): the refusal names its business actors and the Kind property to set."""
    with pytest.raises(ModelError) as refused:
        read_model([Upload("archisurance.xml", (ARCHI / "archisurance.xml").read_bytes())])
    message = str(refused.value)
    # what to add comes first, in ArchiMate's terms (the RDF statement came first, and was
    # all an architect could not use)
    assert message.startswith(
        "archisurance.xml: the model describes no organisation: give the audited "
        "organisation's business actor the property Kind = Organisation"
    ), message
    assert "orgm:Organisation`" not in message
    assert "'HRM'" in message and "and 9 more" in message


def test_convert_accounts_for_what_it_does_not_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "archisurance.ttl"
    source = ARCHI / "archisurance.archimate"
    assert run_main(main, ["convert", str(source), str(out)]) == 0
    err = capsys.readouterr().err
    unused = read_archimate(source.read_bytes(), "a", native=True).unused or []
    assert len(unused) == 87 + 178
    assert "not mapped (not used by the audit): 87 elements (17 BusinessActor," in err
    assert "178 relationships (33 Flow," in err


def _with_entity(declared: str) -> str:
    """The example with a DTD whose external entity is used in a name."""
    body = EXAMPLE.read_text(encoding="utf-8").split("\n", 1)[1]
    return (
        f'<?xml version="1.0" encoding="{declared}"?>\n'
        '<!DOCTYPE model [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n'
        + body.replace(">Eva Lind<", ">&x;<")
    )


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32"])
def test_a_dtd_in_utf16_or_utf32_is_refused_as_in_utf8(codec: str) -> None:
    """The DTD check searched the bytes as sent, where UTF-16 or UTF-32 hides '<!DOCTYPE': lxml
    read the internal subset and the schema validation failed on the entity left unexpanded
    (pcfgraph audit exit 3, POST /validate 500). It is the DTD refusal at its line, on every
    path: the one reader of the edges and read_archimate itself."""
    data = _with_entity("UTF-32" if codec == "utf-32" else "UTF-16").encode(codec)
    with pytest.raises(ParseError) as edges:
        read_model([Upload("entity.xml", data)])
    with pytest.raises(ParseError) as direct:
        read_archimate(data, "entity.xml")
    for refused in (edges.value, direct.value):
        assert "XML with a DTD" in str(refused)
        assert refused.line == 2 and refused.column == 1
        assert refused.http_status == 400


def test_a_declared_charset_is_read_as_for_rdf_xml() -> None:
    """An exchange file in ISO-8859-1 sent with charset=iso-8859-1 (its declaration saying
    UTF-8, as a client's re-encoding leaves it) was refused 'Invalid bytes in character
    encoding': the charset is honoured as for RDF/XML (docs/audit.md, Encodings)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(">Eva Lind<", ">Eva Lïnd<")
    upload = Upload("m.xml", text.encode("latin-1"), "application/xml; charset=iso-8859-1")
    names = {str(t.object) for t in read_model([upload]).triples}
    assert '"Eva Lïnd"' in names


def _archi(*lines: str) -> bytes:
    """An Archi (.archimate) model of the given element lines, one per line from line 3."""
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<archimate:model xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:archimate="http://www.archimatetool.com/archimate" name="M" id="m">',
            *lines,
            "</archimate:model>",
        ]
    ).encode()


ORG = '<element xsi:type="archimate:BusinessActor" name="IT" id="org"/>'
UNIT = '<element xsi:type="archimate:BusinessActor" name="Unit" id="unit"/>'
COMPOSED = (
    '<element xsi:type="archimate:CompositionRelationship" id="r1" source="org" target="unit"/>'
)


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        (
            (ORG, UNIT, ORG.replace("IT", "Finance"), COMPOSED),
            5,
            "identifier 'org' is used twice (first at line 3)",
        ),
        ((ORG, UNIT, COMPOSED, COMPOSED), 6, "identifier 'r1' is used twice (first at line 5)"),
        (
            (ORG, UNIT, COMPOSED.replace('target="unit"', 'target="unti"')),
            5,
            "relationship 'r1': its target 'unti' is no element",
        ),
        (
            (ORG, COMPOSED.replace('source="org"', 'source="id-x"')),
            4,
            "its source 'id-x' is no element",
        ),
    ],
    ids=["element-twice", "relationship-twice", "missing-target", "missing-source"],
)
def test_archi_file_with_duplicate_or_dangling_identifiers_is_refused(
    lines: tuple[str, ...], line: int, message: str
) -> None:
    """Archi's own format has no schema: a second element with one id replaced the first unsaid
    (two business actors audited as one) and a relationship to no element was dropped into
    'not used by the audit', where the exchange format refuses both (xs:ID, keyrefs)."""
    with pytest.raises(InvalidModelFile) as refused:
        read_archimate(_archi(*lines), "m.archimate", native=True)
    assert refused.value.line == line and refused.value.http_status == 422
    assert message in str(refused.value)


def test_archi_relationship_to_a_relationship_is_read() -> None:
    """ArchiMate lets a relationship end on a relationship (an association to a composition)."""
    to_rel = (
        '<element xsi:type="archimate:AssociationRelationship" id="r2" source="unit" target="r1"/>'
    )
    read = read_archimate(_archi(ORG, UNIT, COMPOSED, to_rel), "m.archimate", native=True)
    assert {u["identifier"] for u in read.unused or []} == {"r2"}


def test_archi_identifiers_differing_in_characters_iris_cannot_hold_are_two_nodes() -> None:
    """Archi's ids are any text: 'a b' and 'a_b' were one node (a space became '_'), two
    actors audited as one, unsaid; each id is now its own node."""
    spaced = UNIT.replace('id="unit"', 'id="a b"').replace("Unit", "Spaced")
    under = UNIT.replace('id="unit"', 'id="a_b"').replace("Unit", "Under")
    to_spaced = COMPOSED.replace('target="unit"', 'target="a b"')
    to_under = COMPOSED.replace('target="unit"', 'target="a_b"').replace('id="r1"', 'id="r2"')
    read = read_archimate(
        _archi(ORG, spaced, under, to_spaced, to_under), "m.archimate", native=True
    )
    names = {
        t.object.value: t.subject for t in read.triples if t.object.value in {"Spaced", "Under"}
    }
    assert set(names) == {"Spaced", "Under"} and names["Spaced"] != names["Under"], names


def test_exchange_identifiers_one_with_id_prefix_one_without_are_refused() -> None:
    """'id-eva' and 'eva' are distinct xs:IDs, but one node once 'id-' is dropped: two people
    were merged into one, unsaid."""
    text = EXAMPLE.read_text(encoding="utf-8")
    karl = next(i for i, t in enumerate(text.splitlines(), 1) if 'identifier="id-karl"' in t)
    merged = re.sub(r'(identifier|source|target)="id-karl"', r'\1="eva"', text)
    with pytest.raises(InvalidModelFile) as refused:
        read_archimate(merged.encode(), "m.xml")
    assert refused.value.line == karl and refused.value.http_status == 422
    assert "identifiers 'id-eva' (line" in str(refused.value) and "'eva' name one node" in str(
        refused.value
    )


def test_exchange_identifier_used_twice_is_said_so() -> None:
    """The schema's message for a second element with one identifier was "'id-eva' is not a
    valid value of the atomic type 'xs:ID'", which does not say it is a duplicate."""
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    eva = next(i for i, t in enumerate(lines, 1) if 'identifier="id-eva"' in t)
    karl = next(i for i, t in enumerate(lines, 1) if 'identifier="id-karl"' in t)
    twice = text.replace('identifier="id-karl"', 'identifier="id-eva"')
    twice = re.sub(r'(source|target)="id-karl"', r'\1="id-mia"', twice)
    with pytest.raises(InvalidModelFile) as refused:
        read_archimate(twice.encode(), "m.xml")
    assert refused.value.line == karl and refused.value.http_status == 422
    assert f"identifier 'id-eva' is used twice (first at line {eva})" in str(refused.value)


def _kind_findings(result) -> dict[str, tuple[str | None, str, dict | None]]:  # type: ignore[no-untyped-def,type-arg]
    return {
        r.focus_node.rsplit(":", 1)[-1]: (r.value, r.message, r.location)
        for r in result.findings
        if r.rule == "audit/model-validity-unknown-choice"
    }


def test_an_unknown_kind_is_a_finding_naming_the_element_and_the_known_kinds() -> None:
    """A Kind the mapping does not know was ignored unsaid: a contract of Kind 'Operational
    level agreement' was audited as an SLA, an actor of Kind 'Costumer' placed by position."""
    xml = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace('<value xml:lang="en">SLA</value>', '<value xml:lang="en">OLA agreement</value>')
        .replace(
            '<value xml:lang="en">Customer</value>', '<value xml:lang="en">Costumer</value>', 1
        )
    )
    got = _kind_findings(read_archimate(xml.encode(), "fabrikam.xml"))
    assert set(got) == {"sla-retail", "retail"}
    value, message, location = got["sla-retail"]
    assert value == "OLA agreement"
    assert "not a kind of contract" in message and "Underpinning contract" in message
    assert "it is read as an SLA" in message
    assert location == {
        "file": "fabrikam.xml",
        "element": "id-sla-retail",
        "name": "SLA Retail 2025",
    }
    value, message, _ = got["retail"]
    assert value == "Costumer" and "did you mean 'Customer'?" in message
    hints = {r.hint for r in read_archimate(xml.encode(), "f.xml").findings}
    assert hints == {KIND_HINT} and "drop-down" not in KIND_HINT
    assert not _kind_findings(read_archimate(EXAMPLE.read_bytes(), "fabrikam.xml"))


def _kind_twice(second: str, archi_property: str) -> tuple[bytes, bytes]:
    """The example exchange model with its customer's Kind given a second time as
    ``second``, and an Archi model whose organisation has Kind = Organisation and the
    property ``archi_property`` (its attributes as written)."""
    kind = (
        '<property propertyDefinitionRef="propid-kind"><value xml:lang="en">{}</value></property>'
    )
    customer = kind.format("Customer")
    xml = EXAMPLE.read_text(encoding="utf-8")
    assert customer in xml
    org = ORG.replace(
        "/>", f'><property key="Kind" value="Organisation"/><property {archi_property}/></element>'
    )
    return xml.replace(customer, customer + kind.format(second), 1).encode(), _archi(org)


def test_kind_given_twice_naming_two_kinds_is_a_finding_in_both_formats() -> None:
    """Archi keeps every property added (a copied one too): an actor with Kind = Customer and
    Kind = Supplier was read as a customer unsaid. It is a finding naming both and the one
    read; Kind given twice naming one kind ('Customer', 'customer') is none."""
    two, org = _kind_twice("Supplier", 'key="kind" value="Unit"')
    same, _ = _kind_twice(" customer", 'key="kind" value="Organisation"')
    got = {
        **_kind_findings(read_archimate(two, "fabrikam.xml")),
        **_kind_findings(read_archimate(org, "m.archimate", native=True)),
    }
    assert set(got) == {"retail", "org"}
    value, message, location = got["retail"]
    assert value == "Customer; Supplier" and location and location["element"] == "id-retail"
    assert "'Customer', 'Supplier'" in message and "read as 'Customer'" in message
    value, message, _ = got["org"]
    assert value == "Organisation; Unit" and "read as 'Organisation'" in message
    assert not _kind_findings(read_archimate(same, "fabrikam.xml"))


def test_a_known_kind_beside_a_mistyped_one_is_a_finding() -> None:
    """Kind = Customer and Kind = Costumer on one actor (a copied property edited with a
    typo) was read as a customer and the typo dropped unsaid, where either alone is read
    (Customer) or told (Costumer)."""
    typo, org = _kind_twice("Costumer", 'key="Kind" value="Orga"')
    got = {
        **_kind_findings(read_archimate(typo, "fabrikam.xml")),
        **_kind_findings(read_archimate(org, "m.archimate", native=True)),
    }
    assert set(got) == {"retail", "org"}
    value, message, location = got["retail"]
    assert value == "Customer; Costumer" and location and location["element"] == "id-retail"
    assert "'Costumer' is not a kind of business actor" in message
    assert "did you mean 'Customer'?" in message and "read as 'Customer'" in message
    value, message, _ = got["org"]
    assert value == "Organisation; Orga" and "read as 'Organisation'" in message
    read = read_archimate(typo, "fabrikam.xml")
    customers = {t.subject.value for t in read.triples if t.object.value.endswith("#Customer")}
    assert any(c.endswith(":retail") for c in customers)  # still read as the known kind


def test_archi_property_names_are_read_ignoring_surrounding_spaces() -> None:
    """Archi keeps a property's name as typed: 'Kind ' (a trailing space) was not 'Kind', so the
    organisation was not one and the model was refused as describing none."""
    org = ORG.replace("/>", '><property key="Kind " value="Organisation"/></element>')
    event = (
        '<element xsi:type="archimate:BusinessEvent" name="Review" id="ev">'
        '<property key=" kind" value="followup meeting"/></element>'
    )
    read = read_archimate(_archi(org, event), "m.archimate", native=True)
    typed = {
        (t.subject.value.removeprefix("urn:archimate:m:"), t.object.value) for t in read.triples
    }
    assert ("org", "https://w3id.org/pcfgraph/orgmodel#Organisation") in typed
    value, message, location = _kind_findings(read)["ev"]
    assert value == "followup meeting" and "did you mean 'Follow-up meeting'?" in message
    assert "it is not read as a meeting" in message
    assert location == {"file": "m.archimate", "element": "ev", "name": "Review"}


@pytest.mark.parametrize(
    "typed", ["Maintain IT services catalog", "maintain IT services catalogue; A23"]
)
def test_a_process_name_in_pcf_id_is_one_finding_telling_the_code(typed: str) -> None:
    """A PCF ID holding the process's name was split at its spaces into four unknown codes
    ('Maintain', 'IT', 'services', 'catalog'), none with a suggestion; the spreadsheet's
    Implements column is told the code (b810d76), and so is the ArchiMate property now."""
    xml = EXAMPLE.read_text(encoding="utf-8").replace(
        '<value xml:lang="en">20365</value>', f'<value xml:lang="en">{typed}</value>'
    )
    report = audit([Upload("fabrikam.xml", xml.encode())], context(), options=AuditOptions(AS_OF))
    unknown = [r for r in report.results if r.rule == "audit/model-validity-unknown-term"]
    assert len(unknown) == 1, [r.message for r in unknown]
    assert unknown[0].location == {
        "file": "fabrikam.xml",
        "element": "id-proc-catalogue",
        "name": "Service catalogue management",
    }
    assert "did you mean 20635 (Maintain IT services catalog)" in unknown[0].message
