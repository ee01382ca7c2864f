"""``mappings(from:, to:)`` asked the other way round from how the curated records are
stated (PRM-IT to APQC, where the sets map APQC to PRM-IT) answered ``[]`` (or only derived
inverses) with nothing saying the curated ones exist, read as "no curated mappings"; MCP
get_mappings says so (curatedOtherWay and a note). The answer's ``extensions.warnings`` now
does too."""

from __future__ import annotations

from gql_support import APQC, ITCMF, PRM

Q = """query($from: ID, $to: ID, $derived: Boolean! = false) {
  mappings(from: $from, to: $to, includeDerived: $derived) { derived } }"""


def test_the_other_way_round_is_said(gql) -> None:
    stated = gql.data(Q, {"from": APQC, "to": PRM})["mappings"]
    curated = sum(1 for m in stated if not m["derived"])
    assert curated > 0
    body = gql.post(Q, {"from": PRM, "to": APQC}).json()
    assert body["data"] == {"mappings": []}
    (warning,) = body["extensions"]["warnings"]
    assert warning["code"] == "mappings-other-way"
    assert warning["count"] == curated
    assert warning["message"] == (
        f"no curated mapping is stated from {PRM} to {APQC}; {curated} are stated from {APQC} "
        f'to {PRM}: ask mappings(from: "{APQC}", to: "{PRM}")'
    )
    # with derived mappings, the inverses are there, but the curated records still are not
    body = gql.post(Q, {"from": PRM, "to": APQC, "derived": True}).json()
    assert body["data"]["mappings"] and all(m["derived"] for m in body["data"]["mappings"])
    assert [w["code"] for w in body["extensions"]["warnings"]] == ["mappings-other-way"]


def test_nothing_to_say_when_stated_this_way_or_not_at_all(gql) -> None:
    for variables in ({"from": APQC, "to": PRM}, {"from": PRM, "to": ITCMF}, {"from": PRM}):
        body = gql.post(Q, variables).json()
        assert "errors" not in body, body
        assert "extensions" not in body, (variables, body)
