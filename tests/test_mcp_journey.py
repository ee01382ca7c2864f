"""An AI assistant's calls over both MCP transports, through the MCP SDK's own client: ``pcfgraph
mcp`` (stdio, a subprocess) and ``/mcp`` on a live server (Streamable HTTP), on one release.

Every ``tools/call`` with a bad argument is a tool execution error (a result flagged
``isError``, MCP 2025-11-25, SEP-1303) whose text starts with the argument's name
(docs/mcp.md): it was a JSON-RPC invalid params error (-32602), which a client may not show
the model that made the call; an unknown tool stays one (a protocol error). The tools' own
checks named the argument; what the SDK checks before a tool runs did not: a missing
argument or one of the wrong type was a tool result holding pydantic's dump and a link to
its docs, an argument the tool does not take was dropped silently, an unknown tool was a
tool result (:mod:`pcfgraph.mcp.arguments`). A
``framework`` or ``kind`` of ``search`` (and ``kind`` of ``find_gaps``) that no element has
was an answer of no hits, read by an assistant as "none exists"; ``get_element`` and
``element_history`` named an unknown ``framework`` as a problem of ``element``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_support import MCP_ACCEPT, refused_reply, tool_call
from ops_support import LiveServer, publish

#: (tool, arguments, the argument the error must name, a word the message must hold)
BAD_CALLS: list[tuple[str, dict[str, Any], str, str]] = [
    ("search", {}, "text", "required"),
    ("search", {"text": 5}, "text", "string"),
    ("search", {"text": "x", "limit": "ten"}, "limit", "integer"),
    ("search", {"text": "x", "limit": 0}, "limit", "between 1 and 100"),
    ("search", {"text": "x", "limit": 1e300}, "limit", "between 1 and 100, not 1e+300"),
    ("search", {"text": "x", "cursor": "nope"}, "cursor", "cursor"),
    ("search", {"query": "SLA"}, "query", "takes text"),  # a plausible wrong name
    ("search", {"text": "x", "frameworks": "prm-it"}, "frameworks", "framework"),
    ("find_gaps", {}, "framework", "required"),
    ("get_element", {"element": ["C2"]}, "element", "string"),
    ("get_mappings", {"source": "mini", "include_derived": "maybe"}, "include_derived", "bool"),
    ("run_named_query", {"name": "x", "params": 5}, "params", "an object"),
    ("sparql", {}, "query", "required"),
    ("sparql", {"query": "ASK {}", "limit": 2.5}, "limit", "integer"),
    ("audit_model", {"model": None}, "model", "string"),
    ("audit_model", {"model": "<a:b> <a:c> <a:d> .", "asOf": "2025-07-15"}, "asOf", "as_of"),
    # values no element has: they matched nothing, read as "none exists"
    ("search", {"text": "C2", "framework": "nope"}, "framework", "known: mini"),
    ("search", {"text": "C2", "kind": "nope"}, "kind", "known: "),
    ("find_gaps", {"framework": "mini", "kind": "nope"}, "kind", "known: "),
    # a framework that does not exist, named as a problem of 'element'
    ("get_element", {"element": "C2", "framework": "nope"}, "framework", "known frameworks: mini"),
    (
        "element_history",
        {"element": "C2", "framework": "nope"},
        "framework",
        "known frameworks: mini",
    ),
]


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rel = tmp_path_factory.mktemp("journey") / "rel"
    publish(rel)
    return rel


@pytest.fixture(scope="module")
def http_server(release_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(release_dir, release_dir.parent / "server.log", query_workers=1)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def stdio(release_dir: Path) -> StdioServerParameters:
    code = "from pcfgraph.cli import entry; entry()"
    return StdioServerParameters(
        command=sys.executable, args=["-c", code, "mcp", "--release", str(release_dir)]
    )


def answers_of(server: Any) -> list[tuple[str, int | None, str]]:
    """Each of :data:`BAD_CALLS` made on ``server``, then a call of a tool there is not: how it
    was answered, ``("isError", None, text)`` for a tool execution error, ``("error", code,
    message)`` for a JSON-RPC error, ``("answer", None, "")`` for any other result."""

    async def main() -> list[tuple[str, int | None, str]]:
        found: list[tuple[str, int | None, str]] = []
        async with Client(server, read_timeout_seconds=120) as client:
            for tool, arguments, _, _ in [*BAD_CALLS, ("no_such_tool", {}, "", "")]:
                try:
                    result = await client.call_tool(tool, arguments)
                except MCPError as error:
                    found.append(("error", error.error.code, error.error.message))
                    continue
                if not result.is_error:
                    found.append(("answer", None, ""))
                    continue
                assert result.structured_content is None, result
                [content] = result.content
                assert content.type == "text", result.content
                found.append(("isError", None, content.text))
        return found

    return anyio.run(main)


def assert_tool_errors_naming_the_argument(found: list[tuple[str, int | None, str]]) -> None:
    *calls, unknown_tool = found
    for (tool, arguments, argument, word), answer in zip(BAD_CALLS, calls, strict=True):
        how, _, message = answer
        assert how == "isError", (tool, arguments, answer)
        assert message.startswith(f"argument '{argument}': "), (tool, arguments, message)
        assert word in message, (tool, arguments, message)
        assert "pydantic" not in message and "Error executing" not in message, message
    assert calls[3][2] == "argument 'limit': must be between 1 and 100, not 0", calls[3]
    assert calls[4][2] == "argument 'limit': must be between 1 and 100, not 1e+300", calls[4]
    # an unknown tool is a protocol error, not the tool's
    assert unknown_tool[:2] == ("error", -32602), unknown_tool
    assert "no_such_tool" in unknown_tool[2] and "search" in unknown_tool[2], unknown_tool


@pytest.mark.timeout(300)
def test_bad_calls_over_stdio(release_dir: Path) -> None:
    assert_tool_errors_naming_the_argument(answers_of(stdio(release_dir)))


@pytest.mark.timeout(300)
def test_bad_calls_over_http(http_server: LiveServer) -> None:
    assert_tool_errors_naming_the_argument(answers_of(http_server.url + "/mcp"))
    # the HTTP answer itself: 200 with the result, as any answered call
    headers = {"Accept": MCP_ACCEPT, "Content-Type": "application/json"}
    call = tool_call("search", {"text": "x", "limit": 1e300})
    r = httpx.post(http_server.url + "/mcp", json=call, headers=headers, timeout=120)
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["id"] == call["id"], reply
    assert refused_reply(reply) == "argument 'limit': must be between 1 and 100, not 1e+300"


@pytest.mark.timeout(300)
def test_good_calls_still_answer_over_both(release_dir: Path, http_server: LiveServer) -> None:
    async def main(server: Any) -> None:
        async with Client(server, read_timeout_seconds=120) as client:
            listed = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
            assert listed["search"]["required"] == ["text"]
            hits = await client.call_tool("search", {"text": "C2", "limit": 5})
            assert not hits.is_error, hits.content
            kind = hits.structured_content["hits"][0]["kind"]
            for family in ("mini", None):
                args = {"text": "C2", "framework": family, "kind": kind}
                filtered = await client.call_tool("search", args)
                assert filtered.structured_content["total"] >= 1, filtered.content
            ask = await client.call_tool("sparql", {"query": "ASK { ?s ?p ?o }"})
            assert ask.structured_content == {"form": "ASK", "boolean": True}

    for server in (stdio(release_dir), http_server.url + "/mcp"):
        anyio.run(main, server)


#: Every literal and IRI of the release in one value (tens of KB), on each of up to 100 rows.
LONG_ROWS = """SELECT ?s ?all WHERE {
  { SELECT (GROUP_CONCAT(STR(?o)) AS ?all) WHERE { { ?x ?p ?o } UNION { GRAPH ?g { ?x ?p ?o } } } }
  { SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 100 }
}"""


@pytest.mark.timeout(300)
def test_large_sparql_answers_are_bounded_and_say_so(
    release_dir: Path, http_server: LiveServer
) -> None:
    """A query can make rows of any size: the answer was every row up to ``limit`` whole (a
    GROUP_CONCAT of every definition of the shipped graph: one 408 KB value, about 100k tokens
    of an assistant's context). Now rows stop at 64 KB and values at 4,096 characters, and the
    answer says so: ``truncated`` with the ``nextCursor`` of the first row left out,
    ``valuesCut``."""
    from pcfgraph.mcp.paging import MAX_ROWS_BYTES, MAX_VALUE_CHARS

    async def main(server: Any) -> None:
        async with Client(server, read_timeout_seconds=120) as client:
            first = await client.call_tool("sparql", {"query": LONG_ROWS, "limit": 100})
            answer = first.structured_content
            assert not first.is_error and answer["total"] == 100, first.content
            assert 1 <= answer["returned"] < 100 and answer["truncated"] is True, answer["returned"]
            assert len(json.dumps(answer["items"], ensure_ascii=False).encode()) <= MAX_ROWS_BYTES
            assert answer["valuesCut"] == answer["returned"]
            value = answer["items"][0]["all"]
            assert value.startswith(value[:MAX_VALUE_CHARS]) and "characters in all]" in value
            assert len(value) < MAX_VALUE_CHARS + 60
            rest = await client.call_tool(
                "sparql", {"query": LONG_ROWS, "limit": 100, "cursor": answer["nextCursor"]}
            )
            subjects = {row["s"] for row in answer["items"]}
            following = {row["s"] for row in rest.structured_content["items"]}
            assert following and not subjects & following  # it goes on where the cut was

    for server in (stdio(release_dir), http_server.url + "/mcp"):
        anyio.run(main, server)
