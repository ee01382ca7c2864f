"""The MCP server through the official SDK's client: in memory (every tool, resource and
prompt, paging, bad arguments as tool errors naming the argument), over stdio
(``pcfgraph mcp`` as a subprocess) and over Streamable HTTP at ``/mcp``."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import anyio
import pytest
import rdflib
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_support import INITIALIZE, MCP_ACCEPT, call, refused, tool_call
from mcp_support import session_with_pool as session

from pcfgraph import iris, services
from pcfgraph.config import Settings
from pcfgraph.mcp.server import build_server
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir
from pcfgraph.sandbox import WorkerPool

TOOLS = {
    "search",
    "get_element",
    "get_mappings",
    "find_gaps",
    "element_history",
    "audit_model",
    "run_named_query",
    "sparql",
}
APQC = "apqc-pcf-cross-industry-7.4"
#: The audit's day for date-dependent controls (the examples' contracts run through 2025).
AS_OF = "2025-07-15"


@pytest.fixture(scope="module")
def release(shipped_release: Release) -> Release:
    return shipped_release


def test_tools_resources_and_prompts(release: Release) -> None:
    reader = services.Reader(release.store, QueryCatalog())
    a24 = services.element_by(reader, code="A24", framework="prm-it")

    async def body(client: Client) -> None:
        listed = await client.list_tools()
        assert {t.name for t in listed.tools} == TOOLS
        assert all(t.annotations and t.annotations.read_only_hint for t in listed.tools)

        found = await call(client, "search", text="20641")
        assert (
            found["hits"][0]["code"] == "8.1.6" and found["hits"][0]["matchedOn"] == "PCF ID 20641"
        )
        assert "APQC" in found["sources"][APQC]
        sla = await call(client, "search", text="SLA", framework="apqc-pcf", limit=2)
        assert sla["returned"] == 2 and sla["truncated"] and sla["total"] > 2
        rest = await call(
            client, "search", text="SLA", framework="apqc-pcf", cursor=sla["nextCursor"]
        )
        assert not {h["iri"] for h in rest["hits"]} & {h["iri"] for h in sla["hits"]}

        e = await call(client, "get_element", element="8.1.6.2", framework=APQC)
        assert [a["code"] for a in e["ancestors"]] == ["8.0", "8.1", "8.1.6"]
        assert e["parent"]["code"] == "8.1.6" and e["url"].startswith("http://h/id/")
        same = await call(client, "get_element", element=e["iri"])
        assert same["code"] == "8.1.6.2"
        prm = await call(client, "get_element", element="A24")
        assert prm["iri"] == a24.iri and prm["definition"] == a24.definition
        (records,) = services.mappings_of(reader, [a24], direction="either")
        assert {m["record"] for m in prm["mappings"]} == {m.iri for m in records}
        assert all("confidence" in m and "justification" in m for m in prm["mappings"])

        between = await call(client, "get_mappings", source=APQC, target="prm-it", limit=100)
        curated = services.mappings(reader, source=APQC, target="prm-it")
        assert {m["record"] for m in between["items"]} == {m.iri for m in curated}
        assert between["curatedOnly"] and not any(m["derived"] for m in between["items"])
        negatives = services.negative_mappings(reader, source=APQC, target="prm-it")
        positive = {(m["subject"]["iri"], m["object"]["iri"]) for m in between["items"]}
        assert not positive & {(n.subject_iri, n.object_iri) for n in negatives}
        assert len(between["negativeMappings"]) == min(len(negatives), 100)
        one = await call(client, "get_mappings", source=APQC, target="prm-it", limit=1)
        assert len(one["negativeMappings"]) == min(len(negatives), 1)
        assert one.get("negativeMappingsTotal") == (len(negatives) if len(negatives) > 1 else None)

        gaps = await call(client, "find_gaps", framework="prm-it", target=APQC, limit=5)
        assert gaps["returned"] <= 5 and all(g["lacksCounterpartIn"] == APQC for g in gaps["items"])
        # each gap's element with its framework and page, as every other element is named
        assert gaps["items"] and all(
            (g["framework"], g["url"]) == ("prm-it", f"http://h/id/{g['id']}")
            for g in gaps["items"]
        )
        history = await call(client, "element_history", element="20641")
        assert history["editions"] == 1 and history["versions"][0]["pcfId"] == 20641

        named = await call(
            client, "run_named_query", name="api/element-by-code",
            params={"framework": "prm-it", "code": "A24"},
        )  # fmt: skip
        assert [r["element"] for r in named["items"]] == [a24.iri]
        # each value's term type beside its row, as the sparql tool gives them
        (types,) = named["termTypes"]
        assert types["element"] == {"type": "uri"} and types["code"] == {"type": "literal"}
        assert types["level"]["datatype"].endswith("#integer"), types["level"]
        assert set(types) == set(named["items"][0])
        # rows may quote any framework the query reads: each one's rights, APQC's notice on PCF
        licensed = {f.id for f in services.frameworks(reader) if f.rights or f.license}
        assert APQC in licensed and "prm-it" in licensed
        assert set(named["sources"]) == licensed and "APQC" in named["sources"][APQC]
        q = "SELECT ?e WHERE { ?e <http://www.w3.org/2004/02/skos/core#notation> 'A24' }"
        rows = await call(client, "sparql", query=q)
        assert rows["items"] == [{"e": a24.iri}]
        assert set(rows["sources"]) == licensed and "APQC" in rows["sources"][APQC]
        prm_graph = str(iris.framework_graph("prm-it"))
        only_prm = await call(client, "sparql", query=q.replace("WHERE", f"FROM <{prm_graph}>"))
        assert only_prm["items"] == [{"e": a24.iri}] and set(only_prm["sources"]) == {"prm-it"}
        described = await call(client, "sparql", query=f"DESCRIBE <{a24.iri}>")
        assert described["items"] and set(described["sources"]) == licensed
        none = await call(client, "sparql", query=q.replace("'A24'", "'no such code'"))
        assert none["items"] == [] and none["sources"] == {}
        ask = await call(client, "sparql", query="ASK { ?s ?p ?o }")
        assert ask == {"form": "ASK", "boolean": True}

        model = (resource_dir("data") / "examples" / "organisation-with-findings.ttl").read_text()
        audit = await call(client, "audit_model", model=model, as_of=AS_OF, limit=3)
        assert audit["verdict"] == "findings" and audit["returned"] == 3 and audit["truncated"]
        assert all(f["message"] and "shape" in f for f in audit["items"])
        assert audit["report"]["asOf"] == AS_OF
        # what answered: the release and every framework edition it checked against
        checked = audit["report"]["checkedAgainst"]
        assert checked["release"] == release.manifest["release_id"]
        assert {(f["id"], f["version"]) for f in checked["frameworks"]} == {
            (f.id, f.version) for f in services.frameworks(reader)
        }
        assert audit["report"]["model"]["triples"] == len(rdflib.Graph().parse(data=model))
        # compact: coverage as figures, no rule catalogue (each finding names rule and source)
        coverage = audit["report"]["coverage"]
        assert coverage and all(c["total"] >= c["covered"] >= 0 for c in coverage.values())
        assert "rules" not in audit["report"] and all("source" in f for f in audit["items"])
        cited = {f["sourceIri"] for f in audit["items"] if f.get("sourceIri")}
        frameworks = {e.framework_id for e in services.elements_by_iris(
            reader, [(iri, None) for iri in cited]) if e}  # fmt: skip
        assert frameworks and set(audit["sources"]) == frameworks
        assert all("APQC" in audit["sources"][f] for f in frameworks if f.startswith("apqc"))
        assert len(json.dumps(audit)) < 20_000
        good = (resource_dir("data") / "examples" / "conforming-organisation.ttl").read_text()
        conforming = await call(client, "audit_model", model=good, as_of=AS_OF)
        assert conforming["verdict"] == "conforms" and conforming["items"] == [], conforming
        # the example's contracts ran out at the end of 2025: judged on a later day they
        # are findings, so as_of reaches the audit
        later = await call(client, "audit_model", model=good, as_of="2026-06-30")
        assert later["verdict"] == "findings" and later["report"]["asOf"] == "2026-06-30"
        assert later["report"]["asOfSource"] == "caller"
        # no as_of: the day the model states it describes (orgm:describedAsOf), not today;
        # the next page is of the same audit and says its day came from the model
        undated = await call(client, "audit_model", model=model, limit=3)
        assert (undated["report"]["asOf"], undated["report"]["asOfSource"]) == (AS_OF, "model")
        assert undated["items"] == audit["items"]
        after = await call(client, "audit_model", model=model, cursor=undated["nextCursor"])
        assert (after["report"]["asOf"], after["report"]["asOfSource"]) == (AS_OF, "model")

        fws = json.loads((await client.read_resource("pcfgraph://frameworks")).contents[0].text)
        assert {f["id"] for f in fws["frameworks"]} == {f.id for f in services.frameworks(reader)}
        # what an answer cites a framework by: its IRI and licence (the description said
        # licence, and the list gave neither)
        assert {(f["id"], f["iri"], f["license"]) for f in fws["frameworks"]} == {
            (f.id, f.iri, f.license) for f in services.frameworks(reader)
        }
        assert any(f["license"] for f in fws["frameworks"])
        top = json.loads(
            (await client.read_resource("pcfgraph://frameworks/prm-it/top")).contents[0].text
        )
        assert top["top"][0]["code"] == "A0"
        # each element named as the tools name one (its element id, framework, page), where
        # it gave code, name and IRI only
        index = services.framework_index(reader, "prm-it")
        named = [(t, index.elements[t["iri"]]) for t in top["top"]]
        named += [(c, index.elements[c["iri"]]) for t in top["top"] for c in t["children"]]
        assert len(named) == 9
        for got, e in named:
            assert (got["id"], got["framework"], got["code"], got["name"]) == (
                e.id, e.framework_id, e.code, e.name,
            )  # fmt: skip
            assert "url" in got
        vocab = (await client.read_resource("pcfgraph://vocabulary")).contents[0].text
        assert "PREFIX skos:" in vocab and "pcfgraph.ttl" not in vocab and "ontology#" in vocab
        prompts = await client.list_prompts()
        assert {p.name for p in prompts.prompts} == {"map-my-process", "audit-my-model"}

    session(release, body)


def test_bad_arguments_are_tool_errors_naming_the_argument(release: Release) -> None:
    async def body(client: Client) -> None:
        for tool, args, argument in (
            ("search", {"text": "x", "limit": 1000}, "limit"),
            ("search", {"text": "  "}, "text"),
            ("search", {"text": "x", "cursor": "nope"}, "cursor"),
            ("get_element", {"element": "99999999"}, "element"),
            ("get_mappings", {"source": "nope", "target": "prm-it"}, "source"),
            ("get_mappings", {"source": APQC}, "target"),
            ("run_named_query", {"name": "nope/none"}, "name"),
            ("run_named_query", {"name": "api/element-by-code", "params": {"x": "1"}}, "params"),
            ("sparql", {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}, "query"),
            ("audit_model", {"model": "x", "format": "docx"}, "format"),
            ("audit_model", {"model": "this is not turtle ."}, "model"),
            ("audit_model", {"model": "<a:b> <a:c> <a:d> .", "as_of": "15/07/2025"}, "as_of"),
        ):
            refusal = await refused(client, tool, args)
            assert f"argument '{argument}'" in refusal, (tool, refusal)

    session(release, body)


def test_search_arguments_say_the_value_and_what_is_allowed(release: Release) -> None:
    """``framework: ""`` (or ``kind: ""``) was answered as if left out, every framework
    searched; a text over the limit said the limit but not what was sent."""

    async def body(client: Client) -> None:
        for args, argument, words in (
            ({"text": "x", "framework": ""}, "framework", "no framework or family ''; known: "),
            ({"text": "x", "kind": ""}, "kind", "no kind ''; known: "),
            ({"text": "x" * 201}, "text", "is limited to 200 characters, not 201"),
        ):
            refusal = await refused(client, "search", args)
            assert refusal.startswith(f"argument '{argument}': {words}"), refusal
        assert (await call(client, "search", text="x" * 200))["query"] == "x" * 200

    session(release, body)


def test_an_unknown_resource_names_the_resources_there_are(release: Release) -> None:
    """It was "Unknown resource: pcfgraph://bogus" alone; a known template's unknown
    framework still names the argument (the resource's own words)."""

    async def body(client: Client) -> None:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = (await client.list_resource_templates()).resource_templates
        known = sorted(listed | {t.uri_template for t in templates})
        with pytest.raises(MCPError) as err:
            await client.read_resource("pcfgraph://bogus")
        assert err.value.code == -32602
        assert err.value.message == (
            f"Unknown resource: pcfgraph://bogus; the resources: {', '.join(known)}"
        )
        with pytest.raises(MCPError) as err:
            await client.read_resource("pcfgraph://frameworks/nope/top")
        assert err.value.code == -32602
        assert err.value.message.startswith("argument 'framework': no framework 'nope'")

    session(release, body)


def test_a_sparql_syntax_error_names_the_argument_line_and_column(release: Release) -> None:
    """The store's parse error reached the client as "query, line 1, column 18: ..." where
    every other bad argument reads "argument 'query': ..."."""

    async def body(client: Client) -> None:
        refusal = await refused(client, "sparql", {"query": "SELECT * WHERE {\n ?s ?p }"})
        assert refusal.startswith("argument 'query': line 2, column 2: SPARQL syntax error: "), (
            refusal
        )

    session(release, body)


def test_the_sparql_tool_has_the_endpoints_size_and_width_limits(release: Release) -> None:
    """The sparql tool applied the server's max_query_depth only: max_query_width and
    max_query_tokens, set lower by an operator, held at /sparql but not at /mcp (the guard's
    built-in defaults applied there), so a query /sparql refuses went to a worker."""
    settings = Settings(max_query_width=40, max_query_tokens=400)
    wide = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 60) + " }"
    long = "SELECT * WHERE { VALUES ?x { " + " 1" * 500 + " } }"

    async def body(client: Client) -> None:
        for query, limit in ((wide, "max_query_width"), (long, "max_query_tokens")):
            refusal = await refused(client, "sparql", {"query": query})
            assert refusal.startswith("argument 'query': "), refusal
            assert limit in refusal, refusal

    session(release, body, settings)


def test_an_element_longer_than_any_identifier_is_a_tool_error(release: Release) -> None:
    """It was a tool error "search text is limited to 200 characters" (the identifier
    lookup's own limit, leaking), naming no argument; the message quotes 80 characters."""

    async def body(client: Client) -> None:
        for long in ("x" * 5000, "7" * 300):
            shown = repr(long)[:80] + f"... ({len(long)} characters)"
            for tool, args in (
                ("get_element", {"element": long}),
                ("element_history", {"element": long}),
                ("get_mappings", {"element": long}),
            ):
                refusal = await refused(client, tool, args)
                assert refusal == (
                    f"argument 'element': no element has the IRI, PCF ID or code {shown}"
                ), tool

    session(release, body)


def test_a_boolean_for_a_number_is_a_tool_error(release: Release) -> None:
    """pydantic's lax mode read "limit": true as 1: one item answered, no error."""

    async def body(client: Client) -> None:
        for tool, args in (
            ("search", {"text": "SLA", "limit": True}),
            ("get_mappings", {"source": APQC, "target": "prm-it", "limit": True}),
            ("sparql", {"query": "ASK {}", "limit": False}),
        ):
            refusal = await refused(client, tool, args)
            value = "true" if args["limit"] else "false"
            assert refusal == f"argument 'limit': must be an integer, not {value}"
        # a boolean where the tool takes one is still read
        rows = await call(
            client, "get_mappings", source=APQC, target="prm-it", include_derived=True
        )
        assert rows["curatedOnly"] is False

    session(release, body)


def test_unknown_prompts_resources_and_prompt_arguments_are_invalid_params(
    release: Release,
) -> None:
    """The SDK answered an unknown prompt and a missing prompt argument with error code 0
    (no JSON-RPC code) and a Python set; the top of an unknown framework was an empty
    tree, read as a framework without elements."""

    async def body(client: Client) -> None:
        for ask, message in (
            (
                client.get_prompt("nope"),
                "unknown prompt 'nope'; the prompts: audit-my-model, map-my-process",
            ),
            (client.get_prompt("map-my-process", {}), "argument 'process': is required"),
            (
                client.get_prompt("map-my-process", {"name": "x"}),
                "argument 'name': not an argument of map-my-process, which takes process",
            ),
            (
                client.read_resource("pcfgraph://frameworks/nope/top"),
                "argument 'framework': no framework 'nope'; known frameworks: ",
            ),
        ):
            with pytest.raises(MCPError) as err:
                await ask
            assert err.value.code == -32602, message
            assert err.value.message.startswith(message)
        prompt = await client.get_prompt("map-my-process", {"process": "SLA reviews"})
        assert "SLA reviews" in str(prompt.messages[0].content)

    session(release, body)


def test_a_cursor_continues_only_the_list_that_gave_it_out(release: Release) -> None:
    """A nextCursor is bound to its tool and arguments: handed to another list (other text,
    framework, tool) it is a tool error naming the difference, not an offset into it: the
    argument that differs (``text``, ``framework``), or ``cursor`` for another tool's."""

    async def body(client: Client) -> None:
        sla = await call(client, "search", text="SLA", framework="apqc-pcf", limit=2)
        cursor = sla["nextCursor"]
        rest = await call(client, "search", text="SLA", framework="apqc-pcf", cursor=cursor)
        assert rest["hits"] and not {h["iri"] for h in rest["hits"]} & {
            h["iri"] for h in sla["hits"]
        }
        gaps = await call(client, "find_gaps", framework=APQC, limit=2)
        assert gaps["truncated"]
        for tool, args, argument in (
            ("search", {"text": "service", "framework": "apqc-pcf"}, "text"),
            ("search", {"text": "SLA"}, "framework"),
            ("find_gaps", {"framework": APQC}, "cursor"),
            ("run_named_query", {"name": "api/frameworks"}, "cursor"),
        ):
            refusal = await refused(client, tool, {**args, "cursor": cursor})
            assert refusal.startswith(f"argument '{argument}'"), refusal
            assert "another list" in refusal, refusal
        refusal = await refused(
            client, "find_gaps", {"framework": "prm-it", "cursor": gaps["nextCursor"]}
        )
        assert refusal.startswith("argument 'framework'"), refusal
        assert f'framework "{APQC}"' in refusal
        assert 'framework "prm-it"' in refusal

    session(release, body)


def test_sparql_rows_say_what_each_value_is(release: Release) -> None:
    """A row gives values only: an IRI and the literal "https://..." read the same, and a
    literal's datatype or language was lost. ``termTypes`` (one per row, beside ``items``)
    gives each value's SPARQL JSON term without the value; the rows keep their form."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    query = """SELECT ?iri ?text ?n ?label ?b ?unbound WHERE {
      BIND(<https://example.org/x> AS ?iri) BIND("https://example.org/x" AS ?text)
      BIND(42 AS ?n) BIND("chat"@fr AS ?label) BIND(BNODE() AS ?b)
      OPTIONAL { <https://example.org/none> <https://example.org/p> ?unbound }
    }"""

    async def body(client: Client) -> None:
        rows = await call(client, "sparql", query=query)
        (row,) = rows["items"]
        assert row["iri"] == row["text"] == "https://example.org/x" and row["n"] == "42"
        assert "unbound" not in row
        (types,) = rows["termTypes"]
        assert types == {
            "iri": {"type": "uri"},
            "text": {"type": "literal"},
            "n": {"type": "literal", "datatype": xsd + "integer"},
            "label": {"type": "literal", "xml:lang": "fr"},
            "b": {"type": "bnode"},
        }
        # paged with the rows they belong to
        many = "SELECT ?i WHERE { VALUES ?i { 1 'one' <https://example.org/1> } }"
        first = await call(client, "sparql", query=many, limit=2)
        rest = await call(client, "sparql", query=many, limit=2, cursor=first["nextCursor"])
        kinds = [t["i"].get("datatype", t["i"]["type"]) for t in first["termTypes"]]
        assert kinds == [xsd + "integer", "literal"] and rest["termTypes"] == [
            {"i": {"type": "uri"}}
        ]

    session(release, body)


@pytest.mark.timeout(180)
def test_stdio_transport() -> None:
    async def main() -> None:
        script = Path(sys.executable).parent / "pcfgraph"
        params = StdioServerParameters(command=str(script), args=["mcp"])
        async with Client(params) as client:
            result = await client.call_tool("search", {"text": "A25"})
            assert result.structured_content["hits"][0]["code"] == "A25"
            rows = await client.call_tool("sparql", {"query": "ASK { ?s ?p ?o }"})
            assert rows.structured_content == {"form": "ASK", "boolean": True}

    anyio.run(main)


@pytest.mark.timeout(180)
def test_streamable_http_at_mcp(release: Release) -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    app = create_app(Settings(), release)
    headers = {"Accept": MCP_ACCEPT, "Host": "127.0.0.1:8000"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        r = http.post("/mcp", json=INITIALIZE, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["result"]["serverInfo"]["name"] == "pcfgraph"
        call = tool_call("search", {"text": "20641"})
        r = http.post("/mcp", json=call, headers=headers)
        assert r.status_code == 200, r.text
        hits = r.json()["result"]["structuredContent"]["hits"]
        assert hits[0]["pcfId"] == 20641 and hits[0]["url"].endswith("/id/" + hits[0]["id"])
        # a page from another site cannot drive a server bound to this machine
        evil = http.post(
            "/mcp", json=INITIALIZE, headers={**headers, "Origin": "http://evil.example"}
        )
        assert evil.status_code in (400, 403)


_LAZY_SDK = """
import sys
from fastapi.testclient import TestClient
from pcfgraph.config import Settings
from pcfgraph.serving import create_app

app = create_app(Settings())
headers = {"Accept": "application/json, text/event-stream", "Host": "127.0.0.1:8000"}
init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "test", "version": "1"}}}
with TestClient(app, base_url="http://127.0.0.1:8000") as http:
    assert http.get("/health").status_code == 200
    print("started", "mcp" in sys.modules)
    r = http.post("/mcp", json=init, headers=headers)
    print("first", r.status_code, "mcp" in sys.modules, r.json()["result"]["serverInfo"]["name"])
    r = http.post("/mcp", json={**init, "id": 2}, headers=headers)
    print("second", r.status_code, r.json()["id"])
"""


def test_server_start_leaves_the_mcp_sdk_unimported_until_mcp_is_used() -> None:
    """Importing the MCP SDK was more than half of building the app: a started server has
    not imported it; the first ``/mcp`` request does, and it and later ones are answered."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", _LAZY_SDK], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split("\n")
    assert "started False" in lines
    assert "first 200 True pcfgraph" in lines
    assert "second 200 2" in lines


def test_a_busy_server_refuses_an_audit_before_copying_the_model(release: Release) -> None:
    """The sandbox's admission comes before anything is made of the model (as POST /validate
    admits before reading its body): refused, the call allocated far less than the model
    (it was encoded, and copied once more, before the refusal); the refusal leaves no
    admission behind (the next audit runs)."""
    model = '<urn:a> <urn:b> "' + "x" * (8 * 1024 * 1024) + '" .\n'

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        pool = WorkerPool(release, workers=1, max_pending=1)
        await pool.start()
        state.services.pool = pool
        try:
            async with Client(build_server(lambda: state, base_url="http://h")) as client:
                with pool.reserved("another client"):  # the pool's one admission, held
                    tracemalloc.start()
                    try:
                        refused = await client.call_tool("audit_model", {"model": model})
                        _, peak = tracemalloc.get_traced_memory()
                    finally:
                        tracemalloc.stop()
                assert refused.is_error
                text = refused.content[0].text  # type: ignore[union-attr]
                assert "too many expensive requests in progress" in text, text
                assert peak < len(model) // 4, peak
                good = resource_dir("data") / "examples" / "conforming-organisation.ttl"
                audit = await call(client, "audit_model", model=good.read_text(), as_of=AS_OF)
                assert audit["verdict"] == "conforms"
        finally:
            await pool.stop()

    anyio.run(main)


def test_get_mappings_keeps_negative_mappings_per_release_and_follows_a_reload(
    release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get_mappings ran api/negative-mappings on every call: they are read once per release
    (the same answers, filtered as the query filtered them) and read again from the release
    a reload switches to."""
    import pyoxigraph as ox

    from pcfgraph.mcp.tools import Tools
    from pcfgraph.store import EmbeddedStore

    def expected(rel: Release, **params: str) -> list[tuple[str, str]]:
        rows = rel.store.select(QueryCatalog().get("api/negative-mappings"), params).rows
        return list(dict.fromkeys((r["subject"].value, r["object"].value) for r in rows))

    def negatives(answer: dict[str, Any]) -> list[tuple[str, str]]:
        return [(n["subject"], n["object"]) for n in answer["negativeMappings"]]

    state = StandaloneState(settings=Settings(), release=release)
    tools = Tools(lambda: state, base_url="http://h")
    pair = {"source": APQC, "target": "prm-it"}
    first = tools.get_mappings(**pair)
    along = expected(release, subjectFramework=APQC, objectFramework="prm-it")
    assert negatives(first) == along and along
    subject = along[0][0]
    of_element = tools.get_mappings(element=subject)
    assert set(negatives(of_element)) == {
        n for n in expected(release) if subject in n
    }  # either end, any framework

    asked: list[str] = []
    select = release.store.select

    def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(getattr(query, "name", ""))
        return select(query, *args, **kwargs)

    monkeypatch.setattr(release.store, "select", counted)
    assert tools.get_mappings(**pair) == first
    assert tools.get_mappings(element=subject) == of_element
    assert "api/negative-mappings" not in asked and asked  # other reads still ran

    # A reload: the same graph without the first negative mapping record.
    record = ox.NamedNode(
        next(
            r["record"].value
            for r in select(QueryCatalog().get("api/negative-mappings"), {}).rows
            if r["subject"].value == subject and r["object"].value == along[0][1]
        )
    )
    store = EmbeddedStore()
    store.add_quads(q for q in release.store.store if q.subject != record)
    state.release = Release(
        store=store, manifest={**release.manifest, "release_id": "reloaded"}, path=None
    )
    after = tools.get_mappings(**pair)
    assert negatives(after) == along[1:]
    assert negatives(after) == expected(
        state.release, subjectFramework=APQC, objectFramework="prm-it"
    )
