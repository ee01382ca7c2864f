"""Imported and validated workbooks are kept in the user's cache (:mod:`pcfgraph.workbook_cache`):
a rebuild imports only the workbooks that changed; a changed workbook or a damaged entry is
imported again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from pcfgraph.sources import import_workbooks
from pcfgraph.workbook_cache import GRAPH_FILE, META_FILE, entries_dir, entry_key

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
MARKER = b'<urn:test:cached> <urn:test:p> "from the cache" .\n'


def workbook(path: Path, names: list[str]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(HEADER)
    ws.append([10002, "1.0", names[0], "Def"])
    for i, name in enumerate(names[1:], start=1):
        ws.append([17040 + i, f"1.{i}", name, "D"])
    wb.save(path)
    return path


def tamper(cache: Path, key: str) -> None:
    """Make the entry of ``key`` say something only the cache can say (a consistent entry)."""
    entry = entries_dir(cache) / key
    nt = (entry / GRAPH_FILE).read_bytes() + MARKER
    (entry / GRAPH_FILE).write_bytes(nt)
    meta = json.loads((entry / META_FILE).read_text())
    meta["sha256"] = hashlib.sha256(nt).hexdigest()
    (entry / META_FILE).write_text(json.dumps(meta))


def test_unchanged_workbooks_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(cache))
    banking = workbook(tmp_path / "k01234-banking-v731.xlsx", ["Vision", "Concept"])
    retail = workbook(tmp_path / "k01235-retail-v731.xlsx", ["Vision", "Concept", "Idea"])
    jobs = [(banking, None, None), (retail, None, None)]
    first = import_workbooks(jobs, progress=False)
    keys = [entry_key(p, e, v) for p, e, v in jobs]
    assert {p.name for p in entries_dir(cache).iterdir()} == set(keys)

    again = import_workbooks(jobs, progress=False)
    assert [(w.path, w.framework_id, w.nt, w.element_rows, w.validated) for w in again] == [
        (w.path, w.framework_id, w.nt, w.element_rows, w.validated) for w in first
    ]

    tamper(cache, keys[0])
    assert import_workbooks(jobs, progress=False)[0].nt.endswith(MARKER)  # read, not imported

    workbook(banking, ["Vision", "Concept renamed"])  # changed: a new key, imported again
    changed = import_workbooks(jobs, progress=False)
    assert not changed[0].nt.endswith(MARKER) and b"Concept renamed" in changed[0].nt
    assert changed[1].nt == first[1].nt


def test_a_damaged_entry_is_imported_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(cache))
    banking = workbook(tmp_path / "k01234-banking-v731.xlsx", ["Vision", "Concept"])
    (first,) = import_workbooks([(banking, None, None)], progress=False)
    entry = entries_dir(cache) / entry_key(banking, None, None)
    (entry / GRAPH_FILE).write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")  # sha256 no longer matches
    (again,) = import_workbooks([(banking, None, None)], progress=False)
    assert again.nt == first.nt


def test_no_cache_when_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", "off")
    monkeypatch.chdir(tmp_path)
    banking = workbook(tmp_path / "k01234-banking-v731.xlsx", ["Vision", "Concept"])
    (done,) = import_workbooks([(banking, None, None)], progress=False)
    assert done.validated and not list(tmp_path.rglob(GRAPH_FILE))
