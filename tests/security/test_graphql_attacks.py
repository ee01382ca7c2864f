"""Security regression suite, GraphQL side: hostile documents against a live /graphql.

Each asserts the status (400 with ``application/graphql-response+json``, as GraphQL over HTTP
asks for requests refused before execution), the error ``extensions.code`` where the limit
has one, a time bound, and that nothing executed or leaked.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .conftest import LIMITS

GQL = "application/graphql-response+json"
LEAKS = ("Traceback", "site-packages", "/work/", 'File "')


def post(client: httpx.Client, body: Any) -> tuple[httpx.Response, float]:
    t0 = time.monotonic()
    r = client.post("/graphql", json=body, headers={"Accept": GQL})
    return r, time.monotonic() - t0


def assert_refused(
    r: httpx.Response, seconds: float, bound: float, code: str | None, words: tuple[str, ...]
) -> None:
    assert r.status_code == 400, r.text[:400]
    assert seconds < bound
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
    r, dt = post(client, {"query": nested(int(LIMITS["graphql_max_depth"]) + 5)})  # type: ignore[call-overload]
    assert_refused(r, dt, 2, "query-too-deep", ("deep", "depth"))


def test_aliases_through_fragments(client: httpx.Client) -> None:
    aliases = " ".join(f"a{i}: id" for i in range(5))
    spreads = " ".join("...F" for _ in range(1))
    query = (
        f"fragment F on Framework {{ {aliases} }} "
        f"{{ x1: frameworks {{ {spreads} }} x2: frameworks {{ {spreads} }} "
        f"x3: frameworks {{ {spreads} }} }}"
    )
    r, dt = post(client, {"query": query})
    assert_refused(r, dt, 2, "too-many-aliases", ("alias",))


def test_exponential_fragments_are_cheap_to_refuse(client: httpx.Client) -> None:
    frags = ["fragment F0 on Framework { id }"]
    for i in range(1, 25):
        frags.append(f"fragment F{i} on Framework {{ a{i}: id ...F{i - 1} ...F{i - 1} }}")
    query = " ".join(frags) + " { frameworks { ...F24 } }"
    r, dt = post(client, {"query": query})
    assert_refused(r, dt, 2, "too-many-aliases", ("alias",))


def test_circular_fragments(client: httpx.Client) -> None:
    query = (
        "fragment A on Framework { id ...B } fragment B on Framework { title ...A } "
        "{ frameworks { ...A } }"
    )
    r, dt = post(client, {"query": query})
    assert_refused(r, dt, 2, None, ("cycle", "within itself", "circular"))


def test_token_flood(client: httpx.Client) -> None:
    query = "{ frameworks { " + "id " * 5000 + "} }"
    r, dt = post(client, {"query": query})
    assert_refused(r, dt, 2, None, ("token",))


def test_batching_is_refused(client: httpx.Client) -> None:
    batch = [{"query": "{ frameworks { id } }"} for _ in range(50)]
    t0 = time.monotonic()
    r = client.post("/graphql", json=batch, headers={"Accept": GQL})
    assert r.status_code == 400, r.text[:300]
    assert time.monotonic() - t0 < 2
    assert "batch" in r.text.lower()
    assert "frameworks" not in r.text


@pytest.mark.parametrize("first", [10**9, 2**31 - 1, -1])
def test_huge_first(client: httpx.Client, first: int) -> None:
    query = f'{{ elements(framework: "mini", first: {first}) {{ edges {{ node {{ id }} }} }} }}'
    t0 = time.monotonic()
    r = client.post("/graphql", json={"query": query}, headers={"Accept": GQL})
    assert time.monotonic() - t0 < 2
    body = r.json()
    cap = int(LIMITS["graphql_max_page_size"])  # type: ignore[call-overload]
    if body.get("errors"):  # rejected ...
        assert "first" in " ".join(e["message"] for e in body["errors"]).lower()
    else:  # ... or clamped to the cap
        assert len(body["data"]["elements"]["edges"]) <= cap
    for leak in LEAKS:
        assert leak not in r.text
