"""``build`` of a renamed copy of a shipped workbook, added alone (``include_default: false``):
the shipped Cross-Industry 7.4 states its version only in its file name, so 'my-pcf.xlsx' was
refused ("could not determine the version") while ``import apqc`` recognised it by its bytes
(test_import_shipped_copy.py). The build recognises it the same way, with the same note; a
copy whose name states another edition or version is refused naming both. A small data
directory stands in for the shipped one (its frameworks.yaml states edition and version)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.assemble import assemble
from pcfgraph.errors import InputError
from pcfgraph.sources import ExtraSources

SHIPPED = "apqc-pcf-cross-industry-7.4.xlsx"


def shipped_data(tmp_path: Path) -> Path:
    """A data directory shipping one workbook that states neither edition nor version."""
    data = tmp_path / "data"
    (data / "apqc").mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for row in (["PCF ID", "Hierarchy ID", "Name"], [10002, "1.0", "Vision"]):
        ws.append(row)
    wb.save(data / "apqc" / SHIPPED)
    entry = {"kind": "apqc-workbook", "files": [f"apqc/{SHIPPED}"]}
    entry |= {"edition": "Cross-Industry", "version": "7.4"}
    (data / "frameworks.yaml").write_text(yaml.safe_dump({"frameworks": [entry]}))
    return data


def alone(tmp_path: Path, data: Path, name: str) -> tuple[Path, ExtraSources]:
    """A copy of the shipped workbook named ``name``, the only source of a sources file."""
    (tmp_path / "mine").mkdir()
    copy = Path(shutil.copyfile(data / "apqc" / SHIPPED, tmp_path / "mine" / name))
    src = tmp_path / "mine" / "s.yaml"
    doc = {"include_default": False, "frameworks": [{"kind": "apqc-workbook", "files": [name]}]}
    src.write_text(yaml.safe_dump(doc))
    return copy, ExtraSources(sources_file=src)


def test_a_renamed_copy_of_the_shipped_workbook_added_alone_is_built_as_it(
    tmp_path: Path,
) -> None:
    data = shipped_data(tmp_path)
    copy, extra = alone(tmp_path, data, "my-pcf.xlsx")
    built = assemble(data_dir=data, extra=extra)
    assert built.warnings == (
        f"s.yaml {copy.resolve()}: byte-identical to the shipped {SHIPPED} (APQC PCF "
        "Cross-Industry 7.4); imported as that workbook",
    )
    graph = str(iris.framework_graph("apqc-pcf-cross-industry-7.4"))
    assert built.sources[graph] == [str(copy.resolve())]


def test_a_copy_of_the_shipped_workbook_named_for_another_version_is_refused(
    tmp_path: Path,
) -> None:
    data = shipped_data(tmp_path)
    copy, extra = alone(tmp_path, data, "apqc-pcf-cross-industry-7.5.xlsx")
    with pytest.raises(InputError) as info:
        assemble(data_dir=data, extra=extra)
    assert str(info.value).startswith(
        f"s.yaml {copy.resolve()}: byte-identical to the shipped {SHIPPED} (APQC PCF "
        "Cross-Industry 7.4), but its name states Cross-Industry 7.5: one workbook cannot be both"
    )
