"""GraphQL matches identifiers ignoring case and answers in the data's spelling, the one rule
MCP's tools follow (:mod:`pcfgraph.services.search.identifier_case`). ``element(id:
"prm-test/a24")``, ``element(code: "a24", framework: "prm-test")`` and ``framework(id:
"PRM-TEST")`` were "not found" although MCP's ``get_element`` found them: the data writes codes
in capitals and framework ids in lower case, and an element id joins both, so a client
cannot guess which case a part takes."""

from __future__ import annotations

from gql_support import APQC, PRM

A24 = "https://w3id.org/pcfgraph/id/prm-test/A24"


def test_element_lookups_ignore_case_and_answer_the_datas_spelling(gql):
    for args in (
        'id: "prm-test/a24"',
        'id: "PRM-TEST/A24"',
        f'iri: "{A24.lower()}"',
        'code: "a24", framework: "prm-test"',
        'code: "A24", framework: "PRM-Test"',
        'code: "a24", framework: "PRM-TEST"',
    ):
        got = gql.data(f"{{ element({args}) {{ id iri code framework {{ id }} }} }}")["element"]
        assert got == {
            "id": "prm-test/A24",
            "iri": A24,
            "code": "A24",
            "framework": {"id": PRM},
        }, args
    # a PCF ID with a framework given in another case
    got = gql.data(f'{{ element(pcfId: 20607, framework: "{APQC.upper()}") {{ id }} }}')
    assert got["element"]["id"] == "apqc-pcf/test/7.4/20607"


def test_what_names_nothing_ignoring_case_either_is_refused_as_before(gql):
    for args, message in (
        ('id: "prm-test/a99"', "no element 'prm-test/a99'"),
        ('code: "a99", framework: "prm-test"', "no code 'a99' in framework 'prm-test'"),
        ('code: "a24", framework: "nope"', "no framework 'nope'"),
    ):
        (err,) = gql.errors(f"{{ element({args}) {{ id }} }}")
        assert err["message"].startswith(message), err
        assert err["extensions"]["code"] == "not-found", err
    (err,) = gql.errors('{ framework(id: "NOPE") { id } }')
    assert err["message"].startswith("id: no framework 'NOPE'"), err


def test_framework_arguments_ignore_case(gql):
    upper = PRM.upper()
    got = gql.data(f'{{ framework(id: "{upper}") {{ id elementCount }} }}')["framework"]
    assert got["id"] == PRM and got["elementCount"] == 6
    exact = gql.data(f'{{ elements(framework: "{PRM}", first: 2) {{ totalCount nodes {{ id }} '
                     "pageInfo { endCursor } } }")["elements"]  # fmt: skip
    other = gql.data(f'{{ elements(framework: "{upper}", first: 2) {{ totalCount nodes {{ id }} '
                     "pageInfo { endCursor } } }")["elements"]  # fmt: skip
    assert other == exact and exact["totalCount"] == 6
    # one list, one cursor, whichever case its framework was given in
    rest = gql.data(
        f'{{ elements(framework: "{upper}", after: "{exact["pageInfo"]["endCursor"]}") '
        "{ nodes { id } } }"
    )["elements"]["nodes"]
    assert [n["id"] for n in rest] == [f"prm-test/A2{i}" for i in range(1, 5)]

    def same(field: str, lower: str, upper: str) -> None:
        assert gql.data(f"{{ {upper} }}") == gql.data(f"{{ {lower} }}"), field

    mappings = "{ subject { id } object { id } }"
    same(
        "mappings",
        f'mappings(from: "{APQC}", to: "{PRM}") {mappings}',
        f'mappings(from: "{APQC.upper()}", to: "{upper}") {mappings}',
    )
    assert gql.data(f'{{ mappings(from: "{APQC.upper()}", to: "{upper}") {{ iri }} }}')["mappings"]
    same(
        "negativeMappings",
        f'negativeMappings(from: "{APQC}") {{ iri }}',
        f'negativeMappings(from: "{APQC.upper()}") {{ iri }}',
    )
    same(
        "search",
        f'search(text: "customer", framework: "{PRM}") {{ element {{ id }} }}',
        f'search(text: "customer", framework: "{upper}") {{ element {{ id }} }}',
    )
    assert gql.data(f'{{ search(text: "customer", framework: "{upper}") {{ element {{ id }} }} }}')[
        "search"
    ]
    same(
        "gaps",
        f'gaps(framework: "{APQC}", target: "{PRM}", under: "8.1.1") {{ element {{ id }} }}',
        f'gaps(framework: "{APQC.upper()}", target: "{upper}", under: "APQC-PCF/TEST/7.4/30010") '
        "{ element { id } }",
    )
    element_mappings = '{{ element(id: "apqc-pcf/test/7.4/30011") {{ mappings(framework: "{}") {{ object {{ id }} }} }} }}'
    lower_answer = gql.data(element_mappings.format(PRM))
    assert lower_answer["element"]["mappings"], lower_answer
    assert gql.data(element_mappings.format(upper)) == lower_answer
    changes = '{{ element(id: "apqc-pcf/test/7.4/20608") {{ changesFrom(framework: "{}") {{ change }} }} }}'
    assert gql.data(changes.format(APQC_OLD_UPPER)) == gql.data(changes.format(APQC_OLD))


APQC_OLD = "apqc-pcf-test-7.3"
APQC_OLD_UPPER = APQC_OLD.upper()
