"""The text copy of a tool's answer (the ``TextContent`` beside ``structuredContent``, what
many clients hand the model) is the structured answer as compact JSON. The SDK wrote it
indented by two spaces: 15-30% more of an assistant's context for the same answer (on the
shipped graph: ``find_gaps prm-it`` 5,525 bytes for 4,164, ``get_mappings`` APQC to PRM-IT
33 KB for 29 KB)."""

from __future__ import annotations

import json

from mcp import Client
from mcp.types import TextContent
from mcp_support import session_without_pool

from pcfgraph.release import Release


def test_the_text_copy_is_the_structured_answer_as_compact_json(
    shipped_release: Release,
) -> None:
    calls = [
        ("search", {"text": "SLA"}),
        ("get_element", {"element": "20641"}),
        ("find_gaps", {"framework": "prm-it"}),
        ("element_history", {"element": "A24", "framework": "prm-it"}),
    ]

    async def body(client: Client) -> None:
        for tool, args in calls:
            result = await client.call_tool(tool, args)
            assert not result.is_error, result.content
            (text,) = result.content
            assert isinstance(text, TextContent)
            assert json.loads(text.text) == result.structured_content, tool
            compact = json.dumps(
                result.structured_content, ensure_ascii=False, separators=(",", ":")
            )
            assert text.text == compact, tool  # no indentation, non-ASCII kept as it is

    session_without_pool(shipped_release, body)
