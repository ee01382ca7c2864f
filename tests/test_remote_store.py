"""The remote store against the real Oxigraph server on loopback: the same golden queries
give the same answers as the embedded store; push loads a release graph by graph."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from oxigraph_support import oxigraph_server
from sparql_support import endpoint_settings, fixture_release, live_server

from pcfgraph import iris
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InputError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import load_release, write_release
from pcfgraph.remote_store import RemoteStore, bind_text, gsp_url_for, push_release
from pcfgraph.store import EmbeddedStore, GraphStore

pytestmark = pytest.mark.server

A1 = iris.ID_BASE + "alpha/A1"
#: Golden cases: (named query, parameters) over tests/fixtures/sparql-endpoint.trig.
GOLDEN: list[tuple[str, dict[str, str]]] = [
    ("api/element-by-code", {"framework": "alpha", "code": "A12"}),
    ("api/element-by-code", {"framework": "alpha", "code": "A12' || true || '"}),
    ("api/element-by-code", {"framework": "beta", "code": "B1"}),
    ("api/descendants", {"element": A1}),
    ("api/frameworks", {}),
    ("api/stats", {}),
    ("api/describe-resource", {"resource": A1}),
    ("api/describe-resource", {"resource": iris.ID_BASE + "alpha/A11"}),
]


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        push_release(fixture_release().store, gsp_url_for(f"{base}/query"))
        yield f"{base}/query"


@pytest.fixture(scope="module")
def embedded() -> EmbeddedStore:
    return fixture_release().store


@pytest.fixture(scope="module")
def remote(oxigraph_url: str) -> Iterator[RemoteStore]:
    store = RemoteStore(oxigraph_url)
    yield store
    store.close()


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest) -> GraphStore:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@functools.cache
def catalog() -> QueryCatalog:
    return QueryCatalog()


def answer(store: GraphStore, name: str, params: dict[str, Any]) -> Any:
    q = catalog().get(name)
    if q.form == "SELECT":
        res = store.select(q, params)
        return {tuple(sorted((k, v) for k, v in row.items())) for row in res.rows}
    if q.form == "ASK":
        return store.ask(q, params)
    return set(store.construct(q, params))


@pytest.mark.parametrize(("name", "params"), GOLDEN)
def test_golden_queries_agree(
    store: GraphStore, embedded: EmbeddedStore, name: str, params: dict[str, str]
) -> None:
    got = answer(store, name, params)
    if "'" in params.get("code", ""):
        assert got == set()  # the injection attempt is just a literal that matches nothing
    else:
        assert got, f"{name} should find something in the fixture"
    assert got == answer(embedded, name, params)


def test_every_parameterless_named_query_agrees(
    embedded: EmbeddedStore, remote: RemoteStore
) -> None:
    for q in catalog():
        if any(not p.optional for p in q.params):
            continue
        assert answer(remote, q.name, {}) == answer(embedded, q.name, {}), q.name


def test_every_named_query_agrees_with_parameters(
    embedded: EmbeddedStore, remote: RemoteStore
) -> None:
    """Every named query with parameter sets drawn from the fixture (pcfgraph.store_parity):
    parameters bound in the text, projected ones filled in by RemoteStore.select."""
    from pcfgraph.store_parity import compare

    outcomes = list(compare(embedded, remote, catalog()))
    differ = [f"{o.name} {o.params}: {o.detail[:300]}" for o in outcomes if not o.same]
    assert not differ, "\n".join(differ)
    assert sum(1 for o in outcomes if o.params) > 20  # parameterised runs, not only {}


def test_graph_names_and_size_agree(embedded: EmbeddedStore, remote: RemoteStore) -> None:
    assert remote.graph_names() == embedded.graph_names()
    assert len(remote) == len(embedded)


def test_bind_text_writes_terms_never_raw_text() -> None:
    text = "SELECT ?code ?x WHERE { ?x <urn:p> ?code FILTER(?code != '?code') } ORDER BY ?code"
    out = bind_text(text, {"code": ox.Literal('A" } DROP ALL #')})
    # projected and ORDER BY keys stay the (never bound) variable; RemoteStore.select fills
    # a projected parameter's column with the term
    assert out.startswith("SELECT ?code ?x WHERE")
    assert 'FILTER("A\\" } DROP ALL #" != \'?code\')' in out  # the string is not a variable
    assert out.endswith("ORDER BY ?code")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal('A" } DROP ALL #')))
    assert [s["x"] for s in store.query(out)] == [ox.NamedNode("urn:s")]  # type: ignore[index]
    with pytest.raises(InputError):
        bind_text("SELECT * { BIND(1 AS ?code) }", {"code": ox.Literal("1")})


def test_bind_text_binds_every_use_but_keys() -> None:
    """A parameter grouped by in a sub-select stays a variable there, and is bound again in
    the patterns after the sub-select's closing brace."""
    text = (
        "SELECT ?g ?n WHERE { { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        " GROUP BY ?g } ?s2 <urn:in> ?g HAVING (?g != <urn:x>) }"
    )
    out = bind_text(text, {"g": ox.NamedNode("urn:g")})
    assert out == (
        "SELECT ?g ?n WHERE { { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH <urn:g> { ?s ?p ?o } }"
        " GROUP BY ?g } ?s2 <urn:in> <urn:g> HAVING (<urn:g> != <urn:x>) }"
    )


def test_server_on_a_remote_store(oxigraph_url: str) -> None:
    with (
        live_server(endpoint_settings(store_url=oxigraph_url)) as (url, _app),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        r = client.get("/queries/api/element-by-code", params={"framework": "alpha", "code": "A1"})
        assert {b["element"]["value"] for b in r.json()["results"]["bindings"]} == {A1}
        r = client.get(
            "/sparql",
            params={
                "query": f"SELECT ?c WHERE {{ ?e <{iris.SKOS}broader> <{A1}> ; <{iris.SKOS}notation> ?c }}"
            },
        )
        assert r.status_code == 200, r.text
        assert {b["c"]["value"] for b in r.json()["results"]["bindings"]} == {"A11", "A12"}
        r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o . ?x ?y ?z }"})
        assert r.status_code == 422
        r = client.get("/id/alpha/A1", headers={"Accept": "text/turtle"})
        assert r.status_code == 200
        assert client.get("/id/alpha/NOPE", headers={"Accept": "text/turtle"}).status_code == 404


def test_push_command_replaces_each_graph(oxigraph_url: str, tmp_path: Path) -> None:
    from ops_support import ops_store

    store = ops_store()  # push verifies first: a release that passes the framework shapes
    extra = ox.NamedNode(str(iris.framework_graph("mini")))
    store.add_quads(
        [ox.Quad(ox.NamedNode("urn:new"), ox.NamedNode("urn:p"), ox.Literal("x"), extra)]
    )
    write_release(store, tmp_path / "rel", {})
    assert (
        run_main(main, ["push", "--store", oxigraph_url, "--release", str(tmp_path / "rel")]) == 0
    )
    fresh = RemoteStore(oxigraph_url)
    try:
        assert len(fresh) == len(store) - len(ox.Store())  # the release graph is not data
        assert fresh.manifest()["release_id"] == load_release(tmp_path / "rel").release_id
    finally:
        fresh.close()
    # put the module's data back for the other tests
    push_release(fixture_release().store, gsp_url_for(oxigraph_url))
    with pytest.raises(InputError):
        gsp_url_for("http://example.org/sparql")


# --- one source of truth: every surface reads the remote store -------------------------------


@pytest.fixture(scope="module")
def pushed_graphql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A second Oxigraph server holding the GraphQL test graph, pushed with its manifest."""
    from gql_support import graphql_release

    release = graphql_release()
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-gql")) as base:
        push_release(release.store, f"{base}/store", manifest=release.manifest)
        yield f"{base}/query", release


QUERIES_GQL = [
    "{ frameworks { id iri title version elementCount } }",
    '{ element(code: "8.1", framework: "apqc-pcf-test-7.4") { id iri pcfId kind level name '
    "children { code name } } }",
    '{ framework(id: "prm-test") { id version topElements { code } } }',
]


def test_every_surface_reads_the_remote_store(pushed_graphql: tuple[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app

    url, release = pushed_graphql
    remote_app = create_app(Settings(store_url=url, query_workers=1))
    assert isinstance(remote_app.state.pcf.store, RemoteStore)  # nothing of the graph is local
    local_app = create_app(Settings(query_workers=1), release)
    with TestClient(remote_app) as remote, TestClient(local_app) as local:
        ready = remote.get("/ready").json()
        assert ready["release_id"] == release.release_id  # the identity comes from the store
        for query in QUERIES_GQL:
            got = remote.post("/graphql", json={"query": query}).json()
            assert "errors" not in got, got
            assert got == local.post("/graphql", json={"query": query}).json(), query
        element = ox.NamedNode(iris.ID_BASE + "prm-test/A24")
        for path in ("/", "/id/" + element.value[len(iris.ID_BASE) :]):
            mine, theirs = remote.get(path), local.get(path)
            assert mine.status_code == theirs.status_code, path
            assert mine.text == theirs.text, path
        named = "/queries/api/frameworks"
        assert remote.get(named).json() == local.get(named).json()


def test_a_store_without_a_pushed_release_is_refused(tmp_path: Path) -> None:
    from pcfgraph.errors import ReleaseError
    from pcfgraph.remote_store import remote_release

    with oxigraph_server(tmp_path / "empty") as base:
        push_release(fixture_release().store, f"{base}/store")  # graphs, but no manifest
        with pytest.raises(ReleaseError, match="pcfgraph push"):
            remote_release(f"{base}/query")


def test_push_deletes_only_graphs_pcfgraph_minted(tmp_path: Path) -> None:
    """A store without a pushed manifest: graphs of an earlier pcfgraph push that the release
    lacks go, a graph pcfgraph did not mint (a server's own, another application's) stays."""
    foreign = "urn:example:someone-elses-graph"
    stale = str(iris.framework_graph("stale"))
    with oxigraph_server(tmp_path / "store") as base:
        other = EmbeddedStore()
        for name in (foreign, stale):
            q = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
            other.add_quads([ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(name))])
        push_release(other, f"{base}/store")
        release = fixture_release()
        push_release(
            release.store, f"{base}/store", manifest=release.manifest, query_url=f"{base}/query"
        )
        store = RemoteStore(f"{base}/query")
        try:
            listed = store.listed_graphs()
            assert foreign in listed and stale not in listed
            assert store.graph_names() == release.store.graph_names()  # from the manifest
        finally:
            store.close()
