"""A message names a wrong value by its first 80 characters and its length
(:func:`pcfgraph.errors.quoted`), on every edge that reads it (the shared lookups, cursors,
parameter binding): it echoed the whole value, a 60 kB GraphQL variable a 60 kB message."""

from __future__ import annotations

import pytest
from gql_support import PRM, Client, graphql_release

from pcfgraph.config import Settings
from pcfgraph.errors import quoted

LONG = "x" * 60_000
SHOWN = repr(LONG)[:80] + "... (60000 characters)"


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(graphql_release(1), Settings())


def test_quoted_is_repr_when_short_and_cut_when_long() -> None:
    assert quoted("A24") == "'A24'"
    assert quoted("é" * 78) == repr("é" * 78)
    assert quoted(LONG) == SHOWN


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            f'query($v: String!) {{ element(code: $v, framework: "{PRM}") {{ id }} }}',
            f"no code {SHOWN} in framework '{PRM}'",
        ),
        (
            "query($v: String!) { elements(after: $v) { totalCount } }",
            f"invalid cursor {SHOWN} (after): not a cursor this server gave out",
        ),
        (
            "query($v: String!) { element(iri: $v) { id } }",
            f"iri {SHOWN} is not an IRI",
        ),
    ],
)
def test_graphql_names_a_long_value_without_echoing_it(client, query, message) -> None:
    (err,) = client.errors(query, {"v": LONG})
    assert err["message"].startswith(message)
    assert len(err["message"]) < 400


def test_named_queries_name_a_long_value_without_echoing_it(client) -> None:
    long = "x y" * 500  # a URL of a few kB is read; a longer one is a 414
    r = client.http.get("/queries/api/element-by-iri", params={"element": long})
    assert r.status_code == 400
    assert r.json()["detail"] == (
        "parameter 'element' must be an element's IRI (or its element id, page URL or CURIE, or "
        f"a code or PCF ID of one element), not {repr(long)[:80]}... (1500 characters): "
        "no element has it"
    )
    r = client.http.get("/queries/" + "y" * 1500)
    assert r.status_code == 404
    assert r.json()["detail"] == (
        f"no named query {repr('y' * 1500)[:80]}... (1500 characters) "
        "(every one: GET /queries, 'pcfgraph query --list')"
    )
