"""An element passed back as the tools and resources name it is that element. The tools give
an element's ``iri`` and its page ``url``; the vocabulary resource gives the prefixes SPARQL
writes IRIs with. An assistant passing back the ``url`` it was just given (it looks like the
link), an IRI in SPARQL's angle brackets, or ``prmit:A24`` was told "no element", as if the
server had not named that element itself a moment before."""

from __future__ import annotations

from mcp import Client
from mcp_support import call, refused, session_without_pool

from pcfgraph.release import Release

A24 = "https://w3id.org/pcfgraph/id/prm-it/A24"
PCF_20641 = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20641"


def test_a_page_url_an_iri_in_brackets_and_a_curie_name_their_element(
    shipped_release: Release,
) -> None:
    async def body(client: Client) -> None:
        given = await call(client, "get_element", element="A24")
        assert given["iri"] == A24 and given["url"] == "http://h/id/prm-it/A24"
        for ref, iri in (
            (given["url"], A24),  # the url this server just gave
            ("http://localhost:8000/id/prm-it/A24", A24),  # another server's page of it
            ("https://frameworks.example.com/pcf/id/prm-it/A24/", A24),  # under a root path
            ("http://w3id.org/pcfgraph/id/prm-it/A24", A24),  # the IRI with http
            (f"<{A24}>", A24),  # as SPARQL writes an IRI
            (" prmit:A24 ", A24),  # the vocabulary resource's prefix
            ("apqc:cross-industry/7.4/20641", PCF_20641),
            ("http://h/id/apqc-pcf/cross-industry/7.4/20641", PCF_20641),
        ):
            got = await call(client, "get_element", element=ref)
            assert got["iri"] == iri, ref
            history = await call(client, "element_history", element=ref)
            assert history["element"] == iri, ref
        mappings = await call(client, "get_mappings", element=given["url"], limit=1)
        assert mappings["total"] >= 1
        gaps = await call(
            client, "find_gaps", framework="prm-it", under="http://h/id/prm-it/A2", limit=100
        )
        assert gaps["total"] >= 1
        assert {i["element"] for i in gaps["items"]} <= {
            f"https://w3id.org/pcfgraph/id/prm-it/A2{n}" for n in ("", *range(10))
        }
        # what names no element is still refused, with the text given
        for ref, problem in (
            ("http://h/id/prm-it/A99", "no element <http://h/id/prm-it/A99>"),
            ("https://example.org/other/thing", "no element <https://example.org/other/thing>"),
            ("prmit:A99", "no element <https://w3id.org/pcfgraph/id/prm-it/A99>"),
            ("http://h/id/prm-it/A24", None),  # the framework argument still holds
        ):
            refusal = await refused(
                client,
                "get_element",
                {"element": ref, **({} if problem else {"framework": "trim"})},
            )
            message = refusal
            assert message.startswith("argument 'element': "), message
            if problem:
                assert problem in message, message

    session_without_pool(shipped_release, body)


def test_an_iri_parameter_of_a_named_query_takes_the_same_forms(
    shipped_release: Release,
) -> None:
    """run_named_query's IRI parameters: ``prmit:A2`` was taken for an IRI of the scheme
    ``prmit`` and answered no rows, without a word."""

    async def body(client: Client) -> None:
        whole = await call(
            client,
            "run_named_query",
            name="api/descendants",
            params={"element": "https://w3id.org/pcfgraph/id/prm-it/A2"},
            limit=100,
        )
        assert whole["total"] > 0
        for ref in ("prmit:A2", "<https://w3id.org/pcfgraph/id/prm-it/A2>"):
            got = await call(
                client,
                "run_named_query",
                name="api/descendants",
                params={"element": ref},
                limit=100,
            )
            assert got["items"] == whole["items"], ref
        # an element code names its element in any of these forms too (it was no row)
        code = await call(
            client,
            "run_named_query",
            name="api/element-by-code",
            params={"framework": "prm-it", "code": "prmit:A2"},
        )
        assert [row["code"] for row in code["items"]] == ["A2"]

    session_without_pool(shipped_release, body)


def test_element_history_of_one_version_says_why_without_advice_it_cannot_take(
    shipped_release: Release,
) -> None:
    """It said "load more with --add" of every element, a PRM-IT process too (--add loads
    APQC workbooks only), as if the assistant could run it."""

    async def body(client: Client) -> None:
        a24 = await call(client, "element_history", element="A24")
        assert a24["editions"] == 1
        assert a24["note"] == "prm-it has one loaded version: nothing to compare it with"
        pcf = await call(client, "element_history", element="20641")
        assert pcf["editions"] == 1
        assert pcf["note"].startswith(
            "only one loaded APQC edition states PCF ID 20641: nothing to compare it with"
        )

    session_without_pool(shipped_release, body)


def test_every_element_an_answer_names_carries_its_element_id(shipped_release: Release) -> None:
    """Search hits gave an element's id (``prm-it/A24``, GraphQL's ``id``, the form every
    tool takes); the parents, children, ancestors and mapping ends of get_element and
    get_mappings, and find_gaps' items, gave the IRI only. Each carries its id, and the id
    names it."""

    async def body(client: Client) -> None:
        given = await call(client, "get_element", element="A2", framework="prm-it")
        mapped = await call(client, "get_element", element="A24")
        pair = await call(
            client, "get_mappings", source="apqc-pcf-cross-industry-7.4", target="prm-it", limit=3
        )
        refs = [
            given,
            given["parent"],
            *given["ancestors"],
            *given["children"],
            *(m["other"] for m in mapped["mappings"]),
            *(end for item in pair["items"] for end in (item["subject"], item["object"])),
        ]
        assert len(refs) > 6
        ids = {r["iri"]: r.get("id") for r in refs}
        assert all(ids.values()), ids
        for iri, element_id in list(ids.items())[:4]:
            assert (await call(client, "get_element", element=element_id))["iri"] == iri
        gaps = await call(client, "find_gaps", framework="prm-it", limit=3)
        assert gaps["items"] and all(
            i["element"] == "https://w3id.org/pcfgraph/id/" + i["id"] for i in gaps["items"]
        )

    session_without_pool(shipped_release, body)
