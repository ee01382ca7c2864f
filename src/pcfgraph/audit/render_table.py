"""The audit's findings as a table for remediation tracking: CSV (one row per finding) and XLSX
(a ``Findings`` sheet, a ``Report`` sheet with how the audit was run and its totals, and a
``Notices`` sheet with the notices of the frameworks the findings quote).

One row per finding listed (:meth:`~pcfgraph.audit.report.AuditReport.shown`) and, against a
baseline, one per earlier finding not found again (status ``resolved``), in a fixed order
(report section, severity, rule, organisational unit, focus node label, focus node, path,
value), so the same model gives the same file; every row ends with how the audit was run
(:func:`audit_cells`), so a table signed on its own names what it was checked against. Every cell goes through :mod:`pcfgraph.cells`
(CSV: risky text prefixed with ``'``; XLSX: string cells, risky text ``quotePrefix``), and an
XLSX file carries no clock: its timestamps are the audit's date, so it is byte-for-byte the
same for the same audit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Final

from pcfgraph.audit.report import SEVERITIES, AuditReport, AuditResult
from pcfgraph.audit.rules import AUDIT_ORIGIN, rule_name
from pcfgraph.cells import write_csv
from pcfgraph.terminal_text import printable

#: The columns of a finding row, in order (CSV header, XLSX ``Findings`` sheet).
COLUMNS: Final = (
    "status",
    "severity",
    "rule",
    "requirement",
    "section",
    "unit",
    "focus label",
    "focus node",
    "location",
    "file",
    "path",
    "value",
    "message",
    "hint",
    "source framework",
    "source code",
    "source name",
    "source iri",
    "shape",
    "notice",
    # "audit" (the audit's own model-validity rule: no source by design) or "framework"
    "rule origin",
    # How the audit that wrote the file was run, the same on every row (:func:`audit_cells`)
    "model sha256",
    "release",
    "rules sha256",
    "profile",
    "as of",
    # where "as of" came from: "model" (its orgm:describedAsOf), "caller" or "today"
    "as of source",
)
_SEVERITY_RANK: Final = {s: i for i, s in enumerate(SEVERITIES)}


def _rules(report: AuditReport) -> dict[str, dict[str, Any]]:
    """Rule IRI -> the rule as the report lists it, and the audit's own rules (a bad value in
    a workbook cell, an unknown term, ignored framework statements) by their requirement
    whether the report lists them or not (a report's list of rules applied once left them
    out)."""
    from pcfgraph.audit.findings import IGNORED_RULE
    from pcfgraph.audit.inputs.model import MODEL_RULES

    own = {
        rule.iri: {
            "rule": rule.name,
            "iri": rule.iri,
            "message": rule.message,
            "origin": AUDIT_ORIGIN,
        }
        for rule in (*MODEL_RULES.values(), IGNORED_RULE)
    }
    return own | {str(r.get("iri")): r for r in report.rules}


def _sections(report: AuditReport) -> dict[str | None, tuple[float, str]]:
    return {
        g.get("iri"): (float(g.get("order") or 0), str(g.get("label") or "")) for g in report.groups
    }


def _notices(report: AuditReport) -> dict[str, str]:
    """Framework title -> the notice its content is quoted under (``dcterms:rights``)."""
    out: dict[str, str] = {}
    for f in report.checked_against.get("frameworks", []):
        if f.get("rights") and f.get("title"):
            out[str(f["title"])] = str(f["rights"])
    return out


def _row(
    r: AuditResult,
    rules: dict[str, dict[str, Any]],
    sections: dict[str | None, tuple[float, str]],
    notices: dict[str, str],
) -> list[Any]:
    rule = rules.get(r.shape, {})
    location = r.location or {}
    framework = r.source_framework or ""
    return [
        r.status or "",
        r.severity,
        r.rule,
        rule.get("message") or "",
        sections.get(r.group, (0.0, "Other rules"))[1],
        r.unit_label or "",
        r.focus_label,
        r.focus_node,
        r.where or "",
        location.get("file") or "",
        r.path or "",
        r.value if r.value is not None else "",
        r.message,
        r.hint or "",
        framework,
        r.source_code or "",
        r.source_name or "",
        r.source or "",
        r.shape,
        notices.get(framework, ""),
        r.rule_origin,
    ]


def _resolved_row(
    found: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    sections: dict[str | None, tuple[float, str]],
) -> list[Any]:
    """An earlier finding not found again: what the baseline kept of it."""
    shape = str(found.get("shape") or "")
    rule = rules.get(shape, {})
    return [
        "resolved",
        found.get("severity") or "",
        rule_name(shape),
        rule.get("message") or "",
        sections.get(rule.get("group"), (0.0, "Other rules"))[1],
        "",
        found.get("focusLabel") or "",
        found.get("focusNode") or "",
        "",
        "",
        found.get("path") or "",
        found.get("value") or "",
        "",
        "",
        "",
        "",
        "",
        "",
        shape,
        "",
        rule.get("origin") or "",
    ]


def _order(
    sections: dict[str | None, tuple[float, str]],
) -> Any:
    index = {c: i for i, c in enumerate(COLUMNS)}
    section_order = {label: order for order, label in sections.values()}

    def key(row: list[Any]) -> tuple[Any, ...]:
        def col(name: str) -> str:
            return str(row[index[name]])

        return (
            col("status") == "resolved",
            section_order.get(col("section"), 1e9),
            col("section"),
            _SEVERITY_RANK.get(col("severity"), len(SEVERITIES)),
            col("rule"),
            col("unit"),
            col("focus label").casefold(),
            col("focus node"),
            col("path"),
            col("value"),
            col("location"),
            col("message"),
        )

    return key


def audit_cells(report: AuditReport) -> list[str]:
    """The last cells of every row: what was checked (each model file as ``sha256sum`` prints
    it, ``HEX  NAME``, ``; ``-joined), against what (release id, rules sha256) and how
    (profile, as of). A CSV has no place for facts about the whole file but its rows: a CSV
    signed on its own named neither the release nor the rules, while a preamble line or a
    sibling file would break every CSV reader or be parted from it."""
    against = report.checked_against
    return [
        "; ".join(f"{f['sha256']}  {f['name']}" for f in report.files),
        str(against.get("release") or ""),
        str(against.get("rules") or ""),
        report.profile,
        report.as_of or "",
        report.as_of_source or "",
    ]


def finding_rows(report: AuditReport) -> list[list[Any]]:
    """Every finding listed, and against a baseline every resolved one, as rows of
    :data:`COLUMNS` in their fixed order; each text cell as the text report shows it
    (:func:`pcfgraph.terminal_text.printable`): a label or value quoting the model's text
    held a right-to-left override (the cell read in another order than the model holds it), a
    zero-width space or a control character the auditor could not see, and a baseline read
    from this table matches them so (:mod:`pcfgraph.audit.baseline`)."""
    rules, sections, notices = _rules(report), _sections(report), _notices(report)
    rows = [_row(r, rules, sections, notices) for r in report.shown()]
    if report.baseline is not None:
        rows += [
            _resolved_row(f, rules, sections) for f in report.baseline.get("resolvedFindings", [])
        ]
    made = audit_cells(report)  # a file's name is the model's text too
    shown = [[printable(c) if isinstance(c, str) else c for c in [*row, *made]] for row in rows]
    return sorted(shown, key=_order(sections))


def report_facts(report: AuditReport) -> list[tuple[str, Any]]:
    """How the audit was run and its totals, as (fact, value) rows (the XLSX ``Report``
    sheet)."""
    against = report.checked_against
    counts = report.counts
    facts: list[tuple[str, Any]] = [
        ("model", ", ".join(report.sources)),
        *((("organisation", report.organisation),) if report.organisation else ()),
        *((f"sha256 of {f['name']}", f["sha256"]) for f in report.files),
        ("triples read", report.triples),
        ("as of", report.as_of or ""),
        ("as of source", report.as_of_source or ""),
        ("profile", report.profile),
        *((("profile sha256", report.profile_sha256),) if report.profile_sha256 else ()),
        ("rules switched off", ", ".join(report.deactivated)),
        ("checked against", report.checked_against_text()),
        ("release", against.get("release") or ""),
        ("pcfgraph", against.get("pcfgraph") or ""),
        ("rules sha256", against.get("rules") or ""),
        ("conforms", "yes" if report.conforms else "no"),
        *((f"{s.lower()}s", counts.get(s, 0)) for s in SEVERITIES),
        ("findings", len(report.results)),
        ("findings listed", len(report.shown())),
        ("truncated", "yes" if report.truncated else "no"),
    ]
    if report.baseline is not None:
        b = report.baseline
        facts += [
            ("new", b.get("new", 0)),
            ("unchanged", b.get("unchanged", 0)),
            ("resolved", b.get("resolved", 0)),
            *((f"baseline {k}", v) for k, v in b.get("made", {}).items()),
            *(
                (f"baseline made with another {d['what']}", d["baseline"])
                for d in b.get("differences", [])
            ),
        ]
    return facts


#: UTF-8's byte order mark: Excel opens a CSV file without it in the computer's ANSI code page
#: ("MarÃ­a GonzÃ¡lez" for "María González"); with it, as UTF-8. Other readers skip it.
BOM: Final = b"\xef\xbb\xbf"


def to_csv(report: AuditReport) -> bytes:
    """The findings as CSV (UTF-8 with :data:`BOM`, for Excel): a header of :data:`COLUMNS`,
    one row per finding, every cell escaped against formula injection."""
    return BOM + write_csv(COLUMNS, finding_rows(report))


def _frameworks(report: AuditReport) -> Iterator[list[Any]]:
    for f in report.checked_against.get("frameworks", []):
        yield [
            f.get("id") or "",
            f.get("title") or "",
            f.get("version") or "",
            f.get("rights") or "",
        ]


#: What an XLSX cell cannot hold: the control characters XML 1.0 forbids (openpyxl refuses
#: them: a model's "Team\u0001" ended the audit in an internal error) and more than 32,767
#: characters (Excel's limit for a cell: it "repairs" such a file by dropping its contents).
_XML_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CELL_LIMIT: Final = 32_767


def xlsx_text(value: Any) -> Any:
    """``value`` as an XLSX cell can hold it: each forbidden control character shown as its
    Unicode control picture (U+0001 as U+2401), text over Excel's cell limit cut with a note
    saying how much; anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = _XML_ILLEGAL.sub(lambda m: chr(0x2400 + ord(m.group())), value)
    if len(text) > _CELL_LIMIT:
        note = f" [cut: {len(text):,} characters]"
        text = text[: _CELL_LIMIT - len(note)] + note
    return text


#: The widest a column is made (characters): longer text (messages, passages, notices) is cut
#: at the column's edge on screen and whole in the cell.
_MAX_WIDTH: Final = 60


def _fit_columns(ws: Any, rows: list[list[Any]]) -> None:
    """Each column as wide as its longest line (at most :data:`_MAX_WIDTH`): openpyxl leaves
    every column at Excel's default, where an IRI or a message shows a dozen characters."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in rows:
        for i, value in enumerate(row, 1):
            text = "" if value is None else str(value)
            longest = max((len(line) for line in text.splitlines()), default=0)
            widths[i] = max(widths.get(i, 8), min(longest + 2, _MAX_WIDTH))
    for i, width in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = width


#: The date in an XLSX file's properties when the report has none (the ZIP format's epoch).
_NO_DATE: Final = datetime(1980, 1, 1)


class _PinnedZip(zipfile.ZipFile):
    """A ZIP archive whose members all carry one timestamp (not the clock's)."""

    pinned: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.pinned)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: Any,
        arcname: Any = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """A file's bytes as a member (openpyxl writes each worksheet through a file)."""
        with open(filename, "rb") as f:
            data = f.read()
        self.writestr(str(arcname or filename), data, compress_type, compresslevel)


def _audit_datetime(report: AuditReport) -> datetime:
    try:
        day = date.fromisoformat(report.as_of) if report.as_of else None
    except ValueError:
        day = None
    return datetime(day.year, day.month, day.day) if day and day.year >= 1980 else _NO_DATE


def to_xlsx(report: AuditReport) -> bytes:
    """The findings as a workbook: ``Findings`` (:data:`COLUMNS`, filterable, header frozen),
    ``Report`` (:func:`report_facts`) and ``Notices`` (each framework edition checked against
    with its notice). Every text cell is a string cell; risky text is shown as typed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    from pcfgraph.cells import safe_xlsx_sheet

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Findings"
    ws.append(list(COLUMNS))
    rows = finding_rows(report)
    for row in rows:
        ws.append([xlsx_text(v) for v in row])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(COLUMNS)).column_letter}{len(rows) + 1}"
    safe_xlsx_sheet(ws)
    _fit_columns(ws, [list(COLUMNS), *rows])
    facts = wb.create_sheet("Report")
    facts.append(["fact", "value"])
    for fact in report_facts(report):
        facts.append([xlsx_text(v) for v in fact])
    safe_xlsx_sheet(facts)
    notices = wb.create_sheet("Notices")
    notices.append(["framework", "title", "version", "notice"])
    for framework in _frameworks(report):
        notices.append([xlsx_text(v) for v in framework])
    safe_xlsx_sheet(notices)
    for sheet in (facts, notices):
        for cell in sheet[1]:
            cell.font = bold
        _fit_columns(sheet, [[c.value for c in row] for row in sheet.iter_rows()])
    when = _audit_datetime(report)
    wb.properties.creator = "pcfgraph"
    wb.properties.lastModifiedBy = "pcfgraph"
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    archive = _PinnedZip(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    archive.pinned = (when.year, when.month, when.day, 0, 0, 0)
    ExcelWriter(wb, archive).save()  # not openpyxl's save_workbook, which stamps the clock
    return buf.getvalue()


# --- reading an export back (a baseline) ---------------------------------------------------------

#: The columns a findings table needs to serve as a baseline, and the baseline keys they fill.
_BASELINE_KEYS: Final = {
    "focus node": "focusNode",
    "focus label": "focusLabel",
    "path": "path",
    "value": "value",
    "severity": "severity",
    "shape": "shape",
}


def read_findings_table(data: bytes, name: str) -> dict[str, Any] | None:
    """A findings export of this module (CSV, or XLSX with its ``Findings`` sheet) as a
    baseline document (``{"results": [...], "truncated": bool}`` and how that audit was run,
    ``asOf``, ``profile``, ``checkedAgainst``: the keys of a JSON report), so last quarter's
    spreadsheet is the baseline of this quarter's audit; the rows of findings it listed as
    ``resolved`` are not in it. Columns are found by their header
    (columns added, moved or filtered in a spreadsheet are fine); CSV cells lose the ``'``
    that escaped a formula. None when ``data`` is no such table."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx_table(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return None
    return _table_document([[_unescaped(c) for c in row] for row in rows], truncated=False)


def _unescaped(cell: str) -> str:
    from pcfgraph.cells import is_risky

    return cell[1:] if cell.startswith("'") and is_risky(cell[1:]) else cell


def _read_xlsx_table(data: bytes, name: str) -> dict[str, Any] | None:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    try:
        if "Findings" not in wb.sheetnames:
            return None
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in wb["Findings"].iter_rows(values_only=True)
        ]
        facts = {}
        if "Report" in wb.sheetnames:
            facts = {
                str(row[0]): row[1]
                for row in wb["Report"].iter_rows(values_only=True)
                if len(row) >= 2 and row[0] is not None
            }
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):
        return None
    finally:
        wb.close()
    doc = _table_document(rows, truncated=facts.get("truncated") == "yes")
    if doc is not None:  # how that audit was run, as a JSON report says it (Report sheet)
        doc["asOf"] = _fact(facts, "as of") or doc["asOf"]
        doc["asOfSource"] = _fact(facts, "as of source") or doc["asOfSource"]
        doc["profile"] = {"name": _fact(facts, "profile") or doc["profile"]["name"]}
        doc["checkedAgainst"] = {
            "release": _fact(facts, "release") or doc["checkedAgainst"]["release"],
            "rules": _fact(facts, "rules sha256") or doc["checkedAgainst"]["rules"],
        }
    return doc


def _fact(facts: dict[str, Any], name: str) -> str | None:
    value = facts.get(name)
    return str(value) if value not in (None, "") else None


def _table_document(rows: list[list[str]], *, truncated: bool) -> dict[str, Any] | None:
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if not {"focus node", "shape"} <= set(header):
        return None
    at = {h: i for i, h in reversed(list(enumerate(header)))}  # the first of a repeated header
    status = at.get("status")
    results = []
    for row in rows[1:]:
        if status is not None and status < len(row) and row[status] == "resolved":
            continue
        found: dict[str, Any] = {}
        for column, key in _BASELINE_KEYS.items():
            i = at.get(column)
            cell = row[i] if i is not None and i < len(row) else ""
            found[key] = cell or None
        if found["focusNode"] and found["shape"]:
            results.append(found)
    made = {
        column: row[at[column]] or None
        for row in rows[1:2]
        for column in ("as of", "as of source", "profile", "release", "rules sha256")
        if at.get(column, len(row)) < len(row)
    }
    return {  # how that audit was run, from its rows' last cells (none in an older table)
        "results": results,
        "truncated": truncated,
        "asOf": made.get("as of"),
        "asOfSource": made.get("as of source"),
        "profile": {"name": made.get("profile")},
        "checkedAgainst": {"release": made.get("release"), "rules": made.get("rules sha256")},
    }
