"""The template as auditors fill it in real spreadsheet programs: cells formatted as
percentages, merged cells. Each workbook is the shipped example edited with openpyxl, as Excel
or LibreOffice would save the edit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from audit_support import context, edited_workbook, template_column
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.inputs.workbook import read_workbook
from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.errors import ModelError, ParseError

NW = "https://example.org/northwind/"
ORGM = "https://w3id.org/pcfgraph/orgmodel#"
XSD = "http://www.w3.org/2001/XMLSchema#"
AS_OF = date(2025, 7, 15)


def isomorphic_triples(a, b) -> bool:  # type: ignore[no-untyped-def]
    def graph(triples):  # type: ignore[no-untyped-def]
        return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")

    return bool(isomorphic(graph(a), graph(b)))


def _edited(edit: Callable[[Any], None]) -> bytes:
    return edited_workbook(template_bytes(example=True), edit)


_col = template_column


def _row_of(ws, key: str) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)


def _objects(data: bytes, subject: str, predicate: str) -> set[ox.Term]:
    triples = read_workbook(data, "model.xlsx").triples
    return {
        t.object
        for t in triples
        if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(predicate)
    }


def test_a_percentage_cell_is_read_as_the_percentage_it_shows() -> None:
    """Typing "97.2%" in Excel stores 0.972 formatted ``0.0%``: the SLA compliance the user
    sees and means is 97.2, not 0.972 (which the audit took for a missed target)."""
    column = _col("Service-level reports", "SLA compliance")

    def as_percent(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Service-level reports"]
        for key, value, fmt in (
            ("slr-clinical-2025-q1", 0.972, "0.0%"),
            ("slr-clinical-2025-q2", 0.991, "0%"),
            ("slr-finance-2025-q1", 1, "0%"),
        ):
            cell = ws[f"{column}{_row_of(ws, key)}"]
            cell.value, cell.number_format = value, fmt

    data = _edited(as_percent)
    compliance = ORGM + "slaCompliance"
    decimal, integer = ox.NamedNode(XSD + "decimal"), ox.NamedNode(XSD + "integer")
    assert _objects(data, NW + "slr-clinical-2025-q1", compliance) == {
        ox.Literal("97.2", datatype=decimal)
    }
    assert _objects(data, NW + "slr-clinical-2025-q2", compliance) == {
        ox.Literal("99.1", datatype=decimal)
    }
    assert _objects(data, NW + "slr-finance-2025-q1", compliance) == {
        ox.Literal("100", datatype=integer)
    }
    report = audit(
        [Upload("model.xlsx", data)],
        context(),
        options=AuditOptions(as_of=AS_OF),
    )
    assert report.conforms, [(r.rule, r.focus_node, r.value) for r in report.results]


def test_a_percent_sign_quoted_in_the_format_is_not_a_percentage() -> None:
    column = _col("Service-level reports", "SLA compliance")

    def quoted(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Service-level reports"]
        cell = ws[f"{column}{_row_of(ws, 'slr-clinical-2025-q1')}"]
        cell.value, cell.number_format = 97.2, '0.0" %"'

    assert _objects(_edited(quoted), NW + "slr-clinical-2025-q1", ORGM + "slaCompliance") == {
        ox.Literal("97.2", datatype=ox.NamedNode(XSD + "decimal"))
    }


def test_a_cell_merged_down_over_rows_is_read_on_each_row() -> None:
    """One "Held in" cell merged over three agreements (as auditors lay out a table) holds
    the value in its top-left cell only: each row shows it, and each row reads it."""
    held_in = _col("Agreements", "Held in")
    keys = ("ola-infrastructure", "sla-clinical", "sla-finance")

    def merge(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Agreements"]
        rows = sorted(_row_of(ws, k) for k in keys)
        assert rows == list(range(rows[0], rows[0] + 3))
        for r in rows:
            ws[f"{held_in}{r}"] = "contract-register"
        ws.merge_cells(f"{held_in}{rows[0]}:{held_in}{rows[-1]}")  # keeps the top-left value

    data = _edited(merge)
    for key in keys:
        assert _objects(data, NW + key, ORGM + "heldIn") == {
            ox.NamedNode(NW + "contract-register")
        }, key
    report = audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))
    assert report.conforms, [(r.rule, r.focus_node, r.where) for r in report.results]


def test_a_merge_reaching_into_empty_rows_adds_no_rows() -> None:
    held_in = _col("Agreements", "Held in")

    def merge(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Agreements"]
        last = max(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value)
        assert ws[f"{held_in}{last}"].value == "contract-register"
        ws.merge_cells(f"{held_in}{last}:{held_in}{last + 5}")

    result = read_workbook(_edited(merge), "model.xlsx")
    assert result.findings == []
    assert isomorphic_triples(
        result.triples, read_workbook(template_bytes(example=True), "m").triples
    )


def test_sheet_names_match_as_headers_do_case_and_spaces_aside() -> None:
    """Headers were matched ignoring case and surrounding spaces, sheet names exactly: a sheet
    renamed "customers " refused the whole workbook ("missing sheet 'Customers'")."""

    def rename(wb) -> None:  # type: ignore[no-untyped-def]
        wb["Customers"].title = "customers "
        wb["Read me"].title = " read me "

    renamed = read_workbook(_edited(rename), "model.xlsx")
    assert renamed.findings == []
    assert isomorphic_triples(
        renamed.triples, read_workbook(template_bytes(example=True), "m").triples
    )


def test_a_refused_workbook_names_what_it_has_instead() -> None:
    def rename_sheet(wb) -> None:  # type: ignore[no-untyped-def]
        wb["Customers"].title = "Clients"

    def rename_header(wb) -> None:  # type: ignore[no-untyped-def]
        wb["Customers"][f"{_col('Customers', 'Purchaser')}1"] = "Buyer"

    def title_row(wb) -> None:  # type: ignore[no-untyped-def]
        wb["Agreements"].insert_rows(1)
        wb["Agreements"]["A1"] = "Agreements 2025"

    with pytest.raises(ModelError) as sheet:
        read_workbook(_edited(rename_sheet), "model.xlsx")
    assert "missing sheet 'Customers'; its other sheets: 'Clients'" in str(sheet.value)
    with pytest.raises(ModelError) as header:
        read_workbook(_edited(rename_header), "model.xlsx")
    assert "missing column Customers!Purchaser (Customers row 1 has 'Buyer'" in str(header.value)
    with pytest.raises(ModelError) as title:
        read_workbook(_edited(title_row), "model.xlsx")
    assert "Agreements!Key" in str(title.value)
    assert "Agreements row 1 has 'Agreements 2025'" in str(title.value)
    assert "headers are on row 1" in str(title.value)


def test_values_no_template_column_reads_are_listed_not_dropped() -> None:
    """A column the auditor added ("Notes") and a value typed beside the table were dropped
    without a word; they are listed as not used by the audit (report and convert)."""

    def annotate(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Customers"]
        ws.insert_cols(3)
        ws["C1"] = "Notes"
        ws[f"C{_row_of(ws, 'finance')}"] = "renegotiating in Q3"
        ws["M2"] = "ask Karin"  # no header

    data = _edited(annotate)
    result = read_workbook(data, "model.xlsx")
    assert isomorphic_triples(
        result.triples, read_workbook(template_bytes(example=True), "m").triples
    )
    assert result.unused == [
        {"kind": "column", "identifier": "Customers!C", "name": "Notes", "type": "column"},
        {"kind": "column", "identifier": "Customers!M", "name": "(no header)", "type": "column"},
    ]
    report = audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))
    assert report.conforms
    unused = report.to_json_dict()["notUsedByAudit"]
    assert unused["columns"] == 2 and unused["elements"] == 0
    assert "column Customers!C 'Notes'" in report.to_text()
    # the template as written has nothing to list
    plain = read_workbook(template_bytes(example=True), "m")
    assert plain.unused is None


def _bad_cells(data: bytes) -> dict[tuple[str, int, str], str]:
    """(sheet, row, column) -> message of each bad-cell finding of the workbook."""
    findings = read_workbook(data, "model.xlsx").findings
    return {
        (f.location["sheet"], f.location["row"], f.location["column"]): f.message for f in findings
    }


@pytest.mark.parametrize("epoch,day", [(None, "2024-01-01"), ("1904", "2028-01-02")])
def test_a_date_stored_as_a_number_says_which_date_excel_would_show(
    epoch: str | None, day: str
) -> None:
    """A date typed into a cell formatted General is stored (and shown) as its serial: the
    finding says which date the number is, in the workbook's date system; the number is not
    taken for it unsaid (it was "'45292' is not a date" with no hint)."""
    column = _col("Agreements", "Valid until")
    rows: dict[str, int] = {}

    def serial(wb) -> None:  # type: ignore[no-untyped-def]
        if epoch:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904

            wb.epoch = CALENDAR_MAC_1904
        ws = wb["Agreements"]
        rows["r"] = _row_of(ws, "sla-clinical")
        cell = ws[f"{column}{rows['r']}"]
        cell.value, cell.number_format = 45292, "General"

    data = _edited(serial)
    message = _bad_cells(data)[("Agreements", rows["r"], column)]
    assert f"45292 is {day} as an Excel date serial" in message
    assert f"format the cell as a date or type {day}" in message
    assert _objects(data, NW + "sla-clinical", ORGM + "validUntil") == set()


def test_formulas_with_no_saved_value_and_formula_errors_are_said_by_cell() -> None:
    """A workbook written by a program and never opened in a spreadsheet holds formulas without
    their results: each such cell is a finding naming it (it read as empty, unsaid, and the
    audit then reported the value missing); a formula error (#N/A) is one too (it was read
    as the text '#N/A')."""
    name = _col("Customers", "Name")
    rows: dict[str, int] = {}

    def formulas(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Customers"]
        rows["name"] = _row_of(ws, "clinical")
        rows["error"] = _row_of(ws, "finance")
        ws[f"{name}{rows['name']}"] = f"=UPPER(A{rows['name']})"
        ws[f"{name}{rows['error']}"] = "#N/A"
        rows["key"] = ws.max_row + 1  # a row of formulas only: not an empty row
        ws[f"A{rows['key']}"] = '=CONCAT("cust-", 1)'

    bad = _bad_cells(_edited(formulas))
    told = "with no saved value: open and save the file in Excel or LibreOffice, or type the value"
    assert bad[("Customers", rows["name"], name)] == (
        f"Name is a formula (=UPPER(A{rows['name']})) {told}."
    )
    assert bad[("Customers", rows["error"], name)] == (
        "Name shows the formula error #N/A: correct the formula or type the value."
    )
    assert told in bad[("Customers", rows["key"], "A")]
    assert "has no key" in bad[("Customers", rows["key"], "A")]
    assert not any(
        isinstance(t.object, ox.Literal) and t.object.value == "#N/A"
        for t in read_workbook(_edited(formulas), "model.xlsx").triples
    )


def test_a_second_header_row_is_one_finding_and_not_read_as_data() -> None:
    """A header row repeated under the first (as a block copied in with its headers) was read
    as a customer keyed 'Key' and called 'Name', with its own dozen findings ('Name names the
    key Contacts, which no row has', 'A customer needs a budget', ...). It is one finding at the
    row, and the model is read as without it."""

    def repeat_headers(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Customers"]
        ws.insert_rows(2)
        for c in range(1, ws.max_column + 1):
            header = ws.cell(1, c).value
            ws.cell(2, c).value = header.upper() if c == 2 else header  # case aside

    result = read_workbook(_edited(repeat_headers), "model.xlsx")
    assert [(f.location["sheet"], f.location["row"], f.message) for f in result.findings] == [
        (
            "Customers",
            2,
            "Customers row 2 repeats the header row: it is not read as data; delete it.",
        )
    ]
    assert result.findings[0].shape.endswith("model-validity-bad-value")
    assert isomorphic_triples(
        result.triples, read_workbook(template_bytes(example=True), "m").triples
    )


def test_a_key_typed_in_another_case_is_told_the_key_it_differs_from_by_case() -> None:
    """Keys are case-sensitive (they are IRIs), but people type ``NILS-EK`` or ``SLA-Finance``
    for ``nils-ek`` and ``sla-finance``: the finding said "which no row has" with no
    suggestion, as the edit distance of a whole word in capitals is past any limit."""

    def shout(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["Customers"]
        ws[f"{_col('Customers', 'Purchaser')}{_row_of(ws, 'clinical')}"] = "NILS-EK"
        ws[f"{_col('Customers', 'Agreements')}{_row_of(ws, 'finance')}"] = "SLA-Finance"

    messages = set(_bad_cells(_edited(shout)).values())
    assert messages == {
        "Purchaser names the key 'NILS-EK', which no row has; did you mean nils-ek?",
        "Agreements names the key 'SLA-Finance', which no row has; did you mean sla-finance?",
    }


def test_a_sheet_that_is_no_template_sheet_is_listed_as_not_used() -> None:
    """A second sheet of customers ("Customers (2)", a block of rows one colleague kept apart)
    and a "Notes" sheet were dropped without a word, and the model said to conform: the audit
    had not seen them. Their columns holding values are listed as not used by the audit, as a
    column added to a template sheet is; an empty extra sheet is nothing to list."""

    def add_sheets(wb) -> None:  # type: ignore[no-untyped-def]
        more = wb.create_sheet("Customers (2)")
        more.append(["Key", "Name", "Contacts"])
        more.append(["legal", "Group Legal", "karin-holm"])
        notes = wb.create_sheet("Notes", 0)
        notes["B3"] = "=cmd|' /C calc'!A0"
        wb.create_sheet("Sheet1")  # nothing in it

    data = _edited(add_sheets)
    result = read_workbook(data, "model.xlsx")
    assert isomorphic_triples(
        result.triples, read_workbook(template_bytes(example=True), "m").triples
    )
    assert result.unused == [
        {"kind": "column", "identifier": "Notes!B", "name": "(no header)", "type": "column"},
        {"kind": "column", "identifier": "Customers (2)!A", "name": "Key", "type": "column"},
        {"kind": "column", "identifier": "Customers (2)!B", "name": "Name", "type": "column"},
        {"kind": "column", "identifier": "Customers (2)!C", "name": "Contacts", "type": "column"},
    ]
    report = audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))
    assert report.to_json_dict()["notUsedByAudit"]["columns"] == 4
    assert "column Customers (2)!A 'Key'" in report.to_text()


def test_a_key_holding_an_invisible_character_is_shown_with_it_escaped() -> None:
    """A key pasted with a zero-width space ('anna\\u200b-berg') made every reference to
    anna-berg a finding "did you mean anna-berg?", the suggestion showing as the very value
    typed. The suggestion now shows the invisible character escaped and says what it is."""

    def paste(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["People"]
        ws[f"A{_row_of(ws, 'anna-berg')}"] = "anna\u200b-berg"

    messages = set(_bad_cells(_edited(paste)).values())
    assert (
        "Person names the key 'anna-berg', which no row has; did you mean anna\\u200b-berg (an invisible character in the key: retype it)?"
        in messages
    )


@pytest.mark.parametrize(
    ("typed", "hint"),
    [("Level 3", "; did you mean 3?"), ("3 - Defined", "; did you mean 3?"), ("L4", "; did you mean 4?"),
     ("high", "."), ("Level 7", "."), ("2 or 3", "."),
     # a decimal was told nothing: the level it lies in, and where practices so numbered go
     ("3.10", "; did you mean 3? (a level is a whole number; the practices of level 3, "
      "numbered 3.1, 3.2 ..., go on the Evidence sheet)"), ("7.1", ".")],
)  # fmt: skip
def test_a_level_typed_with_words_is_told_its_number(typed: str, hint: str) -> None:
    """A claimed level typed as "Level 3" was told "is not one of 1, 2, 3, 4, 5." with no
    suggestion, where every other value a drop-down allows gets a "did you mean"."""
    column = _col("Maturity claims", "Claimed level")

    def claim(wb) -> None:  # type: ignore[no-untyped-def]
        wb["Maturity claims"][f"{column}2"] = typed

    findings = [
        f
        for f in read_workbook(_edited(claim), "model.xlsx").findings
        if f.location and (f.location["sheet"], f.location["row"]) == ("Maturity claims", 2)
    ]
    assert [f.message for f in findings] == [
        f"Claimed level {typed!r} is not one of 1, 2, 3, 4, 5{hint}"
    ]


def test_rows_and_sheets_hidden_in_excel_are_said_to_have_been_audited() -> None:
    """A client's workbook with rows hidden (or grouped and collapsed) and a template sheet
    hidden: everything was read and audited, but nothing said so, and an auditor looking at
    the workbook could not find the rows the findings named. One Info finding per sheet names
    the hidden rows (runs joined); the model read is the same; it still conforms as before."""

    def hide(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["People"]
        for r in (3, 4, 5, 8):
            ws.row_dimensions[r].hidden = True
        ws.row_dimensions[ws.max_row + 5].hidden = True  # an empty hidden row: nothing read
        wb["Meetings"].sheet_state = "hidden"

    data = _edited(hide)
    result = read_workbook(data, "model.xlsx")
    assert isomorphic_triples(
        result.triples, read_workbook(template_bytes(example=True), "m").triples
    )
    meetings = sum(1 for r in _load(data)["Meetings"].iter_rows(min_row=2) if r[0].value)
    hidden = {
        (f.location["sheet"], f.location["row"], f.severity, f.message)
        for f in result.findings
        if f.shape.endswith("model-validity-hidden-in-excel")
    }
    assert hidden == {
        (
            "People",
            3,
            "Info",
            "People rows 3-5, 8 are hidden in Excel; 4 row(s) of data there were read and "
            "audited: unhide them to review them, or delete what is not part of the model.",
        ),
        (
            "Meetings",
            2,
            "Info",
            f"sheet 'Meetings' is hidden in Excel; {meetings} row(s) of data there were read and "
            "audited: unhide them to review them, or delete what is not part of the model.",
        ),
    }
    assert len(result.findings) == 2  # nothing else was found
    plain = audit(
        [Upload("model.xlsx", template_bytes(example=True))],
        context(),
        options=AuditOptions(as_of=AS_OF),
    )
    report = audit([Upload("model.xlsx", data)], context(), options=AuditOptions(as_of=AS_OF))
    assert report.conforms == plain.conforms
    assert report.counts["Info"] == plain.counts["Info"] + 2
    assert "hidden in Excel" in report.to_text()


def _load(data: bytes):  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def test_convert_of_a_workbook_with_only_notes_exits_0_and_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows hidden in Excel and merged ranges are Info findings (everything was read):
    `pcfgraph convert` exited 1 for them, as for a cell it could not read, so a script
    converting a client's workbook with a hidden row failed. They are listed as notes and
    the exit status is 0; a bad cell still makes it 1."""
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    def hide(wb) -> None:  # type: ignore[no-untyped-def]
        wb["People"].row_dimensions[3].hidden = True

    hidden = tmp_path / "hidden.xlsx"
    hidden.write_bytes(_edited(hide))
    assert run_main(main, ["convert", str(hidden), str(tmp_path / "hidden.ttl")]) == 0
    err = capsys.readouterr().err
    assert "note: People row 3 is hidden in Excel" in err, err

    def bad(wb) -> None:  # type: ignore[no-untyped-def]
        wb["People"].row_dimensions[3].hidden = True
        wb["Agreements"][f"{_col('Agreements', 'Valid from')}2"] = "01/01/2025"

    worse = tmp_path / "bad.xlsx"
    worse.write_bytes(_edited(bad))
    assert run_main(main, ["convert", str(worse), str(tmp_path / "bad.ttl")]) == 1


def _with_part(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, change(body) if info.filename == part else body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("part", "change", "words"),
    [
        (
            "xl/workbook.xml",
            lambda b: b.replace(b"</workbook>", b"<x>" * 5000 + b"</x>" * 5000 + b"</workbook>"),
            "elements nested more than 256 deep, line 1, column ",
        ),
        (
            "xl/worksheets/sheet2.xml",
            lambda b: b.replace(b"</sheetData>", b"<row></sheetData>"),
            "Opening and ending tag mismatch: row line 1 and sheetData, line 1, column ",
        ),
    ],
)
def test_a_part_that_is_not_well_formed_xml_is_named_with_what_and_where(
    part: str, change: Callable[[bytes], bytes], words: str
) -> None:
    """A workbook whose XML was damaged (or nested past the parser's depth limit) was refused
    as 'not a readable .xlsx workbook: XMLSyntaxError', naming neither the part nor what was
    wrong in it (qa1's security review)."""
    data = _with_part(template_bytes(example=True), part, change)
    with pytest.raises(ParseError) as caught:
        read_workbook(data, "model.xlsx")
    message = str(caught.value)
    assert f"not a readable .xlsx workbook: its part {part} is not well-formed XML: " in message
    assert words in message, message
    assert "XML_PARSE_HUGE" not in message


def test_excels_escapes_in_cell_text_are_decoded() -> None:
    """Excel saves a carriage return typed or pasted into a cell as ``_x000D_`` (and a
    literal ``_x`` as ``_x005F_x``); the lean reader read them as text, so a customer's name
    came out as 'Group_x000D_\nFinance' (qa1 found the APQC importer doing the same). Shared
    strings, inline strings and formula results are decoded; a control character that is not
    whitespace stays escaped."""
    column = _col("Customers", "Name")
    data = _edited(lambda wb: wb["Customers"].__setitem__(f"{column}2", "MARK"))
    escaped = "Group_x000D_\nFinance _x005F_x0041_ _x0007_"
    data = _with_part(
        data, "xl/worksheets/sheet7.xml", lambda b: b.replace(b"MARK", escaped.encode())
    )
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:  # the file holds the escapes themselves
        assert escaped.encode() in z.read("xl/worksheets/sheet7.xml")
    labels = {
        str(t.object.value)
        for t in read_workbook(data, "model.xlsx").triples
        if t.predicate.value.endswith("#label") and "Group" in str(t.object.value)
    }
    assert "Group\r\nFinance _x0041_ _x0007_" in labels, labels
