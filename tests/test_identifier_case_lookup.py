"""An identifier not found as written is looked up ignoring case among the search index's
identifiers alone (:meth:`SearchIndex.identifier_hits`), not by a whole search: through
:meth:`SearchIndex.search`, a lookup (``pcfgraph gaps --under prm-it/zz99``) also planned
and ran a text search whose hits it dropped, a miss reading the vocabulary for spelling
corrections. What is found is the same: the identifier hits of the search, in its order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gql_support import PRM, graphql_release

from pcfgraph import services
from pcfgraph.errors import NotFoundError
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.search import SearchIndex
from pcfgraph.services.search.identifier_case import element_by_any_case, element_named_any_case


@pytest.fixture(scope="module")
def reader() -> services.Reader:
    return services.Reader(graphql_release(1).store, QueryCatalog())


@pytest.fixture
def index(reader: services.Reader, monkeypatch: pytest.MonkeyPatch) -> Iterator[SearchIndex]:
    """The index, whose text search fails the test when it is planned."""
    built = SearchIndex.build(reader)

    def planned(*args: Any) -> Any:
        raise AssertionError("an identifier lookup planned a text search")

    monkeypatch.setattr(SearchIndex, "_plan", planned)
    yield built
    built.close()


def test_a_miss_reads_the_identifiers_only(reader: services.Reader, index: SearchIndex) -> None:
    for ref, framework in ((f"{PRM}/ZZ99", None), ("zz99", PRM), (f"{PRM.upper()}/a99", None)):
        with pytest.raises(NotFoundError):
            element_named_any_case(reader, lambda: index, ref, framework)
    with pytest.raises(NotFoundError):
        element_by_any_case(reader, lambda: index, code="zz99", framework=PRM)
    assert index._vocab is None  # the spelling corrections' vocabulary was never read


def test_what_is_found_in_another_case_is_the_searchs_identifier_hit(
    reader: services.Reader, index: SearchIndex
) -> None:
    for ref, framework in ((f"{PRM.upper()}/a24", None), ("a24", PRM), ("A24", PRM.upper())):
        found = element_named_any_case(
            reader, lambda: index, ref, framework.lower() if framework else None
        )
        assert found.id == f"{PRM}/A24", (ref, found.id)
    hits = index.identifier_hits("A24", framework=PRM)
    assert [h.element.id for h in hits] == [f"{PRM}/A24"] and hits[0].field == "code"


def test_the_identifier_hits_are_those_of_the_search(reader: services.Reader) -> None:
    """The lookup loses nothing the search found: its identifier hits, in its order."""
    from gql_support import APQC

    index = SearchIndex.build(reader)
    try:
        for probe, framework in (
            ("a24", None),
            ("A24", PRM),
            (f"{PRM}/a2", None),
            ("8.1.1", APQC),
            ("8.1.1", None),
            ("20607", None),
            ("zz99", None),
            ("service", None),
        ):
            searched = index.search(probe, framework=framework, limit=100)
            expected = [h.element.iri for h in searched if h.field == "code"]
            got = index.identifier_hits(probe, framework=framework, limit=100)
            assert [h.element.iri for h in got] == expected, probe
    finally:
        index.close()


def test_a_pcf_id_given_as_a_code_is_said_to_be_this_frameworks(
    reader: services.Reader, index: SearchIndex
) -> None:
    """GraphQL's ``element(code: "20608", framework: <7.4>)`` said "no code '20608'; in other
    frameworks it names <7.3's 20608>", which read as "not in this edition" although 7.4's
    8.1 has that PCF ID: it says so."""
    from gql_support import APQC

    with pytest.raises(NotFoundError) as missing:
        element_by_any_case(reader, lambda: index, code="20608", framework=APQC)
    said = str(missing.value)
    assert f"it is the PCF ID of 8.1 (apqc-pcf/test/7.4/20608) in '{APQC}'" in said, said
