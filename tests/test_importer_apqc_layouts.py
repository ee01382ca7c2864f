"""APQC workbooks as users really have them, not as APQC ships them: saved macro-enabled,
re-saved by other spreadsheet programs (IDs as numbers), with notes under the table. Each test
builds its own small workbook."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc import import_workbook

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
ROWS: list[list[Any]] = [
    [20607, "8.0", "Manage Information Technology (IT)", "Managing IT."],
    [20608, "8.1", "Develop and manage IT customer relationships", "Creating relationships."],
    [20611, "8.1.1", "Develop IT services and solutions strategy", None],
]


def save(path: Path, rows: list[list[Any]], header: list[Any] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def elements(imp: Any) -> set[tuple[int, str, str, str | None]]:
    return set(imp.element_rows)


EXPECTED = {(r[0], r[1], r[2], r[3]) for r in ROWS}


def macro_enabled(path: Path) -> Path:
    """Rewrite the workbook part's content type as Excel writes it for an .xlsm."""
    data = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data[name] = zf.read(name)
    data["[Content_Types].xml"] = data["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in data.items():
            zf.writestr(name, body)
    return path


@pytest.mark.parametrize(
    "name", ["apqc-pcf-cross-industry-7.4.xlsm", "k06638-airline-v722-vs-airline-v721-2025.XLSM"]
)
def test_a_macro_enabled_download_name_states_edition_and_version(
    tmp_path: Path, name: str
) -> None:
    """The name's suffix was stripped only when it was .xlsx: an .xlsm under APQC's download
    name was 'could not determine the edition and version'."""
    path = macro_enabled(save(tmp_path / name, ROWS))
    imp = import_workbook(path, progress=False)
    expected = (
        ("Cross-Industry", "7.4", None) if "cross" in name else ("Airline", "7.2.2", "7.2.1")
    )
    assert (imp.edition, imp.version, imp.compared_to) == expected
    assert elements(imp) == EXPECTED
