"""The uploaded workbook's archive checked before anything is inflated: the zip-directory limits
of :mod:`pcfgraph.archive_guard` (member count, total uncompressed size, compression ratio: a
zip bomb is refused, not expanded) and, here, no DTD in any XML part."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from pcfgraph.archive_guard import DEFAULT_LIMITS, ArchiveLimits, directory_problem
from pcfgraph.errors import ModelError, ParseError, PayloadTooLarge

_PROLOG = 64 * 1024
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")


def _check_prologs(z: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """No XML part of the workbook may carry a DTD (no entity expansion in any parser): the
    prolog, before the root element, is read and checked; a prolog longer than 64 KiB is
    refused."""
    for info in infos:
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with z.open(info) as fh:
            head = fh.read(_PROLOG)
        root = _ROOT.search(head)
        prolog = head[: root.start()] if root else head
        if _DTD.search(prolog) or (root is None and len(head) == _PROLOG):
            raise ParseError(
                f"the workbook part {info.filename} has a DTD (<!DOCTYPE> or <!ENTITY>); "
                "not accepted",
                source=name,
            )


def check_archive(data: bytes, name: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
    """Refuse what is not a zip, a zip that would inflate beyond the caps, or XML parts with
    a DTD."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if problem := directory_problem(infos, limits):
                raise PayloadTooLarge(f"{name}: {problem}")
            _check_prologs(z, infos, name)
    except (
        zipfile.BadZipFile,
        ValueError,
        EOFError,
        zipfile.LargeZipFile,
        NotImplementedError,
        zlib.error,
    ):
        from pcfgraph.audit.sniff import foreign

        # an .xls, an encrypted workbook, a CSV file renamed .xlsx... said as such
        what = foreign(data) or ("an empty file" if not data else "not a readable zip archive")
        raise ModelError(f"{name}: not an .xlsx workbook ({what})") from None
