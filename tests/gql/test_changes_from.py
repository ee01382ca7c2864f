"""``Element.changesFrom(framework:)``: what differs between an element and its PCF ID's
statement in another APQC edition, the same as ``pcfgraph diff`` says of it. "What changed for
8.4.4 between Cross-Industry 7.4 and this industry edition?" had no GraphQL answer but
fetching ``versions`` and comparing them by hand."""

from __future__ import annotations

import pytest
from gql_support import Client, shared_catalog
from identity_support import build_release

from pcfgraph import diff
from pcfgraph.release import Release, load_release

CROSS, BANKING = "apqc-pcf-cross-industry-7.4", "apqc-pcf-banking-7.2.2"
Q = """query($fw: ID!, $to: ID!) { elements(framework: $fw, first: 500) { nodes {
  pcfId changesFrom(framework: $to) { change oldValue newValue } } } }"""
ONE = """query($pcf: Int, $code: String, $fw: ID!, $to: ID!) {
  element(pcfId: $pcf, code: $code, framework: $fw) { changesFrom(framework: $to) { change } } }"""


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return load_release(build_release(tmp_path_factory.mktemp("gql-changes")))


def test_changes_from_another_edition_are_what_diff_says(editions: Release) -> None:
    gql = Client(editions)
    got = {
        (str(n["pcfId"]), c["change"], c["oldValue"] or "", c["newValue"] or "")
        for n in gql.data(Q, {"fw": BANKING, "to": CROSS})["elements"]["nodes"]
        for c in n["changesFrom"]
    }
    catalog = shared_catalog()
    result = diff.compare(
        diff.side_from_store(editions.store, catalog, CROSS),
        diff.side_from_store(editions.store, catalog, BANKING),
    )
    want = {
        (c.id, c.change, c.old_value, c.new_value)
        for c in result.changes
        if c.change != "removed"  # seen from Banking, a removed element is not there
    }
    assert got == want
    kinds = {(pcf, change) for pcf, change, _, _ in got}
    assert ("17040", "renamed") in kinds and ("17050", "added") in kinds
    assert ("17042", "moved") in kinds
    unchanged = gql.data(ONE, {"pcf": 10002, "fw": BANKING, "to": CROSS})
    assert unchanged["element"]["changesFrom"] == []
    nodes = gql.data(Q, {"fw": BANKING, "to": CROSS})["elements"]["nodes"]
    (added,) = next(n for n in nodes if n["pcfId"] == 17050)["changesFrom"]
    assert added == {"change": "added", "oldValue": None, "newValue": "Fresh"}


def test_an_unknown_framework_is_an_error_and_no_pcf_id_no_change(editions: Release) -> None:
    gql = Client(editions)
    (err,) = gql.errors(ONE, {"pcf": 10002, "fw": BANKING, "to": "nope"})
    assert err["message"].startswith("framework: no framework 'nope'; known frameworks: ")
    assert err["extensions"]["code"] == "not-found"
    prm = gql.data(ONE, {"code": "A2", "fw": "prm-it", "to": CROSS})
    assert prm["element"]["changesFrom"] == []
