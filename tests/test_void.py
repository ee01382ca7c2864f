"""``/.well-known/void``: the dataset's VoID description, as a linked-data tool discovering the
dataset from its host reads it: every named graph a subset whose triple count is what its
dump holds, the vocabularies its dumps use, each framework's licence and notice, the
endpoint that answers, in every RDF format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID

from pcfgraph import iris
from pcfgraph.config import Settings
from pcfgraph.serving import create_app

DOCUMENT = "http://testserver/.well-known/void"


@pytest.fixture(scope="module")
def client(shipped_release: Any) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(query_workers=1), shipped_release)) as c:
        yield c


@pytest.fixture(scope="module")
def void(client: TestClient) -> rdflib.Graph:
    r = client.get("/.well-known/void")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "Accept" in r.headers["vary"]
    return rdflib.Graph().parse(data=r.content, format="turtle")


def test_every_named_graph_is_a_subset_as_big_as_its_dump(
    client: TestClient, void: rdflib.Graph, shipped_release: Any
) -> None:
    dataset = rdflib.URIRef(DOCUMENT + "#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    subsets = set(void.objects(dataset, VOID.subset))
    assert {str(s) for s in subsets} == set(shipped_release.store.graph_names())
    vocabularies = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
    for subset in subsets:
        dump = void.value(subset, VOID.dataDump)
        assert dump is not None, subset
        r = client.get(str(dump).removeprefix("http://testserver"))
        assert r.status_code == 200 and r.headers["content-type"].startswith(
            "application/n-triples"
        )
        triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
        assert void.value(subset, VOID.triples).toPython() == len(triples), subset  # type: ignore[union-attr]
        used = {str(v) for v in void.objects(subset, VOID.vocabulary)}
        for t in triples:  # every predicate's vocabulary is named, for the graph and overall
            p = t.predicate.value
            assert any(p.startswith(v) for v in used), (subset, p)
            assert any(p.startswith(v) for v in vocabularies), p
    assert str(iris.PCFG) in vocabularies and str(iris.SKOS) in vocabularies


def test_the_endpoint_named_answers_and_the_uri_space_dereferences(
    client: TestClient, void: rdflib.Graph
) -> None:
    dataset = rdflib.URIRef(DOCUMENT + "#dataset")
    endpoint = str(void.value(dataset, VOID.sparqlEndpoint))
    r = client.get(endpoint.removeprefix("http://testserver"), params={"query": "ASK {}"})
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert str(void.value(dataset, VOID.uriSpace)) == iris.ID_BASE
    for root in void.objects(dataset, VOID.rootResource):  # the framework editions
        assert str(root).startswith(iris.ID_BASE)
        page = client.get(iris.id_path(str(root)) or "", headers={"Accept": "text/turtle"})
        assert page.status_code == 200, root


def test_each_framework_graph_states_the_licence_and_notice_its_copies_keep(
    void: rdflib.Graph, shipped_release: Any
) -> None:
    store = shipped_release.store.store

    def stated(subject: str, predicate: rdflib.URIRef) -> set[str]:
        quads = store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(str(predicate)), None)
        return {q.object.value for q in quads}

    apqc = rdflib.URIRef(str(iris.framework_graph("apqc-pcf-cross-industry-7.4")))
    scheme = str(iris.framework("apqc-pcf-cross-industry-7.4"))
    assert {str(void.value(apqc, DCTERMS.license))} == stated(scheme, DCTERMS.license)
    # the notice the workbook states itself (what its source file's dcterms:rights names),
    # with its text, as /licences cites it
    notice = void.value(apqc, DCTERMS.rights)
    (source,) = stated(scheme, PROV.wasDerivedFrom)
    assert {str(notice)} == stated(source, DCTERMS.rights)
    assert {str(notice)} == {str(iris.framework_source_notice("apqc-pcf-cross-industry-7.4"))}
    (label,) = void.objects(notice, RDFS.label)
    assert {str(label)} == stated(str(notice), RDFS.label)
    for framework in ("prm-it", "it-cmf", "trim"):  # a rights text, no licence granted
        graph = rdflib.URIRef(str(iris.framework_graph(framework)))
        assert "no licence" in str(void.value(graph, DCTERMS.rights)), framework
    mappings = rdflib.URIRef(str(iris.mapping_set_graph("pcf-8.1-to-prm-it-a2")))
    assert void.value(mappings, DCTERMS.license) is not None
    # and the notice of the PCF names its rows quote, which the set states (its CC BY
    # licence covers the curation only): it was left out
    mapping_set = str(iris.mapping_set("pcf-8.1-to-prm-it-a2"))
    rights = stated(mapping_set, DCTERMS.rights)
    assert rights == {str(iris.apqc_notice())}
    assert {str(o) for o in void.objects(mappings, DCTERMS.rights)} == rights
    assert {str(o) for o in void.objects(iris.apqc_notice(), RDFS.label)} == stated(
        str(iris.apqc_notice()), RDFS.label
    )


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_every_rdf_format_says_the_same(
    client: TestClient, void: rdflib.Graph, accept: str, fmt: str
) -> None:
    r = client.get("/.well-known/void", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert isomorphic(rdflib.Graph().parse(data=r.content, format=fmt), void)


def test_an_unknown_type_is_406_and_head_is_answered(client: TestClient) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.headers["content-type"] == "application/problem+json"
    assert "available:" in r.json()["detail"]
    assert client.head("/.well-known/void").status_code == 200


def test_the_description_has_an_etag_and_a_clients_copy_is_304(client: TestClient) -> None:
    """It was made again at every request (a scan of every statement, ~0.2 s) with no ETag,
    so a linked-data crawler fetched it whole each time; a release never changes while
    served, so it now carries a strong ETag per format and If-None-Match gets 304."""
    headers = {"Accept": "text/turtle", "Accept-Encoding": "identity"}
    first = client.get("/.well-known/void", headers=headers)
    again = client.get("/.well-known/void", headers=headers)
    assert first.status_code == again.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and again.headers["etag"] == tag and again.content == first.content
    assert "Accept" in first.headers["vary"] and 'rel="license"' in first.headers["link"]
    kept = client.get("/.well-known/void", headers={**headers, "If-None-Match": tag})
    assert kept.status_code == 304 and kept.headers["etag"] == tag and not kept.content
    other = client.get(
        "/.well-known/void",
        headers={"Accept": "application/n-triples", "Accept-Encoding": "identity",
                 "If-None-Match": tag},
    )  # fmt: skip
    assert other.status_code == 200 and other.headers["etag"] != tag


def test_with_public_url_every_url_is_under_it_whatever_host_is_sent(
    shipped_release: Any,
) -> None:
    """Behind a reverse proxy (``https://kb.example.org/pcf/``) the description's URLs were the
    request's ``Host`` and scheme: nginx's ``127.0.0.1:8000`` over http, or a forged name.
    With ``public_url`` the endpoint, dumps and licences are under it, whatever is sent."""
    public = "https://kb.example.org/pcf"
    settings = Settings(query_workers=1, root_path="/pcf", public_url="https://kb.example.org")
    with TestClient(create_app(settings, shipped_release)) as client:
        for host in ("evil.example", "127.0.0.1:8000"):
            r = client.get("/.well-known/void", headers={"Host": host})
            assert r.status_code == 200, r.text
            assert host not in r.text
            void = rdflib.Graph().parse(data=r.content, format="turtle")
            dataset = rdflib.URIRef(public + "/.well-known/void#dataset")
            assert void.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(public + "/sparql")
            dumps = {str(d) for d in void.objects(None, VOID.dataDump)}
            assert dumps and all(d.startswith(public + "/id/graph/") for d in dumps)
            urls = {str(u) for t in void for u in t if isinstance(u, rdflib.URIRef)}
            ours = {u for u in urls if "kb.example.org" in u}
            assert ours >= {public + "/sparql", public + "/licences"}
            assert all(u.startswith(public + "/") for u in ours)
