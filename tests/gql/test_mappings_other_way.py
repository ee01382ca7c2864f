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


ELEMENT = """query($id: ID!, $direction: MappingDirection! = SUBJECT) {
  element(id: $id) { mappings(direction: $direction) { subject { id } } } }"""
LIST = """query($id: ID!) {
  framework(id: $id) { elements { nodes { id mappings { relation } } } } }"""


def test_an_element_mapped_only_the_other_way_is_said(gql) -> None:
    """``Element.mappings`` reads outgoing records by default: a PRM-IT process that curated
    records map APQC activities to answered ``[]`` without a word, read as "not mapped"."""
    incoming = gql.data(ELEMENT, {"id": f"{PRM}/A21", "direction": "OBJECT"})["element"]
    assert incoming["mappings"]  # the records that state it as object
    body = gql.post(ELEMENT, {"id": f"{PRM}/A21"}).json()
    assert body["data"] == {"element": {"mappings": []}}
    (warning,) = body["extensions"]["warnings"]
    assert warning["code"] == "mappings-incoming-only"
    assert warning["elements"] == [f"{PRM}/A21"] and warning["count"] == 1
    assert warning["message"].startswith(f"{PRM}/A21: no mapping states it as subject")
    assert f"{len(incoming['mappings'])} state it as object" in warning["message"]
    assert "mappings(direction: EITHER)" in warning["message"]
    # asked either way, or of an element mapped outgoing, there is nothing to say
    for variables in ({"id": f"{PRM}/A21", "direction": "EITHER"}, {"id": f"{APQC}/20608"}):
        assert "extensions" not in gql.post(ELEMENT, variables).json(), variables
    # a list says it once, naming every element it is true of
    body = gql.post(LIST, {"id": PRM}).json()
    nodes = body["data"]["framework"]["elements"]["nodes"]
    (warning,) = body["extensions"]["warnings"]
    unmapped = [n["id"] for n in nodes if not n["mappings"]]
    assert set(warning["elements"]) <= set(unmapped) and f"{PRM}/A21" in warning["elements"]
    assert warning["count"] == len(warning["elements"]) > 1
