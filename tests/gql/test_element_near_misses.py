"""``element`` with an identifier that names nothing says what it is close to, as MCP's tools
do: "no element 'prm-it/A244'" was all a client heard for a typo of prm-it/A24."""

from __future__ import annotations

from gql_support import Client

from pcfgraph.release import Release

Q = """query($id: ID, $code: String, $framework: ID, $pcfId: Int) {
  element(id: $id, code: $code, framework: $framework, pcfId: $pcfId) { id } }"""


def test_an_unknown_element_names_the_closest_ones(shipped_release: Release) -> None:
    gql = Client(shipped_release)

    def message(**variables: object) -> str:
        body = gql.post(Q, variables).json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "not-found", error
        text: str = error["message"]
        return text

    assert message(id="prm-it/A244") == (
        "no element 'prm-it/A244'; the closest identifiers are those of prm-it/A24 "
        "(A24 Service Level Management), prm-it/A2 (A2 Customer Relationships)"
    )
    child = message(code="8.1.6.99", framework="apqc-pcf-cross-industry-7.4")
    assert "closest identifiers are those of apqc-pcf/cross-industry/7.4/20641 (8.1.6 " in child
    assert "closest identifiers are those of apqc-pcf/cross-industry/7.4/20640 (" in message(
        pcfId=2064
    )
    # where it is said already (another framework's code), nothing is added
    assert message(code="A24", framework="it-cmf") == (
        "no code 'A24' in framework 'it-cmf'; in other frameworks it names prm-it/A24"
    )
    assert message(id="zzzz") == "no element 'zzzz'"
