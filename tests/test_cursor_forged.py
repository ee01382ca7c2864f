"""A cursor is text a client sends: one forged (decoded, changed, encoded again, as anyone
can) is refused as an invalid cursor or as another list's, and the message refusing it
names what it carries bounded and escaped. The release id, the list's kind and its
arguments a forged cursor carried were echoed whole: a megabyte back in the error, and a
terminal escape (``ESC ]0;``) raw in a message a CLI or a log prints. And ``audit_model``
took the day a cursor carries to audit as of: one that is no date went on to the sandbox's
audit (which reads it with ``date.fromisoformat``), not refused as the cursor's error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from gql_support import PRM, Client, graphql_release
from mcp import Client as McpClient
from mcp_support import call, refused, session_without_pool

from pcfgraph import cursors
from pcfgraph.errors import InputError
from pcfgraph.release import Release

BIG = 100_000
ESC = "\x1b]0;owned\x07"


def forged(*payload: Any) -> str:
    """A cursor of ``payload`` (kind, offset, arguments[, release]), as a client makes one."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _refusal(cursor: str, scope: dict[str, Any] | None = None) -> str:
    with pytest.raises(InputError) as caught:
        cursors.decode("elements", cursor, scope or {"framework": "f"}, release="r1")
    return str(caught.value)


def _bounded(message: str) -> None:
    assert len(message) < 2_000, message[:300]
    assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message


def test_what_a_forged_cursor_carries_is_not_echoed_whole() -> None:
    for cursor in (
        forged("elements", 1, {"framework": "f"}, ESC + "r" * BIG),  # another release
        forged("elements", 1, {"framework": "f"}, "\u202e" + "r"),
        forged(ESC + "k" * BIG, 1, {"framework": "f"}, "r1"),  # another list's kind
        forged("elements", 1, {"framework": ESC + "y" * BIG}, "r1"),  # other arguments
        forged("elements", 1, {f"k{i}": i for i in range(10_000)}, "r1"),
        forged("elements", 1, {ESC: "f"}, "r1"),
        forged("elements", 1, {"level": 10**4000}, "r1"),
        forged("elements", 10**4000, {"framework": "f"}, "r1"),
        forged("elements", 1, {"framework": ["f", {"x": [1] * BIG}]}, "r1"),
    ):
        _bounded(_refusal(cursor))


def test_a_cursor_of_wrong_types_is_invalid() -> None:
    for cursor in (
        forged("elements", 1, {"framework": {"a": 1}}, "r1"),
        forged("elements", 1, {"framework": 1.5}, "r1"),
        forged("elements", 1, {"framework": "f"}, "r1", "again"),
        forged("elements", -1, {"framework": "f"}, "r1"),
        forged("elements", 2**63, {"framework": "f"}, "r1"),
        forged("elements", "1", {"framework": "f"}, "r1"),
        forged("elements", True, {"framework": "f"}, "r1"),
        forged("elements", 1, {"framework": "x" * 65}, "r1"),  # longer ones are digests
        forged("elements", 1, {"framework": "f"}, 7),
        forged({"elements": 1}),
        base64.urlsafe_b64encode(b"\xff\xfe[").decode(),  # not UTF-8
        "not base64 at all!",
        "é" * 10,  # not ASCII
        "W" * BIG,
        "",
    ):
        message = _refusal(cursor)
        assert "not a cursor this server gave out" in message, message
        _bounded(message)
    # the ones it gives out still go on, of any arguments it keeps
    for scope in ({"framework": "f", "level": 3}, {"text": "SLA\n" + "x" * 200, "on": True}):
        given = cursors.encode("elements", 4, scope, release="r1")
        assert cursors.decode("elements", given, scope, release="r1") == 4


def test_graphql_refuses_a_forged_cursor_as_bad_input() -> None:
    gql = Client(graphql_release(1))
    scope = {"framework": PRM}
    for after in (
        forged("elements", 1, scope, ESC + "r" * BIG),
        forged(ESC + "k" * BIG, 1, scope, gql.release.release_id),
        forged("elements", 10**4000, scope, gql.release.release_id),
        forged("elements", 1, {"framework": "y" * BIG}, gql.release.release_id),
    ):
        (err,) = gql.errors(
            f'{{ elements(framework: "{PRM}", after: "{after}") {{ totalCount }} }}'
        )
        assert err["extensions"]["code"] == "bad-input", err
        _bounded(err["message"])


def test_mcp_refuses_a_forged_cursor_naming_cursor(shipped_release: Release) -> None:
    release = shipped_release.release_id

    async def body(client: McpClient) -> None:
        for cursor in (
            forged("search", 1, {"text": "SLA"}, ESC + "r" * BIG),
            forged(ESC + "k" * BIG, 1, {"text": "SLA"}, release),
            forged("search", 1, {"text": "SLA", **{f"k{i}": "v" * 60 for i in range(99)}}, release),
        ):
            refusal = await refused(client, "search", {"text": "SLA", "cursor": cursor})
            assert refusal.startswith("argument 'cursor': "), refusal[:200]
            _bounded(refusal)
        first = await call(client, "search", text="SLA", limit=1)  # a real one goes on
        assert (await call(client, "search", text="SLA", cursor=first["nextCursor"]))["hits"]

    session_without_pool(shipped_release, body)


def test_an_audit_cursor_carrying_no_day_is_the_cursors_error() -> None:
    from pcfgraph.mcp.paging import ArgumentError
    from pcfgraph.mcp.sandboxed import audit_scope

    for day in ("not a day", "2025-02-31", "20250715", 20250715):
        with pytest.raises(ArgumentError) as caught:
            audit_scope("<a> <b> <c> .", "turtle", None, {"asOf": day})
        assert str(caught.value).startswith("argument 'cursor': "), caught.value
    scope = audit_scope("<a> <b> <c> .", "turtle", None, {"asOf": "2025-07-15"})
    assert scope["asOf"] == "2025-07-15"


def test_a_cursor_carrying_an_argument_its_list_is_not_chosen_by_was_not_given_out() -> None:
    """A cursor edited to carry one more argument was said to belong to "another list" chosen
    by it, a list no request can ask for (and MCP named the made-up argument as the one to
    correct): it is refused as not one this server gave out, the argument named escaped."""
    for extra in ({"evil": 1}, {"framework": "other", "evil\u202e": "x"}, {"a\"'": True}):
        message = _refusal(forged("elements", 1, {"framework": "f", **extra}, "r1"))
        assert message.startswith("invalid cursor") and "not a cursor this server gave out" in (
            message
        ), message
        assert "another list" not in message
        _bounded(message)
    many = {f"k{i}": i for i in range(15)}
    message = _refusal(forged("elements", 1, {"framework": "f", **many}, "r1"))
    assert "'k0', 'k1', 'k10' and 12 more" in message, message
    # an argument of its list given otherwise is still another list's cursor, named
    assert "another list" in _refusal(forged("elements", 1, {"framework": "g"}, "r1"))
    # an argument of the list left out (None) is not carried, and goes on
    scope = {"framework": "f", "kind": None}
    assert cursors.decode("elements", cursors.encode("elements", 2, scope), scope) == 2


def test_graphql_and_mcp_refuse_a_cursor_with_an_extra_argument(shipped_release: Release) -> None:
    gql = Client(graphql_release(1))
    scope = {"framework": PRM, "evil": "x"}
    after = forged("elements", 1, scope, gql.release.release_id)
    (err,) = gql.errors(f'{{ elements(framework: "{PRM}", after: "{after}") {{ totalCount }} }}')
    assert err["extensions"]["code"] == "bad-input", err
    assert "not a cursor this server gave out" in err["message"] and "'evil'" in err["message"]
    release = shipped_release.release_id

    async def body(client: McpClient) -> None:
        cursor = forged("search", 1, {"text": "SLA", "evil": "x"}, release)
        refusal = await refused(client, "search", {"text": "SLA", "cursor": cursor})
        assert refusal.startswith("argument 'cursor': invalid cursor"), refusal[:300]
        assert "not a cursor this server gave out" in refusal and "'evil'" in refusal
        assert "argument 'evil'" not in refusal

    session_without_pool(shipped_release, body)
