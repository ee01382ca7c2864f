"""``/id/...`` as a linked-data client sees it: content negotiation (and every 406),
conditional requests, caching headers, download names and the vocabularies' IRIs, on a live
server over the SPARQL endpoint's fixture (and one over the shipped release)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import unescape
from typing import Any

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import OWL
from sparql_support import endpoint_settings, fixture_release, live_server

from pcfgraph import iris
from pcfgraph.release import Release

A1 = "/id/alpha/A1"
GRAPH = "/id/graph/framework/alpha"


@pytest.fixture(scope="module")
def release() -> Release:
    return fixture_release()


@pytest.fixture(scope="module")
def client(release: Release) -> Iterator[httpx.Client]:
    with (
        live_server(endpoint_settings(query_workers=1), release) as (url, _app),
        httpx.Client(base_url=url, timeout=30) as c,
    ):
        yield c


def vary(r: httpx.Response) -> set[str]:
    return {v.strip() for v in r.headers.get("vary", "").split(",")}


def graph_of(r: httpx.Response, fmt: str) -> rdflib.Graph:
    assert r.status_code == 200, r.text
    return rdflib.Graph().parse(data=r.content, format=fmt)


@pytest.mark.parametrize("path", [A1, GRAPH])
def test_json_asked_of_a_graph_resource_is_json_ld(client: httpx.Client, path: str) -> None:
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert "Accept" in vary(r)
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert isomorphic(graph_of(r, "json-ld"), graph_of(turtle, "turtle"))
    assert len(graph_of(turtle, "turtle")) > 0


@pytest.mark.parametrize("path", [A1, GRAPH])
@pytest.mark.parametrize("xml", ["application/xml", "text/xml"])
def test_xml_asked_of_a_graph_resource_is_rdf_xml(
    client: httpx.Client, path: str, xml: str
) -> None:
    """Linked-data clients that send Accept: application/xml (RDF/XML is XML, as JSON-LD is
    JSON) got 406; they get RDF/XML, the same graph as Turtle, and a browser's header (XML at
    q=0.9) still gets the page."""
    r = client.get(path, headers={"Accept": xml})
    assert r.headers["content-type"].startswith("application/rdf+xml") and "Accept" in vary(r)
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert isomorphic(graph_of(r, "xml"), graph_of(turtle, "turtle"))
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert (
        client.get(path, headers={"Accept": browser})
        .headers["content-type"]
        .startswith("text/html")
    )


def test_the_uri_space_itself_is_303_to_the_dataset(client: httpx.Client) -> None:
    """/id/ (the VoID uriSpace of every resource) was 404: it is 303 See Other to the dataset's
    VoID description for an RDF client, to the home page for a browser, varying by Accept;
    /id reaches it by the trailing-slash redirect."""
    for accept in (None, "text/turtle", "*/*", "application/rdf+xml"):
        headers = {"Accept": accept} if accept else {}
        r = client.get("/id/", headers=headers)
        assert r.status_code == 303 and r.headers["location"] == "/.well-known/void", accept
        assert "Accept" in vary(r)
    void = client.get("/id/", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert void.status_code == 200 and void.headers["content-type"].startswith("text/turtle")
    assert iris.ID_BASE in void.text  # its void:uriSpace
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = client.get("/id/", headers=browser)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/id", headers=browser, follow_redirects=True).url.path == "/"


@pytest.mark.parametrize(("path", "accept"), [(A1, "text/turtle"), (GRAPH, "text/html")])
def test_a_clients_copy_is_revalidated_by_its_date_too(
    client: httpx.Client, release: Release, path: str, accept: str
) -> None:
    """/id answers said no Last-Modified. They carry the release's build time; a copy of that
    date (If-Modified-Since, no If-None-Match) is 304 with the same validators, If-None-Match
    wins when both are sent, another date is a 200, and an unknown IRI stays 404."""
    headers = {"Accept": accept}
    first = client.get(path, headers=headers)
    modified = first.headers["last-modified"]
    built = datetime.fromisoformat(release.manifest["created"])
    assert parsedate_to_datetime(modified) == built
    for method in ("GET", "HEAD"):
        r = client.request(method, path, headers={**headers, "If-Modified-Since": modified})
        assert r.status_code == 304 and r.content == b"", method
        assert r.headers["last-modified"] == modified and r.headers["etag"] == first.headers["etag"]
    later = format_datetime(built + timedelta(hours=1), usegmt=True)
    assert client.get(path, headers={**headers, "If-Modified-Since": later}).status_code == 200
    both = {**headers, "If-Modified-Since": modified, "If-None-Match": '"stale"'}
    assert client.get(path, headers=both).status_code == 200
    gone = client.get("/id/alpha/NOPE", headers={**headers, "If-Modified-Since": modified})
    assert gone.status_code == 404 and "last-modified" not in gone.headers


@pytest.mark.parametrize(
    ("path", "accept"),
    [(A1, "text/turtle"), (A1, "text/html"), (GRAPH, "application/n-triples")],
)
def test_a_clients_copy_is_revalidated_with_a_strong_etag(
    client: httpx.Client, path: str, accept: str
) -> None:
    # strong for a client that takes the bytes as they are (gzip: weak, test_http_compression)
    plain = {"Accept-Encoding": "identity"}
    first = client.get(path, headers={**plain, "Accept": accept})
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: the same bytes every time
    assert "max-age=" in first.headers["cache-control"]
    again = client.get(path, headers={**plain, "Accept": accept})
    assert again.headers["etag"] == etag and again.content == first.content
    for given in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        for method in ("GET", "HEAD"):
            r = client.request(
                method, path, headers={**plain, "Accept": accept, "If-None-Match": given}
            )
            assert r.status_code == 304, (method, given)
            assert r.content == b""
            assert r.headers["etag"] == etag and "Accept" in vary(r)
            assert r.headers["cache-control"] == first.headers["cache-control"]
    # another representation is another tag: the client's copy of this one is not it
    other = client.get(
        path, headers={**plain, "Accept": "application/ld+json", "If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag
    stale = client.get(path, headers={**plain, "Accept": accept, "If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content


@pytest.mark.parametrize(("path", "accept"), [(GRAPH, "application/n-triples"), (A1, "text/html")])
def test_a_clients_copy_asked_about_again_is_answered_without_making_it(
    client: httpx.Client, release: Release, path: str, accept: str
) -> None:
    first = client.get(path, headers={"Accept": accept})
    etag = first.headers["etag"]
    made = release.store.query_count
    r = client.get(path, headers={"Accept": accept, "If-None-Match": etag})
    assert r.status_code == 304 and r.headers["etag"] == etag
    assert r.headers["cache-control"] == first.headers["cache-control"]
    assert r.headers["link"] == first.headers["link"] and "Accept" in vary(r)
    assert release.store.query_count == made  # the store was not asked
    stale = client.get(path, headers={"Accept": accept, "If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content
    assert release.store.query_count > made


@pytest.mark.parametrize("vocabulary", [iris.ONTOLOGY_IRI, iris.ORG_ONTOLOGY_IRI])
def test_a_vocabulary_iri_dereferences_to_the_graph_defining_its_terms(
    client: httpx.Client, vocabulary: str
) -> None:
    # what a client does with pcfg:PRMITCategory: ask for the document before the '#'
    path = "/" + vocabulary.removeprefix(iris.BASE)
    for method in ("GET", "HEAD"):
        r = client.request(method, path, headers={"Accept": "text/turtle"})
        assert r.status_code == 303, r.text
        assert r.headers["location"] == "/id/graph/ontology"
    assert client.get(path + "?format=nt").headers["location"] == "/id/graph/ontology?format=nt"
    followed = client.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
    term = rdflib.URIRef(iris.ONTOLOGY_IRI + "#PRMITCategory")
    assert (term, rdflib.RDFS.label, None) in graph_of(followed, "turtle")
    page = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def shipped(shipped_release: Any) -> Iterator[httpx.Client]:
    with (
        live_server(endpoint_settings(query_workers=1), shipped_release) as (url, _app),
        httpx.Client(base_url=url, timeout=60) as c,
    ):
        yield c


def test_every_vocabulary_term_of_the_shipped_data_dereferences(
    shipped: httpx.Client, shipped_release: Any
) -> None:
    rows = shipped_release.store.store.query(
        "SELECT DISTINCT ?t WHERE { GRAPH ?g { { ?t ?p ?o } UNION { ?s ?t ?o } "
        "UNION { ?s ?p ?t } } FILTER(isIRI(?t)) }"
    )
    own = (iris.ONTOLOGY_IRI, iris.ORG_ONTOLOGY_IRI)
    terms = {r["t"].value for r in rows if r["t"].value.startswith(own)}  # type: ignore[index,union-attr]
    documents: dict[str, rdflib.Graph] = {}
    for term in sorted(terms):
        document = term.split("#", 1)[0]  # what a client asks for
        if document not in documents:
            r = shipped.get(
                document.removeprefix(iris.BASE.removesuffix("/")),
                follow_redirects=True,
                headers={"Accept": "text/turtle"},
            )
            documents[document] = graph_of(r, "turtle")
        found = documents[document]
        if "#" in term:  # a term: described there
            assert (rdflib.URIRef(term), None, None) in found, term
        else:  # the vocabulary, or its owl:versionIRI: the document is that vocabulary's
            vocabulary = term.removeprefix(iris.BASE).split("/")[0]
            assert (rdflib.URIRef(iris.BASE + vocabulary), OWL.versionIRI, None) in found
    assert len(terms) > 100 and len(documents) == 4  # two vocabularies, two version IRIs


def test_another_version_of_a_vocabulary_is_not_found(shipped: httpx.Client) -> None:
    for path in ("/ontology/0.0.1", "/orgmodel/9", "/ontology/%3Cx%3E"):
        r = shipped.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("ttl", "alpha.ttl"),
        ("nt", "alpha.nt"),
        ("jsonld", "alpha.jsonld"),
        ("rdfxml", "alpha.rdf"),
        ("trig", "alpha.trig"),
        ("nq", "alpha.nq"),
    ],
)
def test_a_graph_download_is_saved_under_the_name_its_page_gives_it(
    client: httpx.Client, fmt: str, name: str
) -> None:
    r = client.get(GRAPH, params={"format": fmt})
    assert r.headers["content-disposition"] == f'inline; filename="{name}"'
    page = client.get(GRAPH, headers={"Accept": "text/html"}).text
    assert f'href="{GRAPH}?format={fmt}" download="{name}"' in page
    # a resource's description is not a download
    assert "content-disposition" not in client.get(A1, params={"format": fmt}).headers


@pytest.mark.parametrize(
    ("fmt", "media", "parser"),
    [("trig", "application/trig", "trig"), ("nq", "application/n-quads", "nquads")],
)
def test_a_named_graph_is_offered_as_a_dataset_that_keeps_its_name(
    client: httpx.Client, fmt: str, media: str, parser: str
) -> None:
    # a graph's download as triples loses its name: a quad store it is loaded into put it in
    # its default graph, and the user had to name it again
    name = iris.ID_BASE + GRAPH.removeprefix("/id/")
    triples = graph_of(client.get(GRAPH, params={"format": "nt"}), "nt")
    for r in (
        client.get(GRAPH, params={"format": fmt}),
        client.get(GRAPH, headers={"Accept": media}),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
        dataset = rdflib.Dataset()
        dataset.parse(data=r.content, format=parser)
        named = [g for g in dataset.graphs() if len(g)]
        assert [str(g.identifier) for g in named] == [name]
        assert isomorphic(named[0], triples)
    # a resource's description is one graph, of no name: asked as a dataset, it is refused
    r = client.get(A1, params={"format": fmt})
    assert r.status_code == 400 and "named graph" in r.json()["detail"], r.text
    assert client.get(A1, headers={"Accept": media}).status_code == 406
    assert client.get("/id/graph/nothing", params={"format": fmt}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", A1, None),
        ("GET", GRAPH, None),
        ("GET", "/sparql?query=ASK%20%7B%7D", None),
        ("GET", "/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D", None),
        ("GET", "/sparql", None),  # the service description
        ("POST", "/sparql", {"query": "ASK {}"}),
        ("GET", "/queries/api/element-by-code?framework=alpha&code=A1", None),
    ],
)
def test_every_406_says_it_varies_by_accept(
    client: httpx.Client, method: str, path: str, data: dict[str, str] | None
) -> None:
    # a cache keeping a 406 for one Accept header must not give it to a client asking for
    # another (RFC 9110 12.5.5): the 406 varies as the answer would
    r = client.request(method, path, data=data, headers={"Accept": "application/x-unknown"})
    assert r.status_code == 406 and r.headers["content-type"] == "application/problem+json"
    assert "Accept" in vary(r), r.headers
    assert "available:" in r.json()["detail"]


def test_an_iri_that_is_not_minted_is_404_named_as_sent_and_a_malformed_path_400(
    client: httpx.Client,
) -> None:
    # A%20B is a well-formed request for an IRI nothing is minted as: 404, not 400
    r = client.get("/id/alpha/A%20B", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and "Accept" in vary(r)
    assert r.json()["detail"] == f"nothing is known about <{iris.ID_BASE}alpha/A%20B>"
    # a '%' starting no escape makes the request's URI itself malformed: 400 saying so
    for path in ("/id/alpha/%", "/id/alpha/A%2", "/id/alpha/%zz"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 400, (path, r.text)
        assert "'%' not followed by two hexadecimal digits" in r.json()["detail"]
    assert client.get("/id/alpha/%41%31", headers={"Accept": "text/turtle"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/id/framework/prm-it",
        "/id/framework/it-cmf",
        "/id/framework/trim",
        "/id/framework/apqc-pcf-cross-industry-7.4",
        "/id/prm-it/A24",
    ],
)
def test_a_description_states_each_triple_once(shipped: httpx.Client, path: str) -> None:
    # a scheme's rights statement (a blank node it points to) was built by two branches of
    # the describe query and its label written twice: N-Triples lines a client counts, and
    # a Turtle object list naming one literal twice
    r = shipped.get(path, headers={"Accept": "application/n-triples"})
    lines = [line for line in r.text.splitlines() if line.strip()]
    assert lines and len(lines) == len(set(lines)), r.text
    assert len(graph_of(r, "nt")) == len(lines)


@pytest.mark.parametrize(
    "path",
    [
        "/id/apqc-pcf/element/20635",  # the element across editions: the names of its versions
        "/id/apqc-pcf/cross-industry/7.4/10002/change/1",  # a change APQC records
        "/id/apqc-pcf/cross-industry/7.4/20635",
    ],
)
def test_what_is_derived_from_the_pcf_carries_apqcs_notice(
    shipped: httpx.Client, path: str
) -> None:
    # The element across editions showed the code and name of each version (APQC's text)
    # and a change record APQC's change, with no notice: only an edition's elements led to it.
    r = shipped.get(path, headers={"Accept": "text/turtle"})
    graph = graph_of(r, "turtle")
    found = graph.query(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX pcfg: <https://w3id.org/pcfgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label WHERE {
          ?resource (dcterms:hasVersion|^pcfg:change)?/skos:inScheme/dcterms:rights ?notice .
          ?notice rdfs:label ?label
        }""",
        initBindings={"resource": rdflib.URIRef(iris.ID_BASE + path.removeprefix("/id/"))},
    )
    assert any("©2024 APQC. ALL RIGHTS RESERVED" in str(row[0]) for row in found), r.text  # type: ignore[index]


RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


@pytest.mark.parametrize(
    "page",
    [
        "/id/apqc-pcf/cross-industry/7.4/20635",  # an element
        "/id/framework/prm-it",  # any other resource
        "/id/graph/framework/prm-it",  # a named graph
        "/frameworks/prm-it",  # a framework's tree
    ],
)
def test_a_page_names_its_data_in_every_rdf_format(shipped: httpx.Client, page: str) -> None:
    # a crawler reading the HTML finds the data there (<link rel="alternate">): pages named
    # Turtle and JSON-LD only, and a graph's page none at all
    html = shipped.get(page, headers={"Accept": "text/html"}).text
    found = dict(re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)">', html))
    datasets = {m: found.pop(m, None) for m in ("application/trig", "application/n-quads")}
    assert set(found) == set(RDF_FORMATS), found
    if page.startswith("/id/graph/"):  # a named graph also as a dataset (its name kept)
        assert None not in datasets.values(), datasets
    else:
        assert set(datasets.values()) == {None}, datasets
    graphs = []
    for media, href in found.items():
        r = shipped.get(unescape(href))
        assert r.headers["content-type"].startswith(media), (href, r.headers["content-type"])
        graphs.append(graph_of(r, RDF_FORMATS[media]))
    assert len(graphs[0]) > 0 and all(isomorphic(graphs[0], g) for g in graphs[1:])
