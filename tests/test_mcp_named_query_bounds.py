"""``run_named_query`` answers are bounded as ``sparql``'s are: rows (with their
``termTypes``) stop at 64 KB, a value longer than 4,096 characters is cut, and the answer
says so (``truncated``, the ``nextCursor`` of the first row left out, ``valuesCut``). A
named query's rows were cut at ``limit`` only: ``api/mappings`` at its limit of 100 was
200 KB of JSON on the shipped graph (about 50k tokens of an assistant's context, twice on
the wire with the text copy), where the same rows through ``sparql`` stopped at 64 KB."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client
from mcp_support import call, session_without_pool

from pcfgraph.mcp.paging import MAX_ROWS_BYTES
from pcfgraph.release import Release


def _size(answer: dict[str, Any]) -> int:
    """The bytes of the rows and their term types, as JSON one by one."""
    parts = [*answer["items"], *answer["termTypes"]]
    return sum(len(json.dumps(part, ensure_ascii=False).encode("utf-8")) for part in parts)


def test_named_query_rows_stop_at_64_kb_and_page_on(shipped_release: Release) -> None:
    async def body(client: Client) -> None:
        whole: list[dict[str, Any]] = []
        cursor = None
        pages = 0
        while True:
            args: dict[str, Any] = {"name": "api/mappings", "limit": 100}
            if cursor is not None:
                args["cursor"] = cursor
            answer = await call(client, "run_named_query", **args)
            pages += 1
            assert _size(answer) <= MAX_ROWS_BYTES, _size(answer)
            assert len(answer["items"]) == len(answer["termTypes"]) == answer["returned"] >= 1
            whole += answer["items"]
            if "nextCursor" not in answer:
                assert "truncated" not in answer
                break
            assert answer["truncated"] is True
            cursor = answer["nextCursor"]
        total = answer["total"]
        assert total > 100 and len(whole) == total  # every row once, in order, over pages
        assert pages > 2  # 100 rows of the first page were cut by bytes, not by limit
        assert len({json.dumps(row, sort_keys=True) for row in whole}) == total

    session_without_pool(shipped_release, body)


def test_a_small_named_query_answer_is_not_cut(shipped_release: Release) -> None:
    async def body(client: Client) -> None:
        answer = await call(client, "run_named_query", name="api/frameworks")
        assert "truncated" not in answer and "valuesCut" not in answer
        assert answer["returned"] == answer["total"] == len(answer["termTypes"]) > 0

    session_without_pool(shipped_release, body)
