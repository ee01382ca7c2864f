"""Files written with ``-o`` get the user's umask (0644 under umask 022), not mkstemp's 0600.

One test per command that writes a file; the umask is set explicitly for each, so the
expected mode is known whatever the test runner's own umask is.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_support import FINDINGS
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.assemble import load_turtle
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.files import current_umask, write_atomic
from pcfgraph.release import write_release
from pcfgraph.store import EmbeddedStore

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")

MINI = Path(__file__).parent / "fixtures" / "mini-framework.ttl"
SHIPPED = Path(__file__).parent / "fixtures" / "pcf-cross-industry-7.4-group-8.1.xlsx"


@pytest.fixture(params=[0o022, 0o027], ids=["umask022", "umask027"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def audit_release(framework_release_path: Path) -> Path:
    return framework_release_path


def run(args: list[str]) -> int:
    return run_main(main, args)


def test_current_umask_reads_the_process_umask(umask: int) -> None:
    assert current_umask() == umask


def test_write_atomic_replaces_with_the_umask_mode(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # no temporary left behind


def test_what_is_not_a_regular_file_is_written_into_not_replaced(tmp_path: Path) -> None:
    """``pcfgraph audit model.archimate -o /dev/null`` (as root: in a container) renamed the
    report over /dev/null, a regular file from then on for every program; a named pipe or
    ``-o /dev/stdout`` became a file no one read. A FIFO and a link to a device are written
    into and stay what they were (the link is made here, so the parent replaces only it)."""
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so the writer's open does not block
    try:
        write_atomic(fifo, b"the report")
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
        assert os.read(reader, 100) == b"the report"
    finally:
        os.close(reader)
    to_device = tmp_path / "discard"
    to_device.symlink_to(os.devnull)
    write_atomic(to_device, b"the report")
    assert to_device.is_symlink() and Path(os.devnull).is_char_device()


def test_a_link_is_followed_to_the_file_it_names(tmp_path: Path, umask: int) -> None:
    """``-o latest.html`` linking to this quarter's report replaced the link with a file: the
    file the link names is replaced (atomically, with the umask's mode) and the link stays."""
    target = tmp_path / "q3.html"
    target.write_bytes(b"old")
    link = tmp_path / "latest.html"
    link.symlink_to(target.name)
    write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert mode(target) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.html", "q3.html"]


def test_build_release_directory_and_files(tmp_path: Path, umask: int) -> None:
    """What ``pcfgraph build -o DIR`` writes (write_release): directory 0755, files 0644."""
    store = EmbeddedStore()
    store.add_quads(load_turtle(MINI, str(iris.framework_graph("mini"))))
    out = tmp_path / "release"
    write_release(store, out, {})
    assert mode(out) == 0o777 & ~umask
    assert {p.name: mode(p) for p in out.iterdir()} == {
        "graph.nq": 0o666 & ~umask,
        "manifest.json": 0o666 & ~umask,
        "store": 0o777 & ~umask,  # the on-disk store servers and workers open read-only
        "search.sqlite": 0o666 & ~umask,  # the search index, built with the release
        "page-data.json": 0o666 & ~umask,  # what a first page reads, built with the release
        "store-stats.json": 0o666 & ~umask,  # the in-process evaluator's statistics
    }
    for path in out.rglob("*"):  # the store's own files too
        assert mode(path) == (0o777 if path.is_dir() else 0o666) & ~umask, path


def test_build_from_the_cached_release_gets_this_umask(tmp_path: Path, umask: int) -> None:
    """``pcfgraph build`` publishes the cached release by hard links (publish_copy): the
    files kept the mode of the cache entry, so a release built under umask 022 from an entry
    made under 077 was 0600, and under 077 from an entry made under 022 world-readable."""
    from pcfgraph.release import load_release, publish_copy

    store = EmbeddedStore()
    store.add_quads(load_turtle(MINI, str(iris.framework_graph("mini"))))
    for entry_umask in (0o077, 0o002):
        os.umask(entry_umask)
        entry = tmp_path / f"cache-{entry_umask:o}"
        write_release(store, entry, {})
        os.umask(umask)
        out = tmp_path / f"release-{entry_umask:o}"
        publish_copy(load_release(entry), out)
        for path in [out, *out.rglob("*")]:
            assert mode(path) == (0o777 if path.is_dir() else 0o666) & ~umask, path
        assert load_release(out).manifest == load_release(entry).manifest


@pytest.mark.parametrize("fmt", ["turtle", "csv"])
def test_export(tmp_path: Path, mini_release: Path, umask: int, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    args = ["export", "--format", fmt, "-o", str(out), "--release", str(mini_release)]
    if fmt == "csv":
        args += ["--framework", "mini"]
    assert run(args) == 0
    assert out.stat().st_size > 0
    assert mode(out) == 0o666 & ~umask


def test_diff(tmp_path: Path, umask: int) -> None:
    old = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    shutil.copyfile(SHIPPED, old)
    out = tmp_path / "diff.csv"
    assert run(["diff", str(old), str(old), "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("change")
    assert mode(out) == 0o666 & ~umask


def test_audit(tmp_path: Path, audit_release: Path, umask: int) -> None:
    out = tmp_path / "report.json"
    code = run(
        ["audit", str(FINDINGS), "-f", "json", "-o", str(out), "--release", str(audit_release)]
    )
    assert code == 1  # findings; the report is written all the same
    assert out.stat().st_size > 0
    assert mode(out) == 0o666 & ~umask


def test_import_apqc(tmp_path: Path, umask: int) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(["PCF ID", "Hierarchy ID", "Name", "Difference Index", "Change details"])
    ws.append([20607, "8.0", "Manage IT", 0, None])
    src = tmp_path / "apqc-pcf-cross-industry-7.4.xlsx"
    wb.save(src)
    out = tmp_path / "pcf.ttl"
    assert run(["import", "apqc", str(src), "-o", str(out)]) == 0
    assert "Manage IT" in out.read_text(encoding="utf-8")
    assert mode(out) == 0o666 & ~umask


def test_export_schema(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "schema.graphql"
    assert run(["export-schema", "-o", str(out)]) == 0
    assert "type Query" in out.read_text(encoding="utf-8")
    assert mode(out) == 0o666 & ~umask
