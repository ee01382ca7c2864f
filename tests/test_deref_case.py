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


def test_a_framework_path_in_another_case_is_404_naming_the_id_meant(client: Client) -> None:
    """``/frameworks/{id}`` and its ``/export`` are paths as ``/id`` IRIs are: one in another
    case is neither served (a second URL of one file, cached apart) nor redirected to, and
    said only "no framework 'PRM-TEST'", as if there were none."""
    r = client.http.get("/frameworks/PRM-TEST/export", params={"format": "csv"})
    assert r.status_code == 404, r.text
    body = r.json()
    assert body["code"] == "not-found" and body["canonical"] == "prm-test"
    assert "did you mean 'prm-test'" in body["detail"]
    page = client.http.get("/frameworks/PRM-TEST/export", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "did you mean &#39;prm-test&#39;" in page.text
    framework_page = client.http.get("/frameworks/Prm-Test", headers={"Accept": "text/html"})
    assert framework_page.status_code == 404
    assert "did you mean &#39;prm-test&#39;" in framework_page.text
    # as the data writes it, served as before; one that names nothing names nothing meant
    assert client.http.get("/frameworks/prm-test/export", params={"format": "csv"}).is_success
    nothing = client.http.get("/frameworks/prm-nope/export").json()
    assert "canonical" not in nothing and "did you mean" not in nothing["detail"]


def test_a_subtree_code_is_matched_ignoring_case(client: Client) -> None:
    """``?subtree=`` is an argument, not the path: a code in any case, as everywhere."""
    path = "/frameworks/prm-test/export"
    as_data = client.http.get(path, params={"format": "csv", "subtree": "A24"})
    written = client.http.get(path, params={"format": "csv", "subtree": "a24"})
    assert as_data.status_code == 200 and written.status_code == 200, written.text
    assert written.content == as_data.content and as_data.content.count(b"\n") > 1
