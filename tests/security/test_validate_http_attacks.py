"""Security regression suite, ``POST /validate`` over HTTP (issue 4's contract).

The payloads are proven at the parser level in ``test_upload_parser_attacks.py``; these add the
HTTP surface: problem+json bodies, body limits, chunked bodies, media types and charsets, and
the admission budget uploads share with ad-hoc SPARQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import LIMITS, Canary, expensive_slots_held, pool_numbers
from .test_sparql_attacks import assert_problem, sparql
from .test_upload_parser_attacks import LAUGHS

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def validate(client: httpx.Client, body: bytes, media: str, **kw: Any) -> httpx.Response:
    return client.post("/validate", content=body, headers={"Content-Type": media}, **kw)


def test_jsonld_remote_context_over_http(client: httpx.Client, canary: Canary) -> None:
    doc = f'{{"@context": "{canary.url}", "@id": "http://ex.org/a", "name": "x"}}'
    r = validate(client, doc.encode(), "application/ld+json")
    assert_problem(r, 400, {"parse-error", "bad-input"})
    assert canary.settled_hits() == 0


def test_billion_laughs_over_http(client: httpx.Client) -> None:
    assert_problem(validate(client, LAUGHS, "application/rdf+xml"), 400, "parse-error")


def test_deep_turtle_over_http(client: httpx.Client) -> None:
    doc = (
        b"<http://ex.org/a> <http://ex.org/p> "
        + b"[ <http://ex.org/p> " * 5000
        + b"1"
        + b" ]" * 5000
        + b" ."
    )
    assert_problem(validate(client, doc, "text/turtle"), 400, "parse-error")


def test_oversized_and_chunked_uploads(client: httpx.Client) -> None:
    big = b"# " + b"x" * (int(LIMITS["max_upload_bytes"]) + 10)  # type: ignore[call-overload]
    assert_problem(validate(client, big, "text/turtle"), 413, "payload-too-large")

    def chunks() -> Any:
        for _ in range(200):
            yield b"# " + b"y" * 8190

    r = client.post("/validate", content=chunks(), headers={"Content-Type": "text/turtle"})
    assert_problem(r, 413, "payload-too-large")


@pytest.mark.parametrize("media", ["application/xml", "text/html", "image/png"])
def test_wrong_media_type_over_http(client: httpx.Client, media: str) -> None:
    assert_problem(validate(client, b"<a/>", media), 415, "unsupported-media-type")


def test_wrong_charset_over_http(client: httpx.Client) -> None:
    """A charset Python knows is decoded (the model is then read: this one states no
    organisation, 422); one it does not know is 415 naming it; bytes the declared charset
    cannot decode are 400 at their position."""
    body = '<http://ex.org/a> <http://ex.org/p> "caf\xe9" .'.encode("latin-1")
    r = validate(client, body, "text/turtle; charset=iso-8859-1")
    assert_problem(r, 422, "bad-model")
    assert "describes no organisation" in r.json()["detail"]
    r = validate(client, body, "text/turtle; charset=x-klingon")
    assert_problem(r, 415, "unsupported-media-type")
    assert "charset 'x-klingon' is not a character encoding" in r.json()["detail"]
    r = validate(
        client, b'<http://ex.org/a> <http://ex.org/p> "\x81" .', "text/turtle; charset=cp1252"
    )
    assert_problem(r, 400, "parse-error")
    assert "line 1, column 38" in r.json()["detail"]


def test_uploads_and_sparql_share_one_budget(tmp_path: Path) -> None:
    """Two slow SPARQL queries fill max_concurrent_expensive=2: an upload gets 503 at once.

    The slots are held on a server of its own whose query deadline no query reaches while
    the test runs (:func:`expensive_slots_held`), seen taken in the pool's own count."""
    addresses = [f"127.0.2.{n + 1}" for n in range(2)]
    with expensive_slots_held(tmp_path, lambda c: sparql(c, SLOW), addresses) as (server, answers):
        with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as c:
            r = validate(c, b"<http://ex.org/a> <http://ex.org/p> 1 .", "application/n-triples")
            assert_problem(r, 503, "overloaded")
            assert c.get("/health").status_code == 200  # cheap requests are still answered
            assert pool_numbers(c)["pending"] == 2
        assert answers == []  # the slots were held throughout
