"""The text of a sheet's drawings (text boxes), where APQC puts the Introduction's statement
and the copyright notice in some workbooks. Read from the archive directly (openpyxl drops
drawings); sizes were bounded by the archive check before anything is read."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

_DRAWING_MAX_BYTES: Final = 4 << 20
_REL: Final = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def drawing_paragraphs(path: Path, sheet: str) -> list[str]:
    """The text paragraphs of the drawings (text boxes) on one sheet; [] when there are none.

    Sizes were bounded by the archive check; a drawing over 4 MB is not read at all."""
    try:
        with zipfile.ZipFile(path) as zf:
            sheet_part = _sheet_part(zf, sheet)
            if sheet_part is None:
                return []
            paragraphs: list[str] = []
            for drawing in _related(zf, sheet_part, "/drawing"):
                info = zf.getinfo(drawing)
                if info.file_size > _DRAWING_MAX_BYTES:
                    continue
                root = ElementTree.fromstring(zf.read(drawing))
                for p in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}p"):
                    text = "".join(
                        t.text or ""
                        for t in p.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}t")
                    )
                    if text.strip():
                        paragraphs.append(text)
            return paragraphs
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return []  # a statement we cannot read is no statement; the rows decide the rest


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    for el in root.iter():
        if el.tag.endswith("}sheet") and el.get("name") == sheet:
            rid = el.get(_REL)
            for target in _related(zf, "xl/workbook.xml", "/worksheet", rid):
                return target
    return None


def _related(zf: zipfile.ZipFile, part: str, type_suffix: str, rid: str | None = None) -> list[str]:
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zf.namelist():
        return []
    out: list[str] = []
    for rel in ElementTree.fromstring(zf.read(rels)):
        if not (rel.get("Type") or "").endswith(type_suffix):
            continue
        if rid is not None and rel.get("Id") != rid:
            continue
        target = rel.get("Target") or ""
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out.append(resolved)
    return out
