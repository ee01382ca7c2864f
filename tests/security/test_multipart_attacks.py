"""Malformed multipart uploads: 400/413 problem+json with the limit named, never a 500."""

from __future__ import annotations

import httpx
import pytest

from .conftest import LIMITS

TURTLE_PART = (
    b'Content-Disposition: form-data; name="f%d"; filename="m%d.ttl"\r\n'
    b"Content-Type: text/turtle\r\n\r\n<urn:a> <urn:b> <urn:c> .\r\n"
)


def parts(n: int, boundary: bytes = b"XX") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + TURTLE_PART % (i, i) for i in range(n))
    return body + b"--" + boundary + b"--\r\n"


def assert_problem(r: httpx.Response, status: int, *words: str) -> None:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    for word in words:
        assert word in detail, detail
    assert "Traceback" not in r.text


MALFORMED = [
    ("multipart/form-data", parts(1)),  # no boundary
    ("multipart/form-data; boundary=" + "Z" * 80, parts(1)),  # boundary not in the body
    ("multipart/form-data; boundary=XX", b"garbage without any boundary"),
    ("multipart/form-data; boundary=XX", parts(2).replace(b"Content-Disposition", b"X-Nope")),
]


@pytest.mark.parametrize(("content_type", "body"), MALFORMED)
def test_malformed_multipart_to_validate_is_400(
    client: httpx.Client, content_type: str, body: bytes
) -> None:
    r = client.post("/validate", content=body, headers={"content-type": content_type})
    assert_problem(r, 400, "multipart")
    assert r.json()["code"] == "bad-multipart"


def test_more_than_the_part_limit_is_413_naming_it(client: httpx.Client) -> None:
    r = client.post(
        "/validate",
        content=parts(1001),
        headers={"content-type": "multipart/form-data; boundary=XX"},
    )
    assert_problem(r, 413, "max_upload_parts")
    assert r.json()["code"] == "too-many-parts"


def test_an_oversized_multipart_body_is_413(client: httpx.Client) -> None:
    big = parts(1).replace(b"<urn:a>", b"<urn:" + b"a" * int(LIMITS["max_upload_bytes"]) + b">")  # type: ignore[call-overload]
    r = client.post(
        "/validate", content=big, headers={"content-type": "multipart/form-data; boundary=XX"}
    )
    assert_problem(r, 413, "limit")


@pytest.mark.parametrize("path", ["/diff", "/audit"])
@pytest.mark.parametrize(
    ("content_type", "body"), [*MALFORMED, ("multipart/form-data; boundary=XX", parts(1001))]
)
def test_web_forms_refuse_malformed_multipart(
    client: httpx.Client, path: str, content_type: str, body: bytes
) -> None:
    r = client.post(path, content=body, headers={"content-type": content_type})
    assert r.status_code in (400, 413), r.text[:300]
    assert r.headers["content-type"].startswith(("application/problem+json", "text/html"))
    assert "Traceback" not in r.text
