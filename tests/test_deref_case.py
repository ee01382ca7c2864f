"""``/id/...`` IRIs are case-sensitive: one that differs from an element's or framework's IRI
by case alone (``/id/prm-test/a24``) is still 404 (served as it, or redirected to, it would
be a second IRI of the element), but the problem names the IRI meant (``canonical``, also
in ``detail`` and on a browser's page), where it said only "nothing is known": MCP's tools
and GraphQL take identifiers in any case and answer the data's, and a client that took the
case from them, or typed it, could not tell a typo from the case."""

from __future__ import annotations

import pytest
from gql_support import Client, graphql_release

BASE = "https://w3id.org/pcfgraph/id/"


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(graphql_release(1))


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/id/prm-test/a24", "prm-test/A24"),
        ("/id/PRM-TEST/A24", "prm-test/A24"),
        ("/id/apqc-pcf/TEST/7.4/20607", "apqc-pcf/test/7.4/20607"),
        ("/id/framework/PRM-TEST", "framework/prm-test"),
    ],
)
def test_an_iri_in_another_case_is_404_naming_the_iri_meant(
    client: Client, path: str, canonical: str
) -> None:
    r = client.http.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "not-found"
    assert body["canonical"] == BASE + canonical
    assert f"did you mean <{BASE + canonical}>" in body["detail"]
    assert "Link" not in r.headers  # no canonical link: nothing is served at this IRI
    page = client.http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and BASE + canonical in page.text
    # the IRI as the data writes it is served, as before
    assert client.http.get("/id/" + canonical, headers={"Accept": "text/turtle"}).status_code == 200


def test_an_iri_that_names_nothing_in_any_case_is_404_as_before(client: Client) -> None:
    r = client.http.get("/id/prm-test/a99", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    body = r.json()
    assert "canonical" not in body
    assert body["detail"] == f"nothing is known about <{BASE}prm-test/a99>"
