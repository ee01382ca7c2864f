"""The spreadsheet template: generated from one table, read back to the same graph, and every
finding on a workbook names its cell; bad cells are findings, a non-template is refused."""

from __future__ import annotations

import io
import json
from typing import Any

import pyoxigraph as ox
import pytest
from audit_support import CONFORMING, FINDINGS, context, edited_workbook, template_column
from openpyxl import Workbook, load_workbook
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.html import render_html
from pcfgraph.audit.inputs.sheets import OTHER_SHEET, README_SHEET, SHEETS
from pcfgraph.audit.inputs.workbook import read_workbook
from pcfgraph.audit.inputs.writer import template_bytes, workbook_bytes
from pcfgraph.errors import ModelError, ParseError, PayloadTooLarge

NW = "https://example.org/northwind/"
CONTOSO = "https://example.org/contoso/"


def _triples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> list[ox.Triple]:
    return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(data, format=fmt)]


def _graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def _xlsx(path) -> bytes:  # type: ignore[no-untyped-def]
    return workbook_bytes(_triples(path.read_bytes()))


@pytest.mark.parametrize("path", [CONFORMING, FINDINGS], ids=["conforming", "with-findings"])
def test_examples_round_trip_rdf_workbook_rdf_isomorphic(path) -> None:  # type: ignore[no-untyped-def]
    original = _triples(path.read_bytes())
    result = read_workbook(workbook_bytes(original), "model.xlsx")
    assert result.findings == []
    assert isomorphic(_graph(original), _graph(result.triples))


def test_round_trip_keeps_what_no_column_holds_in_other_statements() -> None:
    extra = (
        CONFORMING.read_text(encoding="utf-8")
        + """
:finance rdfs:label "Konzernfinanzen"@de ; rdfs:comment "two names, one language-tagged" .
:svc-erp orgm:price "12.5"^^xsd:double .
:sla-hr orgm:validFrom "2025-01-01T00:00:00"^^xsd:dateTime .
<https://elsewhere.example/x> a <https://elsewhere.example/Thing> ; orgm:serves :finance .
_:loose <https://elsewhere.example/p> _:other .
"""
    )
    original = _triples(extra.encode())
    data = workbook_bytes(original)
    wb = load_workbook(io.BytesIO(data))
    assert wb[OTHER_SHEET].max_row > 1
    result = read_workbook(data, "model.xlsx")
    assert result.findings == []
    assert isomorphic(_graph(original), _graph(result.triples))


def test_template_has_every_sheet_headers_with_notes_and_drop_downs() -> None:
    wb = load_workbook(io.BytesIO(template_bytes()))
    assert wb.sheetnames == [README_SHEET, *(s.name for s in SHEETS), OTHER_SHEET]
    for sheet in SHEETS:
        ws = wb[sheet.name]
        headers = [c.value for c in ws[1]]
        assert headers == [c.header for c in sheet.columns]
        assert all(c.comment is not None and c.comment.text for c in ws[1])
        lists = {
            str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
            for dv in ws.data_validations.dataValidation
        }
        for j, column in enumerate(sheet.columns):
            closed = column.kind in ("choice", "level") or (
                column.kind == "class" and len(sheet.classes) > 1
            )
            letter = chr(65 + j)
            if closed:
                assert letter in lists, (sheet.name, column.header)
                assert lists[letter].type == "list" and lists[letter].showErrorMessage
    roles = wb["Roles"].data_validations.dataValidation
    assert any("Business Relationship Manager" in (dv.formula1 or "") for dv in roles)
    levels = wb["Maturity claims"].data_validations.dataValidation
    assert any(dv.formula1 == '"1,2,3,4,5"' for dv in levels)


def test_example_template_is_the_conforming_organisation() -> None:
    result = read_workbook(template_bytes(example=True), "example.xlsx")
    assert isomorphic(_graph(_triples(CONFORMING.read_bytes())), _graph(result.triples))


def _edit(data: bytes, sheet: str, cell: str, value: object) -> bytes:
    return edited_workbook(data, lambda wb: wb[sheet].__setitem__(cell, value))


_col = template_column


def _row_of(data: bytes, sheet: str, key: str) -> int:
    ws = load_workbook(io.BytesIO(data))[sheet]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)


@pytest.mark.parametrize(
    "sheet,key,header,value,rule,expect",
    [
        ("Agreements", "sla-hr", "Valid from", "31/02/2025", "bad-value", "is not a date"),
        # a week date is not taken for its Monday, nor the basic form for a day
        ("Agreements", "sla-hr", "Valid from", "2025-W07-1", "bad-value", "is not a date"),
        ("Agreements", "sla-hr", "Valid from", "20250210", "bad-value", "is not a date"),
        ("Customers", "hr", "Purchaser", "julia-meyr", "unknown-key", "did you mean julia-meyer"),
        (
            "Roles",
            "m-clin-dm",
            "Role",
            "Delivery Manger",
            "unknown-choice",
            "did you mean 'Delivery Manager'?",  # as the drop-down list shows it
        ),
        (
            "Meetings",
            "mtg-hr-fu-2025-04",
            "Kind",
            "status meeting",
            "unknown-choice",
            "not on the list",
        ),
        ("Maturity claims", "claim-rm-2025", "Claimed level", 7, "unknown-choice", "1, 2, 3, 4, 5"),
        ("Surveys", "survey-hr-2025", "Score", "good", "bad-value", "is not a number"),
        # a framework element typed by its name where its code goes is told the code
        (
            "Maturity claims",
            "claim-rm-2025",
            "Building block",
            "relationship management",
            "bad-value",
            "is not a code; did you mean SRP/A2 (Relationship Management)?",
        ),
        (
            "Processes",
            "proc-request-fulfilment",
            "Implements",
            "Maintain IT services catalog",
            "unknown-term",
            "did you mean 20635 (Maintain IT services catalog)?",
        ),
        # a number typed as text is told what to type, not taken for it unsaid
        (
            "Surveys",
            "survey-hr-2025",
            "Score",
            "4,5",
            "bad-value",
            "'4,5' is not a number: type 4.5",
        ),
        (
            "Service-level reports",
            "slr-clinical-2025-q1",
            "SLA compliance",
            "97.2%",
            "bad-value",
            "'97.2%' is not a number: type 97.2 without the % sign",
        ),
    ],
)
def test_bad_cell_is_a_model_validity_finding_with_its_cell(
    sheet: str, key: str, header: str, value: object, rule: str, expect: str
) -> None:
    data = template_bytes(example=True)
    row = _row_of(data, sheet, key)
    cell = f"{_col(sheet, header)}{row}"
    bad = _edit(data, sheet, cell, value)
    report = audit([Upload("model.xlsx", bad)], context())
    found = [r for r in report.results if r.rule == f"audit/model-validity-{rule}"]
    assert found, [(r.rule, r.where) for r in report.results]
    f = found[0]
    assert f.location == {"file": "model.xlsx", "sheet": sheet, "row": row, "column": cell[0]}
    assert expect in f.message
    assert f.focus_node == NW + key
    assert not report.conforms


def test_a_bad_cell_is_reported_under_its_rows_unit_with_the_other_findings() -> None:
    """A finding about the model itself (a key no row has, a bad value, an unknown term) had no
    organisational unit: the HTML report listed the customer twice, its purchaser finding under
    its customer team and the bad cell that caused it under 'Organisation-wide'."""
    data = template_bytes(example=True)
    cell = f"{_col('Customers', 'Purchaser')}{_row_of(data, 'Customers', 'hr')}"
    report = audit([Upload("model.xlsx", _edit(data, "Customers", cell, "julia-meyr"))], context())
    on_hr = {r.rule: r.unit_label for r in report.results if r.focus_node == NW + "hr"}
    assert on_hr["audit/model-validity-unknown-key"] == "Customer team Corporate Functions"
    assert set(on_hr.values()) == {"Customer team Corporate Functions"}
    html = render_html(report)
    assert html.count(f'<code class="small">{NW}hr</code>') == 1


def test_an_unknown_term_on_an_unnamed_row_is_labelled_as_its_other_findings() -> None:
    """Evidence (a row with no name: a blank node) citing practice '3.2' had its shape finding
    under "Evidence of Relationship Management maturity 2025" and its unknown-term finding
    under "(unnamed node)", two headings in the report for one row."""
    data = template_bytes(example=True)
    report = audit([Upload("model.xlsx", _edit(data, "Evidence", "B2", "3.2"))], context())
    on_row = {r.rule: r.focus_label for r in report.results if r.where == "Evidence!B2"}
    assert on_row == {
        "EvidencePracticeShape": "Evidence of Relationship Management maturity 2025",
        "audit/model-validity-unknown-term": "Evidence of Relationship Management maturity 2025",
    }


@pytest.mark.parametrize("typed", ["3.2", "practice/3.2"])
def test_a_practice_typed_short_is_told_its_full_value(typed: str) -> None:
    """A practice typed '3.2' where the template wants SRP/A2/practice/3.2 had no suggestion:
    the practices whose full value ends in it are now named, in the form the column takes."""
    data = template_bytes(example=True)
    report = audit([Upload("model.xlsx", _edit(data, "Evidence", "B2", typed))], context())
    found = [r for r in report.results if r.rule == "audit/model-validity-unknown-term"]
    assert [r.where for r in found] == ["Evidence!B2"]
    assert found[0].message.endswith(
        "; did you mean SRP/A2/practice/3.2"
        " (Establish a proactive stakeholder expectation management process.)?"
    ), found[0].message


@pytest.mark.parametrize("typed", ["3.10", "practice/3.10"])
def test_a_practice_typed_short_and_nearly_right_is_told_the_nearest(typed: str) -> None:
    """A practice typed '3.10' (IT-CMF numbers none so: 3.1 with a zero, as a spreadsheet
    shows a number kept as text) had no suggestion at all, while '3.1' had
    SRP/A2/practice/3.1: only a full value ending in exactly what was typed was named. The
    nearest one is named now, as for a full value mistyped."""
    data = template_bytes(example=True)
    report = audit([Upload("model.xlsx", _edit(data, "Evidence", "B2", typed))], context())
    found = [r for r in report.results if r.rule == "audit/model-validity-unknown-term"]
    assert [r.where for r in found] == ["Evidence!B2"]
    # the nearest first
    assert "; did you mean SRP/A2/practice/3.1 (" in found[0].message, found[0].message


def test_findings_on_a_workbook_name_their_cell_in_json_text_and_html() -> None:
    data = _xlsx(FINDINGS)
    report = audit([Upload("contoso.xlsx", data)], context())
    purchaser = next(
        r
        for r in report.results
        if r.rule == "CustomerPurchaserShape" and r.focus_node == CONTOSO + "warehousing"
    )
    row = _row_of(data, "Customers", "warehousing")
    where = f"Customers!{_col('Customers', 'Purchaser')}{row}"
    assert purchaser.where == where
    doc = json.loads(report.to_json())
    located = [r for r in doc["results"] if r["focusNode"] == CONTOSO + "warehousing"]
    assert {
        "file": "contoso.xlsx",
        "sheet": "Customers",
        "row": row,
        "column": _col("Customers", "Purchaser"),
    } in [r["location"] for r in located]
    assert where in report.to_text()
    assert where in render_html(report)
    # every finding on a workbook has a location
    assert all(r["location"] for r in doc["results"])


def test_findings_on_rdf_have_no_location() -> None:
    report = audit([Upload("m.ttl", FINDINGS.read_bytes())], context())
    assert all(r["location"] is None for r in json.loads(report.to_json())["results"])


def test_workbook_audits_like_its_turtle() -> None:
    as_ttl = audit([Upload("m.ttl", FINDINGS.read_bytes())], context())
    as_xlsx = audit([Upload("m.xlsx", _xlsx(FINDINGS))], context())

    def key(report):  # type: ignore[no-untyped-def]
        return {
            (r.rule, r.focus_node if not r.focus_node.startswith("_:") else r.focus_label, r.value)
            for r in report.results
        }

    assert key(as_ttl) == key(as_xlsx)


def test_not_a_template_names_what_is_missing() -> None:
    wb = Workbook()
    wb.active.title = "Customers"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ModelError) as err:
        read_workbook(buf.getvalue(), "mine.xlsx")
    assert "not the organisational-model template" in str(err.value)
    assert "'Agreements'" in str(err.value) and "'Customers'" not in str(err.value)
    # a header renamed
    data = _edit(template_bytes(), "Customers", "D1", "Buyer")
    with pytest.raises(ModelError) as err2:
        read_workbook(data, "mine.xlsx")
    assert "Customers!Purchaser" in str(err2.value)
    assert err2.value.http_status == 422


def test_a_template_header_in_two_columns_is_refused_naming_both() -> None:
    """A second 'Purchaser' column (a copy the user made) silently won: the template's own
    column D, holding every customer's purchaser, was unread and listed as '(no header)', and
    the customers were reported as having no purchaser at the cells of the copy."""
    example = template_bytes(example=True)

    def copy_column(wb: Any) -> None:
        ws = wb["Customers"]
        ws["I1"], ws["I2"] = " purchaser", "nils-ek"

    with pytest.raises(ModelError) as err:
        read_workbook(edited_workbook(example, copy_column), "mine.xlsx")
    assert str(err.value).startswith(
        "mine.xlsx: sheet 'Customers' has the header 'Purchaser' in columns D and I of row 1"
    )
    assert err.value.http_status == 422
    # a column of the user's own beside the table stays a column not used by the audit
    notes = _edit(example, "Customers", "I1", "Notes")
    read_workbook(_edit(notes, "Customers", "I2", "x"), "mine.xlsx")


def test_not_a_zip_and_zip_bomb_are_refused() -> None:
    with pytest.raises(ModelError):
        read_workbook(b"PK\x03\x04 not really", "x.xlsx")
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/big.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(PayloadTooLarge) as err:
        read_workbook(buf.getvalue(), "bomb.xlsx")
    assert "compression ratio" in str(err.value)


def test_xml_part_with_a_dtd_is_refused() -> None:
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(template_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]>\n' + data
            out.writestr(info, data)
    with pytest.raises(ParseError) as err:
        read_workbook(buf.getvalue(), "dtd.xlsx")
    assert "xl/workbook.xml" in str(err.value) and "DTD" in str(err.value)


def _with_shared_strings(data: bytes) -> bytes:
    """The workbook as Excel saves it: every text in the shared string table (openpyxl writes
    inline strings)."""
    import re
    import zipfile

    shared: list[str] = []
    cell = re.compile(rb'<c ([^>]*?)t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.S)

    def to_shared(m: re.Match[bytes]) -> bytes:
        shared.append(m.group(2).decode())
        return b"<c " + m.group(1) + b't="s"><v>' + str(len(shared) - 1).encode() + b"</v></c>"

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            part = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                part = cell.sub(to_shared, part)
            out.writestr(info, part)
        items = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in shared)
        out.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + items
            + "</sst>",
        )
    assert shared  # texts were moved
    return buf.getvalue()


def test_excel_style_shared_strings_read_the_same() -> None:
    original = _triples(CONFORMING.read_bytes())
    data = _with_shared_strings(workbook_bytes(original))
    result = read_workbook(data, "excel.xlsx")
    assert result.findings == []
    assert isomorphic(_graph(original), _graph(result.triples))


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil.example/","click")',
        '\uff1dHYPERLINK("http://evil.example/","click")',  # fullwidth equals sign
        " @SUM(1+1)*cmd|' /C calc'!A0",  # a space before the trigger
    ],
)
def test_text_cells_are_strings_never_formulas(hostile: str) -> None:
    text = CONFORMING.read_text(encoding="utf-8").replace(
        'rdfs:label "Group Finance"', f"rdfs:label {json.dumps(hostile)}"
    )
    data = workbook_bytes(_triples(text.encode()))
    ws = load_workbook(io.BytesIO(data))["Customers"]
    cell = ws.cell(_row_of(data, "Customers", "finance"), 2)
    assert cell.value == hostile and cell.data_type == "s" and cell.quotePrefix
    result = read_workbook(data, "m.xlsx")
    assert isomorphic(_graph(_triples(text.encode())), _graph(result.triples))


def test_mistyped_codes_and_terms_in_a_workbook_are_located_with_did_you_mean() -> None:
    data = template_bytes(example=True)
    row = _row_of(data, "Processes", "proc-service-catalogue")
    cell = f"{_col('Processes', 'Implements')}{row}"
    data = _edit(data, "Processes", cell, "20617; 20365; A23")
    wb = load_workbook(io.BytesIO(data))
    other = wb[OTHER_SHEET]
    other.append(["finance", "orgm:purchasr", "karin-holm", "node"])
    other_row = other.max_row
    buf = io.BytesIO()
    wb.save(buf)
    report = audit([Upload("model.xlsx", buf.getvalue())], context())
    unknown = {r.where: r.message for r in report.results if r.rule.endswith("unknown-term")}
    assert "did you mean 20635" in unknown[f"Processes!{cell}"]
    assert "did you mean orgm:purchaser" in unknown[f"'{OTHER_SHEET}'!A{other_row}"]


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x0b"])
def test_a_control_character_no_worksheet_holds_is_a_model_error_naming_its_cell(
    char: str,
) -> None:
    """pcfgraph convert model.ttl model.xlsx of a label with ESC (Turtle "\\u001b") stopped
    with 'internal error (IllegalCharacterError ...) This is a bug' (exit 3): openpyxl refuses
    what XML 1.0 cannot hold. It is a ModelError (exit 2) naming the value and its cell."""
    label = "Group" + char + "Finance"
    text = CONFORMING.read_text(encoding="utf-8").replace(
        'rdfs:label "Group Finance"', f"rdfs:label {json.dumps(label)}"
    )
    with pytest.raises(ModelError) as refused:
        workbook_bytes(_triples(text.encode()))
    row = _row_of(_xlsx(CONFORMING), "Customers", "finance")
    message = str(refused.value)
    assert f"{label!r} (for Customers!B{row}) has the control character U+{ord(char):04X}" in (
        message
    )
    assert char not in message  # shown as its escape, never as the character


def test_keys_iris_cannot_hold_as_they_are_are_nodes_of_their_own_and_round_trip() -> None:
    """A key with ``%``, ``[`` or a character outside IRIs (``Unit 50%``) made the whole
    workbook "not a readable .xlsx workbook: ValueError"; and ``a b`` and ``a%20b`` were one
    node. Each key is now its own node, and a workbook written from the model has the same
    keys again."""
    keys = ["Unit 50%", "a b", "a%20b", "[1]", "Zürich ✓", "x\u0085y"]

    def units(wb: Workbook) -> None:
        for i, key in enumerate(keys):
            wb["Units"].append([key, f"unit {i}"])

    result = read_workbook(edited_workbook(template_bytes(), units), "model.xlsx")
    assert result.findings == []
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    named = {
        t.object.value: t.subject
        for t in result.triples
        if isinstance(t, ox.Triple) and t.predicate == label
    }
    assert set(named) == {f"unit {i}" for i in range(len(keys))}
    assert len(set(named.values())) == len(keys)  # one node each
    assert named["unit 1"].value.endswith("/a%20b") and named["unit 2"].value.endswith("/a%2520b")
    again = load_workbook(io.BytesIO(workbook_bytes(list(result.triples))))
    written = [row[0] for row in again["Units"].iter_rows(min_row=2, values_only=True)]
    assert sorted(written) == sorted(keys)


def test_a_workbook_with_no_audited_organisation_is_told_to_add_its_row() -> None:
    """A workbook with a column of its own (kept as 'not used by the audit') and no audited
    organisation was told about ArchiMate ("give the audited organisation's business actor
    the property Kind ... (the model has no business actor)") after the RDF statement to
    make: neither is in a workbook. It is told which sheet to add the row on."""
    from pcfgraph.audit.parse import read_model

    def other(wb: Any) -> None:
        ws = wb["Organisation"]
        kind = template_column("Organisation", "Kind")
        for row in range(2, ws.max_row + 1):
            if ws[f"{kind}{row}"].value:
                ws[f"{kind}{row}"] = "Other organisation"
        ws.cell(row=2, column=ws.max_column + 2).value = "a note of ours"

    data = edited_workbook(template_bytes(example=True), other)
    with pytest.raises(ModelError) as refused:
        read_model([Upload("org.xlsx", data)])
    message = str(refused.value)
    assert message.startswith(
        "org.xlsx: the model describes no organisation: on the workbook's Organisation sheet, "
        "add a row of Kind 'Audited organisation'"
    ), message
    assert "ArchiMate" not in message and "business actor" not in message
    assert "orgm:Organisation`" not in message
