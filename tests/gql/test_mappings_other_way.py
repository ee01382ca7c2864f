"""``mappings(from:, to:)`` asked the other way round from how the curated records are
stated (PRM-IT to APQC, where the sets map APQC to PRM-IT) answered ``[]`` (or only derived
inverses) with nothing saying the curated ones exist, read as "no curated mappings"; MCP
get_mappings says so (curatedOtherWay and a note). The answer's ``extensions.warnings`` now
does too."""

from __future__ import annotations

from gql_support import APQC, ITCMF, PRM, Client

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


#: An APQC element of the test data that curated records state as subject.
MAPPED_OUT = "apqc-pcf/test/7.4/30011"
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
    for variables in ({"id": f"{PRM}/A21", "direction": "EITHER"}, {"id": MAPPED_OUT}):
        body = gql.post(ELEMENT, variables).json()
        assert body["data"]["element"]["mappings"], variables  # an element, with records
        assert "extensions" not in body, variables
    # a list says it once, naming every element it is true of
    body = gql.post(LIST, {"id": PRM}).json()
    nodes = body["data"]["framework"]["elements"]["nodes"]
    (warning,) = body["extensions"]["warnings"]
    unmapped = [n["id"] for n in nodes if not n["mappings"]]
    assert set(warning["elements"]) <= set(unmapped) and f"{PRM}/A21" in warning["elements"]
    assert warning["count"] == len(warning["elements"]) > 1


SIDES = """query($id: ID!) { framework(id: $id) { elements { nodes { id
  out: mappings(direction: SUBJECT) { id } in: mappings(direction: OBJECT) { id } } } } }"""
DEFAULT = """query($id: ID!) { element(id: $id) { mappings { id } } }"""
WRITTEN = """query($id: ID!) { element(id: $id) { mappings(direction: SUBJECT) { id } } }"""
DEFAULT_LIST = """query($id: ID!) {
  framework(id: $id) { elements { nodes { id mappings { id } } } } }"""


def test_what_the_default_direction_leaves_out_is_said(shipped_release) -> None:
    """An element with records both ways answered its outgoing ones alone without a word:
    PRM-IT A24 gave 3 where its page lists 15 curated and MCP get_element 15, the other 12
    stated by APQC's sets with A24 as object. Left to its default, direction says so; written
    out (SUBJECT), the outgoing ones were asked for and nothing is said."""
    gql = Client(shipped_release)  # the test data maps no element both ways
    nodes = gql.data(SIDES, {"id": "prm-it"})["framework"]["elements"]["nodes"]
    both = {n["id"]: (len(n["out"]), len(n["in"])) for n in nodes if n["out"] and n["in"]}
    assert both, "the test data has elements mapped both ways"
    element, (out, incoming) = sorted(both.items())[0]
    body = gql.post(DEFAULT, {"id": element}).json()
    assert len(body["data"]["element"]["mappings"]) == out
    (warning,) = body["extensions"]["warnings"]
    assert warning["code"] == "mappings-incoming-left-out"
    assert warning["elements"] == [element] and warning["count"] == 1
    assert warning["message"].startswith(
        f"{element}: mappings gave only the {out} records stating it as subject"
    )
    assert f"{incoming} more state it as object" in warning["message"]
    assert "mappings(direction: EITHER)" in warning["message"]
    body = gql.post(WRITTEN, {"id": element}).json()
    assert len(body["data"]["element"]["mappings"]) == out and "extensions" not in body
    # a list says it once, naming each element it leaves records of out (and no other)
    body = gql.post(DEFAULT_LIST, {"id": "prm-it"}).json()
    said = {w["code"]: w for w in body["extensions"]["warnings"]}
    left_out = said["mappings-incoming-left-out"]
    assert left_out["count"] == len(both) and set(left_out["elements"]) <= set(both)
    assert set(said) <= {"mappings-incoming-left-out", "mappings-incoming-only"}


BOTH_WAYS = """query($id: ID!) { element(id: $id) {
  out: mappings(direction: SUBJECT) { id subject { id } }
  in: mappings(direction: OBJECT) { id object { id } }
  both: mappings(direction: EITHER) { id subject { id } object { id } } } }"""
FIELD = """{ __type(name: "Element") { fields { name description
  args { name defaultValue description } } } }"""


def test_either_reads_both_ends_and_the_default_stays_subject(gql) -> None:
    """The default of ``Element.mappings(direction:)`` is a contract (SUBJECT); what it leaves
    out, and how to read both ends, is said by the field itself (GraphiQL, codegen), not only
    by the warning an empty answer carries."""
    for element in (f"{PRM}/A22", MAPPED_OUT):
        got = gql.data(BOTH_WAYS, {"id": element})["element"]
        assert all(m["subject"]["id"] == element for m in got["out"])
        assert all(m["object"]["id"] == element for m in got["in"])
        ids = [m["id"] for m in got["both"]]
        assert len(ids) == len(set(ids)), "each record once"
        assert set(ids) == {m["id"] for m in got["out"] + got["in"]} and ids, element
        # which way a record goes is read from its ends, as the description says
        assert all(element in (m["subject"]["id"], m["object"]["id"]) for m in got["both"])
    fields = {f["name"]: f for f in gql.data(FIELD)["__type"]["fields"]}
    mappings = fields["mappings"]
    direction = next(a for a in mappings["args"] if a["name"] == "direction")
    assert direction["defaultValue"] == "SUBJECT"
    for said in ("direction: EITHER", "mappings-incoming-only", "compare subject.id"):
        assert said in mappings["description"], said


def test_a_relation_in_another_surface_s_spelling_is_named_as_graphql_writes_it(gql) -> None:
    """MCP and SSSOM write ``closeMatch``, GraphQL's enum ``CLOSE_MATCH``: a variable sent in
    the other spelling is refused (GraphQL reads an enum by its value name) naming the one
    meant, and the enum's description says which is which."""
    q = """query($id: ID!, $r: MappingRelation) { element(id: $id) {
      mappings(relation: $r) { relation } } }"""
    body = gql.post(q, {"id": MAPPED_OUT, "r": "closeMatch"}).json()
    (error,) = body["errors"]
    assert "Did you mean the enum value 'CLOSE_MATCH'" in error["message"]
    assert error["extensions"]["code"] == "bad-input"
    assert {
        m["relation"]
        for m in gql.data(q, {"id": MAPPED_OUT, "r": "CLOSE_MATCH"})["element"]["mappings"]
    } == {"CLOSE_MATCH"}
    enum = gql.data('{ __type(name: "MappingRelation") { description } }')["__type"]
    assert "CLOSE_MATCH is skos:closeMatch" in enum["description"]
    assert "local name (closeMatch)" in enum["description"]


NEGATIVES = """query($from: ID, $to: ID) {
  negativeMappings(from: $from, to: $to) { id } }"""


def test_negative_mappings_asked_the_other_way_round_are_said(shipped_release) -> None:
    """The curated sets state their rejections one way too (APQC to PRM-IT):
    ``negativeMappings(from: "prm-it", to: APQC)`` answered ``[]`` without a word, read as
    "nothing was rejected", where ``mappings`` warns and MCP counts them."""
    from gql_support import Client

    gql = Client(shipped_release)
    apqc = "apqc-pcf-cross-industry-7.4"
    stated = gql.data(NEGATIVES, {"from": apqc, "to": "prm-it"})["negativeMappings"]
    assert stated
    body = gql.post(NEGATIVES, {"from": "prm-it", "to": apqc}).json()
    assert body["data"] == {"negativeMappings": []}
    (warning,) = body["extensions"]["warnings"]
    assert warning == {
        "code": "negative-mappings-other-way",
        "message": f"no negative mapping is stated from prm-it to {apqc}; {len(stated)} are "
        f'stated from {apqc} to prm-it: ask negativeMappings(from: "{apqc}", to: "prm-it")',
        "count": len(stated),
    }
    # stated this way, or nowhere: nothing to say
    for variables in ({"from": apqc, "to": "prm-it"}, {"from": "prm-it", "to": "it-cmf"}):
        assert "extensions" not in gql.post(NEGATIVES, variables).json(), variables
