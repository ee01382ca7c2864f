"""The rules at their IRIs (``/shapes``, ``/shapes/{rule}``): every rule a report names
resolves, its RDF is the shape as shipped, the same bytes from any process, content
negotiation, conditional requests and errors as for ``/id``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, SH
from sparql_support import fixture_release

from pcfgraph import iris
from pcfgraph.audit.findings import IGNORED_RULE
from pcfgraph.audit.inputs.model import MODEL_RULES
from pcfgraph.audit.ruleset import RuleSet
from pcfgraph.config import Settings
from pcfgraph.resources import resource_dir
from pcfgraph.rules.model import Rule
from pcfgraph.rules.ruleset import RuleSet as CoreRuleSet
from pcfgraph.services.rules import RuleCatalogue
from pcfgraph.serving import create_app
from pcfgraph.sparql_results import serialize_triples
from pcfgraph.validation import framework_rules

LICENCE = iris.SHAPES_BASE + "FrameworkLicenceShape"  # sh:or of two blank-node shapes
BRM = iris.SHAPES_BASE + "CustomerTeamBusinessRelationshipManagerShape"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield TestClient(create_app(Settings(), fixture_release()))


@pytest.fixture(scope="module")
def shipped() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(resource_dir("shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def rules() -> dict[str, Rule]:
    """Every rule a report may name by an IRI (the audit's, its rules written in code, and the
    framework graph's)."""
    written_in_code = {r.iri: r for r in (*MODEL_RULES.values(), IGNORED_RULE)}
    found = {**RuleSet.load().rules, **framework_rules().rules, **written_in_code}
    return {iri: r for iri, r in found.items() if iri.startswith(iris.SHAPES_BASE)}


def turtle(client: TestClient, path: str) -> rdflib.Graph:
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    return rdflib.Graph().parse(data=r.content, format="turtle")


def bounded(graph: rdflib.Graph, node: rdflib.term.Node) -> rdflib.Graph:
    """``node``'s statements closed over blank nodes (the test's own reading of the shapes)."""
    out = rdflib.Graph()
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for s, p, o in graph.triples((n, None, None)):
            out.add((s, p, o))
            if isinstance(o, rdflib.BNode):
                todo.append(o)
            elif p == SH.group:
                out += graph.triples((o, RDFS.label, None))
    return out


def test_every_rule_a_report_can_name_resolves_to_its_shape(
    client: TestClient, rules: dict[str, Rule]
) -> None:
    assert len(rules) > 90
    for iri, rule in rules.items():
        path = iris.page_path(iri)
        assert path == "/shapes/" + iri.removeprefix(iris.SHAPES_BASE)
        graph = turtle(client, path)
        shape = rdflib.URIRef(iri)
        assert (shape, SH.severity, SH[rule.severity]) in graph, iri
        assert {str(m) for m in graph.objects(shape, SH.message)} == {rule.message}, iri


@pytest.mark.parametrize("iri", [LICENCE, BRM])
def test_a_rule_is_its_shape_as_shipped_blank_nodes_included(
    client: TestClient, shipped: rdflib.Graph, iri: str
) -> None:
    got = turtle(client, iris.page_path(iri) or "")
    assert isomorphic(got, bounded(shipped, rdflib.URIRef(iri)))


def test_the_same_rule_is_the_same_bytes_from_any_process() -> None:
    # blank node labels are random per parse: two catalogues read apart label them alike
    shapes = [resource_dir("shapes") / "framework.ttl"]
    first, second = (RuleCatalogue.build(*[CoreRuleSet.build(shapes, [])] * 2) for _ in range(2))
    for media in ("application/n-triples", "application/ld+json", "text/turtle"):
        a = serialize_triples(first.get(LICENCE).triples, media)
        b = serialize_triples(second.get(LICENCE).triples, media)
        assert a == b
        assert b"_:" in serialize_triples(first.get(LICENCE).triples, "application/n-triples")


def test_the_rule_page_says_what_explain_says(client: TestClient, rules: dict[str, Rule]) -> None:
    rule = rules[iris.SHAPES_BASE + "checks/orgmodel/customer-agreement-in-force"]
    r = client.get(
        "/shapes/checks/orgmodel/customer-agreement-in-force", headers={"Accept": "text/html"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    page = r.text
    assert f"<h1>{rule.name} " in page
    assert rule.message in page
    assert '<a href="/id/trim/function/customer-management">' in page
    assert "A minimal model that breaks it" in page
    assert "sh:SPARQLConstraint" in page  # the check as SHACL-SPARQL, as shipped


def test_html_is_escaped(client: TestClient) -> None:
    # every rule's example holds IRIs in <...>: shown as text, never as markup
    r = client.get("/shapes/CustomerTeamServesShape", headers={"Accept": "text/html"})
    assert "&lt;https://example.org/minimal/x&gt;" in r.text
    assert "<https://example.org/minimal/x>" not in r.text


def test_the_index_lists_every_rule_as_json_html_and_shacl(
    client: TestClient, rules: dict[str, Rule]
) -> None:
    r = client.get("/shapes", headers={"Accept": "application/json"})
    assert r.status_code == 200
    listed = {e["iri"]: e for e in r.json()["rules"]}
    assert set(listed) == set(rules)
    brm = listed[BRM]
    assert brm["page"] == iris.page_path(BRM)
    assert brm["severity"] == "Violation"
    assert brm["checks"].startswith("organisational models")
    html = client.get("/shapes", headers={"Accept": "text/html"}).text
    assert all(f'href="{e["page"]}"' in html for e in listed.values())
    graph = turtle(client, "/shapes")
    assert set(graph.subjects(SH.message, None)) >= {rdflib.URIRef(i) for i in listed}


def test_json_asked_of_a_rule_is_json_ld(client: TestClient) -> None:
    r = client.get("/shapes/CustomerTeamServesShape", headers={"Accept": "application/json"})
    assert r.headers["content-type"] == "application/ld+json; charset=utf-8"
    graph = rdflib.Graph().parse(data=r.content, format="json-ld")
    assert (rdflib.URIRef(iris.SHAPES_BASE + "CustomerTeamServesShape"), SH.path, None) in graph


def test_format_overrides_accept_and_a_bad_one_is_named(client: TestClient) -> None:
    r = client.get("/shapes/CustomerTeamServesShape?format=nt", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("application/n-triples")
    r = client.get("/shapes/CustomerTeamServesShape?format=json")
    assert r.status_code == 400
    assert "'json'" in r.json()["detail"] and "jsonld" in r.json()["detail"]
    r = client.get("/shapes?format=json")
    assert r.headers["content-type"].startswith("application/json")


def test_conditional_requests_and_caching(client: TestClient) -> None:
    first = client.get("/shapes/CustomerTeamServesShape", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    assert first.headers["link"] == f'<{iris.SHAPES_BASE}CustomerTeamServesShape>; rel="canonical"'
    again = client.get(
        "/shapes/CustomerTeamServesShape",
        headers={"Accept": "text/turtle", "If-None-Match": etag},
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = client.get(
        "/shapes/CustomerTeamServesShape",
        headers={"Accept": "application/n-triples", "If-None-Match": etag},
    )
    assert other.status_code == 200  # another representation, another tag


def test_unknown_rule_and_unacceptable_type(client: TestClient) -> None:
    r = client.get("/shapes/NoSuchShape")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "NoSuchShape" in r.json()["detail"] and "/shapes" in r.json()["detail"]
    assert "Accept" in r.headers["vary"]
    page = client.get("/shapes/NoSuchShape", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    r = client.get("/shapes/CustomerTeamServesShape", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.json()["detail"]


def test_openapi_documents_the_rule_routes(client: TestClient) -> None:
    paths = json.loads(client.get("/openapi.json").content)["paths"]
    assert {"/shapes", "/shapes/{name}"} <= set(paths)


def test_a_report_section_lists_its_rules(client: TestClient, rules: dict[str, Rule]) -> None:
    group = iris.SHAPES_BASE + "TrimRolesGroup"  # a finding's section (sh:group)
    members = {iri for iri, r in rules.items() if r.group == group}
    model = iris.SHAPES_BASE + "ModelValidityGroup"  # the rules written in code are in it
    validity = turtle(client, "/shapes/ModelValidityGroup")
    assert {str(s) for s in validity.subjects(SH.group, rdflib.URIRef(model))} >= {
        r.iri for r in MODEL_RULES.values()
    }
    graph = turtle(client, "/shapes/TrimRolesGroup")
    assert (
        rdflib.URIRef(group),
        RDFS.label,
        rdflib.Literal("TRIM roles and documents", lang="en"),
    ) in graph
    assert {str(s) for s in graph.subjects(SH.group, rdflib.URIRef(group))} == members
    page = client.get("/shapes/TrimRolesGroup", headers={"Accept": "text/html"}).text
    assert all(f'href="{iris.page_path(iri)}"' in page for iri in members)
    rule = client.get("/shapes/CustomerTeamServesShape", headers={"Accept": "text/html"}).text
    assert '<a href="/shapes/TrimRolesGroup">TRIM roles and documents</a>' in rule


def test_the_index_as_shacl_is_a_shapes_graph_another_engine_runs(client: TestClient) -> None:
    # Each rule's description labels its blank nodes on its own (_:c14n0 ...): merged as they
    # were, every rule's first blank node was one node, a property shape with a dozen
    # sh:path values that pySHACL refuses to load ("more than one 'sh:path'").
    import pyshacl

    index = turtle(client, "/shapes")
    for iri in (LICENCE, BRM):
        assert isomorphic(
            bounded(index, rdflib.URIRef(iri)), turtle(client, iris.page_path(iri) or "")
        )
    rule = iris.SHAPES_BASE + "ServicePriceShape"
    model = rdflib.Graph().parse(resource_dir("shapes") / "examples" / "ServicePriceShape.ttl")
    conforms, report, _ = pyshacl.validate(
        model, shacl_graph=index, inference="none", advanced=True
    )
    assert not conforms
    assert rdflib.URIRef(rule) in set(report.objects(None, SH.sourceShape))


def test_a_browser_with_a_bad_format_gets_the_error_page(client: TestClient) -> None:
    """/shapes?format=bogus answered a browser with problem+json where the rule pages are
    HTML pages: it gets the workbench's error page, 400, naming what format takes; API
    clients keep problem+json, either with Vary: Accept."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("/shapes", "/shapes/AgreementPartyShape"):
        page = client.get(path, params={"format": "bogus"}, headers=browser)
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
        assert "format must be one of" in page.text and "accept" in page.headers["vary"].lower()
        api = client.get(path, params={"format": "bogus"})
        assert api.status_code == 400
        assert api.headers["content-type"] == "application/problem+json"
