"""Reading request bodies under a size limit (413 before and while reading, never after)."""

from __future__ import annotations

from fastapi import Request

from pcfgraph.errors import PayloadTooLarge


def content_coding(request: Request) -> str | None:
    """The request's ``Content-Encoding`` when it is not ``identity`` (its bytes are then not
    the body the media type names: endpoints that take no compressed bodies refuse it), else
    None."""
    for key, value in request.scope["headers"]:
        if key == b"content-encoding":
            coding = value.decode("latin-1").strip()
            return coding if coding.lower() not in ("", "identity") else None
    return None


async def read_body(
    request: Request, limit: int, *, what: str = "request body", setting: str = "max_body_bytes"
) -> bytes:
    """The whole body, refused as soon as the declared or streamed size passes ``limit``
    (the message names ``setting``, the setting the limit comes from)."""
    named = f" (the {setting} setting)"
    declared = ""
    for key, value in request.scope["headers"]:  # no headers object for one header
        if key == b"content-length":
            declared = value.decode("latin-1")
            break
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"{what} of {declared} bytes exceeds the {limit}-byte limit{named}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{what} exceeds the {limit}-byte limit{named}")
        chunks.append(chunk)
    return b"".join(chunks)
