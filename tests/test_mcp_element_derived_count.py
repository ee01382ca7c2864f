"""``get_element``'s ``mappings`` are curated only, and its answer did not say what that left
out: A24 gave 15 where its page lists 19 (4 derived) and ``get_mappings`` with
``include_derived`` 38. ``derivedMappings`` counts the derived records it leaves out, the ones
``get_mappings(element, include_derived=true)`` adds."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_support import call
from mcp_support import session_without_pool as session

from pcfgraph.release import Release


def test_get_element_counts_the_derived_mappings_it_leaves_out(shipped_release: Release) -> None:
    answers: dict[str, dict[str, Any]] = {}

    async def body(client: Client) -> None:
        answers["element"] = await call(client, "get_element", element="prm-it/A24")
        answers["all"] = await call(
            client, "get_mappings", element="prm-it/A24", include_derived=True, limit=100
        )

    session(shipped_release, body)
    element, every = answers["element"], answers["all"]
    derived = [i for i in every["items"] if i["derived"]]
    assert derived and not any(m["derived"] for m in element["mappings"])
    assert element["derivedMappings"] == len(derived) == every["total"] - len(element["mappings"])
