"""An element's curated negative mappings ("8.1.2.2 is NOT related to A23") in ``get_element``,
as ``get_mappings`` and GraphQL ``Element.negativeMappings`` give them: get_element gave none,
so an assistant asked "does 8.1.2.2 correspond to A23?" read a decided "no" as "not mapped
yet". And ``get_mappings`` of an element towards a ``target`` kept the negatives with
``target`` at either end: asked towards the element's own framework it listed its PRM-IT
negatives where it refuses that target, where GraphQL reads the other end's framework."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_support import call, refused
from mcp_support import session_without_pool as session

from pcfgraph import services
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"


def _negatives_of(reader: services.Reader, iri: str) -> set[str]:
    return {
        n.iri for n in services.negative_mappings(reader) if iri in (n.subject_iri, n.object_iri)
    }


def test_get_element_lists_the_negative_mappings_get_mappings_lists(
    shipped_release: Release,
) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    first = services.negative_mappings(reader, source=APQC, target="prm-it")[0]
    subject, object_ = first.subject_iri, first.object_iri  # an APQC and a PRM-IT element
    answers: dict[str, dict[str, Any]] = {}

    async def body(client: Client) -> None:
        for name, iri in (("subject", subject), ("object", object_)):
            answers[name] = await call(client, "get_element", element=iri)
            answers[f"{name}-mappings"] = await call(client, "get_mappings", element=iri, limit=100)

    session(shipped_release, body)
    for name, iri in (("subject", subject), ("object", object_)):
        element, mappings = answers[name], answers[f"{name}-mappings"]
        records = {n["record"] for n in element["negativeMappings"]}
        assert records == _negatives_of(reader, iri) and first.iri in records, name
        # the same dicts get_mappings gives (ends named, record to cite), none among mappings
        assert element["negativeMappings"] == mappings["negativeMappings"], name
        assert not records & {m["record"] for m in element["mappings"]}
        assert "negativeMappingsTruncated" not in element
        # the frameworks of both ends are cited
        assert {APQC, "prm-it"} <= set(element["sources"]), element["sources"]


def test_an_elements_negatives_towards_a_target_are_those_whose_other_end_is_in_it(
    shipped_release: Release,
) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    first = services.negative_mappings(reader, source=APQC, target="prm-it")[0]
    e = first.subject_iri
    [element] = services.elements_by_iris(reader, [(e, APQC)])
    assert element is not None
    # the oracle: this element has no mapping, inherited mapping or negative into APQC itself
    assert not services.mappings_of(reader, [element], direction="either", framework=APQC)[0]
    answers: list[Any] = []

    async def body(client: Client) -> None:
        answers.append(await refused(client, "get_mappings", {"element": e, "target": APQC}))
        answers.append(await call(client, "get_mappings", element=e, target="prm-it"))

    session(shipped_release, body)
    refusal, towards_prm_it = answers
    assert refusal.startswith(f"argument 'target': is the element's own framework ({APQC})")
    assert first.iri in {n["record"] for n in towards_prm_it["negativeMappings"]}
    assert all(
        n["objectElement"]["framework"] == "prm-it" for n in towards_prm_it["negativeMappings"]
    )
