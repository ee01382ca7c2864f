"""An element named as the SSSOM files name it (``pcf74:20638``: an APQC edition's prefix,
then the PCF ID) is that element wherever an element is asked for. The curated sets and
``mappings diff`` write APQC elements so, and a curator pasting ``pcf74:20638`` into
``gaps --under``, a named query, ``?subtree=``, GraphQL or MCP was told "a code needs
--framework" or "no element has it". A prefix that names nothing says which ones do."""

from __future__ import annotations

import csv
import io

import pytest
from gql_support import Client, shared_catalog
from mcp import Client as McpClient
from mcp_support import call, refused, session_without_pool

from pcfgraph import iris, services
from pcfgraph.errors import InputError
from pcfgraph.param_domains import domain_values
from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"
IRI_20638 = iris.ID_BASE + "apqc-pcf/cross-industry/7.4/20638"
UNKNOWN = r"no prefix 'pcf73' names elements here; the prefixes that do: .*pcf74, prmit"


@pytest.fixture(scope="module")
def reader(shipped_release: Release) -> services.Reader:
    return services.Reader(shipped_release.store, shared_catalog())


@pytest.mark.parametrize("ref", ["pcf74:20638", " PCF74:20638 ", "apqc:cross-industry/7.4/20638"])
def test_services_read_an_sssom_curie_as_its_element(reader: services.Reader, ref: str) -> None:
    """``gaps --under`` and GraphQL ``gaps(under:)`` (element_named) and GraphQL
    ``element(id:)`` (element_by) read it as the IRI, PCF ID and code read."""
    assert services.element_named(reader, ref, None).iri == IRI_20638
    assert services.element_named(reader, ref, APQC).iri == IRI_20638
    assert services.element_by(reader, id=ref).iri == IRI_20638
    assert services.element_by(reader, code="8.1.5.6", framework=APQC).iri == IRI_20638


def test_an_unknown_prefix_names_the_known_ones(reader: services.Reader) -> None:
    with pytest.raises(InputError, match=UNKNOWN):
        services.element_named(reader, "pcf73:20638", None)
    with pytest.raises(InputError, match=UNKNOWN):
        services.element_by(reader, id="pcf73:20638")


def test_named_query_parameters_read_it(shipped_release: Release) -> None:
    domains = domain_values(shipped_release.store, shared_catalog())
    assert domains.element("pcf74:20638", "element") == IRI_20638
    assert domains.element_code("pcf74:20638", APQC, "code") == "8.1.5.6"
    with pytest.raises(InputError, match=f"parameter 'element': '.*{UNKNOWN}"):
        domains.element("pcf73:20638", "element")


def test_graphql_and_subtree_read_it(shipped_release: Release) -> None:
    client = Client(shipped_release)
    got = client.data('{ element(id: "pcf74:20638") { iri code } }')["element"]
    assert got == {"iri": IRI_20638, "code": "8.1.5.6"}
    [error] = client.errors('{ element(id: "pcf73:20638") { iri } }')
    assert "no prefix 'pcf73'" in error["message"] and "pcf74" in error["message"]
    url = f"/frameworks/{APQC}/export?format=csv&subtree="
    as_code = client.http.get(url + "8.1.5")
    as_curie = client.http.get(url + "pcf74:20632")
    assert as_code.status_code == as_curie.status_code == 200, as_curie.text
    assert list(csv.reader(io.StringIO(as_curie.text))) == list(
        csv.reader(io.StringIO(as_code.text))
    )
    refused_subtree = client.http.get(url + "pcf73:20632")
    assert refused_subtree.status_code == 400 and "pcf74" in refused_subtree.text


def test_mcp_tools_read_it(shipped_release: Release) -> None:
    async def body(client: McpClient) -> None:
        got = await call(client, "get_element", element="pcf74:20638")
        assert got["iri"] == IRI_20638
        args = {"framework": APQC, "limit": 100}
        gaps = await call(client, "find_gaps", under="pcf74:20608", **args)
        assert gaps["items"] and gaps == await call(client, "find_gaps", under="8.1", **args)
        message = await refused(client, "get_element", {"element": "pcf73:20638"})
        assert message.startswith("argument 'element': ") and "pcf74" in message, message

    session_without_pool(shipped_release, body)


def test_a_named_querys_other_iri_parameters_read_it(shipped_release: Release) -> None:
    """``api/describe-resource``'s ``resource`` (any resource, no element domain) bound
    ``pcf74:20638`` as an IRI of the scheme ``pcf74`` and answered nothing, without a word."""
    domains = domain_values(shipped_release.store, shared_catalog())
    query = shared_catalog().get("api/describe-resource")
    bound = query.bind({"resource": "pcf74:20638"}, domains)
    assert {t.value for t in bound.values()} == {IRI_20638}
    other = query.bind({"resource": "tag:example.org,2026:x"}, domains)  # no element's: as given
    assert {t.value for t in other.values()} == {"tag:example.org,2026:x"}
