"""``multipart/form-data`` uploads read under limits, every failure a 400/413 problem.

The body is read whole under ``Settings.max_upload_bytes`` (413 past it), then parsed by
Starlette's parser with at most ``Settings.max_upload_parts`` file parts and as many form
fields, each field at most :data:`MAX_FIELD_BYTES`. A missing or malformed boundary, a part
without ``Content-Disposition`` or truncated data is 400 ``bad-multipart``; too many parts or
an oversized field 413 ``too-many-parts`` / ``payload-too-large``, naming the limit.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from pcfgraph.errors import InputError, PayloadTooLarge
from pcfgraph.http.bodies import read_body

#: Largest plain (non-file) form field.
MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Part:
    """One file part of an upload."""

    field: str
    filename: str
    media_type: str | None
    data: bytes


@dataclass(frozen=True)
class Form:
    files: list[Part]
    fields: dict[str, str]


async def read_multipart(
    request: Request, *, max_bytes: int, max_parts: int, setting: str = "max_upload_bytes"
) -> Form:
    """The file parts and fields of a multipart request (see the module docstring);
    ``setting`` names where ``max_bytes`` comes from in the 413 message."""
    body = await read_body(request, max_bytes, what="upload", setting=setting)

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body
        yield b""

    parser = MultiPartParser(
        request.headers,
        stream(),
        max_files=max_parts,
        max_fields=max_parts,
        max_part_size=MAX_FIELD_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        message = str(exc)
        if message.startswith(("Too many files", "Too many fields")):
            raise PayloadTooLarge(
                f"the upload has more than {max_parts} parts (max_upload_parts)",
                code="too-many-parts",
            ) from None
        if "exceeded maximum size" in message:
            raise PayloadTooLarge(
                f"a form field is larger than {MAX_FIELD_BYTES} bytes", code="payload-too-large"
            ) from None
        raise InputError(f"malformed multipart upload: {message}", code="bad-multipart") from None
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise InputError(
            f"malformed multipart upload ({type(exc).__name__})", code="bad-multipart"
        ) from None
    files: list[Part] = []
    fields: dict[str, str] = {}
    try:
        for key, item in form.multi_items():
            if isinstance(item, UploadFile):
                media = item.content_type
                files.append(
                    Part(
                        key,
                        item.filename or "upload",
                        None if media in (None, "", "application/octet-stream") else media,
                        await item.read(),
                    )
                )
            else:
                fields[key] = item
    finally:
        await form.close()
    return Form(files, fields)
