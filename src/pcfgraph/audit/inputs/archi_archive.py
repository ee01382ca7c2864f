"""Archi's archive format: a model holding images (a canvas, an image on a view) is saved by
Archi as a ZIP archive of ``model.xml`` (the model, Archi's own XML) and ``images/``.

Such a ``.archimate`` file was refused "not well-formed XML ... line 1, column 1", leaving the
auditor to guess. Its ``model.xml`` is read as the model; the archive is checked first as an
uploaded workbook is (:mod:`pcfgraph.archive_guard`: member count, compression ratio, total
size, nothing inflated beyond the upload limit), and an archive without ``model.xml`` is
refused saying what Archi's archives hold.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Final

from pcfgraph.archive_guard import DEFAULT_LIMITS, ArchiveLimits, directory_problem
from pcfgraph.errors import InvalidModelFile, PayloadTooLarge

ZIP: Final = b"PK\x03\x04"
MEMBER: Final = "model.xml"


def model_xml(
    data: bytes, name: str, max_bytes: int, limits: ArchiveLimits = DEFAULT_LIMITS
) -> bytes:
    """``data`` itself, or, for Archi's archive format, its ``model.xml`` (at most
    ``max_bytes``); refused when the archive is over a limit, unreadable or holds no model."""
    if not data.startswith(ZIP):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if problem := directory_problem(infos, limits):
                raise PayloadTooLarge(f"{name}: {problem}")
            info = next((i for i in infos if i.filename == MEMBER), None)
            if info is None and any(i.filename == "xl/workbook.xml" for i in infos):
                raise InvalidModelFile(
                    "an Excel workbook, not an Archi model: name it .xlsx", source=name
                )
            if info is None:
                raise InvalidModelFile(
                    f"a ZIP archive without {MEMBER}: not an Archi model (Archi saves a model "
                    f"holding images as a ZIP archive of {MEMBER} and images/)",
                    source=name,
                )
            with archive.open(info) as member:
                xml = member.read(max_bytes + 1)  # the inflated stream counted, not its header
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
        raise InvalidModelFile(
            f"a ZIP archive that cannot be read ({exc}): not an Archi model", source=name
        ) from None
    if len(xml) > max_bytes:
        raise PayloadTooLarge(
            f"{name}: its {MEMBER} is over the {max_bytes}-byte upload limit "
            "(the max_upload_bytes setting)"
        )
    return xml
