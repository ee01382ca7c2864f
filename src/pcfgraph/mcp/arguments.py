"""Every ``tools/call`` whose arguments are refused is a *tool execution error* (a result
flagged ``isError``) whose text starts with the argument's name (docs/mcp.md), on both
transports; a call of a tool the server does not have is a JSON-RPC *invalid params* error
(-32602), a protocol error.

MCP 2025-11-25 (SEP-1303) says so: a tool's input validation errors are tool execution
errors, so the model that made the call reads the message and corrects its arguments (a
client hands it a tool's result, while a JSON-RPC error often ends the call before the model
sees it); protocol errors stay for what is wrong with the request itself (an unknown tool, a
malformed request, a list method's cursor). They were all -32602 here, as MCP 2025-06-18
listed invalid arguments among the protocol errors.

The tools' own checks raise them (:class:`pcfgraph.mcp.paging.ArgumentError`, read by
:mod:`pcfgraph.mcp.server` as :class:`ArgumentProblem`), but what the MCP SDK checks before
a tool runs did not: an argument missing or of the wrong type was a tool result whose text
was pydantic's dump ("Error executing tool search: 1 validation error for searchArguments
... For further information visit https://errors.pydantic.dev/..."); an argument no tool
takes (``query`` for ``search``'s ``text``, a typo of ``framework``) was dropped without a
word, the call answered as if it had not been given; an unknown tool was a tool result too.
:class:`CheckedServer` answers them as the tools answer theirs. So is a value that is not of
the JSON type the tool's ``inputSchema`` states (:func:`wrong_type`): pydantic's lax mode
read ``"limit": true`` as 1, ``"limit": "3"`` as 3 and ``"include_derived": "yes"`` (or
``1``) as true, so a client whose call broke the contract it was given was answered as if it
had kept it.

The ``cursor`` of the paginated list methods (``tools/list`` ...) follows the tools' own
rule (:func:`list_cursor`): none or an empty one is the first page, any other must be a
cursor the server gave out, else invalid params, as the MCP spec's pagination asks. Each of
these lists is one page here, so no cursor is given out: the SDK answered the whole list to
any text (a tool's ``nextCursor`` passed by mistake read as if it paged), and one that was no
string was "Invalid request parameters" naming nothing.

The params of every other MCP method the SDK checks against the spec's models
(:func:`named_params`): an ``initialize`` without ``clientInfo`` or with a ``protocolVersion``
that is no string, a ``_meta`` that is no object, were "Invalid request parameters" with
empty ``data``, naming nothing, so a client (or its developer) could not tell which of its
fields was wrong; the message names the field and what it must be.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import (
    ResourceNotFoundError,
    ToolError,
    UnexpectedToolError,
)
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    Icon,
    InputRequiredResult,
    TextContent,
    Tool,
    ToolAnnotations,
)
from pydantic import ValidationError

from pcfgraph.errors import QUOTED_CHARS, quoted
from pcfgraph.mcp.envelope import kind
from pcfgraph.terminal_text import printable

F = TypeVar("F", bound=Callable[..., Any])

#: How much of a rejected value a message quotes.
QUOTED = 60
#: MCP's paginated list methods; each list is one page on this server.
LIST_METHODS = frozenset(
    {"tools/list", "resources/list", "resources/templates/list", "prompts/list"}
)


async def list_cursor(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Middleware: a list method's ``cursor`` that is no string, or one this server did not
    give out (any but the empty one: its lists are one page), is invalid params naming it."""
    params = ctx.params or {}
    cursor = params.get("cursor") if ctx.method in LIST_METHODS else None
    if cursor is not None and cursor != "":
        if not isinstance(cursor, str):
            raise MCPError(
                INVALID_PARAMS, f"'params.cursor' must be a string (or null), not {kind(cursor)}"
            )
        shown = repr(cursor) if len(cursor) <= QUOTED else repr(cursor[:QUOTED]) + "..."
        raise MCPError(
            INVALID_PARAMS,
            f"'params.cursor': invalid cursor {shown}: this server gives out no cursor for "
            f"{ctx.method}, whose whole list is one page (leave cursor out, or empty, to read "
            "it; a tool's nextCursor goes back to that tool's cursor argument)",
        )
    return await call_next(ctx)


async def named_params(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Middleware: params the SDK's models reject (:func:`params_problem`) are invalid params
    naming the field, not "Invalid request parameters" naming nothing."""
    try:
        return await call_next(ctx)
    except ValidationError as exc:
        raise MCPError(INVALID_PARAMS, params_problem(exc, ctx.params)) from None


#: What a field must be, by the type of pydantic's error (its own words otherwise).
_WANTED = {
    "model_type": "an object",
    "dict_type": "an object",
    "model_attributes_type": "an object",
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "int_parsing": "an integer",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "list_type": "an array",
    "float_type": "a number",
}


def params_problem(error: ValidationError, params: Any) -> str:
    """The first field of ``params`` (a request's) that ``error`` rejects, and why:
    ``'params.clientInfo': is required``, ``'params.protocolVersion': must be a string, not
    5``. A field a union of types rejects (``progressToken``: a string or an integer) is
    named once, with each type it may be."""
    message = {} if params is None else {"params": params}
    problems = [  # (where, type, words); a request's own models name params from within
        (
            p["loc"] if p["loc"][:1] == ("params",) else ("params", *p["loc"]),
            p["type"],
            p["msg"],
        )
        for p in error.errors()
    ]
    path, value, given = _given_path(problems[0][0], message)
    if not given:
        return f"{path!r}: is required"
    wanted: list[str] = []
    for loc, kind_of, words in problems:
        if _given_path(loc, message)[0] == path:
            words = _WANTED.get(kind_of) or words.removeprefix("Input should be ")
            if words not in wanted:
                wanted.append(words)
    return f"{path!r}: must be {' or '.join(wanted)}, not {_shown(value)}"


def _given_path(loc: Iterable[Any], message: Any) -> tuple[str, Any, bool]:
    """The dotted path of the field ``loc`` reaches in ``message`` (``params.clientInfo.name``),
    that field's value, and whether the message gives it: a field an object lacks is named
    (missing), a step past a value that holds no fields (a union member's tag, ``str``) is not."""
    path = ""
    value = message
    for step in loc:
        if isinstance(value, dict):
            path = f"{path}.{step}" if path else str(step)
            if step not in value:
                return path, None, False
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            path = f"{path}[{step}]"
            value = value[step]
        else:
            break
    return path, value, True


class CheckedServer(MCPServer):
    """An :class:`MCPServer` whose ``tools/call`` refuses an unknown tool as invalid params,
    and an argument the tool does not take, one its schema rejects and one the tool's own
    checks refuse (:class:`ArgumentProblem`) as a tool execution error naming it
    (:func:`argument_error`); a list method's cursor it did not give out is invalid params
    (:func:`list_cursor`), and so are any method's params the SDK rejects, naming the field
    (:func:`named_params`)."""

    def __init__(self, *, output_schemas: dict[str, Any] | None = None, **settings: Any) -> None:
        super().__init__(
            middleware=[named_params, list_cursor, *settings.pop("middleware", ())], **settings
        )
        self._output_schemas = output_schemas or {}

    async def list_tools(self) -> list[Tool]:
        """The tools, each with the ``outputSchema`` declared for it (``output_schemas``, by
        name): the SDK's, made from a return annotation of ``dict[str, Any]``, is an object
        of anything, a contract that says nothing."""
        return [
            tool.model_copy(
                update={"output_schema": self._output_schemas.get(tool.name, tool.output_schema)}
            )
            for tool in await super().list_tools()
        ]

    def tool(
        self,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: ToolAnnotations | None = None,
        icons: list[Icon] | None = None,
        meta: dict[str, Any] | None = None,
        structured_output: bool | None = None,
    ) -> Callable[[F], F]:
        """The SDK's decorator, the tool's description its docstring unfolded
        (:func:`unfolded`)."""
        register = super().tool

        def decorator(fn: F) -> F:
            words = description if description is not None else unfolded(fn.__doc__ or "")
            register(name, title, words, annotations, icons, meta, structured_output)(fn)
            return fn

        return decorator

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        schemas = {tool.name: tool.input_schema for tool in await self.list_tools()}
        _refuse_unknown("tool", name, schemas)
        properties = schemas[name].get("properties", {})
        problem = unknown_argument(name, arguments, list(properties)) or schema_problem(
            properties, arguments
        )
        if problem is not None:
            return argument_error(problem)
        try:
            result = await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                return argument_error(invalid(exc.__cause__))
            if isinstance(exc.__cause__, ArgumentProblem):
                return argument_error(str(exc.__cause__))
            shown = printable(str(exc))
            if shown != str(exc):  # the SDK makes the tool's error text of it as it is
                raise ToolError(shown) from exc.__cause__
            raise
        return compact_text(result)

    async def read_resource(self, uri: Any, context: Any = None) -> Any:
        """A resource; an unknown URI names the resources and templates there are: it was
        "Unknown resource: pcfgraph://x" alone, a client guessing a URI had to list both to
        find what to read instead (the same -32602 with ``data.uri``)."""
        try:
            return await super().read_resource(uri, context)
        except ResourceNotFoundError as exc:
            if not str(exc).startswith("Unknown resource"):
                raise  # a resource's own "not found" (its words name the argument)
            known = sorted(
                [str(r.uri) for r in await self.list_resources()]
                + [t.uri_template for t in await self.list_resource_templates()]
            )
            asked = printable(str(uri)) if len(str(uri)) <= QUOTED_CHARS else quoted(str(uri))
            raise ResourceNotFoundError(
                f"Unknown resource: {asked}; the resources: {', '.join(known)}"
            ) from None

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> Any:
        """A prompt, its arguments checked as a tool's are, and refused as invalid params (a
        prompt is no tool: its arguments are the request's params): the SDK answered an
        unknown prompt or a missing argument with JSON-RPC error code 0 (no such code) and a
        Python set (``Missing required arguments: {'process'}``)."""
        prompts = {prompt.name: prompt for prompt in await self.list_prompts()}
        _refuse_unknown("prompt", name, prompts)
        declared = prompts[name].arguments or []
        given = arguments or {}
        problem = unknown_argument(name, given, [argument.name for argument in declared])
        if problem is not None:
            raise MCPError(INVALID_PARAMS, problem)
        for argument in declared:
            if argument.required and argument.name not in given:
                raise MCPError(INVALID_PARAMS, f"argument {argument.name!r}: is required")
        return await super().get_prompt(name, arguments, context)


def unfolded(doc: str) -> str:
    """A docstring as a client shows it to a model: its lines joined, each paragraph one line
    (paragraphs apart by a blank line). The SDK gave the docstring as written, its source
    line breaks and eight-space indents within the text of every tool's description."""
    paragraphs = [" ".join(p.split()) for p in doc.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def compact_text(
    result: CallToolResult | InputRequiredResult,
) -> CallToolResult | InputRequiredResult:
    """``result`` with the text copy of its structured answer as compact JSON: the SDK
    indented it by two spaces, 15-30% more of an assistant's context for the same answer."""
    if not isinstance(result, CallToolResult) or result.structured_content is None:
        return result
    if len(result.content) != 1 or not isinstance(result.content[0], TextContent):
        return result
    text = json.dumps(result.structured_content, ensure_ascii=False, separators=(",", ":"))
    return result.model_copy(update={"content": [TextContent(type="text", text=text)]})


#: A JSON Schema type named for a message.
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def wrong_type(schema: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` (decoded JSON) is not of a type the argument's JSON ``schema`` states
    (``type``, or the ``type`` of each ``anyOf`` option), or None when it is. The schema is
    the contract an MCP client is given: pydantic's lax mode read the string "3" as 3,
    "yes", "on" and 1 as true, and true as the number 1, none of them a value of the type
    the schema says. An object's values are checked against its ``additionalProperties``.
    A whole number written 3.0 is an integer, as JSON Schema says."""
    options = schema.get("anyOf") or [schema]
    if any(_fits(option, value) for option in options):
        if isinstance(value, dict):
            for option in options:
                values = option.get("additionalProperties")
                if option.get("type") == "object" and isinstance(values, dict):
                    for key, item in value.items():
                        problem = wrong_type(values, item)
                        if problem is not None:
                            return f"the value of {str(key)[:QUOTED]!r} {problem}"
        return None
    wanted = [_TYPE_NAMES[t] for t in (o.get("type") for o in options) if t in _TYPE_NAMES]
    return f"must be {' or '.join(wanted)}, not {_shown(value)}"


def schema_problem(properties: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """The first of ``arguments`` (each one of ``properties``) whose value is not of the type
    or in the range its schema states, and why, naming it; None when each is."""
    for key, value in arguments.items():
        problem = wrong_type(properties[key], value) or out_of_range(properties[key], value)
        if problem is not None:
            return f"argument {key!r}: {problem}"
    return None


def out_of_range(schema: dict[str, Any], value: Any) -> str | None:
    """Why the number ``value`` is outside the ``minimum`` and ``maximum`` its JSON
    ``schema`` states, in the words of the tools' own check (``limit``), or None. Checked
    before pydantic reads it: a limit of ``1e300`` (a whole number, so an integer as JSON
    Schema says) was pydantic's "must be Unable to parse input string as an integer,
    exceeded maximum size"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    for option in schema.get("anyOf") or [schema]:
        low, high = option.get("minimum"), option.get("maximum")
        if low is None and high is None:
            continue
        if low is not None and high is not None and not low <= value <= high:
            return f"must be between {low} and {high}, not {_shown(value)}"
        if low is not None and value < low:
            return f"must be at least {low}, not {_shown(value)}"
        if high is not None and value > high:
            return f"must be at most {high}, not {_shown(value)}"
    return None


def _fits(schema: dict[str, Any], value: Any) -> bool:
    kind = schema.get("type")
    if kind == "null":
        return value is None
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return kind not in ("integer", "number", "object", "array")
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return True  # no type stated: pydantic's check decides


def _shown(value: Any) -> str:
    """``value`` as JSON names it: ``the string '3'``, ``true``, ``null``, ``2.5``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        quoted = repr(value)
        return "the string " + (quoted[:QUOTED] + "..." if len(quoted) > QUOTED else quoted)
    if isinstance(value, int | float):
        return repr(value)[:QUOTED]
    return "an object" if isinstance(value, dict) else "an array"


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
    message = str(first["msg"])
    if message.startswith("Input should be "):
        return f"argument {argument!r}: must be {message.removeprefix('Input should be ')}, not {value}"
    return f"argument {argument!r}: {message[:1].lower()}{message[1:]}, not {value}"


def _refuse_unknown(kind: str, name: str, known: Iterable[str]) -> None:
    """Invalid params for a tool or prompt the server does not have, naming those it has."""
    known = sorted(known)
    if name not in known:  # quoted: a name of 100,000 characters was echoed whole
        raise MCPError(
            INVALID_PARAMS, f"unknown {kind} {quoted(name)}; the {kind}s: {', '.join(known)}"
        )


def unknown_argument(name: str, given: Iterable[str], takes: list[str]) -> str | None:
    """Why the first argument ``name`` does not take is refused, naming those it does."""
    unknown = [key for key in given if key not in takes]
    if not unknown:
        return None
    return (
        f"argument {quoted(unknown[0])}: not an argument of {name}, which takes {', '.join(takes)}"
    )


class ArgumentProblem(ToolError):
    """A tool's argument its own check refuses (raised by the tool's body): answered as
    :func:`argument_error`, its message as it is (the SDK put "Error executing tool NAME: "
    before a tool's error)."""


def argument_error(message: str) -> CallToolResult:
    """The answer to a ``tools/call`` whose arguments are refused: a tool execution error
    (``isError``) whose text is ``message``, which starts with the argument's name; what it
    quotes of the arguments made visible (:func:`pcfgraph.terminal_text.printable`: a
    right-to-left override in an element's name turned the message around where a person
    reads it)."""
    text = printable(message)
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
