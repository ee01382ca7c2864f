"""What ``build``/``serve --add`` tell the user about their sources on stderr: the importer's
warnings (as ``import apqc`` prints them, naming workbook, sheet and row), also when the
import or the whole release comes from the cache; and a byte-identical copy of a source
already in the build is the same source, built once with a note (not refused as a second
source claiming the edition). Workbooks are built in tmp_path; sources files say
``include_default: false`` so the graphs stay small."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.config import Settings
from pcfgraph.release_reload import load_verified_release

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
HMETRICS = ["Process Element ID", "Hierarchy ID", "Process element", "Metric Category"]
HMETRICS += ["Metric ID", "Metric name", "Formula", "Units"]
#: The warning the importer gives for the Metrics row below (PCF ID 17040 is '1.1').
MISMATCH = (
    "k01234-banking-v731.xlsx: sheet 'Metrics', row 2, column 'Hierarchy ID': '1.5', but "
    "PCF ID 17040 is '1.1' in the element sheets; attached by PCF ID"
)


def workbook(path: Path, metric_hid: str = "1.5") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for row in (HEADER, [10002, "1.0", "Vision", "Def"], [17040, "1.1", "Concept", "D"]):
        ws.append(row)
    metrics = wb.create_sheet("Metrics")
    metrics.append(HMETRICS)
    metrics.append([17040, metric_hid, "Concept", "Cycle Time", 1, "Days", "f", "days"])
    wb.save(path)
    return path


def sources_file(path: Path, files: list[str]) -> Path:
    frameworks = [{"kind": "apqc-workbook", "files": [f]} for f in files]
    path.write_text(yaml.safe_dump({"include_default": False, "frameworks": frameworks}))
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run_main(main, args)
    return code, capsys.readouterr().err


def warnings_in(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("pcfgraph: warning: ")]


def test_build_shows_the_importers_warnings_also_from_the_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``import apqc`` printed them; ``build`` said nothing. Now every build of the workbook
    prints them the same: the first (imported), a second (the cached release), one with
    another workbook added (this workbook's import from the workbook cache), and one with
    the cache turned off. The published release is as before (no warnings file in it)."""
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    wb = workbook(tmp_path / "k01234-banking-v731.xlsx")
    src = sources_file(tmp_path / "s.yaml", [wb.name])
    other = workbook(tmp_path / "k05678-retail-v722.xlsx", metric_hid="1.1")  # no warning
    for args in (
        ["--sources", str(src)],  # imported
        ["--sources", str(src)],  # the whole release from the cache
        ["--sources", str(src), "--add", str(other)],  # the workbook's import from the cache
    ):
        out = tmp_path / "release"
        code, err = run(["build", *args, "-o", str(out)], capsys)
        assert code == 0, err
        assert warnings_in(err) == [f"pcfgraph: warning: {MISMATCH}"], args
        assert not (out / "build-warnings.json").exists()  # the cache's, not published
        assert "warning" not in (out / "manifest.json").read_text()

    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", "off")
    code, err = run(["build", "--sources", str(src), "-o", str(tmp_path / "r2")], capsys)
    assert code == 0 and warnings_in(err) == [f"pcfgraph: warning: {MISMATCH}"]
    code, err = run(["import", "apqc", str(wb), "-o", str(tmp_path / "wb.ttl")], capsys)
    assert code == 0 and warnings_in(err) == [f"pcfgraph: warning: {MISMATCH}"]  # the same


def test_the_release_serve_loads_carries_the_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    wb = workbook(tmp_path / "k01234-banking-v731.xlsx")
    settings = Settings(
        add_workbooks=(str(wb),), sources_file=sources_file(tmp_path / "s.yaml", [])
    )
    for _ in range(2):  # built, then from the cache
        assert load_verified_release(settings).warnings == (MISMATCH,)


def test_a_byte_identical_copy_of_a_source_is_built_once_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--add`` of a copy of a listed workbook was refused: "two sources claim ... keep one".
    It is the same source: the build goes on with it once and says so, naming both files.
    Another workbook claiming the edition is still refused."""
    wb = workbook(tmp_path / "k01234-banking-v731.xlsx", metric_hid="1.1")
    src = sources_file(tmp_path / "s.yaml", [wb.name])
    (tmp_path / "copy").mkdir()
    copy = Path(shutil.copyfile(wb, tmp_path / "copy" / wb.name))
    out = tmp_path / "release"
    code, err = run(["build", "--sources", str(src), "--add", str(copy), "-o", str(out)], capsys)
    assert code == 0, err
    assert warnings_in(err) == [
        f"pcfgraph: warning: --add {copy.resolve()}: byte-identical to {tmp_path.resolve() / wb.name}"
        ", already a source; built once"
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    graph = str(iris.framework_graph("apqc-pcf-banking-7.3.1"))
    assert manifest["sources"][graph] == [str(wb.resolve())]

    changed = workbook(tmp_path / "copy" / wb.name, metric_hid="1.0")  # other bytes
    assert changed.read_bytes() != wb.read_bytes()
    code, err = run(["build", "--sources", str(src), "--add", str(changed), "-o", str(out)], capsys)
    assert code == 2 and "two sources claim APQC PCF Banking 7.3.1" in err and "keep one" in err


@pytest.mark.parametrize(
    ("listed", "added", "built_from", "note"),
    [
        (  # a copy under the user's name: its name states nothing
            "k01234-banking-v731.xlsx",
            "our-banking.xlsx",
            "k01234-banking-v731.xlsx",
            "--add {added}: byte-identical to {listed}, already a source; built once",
        ),
        (  # APQC's name added for a copy listed under the user's name: that name is built
            "our-banking.xlsx",
            "k01234-banking-v731.xlsx",
            "k01234-banking-v731.xlsx",
            "s.yaml {listed}: byte-identical to --add {added}, whose name states the edition "
            "and version; built once, as k01234-banking-v731.xlsx",
        ),
    ],
)
def test_a_renamed_byte_identical_copy_is_the_same_source(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    listed: str,
    added: str,
    built_from: str,
    note: str,
) -> None:
    """A renamed copy of a listed workbook was refused: imported as a second source, it
    stated no version (the version was in the other copy's name) or claimed the listed
    edition again ("two sources claim"). The bytes decide: it is that source, built once,
    with a note naming both; a copy under APQC's download name stands in for one named
    otherwise."""
    wb = workbook(tmp_path / listed, metric_hid="1.1")
    src = sources_file(tmp_path / "s.yaml", [wb.name])
    (tmp_path / "copy").mkdir()
    copy = Path(shutil.copyfile(wb, tmp_path / "copy" / added))
    out = tmp_path / "release"
    code, err = run(["build", "--sources", str(src), "--add", str(copy), "-o", str(out)], capsys)
    assert code == 0, err
    expected = note.format(listed=tmp_path.resolve() / listed, added=copy.resolve())
    assert warnings_in(err) == [f"pcfgraph: warning: {expected}"]
    manifest = json.loads((out / "manifest.json").read_text())
    graph = str(iris.framework_graph("apqc-pcf-banking-7.3.1"))
    assert manifest["sources"][graph] == [
        str((tmp_path / built_from if built_from == listed else copy).resolve())
    ]
    assert {g for g in manifest["sources"] if "apqc-pcf-banking" in g} == {graph}


def test_a_byte_identical_copy_named_for_another_version_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Named for another version, a copy became a second edition made of the same bytes,
    silently. One workbook cannot be both: refused, naming both files and both claims."""
    wb = workbook(tmp_path / "k01234-banking-v731.xlsx", metric_hid="1.1")
    src = sources_file(tmp_path / "s.yaml", [wb.name])
    copy = Path(shutil.copyfile(wb, tmp_path / "k01234-banking-v740.xlsx"))
    out = tmp_path / "release"
    code, err = run(["build", "--sources", str(src), "--add", str(copy), "-o", str(out)], capsys)
    assert code == 2 and not out.exists()
    assert (
        f"--add {copy.resolve()}: byte-identical to {wb.resolve()}, but its name states "
        "Banking 7.4.0 and that source is Banking 7.3.1: one workbook cannot be both"
    ) in err
