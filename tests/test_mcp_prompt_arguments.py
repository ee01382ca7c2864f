"""What a client shows a user who picks a prompt: each argument with what to give (the
arguments had a name only: "format", with nothing to say which formats), and a value the
prompt would pass on to a tool that refuses it is refused here, naming what is taken (an
``audit-my-model`` of format "ttl" built a prompt whose ``audit_model`` call then failed)."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_support import session_without_pool
from ops_support import ops_release

from pcfgraph.mcp.sandboxed import MODEL_FORMATS


def test_every_prompt_argument_says_what_to_give() -> None:
    async def body(client: Client) -> None:
        prompts = (await client.list_prompts()).prompts
        arguments = [(p.name, a) for p in prompts for a in p.arguments or []]
        assert len(arguments) >= 3
        for prompt, argument in arguments:
            assert argument.description, (prompt, argument.name)
        (audit,) = [p for p in prompts if p.name == "audit-my-model"]
        (fmt,) = [a for a in audit.arguments or [] if a.name == "format"]
        assert fmt.description and all(f in fmt.description for f in MODEL_FORMATS)

    session_without_pool(ops_release(), body)


def test_an_audit_prompt_of_a_format_no_parser_has_is_invalid_params() -> None:
    async def body(client: Client) -> None:
        for given in ("ttl", "Turtle", ""):
            with pytest.raises(MCPError) as err:
                await client.get_prompt("audit-my-model", {"model": "x", "format": given})
            assert err.value.code == -32602
            assert err.value.message == (
                f"argument 'format': must be one of {', '.join(MODEL_FORMATS)}, not {given!r}"
            )
        for taken in MODEL_FORMATS:
            prompt = await client.get_prompt("audit-my-model", {"model": "x", "format": taken})
            assert f"format {taken}" in str(prompt.messages[0].content)
        default = await client.get_prompt("audit-my-model", {"model": "x"})
        assert "format turtle" in str(default.messages[0].content)

    session_without_pool(ops_release(), body)
