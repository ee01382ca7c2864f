"""Identifiers are matched ignoring case (:mod:`pcfgraph.services.search.identifier_case`),
and case is the case of letters, not Unicode's caseless matching: by ``str.casefold`` the
long s (U+017F), the Kelvin sign (U+212A) and ligatures (U+FB06 'st') are the ASCII letters
they stand for, so ``prm-te\\u017ft/A24`` was the element ``prm-test/A24`` in GraphQL, MCP and
the CLI, ``prm-te\\u017ft`` the framework, and ``/id/prm-te\\u017ft/A24`` a 404 naming the real
IRI as the one meant: a crafted identifier of other characters met a real one."""

from __future__ import annotations

import pytest
from gql_support import Client, graphql_release

from pcfgraph.services.search.identifier_case import same_but_case, spelled

LONG_S, KELVIN, ST = "\u017f", "\u212a", "\ufb06"


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(graphql_release(1))


def test_only_the_case_of_letters_is_ignored() -> None:
    assert same_but_case("prm-it/a24", "PRM-IT/A24")
    assert same_but_case("\uff21", "\uff41")  # a full-width letter and its own lower case
    for crafted, real in (
        (f"{LONG_S}rp", "srp"),
        (KELVIN, "k"),
        (KELVIN, "K"),
        (f"te{ST}", "test"),
        ("stra\u00dfe", "STRASSE"),
        ("\u0130d", "id"),  # dotted capital I
        ("\u0131d", "ID"),  # dotless small i
        ("\uff21", "A"),  # full-width
        ("\u03c2", "\u03c3"),  # final and medial sigma
    ):
        assert not same_but_case(crafted, real), (crafted, real)
    assert spelled(f"prm-te{LONG_S}t", ["prm-test"]) == f"prm-te{LONG_S}t"
    assert spelled("PRM-TEST", ["prm-test"]) == "prm-test"


@pytest.mark.parametrize(
    "crafted", [f"prm-te{LONG_S}t/A24", f"prm-te{ST}/a24", f"PRM-TE{LONG_S}T/a24"]
)
def test_graphql_finds_no_element_by_a_crafted_id(client: Client, crafted: str) -> None:
    (err,) = client.errors(f'{{ element(id: "{crafted}") {{ id }} }}')
    assert err["extensions"]["code"] == "not-found", err
    assert client.data('{ element(id: "PRM-TEST/a24") { id } }')["element"]["id"] == "prm-test/A24"


def test_graphql_finds_no_framework_by_a_crafted_id(client: Client) -> None:
    (err,) = client.errors(f'{{ framework(id: "prm-te{LONG_S}t") {{ id }} }}')
    assert err["extensions"]["code"] == "not-found", err


def test_a_crafted_iri_or_path_names_no_iri_meant(client: Client) -> None:
    for path in (f"/id/prm-te{LONG_S}t/A24", f"/id/framework/prm-te{ST}"):
        body = client.http.get(path, headers={"Accept": "text/turtle"}).json()
        assert body["code"] == "not-found" and "canonical" not in body, body
        assert "did you mean" not in body["detail"], body
    r = client.http.get(f"/frameworks/prm-te{LONG_S}t/export", params={"format": "csv"})
    assert r.status_code == 404 and "canonical" not in r.json(), r.text


def test_a_long_or_crafted_iri_is_named_cut_and_escaped(client: Client) -> None:
    """The "not found" of an IRI names it: a path of 6,000 characters was echoed whole in
    the problem and the page."""
    long_path = "/id/prm-test/" + "a" * 6_000
    r = client.http.get(long_path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and "canonical" not in r.json()
    assert len(r.json()["detail"]) < 400 and "(6038 characters)" in r.json()["detail"], r.text
    page = client.http.get(long_path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.text.count("a" * 201) == 0, len(page.text)
    for path in ("/id/prm-test/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/frameworks/%3Cscript%3E"):
        page = client.http.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 404 and "<script>alert" not in page.text, page.text
