"""Checks on an uploaded ``.xlsx`` (a zip archive) made *before* anything inflates it whole.

A zip bomb or a workbook with a hundred thousand rows costs a parser gigabytes; these checks
read only the archive directory and then stream each worksheet's XML through expat (constant
memory), refusing at the first limit crossed:

- more than ``max_archive_members`` members;
- a member whose uncompressed size is more than ``max_archive_ratio`` times its compressed
  size (declared sizes are checked, and the inflated stream is counted, so a lying header
  does not help);
- more than ``max_archive_bytes`` uncompressed in total;
- a worksheet with more than ``max_sheet_rows`` rows or ``max_sheet_columns`` cells in a row.

Over a limit is :class:`~pcfgraph.errors.PayloadTooLarge` (413) naming the file, the sheet
and the limit; not a zip at all is a :class:`~pcfgraph.errors.WorkbookError` (422/400).
Used by every reader of uploaded workbooks (diff uploads, audit uploads, the importer).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.parsers import expat

from pcfgraph.errors import PayloadTooLarge, WorkbookError

if TYPE_CHECKING:
    from pcfgraph.config import Settings

_CHUNK = 1 << 16


@dataclass(frozen=True)
class ArchiveLimits:
    members: int = 2000
    ratio: int = 200
    total_bytes: int = 64 * 1024 * 1024
    rows: int = 50_000
    columns: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveLimits:
        return cls(
            members=settings.max_archive_members,
            ratio=settings.max_archive_ratio,
            total_bytes=settings.max_archive_bytes,
            rows=settings.max_sheet_rows,
            columns=settings.max_sheet_columns,
        )


def _too_large(name: str, what: str) -> PayloadTooLarge:
    return PayloadTooLarge(f"{name}: {what}", code="archive-limit")


def check_workbook(name: str, data: bytes, limits: ArchiveLimits) -> None:
    """Refuse ``data`` (an .xlsx called ``name``) if it crosses a limit; else return."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WorkbookError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.members:
            raise _too_large(
                name,
                f"the archive has {len(members)} members (max_archive_members {limits.members})",
            )
        declared = 0
        for info in members:
            declared += info.file_size
            if (
                info.file_size > limits.ratio * max(info.compress_size, 1)
                and info.file_size > _CHUNK
            ):
                raise _too_large(
                    name,
                    f"member {info.filename} inflates {info.file_size // max(info.compress_size, 1)}"
                    f"-fold (max_archive_ratio {limits.ratio}); a zip bomb?",
                )
        if declared > limits.total_bytes:
            raise _too_large(
                name,
                f"the archive inflates to {declared} bytes (max_archive_bytes {limits.total_bytes})",
            )
        inflated = 0
        for info in members:
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            counter = _SheetCounter(name, info.filename, limits) if is_sheet else None
            try:
                with archive.open(info) as stream:
                    size = 0
                    while chunk := stream.read(_CHUNK):
                        size += len(chunk)
                        inflated += len(chunk)
                        if inflated > limits.total_bytes:
                            raise _too_large(
                                name,
                                f"the archive inflates to more than {limits.total_bytes} bytes "
                                f"(max_archive_bytes)",
                            )
                        if size > limits.ratio * max(info.compress_size, 1) and size > _CHUNK:
                            raise _too_large(
                                name,
                                f"member {info.filename} inflates more than {limits.ratio}-fold "
                                f"(max_archive_ratio); a zip bomb?",
                            )
                        if counter is not None:
                            counter.feed(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise WorkbookError(
                    f"{name}: damaged archive member {info.filename} ({exc})"
                ) from None


class _SheetCounter:
    """Rows and cells per row of one worksheet, streamed (expat, no tree)."""

    def __init__(self, name: str, member: str, limits: ArchiveLimits) -> None:
        self.name, self.member, self.limits = name, member, limits
        self.rows = 0
        self.cells = 0
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.buffer_text = True

    def _start(self, tag: str, _attrs: object) -> None:
        local = tag.rsplit(" ", 1)[-1]
        if local == "row":
            self.rows += 1
            self.cells = 0
            if self.rows > self.limits.rows:
                raise _too_large(
                    self.name,
                    f"sheet {self._sheet()} has more than {self.limits.rows} rows (max_sheet_rows)",
                )
        elif local == "c":
            self.cells += 1
            if self.cells > self.limits.columns:
                raise _too_large(
                    self.name,
                    f"sheet {self._sheet()} row {self.rows} has more than {self.limits.columns} "
                    f"cells (max_sheet_columns)",
                )

    def _sheet(self) -> str:
        return self.member.rsplit("/", 1)[-1].removesuffix(".xml")

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise WorkbookError(
                f"{self.name}: {self.member} is not well-formed XML ({exc})"
            ) from None
