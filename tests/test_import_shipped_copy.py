"""``pcfgraph import apqc`` of a renamed copy of the shipped workbook: the Cross-Industry 7.4
workbook states its version only in its file name, so a copy saved as 'my-pcf.xlsx' was
refused for stating no version. The same bytes are the shipped workbook: imported as it, with
a note; a copy whose name states another edition or version is refused naming both."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from apqc_support import SHIPPED_74, shipped_74
from click.testing import CliRunner
from openpyxl import Workbook

from pcfgraph.cli.importer import import_
from pcfgraph.sources import shipped_workbook


def small_workbook(path: Path, name: str) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(["PCF ID", "Hierarchy ID", "Name"])
    ws.append([10002, "1.0", name])
    wb.save(path)
    return path


def test_shipped_workbook_names_the_shipped_file_a_copy_is_of(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "apqc").mkdir(parents=True)
    shipped = small_workbook(data / "apqc" / "apqc-pcf-tiny-1.0.xlsx", "Vision")
    entry = {"kind": "apqc-workbook", "files": ["apqc/apqc-pcf-tiny-1.0.xlsx"]}
    (data / "frameworks.yaml").write_text(
        yaml.safe_dump({"frameworks": [{**entry, "edition": "Tiny", "version": "1.0"}]})
    )
    copy = Path(shutil.copyfile(shipped, tmp_path / "mine.xlsx"))
    other = small_workbook(tmp_path / "other.xlsx", "Other")
    assert shipped_workbook(copy, data) == (data / "apqc" / "apqc-pcf-tiny-1.0.xlsx", "Tiny", "1.0")
    assert shipped_workbook(shipped, data) is None  # the shipped file itself
    assert shipped_workbook(other, data) is None  # other bytes
    # an entry stating no edition and version is not a shipped edition to recognise
    (data / "frameworks.yaml").write_text(yaml.safe_dump({"frameworks": [entry]}))
    assert shipped_workbook(copy, data) is None


@pytest.mark.slow
def test_a_renamed_copy_of_the_shipped_workbook_is_imported_as_it(tmp_path: Path) -> None:
    copy = Path(shutil.copyfile(SHIPPED_74, tmp_path / "my-pcf.xlsx"))
    out = tmp_path / "out.nt"
    result = CliRunner().invoke(import_, ["apqc", str(copy), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (
        "pcfgraph: warning: my-pcf.xlsx: byte-identical to the shipped "
        "apqc-pcf-cross-industry-7.4.xlsx (APQC PCF Cross-Industry 7.4); imported as that "
        "workbook"
    ) in result.stderr
    # no blank nodes: the same triples are the same graph
    read = {q.triple for q in ox.parse(path=out, format=ox.RdfFormat.N_TRIPLES)}
    assert read == set(shipped_74().triples)


def test_a_copy_of_the_shipped_workbook_named_for_another_version_is_refused(
    tmp_path: Path,
) -> None:
    """Named 7.5, the shipped 7.4 (which states no version of its own) was imported as 7.5."""
    copy = Path(shutil.copyfile(SHIPPED_74, tmp_path / "apqc-pcf-cross-industry-7.5.xlsx"))
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(import_, ["apqc", str(copy), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert (
        "pcfgraph: error: apqc-pcf-cross-industry-7.5.xlsx: byte-identical to the shipped "
        "apqc-pcf-cross-industry-7.4.xlsx (APQC PCF Cross-Industry 7.4), but its name states "
        "Cross-Industry 7.5: one workbook cannot be both"
    ) in result.stderr
