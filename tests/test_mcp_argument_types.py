"""A tool's ``inputSchema`` is the contract an MCP client is given: an argument whose JSON type
is not one the schema states is a tool execution error (isError) naming it, for every tool alike.
pydantic's lax mode read ``"limit": "3"`` as 3 and ``"include_derived": "yes"`` (or ``1``) as
true, and answered the call as if the client had kept the contract."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp_support import refused
from mcp_support import session_without_pool as session

from pcfgraph.release import Release

#: Values of the wrong JSON type for each type a schema states, and how a message shows them.
WRONG: dict[str, list[tuple[Any, str]]] = {
    "integer": [("3", "the string '3'"), (True, "true"), (2.5, "2.5"), ({}, "an object")],
    "boolean": [("yes", "the string 'yes'"), ("true", "the string 'true'"), (1, "1")],
    "string": [(5, "5"), (False, "false"), (["C2"], "an array")],
    "object": [("{}", "the string '{}'"), ([], "an array")],
}
#: What each tool with a limit needs besides it.
REQUIRED: dict[str, dict[str, Any]] = {
    "search": {"text": "SLA"},
    "get_mappings": {"source": "apqc-pcf-cross-industry-7.4", "target": "prm-it"},
    "find_gaps": {"framework": "prm-it"},
    "audit_model": {"model": "<a:b> <a:c> <a:d> ."},
    "run_named_query": {"name": "api/frameworks"},
    "sparql": {"query": "ASK {}"},
}
NAMES = {
    "integer": "an integer",
    "boolean": "a boolean",
    "string": "a string",
    "object": "an object",
}


def test_every_argument_of_every_tool_takes_only_its_schema_type(
    shipped_release: Release,
) -> None:
    checked: list[tuple[str, str, Any]] = []

    async def body(client: Client) -> None:
        for tool in (await client.list_tools()).tools:
            for argument, schema in tool.input_schema["properties"].items():
                options = schema.get("anyOf") or [schema]
                types = [o["type"] for o in options if o["type"] != "null"]
                assert len(types) == 1, (tool.name, argument, schema)
                for value, shown in WRONG[types[0]]:
                    refusal = await refused(client, tool.name, {argument: value})
                    assert refusal == (
                        f"argument {argument!r}: must be {NAMES[types[0]]}, not {shown}"
                    ), (tool.name, argument, value)
                    checked.append((tool.name, argument, value))

    session(shipped_release, body)
    assert ("search", "limit", "3") in checked
    assert ("get_mappings", "include_derived", "yes") in checked
    assert ("run_named_query", "params", "{}") in checked
    assert len({(tool, argument) for tool, argument, _ in checked}) >= 30


def test_the_values_of_named_query_params_are_strings(shipped_release: Release) -> None:
    async def body(client: Client) -> None:
        params = {"framework": "prm-it", "code": 24}
        refusal = await refused(
            client, "run_named_query", {"name": "api/element-by-code", "params": params}
        )
        assert refusal == "argument 'params': the value of 'code' must be a string, not 24"

    session(shipped_release, body)


def test_values_of_the_schema_type_are_still_taken(shipped_release: Release) -> None:
    """A whole number written 3.0 is an integer (JSON Schema), null is taken where the schema
    says so, and true is a boolean."""

    async def body(client: Client) -> None:
        for limit in (3, 3.0):
            hits = await client.call_tool("search", {"text": "SLA", "limit": limit, "kind": None})
            assert not hits.is_error, hits.content
            assert hits.structured_content is not None
            assert hits.structured_content["returned"] == 3
        mappings = await client.call_tool(
            "get_mappings", {"element": "20636", "include_derived": True}
        )
        assert mappings.structured_content is not None
        assert mappings.structured_content["curatedOnly"] is False

    session(shipped_release, body)


def test_the_schema_states_the_bounds_the_tools_check(shipped_release: Release) -> None:
    """The schema said any integer and any string, while a limit of 0 or 101, a format no
    parser has and a search text of 201 characters were refused: a client reading the
    contract could not know."""

    async def body(client: Client) -> None:
        tools = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
        with_limit = [name for name, schema in tools.items() if "limit" in schema["properties"]]
        assert len(with_limit) == 6
        for name in with_limit:
            (integer,) = [
                o for o in tools[name]["properties"]["limit"]["anyOf"] if o["type"] != "null"
            ]
            low, high = integer["minimum"], integer["maximum"]
            for outside in (low - 1, high + 1):
                refusal = await refused(client, name, {**REQUIRED[name], "limit": outside})
                assert refusal == (
                    f"argument 'limit': must be between {low} and {high}, not {outside}"
                ), name
        hits = await client.call_tool("search", {"text": "SLA", "limit": high})
        assert not hits.is_error, hits.content
        text = tools["search"]["properties"]["text"]
        assert not (await client.call_tool("search", {"text": "x" * text["maxLength"]})).is_error
        refusal = await refused(client, "search", {"text": "x" * (text["maxLength"] + 1)})
        assert refusal.startswith("argument 'text': ")
        formats = tools["audit_model"]["properties"]["format"]["enum"]
        refusal = await refused(client, "audit_model", {"model": "x", "format": "docx"})
        assert refusal == f"argument 'format': use one of {', '.join(formats)}, not 'docx'"
        assert tools["audit_model"]["properties"]["as_of"]["anyOf"][0]["format"] == "date"

    session(shipped_release, body)


def test_a_limit_far_out_of_range_is_refused_in_the_same_words(shipped_release: Release) -> None:
    """A whole number too large for pydantic's integers (``1e300``, an integer as JSON Schema
    says) was "argument 'limit': must be Unable to parse input string as an integer, exceeded
    maximum size, not 1e+300": the same bounds as any other limit out of range, said alike."""

    async def body(client: Client) -> None:
        for name, args in REQUIRED.items():
            for outside, shown in (
                (1e300, "1e+300"),
                (-1e300, "-1e+300"),
                (10**40, "1" + "0" * 40),
            ):
                refusal = await refused(client, name, {**args, "limit": outside})
                assert refusal == (f"argument 'limit': must be between 1 and 100, not {shown}"), (
                    name
                )

    session(shipped_release, body)


def test_sparql_and_audit_refuse_a_bad_page_before_the_sandbox_runs(
    shipped_release: Release,
) -> None:
    """``limit`` and ``cursor`` of ``sparql`` and ``audit_model`` were checked on the result:
    the query or audit ran to the end in the sandbox (a slot, up to the deadline) before a
    limit of 500 or another list's cursor was refused. Here no sandbox runs at all, so only
    a check made before it answers a tool error naming the argument."""

    async def body(client: Client) -> None:
        hits = await client.call_tool("search", {"text": "SLA", "limit": 2})
        assert hits.structured_content is not None
        foreign = hits.structured_content["nextCursor"]
        for tool, args in (
            ("sparql", {"query": "SELECT * WHERE { ?s ?p ?o }"}),
            ("audit_model", {"model": "<a:b> <a:c> <a:d> .", "as_of": "2025-07-15"}),
        ):
            refusal = await refused(client, tool, {**args, "limit": 500})
            assert refusal == "argument 'limit': must be between 1 and 100, not 500"
            refusal = await refused(client, tool, {**args, "cursor": foreign})
            assert refusal.startswith("argument 'cursor': "), refusal
            # a good call gets as far as the sandbox, which is not running here
            result = await client.call_tool(tool, {**args, "limit": 5})
            assert result.is_error and "sandbox is not running" in str(result.content)

    session(shipped_release, body)


@pytest.mark.parametrize("as_of", ["20250715", "2025-W28-1", "2025-07-15T00:00", "2025-02-31"])
def test_audit_as_of_is_a_calendar_date_as_the_schema_states(
    shipped_release: Release, as_of: str
) -> None:
    """``as_of`` is ``format: date`` (RFC 3339's YYYY-MM-DD) and refused as "not a date
    YYYY-MM-DD" otherwise; the basic form ``20250715`` and the week date ``2025-W28-1`` (a
    Monday, whatever day was meant) were taken, since Python 3.11 reads every ISO 8601 form."""

    async def body(client: Client) -> None:
        refusal = await refused(client, "audit_model", {**REQUIRED["audit_model"], "as_of": as_of})
        assert refusal == f"argument 'as_of': must be a date YYYY-MM-DD, not '{as_of}'"

    session(shipped_release, body)


def test_every_argument_of_every_tool_says_what_to_give(shipped_release: Release) -> None:
    """The schema gave each argument a title made of its name ("Include Derived", "Cursor")
    and nothing else: what a value means (an element as IRI, PCF ID or code; a framework id
    or family; the cursor to pass) was only in the tool's description, which a client may
    show apart from the form of the arguments or cut short. Each argument says it, and the
    default a list's limit has."""

    async def body(client: Client) -> None:
        tools = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
        described = 0
        for name, schema in tools.items():
            for argument, property_schema in schema["properties"].items():
                text = property_schema.get("description")
                assert isinstance(text, str) and len(text) > 10, (name, argument)
                described += 1
            if "limit" in schema["properties"]:
                default = "10" if name == "search" else "20"
                assert f"default {default}" in schema["properties"]["limit"]["description"]
            if "cursor" in schema["properties"]:
                assert "nextCursor" in schema["properties"]["cursor"]["description"], name
        assert described >= 30

    session(shipped_release, body)
