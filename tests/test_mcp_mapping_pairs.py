"""``get_mappings`` between two frameworks reads the records stated from ``source`` to
``target``. The curated sets state APQC to PRM-IT (and PRM-IT to TRIM), so asked for PRM-IT to
APQC the answer was ``total: 0`` with nothing saying the 50 curated mappings exist the other way
round: an assistant told its user there were none. A framework paired with itself answered an
empty list too, where it is a slip of the caller."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_support import call, refused
from mcp_support import session_without_pool as session

from pcfgraph import iris, services
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"


def test_an_answer_between_two_frameworks_says_what_is_stated_the_other_way(
    shipped_release: Release,
) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    # the oracle: the curated records and negatives of the services, in each direction
    forward = {m.iri for m in services.mappings(reader, source=APQC, target="prm-it")}
    negatives = services.negative_mappings(reader, source=APQC, target="prm-it")
    assert forward and negatives
    assert not services.mappings(reader, source="prm-it", target=APQC)
    answers: dict[str, dict[str, Any]] = {}

    async def body(client: Client) -> None:
        answers["back"] = await call(
            client, "get_mappings", source="prm-it", target=APQC, limit=100
        )
        answers["back_derived"] = await call(
            client, "get_mappings", source="prm-it", target=APQC, include_derived=True, limit=100
        )
        answers["forth"] = await call(
            client, "get_mappings", source=APQC, target="prm-it", limit=100
        )

    session(shipped_release, body)
    back = answers["back"]
    assert back["total"] == 0
    assert back["curatedOtherWay"] == len(forward)
    assert back["negativeMappingsOtherWay"] == len(negatives)
    assert f"from {APQC} to prm-it" in back["note"] and "swapped" in back["note"]
    # with the derived rows the items are the inverses only, and the note says so
    derived = answers["back_derived"]
    assert derived["items"] and all(i["derived"] for i in derived["items"])
    assert "derived inverses" in derived["note"]
    # the direction the records are stated in: every one of them, nothing more to read
    forth = answers["forth"]
    assert {i["record"] for i in forth["items"]} == forward
    assert forth["curatedOtherWay"] == 0 and forth["negativeMappingsOtherWay"] == 0
    assert "note" not in forth


def test_a_framework_paired_with_itself_is_a_tool_error(shipped_release: Release) -> None:
    errors: list[str] = []

    async def body(client: Client) -> None:
        refusal = await refused(client, "get_mappings", {"source": "prm-it", "target": "prm-it"})
        errors.append(refusal)

    session(shipped_release, body)
    assert errors[0].startswith("argument 'target': is the source framework itself (prm-it)")


def test_an_element_with_its_own_framework_as_target_is_a_tool_error(
    shipped_release: Release,
) -> None:
    """Mappings are between two frameworks: an element's mappings "to" its own framework
    were "total": 0 with no word of why, which an assistant reads as "A24 maps to nothing"."""
    answers: list[Any] = []

    async def body(client: Client) -> None:
        for args in (
            {"element": "A24", "target": "prm-it"},
            {"element": "A24", "source": "prm-it", "target": "prm-it"},
            {"element": "20641", "target": APQC, "include_derived": True},
        ):
            refusal = await refused(client, "get_mappings", args)
            answers.append(refusal)
        # another framework is still answered
        answers.append(await call(client, "get_mappings", element="A24", target="trim"))

    session(shipped_release, body)
    *refusals, other = answers
    for message, own in zip(refusals, ("prm-it", "prm-it", APQC), strict=True):
        assert message.startswith(
            f"argument 'target': is the element's own framework ({own}): mappings are "
            "between two frameworks"
        ), message
    assert other["total"] > 0


def test_negative_mappings_name_their_ends(shipped_release: Release) -> None:
    """A negative mapping ("8.1.2.2 is NOT related to A26") gave its ends as bare IRIs, so an
    assistant had to look each one up before it could say which elements the reviewers
    rejected; they carry their codes and names now (and the record's IRI, to cite), and each
    end as a mapping's ends are given (``subjectElement``, ``objectElement``: element id,
    framework, page), where a client had the IRI alone to look up."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    negatives = services.negative_mappings(reader, source=APQC, target="prm-it")
    ends = sorted(
        {(n.subject_iri, None) for n in negatives} | {(n.object_iri, None) for n in negatives}
    )
    found = {e.iri: e for e in services.elements_by_iris(reader, ends) if e}
    oracle = {iri: (e.code, e.name) for iri, e in found.items()}
    answers: list[dict[str, Any]] = []

    async def body(client: Client) -> None:
        answers.append(await call(client, "get_mappings", source=APQC, target="prm-it", limit=100))
        first = negatives[0].subject_iri
        answers.append(await call(client, "get_mappings", element=first, target="prm-it"))

    session(shipped_release, body)
    between, of_element = answers
    assert {n["record"] for n in between["negativeMappings"]} == {n.iri for n in negatives}
    for n in between["negativeMappings"] + of_element["negativeMappings"]:
        assert (n["subjectCode"], n["subjectName"]) == oracle[n["subject"]], n
        assert (n["objectCode"], n["objectName"]) == oracle[n["object"]], n
        # each end as a mapping's ends are given (element id, framework, page), not an IRI alone
        for end in ("subject", "object"):
            e = found[n[end]]
            ref = n[f"{end}Element"]
            assert (ref["iri"], ref["id"], ref["framework"], ref["code"], ref["name"]) == (
                e.iri,
                e.id,
                e.framework_id,
                e.code,
                e.name,
            ), n
            assert ref["url"].endswith(f"/id/{e.id}"), ref
    assert of_element["negativeMappings"]


def test_the_apqc_family_where_one_edition_is_needed_names_the_editions(
    shipped_release: Release,
) -> None:
    """search takes "apqc-pcf" (its facets say "family": {"apqc-pcf": ...}), so an assistant
    passes it on to get_mappings, find_gaps or get_element, which need one edition: the error
    listed every framework id without saying the family holds the one to give."""
    errors: list[tuple[int, str]] = []

    async def body(client: Client) -> None:
        for tool, args in (
            ("get_mappings", {"source": "apqc-pcf", "target": "prm-it"}),
            ("find_gaps", {"framework": "apqc-pcf", "under": "8.1"}),
            ("get_element", {"element": "8.1.5.4", "framework": "apqc-pcf"}),
        ):
            refusal = await refused(client, tool, args)
            errors.append(refusal)

    session(shipped_release, body)
    hint = f"is the family of the APQC editions: give one, {APQC}"
    for argument, message in zip(("source", "framework", "framework"), errors, strict=True):
        assert message.startswith(
            f"argument '{argument}': no framework 'apqc-pcf' (apqc-pcf {hint})"
        )
        assert message.endswith(f"known frameworks: {APQC}, it-cmf, prm-it, trim")


def test_an_element_s_mappings_say_the_relation_read_from_it(shipped_release: Release) -> None:
    """get_element and get_mappings gave an incoming record's relation as the record states
    it (8.1.5.2 broadMatch A25) beside ``other: 8.1.5.2``, which reads "A25 broadMatch
    8.1.5.2", the opposite of the record; the element page and the spreadsheet say "A25
    narrowMatch 8.1.5.2". ``relationToOther`` is the relation read from the element, as the
    page reads it (the oracle), and ``relation`` stays the record's."""
    from pcfgraph.services.page_reads import Reads

    a25 = "https://w3id.org/pcfgraph/id/prm-it/A25"
    page = Reads(shipped_release.store, QueryCatalog()).element(a25).mappings
    shown = {(m.record, m.relation.rsplit("#", 1)[1]) for m in page if not m.derived}
    reader = services.Reader(shipped_release.store, QueryCatalog())
    (element,) = services.elements_by_iris(reader, [(a25, "prm-it")])
    assert element is not None
    (records,) = services.mappings_of(reader, [element], direction="either")
    stated = {m.iri: m.relation for m in records}
    answers: list[dict[str, Any]] = []
    said: list[str] = []  # the server's instructions and the prompt that uses get_mappings

    async def body(client: Client) -> None:
        answers.append(await call(client, "get_element", element="A25"))
        answers.append(await call(client, "get_mappings", element="A25", limit=100))
        said.append(client.instructions or "")
        prompt = await client.get_prompt("map-my-process", {"process": "demand forecasting"})
        said.append(str(prompt.messages[0].content))

    session(shipped_release, body)
    for answer in answers:
        got = answer["mappings"] if "mappings" in answer else answer["items"]
        assert {(m["record"], m["relationToOther"]) for m in got} == shown
        assert {m["record"]: m["relation"] for m in got} == stated
        assert {m["direction"] for m in got} == {"incoming"}
        assert ("broadMatch", "narrowMatch") in {(m["relation"], m["relationToOther"]) for m in got}
    assert all("relationToOther" in text for text in said), said
    # get_mappings says which element they are of (direction and other are relative to it)
    assert answers[1]["element"]["id"] == "prm-it/A25"
    assert answers[1]["element"]["url"].endswith("/id/prm-it/A25")


def test_an_element_s_no_counterpart_decisions_are_given(shipped_release: Release) -> None:
    """8.1.2.2 has a curated "no counterpart" decision towards PRM-IT, IT-CMF and TRIM (the
    element page and find_gaps say so), but get_mappings and get_element answered "total": 0
    and an empty list, which an assistant reported as "not mapped yet". Both give the
    decisions now, with their reasons and records (get_mappings: towards target only)."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    landscape = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20614"
    oracle = {
        (n.target_framework, n.reason, n.iri)
        for n in services.no_counterparts(reader, APQC)
        if n.element_iri == landscape
    }
    assert {fw for fw, _, _ in oracle} == {"prm-it", "it-cmf", "trim"}
    answers: list[dict[str, Any]] = []

    async def body(client: Client) -> None:
        answers.append(await call(client, "get_mappings", element="8.1.2.2"))
        answers.append(await call(client, "get_element", element="8.1.2.2"))
        answers.append(await call(client, "get_mappings", element="8.1.2.2", target="trim"))

    session(shipped_release, body)
    mappings, element, towards_trim = answers
    for answer in (mappings, element):
        got = {
            (n["lacksCounterpartIn"], n["reason"], n["record"]) for n in answer["noCounterparts"]
        }
        assert got == oracle
        assert {"prm-it", "it-cmf", "trim"} <= set(answer["sources"])  # the reasons quote them
    assert mappings["total"] == 0
    assert {n["lacksCounterpartIn"] for n in towards_trim["noCounterparts"]} == {"trim"}


def test_records_say_who_decided_them_and_when(shipped_release: Release) -> None:
    """GraphQL's Mapping and NegativeMapping give a record's author, reviewers, date and
    set; MCP gave its justification and comment only, so an assistant could not say who
    decided a mapping (or a rejection), or when. Each record now carries them."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    records = {m.iri: m for m in services.mappings(reader, source=APQC, target="prm-it")}
    rejected = {n.iri: n for n in services.negative_mappings(reader, source=APQC, target="prm-it")}
    assert any(m.reviewers for m in records.values()) and any(
        n.reviewers for n in rejected.values()
    )
    answers: list[dict[str, Any]] = []

    async def body(client: Client) -> None:
        answers.append(await call(client, "get_mappings", source=APQC, target="prm-it", limit=100))
        answers.append(await call(client, "get_element", element="A25"))

    session(shipped_release, body)
    between, element = answers
    for item in between["items"] + element["mappings"]:
        m = records[item["record"]]
        assert (item["author"], item["reviewers"], item["mappingDate"], item["mappingSet"]) == (
            m.author, list(m.reviewers), m.mapping_date, m.mapping_set_iri,
        )  # fmt: skip
    assert element["mappings"]
    for item in between["negativeMappings"]:
        n = rejected[item["record"]]
        assert (item["reviewers"], item["mappingDate"], item["mappingSet"]) == (
            list(n.reviewers), n.mapping_date, n.mapping_set_iri,
        )  # fmt: skip


def test_between_two_frameworks_the_no_counterpart_decisions_are_given(
    shipped_release: Release,
) -> None:
    """get_mappings between APQC and PRM-IT gave the mappings and the negative mappings, but
    not the source elements the curators decided have no PRM-IT counterpart: "which 8.1
    activities have no PRM-IT counterpart, and why?" needed find_gaps. They are listed apart
    (noCounterparts, each naming its element), paged with the items by the same cursor."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    oracle = {
        (n.element_iri, n.reason, n.iri)
        for n in services.no_counterparts(reader, APQC, target="prm-it")
    }
    assert len(oracle) > 2
    pages: list[dict[str, Any]] = []

    async def body(client: Client) -> None:
        args: dict[str, Any] = {"source": APQC, "target": "prm-it", "limit": 2}
        while True:
            got = await call(client, "get_mappings", **args)
            pages.append(got)
            if "nextCursor" not in got:
                break
            args["cursor"] = got["nextCursor"]

    session(shipped_release, body)
    listed = [n for p in pages for n in p["noCounterparts"]]
    assert {(n["element"]["iri"], n["reason"], n["record"]) for n in listed} == oracle
    assert len(listed) == len(oracle)  # each once, over the pages
    assert {n["lacksCounterpartIn"] for n in listed} == {"prm-it"}
    assert all(n["element"]["framework"] == APQC and n["element"]["code"] for n in listed)
    assert pages[0]["noCounterpartsTotal"] == len(oracle)


def test_a_relation_filters_the_records_as_graphql_does(shipped_release: Release) -> None:
    """GraphQL ``Element.mappings(relation:)`` filters by the relation a record states;
    get_mappings had no such filter. Given in any spelling relation_names takes, it keeps
    the records (and negative ones) of that relation, between two frameworks and for an
    element; the answer without it is the same as before; an unknown one names the argument."""
    reader = services.Reader(shipped_release.store, QueryCatalog())
    records = services.mappings(reader, source=APQC, target="prm-it")
    negatives = services.negative_mappings(reader, source=APQC, target="prm-it")
    assert {m.relation for m in records} >= {"broadMatch", "relatedMatch", "closeMatch"}
    (a24,) = services.elements_by_iris(reader, [(str(iris.prm_it("A24")), "prm-it")])
    assert a24 is not None
    (of_a24,) = services.mappings_of(reader, [a24], direction="either", relation="closeMatch")
    answers: dict[str, Any] = {}

    async def body(client: Client) -> None:
        for spelt in ("broadMatch", "skos:BROADMATCH", "BROAD_MATCH", str(iris.SKOS.broadMatch)):
            answers[spelt] = await call(
                client, "get_mappings", source=APQC, target="prm-it", relation=spelt, limit=100
            )
        answers["related"] = await call(
            client, "get_mappings", source=APQC, target="prm-it", relation="relatedMatch",
            limit=100,
        )  # fmt: skip
        answers["all"] = await call(client, "get_mappings", source=APQC, target="prm-it", limit=100)
        answers["a24"] = await call(
            client, "get_mappings", element="A24", relation="close_match", limit=100
        )
        answers["bad"] = await refused(
            client, "get_mappings", {"source": APQC, "target": "prm-it", "relation": "sameAs"}
        )

    session(shipped_release, body)
    broad = {m.iri for m in records if m.relation == "broadMatch"}
    for spelt in ("broadMatch", "skos:BROADMATCH", "BROAD_MATCH", str(iris.SKOS.broadMatch)):
        assert {i["record"] for i in answers[spelt]["items"]} == broad
        assert answers[spelt]["negativeMappings"] == []  # no negative broadMatch
    related = answers["related"]
    assert {i["record"] for i in related["items"]} == {
        m.iri for m in records if m.relation == "relatedMatch"
    }
    assert {n["record"] for n in related["negativeMappings"]} == {
        n.iri for n in negatives if n.relation == "relatedMatch"
    }
    assert {i["record"] for i in answers["all"]["items"]} == {m.iri for m in records}
    assert {i["record"] for i in answers["a24"]["items"]} == {m.iri for m in of_a24}
    assert answers["a24"]["items"]
    assert "argument 'relation'" in answers["bad"] and "sameAs" in answers["bad"]
