"""Every bad ``tools/call`` is a JSON-RPC *invalid params* error (-32602) whose message starts
with the argument's name (docs/mcp.md), on both transports.

The tools' own checks raised it (:class:`pcfgraph.mcp.paging.ArgumentError`), but what the
MCP SDK checks before a tool runs did not: an argument missing or of the wrong type was a
tool result flagged as an error, whose text was pydantic's dump ("Error executing tool
search: 1 validation error for searchArguments ... For further information visit
https://errors.pydantic.dev/..."); an argument no tool takes (``query`` for ``search``'s
``text``, a typo of ``framework``) was dropped without a word, the call answered as if it
had not been given; an unknown tool was a tool result too. :class:`CheckedServer` answers
them as the tools answer theirs. So is a boolean given for a number (``"limit": true``),
which pydantic's lax mode read as 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, InputRequiredResult
from pydantic import ValidationError

#: How much of a rejected value a message quotes.
QUOTED = 60


class CheckedServer(MCPServer):
    """An :class:`MCPServer` whose ``tools/call`` refuses an unknown tool, an argument the
    tool does not take and one its schema rejects as invalid params naming them."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        schemas = {tool.name: tool.input_schema for tool in await self.list_tools()}
        _refuse_unknown("tool", name, schemas)
        _refuse_unknown_arguments(name, arguments, list(schemas[name].get("properties", {})))
        for key, value in arguments.items():
            if isinstance(value, bool) and _takes_number(schemas[name]["properties"][key]):
                # pydantic reads true as 1: a limit of true answered one item, silently
                raise MCPError(
                    INVALID_PARAMS,
                    f"argument {key!r}: must be an integer, not {'true' if value else 'false'}",
                )
        try:
            result = await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise MCPError(INVALID_PARAMS, invalid(exc.__cause__)) from None
            raise
        return result

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> Any:
        """A prompt, its arguments checked as a tool's are: the SDK answered an unknown
        prompt or a missing argument with JSON-RPC error code 0 (no such code) and a
        Python set (``Missing required arguments: {'process'}``)."""
        prompts = {prompt.name: prompt for prompt in await self.list_prompts()}
        _refuse_unknown("prompt", name, prompts)
        declared = prompts[name].arguments or []
        given = arguments or {}
        _refuse_unknown_arguments(name, given, [argument.name for argument in declared])
        for argument in declared:
            if argument.required and argument.name not in given:
                raise MCPError(INVALID_PARAMS, f"argument {argument.name!r}: is required")
        return await super().get_prompt(name, arguments, context)


def _takes_number(schema: dict[str, Any]) -> bool:
    """Whether an argument's JSON schema takes a number and no boolean."""
    types = {schema.get("type")} | {option.get("type") for option in schema.get("anyOf", [])}
    return bool(types & {"integer", "number"}) and "boolean" not in types


def invalid(error: ValidationError) -> str:
    """The first problem of ``error`` (the SDK's validation of a tool's arguments), naming
    the argument: ``argument 'limit': must be an integer, not 'ten'``."""
    first = error.errors()[0]
    argument = str(first["loc"][0]) if first["loc"] else "arguments"
    if first["type"] == "missing":
        return f"argument {argument!r}: is required"
    value = repr(first.get("input"))
    if len(value) > QUOTED:
        value = value[:QUOTED] + "..."
    problem = first["msg"].removeprefix("Input should be ")
    return f"argument {argument!r}: must be {problem}, not {value}"


def _refuse_unknown(kind: str, name: str, known: Iterable[str]) -> None:
    """Invalid params for a tool or prompt the server does not have, naming those it has."""
    known = sorted(known)
    if name not in known:
        raise MCPError(INVALID_PARAMS, f"unknown {kind} {name!r}; the {kind}s: {', '.join(known)}")


def _refuse_unknown_arguments(name: str, given: Iterable[str], takes: list[str]) -> None:
    """Invalid params for the first argument ``name`` does not take, naming those it does."""
    unknown = [key for key in given if key not in takes]
    if unknown:
        raise MCPError(
            INVALID_PARAMS,
            f"argument {unknown[0]!r}: not an argument of {name}, which takes {', '.join(takes)}",
        )
