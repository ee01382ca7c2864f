"""``multipart/form-data`` uploads read under limits, every failure a 400/413 problem.

The body is read whole under ``Settings.max_upload_bytes`` (413 past it), then parsed by
Starlette's parser with at most ``Settings.max_upload_parts`` file parts and as many form
fields, each field at most :data:`MAX_FIELD_BYTES`. A missing or malformed boundary, a part
without ``Content-Disposition`` or truncated data is 400 ``bad-multipart``; too many parts or
an oversized field 413 ``too-many-parts`` / ``payload-too-large``, naming the limit.

A form page may ask for the text fields of a refused upload (``kept``): when the declared
size is past the limit, the body's first ``max_bytes`` (no more than an accepted upload
holds) are read and the fields complete in them kept, so the page can show them again (a
browser sends parts in the form's order: fields placed before the file inputs arrive first).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, MutableMapping
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
    request: Request,
    *,
    max_bytes: int,
    max_parts: int,
    setting: str = "max_upload_bytes",
    kept: MutableMapping[str, str] | None = None,
) -> Form:
    """The file parts and fields of a multipart request (see the module docstring);
    ``setting`` names where ``max_bytes`` comes from in the 413 message. ``kept``: where the
    text fields of an upload refused for its size go, those that arrived whole within the
    limit (see the module docstring)."""
    try:
        body = await read_body(request, max_bytes, what="upload", setting=setting)
    except PayloadTooLarge:
        if kept is not None:
            kept.update(await _fields_within(request, max_bytes, max_parts))
        raise

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


_NAME = re.compile(rb'[; ]name="([^"]*)"', re.I)


async def _fields_within(request: Request, max_bytes: int, max_parts: int) -> dict[str, str]:
    """The text fields complete in the first ``max_bytes`` of a body refused for its
    declared size (nothing when the body was already read, or its boundary is unknown)."""
    found = re.search(r'boundary="?([^";]+)"?', request.headers.get("content-type", ""))
    if found is None:
        return {}
    prefix = bytearray()
    try:
        async for chunk in request.stream():
            prefix += chunk[: max_bytes - len(prefix)]
            if len(prefix) >= max_bytes:
                break
    except RuntimeError:  # the body was consumed already (a streamed body past the limit)
        return {}
    delimiter = b"\r\n--" + found.group(1).encode("latin-1")
    # each part between two delimiters is whole; what follows the last one is cut off
    parts = (b"\r\n" + bytes(prefix)).split(delimiter)[1:-1]
    fields: dict[str, str] = {}
    for part in parts[: 2 * max_parts]:
        head, sep, value = part.partition(b"\r\n\r\n")
        disposition = next(
            (
                line
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-disposition:")
            ),
            b"",
        )
        name = _NAME.search(disposition)
        if not sep or name is None or b"filename=" in disposition.lower():
            continue
        if len(value) <= MAX_FIELD_BYTES:
            try:
                fields[name.group(1).decode("utf-8")] = value.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return fields
