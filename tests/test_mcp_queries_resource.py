"""An MCP client can find the named queries ``run_named_query`` runs: an unknown name pointed
it at ``GET /queries`` and ``pcfgraph query --list``, out of its reach (over stdio no HTTP
server need run, and an assistant has no shell), and no tool or resource listed them. The
resource ``pcfgraph://queries`` lists them as ``GET /queries`` does (SELECT ones only)."""

from __future__ import annotations

import json

from mcp import Client
from mcp_support import refused
from mcp_support import session_without_pool as session

from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release


def test_the_named_queries_are_a_resource_and_an_unknown_name_says_so(
    shipped_release: Release,
) -> None:
    catalog = QueryCatalog()
    selects = {q.name: q for q in catalog if q.form == "SELECT"}
    assert 0 < len(selects) < len(catalog.names())  # CONSTRUCT and ASK ones do not run here

    async def body(client: Client) -> None:
        listed = {r.uri for r in (await client.list_resources()).resources}
        assert "pcfgraph://queries" in {str(uri) for uri in listed}
        read = await client.read_resource("pcfgraph://queries")
        queries = {q["name"]: q for q in json.loads(read.contents[0].text)["queries"]}
        assert set(queries) == set(selects)
        by_code = queries["api/element-by-code"]
        assert by_code["summary"] == selects["api/element-by-code"].summary
        assert {(p["name"], p["type"], p["optional"]) for p in by_code["params"]} == {
            (p.name, p.type, p.optional) for p in selects["api/element-by-code"].params
        }
        # what the listing says to give is enough to run it: its examples
        params = {p["name"]: p["example"] for p in by_code["params"]}
        assert params == {"framework": "prm-it", "code": "A24"}
        rows = await client.call_tool(
            "run_named_query", {"name": "api/element-by-code", "params": params}
        )
        assert rows.structured_content is not None
        assert [r["element"] for r in rows.structured_content["items"]] == [
            "https://w3id.org/pcfgraph/id/prm-it/A24"
        ]
        refusal = await refused(client, "run_named_query", {"name": "api/element-by-cod"})
        assert refusal.startswith("argument 'name': no named query 'api/element-by-cod'")
        assert "did you mean api/element-by-code" in refusal
        assert refusal.endswith("the resource pcfgraph://queries lists them")

    session(shipped_release, body)
