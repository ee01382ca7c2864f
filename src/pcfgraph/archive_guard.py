"""The one owner of the ``.xlsx`` (zip archive) limits and rules, checked *before* anything
inflates a workbook whole.

A zip bomb or a workbook with a hundred thousand rows costs a parser gigabytes; these checks
read only the archive directory and then stream each worksheet's XML through expat (constant
memory), refusing at the first limit crossed:

- more than ``max_archive_members`` members;
- a member whose uncompressed size is more than ``max_archive_ratio`` times its compressed
  size (declared sizes are checked, and the inflated stream is counted, so a lying header
  does not help);
- more than ``max_archive_bytes`` uncompressed in total;
- a worksheet with more than ``max_sheet_rows`` rows or ``max_sheet_columns`` cells in a row.

Every message names the limit by its setting in docs/settings.md. Each reader keeps its own
error: uploads (:func:`check_workbook`) get :class:`~pcfgraph.errors.PayloadTooLarge` (413,
code ``archive-limit``), the importer (:func:`check_archive_file`, :class:`SheetBounds`) a
:class:`~pcfgraph.errors.WorkbookError` with file/sheet/row (CLI exit 2), the audit reader
(:mod:`pcfgraph.audit.inputs.workbook_archive`) uses :func:`directory_problem`.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from xml.parsers import expat

from pcfgraph.audit.sniff import looks_like_csv
from pcfgraph.errors import PayloadTooLarge, WorkbookError

if TYPE_CHECKING:
    from pcfgraph.config import Settings

_CHUNK = 1 << 16
#: Members smaller than this are never refused for their ratio (tiny parts compress freely).
RATIO_FLOOR_BYTES: Final = 1 << 16


@dataclass(frozen=True)
class ArchiveLimits:
    """The caps; the defaults are the documented settings (config.Settings, docs/settings.md),
    which leave APQC's largest workbooks (7 MB of XML, 123 members, ratio 26, 4,000 rows,
    8 columns) far inside, so the importer needs no larger instance."""

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


DEFAULT_LIMITS: Final = ArchiveLimits()


def directory_problem(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> str | None:
    """The first limit the zip directory (declared sizes; nothing inflated) crosses, as a
    message naming the setting; ``None`` when within every limit."""
    if len(infos) > limits.members:
        return f"the archive has {len(infos)} members (max_archive_members {limits.members})"
    for info in infos:
        packed = max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.ratio * packed:
            return (
                f"member {info.filename} has a compression ratio of {info.file_size // packed}:1 "
                f"(max_archive_ratio {limits.ratio}); a zip bomb?"
            )
    declared = sum(info.file_size for info in infos)
    if declared > limits.total_bytes:
        return f"the archive inflates to {declared} bytes (max_archive_bytes {limits.total_bytes})"
    return None


def rows_problem(rows: int, limits: ArchiveLimits) -> str | None:
    if rows > limits.rows:
        return f"more than {limits.rows} rows (max_sheet_rows)"
    return None


def columns_problem(cells: int, limits: ArchiveLimits) -> str | None:
    if cells > limits.columns:
        return f"more than {limits.columns} cells in a row (max_sheet_columns)"
    return None


def _too_large(name: str, what: str) -> PayloadTooLarge:
    return PayloadTooLarge(f"{name}: {what}", code="archive-limit")


def check_archive_file(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
    """The importer's check: refuse ``path`` when its zip directory crosses a limit
    (:class:`WorkbookError` naming the file); nothing is inflated here (zipfile never inflates
    a member past its declared size, so the declared sizes bound any later reader)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = set(zf.NameToInfo)
            with zf.open("mimetype") if "mimetype" in names else io.BytesIO() as f:
                mimetype = f.read(100)
    except FileNotFoundError:
        raise WorkbookError("no such file", file=path.name) from None
    except zipfile.BadZipFile:
        what = _not_a_zip(path)
        raise WorkbookError(f"not a readable .xlsx workbook ({what})", file=path.name) from None
    except OSError as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({exc})", file=path.name) from None
    if problem := directory_problem(infos, limits):
        raise WorkbookError(problem, file=path.name)
    if "[Content_Types].xml" not in names:  # every Office Open XML package has one
        what = (
            "an OpenDocument spreadsheet (.ods): save it in Excel Workbook format (.xlsx)"
            if b"opendocument.spreadsheet" in mimetype
            else "a ZIP archive that is not an Excel workbook"
        )
        raise WorkbookError(f"not a readable .xlsx workbook ({what})", file=path.name)


#: The first bytes of an OLE2 compound file: an Excel 97-2003 workbook, or an encrypted
#: (password-protected) .xlsx, which Excel wraps in one.
_OLE2: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _not_a_zip(path: Path) -> str:
    """What a file that is not a zip archive is, by its first bytes, and what to do."""
    with path.open("rb") as f:
        head = f.read(4096)
    if not head:
        return "an empty file"
    if head.startswith(_OLE2):
        return (
            "an Excel 97-2003 (.xls) or password-protected file: save it in Excel Workbook "
            "format (.xlsx) without a password"
        )
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if looks_like_csv(head, ""):
        return "CSV text: import APQC's .xlsx workbook itself, a CSV file has none of its sheets"
    return "not a zip archive, as every .xlsx file is"


class SheetBounds:
    """The importer's row and column caps, applied while one sheet is streamed."""

    def __init__(self, sheet: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
        self.sheet = sheet
        self.limits = limits

    def check_row(self, row_no: int) -> None:
        if problem := rows_problem(row_no, self.limits):
            raise WorkbookError(
                f"{problem}; refused before reading on", sheet=self.sheet, row=row_no
            )

    def check_width(self, width: int, row_no: int) -> None:
        if problem := columns_problem(width, self.limits):
            raise WorkbookError(problem, sheet=self.sheet, row=row_no)


def check_workbook(
    name: str, data: bytes, limits: ArchiveLimits, *, sheet_advice: str = ""
) -> None:
    """Refuse ``data`` (an uploaded .xlsx called ``name``) if it crosses a limit; else return.
    ``sheet_advice`` ends the refusal of a sheet over ``max_sheet_rows`` or ``max_sheet_columns``
    (what the user can do instead)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WorkbookError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    with archive:
        members = archive.infolist()
        if problem := directory_problem(members, limits):
            raise _too_large(name, problem)
        inflated = 0
        for info in members:
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            counter = (
                _SheetCounter(name, info.filename, limits, archive, sheet_advice)
                if is_sheet
                else None
            )
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
                        packed = max(info.compress_size, 1)
                        if size > RATIO_FLOOR_BYTES and size > limits.ratio * packed:
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

    def __init__(
        self,
        name: str,
        member: str,
        limits: ArchiveLimits,
        archive: zipfile.ZipFile,
        advice: str = "",
    ) -> None:
        self.name, self.member, self.limits, self.archive = name, member, limits, archive
        self.advice = advice
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
            if problem := rows_problem(self.rows, self.limits):
                raise _too_large(self.name, f"sheet {self._sheet()} has {problem}{self.advice}")
        elif local == "c":
            self.cells += 1
            if problem := columns_problem(self.cells, self.limits):
                raise _too_large(
                    self.name, f"sheet {self._sheet()} row {self.rows} has {problem}{self.advice}"
                )

    def _sheet(self) -> str:
        """The sheet as its user knows it: its tab's name (``'People' (sheet5)``), else the
        archive member's (``sheet5``) when the workbook's own parts do not name it."""
        member = self.member.rsplit("/", 1)[-1].removesuffix(".xml")
        tab = sheet_names(self.archive).get(self.member)
        return f"{tab!r} ({member})" if tab else member

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise WorkbookError(
                f"{self.name}: {self.member} is not well-formed XML ({exc})"
            ) from None


#: Most bytes of ``xl/workbook.xml`` or its relationships read to name a sheet in a message.
_NAMES_MAX_BYTES: Final = 1 << 20
_REL_NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"


def _parts(
    archive: zipfile.ZipFile, member: str, start: Callable[[str, dict[str, str]], None]
) -> None:
    """Stream ``member`` (at most :data:`_NAMES_MAX_BYTES`) through expat with ``start`` as the
    start-element handler; a DTD or entity declaration stops it (nothing is expanded)."""

    def refuse(*_args: object) -> None:
        raise ValueError("DTD")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    with archive.open(member) as stream:
        parser.Parse(stream.read(_NAMES_MAX_BYTES), True)


def sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member (``xl/worksheets/sheet5.xml``) -> the name on the sheet's tab
    (``People``), from ``xl/workbook.xml`` and its relationships; ``{}`` when they cannot be
    read (a message then names the member)."""
    tabs: dict[str, str] = {}  # relationship id -> sheet name
    targets: dict[str, str] = {}  # relationship id -> member

    def sheet(tag: str, attrs: dict[str, str]) -> None:
        if tag.endswith(" sheet") and _REL_NS in attrs and "name" in attrs:
            tabs[attrs[_REL_NS]] = attrs["name"]

    def relationship(tag: str, attrs: dict[str, str]) -> None:
        if tag.endswith(" Relationship") and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[attrs["Id"]] = posixpath.normpath(path)

    try:
        _parts(archive, "xl/workbook.xml", sheet)
        _parts(archive, "xl/_rels/workbook.xml.rels", relationship)
    except (KeyError, ValueError, RuntimeError, OSError, EOFError, zipfile.BadZipFile):
        return {}
    return {targets[rid]: name for rid, name in tabs.items() if rid in targets}
