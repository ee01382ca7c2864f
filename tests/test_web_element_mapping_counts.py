"""An element page says how its mapping list is counted and lists its negative mappings.

PRM-IT A24's page listed 19 mappings (15 curated, 4 derived), GraphQL's default
``mappings`` gave 3 and MCP get_element 15, and nothing said why: the page now counts its
curated rows (and how many are stated with the element as object), says which derived ones
it leaves out, and which read of GraphQL and MCP gives the same curated list. And the page
said nothing of the curated "NOT a match" decisions (8.1.2.2 is not related to A23) that MCP
and GraphQL give: a reader took a rejected pair for one not yet decided."""

from __future__ import annotations

import html as htmllib
import re

from pcfgraph import iris, services
from pcfgraph.queries import QueryCatalog
from pcfgraph.relation_names import inverse_relation_name
from pcfgraph.release import Release
from pcfgraph.web.render import render_element_html

A24 = "https://w3id.org/pcfgraph/id/prm-it/A24"


def _page(release: Release, iri: str) -> str:
    page = render_element_html(release.store, QueryCatalog(), iri)
    assert page is not None
    return page


def test_the_page_counts_its_mappings_as_graphql_and_mcp_read_them(
    shipped_release: Release,
) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    [e] = services.elements_by_iris(reader, [(A24, "prm-it")])
    assert e is not None
    # the oracle: MCP get_element's and GraphQL mappings(direction: EITHER)'s curated records
    (curated,) = services.mappings_of(reader, [e], direction="either")
    incoming = [m for m in curated if m.object_iri == A24]
    assert incoming and len(incoming) < len(curated)  # A24 is mapped both ways
    page = _page(shipped_release, A24)
    rows = re.findall(r'<tr id="to-[^"]*" class="(curated|derived)">', page)
    derived = rows.count("derived")
    assert rows.count("curated") == len(curated) and derived
    [note] = re.findall(r'<p class="note mapping-counts">(.*?)</p>', page, re.S)
    note = " ".join(htmllib.unescape(note).split())
    assert note.startswith(
        f"{len(curated)} curated ({len(incoming)} stated by the other framework's mapping "
        f"set, with this element as their object) and {derived} derived."
    ), note
    assert "inverses of the curated ones are not repeated" in note
    outgoing = len(curated) - len(incoming)
    assert f"GraphQL's default direction (SUBJECT) only the {outgoing} stated" in note


def test_the_page_lists_the_negative_mappings_of_either_end(shipped_release: Release) -> None:
    reader = services.Reader(shipped_release.store, QueryCatalog())
    n = services.negative_mappings(reader, source="apqc-pcf-cross-industry-7.4", target="prm-it")[0]
    ends = services.elements_by_iris(
        reader, [(n.subject_iri, n.subject_framework), (n.object_iri, n.object_framework)]
    )
    subject, object_ = ends
    assert subject is not None and object_ is not None
    for here, other in ((subject, object_), (object_, subject)):
        page = _page(shipped_release, here.iri)
        [listed] = re.findall(r'<ul class="negative-mappings"[^>]*>(.*?)</ul>', page, re.S)
        item = re.search(
            rf'<li>Not <span class="rel">(\w+)</span> {other.framework_id} '
            rf'<a href="(/id/[^"]+)"><span class="code">{re.escape(other.code or "")}</span>',
            listed,
        )
        assert item is not None, listed
        assert item[2] == iris.id_path(other.iri)
        # read from this page's element: the inverse from the object's side
        assert item[1] == (n.relation if here is subject else inverse_relation_name(n.relation))
