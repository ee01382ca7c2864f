"""GraphQL search over the shipped graph: what matched, facets, paging, did-you-mean; the
hits are the search index's own (same order as pcfgraph.services.SearchIndex)."""

from __future__ import annotations

import pytest
from gql_support import Client, shared_catalog

from pcfgraph import services
from pcfgraph.release import Release


@pytest.fixture(scope="module")
def shipped(shipped_release: Release) -> Client:
    return Client(shipped_release)


@pytest.fixture(scope="module")
def index(shipped: Client) -> services.SearchIndex:
    return services.SearchIndex.build(services.Reader(shipped.release.store, shared_catalog()))


Q = """query($t: String!, $fw: ID, $k: String, $n: Int, $o: Int!) {
  searchResults(text: $t, framework: $fw, kind: $k, first: $n, offset: $o) {
    totalCount didYouMean corrected
    frameworkFacet { value count } familyFacet { value count } kindFacet { value count }
    hits { field matchedOn snippet element { id code framework { id } } } } }"""


def run(client: Client, text: str, **kw: object) -> dict:
    variables = {"t": text, "fw": None, "k": None, "n": None, "o": 0, **kw}
    return client.data(Q, variables)["searchResults"]


def test_hits_are_the_index_hits_with_what_matched(shipped: Client, index) -> None:
    for text in ("20641", "SLA", "catalogue", "relationship managers"):
        got = run(shipped, text)
        want = index.query(text, limit=20)
        assert [h["element"]["code"] for h in got["hits"]] == [h.element.code for h in want.hits]
        assert got["totalCount"] == want.total
    pcf = run(shipped, "20641")["hits"][0]
    assert (pcf["field"], pcf["matchedOn"]) == ("CODE", "PCF ID 20641")
    sla = run(shipped, "SLA")["hits"][0]
    assert sla["field"] == "NAME" and "<mark>" in sla["snippet"]


def test_facets_filters_and_paging(shipped: Client) -> None:
    everything = run(shipped, "customer", n=5)
    families = {f["value"]: f["count"] for f in everything["familyFacet"]}
    assert sum(families.values()) == everything["totalCount"] and len(families) > 1
    only = run(shipped, "customer", fw="prm-it", n=50)
    assert {h["element"]["framework"]["id"] for h in only["hits"]} == {"prm-it"}
    assert only["totalCount"] == families["prm-it"]
    kinds = {f["value"]: f["count"] for f in everything["kindFacet"]}
    activity = run(shipped, "customer", k="activity", n=50)
    assert activity["totalCount"] == kinds["activity"]
    page2 = run(shipped, "customer", n=5, o=5)
    first = [h["element"]["id"] for h in everything["hits"]]
    assert not set(first) & {h["element"]["id"] for h in page2["hits"]}


def test_did_you_mean_and_the_old_search_field(shipped: Client) -> None:
    typo = run(shipped, "demnad managment")
    assert typo["corrected"] and typo["didYouMean"] == "demand management"
    assert typo["hits"][0]["element"]["code"] == "A25"
    old = shipped.data(
        '{ search(text: "A25", kind: "process") { field matchedOn element { code } } }'
    )
    assert old["search"][0] == {
        "field": "CODE",
        "matchedOn": "code A25",
        "element": {"code": "A25"},
    }


def test_a_filter_that_matches_nothing_is_an_error_naming_the_known_values(
    shipped: Client,
) -> None:
    # it answered no hits, which reads as "nothing is about that" (MCP refused it already)
    variables = {"t": "customer", "fw": None, "k": None, "n": None, "o": 0}
    (err,) = shipped.errors(Q, {**variables, "fw": "prm"})
    assert err["extensions"]["code"] == "not-found"
    assert err["message"].startswith("framework: no framework or family 'prm'; known: ")
    assert "prm-it" in err["message"] and "apqc-pcf" in err["message"]
    (err,) = shipped.errors(Q, {**variables, "k": "activites"})
    assert (
        err["message"].startswith("kind: no kind 'activites'; known: ")
        and "activity" in err["message"]
    )
    assert run(shipped, "customer", fw="apqc-pcf", n=1)["totalCount"] > 0  # a family is known


def test_an_empty_search_is_an_error(shipped: Client) -> None:
    """It answered no hits, as if nothing matched; MCP's search refused it already."""
    for text in ("", "  "):
        (err,) = shipped.errors(Q, {"t": text, "fw": None, "k": None, "n": None, "o": 0})
        assert err["message"] == f"text must hold words or a phrase to find, not {text!r}"
        assert err["extensions"]["code"] == "bad-input"


def test_each_bad_argument_is_named_with_its_value_and_what_is_allowed(shipped: Client) -> None:
    """``offset: -1`` said "offset must be between 0 and 10000" (not the value), a long text
    "search text is limited to 200 characters" (neither the argument nor the length), and
    ``framework: ""``/``kind: ""`` were answered as if left out, every framework searched."""
    cases = (
        ({"o": -1}, "offset must be between 0 and 10000, not -1", "bad-input"),
        ({"o": 10_001}, "offset must be between 0 and 10000, not 10001", "bad-input"),
        ({"n": -1}, "first must be between 0 and 500, not -1", "bad-input"),
        ({"n": 501}, "first must be between 0 and 500, not 501", "bad-input"),
        ({"t": "x" * 201}, "text must be at most 200 characters, not 201 characters", "bad-input"),
        ({"fw": ""}, "framework: no framework or family ''; known: ", "not-found"),
        ({"k": ""}, "kind: no kind ''; known: ", "not-found"),
    )
    for given, message, code in cases:
        variables = {"t": "customer", "fw": None, "k": None, "n": None, "o": 0, **given}
        (err,) = shipped.errors(Q, variables)
        assert err["message"].startswith(message), (given, err)
        assert err["extensions"]["code"] == code and err["path"] == ["searchResults"]
    assert run(shipped, "x" * 200, o=10_000)["hits"] == []  # the limits themselves are fine
