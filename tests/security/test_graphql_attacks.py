"""Security regression suite, GraphQL side: hostile documents against a live /graphql.

Each asserts the status (400 with ``application/graphql-response+json``, as GraphQL over HTTP
asks for requests refused before execution), the error ``extensions.code`` where the limit
has one, and that nothing executed or leaked.

Why work, not time: these limits keep a hostile document from costing the server much, and a
wall-clock bound on the answer says so only on an idle machine (a loaded one trips it with
no fault in the server). What each test holds instead is structural and the same on any
machine: the 400 is given only when execution never started (the router answers 400 only if
the schema's ``MarkExecuted`` extension never ran, so no resolver was called), the refusal
comes from the limit named in it (its code, its count), and the limiter's own work on a
fragment bomb is counted in-process: each fragment measured once, never 2^n expansions.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from limiter_support import measured_selection_sets, selection_sets

from pcfgraph.api.graphql.schema import build_schema
from pcfgraph.config import Settings

from .conftest import LIMITS

GQL = "application/graphql-response+json"
LEAKS = ("Traceback", "site-packages", "/work/", 'File "')


def post(client: httpx.Client, body: Any) -> httpx.Response:
    return client.post("/graphql", json=body, headers={"Accept": GQL})


def assert_refused(r: httpx.Response, code: str | None, words: tuple[str, ...]) -> None:
    # 400 (not 200 with errors): refused before execution started, no resolver ran
    assert r.status_code == 400, r.text[:400]
    assert r.headers["content-type"].startswith(GQL)
    body = r.json()
    assert "data" not in body or body["data"] is None  # nothing executed
    errors = body["errors"]
    text = " ".join(e["message"] for e in errors).lower()
    assert any(w in text for w in words), text
    if code is not None:
        assert any((e.get("extensions") or {}).get("code") == code for e in errors), errors
    for leak in LEAKS:
        assert leak not in r.text


def nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = f"children {{ {inner} }}"
    return f"{{ frameworks {{ topElements {{ {inner} }} }} }}"


def test_depth(client: httpx.Client) -> None:
    depth = int(LIMITS["graphql_max_depth"]) + 5  # type: ignore[call-overload]
    r = post(client, {"query": nested(depth)})
    assert_refused(r, "query-too-deep", ("deep", "depth"))
    # measured to the end by the limiter (frameworks, topElements, the children, id)
    assert f"Query depth {depth + 3} exceeds the maximum of {LIMITS['graphql_max_depth']}" in r.text


def test_aliases_through_fragments(client: httpx.Client) -> None:
    aliases = " ".join(f"a{i}: id" for i in range(5))
    spreads = " ".join("...F" for _ in range(1))
    query = (
        f"fragment F on Framework {{ {aliases} }} "
        f"{{ x1: frameworks {{ {spreads} }} x2: frameworks {{ {spreads} }} "
        f"x3: frameworks {{ {spreads} }} }}"
    )
    r = post(client, {"query": query})
    assert_refused(r, "too-many-aliases", ("alias",))
    assert "18 aliases found after expanding fragments" in r.text  # 5 x 3 + x1, x2, x3


def fragment_bomb(n: int) -> str:
    """Fragment Fi has one alias and spreads F(i-1) twice: F(n) expands to 2^n - 1 aliases."""
    frags = ["fragment F0 on Framework { id }"]
    for i in range(1, n + 1):
        frags.append(f"fragment F{i} on Framework {{ a{i}: id ...F{i - 1} ...F{i - 1} }}")
    return " ".join(frags) + f" {{ frameworks {{ ...F{n} }} }}"


def test_exponential_fragments_are_cheap_to_refuse(client: httpx.Client) -> None:
    r = post(client, {"query": fragment_bomb(24)})
    assert_refused(r, "too-many-aliases", ("alias",))
    # the expanded count, computed without expanding (see the next test for the work)
    assert f"{2**24 - 1} aliases found after expanding fragments" in r.text


def test_the_limiter_measures_each_fragment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limiter's work on a 2^24 fragment bomb, counted: one measurement per selection set
    written in the document (a limiter that expands spreads again at every use, as
    strawberry's do, makes 2^24; this one gives up counting past a small budget)."""
    query = fragment_bomb(24)
    budget = selection_sets(query)
    measured = measured_selection_sets(monkeypatch, budget)
    settings = Settings(**{k: v for k, v in LIMITS.items() if k.startswith("graphql_")})
    result = asyncio.run(build_schema(settings).execute(query))
    assert result.errors and result.data is None
    codes = [(e.extensions or {}).get("code") for e in result.errors]
    assert codes == ["too-many-aliases"], result.errors
    assert len(measured) <= budget, (len(measured), budget)


def test_circular_fragments(client: httpx.Client) -> None:
    query = (
        "fragment A on Framework { id ...B } fragment B on Framework { title ...A } "
        "{ frameworks { ...A } }"
    )
    r = post(client, {"query": query})
    assert_refused(r, None, ("cycle", "within itself", "circular"))


def test_token_flood(client: httpx.Client) -> None:
    query = "{ frameworks { " + "id " * 5000 + "} }"
    r = post(client, {"query": query})
    assert_refused(r, None, ("token",))
    # refused by the token limit (the parser stops there), not by anything after parsing
    assert f"{LIMITS['graphql_max_tokens']}" in r.text


def test_batching_is_refused(client: httpx.Client) -> None:
    batch = [{"query": "{ frameworks { id } }"} for _ in range(50)]
    r = client.post("/graphql", json=batch, headers={"Accept": GQL})
    assert r.status_code == 400, r.text[:300]
    assert "batch" in r.text.lower()
    assert "frameworks" not in r.text and "data" not in r.json()  # no operation ran


@pytest.mark.parametrize("first", [10**9, 2**31 - 1, -1])
def test_huge_first(client: httpx.Client, first: int) -> None:
    query = f'{{ elements(framework: "mini", first: {first}) {{ edges {{ node {{ id }} }} }} }}'
    r = client.post("/graphql", json={"query": query}, headers={"Accept": GQL})
    body = r.json()
    cap = int(LIMITS["graphql_max_page_size"])  # type: ignore[call-overload]
    # rejected (never clamped) before anything is read: no page at all
    (error,) = body["errors"]
    assert f"first must be between 0 and {cap}, not {first}" in error["message"], error
    assert body["data"] is None or body["data"]["elements"] is None, body
    for leak in LEAKS:
        assert leak not in r.text
