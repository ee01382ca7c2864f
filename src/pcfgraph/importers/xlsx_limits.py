"""Bounds on an ``.xlsx`` archive, checked from its zip directory before anything is inflated.

An ``.xlsx`` is a zip of XML parts. A few hundred kilobytes can declare gigabytes of XML (a zip
bomb) or a sheet of a million rows; reading such a file would exhaust memory long before any
row-level check ran. :func:`check_archive` reads only the central directory (declared sizes;
Python's zipfile never inflates a member past its declared size, so the declared sizes bound
what any later reader can inflate) and refuses the file with the limit named.
:class:`SheetBounds` caps rows and columns while a sheet is streamed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pcfgraph.errors import WorkbookError

#: Members smaller than this are never refused for their ratio (tiny parts compress freely).
_RATIO_FLOOR_BYTES: Final = 1 << 20


@dataclass(frozen=True)
class XlsxLimits:
    """Caps for one workbook. The defaults leave APQC's largest workbooks (about 5 MB of XML,
    4,000 rows, 8 columns) far inside and stop a zip bomb or a million-row sheet early."""

    #: Largest compressed/uncompressed ratio of any member over 1 MB uncompressed.
    max_ratio: float = 200.0
    #: Sum of the declared uncompressed sizes of all members.
    max_uncompressed_bytes: int = 256 << 20
    #: Members in the archive.
    max_members: int = 2_000
    #: Rows read from any one sheet (row numbers, so a sparse sheet counts its gaps).
    max_rows: int = 100_000
    #: Columns read from any one sheet.
    max_columns: int = 256


DEFAULT_LIMITS: Final = XlsxLimits()


def check_archive(path: Path, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
    """Refuse ``path`` when its zip directory breaks a limit; nothing is inflated here."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except FileNotFoundError:
        raise WorkbookError("no such file", file=path.name) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({exc})", file=path.name) from None
    if len(infos) > limits.max_members:
        raise WorkbookError(
            f"the archive has {len(infos)} members, over the limit of {limits.max_members} "
            "(max_members)",
            file=path.name,
        )
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise WorkbookError(
                f"the archive inflates to more than {limits.max_uncompressed_bytes:,} bytes "
                "(max_uncompressed_bytes)",
                file=path.name,
            )
        if info.file_size >= _RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise WorkbookError(
                    f"member {info.filename!r} inflates {ratio:,.0f} times its compressed size, "
                    f"over the limit of {limits.max_ratio:,.0f} (max_ratio): a zip bomb?",
                    file=path.name,
                )


class SheetBounds:
    """Row and column caps applied while one sheet is streamed."""

    def __init__(self, sheet: str, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
        self.sheet = sheet
        self.limits = limits

    def check_row(self, row_no: int) -> None:
        if row_no > self.limits.max_rows:
            raise WorkbookError(
                f"more than {self.limits.max_rows:,} rows (max_rows); refused before reading on",
                sheet=self.sheet,
                row=row_no,
            )

    def check_width(self, width: int, row_no: int) -> None:
        if width > self.limits.max_columns:
            raise WorkbookError(
                f"data beyond column {self.limits.max_columns} (max_columns)",
                sheet=self.sheet,
                row=row_no,
            )
