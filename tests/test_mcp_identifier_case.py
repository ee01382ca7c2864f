"""Every identifier a tool takes (an element's IRI, page URL, element id or code; a framework
id or family) is matched ignoring case, and answered as the data writes it. Codes were found
ignoring case without a framework ("a24"), while element ids and IRIs were matched exactly
("prm-it/a24", "prmit:a24": "no element"), and so were a code given with its framework ("a24"
in "prm-it") and framework ids ("PRM-IT": "no framework"). The data writes codes in capitals
and framework ids and slugs in lower case, and an element id joins both (prm-it/A24): the
rule holds because no two of its identifiers differ by case alone, which the first test
checks of the shipped data."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client
from mcp_support import call, refused, session_without_pool

from pcfgraph import services
from pcfgraph.mcp.paging import ArgumentError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release

A24 = "https://w3id.org/pcfgraph/id/prm-it/A24"
APQC = "apqc-pcf-cross-industry-7.4"


def test_no_two_identifiers_of_the_shipped_data_differ_by_case_alone(
    shipped_release: Release,
) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    fids = services.known_framework_ids(reader)
    assert len({f.casefold() for f in fids}) == len(fids)
    ids: Counter[str] = Counter()
    for fid in fids:
        elements = services.framework_index(reader, fid).elements.values()
        assert elements, fid
        ids.update(e.id.casefold() for e in elements)
        spellings: dict[str, set[str]] = {}
        for e in elements:
            if e.code:
                spellings.setdefault(e.code.casefold(), set()).add(e.code)
        assert not [s for s in spellings.values() if len(s) > 1], fid
    assert not [i for i, n in ids.items() if n > 1]


def test_every_tool_matches_identifiers_ignoring_case(shipped_release: Release) -> None:
    async def body(client: Client) -> None:
        for ref, framework in (
            ("prm-it/a24", None),
            ("PRM-IT/A24", None),
            ("/id/prm-it/a24", None),
            ("prmit:a24", None),
            ("https://w3id.org/pcfgraph/id/prm-it/a24", None),
            ("http://h/id/PRM-IT/a24", None),
            ("a24", "prm-it"),
            ("a24", "PRM-IT"),
            ("A24", "Prm-It"),
        ):
            given = {"framework": framework} if framework else {}
            got = await call(client, "get_element", element=ref, **given)
            assert (got["iri"], got["code"], got["framework"]) == (A24, "A24", "prm-it"), ref
            history = await call(client, "element_history", element=ref, **given)
            assert history["element"] == A24, ref
            mapped = await call(
                client, "get_mappings", element=ref, limit=100, **({"source": framework} if framework else {})
            )  # fmt: skip
            exact = await call(client, "get_mappings", element=A24, limit=100)
            assert mapped["items"] == exact["items"] and mapped["items"], ref
        under = await call(client, "find_gaps", framework="PRM-IT", under="prm-it/a2", limit=100)
        exact = await call(client, "find_gaps", framework="prm-it", under="A2", limit=100)
        assert under["items"] == exact["items"] and exact["total"] >= 1
        pair = await call(client, "get_mappings", source=APQC.upper(), target="PRM-IT", limit=5)
        exact = await call(client, "get_mappings", source=APQC, target="prm-it", limit=5)
        assert pair == exact and exact["items"]
        # a cursor of the list is the same list whatever the case its framework was given in
        found = await call(client, "search", text="SLA", framework="APQC-PCF", limit=2)
        exact = await call(client, "search", text="SLA", framework="apqc-pcf", limit=2)
        assert found == exact and "nextCursor" in exact
        rest = await call(
            client, "search", text="SLA", framework="apqc-pcf", cursor=found["nextCursor"]
        )
        assert rest["hits"]
        top = json.loads(
            (await client.read_resource("pcfgraph://frameworks/PRM-IT/top")).contents[0].text
        )
        assert top["framework"] == "prm-it" and top["top"][0]["code"] == "A0"
        # what names nothing ignoring case either is refused as before, in its own words
        refusal = await refused(client, "get_element", {"element": "prm-it/a99"})
        assert refusal == "argument 'element': no element 'prm-it/a99'", refusal
        refusal = await refused(client, "get_element", {"element": "a24", "framework": "trim"})
        assert refusal.startswith("argument 'element': "), refusal
        refusal = await refused(client, "get_element", {"element": "/"})
        assert refusal.startswith("argument 'element': "), refusal

    session_without_pool(shipped_release, body)


@dataclass
class _Hit:
    element: services.Element
    field: str = "code"


class _Index:
    """A search index whose identifier lookup finds ``elements`` (stand-in for data whose
    ids differ by case alone, which the shipped data has not)."""

    def __init__(self, *elements: services.Element) -> None:
        self.elements = elements

    def identifier_hits(self, text: str, **_: Any) -> list[_Hit]:
        return [_Hit(e) for e in self.elements]


def test_identifiers_that_differ_by_case_alone_are_ambiguous_not_one_picked() -> None:
    from pcfgraph.mcp.references import element_ignoring_case

    upper = services.Element(iri=A24, framework_id="prm-it", name="x", code="A24")
    lower = services.Element(iri=A24.lower(), framework_id="prm-it", name="y", code="a24")
    index: Any = _Index(upper, lower)
    with pytest.raises(ArgumentError, match=r"names 2 elements when case is ignored") as exc:
        element_ignoring_case(index, "PRM-IT/A24", None, "no element")
    assert exc.value.argument == "element"
    assert element_ignoring_case(_Index(upper), "PRM-IT/a24", None, "no") is upper  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"^argument 'element': no element$"):
        element_ignoring_case(_Index(upper), "prm-it/a2", None, "no element")  # type: ignore[arg-type]
