"""Where a finding is, as the text and HTML reports write it after the finding's place."""

from __future__ import annotations

from typing import Any


def in_file(where: str | None, location: dict[str, Any] | None, several: bool) -> str | None:
    """``where`` after the file it is in (``org.xlsx, Agreements!H3``) when the model is
    ``several`` files: a workbook's ``Agreements!H3`` or an element's identifier alone does not
    say which of them to open (two workbooks both have the cell, two ArchiMate files the id)."""
    file = (location or {}).get("file")
    if not where or not several or not file:
        return where
    return f"{file}, {where}"
