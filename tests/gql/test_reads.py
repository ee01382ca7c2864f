"""The schema's reads over the synthetic graph: lookups, tree, mappings, measures, IT-CMF,
pagination, search. Expected values come from the fixture's construction (gql_support)."""

from __future__ import annotations

from gql_support import APQC, APQC_OLD, ITCMF, PRM, processes, shared_catalog

from pcfgraph import services

SCALE = 3
P = processes(SCALE)


def test_frameworks_and_framework(gql):
    data = gql.data("{ frameworks { id iri title version elementCount } }")
    ids = [f["id"] for f in data["frameworks"]]
    assert ids == sorted([APQC, APQC_OLD, PRM, ITCMF])
    counts = {f["id"]: f["elementCount"] for f in data["frameworks"]}
    assert counts[APQC] == 2 + P * 4
    one = gql.data('{ framework(id: "prm-test") { id version topElements { code } } }')
    assert one["framework"] == {"id": PRM, "version": "V3", "topElements": [{"code": "A0"}]}
    # declared top concepts win over parentless elements (maturity levels, outcomes ...)
    itcmf = gql.data(f'{{ framework(id: "{ITCMF}") {{ topElements {{ code }} }} }}')
    assert itcmf["framework"]["topElements"] == [{"code": "RM"}]


def test_an_unknown_framework_id_is_a_not_found_error_like_an_unknown_element(gql):
    """``framework(id:)`` answered null without a word, where ``element``, ``elements`` and
    ``mappings`` answer an unknown id with a ``not-found`` error naming the known ids: a
    client could not tell "no such framework" from a field it forgot to ask for."""
    known = sorted([APQC, APQC_OLD, PRM, ITCMF])
    for query in (
        '{ framework(id: "nope") { id } }',
        '{ elements(framework: "nope") { totalCount } }',
    ):
        body = gql.post(query).json()
        (err,) = body["errors"]
        assert err["extensions"]["code"] == "not-found", err
        assert f"no framework 'nope'; known frameworks: {', '.join(known)}" in err["message"]
        assert err["locations"] == [{"line": 1, "column": 3}]
    (err,) = gql.errors('{ framework(id: "nope") { id } }')
    assert err["message"].startswith("id: ") and err["path"] == ["framework"]
    assert gql.data(f'{{ framework(id: "{PRM}") {{ id }} }}') == {"framework": {"id": PRM}}


def test_element_lookups_agree(gql):
    by_code = gql.data(
        f'{{ element(code: "8.1", framework: "{APQC}") {{ id iri pcfId kind level name }} }}'
    )["element"]
    assert by_code["kind"] == "processGroup" and by_code["level"] == 2
    by_id = gql.data(f'{{ element(id: "{by_code["id"]}") {{ iri }} }}')["element"]
    by_iri = gql.data(f'{{ element(iri: "{by_code["iri"]}") {{ id }} }}')["element"]
    by_pcf = gql.data(f'{{ element(pcfId: 20608, framework: "{APQC}") {{ id }} }}')["element"]
    assert by_id["iri"] == by_code["iri"]
    assert by_iri["id"] == by_pcf["id"] == by_code["id"]
    unique = gql.data("{ element(pcfId: 30011) { code framework { id } } }")["element"]
    assert unique == {"code": "8.1.1.1", "framework": {"id": APQC}}


def test_ambiguous_and_unknown_lookups_are_clear_errors(gql):
    (err,) = gql.errors("{ element(pcfId: 20608) { id } }")
    assert err["extensions"]["code"] == "ambiguous"
    assert APQC in err["message"] and APQC_OLD in err["message"]
    (err,) = gql.errors('{ element(code: "8.1") { id } }')
    assert "needs a framework" in err["message"]
    # and says which elements have the code, by the ids to give instead (it said only
    # "needs a framework", and left the caller to search for them)
    q = '{ a: element(code: "8.1", framework: "%s") { id } b: element(code: "8.1", framework: "%s") { id } }'
    homes = gql.data(q % (APQC, APQC_OLD))
    assert err["message"].endswith(
        f"; it is the code of {', '.join(sorted(h['id'] for h in homes.values()))}: give the "
        "element id as id, or its framework"
    ), err["message"]
    (err,) = gql.errors(f'{{ element(code: "9.9", framework: "{APQC}") {{ id }} }}')
    assert err["extensions"]["code"] == "not-found" and "9.9" in err["message"]
    (err,) = gql.errors('{ element(code: "A2", framework: "no-such") { id } }')
    assert err["extensions"]["code"] == "not-found" and PRM in err["message"]
    (err,) = gql.errors('{ element(code: "A2", pcfId: 1, framework: "prm-test") { id } }')
    assert "exactly one" in err["message"]
    (err,) = gql.errors("{ element { id } }")
    assert "exactly one" in err["message"]


def test_a_malformed_id_or_iri_is_named_by_its_argument(gql):
    """A text that cannot be an IRI was refused in the words of the named query under the
    lookup: "parameter 'element' expects iri, got ..." (no argument of element() is called
    element; for an id it showed the IRI built from it). An iri is told it is no IRI; an id
    that makes no IRI names no element, as any other unknown id."""
    (err,) = gql.errors('{ element(iri: "not an iri") { id } }')
    assert err["message"] == "iri 'not an iri' is not an IRI"
    assert err["extensions"]["code"] == "bad-input"
    (err,) = gql.errors('{ element(id: "prm-test/A 24") { id } }')
    # (and what it is close to, services/search/near.py)
    assert err["message"].startswith("no element 'prm-test/A 24'")
    assert err["extensions"]["code"] == "not-found"


def test_an_element_of_another_framework_is_told_where_it_is(gql):
    """element(id:/iri:/pcfId:) with a framework: that does not hold the element said "no
    element 'prm-test/A2'", as if it did not exist: the message now names where it is."""
    iri = gql.data('{ element(code: "A2", framework: "prm-test") { iri } }')["element"]["iri"]
    for lookup, what in (
        ('id: "prm-test/A2"', "element 'prm-test/A2'"),
        (f'iri: "{iri}"', f"element <{iri}>"),
        ("pcfId: 20608", "PCF ID 20608"),
    ):
        (err,) = gql.errors(f'{{ element({lookup}, framework: "{ITCMF}") {{ id }} }}')
        assert err["extensions"]["code"] == "not-found", err
        where = PRM if "pcfId" not in lookup else ", ".join(sorted([APQC, APQC_OLD]))
        assert err["message"] == f"{what} is not in framework '{ITCMF}': it is in {where}"
    (err,) = gql.errors(f'{{ element(id: "prm-test/A99", framework: "{PRM}") {{ id }} }}')
    assert err["message"] == "no element 'prm-test/A99'"  # in no framework: still not found


def test_a_category_code_without_its_point_zero_is_told_the_code(gql):
    """APQC writes a category's code "8.0": element(code: "8") said "no code '8'" and nothing
    more; it now names the code it exists under. A number naming nothing stays plain."""
    (err,) = gql.errors(f'{{ element(code: "8", framework: "{APQC}") {{ id }} }}')
    assert err["extensions"]["code"] == "not-found", err
    assert err["message"] == (
        f"no code '8' in framework '{APQC}'; did you mean '8.0'? (APQC writes a category's "
        "code with .0)"
    )
    (err,) = gql.errors(f'{{ element(code: "97", framework: "{APQC}") {{ id }} }}')
    assert err["message"] == f"no code '97' in framework '{APQC}'"


def test_tree_navigation(gql):
    q = f"""{{ element(code: "8.1.10", framework: "{APQC}") {{
        parent {{ code }} ancestors {{ code }} children {{ code parent {{ code }} }}
        descendants {{ code }} d1: descendants(maxDepth: 1) {{ code }} }} }}"""
    e = gql.data(q)["element"]
    assert e["parent"] == {"code": "8.1"}
    assert [a["code"] for a in e["ancestors"]] == ["8.0", "8.1"]
    assert [c["code"] for c in e["children"]] == ["8.1.10.1", "8.1.10.2", "8.1.10.3"]
    assert all(c["parent"]["code"] == "8.1.10" for c in e["children"])
    assert e["descendants"] == e["d1"] == [{"code": c["code"]} for c in e["children"]]
    group = gql.data(f'{{ element(code: "8.1", framework: "{APQC}") {{ children {{ code }} }} }}')
    codes = [c["code"] for c in group["element"]["children"]]
    assert codes == [f"8.1.{k}" for k in range(1, P + 1)]  # natural order: 8.1.10 after 8.1.9


def test_element_mappings_curated_derived_direction_and_filters(gql):
    q = f"""{{ element(code: "8.1.1.1", framework: "{APQC}") {{
        curated: mappings {{ relation derived justification confidence author comment
          subject {{ code }} object {{ id framework {{ id }} }} mappingSet {{ title }} }}
        all: mappings(includeDerived: true, direction: EITHER) {{ derived subject {{ id }} }}
        none: mappings(relation: EXACT_MATCH) {{ id }}
        toItcmf: mappings(framework: "itcmf-test") {{ id }} }} }}"""
    e = gql.data(q)["element"]
    (m,) = e["curated"]
    assert m["relation"] == "CLOSE_MATCH" and m["derived"] is False
    assert m["justification"] == "semapv:ManualMappingCuration" and m["confidence"] == 0.8
    assert m["subject"] == {"code": "8.1.1.1"} and m["object"]["framework"] == {"id": PRM}
    assert m["mappingSet"] == {"title": "Test PCF to PRM"} and m["author"] == "Test Curator"
    assert sorted(x["derived"] for x in e["all"]) == [False, True]
    assert e["none"] == [] and e["toItcmf"] == []


def test_mapping_filters_refuse_a_framework_not_loaded(gql):
    """mappings(from:/to:), negativeMappings and Element.mappings(framework:) answered [] for
    a framework id no loaded framework has (read as "no mappings"), which MCP get_mappings
    and elements(framework:) refuse."""
    for query, path, argument in (
        ('{ mappings(from: "nope") { id } }', ["mappings"], "from"),
        (f'{{ mappings(from: "{APQC}", to: "nope") {{ id }} }}', ["mappings"], "to"),
        ('{ negativeMappings(to: "nope") { subject { id } } }', ["negativeMappings"], "to"),
        ('{ negativeMappings(from: "nope") { subject { id } } }', ["negativeMappings"], "from"),
        (
            f'{{ element(code: "8.1.1.1", framework: "{APQC}") '
            '{ mappings(framework: "nope") { id } } }',
            ["element", "mappings"],
            "framework",
        ),
    ):
        (err,) = gql.errors(query)
        # the message names the argument: with from: and to: both given, which one is wrong
        assert err["message"].startswith(f"{argument}: no framework 'nope'; known frameworks: "), (
            err
        )
        assert PRM in err["message"] and err["extensions"]["code"] == "not-found"
        assert err["path"] == path
    # a loaded framework without such records is an empty list, not an error
    none = gql.data(f'{{ mappings(from: "{ITCMF}", to: "{PRM}") {{ id }} }}')
    assert none == {"mappings": []}
    assert gql.data(f'{{ mappings(from: "{APQC}", to: "{PRM}") {{ id }} }}')["mappings"]


def test_derived_mapping_chain(gql):
    q = """{ element(id: "prm-test/A22") {
        incoming: mappings(direction: OBJECT) { id subject { code } }
        derived: mappings(includeDerived: true) { derived relation object { code }
          chain { id derived subject { code } object { code } } } } }"""
    e = gql.data(q)["element"]
    curated = {m["id"]: m["subject"]["code"] for m in e["incoming"]}
    assert curated and all(code.endswith(".1") for code in curated.values())
    assert e["derived"] and all(m["derived"] for m in e["derived"])
    for m in e["derived"]:
        (link,) = m["chain"]
        # the inverse of a curated record: same ends, reversed
        assert link["derived"] is False and link["id"] in curated
        assert link["subject"] == m["object"] and link["object"] == {"code": "A22"}


def test_top_level_mappings_filters(gql):
    every = gql.data(f'{{ mappings(from: "{APQC}") {{ relation confidence object {{ id }} }} }}')
    assert len(every["mappings"]) == 2 * P
    to_prm = gql.data(f'{{ mappings(from: "{APQC}", to: "{PRM}") {{ relation }} }}')["mappings"]
    assert len(to_prm) == P and {m["relation"] for m in to_prm} == {"CLOSE_MATCH"}
    strong = gql.data("{ mappings(minConfidence: 0.7) { confidence derived } }")["mappings"]
    assert len(strong) == P and all(m["confidence"] >= 0.7 and not m["derived"] for m in strong)
    related = gql.data("{ mappings(relation: RELATED_MATCH, includeDerived: true) { derived } }")
    assert sorted(m["derived"] for m in related["mappings"]) == [False] * P + [True] * P
    (err,) = gql.errors("{ mappings(minConfidence: 2) { id } }")
    assert "between 0 and 1" in err["message"]


def test_a_small_min_confidence_filters_as_zero_does(gql):
    """0.00001 is bound as the decimal it is, not as Python's ``1e-05`` (no xsd:decimal:
    the filter compared against an ill-formed literal and every mapping was dropped)."""
    every = gql.data("{ mappings { id } }")["mappings"]
    for small in ("0.00001", "1e-5", "0.0"):
        got = gql.data(f"{{ mappings(minConfidence: {small}) {{ id }} }}")["mappings"]
        assert {m["id"] for m in got} == {m["id"] for m in every}, small


def test_measures(gql):
    q = f"""{{ element(code: "8.1.2", framework: "{APQC}") {{ id
        measures {{ id metricId name category units formula description element {{ id }} }} }} }}"""
    e = gql.data(q)["element"]
    assert [m["metricId"] for m in e["measures"]] == [100021, 100022]
    assert {m["category"] for m in e["measures"]} == {"Cost Effectiveness", "Cycle Time"}
    assert all(m["element"]["id"] == e["id"] and m["units"] == "percent" for m in e["measures"])


def test_itcmf_maturity_structure(gql):
    q = """{ practice: element(id: "itcmf-test/RM/practice/3.2") {
          kind maturityLevel { number name element { kind } } buildingBlock { code }
          outcomes { name } metrics { name } }
        block: element(code: "RM", framework: "itcmf-test") {
          all: practices { code } l3: practices(level: 3) { code } }
        level: element(id: "itcmf-test/maturity-level/2") { practices { code } } }"""
    d = gql.data(q)
    p = d["practice"]
    assert p["kind"] == "practice" and p["buildingBlock"] == {"code": "RM"}
    assert p["maturityLevel"] == {
        "number": 3,
        "name": "Level 3",
        "element": {"kind": "maturityLevel"},
    }
    assert p["outcomes"] == [{"name": "Outcome 3.2"}] and p["metrics"] == [{"name": "Metric 3.2"}]
    assert [x["code"] for x in d["block"]["all"]] == ["RM 2.1", "RM 2.2", "RM 3.1", "RM 3.2"]
    assert [x["code"] for x in d["block"]["l3"]] == ["RM 3.1", "RM 3.2"]
    assert [x["code"] for x in d["level"]["practices"]] == ["RM 2.1", "RM 2.2"]


def test_practices_level_outside_1_to_5_is_an_error_naming_it(gql):
    """practices(level: 9) answered [] (read as "no practices at level 9")."""
    for level in (9, 0, -1, 6):
        (err,) = gql.errors(
            f'{{ block: element(code: "RM", framework: "itcmf-test") {{ '
            f"practices(level: {level}) {{ code }} }} }}"
        )
        assert err["message"] == f"level must be between 1 and 5, not {level}", err
        assert err["extensions"]["code"] == "bad-input"
        assert err["path"] == ["block", "practices"]
    for level in (1, 5):  # the ends of the range are levels (without practices here)
        block = gql.data(
            f'{{ element(code: "RM", framework: "itcmf-test") {{ practices(level: {level}) '
            "{ code } } }"
        )
        assert block == {"element": {"practices": []}}


def test_elements_refuse_a_level_below_the_top_and_a_kind_no_element_has(gql):
    """elements(level: 0) and elements(kind: "activty") answered an empty list (read as
    "none exist"); search(kind:) and MCP find_gaps refuse such a kind."""
    for query in (
        "{ elements(level: 0) { totalCount } }",
        f'{{ framework(id: "{APQC}") {{ elements(level: -1) {{ totalCount }} }} }}',
    ):
        (err,) = gql.errors(query)
        assert err["message"].startswith("level must be at least 1 (the top), not "), err
        assert err["extensions"]["code"] == "bad-input" and err["path"][-1] == "elements"
    (err,) = gql.errors('{ elements(kind: "activty") { totalCount } }')
    assert err["message"].startswith("kind: no kind 'activty'; known: "), err
    assert "activity" in err["message"] and err["extensions"]["code"] == "not-found"
    # an empty kind is no kind either (it answered 0 elements, read as "none exist")
    for query in (
        '{ elements(kind: "") { totalCount } }',
        f'{{ framework(id: "{PRM}") {{ elements(kind: "") {{ totalCount }} }} }}',
    ):
        (err,) = gql.errors(query)
        assert err["message"].startswith("kind: no kind ''; known: "), err
        assert err["extensions"]["code"] == "not-found" and err["path"][-1] == "elements"
    # a kind of other frameworks, none of it in this one: an empty list, no error
    none_here = gql.data(f'{{ elements(framework: "{ITCMF}", kind: "activity") {{ totalCount }} }}')
    assert none_here == {"elements": {"totalCount": 0}}
    level_one = gql.data(f'{{ elements(framework: "{PRM}", level: 1) {{ totalCount }} }}')
    assert level_one["elements"]["totalCount"] >= 1


def test_elements_connection_pages_through_everything(gql):
    reader = services.Reader(gql.release.store, shared_catalog())
    expected = [e.id for e in services.list_elements(reader, framework=APQC)]
    seen: list[str] = []
    after = None
    while True:
        arg = f', after: "{after}"' if after else ""
        page = gql.data(
            f'{{ elements(framework: "{APQC}", first: 7{arg}) {{ totalCount '
            "edges { cursor node { id } } nodes { id } "
            "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
        )["elements"]
        assert page["totalCount"] == len(expected)
        assert [e["node"] for e in page["edges"]] == page["nodes"]
        assert page["pageInfo"]["hasPreviousPage"] == bool(seen)
        seen.extend(n["id"] for n in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    acts = gql.data('{ elements(kind: "activity", level: 4) { totalCount } }')["elements"]
    assert acts["totalCount"] == 3 * P
    fw = gql.data(
        f'{{ framework(id: "{APQC}") {{ elements(level: 3, first: 2) {{ totalCount }} }} }}'
    )
    assert fw["framework"]["elements"]["totalCount"] == P
    (err,) = gql.errors('{ elements(after: "bm9wZQ==") { totalCount } }')
    assert "invalid cursor" in err["message"]


def test_a_cursor_continues_only_the_list_that_gave_it_out(gql):
    """A cursor is bound to its list (framework and filters): another list's cursor is an
    error naming the difference, not an offset into this list."""

    def end_cursor(args: str) -> str:
        page = gql.data(f"{{ elements({args}, first: 2) {{ pageInfo {{ endCursor }} }} }}")
        return str(page["elements"]["pageInfo"]["endCursor"])

    apqc = end_cursor(f'framework: "{APQC}"')
    # the same list through Framework.elements continues where it ended
    same = gql.data(
        f'{{ framework(id: "{APQC}") {{ elements(first: 1, after: "{apqc}") {{ nodes {{ id }} }} }} }}'
    )
    reader = services.Reader(gql.release.store, shared_catalog())
    third = services.list_elements(reader, framework=APQC)[2].id
    assert same["framework"]["elements"]["nodes"] == [{"id": third}]
    for query in (
        f'{{ elements(framework: "{PRM}", after: "{apqc}") {{ totalCount }} }}',
        f'{{ framework(id: "{PRM}") {{ elements(after: "{apqc}") {{ totalCount }} }} }}',
        f'{{ elements(framework: "{APQC}", kind: "activity", after: "{apqc}") {{ totalCount }} }}',
        f'{{ elements(after: "{apqc}") {{ totalCount }} }}',
        f'{{ elements(framework: "{APQC}", industrySpecific: false, after: "{apqc}") '
        "{ totalCount } }",
    ):
        (err,) = gql.errors(query)
        assert "belongs to another list" in err["message"], err
        assert f'framework "{APQC}"' in err["message"]
        assert err["extensions"]["code"] == "bad-input"
        assert err["path"][-1] == "elements"
    (err,) = gql.errors(f'{{ elements(framework: "{PRM}", after: "{apqc}") {{ totalCount }} }}')
    assert f'framework "{PRM}"' in err["message"]  # both lists named
    # the old offset cursors ("element:N") are not cursors of any list
    (err,) = gql.errors('{ elements(after: "ZWxlbWVudDox") { totalCount } }')
    assert "invalid" in err["message"] and err["extensions"]["code"] == "bad-input"


def test_search_is_accent_and_case_insensitive_and_ranked(gql):
    hits = gql.data(
        '{ search(text: "GERER les RELATIONS") { field score snippet element { code } } }'
    )
    (hit,) = hits["search"]
    assert hit["element"]["code"] == "8.1.1" and hit["field"] == "NAME"
    assert hit["snippet"] == "<mark>Gérer les relations</mark> clientèle"
    # the definition snippet is HTML-escaped around the mark
    (d,) = gql.data('{ search(text: "planifier") { field snippet } }')["search"]
    assert d == {
        "field": "DEFINITION",
        "snippet": "Comprendre les besoins du client &amp; &lt;<mark>planifier</mark>&gt; les services.",
    }
    ranked = gql.data('{ search(text: "customer", first: 50) { field score element { code } } }')
    fields = [h["field"] for h in ranked["search"]]
    assert "NAME" in fields and fields == sorted(fields, key=["CODE", "NAME", "DEFINITION"].index)
    scores = [h["score"] for h in ranked["search"]]
    assert scores == sorted(scores, reverse=True)
    only = gql.data(
        '{ search(text: "customer", framework: "prm-test", first: 50) { element { framework { id } } } }'
    )
    assert {h["element"]["framework"]["id"] for h in only["search"]} == {PRM}
    code = gql.data('{ search(text: "a21") { field element { code } } }')["search"]
    assert code[0] == {"field": "CODE", "element": {"code": "A21"}}
    assert gql.data('{ search(text: "zzzz-nothing") { score } }') == {"search": []}


def test_a_search_hit_says_in_how_many_other_editions_it_matched(gql):
    """A text search shows an element once across editions (its newest), so totalCount
    counts elements while frameworkFacet counts every matching edition; MCP's and the CLI's
    hits said how many other editions matched (otherEditions), GraphQL's could not."""
    q = """query($t: String!) { searchResults(text: $t) { totalCount
      frameworkFacet { value count } hits { otherEditions element { id framework { id } } } } }"""
    for text in ("customer relationships", "Manage IT", "Manage"):
        got = gql.data(q, {"t": text})["searchResults"]
        by_id = {h["element"]["id"]: h["otherEditions"] for h in got["hits"]}
        facet = {f["value"]: f["count"] for f in got["frameworkFacet"]}
        assert sum(facet.values()) == got["totalCount"] + sum(by_id.values()), text
    # PCF ID 20608 is stated by both test editions: one hit (7.4), one other edition
    got = gql.data(q, {"t": "customer relationships"})["searchResults"]
    by_id = {h["element"]["id"]: h["otherEditions"] for h in got["hits"]}
    assert by_id["apqc-pcf/test/7.4/20608"] == 1 and "apqc-pcf/test/7.3/20608" not in by_id
    assert by_id["prm-test/A2"] == 0
    # an identifier hit is one per edition: none stands for another
    ids = gql.data(q, {"t": "20607"})["searchResults"]["hits"]
    assert {h["element"]["id"]: h["otherEditions"] for h in ids} == {
        "apqc-pcf/test/7.4/20607": 0,
        "apqc-pcf/test/7.3/20607": 0,
    }
